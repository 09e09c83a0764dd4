"""Reflection sheets, staff feedback on them and apologies for a session refuse invisible
control characters (NUL, escape, the other C0 controls, DEL, zero-width spaces) with the same
clear message as the applications' free text, and save nothing; ordinary multi-line Japanese,
tabs included, is saved as written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from courses.models import Attendance, AttendanceEvidence, AttendanceStatus, Enrolment
from lms import roles
from lms.models import OutboundEmail
from tests.factories import CourseRunFactory, EnrolmentFactory, SessionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

REFUSED = "使えない文字が含まれています。"
# Each is inside the text: a control character at either end is whitespace to Django's
# CharField and is stripped before it could be saved.
BAD = ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x1f", "\x7f", "\u200b"]
MULTI_LINE = "研修で多職種の視点を学びました。\r\n\r\n明日から朝礼で共有し、\t声かけを試します。"


def _errors(response, field: str) -> list[str]:
    return [str(error) for error in response.context["form"].errors.get(field, [])]


@pytest.fixture
def free_text_enrolment(client):
    enrolment = EnrolmentFactory(run=CourseRunFactory())
    client.force_login(enrolment.user)
    return enrolment


@pytest.fixture
def sheet_enrolment(client):
    run = CourseRunFactory()
    run.course.reflection_questions = [("question", "学んだことは？"), ("question", "試すことは？")]
    run.course.save()
    enrolment = EnrolmentFactory(run=run)
    client.force_login(enrolment.user)
    return enrolment


def _unchanged(enrolment: Enrolment) -> bool:
    enrolment.refresh_from_db()
    return (
        enrolment.reflection == ""
        and enrolment.reflection_answers == []
        and enrolment.reflection_submitted_at is None
    )


@pytest.mark.parametrize("bad", BAD)
def test_a_reflection_with_a_control_character_is_refused_and_nothing_saved(
    client, free_text_enrolment, bad
):
    text = f"研修で多職種の視点を学びました。{bad}明日から試します。"

    response = client.post(f"/enrolments/{free_text_enrolment.pk}/reflection/", {"text": text})

    assert response.status_code == 200
    assert _errors(response, "text") == [REFUSED]
    assert REFUSED in response.content.decode()
    assert _unchanged(free_text_enrolment)


@pytest.mark.parametrize("bad", ["\x00", "\x1b", "\x7f"])
def test_a_reflection_answer_with_a_control_character_is_refused_and_nothing_saved(
    client, sheet_enrolment, bad
):
    response = client.post(
        f"/enrolments/{sheet_enrolment.pk}/reflection/",
        {"answer_0": "多職種の視点", "answer_1": f"声{bad}かけ"},
    )

    assert response.status_code == 200
    assert _errors(response, "answer_1") == [REFUSED]
    assert _errors(response, "answer_0") == []
    assert _unchanged(sheet_enrolment)


def test_a_multi_line_japanese_reflection_is_saved_as_written(client, free_text_enrolment):
    response = client.post(
        f"/enrolments/{free_text_enrolment.pk}/reflection/", {"text": f"  {MULTI_LINE}\n"}
    )

    assert response.status_code == 302
    free_text_enrolment.refresh_from_db()
    assert free_text_enrolment.reflection == MULTI_LINE
    assert free_text_enrolment.reflection_submitted_at is not None


def test_multi_line_answers_are_saved_as_written(client, sheet_enrolment):
    response = client.post(
        f"/enrolments/{sheet_enrolment.pk}/reflection/",
        {"answer_0": MULTI_LINE, "answer_1": "声かけ\n傾聴"},
    )

    assert response.status_code == 302
    sheet_enrolment.refresh_from_db()
    assert [item["answer"] for item in sheet_enrolment.reflection_answers] == [
        MULTI_LINE,
        "声かけ\n傾聴",
    ]


@pytest.mark.parametrize("bad", ["\x00", "\x1b", "\x7f"])
def test_staff_feedback_with_a_control_character_is_refused(client, role_user, bad):
    enrolment = EnrolmentFactory(run=CourseRunFactory(), reflection="学びました" * 5)
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))
    emails = OutboundEmail.objects.count()

    response = client.post(
        f"/admin/courses/enrolments/{enrolment.pk}/feedback/", {"feedback": f"素晴{bad}らしい"}
    )

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [REFUSED]
    enrolment.refresh_from_db()
    assert enrolment.reflection_feedback == "" and enrolment.reflection_feedback_by is None
    assert OutboundEmail.objects.count() == emails


@pytest.fixture
def future_session(client):
    starts_at = timezone.now() + dt.timedelta(days=1)
    run = CourseRunFactory(starts_on=starts_at.date(), ends_on=starts_at.date())
    session = SessionFactory(
        run=run, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=2)
    )
    client.force_login(EnrolmentFactory(run=run).user)
    return session


@pytest.mark.parametrize("bad", BAD)
def test_an_apology_with_a_control_character_is_refused_and_nothing_saved(
    client, future_session, bad
):
    emails = OutboundEmail.objects.count()

    response = client.post(
        f"/sessions/{future_session.pk}/apology/", {"reason": f"業務{bad}の都合"}
    )

    assert response.status_code == 200
    assert _errors(response, "reason") == [REFUSED]
    assert REFUSED in response.content.decode()
    assert not Attendance.objects.exists()
    assert OutboundEmail.objects.count() == emails


def test_a_multi_line_japanese_apology_is_accepted_on_one_line(client, future_session):
    reason = "業務の都合のため\t欠席します。\r\n次回は参加します。"

    response = client.post(f"/sessions/{future_session.pk}/apology/", {"reason": reason})

    assert response.status_code == 302
    record = Attendance.objects.get()
    # The roster shows the reason as one line: the service joins the lines with a space.
    assert (record.status, record.evidence, record.note) == (
        AttendanceStatus.EXCUSED,
        AttendanceEvidence.APOLOGY,
        "業務の都合のため 欠席します。 次回は参加します。",
    )
