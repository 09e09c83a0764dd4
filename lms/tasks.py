"""django-q2 entry points for the core. Each task takes primary keys and calls one service."""

from lms import notifications, ratelimit, services


def deliver_email(message_id: int) -> str:
    return notifications.email_deliver(message_id=message_id).status


def requeue_undelivered_emails() -> int:
    return notifications.email_requeue_undelivered()


def purge_old_emails() -> int:
    return services.outbound_email_purge_old()


def purge_expired_rate_limits() -> int:
    return ratelimit.rate_limit_counters_purge_expired()
