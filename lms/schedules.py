"""Periodic django-q2 jobs, created idempotently (update_or_create on the schedule name)."""

from django_q.models import Schedule

PERIODIC_JOBS = [
    # (name, task path, minutes between runs)
    ("requeue-undelivered-emails", "lms.tasks.requeue_undelivered_emails", 10),
    ("purge-old-emails", "lms.tasks.purge_old_emails", 24 * 60),
    ("purge-expired-rate-limits", "lms.tasks.purge_expired_rate_limits", 60),
    ("seat-offers", "courses.tasks.handle_seat_offers", 5),
    ("completion", "courses.tasks.evaluate_completion", 15),
    ("session-reminders", "courses.tasks.send_session_reminders", 15),
    ("session-changes", "courses.tasks.announce_pending_session_changes", 15),
    ("purge-abandoned-volunteer-applications", "volunteers.tasks.purge_abandoned", 24 * 60),
    ("mentoring-weekly-digest", "mentoring.tasks.send_weekly_digest", 24 * 60),
    ("survey-invitations", "surveys.tasks.send_invitations", 15),
    ("exchange-weekly-digest", "exchange.tasks.send_weekly_digest", 24 * 60),
    ("certificate-pdfs", "certificates.tasks.render_missing_pdfs", 15),
    ("certificates-missing", "certificates.tasks.issue_missing", 15),
    ("purge-old-audit-events", "audit.tasks.purge_old_events", 24 * 60),
]


def schedules_ensure() -> list[Schedule]:
    """Create or update every periodic job and remove ones we no longer run; safe on every deploy."""
    Schedule.objects.filter(
        func__regex=(
            r"^(lms|courses|certificates|volunteers|mentoring|lessons|surveys|organisations"
            r"|opportunities|exchange|audit)\.tasks\."
        )
    ).exclude(name__in=[name for name, _func, _minutes in PERIODIC_JOBS]).delete()
    schedules = []
    for name, func, minutes in PERIODIC_JOBS:
        schedule, _created = Schedule.objects.update_or_create(
            name=name,
            defaults={
                "func": func,
                "schedule_type": Schedule.MINUTES,
                "minutes": minutes,
                "repeats": -1,
            },
        )
        schedules.append(schedule)
    return schedules
