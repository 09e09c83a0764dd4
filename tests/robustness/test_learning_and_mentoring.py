"""Bad input to mentoring (the mentor's session log with the next meeting, a meeting on its
own, the mentee's change request), survey answering and lessons (done, video ended, the
understanding check).  Garbage gets a clear error in Japanese and writes nothing; another
person's pair, meeting, invitation or lesson is "not found"."""

from __future__ import annotations

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from lessons.models import LessonProgress, QuizAttempt
from lms.models import OutboundEmail
from mentoring.models import ChangeRequest, Meeting, MentoringSession
from surveys.models import SurveyAnswer, SurveyInvitation, SurveyResponse
from tests.factories import CoursePageFactory, CourseRunFactory, EnrolmentFactory
from tests.lessons.test_lessons import QUIZ, add_lesson
from tests.mentoring.helpers import active_pair, mentee, mentor, programme
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
    nasty_date,
    nasty_id,
    nasty_text,
    nasty_time,
    nasty_value,
)
from tests.surveys.conftest import finished_run, invite, make_survey, participants

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

MENTORING_WRITES = (MentoringSession, Meeting, ChangeRequest, OutboundEmail)


@pytest.fixture
def pair():
    the_programme = programme()
    return active_pair(the_programme, mentor(), mentee(the_programme))


@pytest.fixture
def mentor_client(client, pair):
    client.force_login(pair.mentor)
    return client


@pytest.fixture
def mentee_client(pair):
    from django.test import Client

    client = Client()
    client.force_login(pair.mentee)
    return client


MEETING_FIELDS = {
    "next_date": nasty_date(),
    "next_time": nasty_time(),
    "next_minutes": nasty_value(),
    "next_mode": nasty_value(),
    "next_place": nasty_value(),
}
LOG_FIELDS = {
    "date": nasty_date(),
    "duration_minutes": nasty_value(),
    "mode": nasty_value(),
    "topics": nasty_value(),
    "topics_other": nasty_value(),
    "notes": nasty_value(),
    "next_steps": nasty_value(),
    "mentee_state": nasty_value(),
    "mentor_load": nasty_value(),
    **MEETING_FIELDS,
}


def _valid_log(**overrides) -> dict:
    return {
        "date": timezone.localdate().isoformat(),
        "duration_minutes": "60",
        "mode": "online",
        **overrides,
    }


@SOME
@given(data=form_data(LOG_FIELDS))
def test_session_log_refuses_garbage(data, mentor_client, pair):
    before = snapshot(*MENTORING_WRITES)
    response = mentor_client.post(f"/mentoring/pairs/{pair.pk}/log/", {"date": "", **data})
    assert_not_server_error(response)
    after = snapshot(*MENTORING_WRITES)
    if response.status_code == 302:  # valid by chance
        assert after["mentoring.MentoringSession"] == before["mentoring.MentoringSession"] + 1
    else:
        assert after == before, changed(before, after)
        assert_clear_error(response)


@SOME
@given(day=nasty_date(), time=nasty_time(), minutes=st.sampled_from(["30", "120", "9" * 20]))
def test_session_log_with_a_bad_next_meeting_saves_neither(day, time, minutes, mentor_client, pair):
    """A valid log with a bad next meeting: both refused, not the log alone."""
    before = snapshot(*MENTORING_WRITES)
    response = mentor_client.post(
        f"/mentoring/pairs/{pair.pk}/log/",
        _valid_log(next_date=day, next_time=time, next_minutes=minutes),
    )
    assert_not_server_error(response)
    after = snapshot(*MENTORING_WRITES)
    if response.status_code == 302:  # both valid, or no next meeting given at all
        assert after["mentoring.MentoringSession"] == before["mentoring.MentoringSession"] + 1
        meeting_given = bool(day.strip() or time.strip())
        assert after["mentoring.Meeting"] == before["mentoring.Meeting"] + meeting_given
    else:
        assert after == before, changed(before, after)
        assert_clear_error(response)


