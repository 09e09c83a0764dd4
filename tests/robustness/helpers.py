"""Checks shared by the bad-input tests: a database snapshot to prove nothing changed, and what
"a clear error" means for a page (a message in Japanese, never a server error)."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from django.apps import apps
from django.contrib.messages import get_messages
from django.db.models import Model, QuerySet
from hypothesis import HealthCheck, settings

from tests.url_names import our_packages

# Few examples each (the whole package stays within a few minutes on SQLite) and no deadline,
# since one example is a whole request through the middleware and templates.  The fixtures are
# function-scoped and shared by a test's examples on purpose: each example that must change
# nothing is compared with a snapshot taken just before it.
FAST = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SOME = settings(FAST, max_examples=30)
FEW = settings(FAST, max_examples=10)  # for examples that make many requests each

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_ERROR_ITEM = re.compile(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', re.S)
_TAG = re.compile(r"<[^>]+>")

# Apps whose tables are left out although they are ours: a staff CSV download that succeeds
# records its export in the audit log, as it should.
_NOT_SNAPSHOTTED = frozenset({"audit"})
# Third-party apps whose tables a request from the public could write (allauth's e-mail
# addresses, on sign-up).  Sessions and the cache table are left out: every request may touch them.
_THIRD_PARTY_SNAPSHOTTED = ("account",)
# Models of ours left out for the same reason: the rate-limit counters (the cache's stand-in).
_MODELS_NOT_SNAPSHOTTED = frozenset({"lms.RateLimitCounter"})


def project_apps() -> tuple[str, ...]:
    """The labels of the apps whose tables a request from the public could write: every app of
    ours (its code in this repository, not among the installed libraries: the rule
    ``tests/url_names.py`` uses for views), so that a new app is covered without an edit."""
    ours = our_packages()
    labels = [
        config.label
        for config in apps.get_app_configs()
        if config.name.split(".")[0] in ours and config.label not in _NOT_SNAPSHOTTED
    ]
    return (*labels, *_THIRD_PARTY_SNAPSHOTTED)


def snapshot(*models: type[Model], rows: tuple[QuerySet, ...] = ()) -> dict:
    """Row counts of ``models`` (all of the project's models when none are named) and the
    values of ``rows`` (querysets whose contents must not change, e.g. the signed-in person)."""
    if not models:
        from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting

        # Site settings are created on the first page that reads them, whatever was sent.
        models = tuple(
            model
            for label in project_apps()
            for model in apps.get_app_config(label).get_models()
            if not model._meta.proxy
            and not issubclass(model, BaseSiteSetting | BaseGenericSetting)
            and model._meta.label not in _MODELS_NOT_SNAPSHOTTED
        )
    state: dict = {model._meta.label: model._default_manager.count() for model in models}
    for number, queryset in enumerate(rows):
        state[f"rows-{number}"] = sorted(map(repr, queryset.values()))
    return state


def changed(before: dict, after: dict) -> dict:
    """What differs between two snapshots, for a readable assertion message."""
    return {key: (before[key], after.get(key)) for key in before if before[key] != after.get(key)}


def field_errors(response) -> list[str]:
    """The texts of the form errors on the page (field and non-field error lists)."""
    content = response.content.decode()
    return [
        html.unescape(_TAG.sub(" ", item)).strip()
        for block in _ERROR_ITEM.findall(content)
        for item in re.findall(r"<li>(.*?)</li>", block, re.S)
    ]


def message_texts(response) -> list[str]:
    """The flash messages the request queued (shown on the next page)."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def assert_not_server_error(response) -> None:
    assert response.status_code < 500, (response.status_code, response.content[:500])


def assert_clear_error(response, *, statuses=(200, 400)) -> None:
    """The form came back (200 or 400) with at least one error, written in Japanese."""
    assert response.status_code in statuses, (response.status_code, response.get("Location"))
    errors = field_errors(response) + message_texts(response)
    assert errors, "no error message on the page"
    assert all(JAPANESE.search(error) for error in errors), errors


def assert_error_message(response) -> None:
    """A redirect (or page) that carries an error message in Japanese."""
    assert_not_server_error(response)
    errors = [
        str(m) for m in get_messages(response.wsgi_request) if "error" in m.tags
    ] + field_errors(response)
    assert errors, (response.status_code, message_texts(response))
    assert all(JAPANESE.search(error) for error in errors), errors


def encode_form(data: dict, raw: dict[str, str] | None = None) -> str:
    """A urlencoded body from ``data`` (lists repeat the key), with ``raw`` values appended
    already percent-encoded: the way to send bytes that are not UTF-8."""
    parts = []
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(f"{quote(key)}={quote(str(item), safe='')}")
    for key, value in (raw or {}).items():
        parts.append(f"{quote(key)}={value}")
    return "&".join(parts)


FORM = "application/x-www-form-urlencoded"
