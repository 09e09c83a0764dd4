"""Self check-in codes (issue #4): the rotating QR code and typed code projected at the venue,
and the attendance code a facilitator announces online.

Codes are derived, never stored: an HMAC of the session, the time window and the site's secret
key.  So a code is only valid for its own session and only for a short time, and there is
nothing to leak from the database.  Plain functions of their arguments: the views and services
pass the clock in.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

TYPED_CODE_DIGITS = 4
# The online code is valid for the whole session window, so it is longer.
ONLINE_CODE_DIGITS = 6


class CodeCheck(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"  # genuine, but its time window has passed
    WRONG = "wrong"  # not a code of this session at all (forged, mistyped or another session's)


def _rotation() -> int:
    return settings.ATTENDANCE_CODE_ROTATION_SECONDS


def window_at(moment: datetime) -> int:
    """The number of the rotation window ``moment`` falls in."""
    return int(moment.timestamp()) // _rotation()


def window_expires_at(window: int) -> datetime:
    """When a code of ``window`` stops being accepted (its end plus the grace margin)."""
    end = (window + 1) * _rotation() + settings.ATTENDANCE_CODE_GRACE_SECONDS
    return datetime.fromtimestamp(end, tz=UTC)


def _digest(purpose: str, session_id: int, window: int | str) -> str:
    return salted_hmac(
        f"courses.checkin.{purpose}", f"{session_id}:{window}", algorithm="sha256"
    ).hexdigest()


def qr_token(session_id: int, window: int) -> str:
    """The secret part of the QR link: 80 bits, enough that nobody guesses one in 30 seconds."""
    return _digest("qr", session_id, window)[:20]


def typed_code(session_id: int, window: int) -> str:
    """A short code for phones that cannot scan; only accepted from signed-in participants of
    this session, with few tries (see ATTENDANCE_CODE_MAX_TRIES)."""
    return str(int(_digest("typed", session_id, window), 16) % 10**TYPED_CODE_DIGITS).zfill(
        TYPED_CODE_DIGITS
    )


def online_code(session_id: int) -> str:
    """The attendance code a facilitator announces during an online session."""
    return str(int(_digest("online", session_id, "session"), 16) % 10**ONLINE_CODE_DIGITS).zfill(
        ONLINE_CODE_DIGITS
    )


def _accepted_windows(now: datetime) -> list[int]:
    """The current window, and the previous one while it is inside its grace margin."""
    current = window_at(now)
    return [w for w in (current, current - 1) if now < window_expires_at(w)]


def check_qr(session_id: int, window: int, token: str, now: datetime) -> CodeCheck:
    if not constant_time_compare(qr_token(session_id, window), token):
        return CodeCheck.WRONG
    return CodeCheck.VALID if window in _accepted_windows(now) else CodeCheck.EXPIRED


def check_typed(session_id: int, code: str, now: datetime) -> CodeCheck:
    return (
        CodeCheck.VALID
        if any(
            constant_time_compare(typed_code(session_id, w), code) for w in _accepted_windows(now)
        )
        else CodeCheck.WRONG
    )


def normalise_code(raw: str) -> str:
    """Accept full-width digits and spaces, as Japanese phone keyboards often type them."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", raw or "") if ch.isdigit())


@dataclass(frozen=True)
class CheckInWindow:
    opens_at: datetime
    closes_at: datetime

    def is_open(self, moment: datetime) -> bool:
        return self.opens_at <= moment <= self.closes_at


def checkin_window(starts_at: datetime, ends_at: datetime) -> CheckInWindow:
    return CheckInWindow(
        opens_at=starts_at - timedelta(minutes=settings.ATTENDANCE_CHECKIN_OPENS_MINUTES),
        closes_at=ends_at + timedelta(minutes=settings.ATTENDANCE_CHECKIN_CLOSES_MINUTES),
    )
