"""django-q2 entry points for volunteers.  Each is safe to run twice (see services)."""

from django.conf import settings

from volunteers import services


def training_completed(enrolment_id: int) -> str | None:
    """Move the person on if the completed course fulfils their stage's training requirement;
    returns the new stage."""
    change = services.volunteer_training_completed(enrolment_id=enrolment_id)
    return change.to_stage if change else None


def purge_abandoned() -> int:
    """Anonymise sign-ups never confirmed within VOLUNTEER_ABANDONED_MONTHS."""
    return services.volunteers_purge_abandoned(months=settings.VOLUNTEER_ABANDONED_MONTHS)
