"""Bad input to the staff pages we wrote ourselves in the Wagtail admin (not Wagtail's own
forms): the fields these views read by hand (a run to move a person to, group numbers, the
enrolment marked on the roster, a mentor's id, a registration to keep), the CSV downloads
with garbage parameters, and the roster's JSON.  A coordinator's typo or a tampered form gets
a message or "not found", never a server error, and changes nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from courses.models import Attendance, Enrolment
from lms import roles
from lms.models import OutboundEmail, User
from lms.text import whole_number
from mentoring.models import Pair
from tests.factories import EnrolmentFactory
from tests.mentoring.helpers import mentee, mentor, programme
from tests.robustness.helpers import (
    FAST,
    FEW,
    SOME,
    assert_error_message,
    assert_not_server_error,
    snapshot,
)
from tests.robustness.strategies import nasty_id, nasty_number, nasty_text, nasty_value
from tests.surveys.conftest import make_survey

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

WRITES = (Enrolment, Attendance, Pair, OutboundEmail)


@pytest.fixture
def coordinator(role_user):
    client = Client()
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))
    return client


@pytest.fixture
def seated(run):
    return [EnrolmentFactory(run=run) for _ in range(3)]


def nasty_scalar() -> st.SearchStrategy:
    return st.one_of(nasty_number(), nasty_text(max_size=20))


@SOME
@given(to_run=nasty_value())
def test_moving_a_person_to_a_garbage_run(to_run, coordinator, seated):
    rows = Enrolment.objects.filter(pk=seated[0].pk)
    before = snapshot(*WRITES, rows=(rows,))
    response = coordinator.post(
        f"/admin/courses/enrolments/{seated[0].pk}/move/", {"to_run": to_run}
    )
    assert response.status_code == 302
    assert snapshot(*WRITES, rows=(rows,)) == before
    assert_error_message(response)


@SOME
@given(
    groups=st.dictionaries(
        st.one_of(st.sampled_from(["1", "2", "3"]), nasty_scalar()), nasty_scalar(), max_size=3
    )
)
def test_breakout_group_numbers_with_garbage(groups, coordinator, run, seated):
    data = {f"group-{key}": value for key, value in groups.items()}
    rows = Enrolment.objects.filter(run=run)
    before = snapshot(*WRITES, rows=(rows,))
    response = coordinator.post(f"/admin/courses/runs/{run.pk}/groups/assign/", data)
    if response.status_code == 400:  # a 100,000-character field name: Django refuses the request
        assert max(map(len, data)) > 1000
        return
    assert response.status_code == 302
    if snapshot(*WRITES, rows=(rows,)) != before:  # well-formed by chance
        Enrolment.objects.filter(run=run).update(breakout_group=None)
    elif data:
        assert_error_message(response)


@SOME
@given(enrolment=nasty_value(), status=nasty_value(), wants_json=st.booleans())
def test_roster_marks_with_garbage(enrolment, status, wants_json, coordinator, session, seated):
    headers = {"Accept": "application/json"} if wants_json else {}
    before = snapshot(*WRITES)
    response = coordinator.post(
        f"/sessions/{session.pk}/roster/mark/",
        {"enrolment": enrolment, "status": status},
        headers=headers,
    )
    assert response.status_code in (302, 400, 404), response.status_code
    if response.status_code == 400:
        assert response.json()["error"]
    assert snapshot(*WRITES) == before


@FAST
@given(query=nasty_value(max_size=200), tampered=nasty_id())
def test_roster_search_and_json_with_garbage(query, tampered, coordinator, session, seated):
    assert coordinator.get(f"/sessions/{session.pk}/roster/", {"q": query}).status_code == 200
    live = coordinator.get(f"/sessions/{session.pk}/roster/live/", {"q": query})
    assert live.status_code == 200 and set(live.json()) == {"counts", "people"}
    screen = coordinator.get(f"/sessions/{session.pk}/check-in-screen/code/", {"x": query})
    assert screen.status_code == 200 and screen.json()["typed_code"].isdigit()
    for path in ("roster/", "roster/live/", "check-in-screen/code/"):
        assert coordinator.get(f"/sessions/{tampered}/{path}").status_code == 404


@SOME
@given(email=nasty_value(), reason=nasty_value())
def test_adding_a_participant_and_refusing_a_request_with_garbage(
    email, reason, coordinator, run, seated
):
    before = snapshot(*WRITES)
    response = coordinator.post(f"/admin/courses/runs/{run.pk}/add/", {"email": email})
    assert response.status_code == 302
    assert snapshot(*WRITES) == before
    assert_error_message(response)
    response = coordinator.post(
        f"/admin/courses/requests/{seated[0].pk}/reject/", {"reason": reason}
    )
    assert_not_server_error(response)


@SOME
@given(mentor_id=nasty_value())
def test_proposing_a_garbage_mentor_is_not_found(mentor_id, coordinator):
    the_programme = programme()
    person = mentee(the_programme)
    mentor()
    before = snapshot(*WRITES)
    response = coordinator.post(
        f"/admin/mentoring/programmes/{the_programme.pk}/mentees/{person.user.pk}/propose/",
        {"mentor": mentor_id},
    )
    typed = whole_number(mentor_id[-1] if isinstance(mentor_id, list) else mentor_id)
    if typed and User.objects.filter(pk=typed, mentor_profile__isnull=False).exists():
        assert response.status_code == 302  # a real mentor's id (this or an earlier example's)
        return
    assert response.status_code == 404
    assert snapshot(*WRITES) == before


@SOME
@given(run_id=nasty_value(), keep=nasty_value())
def test_volunteer_forms_with_garbage_ids(run_id, keep, coordinator):
    from tests.opportunities.conftest import volunteer
    from volunteers.models import LikelyDuplicate

    first, second = volunteer(), volunteer()
    flag = LikelyDuplicate.objects.create(profile=first, other=second, reasons="phone")
    before = snapshot(*WRITES)
    response = coordinator.post(f"/admin/volunteers/{first.pk}/enrol/", {"run": run_id})
    assert response.status_code == 302
    assert_error_message(response)
    response = coordinator.post(f"/admin/volunteers/duplicates/{flag.pk}/", {"keep": keep})
    assert response.status_code == 302
    if whole_number(keep[-1] if isinstance(keep, list) else keep) in (first.pk, second.pk):
        return  # one of the two registrations, typed by chance: merged, as asked
    assert snapshot(*WRITES) == before
    assert_error_message(response)
    assert LikelyDuplicate.objects.get(pk=flag.pk).resolution == ""


# --- CSV downloads ------------------------------------------------------------------------------


def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.fixture
def survey():
    return make_survey()


@FEW
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "status",
                "profession",
                "organisation",
                "organisation_group",
                "municipality",
                "by",
                "table",
                "page",
            ]
        ),
        nasty_value(),
        max_size=4,
    )
)
def test_csv_downloads_with_garbage_parameters(params, coordinator, run, seated, survey):
    from mentoring.models import MentoringProgramme

    the_programme = MentoringProgramme.objects.first() or programme()
    before = snapshot()
    for path in [
        f"/admin/courses/runs/{run.pk}/participants/",
        f"/admin/courses/runs/{run.pk}/attendance/",
        f"/admin/surveys/reports/{survey.pk}/runs/{run.pk}/",
        f"/admin/surveys/reports/{survey.pk}/courses/{run.course_id}/",
        "/admin/volunteers/report/",
        f"/admin/mentoring/reports/{the_programme.pk}/",
        "/admin/organisations/report/",
    ]:
        rows = _csv_rows(coordinator.get(path, {**params, "format": "csv"}))
        assert rows and rows[0], path  # the header row at least
    assert snapshot() == before


@FAST
@given(tampered=nasty_id())
def test_csv_downloads_of_things_that_do_not_exist_are_not_found(
    tampered, coordinator, run, survey
):
    for path in [
        f"/admin/courses/runs/{tampered}/participants/",
        f"/admin/courses/runs/{tampered}/attendance/",
        f"/admin/surveys/reports/{survey.pk}/runs/{tampered}/",
        f"/admin/surveys/reports/{survey.pk}/courses/{tampered}/",
        f"/admin/surveys/reports/{tampered}/runs/{run.pk}/",
        f"/admin/mentoring/reports/{tampered}/",
    ]:
        assert coordinator.get(path, {"format": "csv"}).status_code == 404, path


def test_the_run_form_prefilled_from_a_garbage_course_id(role_user):
    """ "Add a run" on a course page passes ``?course=<page id>``: anything else is ignored."""
    client = Client()
    client.force_login(role_user(roles.COORDINATORS, is_staff=True, is_superuser=True))
    for value in ["²", "9" * 40, "-1", "abc", "\x00", "１"]:
        response = client.get("/admin/snippets/courses/courserun/add/", {"course": value})
        assert response.status_code == 200, value
