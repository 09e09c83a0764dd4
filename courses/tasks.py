"""django-q2 entry points for courses."""

from courses import services


def expire_offers() -> int:
    return services.offers_expire()
