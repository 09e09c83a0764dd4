"""The catalogue keeps what every visitor sees (the filter form as submitted, a search's result,
each course's card) under the public version (lms.pagecache): the page is the one that would
have been rendered afresh, every change shows on the next request, each language gets its own,
and a card follows the moments its enrolment opens and closes and the day its run ends."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import CourseKind, EnrolmentStatus
from courses.services.enrolment import enrolment_create
from lms.models import Field, Profession
from tests.factories import (
    CourseIndexPageFactory,
    CoursePageFactory,
    CourseRunFactory,
    EnrolmentFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]

URL = "/courses/"
BOSAI = "地域防災リーダー養成講座"
DEMENTIA = "多職種で考える認知症ケア"


def _in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.fixture
def catalogue(home_page):
    return CourseIndexPageFactory(parent=home_page, title="研修・講座", slug="courses")


@pytest.fixture
def courses(catalogue):
    """Two described courses (one with a single seat left), a leader programme, a course
    whose enrolment has not opened, and enough plain courses for a second page."""
    from courses.models import ProgramModule, ProgramPage

    bosai = CoursePageFactory(
        parent=catalogue,
        title=BOSAI,
        slug="bosai-leader",
        summary="避難所運営と地域の見守りを学ぶ全6回の講座です。",
        kind=CourseKind.LEADER_MODULE,
        fields=[Field.objects.get(slug="disaster-prevention")],
    )
    run = CourseRunFactory(course=bosai, title="2026年度 第1期", starts_on=_in_days(10), capacity=2)
    EnrolmentFactory(run=run)
    dementia = CoursePageFactory(
        parent=catalogue,
        title=DEMENTIA,
        slug="dementia-care",
        summary="ケアマネジャーと看護師が事例をもとに話し合います。",
        fields=[Field.objects.get(slug="long-term-care")],
        target_professions=list(Profession.objects.filter(slug__in=["care-manager", "nurse"])),
    )
    CourseRunFactory(course=dementia, starts_on=_in_days(20))
    soon = CoursePageFactory(parent=catalogue, title="受付前の防災講座", slug="soon")
    opens = timezone.now() + dt.timedelta(days=3)
    CourseRunFactory(
        course=soon, enrolment_opens_at=opens, enrolment_closes_at=opens + dt.timedelta(days=7)
    )
    for n in range(20):
        CoursePageFactory(parent=catalogue, title=f"地域福祉研修{n:02}", slug=f"welfare-{n:02}")
    program = ProgramPage(
        title="次世代リーダー育成プログラム", slug="leaders", summary="半年間のプログラムです。"
    )
    program.modules = [ProgramModule(course=bosai)]
    catalogue.add_child(instance=program)
    return {"bosai": bosai, "dementia": dementia, "soon": soon}


FILTER_SETS = [
    "",
    "q=防災",
    "q=講座&field=disaster-prevention",
    "profession=nurse",
    "has_seats=on",
    f"kind={CourseKind.LEADER_MODULE}",
    "field=no-such-field&q=研修",  # an error shown, the valid filter applied
    "date_from=2000-01-01&date_to=tomorrow",
    "page=2",
    "q=研修&page=2",
]


def _html(response) -> str:
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def _get(client, prefix: str, query: str, visit: int):
    """The page at a new address each time (an ignored parameter), so it is rendered, not
    answered whole from the page store."""
    return client.get(f"{prefix}{URL}?{query}&visit={visit}")


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_kept_catalogue_is_the_page_rendered_afresh(client, courses, settings, prefix):
    """Every filter set, asked once (building what is kept, sharing the cards between
    searches) and again (from what is kept), gives the HTML rendered with the store off."""
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    fresh = {query: _html(_get(client, prefix, query, 2)) for query in FILTER_SETS}
    settings.PUBLIC_PAGE_CACHE_SECONDS = 120
    for query in FILTER_SETS:
        _get(client, prefix, query, 1)
    with CaptureQueriesContext(connection) as queries:
        for query in FILTER_SETS:
            assert _html(_get(client, prefix, query, 2)) == fresh[query], query
    # ... and they came from memory: no search, no course read again.
    read = [q["sql"] for q in queries if "wagtailsearch" in q["sql"] or "courses_" in q["sql"]]
    assert read == []
    # The sets above show what they should (not the same page for all).
    assert ("23 courses" if prefix else "23件の研修") in fresh[""]
    assert BOSAI in fresh["q=防災"] and DEMENTIA not in fresh["q=防災"]
    assert 'class="form-error-summary"' in fresh["field=no-such-field&q=研修"]
    assert "次世代リーダー育成プログラム" in fresh[f"kind={CourseKind.LEADER_MODULE}"]
    assert "地域福祉研修19" in fresh["page=2"] and BOSAI not in fresh["page=2"]


def test_a_signed_in_visitor_gets_the_kept_cards_as_rendered_afresh(client, courses, settings):
    visitor = Client()
    visitor.force_login(UserFactory())
    query = "q=防災"
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    fresh = _html(_get(visitor, "", query, 1))
    settings.PUBLIC_PAGE_CACHE_SECONDS = 120
    _get(client, "", query, 1)  # kept by an anonymous visitor

    assert _html(_get(visitor, "", query, 1)) == fresh


def test_the_kept_catalogue_costs_no_query_but_the_choice_looked_up(client, courses):
    """Asked again (another visitor, another address), the result, the cards, the programmes
    and the form come from memory; only the field chosen is looked up, to validate it."""
    _get(client, "", "q=防災&field=disaster-prevention", 1)

    with CaptureQueriesContext(connection) as queries:
        html = _html(_get(Client(), "", "q=防災&field=disaster-prevention", 2))

    assert [query["sql"] for query in queries][0].startswith('SELECT "lms_field"')
    assert len(queries) == 1
    assert f">{BOSAI}</a>" in html and "残り1席" in html


def test_the_kept_catalogue_costs_no_query_at_all_without_a_choice(
    client, courses, django_assert_num_queries
):
    _get(client, "", "q=研修&page=2", 1)

    with django_assert_num_queries(0):
        html = _html(_get(Client(), "", "q=研修&page=2", 2))
    assert "地域福祉研修19" in html


def test_a_title_published_shows_on_the_next_request(
    client, courses, django_capture_on_commit_callbacks
):
    assert f">{BOSAI}</a>" in _html(_get(client, "", "q=防災", 1))
    bosai = courses["bosai"]
    with django_capture_on_commit_callbacks(execute=True):
        bosai.title = "地域防災リーダー養成講座（改訂版）"
        bosai.save_revision().publish()

    html = _html(_get(client, "", "q=防災", 2))
    assert ">地域防災リーダー養成講座（改訂版）</a>" in html and f">{BOSAI}</a>" not in html


def test_a_new_run_shows_on_the_next_request(
    client, courses, catalogue, django_capture_on_commit_callbacks
):
    dated = _html(_get(client, "", "q=防災", 1))
    day = _in_days(5)
    assert f'<time datetime="{day:%Y-%m-%d}">' not in dated

    with django_capture_on_commit_callbacks(execute=True):
        CourseRunFactory(course=courses["bosai"], title="臨時開催", starts_on=day)

    html = _html(_get(client, "", "q=防災", 2))
    card = html.split(f">{BOSAI}</a>", 1)[1].split("</li>", 1)[0]
    assert f'<time datetime="{day:%Y-%m-%d}">' in card and "臨時開催" in card
    assert "残り20席" in card


def test_the_last_seat_taken_shows_on_the_next_request(
    client, courses, django_capture_on_commit_callbacks
):
    """The cards count places (an enrolment makes them stale); which courses match a keyword
    does not, so that search is not made again, but "seats left" is."""
    card = _html(_get(client, "", "q=防災", 1)).split(f">{BOSAI}</a>", 1)[1]
    assert "残り1席" in card.split("</li>", 1)[0]
    assert f">{BOSAI}</a>" in _html(_get(client, "", "has_seats=on", 1))

    with django_capture_on_commit_callbacks(execute=True):
        enrolment = enrolment_create(run=courses["bosai"].runs.get(), user=UserFactory())
    assert enrolment.status == EnrolmentStatus.ENROLLED

    with CaptureQueriesContext(connection) as queries:
        html = _html(_get(client, "", "q=防災", 2))
    card = html.split(f">{BOSAI}</a>", 1)[1].split("</li>", 1)[0]
    assert "満席（キャンセル待ち受付中）" in card and "残り" not in card
    assert not [q for q in queries if "wagtailsearch_indexentry" in q["sql"]]
    assert f">{BOSAI}</a>" not in _html(_get(client, "", "has_seats=on", 2))


def test_each_language_gets_its_own_kept_page(client, courses):
    _get(client, "", "q=防災", 1)
    english = _html(_get(client, "/en", "q=防災", 1))
    japanese = _html(_get(client, "", "q=防災", 2))

    assert "1 seat left" in english and "残り1席" not in english
    assert "Disaster prevention" in english and "All fields" in english
    assert "2 courses" in english and "2件の研修" in japanese
    assert "残り1席" in japanese and "1 seat left" not in japanese
    assert "すべての分野" in japanese and "All fields" not in japanese


def test_the_form_shows_the_values_as_typed_while_the_search_is_shared(client, courses):
    """ " 防災 " and "防災" are the same search (one result kept), but each form shows what
    was typed."""
    plain = _html(_get(client, "", "q=防災", 1))
    spaced = _html(_get(client, "", "q=+防災+", 1))

    assert 'value="防災"' in plain and 'value=" 防災 "' not in plain
    assert 'value=" 防災 "' in spaced
    assert f">{BOSAI}</a>" in spaced


def test_a_card_changes_when_enrolment_opens(client, catalogue, monkeypatch):
    """Kept at 10:00 saying enrolment opens at 10:30, the card says otherwise at 10:31 the
    same day (the page store itself may be two minutes old; the card is not)."""
    today = timezone.localdate()
    at = lambda hour, minute: timezone.make_aware(dt.datetime.combine(today, dt.time(hour, minute)))  # noqa: E731
    course = CoursePageFactory(parent=catalogue, title="午前受付の防災講座", slug="morning")
    CourseRunFactory(
        course=course,
        enrolment_opens_at=at(10, 30),
        enrolment_closes_at=at(10, 30) + dt.timedelta(days=7),
    )

    def card(visit: int) -> str:
        html = _html(_get(client, "", "q=防災", visit))
        return html.split(">午前受付の防災講座</a>", 1)[1].split("</li>", 1)[0]

    monkeypatch.setattr(timezone, "now", lambda: at(10, 0))
    assert f"{today.year}年{today.month}月{today.day}日から受付" in card(1)
    monkeypatch.setattr(timezone, "now", lambda: at(10, 29))
    assert "から受付" in card(2)  # still kept

    monkeypatch.setattr(timezone, "now", lambda: at(10, 31))
    opened = card(3)
    assert "から受付" not in opened and "残り20席" in opened


def test_a_run_that_ended_drops_off_the_next_day(client, catalogue, monkeypatch):
    course = CoursePageFactory(parent=catalogue, title="一日防災講座", slug="one-day")
    now = timezone.now()
    CourseRunFactory(
        course=course,
        starts_on=timezone.localdate(now),
        ends_on=timezone.localdate(now),
        enrolment_opens_at=now - dt.timedelta(days=5),
        enrolment_closes_at=now - dt.timedelta(days=1),
    )
    today = _html(_get(client, "", "q=防災", 1))
    assert "受付終了" in today and "今後の日程はありません" not in today

    tomorrow = now + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)

    html = _html(_get(client, "", "q=防災", 2))
    assert "今後の日程はありません" in html and "受付終了" not in html


def test_results_and_cards_outlive_the_pages_time_limit(client, courses, settings):
    """Nothing in a search's result or a card changes with time alone but the day (in their
    names) and a card's enrolment opening or closing: on a quiet site they are still kept
    after the pages' ``PUBLIC_PAGE_CACHE_SECONDS``, until the day ends."""
    import time

    settings.PUBLIC_PAGE_CACHE_SECONDS = 1
    first = _html(_get(client, "", "q=防災", 1))
    time.sleep(1.2)

    with CaptureQueriesContext(connection) as queries:
        again = _html(_get(Client(), "", "q=防災", 2))

    sql = [query["sql"] for query in queries]
    assert not [q for q in sql if '"courses_coursepage"' in q or "wagtailsearch" in q], sql
    assert (
        again.split('<ul class="card-list course-list">')[1]
        == first.split('<ul class="card-list course-list">')[1]
    )
