"""Completion records (issue #4): the rules of courses.completion applied to enrolments and
stored; reflections and staff sign-off."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import selectors
from courses.models import (
    CompletionState,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
)
from courses.services.base import ATTENDING_STATUSES, EnrolmentError
from courses.signals import enrolment_completed
from lms.models import User
from lms.notifications import notification_send

# --- Completion (issue #4) ----------------------------------------------------------------------


def completion_evaluate(*, enrolments: list[Enrolment], now: datetime | None = None) -> int:
    """Evaluate completion for these enrolments (the caller holds their locks) and store the
    result; one that reaches completion becomes COMPLETED and ``enrolment_completed`` is sent.

    Completion sticks: a completed enrolment is never evaluated again (later rule edits or
    sessions do not take it away), and the signal goes out once, when the row changes from
    enrolled to completed.  Safe to run any number of times."""
    now = now or timezone.now()
    enrolled = [e for e in enrolments if e.status == EnrolmentStatus.ENROLLED]
    if not enrolled:
        return 0
    facts = selectors.completion_facts(enrolments=enrolled, now=now)
    changed = 0
    for enrolment in enrolled:
        state = facts.evaluate(enrolment).state
        if enrolment.completion == state:
            continue
        # updated_at too: an update sets no auto_now field, and My learning's fingerprint
        # (courses.selectors.learning_fingerprint) reads it.
        updates = {
            "completion": state,
            "completion_checked_at": now,
            "updated_at": timezone.now(),
        }
        if state == CompletionState.COMPLETED:
            updates |= {"status": EnrolmentStatus.COMPLETED, "completed_at": now}
        rows = Enrolment.objects.filter(pk=enrolment.pk, status=EnrolmentStatus.ENROLLED).update(
            **updates
        )
        if not rows:
            continue  # cancelled or completed meanwhile: nothing to change
        for key, value in updates.items():
            setattr(enrolment, key, value)
        if state == CompletionState.COMPLETED:
            transaction.on_commit(
                lambda e=enrolment: enrolment_completed.send(sender=Enrolment, enrolment=e)
            )
        changed += 1
    return changed


def completion_evaluate_recent_runs(*, now: datetime | None = None) -> int:
    """After sessions end: evaluate every enrolled person in runs under way or just ended (a
    session ending without a mark can make completion reached or impossible).  Each run's
    enrolments are locked in key order, as marks lock them, so a cancellation or a mark made
    meanwhile is never overwritten with a stale result."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    run_ids = list(
        CourseRun.objects.filter(
            starts_on__lte=today, ends_on__gte=today - timedelta(days=2)
        ).values_list("pk", flat=True)
    )
    changed = 0
    for run_id in run_ids:
        with transaction.atomic():
            enrolments = list(
                Enrolment.objects.select_for_update()
                .filter(run_id=run_id, status=EnrolmentStatus.ENROLLED)
                .order_by("pk")
            )
            changed += completion_evaluate(enrolments=enrolments, now=now)
    return changed


@transaction.atomic
def reflection_submit(
    *,
    enrolment: Enrolment,
    text: str = "",
    answers: list[str] | None = None,
    now: datetime | None = None,
) -> Enrolment:
    """The participant's reflection (振り返り), which some courses require to complete: one
    answer per question of the course's reflection sheet, or one free text."""
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("run__course")
        .get(pk=enrolment.pk)
    )
    questions = [block.value for block in enrolment.run.course.reflection_questions]
    if questions:
        answers = [(a or "").strip() for a in (answers or [])]
        if len(answers) != len(questions) or not all(answers):
            raise EnrolmentError(_("Please answer every question of the reflection sheet."))
        if any(len(a) > 2000 for a in answers):
            raise EnrolmentError(_("Please keep each answer under 2,000 characters."))
        sheet = [{"question": q, "answer": a} for q, a in zip(questions, answers, strict=True)]
        text = "\n\n".join(f"【{item['question']}】\n{item['answer']}" for item in sheet)
    else:
        sheet = []
        text = (text or "").strip()
        if len(text) < 20:
            raise EnrolmentError(_("Please write a few sentences (at least 20 characters)."))
        if len(text) > 4000:
            raise EnrolmentError(_("Please keep the reflection under 4,000 characters."))
    if enrolment.status not in ATTENDING_STATUSES:
        raise EnrolmentError(_("Only people with a seat can send a reflection."))
    now = now or timezone.now()
    enrolment.reflection, enrolment.reflection_answers = text, sheet
    enrolment.reflection_submitted_at = now
    enrolment.save(
        update_fields=["reflection", "reflection_answers", "reflection_submitted_at", "updated_at"]
    )
    completion_evaluate(enrolments=[enrolment], now=now)
    return enrolment


@transaction.atomic
def reflection_feedback_give(*, enrolment: Enrolment, by: User, text: str) -> Enrolment:
    """Staff answer a reflection; the participant is told by email and sees it in place."""
    text = (text or "").strip()
    if not text:
        raise EnrolmentError(_("Write the feedback first."))
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("user", "run__course")
        .get(pk=enrolment.pk)
    )
    if not enrolment.reflection_submitted_at:
        raise EnrolmentError(_("There is no reflection to answer yet."))
    enrolment.reflection_feedback = text[:2000]
    enrolment.reflection_feedback_by, enrolment.reflection_feedback_at = by, timezone.now()
    enrolment.save(
        update_fields=[
            "reflection_feedback",
            "reflection_feedback_by",
            "reflection_feedback_at",
            "updated_at",
        ]
    )
    notification_send(
        recipient=enrolment.user.email,
        template="courses/email/reflection_feedback",
        context={
            "enrolment": enrolment,
            "url": settings.SITE_URL + reverse("courses:reflection", args=[enrolment.pk]),
        },
        language=enrolment.user.preferred_language,
    )
    return enrolment


@transaction.atomic
def enrolment_sign_off(*, enrolment: Enrolment, by: User, now: datetime | None = None) -> Enrolment:
    """Staff confirm a participant's completion where the course asks for a sign-off."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status not in ATTENDING_STATUSES:
        raise EnrolmentError(_("Only people with a seat can be signed off."))
    now = now or timezone.now()
    enrolment.signed_off_by, enrolment.signed_off_at = by, now
    enrolment.save(update_fields=["signed_off_by", "signed_off_at", "updated_at"])
    completion_evaluate(enrolments=[enrolment], now=now)
    return enrolment
