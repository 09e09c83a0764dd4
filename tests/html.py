"""Helpers for comparing pages in tests."""

import re

# A CSRF token as Django writes it: 64 letters and digits, in forms and in Wagtail's admin
# script settings.
_CSRF_TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")


def without_csrf_tokens(page: str) -> str:
    """``page`` with every CSRF token taken out: each request has its own, so two requests for
    the same page differ only there."""
    return _CSRF_TOKEN.sub("", page)
