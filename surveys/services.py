"""Write-side operations for surveys: inviting participants once their run has finished, and
recording answers.

Locking: answering locks the invitation row (``select_for_update``; on SQLite the IMMEDIATE
transaction serialises writers), so two submissions of the same invitation cannot both be
saved.  Inviting relies on the unique (survey, place) constraint instead: two workers racing
to invite the same person make one invitation, and only the one that made it sends the email.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from courses.models import CourseRun, Enrolment, EnrolmentStatus
from lms.notifications import notification_send
from lms.text import has_invisible_characters
from surveys import selectors
from surveys.models import (
    SCALE_MAX,
    SCALE_MIN,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)

# Runs whose last session ended longer ago than this are no longer invited by the periodic job.
INVITE_WITHIN = dt.timedelta(days=30)
# Places that took part: invited to the survey of their run.
INVITED_STATUSES = [EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED]
TEXT_MAX_LENGTH = 2000
INVITATION_TEMPLATE = "surveys/email/invitation"

ALREADY_ANSWERED = _("You have already answered this survey. Thank you.")
ANSWER_REQUIRED = _("Please answer this question.")
SCALE_OUT_OF_RANGE = _("Please choose a number from 1 to 5.")
NOT_AN_OPTION = _("Please choose from the options shown.")
TEXT_TOO_LONG = _(
    "Please shorten this to %(limit_value)d characters or fewer (you wrote %(show_value)d)."
)
TEXT_INVISIBLE = _("This contains characters that cannot be used.")
CHECK_ANSWERS = _("Some answers need checking. Nothing has been saved yet.")


class SurveyError(Exception):
    """An answer that cannot be accepted; the message is for the participant."""


class SurveyAnswersInvalid(SurveyError):
    """Answers that fail the questions' rules: ``errors`` maps a question's id to a message."""

    def __init__(self, errors: dict[int, str]):
        super().__init__(str(CHECK_ANSWERS))
        self.errors = errors


@dataclass(frozen=True)
class CleanAnswer:
    """An answer that passed its question's rules (``empty`` when an optional question was
    left blank)."""

    scale: int | None = None
    choices: list[str] = field(default_factory=list)
    text: str = ""

    @property
    def empty(self) -> bool:
        return self.scale is None and not self.choices and not self.text


# --- Inviting ------------------------------------------------------------------------------------


def invitations_send(now: dt.datetime | None = None) -> int:
    """Invite every participant (enrolled or completed) of each run that finished within the
    last 30 days to the active survey for its course's kind; returns how many were invited.
    Safe to run twice or concurrently: each place is invited once."""
    now = now or timezone.now()
    surveys = {survey.course_kind: survey for survey in Survey.objects.filter(is_active=True)}
    invited = 0
    for run in selectors.run_list_finished_recently(now=now, within=INVITE_WITHIN):
        survey = surveys.get(run.course.kind)
        if survey is not None:  # None only if a survey was deactivated a moment ago
            invited += run_invitations_send(run=run, survey=survey, now=now)
    return invited


def run_invitations_send(*, run: CourseRun, survey: Survey, now: dt.datetime | None = None) -> int:
    """Invite the participants of ``run`` to ``survey`` who have not been invited yet, each
    with an email in their language; returns how many were invited.

    Every invitation is written together with its email in one transaction, and the email is
    sent only by the call that created the invitation."""
    now = now or timezone.now()
    places = (
        run.enrolments.filter(status__in=INVITED_STATUSES, user__is_active=True)
        .exclude(survey_invitations__survey=survey)
        .select_related("user", "run__course")
        .order_by("pk")
    )
    return sum(_invite(enrolment, survey, now) for enrolment in places)


def _invite(enrolment, survey: Survey, now: dt.datetime) -> bool:
    """One invitation and its email, written together; only the call that created it sends."""
    with transaction.atomic():
        invitation, created = SurveyInvitation.objects.get_or_create(
            survey=survey, enrolment=enrolment, defaults={"sent_at": now}
        )
        if created:
            _invitation_email(invitation)
    return created


def completion_invitation_send(*, enrolment_id: int, now: dt.datetime | None = None) -> bool:
    """A self-paced course has no last session to wait for: its participants are invited when
    they complete it.  Runs with sessions are left to ``invitations_send``.  Safe to repeat."""
    enrolment = (
        Enrolment.objects.filter(pk=enrolment_id, status__in=INVITED_STATUSES, user__is_active=True)
        .select_related("user", "run__course")
        .first()
    )
    if enrolment is None or enrolment.run.sessions.exists():
        return False
    survey = Survey.objects.filter(is_active=True, course_kind=enrolment.run.course.kind).first()
    if survey is None:
        return False
    return _invite(enrolment, survey, now or timezone.now())


def _invitation_email(invitation: SurveyInvitation) -> None:
    person = invitation.enrolment.user
    language = person.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        url = settings.SITE_URL + reverse("surveys:answer", args=[invitation.pk])
    notification_send(
        recipient=person.email,
        template=INVITATION_TEMPLATE,
        context={
            "person": person,
            "survey": invitation.survey,
            "run": invitation.enrolment.run,
            "course": invitation.enrolment.run.course,
            "url": url,
        },
        language=language,
    )


# --- Answering -----------------------------------------------------------------------------------


def answer_check(question: SurveyQuestion, raw) -> CleanAnswer:
    """One raw answer (a string, or a list of strings for several choices) checked against
    its question; raises SurveyError with the message to show next to the question."""
    if question.kind == QuestionKind.MULTI:
        values = raw if isinstance(raw, list | tuple) else ([raw] if raw else [])
        values = [str(value).strip() for value in values if str(value).strip()]
    else:
        values = [str(raw).strip()] if raw is not None and str(raw).strip() else []
    if not values:
        if question.required:
            raise SurveyError(str(ANSWER_REQUIRED))
        return CleanAnswer()
    if question.kind == QuestionKind.SCALE5:
        try:
            number = int(values[0])
        except ValueError:
            raise SurveyError(str(SCALE_OUT_OF_RANGE)) from None
        if not SCALE_MIN <= number <= SCALE_MAX:
            raise SurveyError(str(SCALE_OUT_OF_RANGE))
        return CleanAnswer(scale=number)
    if question.kind in (QuestionKind.CHOICE, QuestionKind.MULTI):
        options = question.choice_list
        if any(value not in options for value in values) or (
            question.kind == QuestionKind.CHOICE and len(values) > 1
        ):
            raise SurveyError(str(NOT_AN_OPTION))
        chosen = set(values)
        return CleanAnswer(choices=[option for option in options if option in chosen])
    text = values[0]
    if len(text) > TEXT_MAX_LENGTH:
        raise SurveyError(
            str(TEXT_TOO_LONG) % {"limit_value": TEXT_MAX_LENGTH, "show_value": len(text)}
        )
    if has_invisible_characters(text):
        raise SurveyError(str(TEXT_INVISIBLE))
    return CleanAnswer(text=text)


def answers_check(questions: list[SurveyQuestion], answers: dict) -> dict[int, CleanAnswer]:
    """Every question's answer checked (``answers`` maps question ids to raw values; ids of
    other surveys' questions are ignored).  Raises SurveyAnswersInvalid listing each problem."""
    cleaned, errors = {}, {}
    for question in questions:
        try:
            cleaned[question.pk] = answer_check(question, answers.get(question.pk))
        except SurveyError as error:
            errors[question.pk] = str(error)
    if errors:
        raise SurveyAnswersInvalid(errors)
    return cleaned


