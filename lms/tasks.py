"""django-q2 entry points for the core. Each task takes primary keys and calls one service."""

import time

from lms import notifications, ratelimit, services
from lms.taskqueue import batch_seconds


def deliver_email(message_id: int) -> str:
    """One message (tasks queued before messages went in batches, and single retries)."""
    return notifications.email_deliver(message_id=message_id).status


def deliver_emails(message_ids: list[int]) -> int:
    """Messages written together, over one SMTP connection; those not reached within
    ``batch_seconds`` (a slow server: each attempt may wait ``EMAIL_TIMEOUT``) go on in a new
    task.  Returns how many this task attempted."""
    return notifications.emails_deliver(
        message_ids=message_ids, until=time.monotonic() + batch_seconds()
    )


def requeue_undelivered_emails() -> int:
    return notifications.email_requeue_undelivered()


def purge_old_emails() -> int:
    return services.outbound_email_purge_old()


def purge_expired_rate_limits() -> int:
    return ratelimit.rate_limit_counters_purge_expired()
