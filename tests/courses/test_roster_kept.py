"""The roster kept whole while nothing it shows changed (issue #9;
``courses.selectors.kept_roster``, ``roster_fingerprint``): shown again, it reads nobody
again; each change to what it shows (a mark, a walk-in, a place given up, a person's account,
the session, a profession) shows on the next one; a search is written afresh; each variant,
language and time zone is kept apart; and its forms carry the reader's own CSRF token.  The
live update phones ask for every ten seconds is kept the same way, with an ETag."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

import courses.selectors
from courses.models import Attendance, AttendanceStatus, EnrolmentStatus
from courses.services import enrolment_cancel
from lms import roles
from lms.models import Profession
from lms.services import user_anonymise
from tests.factories import EnrolmentFactory, UserFactory
from tests.html import without_csrf_tokens

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page", "page_cache_on")]


@pytest.fixture
def rosters_built(monkeypatch):
    """The sessions whose roster was read from the database from now on."""
    built = []
    real = courses.selectors.roster_for_session

    def counting(*, session, query=""):
        built.append(session.pk)
        return real(session=session, query=query)

    monkeypatch.setattr(courses.selectors, "roster_for_session", counting)
    return built


def url(session) -> str:
    return f"/sessions/{session.pk}/roster/"


def test_a_roster_shown_again_reads_nobody_again(
    staff_client, session, marked_roster, rosters_built, django_assert_max_num_queries
):
    first = staff_client.get(url(session)).content.decode()
    with django_assert_max_num_queries(5) as captured:  # session, account, roles, fingerprint,
        again = staff_client.get(url(session)).content.decode()  # the public version

    assert rosters_built == [session.pk]
    assert without_csrf_tokens(again) == without_csrf_tokens(first)
    assert again.count('class="roster-person"') == 3
    tables = " ".join(query["sql"] for query in captured.captured_queries)
    assert "courses_venue" not in tables  # nor the session's heading


def _mark(client, session, people):
    client.post(f"{url(session)}mark/", {"mark": f"{people[2].pk}:present"})
    return f'name="mark" value="{people[2].pk}:present" aria-pressed="true"'


def _walk_in(client, session, people):
    walk_in = UserFactory(full_name="飛込 太郎")
    client.post(f"{url(session)}walk-in/", {"email": walk_in.email})
    return "飛込 太郎"


def _rest_absent(client, session, people):
    client.post(f"{url(session)}rest-absent/", {"confirm": "yes"})
    return f'name="mark" value="{people[2].pk}:absent" aria-pressed="true"'


def _place_given_up(client, session, people):
    enrolment_cancel(enrolment=people[2])
    return f'id="person-{people[2].pk}"'  # absent from the roster (see NOT_SHOWN)


def _renamed(client, session, people):
    person = people[0].user
    person.full_name = "髙橋 新名"
    person.save()
    return "髙橋 新名 さんの出欠"


def _saved_field_by_field(client, session, people):
    """As allauth saves a new address: the changed field only (``update_fields``)."""
    person = people[1].user
    person.organisation_name = "新しい団体"
    person.save(update_fields=["organisation_name"])
    return "・ 新しい団体"


def _withdrawn(client, session, people):
    name = people[0].user.full_name
    user_anonymise(user=people[0].user)
    return f"!{name}"  # the name is gone


def _profession_renamed(client, session, people):
    nurse = Profession.objects.get(slug="nurse")
    nurse.name = "看護職"
    nurse.save()
    return "・ 看護職"


def _session_retitled(client, session, people):
    session.title = "第1回 振り返りと交流"
    session.save()
    return "第1回 振り返りと交流"


def _record_changed_by_check_in(client, session, people):
    from courses.services import attendance_check_in

    record = attendance_check_in(session=session, user=people[2].user, arrived_at=timezone.now())
    return f'name="mark" value="{people[2].pk}:{record.status}" aria-pressed="true"'


CHANGES = [
    _mark,
    _walk_in,
    _rest_absent,
    _place_given_up,
    _renamed,
    _saved_field_by_field,
    _withdrawn,
    _profession_renamed,
    _session_retitled,
    _record_changed_by_check_in,
]
NOT_SHOWN = {_place_given_up}


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__.strip("_"))
def test_each_change_alone_shows_on_the_next_roster(
    staff_client, session, marked_roster, change, django_capture_on_commit_callbacks
):
    staff_client.get(url(session))
    staff_client.get(url(session))  # kept

    with django_capture_on_commit_callbacks(execute=True):  # as the change commits
        expected = change(staff_client, session, marked_roster)
    page = staff_client.get(url(session)).content.decode()

    if change in NOT_SHOWN:
        assert expected not in page
    elif expected.startswith("!"):
        assert expected[1:] not in page
    else:
        assert expected in page


def test_a_search_is_written_afresh_and_leaves_the_kept_roster(
    staff_client, session, marked_roster, rosters_built
):
    marked_roster[0].user.full_name = "検索 花子"
    marked_roster[0].user.save()
    staff_client.get(url(session))

    found = staff_client.get(url(session), {"q": "検索"}).content.decode()
    found_again = staff_client.get(url(session), {"q": "検索"}).content.decode()
    everyone = staff_client.get(url(session)).content.decode()

    assert found.count('class="roster-person"') == found_again.count('class="roster-person"') == 1
    assert '<input type="hidden" name="next" value="/sessions/' in found
    assert "?q=%E6%A4%9C%E7%B4%A2" in found  # a mark comes back to the search
    assert everyone.count('class="roster-person"') == 3
    assert rosters_built == [session.pk] * 3  # the whole roster once, each search afresh


def test_the_site_and_admin_rosters_and_languages_are_kept_apart(
    staff_client, session, marked_roster
):
    site = staff_client.get(url(session)).content.decode()
    admin = staff_client.get(f"/admin/courses/sessions/{session.pk}/roster/").content.decode()
    english = staff_client.get(f"/en{url(session)}").content.decode()

    assert '<h1 class="roster-heading">' in site and '<h2 class="roster-heading">' not in site
    assert '<h2 class="roster-heading">' in admin and '<h1 class="roster-heading">' not in admin
    assert f'name="next" value="/admin/courses/sessions/{session.pk}/roster/"' in admin
    assert ">遅刻</button>" in site and ">Late</button>" in english
    assert ">遅刻</button>" not in english


def test_each_staff_member_sees_arrivals_in_their_own_time_zone(
    client, session, marked_roster, role_user
):
    """Wagtail's admin writes times in each staff member's time zone (their profile)."""
    from wagtail.users.models import UserProfile

    admin_url = f"/admin/courses/sessions/{session.pk}/roster/"
    arrived = Attendance.objects.get(enrolment=marked_roster[0]).arrived_at
    in_tokyo, in_utc = (role_user(roles.COORDINATORS, is_staff=True) for _ in range(2))
    UserProfile.objects.create(user=in_utc, current_time_zone="UTC")
    client.force_login(in_tokyo)
    tokyo = client.get(admin_url).content.decode()
    client.force_login(in_utc)
    utc = client.get(admin_url).content.decode()

    assert f"QRコードで受付 ・ {timezone.localtime(arrived):%H:%M}" in tokyo
    assert f"QRコードで受付 ・ {arrived.astimezone(dt.UTC):%H:%M}" in utc


def test_a_mark_from_the_kept_roster_passes_the_csrf_check(session, marked_roster, role_user):
    coordinator = role_user(roles.COORDINATORS, is_staff=True)
    clients = []
    for _ in range(2):
        client = Client(enforce_csrf_checks=True)
        client.force_login(coordinator)
        clients.append(client)
    clients[0].get(url(session))
    kept = clients[1].get(url(session)).content.decode()  # another device: the kept roster
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', kept).group(1)

    answer = clients[1].post(
        f"{url(session)}mark/",
        {"csrfmiddlewaretoken": token, "mark": f"{marked_roster[2].pk}:present"},
    )

    assert answer.status_code == 302
    assert Attendance.objects.get(enrolment=marked_roster[2]).status == AttendanceStatus.PRESENT
    assert kept.count('name="csrfmiddlewaretoken"') == 3  # the list, walk-ins, the rest absent


def test_an_unknown_session_is_a_404_kept_or_not(staff_client, session):
    staff_client.get(url(session))
    assert staff_client.get("/sessions/987654/roster/").status_code == 404
    session.delete()
    assert staff_client.get(url(session)).status_code == 404


def test_nothing_is_kept_with_the_page_cache_off(
    staff_client, session, marked_roster, rosters_built, settings
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    staff_client.get(url(session))
    staff_client.get(url(session))
    assert rosters_built == [session.pk, session.pk]


def test_only_seats_taken_are_on_the_roster_and_a_place_given_up_leaves_it(
    staff_client, session, marked_roster
):
    waiting = EnrolmentFactory(run=session.run, status=EnrolmentStatus.WAITLISTED)
    page = staff_client.get(url(session)).content.decode()
    assert f'id="person-{waiting.pk}"' not in page and page.count('class="roster-person"') == 3


def test_the_live_update_is_kept_and_a_phone_that_has_it_gets_a_304(
    staff_client, session, committed
):
    """Every phone showing the roster asks every ten seconds (static/js/roster.js): while
    nothing changed it is answered from the kept update, without reading the register, and a
    phone that says which state it has (``If-None-Match``) gets no body at all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from courses import services
    from tests.courses.conftest import mark_roster

    with committed():
        people = mark_roster(session)
    url = f"/sessions/{session.pk}/roster/live/"
    first = staff_client.get(url)
    assert first.status_code == 200
    assert first.json()["people"][str(people[0].pk)]["status"] == "late"

    with CaptureQueriesContext(connection) as again:
        unchanged = staff_client.get(url, headers={"if-none-match": first["ETag"]})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged["ETag"] == first["ETag"]
    read = " ".join(query["sql"] for query in again.captured_queries)
    assert "courses_attendance" not in read and "courses_enrolment" not in read
    # Without the header it is the same update in full.
    assert staff_client.get(url).content == first.content

    with committed():
        services.attendance_record(enrolment=people[2], session=session, status="present")
    changed = staff_client.get(url, headers={"if-none-match": first["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert changed.json()["people"][str(people[2].pk)]["status"] == "present"
    assert changed.json()["counts"] == staff_client.get(url).json()["counts"]

    # A mark's answer is the update too, whatever the request says it has.
    marked = staff_client.post(
        f"/sessions/{session.pk}/roster/mark/",
        {"mark": f"{people[2].pk}:present"},
        headers={"accept": "application/json", "if-none-match": changed["ETag"]},
    )
    assert marked.status_code == 200 and marked["ETag"] == changed["ETag"]


def test_the_live_update_follows_the_language(staff_client, session, marked_roster):
    japanese = staff_client.get(f"/sessions/{session.pk}/roster/live/")
    english = staff_client.get(f"/en/sessions/{session.pk}/roster/live/")
    assert japanese.json()["people"][str(marked_roster[0].pk)]["label"] == "遅刻"
    assert english.json()["people"][str(marked_roster[0].pk)]["label"] == "Late"
    assert japanese["ETag"] != english["ETag"]