@transaction.atomic
def response_submit(
    *, invitation: SurveyInvitation, answers: dict, now: dt.datetime | None = None
) -> SurveyResponse:
    """Record the answers of the person invited by ``invitation`` and mark it answered, all
    in one transaction.

    Locks the invitation row first, so a second submission waits and is then refused.
    Raises SurveyError if the survey was already answered, SurveyAnswersInvalid if an answer
    breaks its question's rules (nothing is saved in either case).  Only answers to
    questions marked identified carry the person's name."""
    now = now or timezone.now()
    invitation = (
        SurveyInvitation.objects.select_for_update(of=("self",))
        .select_related("survey", "enrolment__run", "enrolment__user")
        .get(pk=invitation.pk)
    )
    if invitation.answered_at is not None:
        raise SurveyError(str(ALREADY_ANSWERED))
    questions = list(invitation.survey.questions.order_by("sort_order", "pk"))
    cleaned = answers_check(questions, answers)
    response = SurveyResponse.objects.create(
        survey=invitation.survey, run=invitation.enrolment.run, submitted_at=now
    )
    name = invitation.enrolment.user.get_full_name()
    SurveyAnswer.objects.bulk_create(
        [
            SurveyAnswer(
                response=response,
                question=question,
                value_scale=cleaned[question.pk].scale,
                value_choices=cleaned[question.pk].choices,
                value_text=cleaned[question.pk].text,
                respondent_name=name
                if question.identified and not cleaned[question.pk].empty
                else "",
            )
            for question in questions
        ]
    )
    invitation.answered_at = now
    invitation.save(update_fields=["answered_at", "updated_at"])
    return response


# --- Personal data -------------------------------------------------------------------------------


@transaction.atomic
def survey_erase_person(*, user) -> int:
    """Before an account is anonymised: the answers the person gave with their name lose the
    name and any text (which may name them too); numbers and options chosen stay, anonymous,
    so the counts do not change.  Returns how many answers were changed."""
    return selectors.answer_list_named_for_person(user=user).update(
        respondent_name="", value_text=""
    )
