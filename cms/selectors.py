"""Read-side queries for site content. Every list is fetched with its relations in bulk."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from wagtail.models import Locale, Page
from wagtail.search.backends import get_search_backend

from cms.models import Activity, CaseStudyPage, NewsPage, Organisation
from lms.models import Field, Municipality, OrganisationGroup
from lms.search import ngram_query


def news_list_latest(*, locale: Locale, limit: int = 3) -> list[NewsPage]:
    return list(
        NewsPage.objects.live().public().filter(locale=locale).order_by("-date", "-pk")[:limit]
    )


def pages_for_featured(featured) -> list[Page]:
    """The live pages an editor featured, in the editor's order, in one query."""
    ids = [
        block["value"]
        for block in featured.raw_data
        if block.get("type") == "page" and block.get("value")
    ]
    pages = {page.pk: page for page in Page.objects.live().public().filter(pk__in=ids).specific()}
    return [pages[pk] for pk in ids if pk in pages]


def case_study_list(*, parent: Page, field_slug: str = "") -> QuerySet[CaseStudyPage]:
    studies = (
        CaseStudyPage.objects.child_of(parent)
        .live()
        .public()
        .select_related("organisation")
        .prefetch_related("fields")
        .order_by("-first_published_at", "-pk")
    )
    if field_slug:
        studies = studies.filter(fields__slug=field_slug)
    return studies


def organisation_list_listed(
    *,
    q: str = "",
    group: OrganisationGroup | None = None,
    field: Field | None = None,
    municipality: Municipality | None = None,
) -> QuerySet[Organisation]:
    """Listed organisations, filtered; choosing a city also finds organisations in its wards."""
    organisations = (
        Organisation.objects.filter(is_listed=True)
        .select_related("organisation_type__group", "municipality__parent")
        .prefetch_related(
            "fields",
            Prefetch(
                "activities", queryset=Activity.objects.select_related("municipality__parent")
            ),
        )
    )
    if q:
        organisations = organisations.filter(
            Q(name__icontains=q)
            | Q(name_kana__icontains=q)
            | Q(description__icontains=q)
            | Q(activities__title__icontains=q)
        ).distinct()
    if group:
        organisations = organisations.filter(organisation_type__group=group)
    if field:
        organisations = organisations.filter(fields=field)
    if municipality:
        organisations = organisations.filter(
            Q(municipality=municipality) | Q(municipality__parent=municipality)
        )
    return organisations.order_by("name_kana", "name")


def site_search(*, query: str, locale: Locale):
    """Live pages in the visitor's language matching every n-gram of ``query``."""
    terms = ngram_query(query)
    if not terms:
        return Page.objects.none()
    return (
        Page.objects.live().public().filter(locale=locale).specific().search(terms, operator="and")
    )


def directory_page_for_locale(*, locale: Locale):
    """The live organisation directory in ``locale`` (falling back to any), for organisation links."""
    from cms.models import OrganisationDirectoryPage

    pages = OrganisationDirectoryPage.objects.live().public()
    return pages.filter(locale=locale).first() or pages.first()


def organisation_search(*, query: str):
    terms = ngram_query(query)
    if not terms:
        return Organisation.objects.none()
    return get_search_backend().search(
        terms, Organisation.objects.filter(is_listed=True), operator="and"
    )
