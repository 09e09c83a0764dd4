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
