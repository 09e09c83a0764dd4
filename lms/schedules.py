"""Periodic django-q2 jobs, created idempotently (update_or_create on the schedule name)."""

from django_q.models import Schedule

PERIODIC_JOBS = [
    # (name, task path, minutes between runs)
    ("retry-failed-emails", "lms.tasks.retry_failed_emails", 10),
]


def schedules_ensure() -> list[Schedule]:
    """Create or update every periodic job; safe to run on every deploy."""
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
