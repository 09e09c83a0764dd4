"""The 防災 search on PostgreSQL full text (the production backend). Deselected on SQLite."""

import pytest

from cms.models import StandardPage
from tests.factories import add_page


@pytest.mark.postgres
# serialized_rollback: put the migrations' data back afterwards, and keep the flush from
# re-running post_migrate, so later transactional tests restore cleanly (see test_concurrency).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_search_on_postgres_finds_a_japanese_word_inside_a_longer_title(client, home_page):
    add_page(home_page, StandardPage(title="地域防災リーダー養成講座", slug="bosai-leader"))

    found = client.get("/search/", {"q": "防災"})
    also_found = client.get("/search/", {"q": "養成講座"})
    not_found = client.get("/search/", {"q": "防犯"})

    assert found.status_code == 200
    assert [page.title for page in found.context["pages"]] == ["地域防災リーダー養成講座"]
    assert [page.title for page in also_found.context["pages"]] == ["地域防災リーダー養成講座"]
    assert list(not_found.context["pages"]) == []
