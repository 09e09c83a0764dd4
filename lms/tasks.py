"""django-q2 entry points for the core. Each task takes primary keys and calls one service."""

import time

from lms import notifications, ratelimit, services, taskqueue


def deliver_email(message_id: int) -> str:
    """One message: kept for tasks queued by an older release (nothing queues it now)."""
    return notifications.email_deliver(message_id=message_id).status


def deliver_emails(message_ids: list[int]) -> int:
    """Up to ``DELIVER_BATCH_SIZE`` messages (written together, or found by the requeue job)
    over one SMTP connection; those not reached within ``batch_seconds`` (a slow server: each
    attempt may wait ``EMAIL_TIMEOUT``) go on in a new task.  Returns how many this task
    attempted; raises ``EmailBatchError`` naming messages that failed unexpectedly."""
    return notifications.emails_deliver(
        message_ids=message_ids, until=time.monotonic() + taskqueue.batch_seconds()
    )


def requeue_undelivered_emails() -> int:
    return notifications.email_requeue_undelivered()


def purge_old_emails() -> int:
    return services.outbound_email_purge_old()


def purge_expired_rate_limits() -> int:
    return ratelimit.rate_limit_counters_purge_expired()
