"""Pages issue a bounded number of SQL queries, whatever the number of rows (no N+1)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.models import CaseStudyPage, NewsPage
from lms.models import Field, Municipality
from tests.factories import ActivityFactory, OrganisationFactory, add_page

pytestmark = pytest.mark.django_db


def _add_organisations(count: int, start: int = 0) -> None:
    """Organisations in Kobe's wards, each with two fields and two activities."""
    fields = list(Field.objects.all()[:4])
    wards = list(Municipality.objects.filter(kind="ward"))
    for n in range(start, start + count):
        org = OrganisationFactory(municipality=wards[n % len(wards)])
        org.fields.set(fields[n % 2 :: 2])
        org.save()
        ActivityFactory(organisation=org, title=f"サロン{n}", municipality=wards[0])
        ActivityFactory(organisation=org, title=f"食堂{n}")


def _count_queries(client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


def test_directory_page_query_count_does_not_grow_with_organisations(client, directory_page):
    """Group, type, municipality (and its parent city), fields and activities come from
    select_related/prefetch_related, so 15 organisations cost what 5 do."""
    _add_organisations(5)
    _count_queries(client, "/organisations/")  # warm Wagtail's site and locale caches
    with_five = _count_queries(client, "/organisations/")
    assert len(client.get("/organisations/").context["organisations"]) == 5

    _add_organisations(10, start=5)
    with_fifteen = _count_queries(client, "/organisations/")

    assert len(client.get("/organisations/").context["organisations"]) == 15
    assert with_fifteen == with_five
    assert with_five <= 25


def test_filtered_directory_page_has_the_same_bounded_query_count(
    client, directory_page, django_assert_max_num_queries
):
    """Filtering (keyword join with DISTINCT, parent-city match) adds no per-row queries."""
    kobe = Municipality.objects.get(code="281000")
    _add_organisations(5)
    _count_queries(client, "/organisations/", municipality=kobe.pk, q="サロン")
    few = _count_queries(client, "/organisations/", municipality=kobe.pk, q="サロン")
    _add_organisations(10, start=5)

    with django_assert_max_num_queries(few):
        response = client.get("/organisations/", {"municipality": kobe.pk, "q": "サロン"})
    assert len(response.context["organisations"]) == 15


def test_organisation_detail_query_count_does_not_grow_with_activities(client, directory_page):
    org = OrganisationFactory(slug="busy-org")
    org.fields.set(Field.objects.all()[:3])
    org.save()
    ActivityFactory(organisation=org, municipality=Municipality.objects.get(code="281107"))
    _count_queries(client, "/organisations/busy-org/")
    one = _count_queries(client, "/organisations/busy-org/")
    for _ in range(9):
        ActivityFactory(organisation=org, municipality=Municipality.objects.get(code="281107"))

    assert _count_queries(client, "/organisations/busy-org/") == one


def test_news_and_case_study_indexes_query_count_does_not_grow(
    client, news_index, case_study_index
):
    """Each news item's and case study's fields are prefetched, and organisations joined."""
    fields = list(Field.objects.all()[:2])

    def add(n: int) -> None:
        news = NewsPage(title=f"お知らせ{n}", slug=f"news-{n}", date=dt.date(2026, 4, 1 + n))
        news.fields = fields
        add_page(news_index, news)
        study = CaseStudyPage(
            title=f"事例{n}", slug=f"case-{n}", organisation=OrganisationFactory()
        )
        study.fields = fields
        add_page(case_study_index, study)

    for n in range(2):
        add(n)
    _count_queries(client, "/news/")
    _count_queries(client, "/case-studies/")
    news_few, cases_few = _count_queries(client, "/news/"), _count_queries(client, "/case-studies/")
    for n in range(2, 8):
        add(n)

    assert _count_queries(client, "/news/") == news_few
    assert _count_queries(client, "/case-studies/") == cases_few
