"""django-q2 entry points for courses.  Each step is safe to run twice or concurrently."""

from courses import services


def handle_seat_offers() -> dict[str, int]:
    """Every few minutes: pass expired offers on, offer seats that opened, remind people
    whose offer is about to expire."""
    return {
        "expired": services.offers_expire(),
        "offered": services.free_seats_offer(),
        "reminded": services.offer_reminders_send(),
    }


def evaluate_completion() -> int:
    """After sessions end: completed, on track or no longer possible, for runs under way."""
    return services.completion_evaluate_recent_runs()


def send_session_reminders() -> int:
    """Every 15 minutes: the day-before (and hour-before online) reminders that are due."""
    return services.session_reminders_send()
