"""Helpers for comparing pages in tests."""

import re

# A CSRF token as Django writes it: 64 letters and digits, in forms and in Wagtail's admin
# script settings.
_CSRF_TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")


def without_csrf_tokens(page: str) -> str:
    """``page`` with every CSRF token taken out: each request has its own, so two requests for
    the same page differ only there."""
    return _CSRF_TOKEN.sub("", page)


def rows_written(monkeypatch, views_module, row_name) -> list:
    """What ``views_module``'s row templates write from now on, each row named by
    ``row_name(context)``: for tests that lines kept by ``lms.pagecache.written_once`` are
    written once, and again only when what they show changes."""
    written = []
    real = views_module.get_template

    class Counting:
        def __init__(self, template):
            self.template = template

        def render(self, context):
            written.append(row_name(context))
            return self.template.render(context)

    monkeypatch.setattr(views_module, "get_template", lambda name: Counting(real(name)))
    return written
