"""django-q2 entry points for the members' exchange.  Each is safe to run twice."""

from __future__ import annotations

import datetime as dt

from exchange import services


def send_weekly_digest(now: dt.datetime | None = None) -> int:
    """Daily: each member gets at most one digest per ISO week of the posts and notices
    published since their last one (see ``services.digest_send_weekly``).  Returns the number
    of messages queued."""
    return services.digest_send_weekly(now=now)