@SOME
@given(data=form_data(MEETING_FIELDS))
def test_meeting_form_refuses_garbage(data, mentor_client, pair):
    before = snapshot(*MENTORING_WRITES)
    response = mentor_client.post(f"/mentoring/pairs/{pair.pk}/meeting/", {"next_date": "", **data})
    assert_not_server_error(response)
    after = snapshot(*MENTORING_WRITES)
    if response.status_code == 302:
        assert after["mentoring.Meeting"] == before["mentoring.Meeting"] + 1
    else:
        assert after == before, changed(before, after)
        assert_clear_error(response)


def test_a_meeting_at_the_end_of_time_is_refused(mentor_client, pair):
    """9999-12-31 23:59 plus an hour is past the last date Python has."""
    before = snapshot(*MENTORING_WRITES)
    for path, data in [
        ("meeting", {"next_date": "9999-12-31", "next_time": "23:59", "next_minutes": "120"}),
        ("log", _valid_log(next_date="9999-12-31", next_time="23:30", next_minutes="120")),
    ]:
        response = mentor_client.post(f"/mentoring/pairs/{pair.pk}/{path}/", data)
        assert_clear_error(response)
    assert snapshot(*MENTORING_WRITES) == before


@FAST
@given(data=form_data(["reason"]))
def test_change_request_refuses_garbage(data, mentee_client, pair):
    before = snapshot(*MENTORING_WRITES)
    response = mentee_client.post(f"/mentoring/pairs/{pair.pk}/change/", {"reason": "", **data})
    assert_not_server_error(response)
    after = snapshot(*MENTORING_WRITES)
    if response.status_code == 302:
        assert after["mentoring.ChangeRequest"] == before["mentoring.ChangeRequest"] + 1
        ChangeRequest.objects.all().delete()
    else:
        assert after == before, changed(before, after)
        assert_clear_error(response)


@FAST
@given(
    path=st.sampled_from(
        [
            "/mentoring/pairs/{}/",
            "/mentoring/pairs/{}/log/",
            "/mentoring/pairs/{}/meeting/",
            "/mentoring/pairs/{}/change/",
            "/mentoring/meetings/{}/cancel/",
            "/mentoring/meetings/{}/calendar.ics",
            "/mentoring/sessions/{}/confirm/",
        ]
    ),
    tampered=nasty_id(),
)
def test_mentoring_ids_that_do_not_exist_are_not_found(path, tampered, mentor_client):
    before = snapshot(*MENTORING_WRITES)
    response = mentor_client.post(path.format(tampered), _valid_log())
    assert response.status_code in (404, 405)
    assert snapshot(*MENTORING_WRITES) == before


def test_the_mentee_cannot_use_the_mentors_forms_nor_a_stranger_the_pair(
    mentee_client, pair, signed_in
):
    before = snapshot(*MENTORING_WRITES)
    for client in (mentee_client, signed_in):
        assert client.post(f"/mentoring/pairs/{pair.pk}/log/", _valid_log()).status_code == 404
    assert (
        signed_in.post(f"/mentoring/pairs/{pair.pk}/change/", {"reason": "理由"}).status_code == 404
    )
    assert snapshot(*MENTORING_WRITES) == before


# --- Surveys ------------------------------------------------------------------------------------


@pytest.fixture
def invitation():
    survey = make_survey()
    (place,) = participants(finished_run(), 1)
    return invite(survey, place)


SURVEY_WRITES = (SurveyResponse, SurveyAnswer, SurveyInvitation)


@SOME
@given(values=st.lists(nasty_value(), min_size=5, max_size=5), extra=nasty_value())
def test_survey_answers_refuse_garbage(values, extra, client, invitation):
    client.force_login(invitation.enrolment.user)
    question_ids = list(
        invitation.survey.questions.order_by("sort_order").values_list("pk", flat=True)
    )
    data = {f"q{pk}": value for pk, value in zip(question_ids, values, strict=True)}
    data["q99999999999999999999"] = extra  # a question that does not exist
    own = SurveyInvitation.objects.filter(pk=invitation.pk)
    before = snapshot(*SURVEY_WRITES, rows=(own,))
    response = client.post(f"/surveys/{invitation.pk}/", data)
    assert_not_server_error(response)
    after = snapshot(*SURVEY_WRITES, rows=(own,))
    if response.status_code == 302:  # valid by chance: one response, the invitation answered
        assert after["surveys.SurveyResponse"] == before["surveys.SurveyResponse"] + 1
        SurveyResponse.objects.all().delete()
        own.update(answered_at=None)
    else:
        assert after == before, changed(before, after)
        assert_clear_error(response)


