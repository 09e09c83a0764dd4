"""Bad input to the forms and actions of a signed-in person: the profile, withdrawing, the
calendar feed, enrolment actions (enrol, cancel, accept and decline an offered seat), the
reflection sheet, self check-in by code or QR link, the online attendance code and apologies.
Tampered ids (someone else's, nonexistent, too large for the database) are "not found"; other
garbage is a clear error in Japanese; nothing changes unless the request succeeded."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from courses import checkin
from courses.models import Attendance, Enrolment, EnrolmentStatus
from lms.models import CalendarFeed, OutboundEmail, User
from lms.text import has_invisible_characters
from tests.factories import EnrolmentFactory, SessionFactory
from tests.robustness.conftest import fresh_cache
from tests.robustness.helpers import (
    FAST,
    SOME,
    assert_clear_error,
    assert_error_message,
    assert_not_server_error,
    changed,
    snapshot,
)
from tests.robustness.strategies import (
    form_data,
    nasty_id,
    nasty_number,
    nasty_path_segment,
    nasty_text,
)

pytestmark = pytest.mark.django_db

PROFILE_FIELDS = [
    "full_name",
    "full_name_kana",
    "profession",
    "organisation_name",
    "organisation_group",
    "municipality",
    "preferred_language",
]


def _last(value):
    return value[-1] if isinstance(value, list) else value


# --- Profile, withdrawal, calendar feed ---------------------------------------------------------


@SOME
@given(data=form_data(PROFILE_FIELDS))
def test_profile_edit_refuses_garbage_and_keeps_the_profile(data, signed_in, person):
    me = User.objects.filter(pk=person.pk)
    before = snapshot(User, rows=(me,))
    response = signed_in.post("/profile/", {"full_name": "", **data})
    assert_not_server_error(response)
    if response.status_code == 302:  # valid by chance: saved, names without control characters
        saved = me.get()
        assert not has_invisible_characters(saved.full_name + saved.organisation_name)
        User.objects.filter(pk=person.pk).update(
            full_name=person.full_name, full_name_kana=person.full_name_kana
        )
    else:
        assert snapshot(User, rows=(me,)) == before
        assert_clear_error(response)


@FAST
@given(data=form_data(["password", "confirm"]))
def test_withdrawal_with_a_wrong_password_deletes_nothing(data, signed_in, person):
    before = snapshot()
    response = signed_in.post("/profile/withdraw/", data)
    assert_clear_error(response)
    assert snapshot() == before, changed(before, snapshot())
    assert User.objects.filter(pk=person.pk, is_active=True).exists()


@FAST
@given(action=nasty_text())
def test_calendar_feed_action_with_any_value_is_a_redirect(action, signed_in):
    """Anything but ``revoke`` makes a new private address: one feed at most, never an error."""
    response = signed_in.post("/profile/calendar/", {"action": action})
    assert response.status_code == 302
    assert CalendarFeed.objects.count() <= 1


# --- Enrolment actions: tampered ids ------------------------------------------------------------


ACTIONS = ["cancel", "accept", "decline"]


@FAST
@given(action=st.sampled_from(ACTIONS), enrolment_id=nasty_id())
def test_enrolment_actions_on_nonexistent_ids_are_not_found(action, enrolment_id, signed_in):
    before = snapshot(Enrolment, OutboundEmail)
    response = signed_in.post(f"/enrolments/{enrolment_id}/{action}/")
    assert response.status_code == 404
    assert snapshot(Enrolment, OutboundEmail) == before


@pytest.mark.parametrize("action", [*ACTIONS, "reflection"])
def test_enrolment_actions_on_someone_elses_enrolment_are_not_found(
    action, signed_in, their_enrolment, my_enrolment
):
    theirs = Enrolment.objects.filter(pk=their_enrolment.pk)
    before = snapshot(Enrolment, OutboundEmail, rows=(theirs,))
    response = signed_in.post(f"/enrolments/{their_enrolment.pk}/{action}/", {"text": "x" * 30})
    assert response.status_code == 404
    assert signed_in.get(f"/enrolments/{their_enrolment.pk}/reflection/").status_code == 404
    assert snapshot(Enrolment, OutboundEmail, rows=(theirs,)) == before


@pytest.mark.parametrize(
    "path",
    [
        "/enrolments/-1/cancel/",
        "/enrolments/abc/cancel/",
        "/enrolments/１/cancel/",
        "/runs/x/enrol/",
    ],
)
def test_ids_that_are_not_numbers_are_not_found(path, signed_in, my_enrolment):
    before = snapshot(Enrolment)
    assert signed_in.post(path).status_code == 404
    assert snapshot(Enrolment) == before


@FAST
@given(run_id=nasty_id())
def test_enrolling_in_a_run_that_does_not_exist_is_not_found(run_id, signed_in, run):
    before = snapshot(Enrolment)
    assert signed_in.post(f"/runs/{run_id}/enrol/").status_code == 404
    assert snapshot(Enrolment) == before


@FAST
@given(next_url=nasty_text(max_size=80))
def test_enrolment_with_a_tampered_next_address_stays_on_this_site(next_url, signed_in, run):
    """The hidden ``next`` field can hold anything: the answer is a redirect to this site."""
    Enrolment.objects.filter(run=run).delete()
    response = signed_in.post(f"/runs/{run.pk}/enrol/", {"next": next_url})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert (location.scheme, location.netloc) == ("", ""), location
    assert location.path.startswith("/"), location
    assert Enrolment.objects.filter(run=run).count() == 1


@FAST
@given(next_url=nasty_text(max_size=80))
def test_cancelling_with_a_tampered_next_address_cancels_and_stays_on_this_site(
    next_url, signed_in, person, run
):
    """The same for cancelling: whatever ``next`` holds (NUL and other controls included), the
    person's place is cancelled, its notice written, and the answer stays on this site."""
    Enrolment.objects.filter(run=run).delete()
    place = EnrolmentFactory(run=run, user=person, status=EnrolmentStatus.ENROLLED)
    emails = OutboundEmail.objects.count()
    response = signed_in.post(f"/enrolments/{place.pk}/cancel/", {"next": next_url})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert (location.scheme, location.netloc) == ("", ""), location
    assert location.path.startswith("/"), location
    assert Enrolment.objects.get(pk=place.pk).status == EnrolmentStatus.CANCELLED
    assert OutboundEmail.objects.count() > emails


