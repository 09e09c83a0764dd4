"""django-q2 entry points for surveys."""

from surveys import services


def send_invitations() -> int:
    """Every 15 minutes: invite the participants of runs that have just finished (safe to run
    twice; each place is invited once)."""
    return services.invitations_send()


def invite_completed(enrolment_id: int) -> bool:
    """When a self-paced course is completed: invite the person to its survey (once)."""
    return services.completion_invitation_send(enrolment_id=enrolment_id)
