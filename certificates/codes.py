"""Certificate identity (issue #5): serial numbers people read, verification codes nobody can
guess.  Plain functions, no database."""

from __future__ import annotations

import secrets
import unicodedata

# Crockford's base32: no I, L, O or U, so a code read over the phone cannot be misheard as
# another; typed input folds the look-alikes back (O→0, I/L→1).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 28  # 28 × 5 = 140 bits
_FOLD = str.maketrans({"O": "0", "I": "1", "L": "1"})

KIND_CODES = {
    "joint_training": "JT",
    "leader_module": "LM",
    "orientation": "OR",
    "exchange": "EX",
    "general": "GE",
}


def new_verification_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def grouped(code: str) -> str:
    """The typed form, read out in groups of four: ``7K3M-Q9XD-…``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_code(raw: str) -> str:
    """Whatever people type or paste (lower case, hyphens, spaces, full width, O for 0) back to
    the canonical code; an empty string when it cannot be one."""
    text = unicodedata.normalize("NFKC", raw or "").upper().translate(_FOLD)
    code = "".join(ch for ch in text if ch.isalnum())
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return ""
    return code


def serial_number(kind: str, year: int, number: int) -> str:
    """``HYOGO-2026-JT-000123``: the prefecture, the year of issue, the course kind, a number."""
    return f"HYOGO-{year}-{KIND_CODES.get(kind, 'GE')}-{number:06d}"