def test_a_cancelled_enrolment_cannot_be_accepted_or_cancelled_again(signed_in, person, run):
    enrolment = EnrolmentFactory(run=run, user=person, status=EnrolmentStatus.CANCELLED)
    mine = Enrolment.objects.filter(pk=enrolment.pk)
    before = snapshot(Enrolment, OutboundEmail, rows=(mine,))
    for action in ACTIONS:
        response = signed_in.post(f"/enrolments/{enrolment.pk}/{action}/")
        assert_error_message(response)
    assert snapshot(Enrolment, OutboundEmail, rows=(mine,)) == before


# --- Reflection sheet ---------------------------------------------------------------------------


@SOME
@given(data=form_data(["text", "answer_0"]))
def test_reflection_refuses_garbage(data, signed_in, my_enrolment):
    mine = Enrolment.objects.filter(pk=my_enrolment.pk)
    before = snapshot(Enrolment, rows=(mine,))
    response = signed_in.post(f"/enrolments/{my_enrolment.pk}/reflection/", data)
    assert_not_server_error(response)
    if response.status_code == 302:  # 20 to 4,000 characters of text: saved as written
        text = str(_last(data["text"])).strip()
        assert mine.get().reflection == text
        mine.update(reflection="", reflection_submitted_at=None)
    else:
        assert_clear_error(response)
        assert snapshot(Enrolment, rows=(mine,)) == before


# --- Check-in, online code, apology -------------------------------------------------------------


@pytest.fixture
def open_session(run, my_enrolment):
    """A session of the person's run happening now, so check-in is open and codes are checked."""
    now = timezone.now()
    return SessionFactory(
        run=run, starts_at=now - dt.timedelta(minutes=10), ends_at=now + dt.timedelta(hours=1)
    )


@SOME
@given(data=form_data(["code"]))
def test_typed_check_in_code_refuses_garbage(data, signed_in, open_session):
    fresh_cache()
    code = checkin.typed_code(open_session.pk, checkin.window_at(timezone.now()))
    before = snapshot(Attendance)
    response = signed_in.post("/check-in/", {"code": "", **data})
    assert_not_server_error(response)
    if checkin.normalise_code(str(_last(data.get("code", "")))) == code:  # typed right by chance
        assert Attendance.objects.count() == before["courses.Attendance"] + 1
        Attendance.objects.all().delete()
    else:
        assert_clear_error(response)
        assert snapshot(Attendance) == before


@SOME
@given(session_id=nasty_id(), window=nasty_number(), token=nasty_path_segment())
def test_check_in_links_with_garbage_are_refused(session_id, window, token, open_session):
    """The QR link's parts: a nonexistent session is "not found", a wrong window or token is
    a page saying the code is not for this session (400); digits only reach the view."""
    client = Client()
    before = snapshot(Attendance)
    for sid in (session_id, open_session.pk):
        response = client.get(f"/check-in/{sid}/{window}/{token}/")
        assert response.status_code in (400, 404), response.status_code
        if response.status_code == 400:
            assert "コード" in response.content.decode()
    assert snapshot(Attendance) == before


@FAST
@given(data=form_data(["code"]))
def test_online_code_refuses_garbage(data, signed_in, open_session):
    fresh_cache()
    before = snapshot(Attendance)
    response = signed_in.post(f"/sessions/{open_session.pk}/code/", {"code": "", **data})
    assert_not_server_error(response)
    assert_clear_error(response)
    assert snapshot(Attendance) == before


@SOME
@given(data=form_data(["reason"]))
def test_apology_refuses_garbage(data, signed_in, session, my_enrolment):
    before = snapshot(Attendance, OutboundEmail)
    response = signed_in.post(f"/sessions/{session.pk}/apology/", {"reason": "", **data})
    assert_not_server_error(response)
    if response.status_code == 302:  # a real reason, typed by chance: one excused record
        assert Attendance.objects.count() == before["courses.Attendance"] + 1
        Attendance.objects.all().delete()
    else:
        assert_clear_error(response)
        assert snapshot(Attendance, OutboundEmail) == before


@pytest.mark.parametrize("view", ["apology", "code", "join"])
def test_attendance_actions_for_a_session_of_someone_elses_run_are_not_found(
    view, signed_in, my_enrolment
):
    other = SessionFactory()  # another course's run, where the person has no seat
    before = snapshot(Attendance)
    response = signed_in.post(
        f"/sessions/{other.pk}/{view}/", {"reason": "急用のため", "code": "1"}
    )
    assert response.status_code == 404
    assert snapshot(Attendance) == before
