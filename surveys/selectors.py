"""Read-side queries for surveys (the staff reports are in ``surveys/reports.py``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max, Q, QuerySet

from courses.models import CourseRun, RunStatus, SessionStatus
from surveys.models import Survey, SurveyAnswer, SurveyInvitation, SurveyQuestion


def run_list_finished_recently(*, now: dt.datetime, within: dt.timedelta) -> QuerySet[CourseRun]:
    """Runs (not cancelled) of a kind that has an active survey, whose last session that was
    not cancelled ended between ``now - within`` and ``now``; one query."""
    active_kinds = Survey.objects.filter(is_active=True).values("course_kind")
    return (
        CourseRun.objects.exclude(status=RunStatus.CANCELLED)
        .filter(course__kind__in=active_kinds)
        .annotate(
            last_end=Max("sessions__ends_at", filter=~Q(sessions__status=SessionStatus.CANCELLED))
        )
        .filter(last_end__lte=now, last_end__gt=now - within)
        .select_related("course")
        .order_by("last_end", "pk")
    )


def invitation_get_for_user(*, invitation_id: int, user) -> SurveyInvitation | None:
    """The invitation if it was sent to ``user``; None for anyone else (the view answers "not
    found", so nobody learns that the invitation exists)."""
    if not user.is_authenticated:
        return None
    return (
        SurveyInvitation.objects.filter(pk=invitation_id, enrolment__user=user)
        .select_related("survey", "enrolment__run__course")
        .first()
    )


def invitation_list_open_for_user(*, user) -> list[SurveyInvitation]:
    """The person's invitations not answered yet, newest first, with their survey and run:
    one query (none for a visitor)."""
    if not user.is_authenticated:
        return []
    return list(
        SurveyInvitation.objects.filter(enrolment__user=user, answered_at__isnull=True)
        .select_related("survey", "enrolment__run__course")
        .order_by("-created_at", "-pk")
    )


def question_list_for_survey(*, survey_id: int) -> list[SurveyQuestion]:
    return list(SurveyQuestion.objects.filter(survey_id=survey_id).order_by("sort_order", "pk"))


def answer_list_named_for_person(*, user) -> QuerySet[SurveyAnswer]:
    """The answers ``user`` gave with their name (to questions marked identified), in the runs
    where they answered.  Answers are not linked to people, so these are found by the name
    stored on them."""
    answered = SurveyInvitation.objects.filter(
        enrolment__user=user, answered_at__isnull=False
    ).values_list("survey_id", "enrolment__run_id")
    where = Q(pk__in=[])
    for survey_id, run_id in answered:
        where |= Q(response__survey_id=survey_id, response__run_id=run_id)
    name = user.get_full_name()
    if not name:
        return SurveyAnswer.objects.none()
    return SurveyAnswer.objects.filter(where, respondent_name=name)
