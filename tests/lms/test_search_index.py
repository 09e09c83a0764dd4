"""PostgreSQL's keyword search matches ``title || body``: the index lms/0010 adds must be on that
very expression, or every search reads every entry again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import CoursePage
from lms.search import ngram_matching_ids
from tests.factories import CourseIndexPageFactory, CoursePageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

SEARCHED = '("wagtailsearch_indexentry"."title" || "wagtailsearch_indexentry"."body")'


def test_the_search_matches_the_indexed_expression_and_sends_only_keys(home_page):
    catalogue = CourseIndexPageFactory(parent=home_page)
    wanted = CoursePageFactory(parent=catalogue, title="地域防災リーダー養成講座", slug="bosai")
    CoursePageFactory(parent=catalogue, title="子ども食堂の始め方", slug="shokudo")
    wanted.save_revision().publish()  # indexed on publish

    with CaptureQueriesContext(connection) as queries:
        ids = ngram_matching_ids(CoursePage.objects.live(), "防災")
    assert ids == [wanted.pk]
    search = next(q["sql"] for q in queries if "@@" in q["sql"])
    assert f"{SEARCHED} @@" in search
    assert "_vector_" not in search.split(" FROM ", 1)[0]  # the keys only, not the vectors

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'lms_search_title_body_gin'"
        )
        (definition,) = cursor.fetchone()
    assert "USING gin (((title || body)))" in definition