@FAST
@given(tampered=nasty_id())
def test_survey_of_another_id_is_not_found(tampered, client, invitation):
    client.force_login(invitation.enrolment.user)
    assert client.post(f"/surveys/{tampered}/", {}).status_code == 404
    assert client.get(f"/surveys/{tampered}/thanks/").status_code == 404


def test_someone_elses_survey_invitation_is_not_found(signed_in, invitation):
    before = snapshot(*SURVEY_WRITES)
    assert signed_in.post(f"/surveys/{invitation.pk}/", {}).status_code == 404
    assert snapshot(*SURVEY_WRITES) == before


# --- Lessons ------------------------------------------------------------------------------------


@pytest.fixture
def lesson(person):
    course = CoursePageFactory(title="オンデマンド 基礎", requires_lessons=True)
    EnrolmentFactory(run=CourseRunFactory(course=course), user=person)
    return add_lesson(course, "第1回 孤立に気づく", quiz=QUIZ, quiz_max_attempts=50)


LESSON_WRITES = (LessonProgress, QuizAttempt)


@SOME
@given(
    answers=st.dictionaries(
        st.one_of(st.just("q-"), nasty_text(max_size=12).map(lambda key: f"q-{key}")),
        nasty_value(),
        max_size=3,
    ),
    use_real_ids=st.booleans(),
)
def test_understanding_check_refuses_garbage(answers, use_real_ids, signed_in, lesson):
    """Forged question ids and choice numbers: an error message and no attempt recorded."""
    if use_real_ids:
        ids = [block.id for block in lesson.quiz]
        answers = {f"q-{ids[n % 2]}": value for n, value in enumerate(answers.values())}
    signed_in.get(lesson.url)  # opens the lesson: its progress row exists from here on
    before = snapshot(*LESSON_WRITES)
    response = signed_in.post(f"/lessons/{lesson.pk}/check/", answers)
    if response.status_code == 400:  # a 100,000-character field name: Django refuses the request
        assert max(map(len, answers)) > 1000
        return
    assert response.status_code == 302
    after = snapshot(*LESSON_WRITES)
    if after != before:  # well-formed by chance: one graded attempt
        assert after["lessons.QuizAttempt"] == before["lessons.QuizAttempt"] + 1
        QuizAttempt.objects.all().delete()
        LessonProgress.objects.update(completed_at=None)
    else:
        assert_error_message(response)


@FAST
@given(tampered=nasty_id(), action=st.sampled_from(["done", "video-ended", "check"]))
def test_lesson_actions_on_ids_that_do_not_exist_are_not_found(tampered, action, signed_in):
    before = snapshot(*LESSON_WRITES)
    assert signed_in.post(f"/lessons/{tampered}/{action}/").status_code == 404
    assert snapshot(*LESSON_WRITES) == before


def test_lesson_actions_without_a_seat_are_refused(client, lesson, other_person):
    client.force_login(other_person)
    before = snapshot(*LESSON_WRITES)
    response = client.post(
        f"/lessons/{lesson.pk}/video-ended/", b"{not json", content_type="application/json"
    )
    assert (response.status_code, response.json()) == (403, {"ok": False})
    assert_error_message(client.post(f"/lessons/{lesson.pk}/done/"))
    assert_error_message(client.post(f"/lessons/{lesson.pk}/check/", {"q-x": "0"}))
    assert snapshot(*LESSON_WRITES) == before


def test_video_ended_accepts_only_a_post_with_any_body(signed_in, lesson):
    """The player's call carries no data the view reads: a JSON body, garbage or none."""
    assert signed_in.get(f"/lessons/{lesson.pk}/video-ended/").status_code == 405
    for body in (b"", b"\x00\xff", b'{"ok": [1e999]}'):
        response = signed_in.post(
            f"/lessons/{lesson.pk}/video-ended/", body, content_type="application/json"
        )
        assert response.status_code == 200 and response.json() == {"ok": True}
    assert LessonProgress.objects.count() == 1
