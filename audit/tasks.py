"""django-q2 entry points for the audit log."""

from audit import services


def purge_old_events() -> int:
    """Daily: delete events older than AUDIT_RETENTION_DAYS; safe to run twice."""
    return services.audit_purge_old()
