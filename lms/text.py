"""Checks on text people type, shared by every form."""

import unicodedata

# Ordinary whitespace is normalised elsewhere; zero-width (non-)joiners are part of the
# spelling in some scripts.  Every other control (Cc) or invisible format (Cf) character, such
# as NUL, escape sequences, zero-width spaces or bidi overrides, only hides or disguises text,
# and PostgreSQL refuses NUL outright.
_ALLOWED = {"\t", "\n", "\r", "\u200c", "\u200d"}


def has_invisible_characters(value: str) -> bool:
    """True if ``value`` holds control or invisible format characters."""
    return any(unicodedata.category(ch) in {"Cc", "Cf"} and ch not in _ALLOWED for ch in value)


def fold_for_matching(text: str) -> str:
    """Text folded for "is this the same name?": width (NFKC), case, katakana to hiragana and
    no spaces, so ヤマダ タロウ, やまだたろう and ﾔﾏﾀﾞ all match."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = "".join(chr(ord(ch) - 0x60) if "ァ" <= ch <= "ヶ" else ch for ch in text)
    return "".join(text.split())


def whole_number(value: str | None) -> int | None:
    """A hidden field or URL parameter read as an id or a count: the number if the text is
    ASCII digits (at most 18, so any database integer), else None.  Not ``int()`` after
    ``isdigit()``: "²" is a digit to one and not to the other, and ``int()`` refuses digit
    strings beyond 4,300 characters."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None
