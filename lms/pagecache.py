"""Whole public pages kept for anonymous visitors, so the catalogue and course pages of a busy
morning are rendered once, not once per visitor.

How it stays correct:

- Only pages that say so are kept: every Wagtail page without view restrictions (a
  ``before_serve_page`` hook marks the request) and the views decorated with
  :func:`cache_public_page`.  Only for anonymous visitors with no pending messages, only
  ``GET``, only a 200 that set no cookie and used no CSRF token (a form would carry another
  visitor's token), keyed on host, language and full path.
- Every change to what public pages show (a page published, moved or deleted, a run, a
  session, a venue, an enrolment that takes or frees a seat, an organisation...) bumps one
  version stored in the shared default cache, once per transaction after it commits; an entry
  rendered under an older version is never served.  The version is read before the page is
  rendered, so a change made while it renders leaves the entry stale, not wrong.  Places
  taken bump only a seats part of the version: whole pages and the values kept with
  ``seats=True`` go stale, the rest (menu, routes, restrictions) is kept.
- Entries also expire after ``PUBLIC_PAGE_CACHE_SECONDS`` (what changes with time alone, such
  as an enrolment deadline passing, is at most that old); 0 turns the cache off.

The pages themselves live in each process's memory (the ``pages`` cache); the version is the
only shared part, one cache read per page served from memory.  Values kept for one person (My
learning) live in a store of their own (``PERSONAL_STORE``), so signed-in people's pages never
push the public ones out.  Lines of long staff lists (``written_once``) are named by what they
show and need no version; they live in ``FRAGMENT_STORE``.  Whole staff lists (a roster, the
attendance matrix) are kept in ``FRAGMENT_LIST_STORE`` under the version and a fingerprint of
what they show (``kept_while_unchanged``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Callable, Hashable, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.response import TemplateResponse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

PAGE_CACHE_ALIAS = "pages"
PERSONAL_STORE = "personal-pages"
FRAGMENT_STORE = "fragments"
FRAGMENT_LIST_STORE = "fragment-lists"
STAFF_LIST_STORE = "staff-lists"
# Stands for the CSRF token in HTML kept for later requests (``with_csrf_token``).  Drawn at
# random per process (kept HTML never leaves it), so no text a person types can imitate it.
CSRF_PLACEHOLDER = uuid.uuid4().hex
# Where a page's template shows its kept body (``with_kept_body``); drawn like the token's.
KEPT_BODY = f"<!--kept-body:{uuid.uuid4().hex}-->"
VERSION_KEY = "public-pages:version"
SEATS_VERSION_KEY = "public-pages:seats-version"
_MARK = "_public_page_version"
T = TypeVar("T")
# How long a fragment nobody asked for stays kept (``written_once``): a day's sessions.
FRAGMENT_SECONDS = 24 * 60 * 60

# What public pages show: a change to any of these bumps the version.  Wagtail pages of every
# type count too (see ``is_public_content``).  Places taken (``SEATS_MODELS``) bump only the
# seats part of it: whole pages and the values that count places are made stale, the menu,
# the routes and the rest are kept through an enrolment rush.
PUBLIC_CONTENT_MODELS = frozenset(
    {
        "lms.Field",
        "lms.Profession",
        "lms.OrganisationGroup",
        "lms.OrganisationType",
        "lms.Municipality",
        "cms.Organisation",
        "cms.Activity",
        "cms.PlatformOffice",
        "courses.ProgramModule",
        "courses.Venue",
        "courses.CourseRun",
        "courses.RunSeatPool",
        "courses.Session",
        "courses.Enrolment",
        "opportunities.Opportunity",
        "opportunities.OpportunityApplication",
        "organisations.ActivityVersion",
        "wagtailcore.Site",
        "wagtailcore.Locale",
        "wagtailcore.PageViewRestriction",
        "wagtailimages.Image",
        "wagtaildocs.Document",
        "taggit.Tag",
    }
)


SEATS_MODELS = frozenset({"courses.Enrolment", "opportunities.OpportunityApplication"})

# Every shared version requests read (the public one's two parts and those registered by
# ``lms.versioned.SharedVersion``), and those this request has read (``versions_read_once``).
_VERSION_KEYS: list[str] = [VERSION_KEY, SEATS_VERSION_KEY]
_versions_read: ContextVar[dict[str, str] | None] = ContextVar("versions_read", default=None)


def _timeout() -> int:
    return int(getattr(settings, "PUBLIC_PAGE_CACHE_SECONDS", 0))


def register_version(key: str) -> None:
    """Name a shared version (``lms.versioned.SharedVersion``) that requests read along with
    the public one, in the same read (``read_versions``)."""
    if key not in _VERSION_KEYS:
        _VERSION_KEYS.append(key)


def read_versions(keys: Sequence[str]) -> dict[str, str]:
    """The shared versions ``keys``, a fresh one drawn for any the store lost (nothing old then
    matches).  Within a request (``versions_read_once``) every registered version is read in
    the first read, whichever is asked for first, and each is read once: a signed-in staff
    page needs the public version, its sidebar's and its permissions' (one read, not three).
    A version bumped meanwhile is read again (``forget_version``)."""
    memo = _versions_read.get()
    if memo is None:
        return _drawn_where_missing(keys, cache.get_many(keys))
    wanted = [key for key in keys if key not in memo]
    if wanted:
        others = [key for key in _VERSION_KEYS if key not in memo and key not in wanted]
        memo.update(_drawn_where_missing(wanted, cache.get_many([*wanted, *others])))
    return {key: memo[key] for key in keys}


def _drawn_where_missing(keys: Sequence[str], found: dict[str, str]) -> dict[str, str]:
    """``found`` with a version drawn for each of ``keys`` the store lost: the one another
    process drew first if it did, else ours, even if a bump removed it again meanwhile
    (what is kept under it then matches nothing later: stale, never wrong)."""
    missing = [key for key in keys if key not in found]
    if not missing:
        return found
    drawn = {key: uuid.uuid4().hex for key in missing}
    for key, version in drawn.items():
        cache.add(key, version, timeout=None)
    return {**found, **drawn, **cache.get_many(missing)}


def forget_version(key: str) -> None:
    """The version ``key`` was bumped: this request reads it again if it needs it."""
    memo = _versions_read.get()
    if memo is not None:
        memo.pop(key, None)


@contextmanager
def versions_read_once():
    """Within it (a request, ``AnonymousPageCacheMiddleware``), each shared version is read
    once and all of them together (``read_versions``)."""
    token = _versions_read.set({})
    try:
        yield
    finally:
        _versions_read.reset(token)


def current_version() -> str:
    """The public version, ``content.seats``, in one read."""
    found = read_versions((VERSION_KEY, SEATS_VERSION_KEY))
    return f"{found[VERSION_KEY]}.{found[SEATS_VERSION_KEY]}"


def bump_version(*, seats_only: bool = False) -> None:
    """Make every kept page stale, in every process; with ``seats_only`` only whole pages and
    the values kept with ``seats=True`` (see ``kept_for_request``)."""
    key = SEATS_VERSION_KEY if seats_only else VERSION_KEY
    cache.set(key, uuid.uuid4().hex, timeout=None)
    forget_version(key)


def _content_part(version: str) -> str:
    return version.split(".", 1)[0]


def is_public_content(model: type) -> bool:
    from wagtail.models import Page

    return model._meta.label in PUBLIC_CONTENT_MODELS or issubclass(model, Page)


def bump_after_commit(using: str | None = None, *, seats_only: bool = False) -> None:
    """Bump once the current transaction commits: once per transaction, however many rows."""
    once_after_commit(
        using,
        "public-seats" if seats_only else "public-pages",
        lambda: bump_version(seats_only=seats_only),
    )


def once_after_commit(using: str | None, name: str, action: Callable[[], None]) -> None:
    """Run ``action`` once the current transaction commits, once per transaction however many
    changes ask.  Every change registers its own callback (a savepoint rolled back drops only
    its own), and the callbacks of one transaction share one flag per ``name``, so only the
    first of them runs it.  Outside a transaction it runs at once."""
    connection = transaction.get_connection(using)
    flag = f"_after_commit:{name}"
    pending = getattr(connection, flag, None)
    if pending is None or pending["done"]:
        pending = {"done": False}
        setattr(connection, flag, pending)

    def run() -> None:
        if not pending["done"]:
            pending["done"] = True
            action()

    transaction.on_commit(run, using=using)


def waits_for_commit(using: str | None, name: str) -> bool:
    """Whether this connection's transaction has asked ``once_after_commit(name)`` and not
    yet committed: what it wrote is not yet in the version others read.  (After a rollback
    it stays so, on that connection, until its next such commit: safe, only slower.)"""
    connection = transaction.get_connection(using)
    pending = getattr(connection, f"_after_commit:{name}", None)
    return connection.in_atomic_block and pending is not None and not pending["done"]


def _content_changed(sender, using=None, **kwargs) -> None:
    if _timeout():
        bump_after_commit(using, seats_only=sender._meta.label in SEATS_MODELS)


def _relation_changed(sender, instance, model, using=None, **kwargs) -> None:
    if _timeout() and (is_public_content(type(instance)) or is_public_content(model)):
        bump_after_commit(using)


def connect_signals() -> None:
    """Listen to saves and deletes of public content only: a receiver for every model would
    also cost Django's fast path for bulk deletes (purges of mail and audit rows)."""
    from django.apps import apps

    for model in apps.get_models():
        if is_public_content(model):
            for name, signal in (("save", post_save), ("delete", post_delete)):
                signal.connect(
                    _content_changed,
                    sender=model,
                    dispatch_uid=f"lms.pagecache.{name}.{model._meta.label}",
                )
    m2m_changed.connect(_relation_changed, dispatch_uid="lms.pagecache.m2m")


def mark_cacheable(request: HttpRequest) -> None:
    """This request's page may be kept (read the version now, before rendering)."""
    if _timeout() and getattr(request, "_public_page_key", None):
        setattr(request, _MARK, request_version(request))


def _site_key(request: HttpRequest) -> str:
    """The host as sent and the port Wagtail chooses the site by (the server's, which may
    differ from the one in the Host header)."""
    return f"{request.get_host()}|{request.get_port()}"


def _kept_key(request: HttpRequest, name: str) -> str | None:
    """The store's key for ``name`` on this request, or None when nothing may be kept: the
    page cache is off (then nothing bumps the version), or an editor previews a draft (which
    must never be kept for visitors)."""
    if not _timeout() or getattr(request, "is_preview", False):
        return None
    # The language being written, not the request's: Wagtail's admin writes in each staff
    # member's own language, whatever the address or browser asks for.
    return f"value:{name}:{_site_key(request)}|{translation.get_language()}"


def request_version(request: HttpRequest) -> str:
    """The public version, read once per request.  A view that reads what a kept value is
    built from before asking for the value (``kept_value``) reads the version first."""
    version = getattr(request, _MARK, None) or getattr(request, "_public_version_read", None)
    if version is None:
        version = request._public_version_read = current_version()
    return version


def keeps_values(request: HttpRequest) -> bool:
    """Whether values may be kept for this request (``kept_value`` can find any): worth
    knowing before computing a key that costs a query."""
    return _kept_key(request, "") is not None


def kept_value(
    request: HttpRequest, name: str, *, seats: bool = False, store: str = PAGE_CACHE_ALIAS
) -> tuple[bool, object]:
    """(True, value) when ``name`` is kept under the current version, else (False, None).
    ``seats``: the value counts places taken, so an enrolment makes it stale too.  ``store``:
    ``PERSONAL_STORE`` for a value of one person's (its name must say whose)."""
    key = _kept_key(request, name)
    if key is None:
        return False, None
    # Read before anything is built from the database, even when nothing is kept yet: a change
    # committed while the value is built then leaves it stale (kept under the older version),
    # not wrong.
    current = request_version(request)
    entry = caches[store].get(key)
    if entry is None:
        return False, None
    if entry[0] == current or (not seats and _content_part(entry[0]) == _content_part(current)):
        return True, entry[1]
    return False, None


def keep_value(
    request: HttpRequest,
    name: str,
    value: object,
    *,
    timeout: int | None = None,
    store: str = PAGE_CACHE_ALIAS,
) -> None:
    """Keep ``value`` under the version read by this request (by ``kept_value``, before the
    value was built).  ``timeout``: for a value that nothing but the version and its name can
    make stale (nothing in it changes with time alone, or not before then), other than the
    pages'."""
    key = _kept_key(request, name)
    if key is not None:
        caches[store].set(
            key, (request_version(request), value), timeout if timeout else _timeout()
        )


def kept_for_request(
    request: HttpRequest, name: str, build: Callable[[], T], *, seats: bool = False
) -> T:
    """A value built from public content only (the site menu), kept in this process's memory
    under the public version, so every page (signed-in ones too) gets it for one read of the
    version instead of its own queries.  Per host and language, like the pages; built afresh
    when the page cache is off and for an editor's preview (see ``_kept_key``).  ``seats``:
    the value counts places taken (an enrolment makes it stale); others survive enrolments."""
    found, value = kept_value(request, name, seats=seats)
    if found:
        return value
    value = build()
    keep_value(request, name, value)
    return value


def kept_while_unchanged(
    request: HttpRequest,
    name: str,
    fingerprint: Callable[[], Hashable | None] | None,
    build: Callable[[], tuple[T, dt.datetime | None]],
    *,
    writes: str | None = None,
) -> T:
    """A large staff value (a whole roster or matrix as HTML) kept in the process's
    ``FRAGMENT_LIST_STORE`` under ``name`` (one entry, replaced when it changes) while the
    public version and its fingerprint stay the same.  ``fingerprint()``: what changes
    whenever anything else the value shows does, read in one query after the public version
    (``request_version``) and before anything the value is built from; it or its value None:
    nothing is kept.  ``build()`` gives the value and the moment time alone changes it (None: never).

    ``writes``: a shared version (read before this is called) that every write of what the
    fingerprint sums changes.  While it is the one the value was kept or last checked under,
    nothing was written and the fingerprint's query is not run; after any write, anywhere,
    the fingerprint tells whether this value is still the same (kept, not built again)."""
    if fingerprint is None or not keeps_values(request):
        return build()[0]
    now = timezone.now()
    found, kept = kept_value(request, name, store=FRAGMENT_LIST_STORE)
    in_time = found and now < kept[3]
    if in_time and writes is not None and kept[0] == writes:
        return kept[2]
    current = fingerprint()
    if current is None:
        return build()[0]
    if in_time and kept[1] == current:
        value, until = kept[2], kept[3]  # still the same: kept until the same moment
    else:
        value, changes_at = build()
        # At most as long as a page from when it was built, in case a change sends no signal.
        until = now + dt.timedelta(seconds=_timeout())
        if changes_at is not None:
            until = min(until, changes_at)
    timeout = max(1, int((until - now).total_seconds()))
    entry = (writes, current, value, until)
    keep_value(request, name, entry, timeout=timeout, store=FRAGMENT_LIST_STORE)
    return value


def written_once(
    kind: str,
    items: Sequence[Hashable],
    write: Callable[[list], list[str]],
) -> str:
    """The HTML of ``items`` one after another, each written by ``write`` (a list of items
    in, their HTML out, in order) only if it is not kept yet.  Each item is a plain value
    holding everything its HTML shows, so it names its HTML: kept in the process's
    ``FRAGMENT_STORE`` under a digest of ``kind``, the active language and the item, it needs
    no version and can never be stale.  For long lists whose rows mostly stay the same between
    requests (a roster between marks: each mark writes one row again, not three hundred).
    Whole lists shown again and again are kept by ``kept_while_unchanged``."""
    prefix = f"{kind}|{translation.get_language()}|"
    # repr() writes line breaks escaped: each item is one line of text.
    texts = [prefix + repr(item) for item in items]
    keys = [hashlib.blake2b(text.encode(), digest_size=16).hexdigest() for text in texts]
    store = caches[FRAGMENT_STORE]
    found = store.get_many(keys)
    missing = [index for index, key in enumerate(keys) if key not in found]
    if missing:
        written = dict(
            zip([keys[i] for i in missing], write([items[i] for i in missing]), strict=True)
        )
        store.set_many(written, timeout=FRAGMENT_SECONDS)
        found.update(written)
    return "".join(found[key] for key in keys)


_LINE_BREAK_WITH_INDENT = re.compile(r"\s*\n\s*")


def compact_html(html: str) -> str:
    """``html`` with each run of blank space that holds a line break made one line break: the
    template's indentation, repeated on every row of a long list, is a quarter of My learning
    for 30 places.  Browsers show any run of blank space as one (no ``<pre>`` or
    ``<textarea>`` may be in ``html``)."""
    return _LINE_BREAK_WITH_INDENT.sub("\n", html)


def end_of_day(now: dt.datetime) -> dt.datetime:
    """The next local midnight after ``now``: when what was kept for "today" goes stale."""
    tomorrow = timezone.localtime(now).date() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(tomorrow, dt.time()))


def content_version(request: HttpRequest) -> str:
    """The content part of the public version (read once per request): for a value kept
    elsewhere that shows public content too (places, fields), to be named by."""
    return _content_part(request_version(request))


def bump_every_version() -> None:
    """Make everything kept stale, in every process: for data written without signals
    (the benchmarks' generator writes in bulk)."""
    cache.delete_many(list(_VERSION_KEYS))
    for key in _VERSION_KEYS:
        forget_version(key)


def query_name(request: HttpRequest) -> str:
    """The request's query string as a short name for what is kept of a staff list: the same
    for the same parameters in any order, whatever their length."""
    asked = urlencode(sorted(request.GET.lists()), doseq=True)
    return hashlib.blake2b(asked.encode(), digest_size=16).hexdigest()


def with_csrf_token(request: HttpRequest, html: bytes) -> bytes:
    """HTML (UTF-8, as ``with_kept_body`` keeps it) rendered with ``CSRF_PLACEHOLDER`` as its
    ``csrf_token`` (so it can be kept and served to the same person on another device or
    after login), with this request's token."""
    placeholder = CSRF_PLACEHOLDER.encode()
    if placeholder not in html:
        return html  # no form: no token asked for, as when rendering
    return html.replace(placeholder, get_token(request).encode())


def with_kept_body(
    request: HttpRequest,
    template_name: str,
    context: dict,
    body: bytes,
    *,
    fill: Callable[[], dict[str, str]] | None = None,
) -> TemplateResponse:
    """The page of ``template_name`` (in the admin frame or the site's) with ``body``, kept
    HTML as UTF-8, where the template shows ``{{ kept_body }}``, and this request's token
    in it (``with_csrf_token``) and what ``fill`` gives for other placeholders.

    The body is spliced into the rendered page as bytes: given to the template as text, the
    400 KB attendance matrix was decoded from the store, copied by each template block that
    joins its parts and encoded again, about 2 ms of its 10 (issue #9).  The body must be
    written by templates (escaped): it is sent as it is."""
    marker = KEPT_BODY.encode()

    def splice(response: TemplateResponse) -> None:
        head, found, tail = response.content.partition(marker)
        if not found:
            raise ValueError(f"{template_name} does not show {{{{ kept_body }}}}")
        filled = with_csrf_token(request, body)
        for placeholder, html in (fill() if fill else {}).items():
            filled = filled.replace(placeholder.encode(), html.encode())
        response.content = b"".join((head, filled, tail))

    response = TemplateResponse(
        request, template_name, {**context, "kept_body": mark_safe(KEPT_BODY)}
    )
    response.add_post_render_callback(splice)
    return response


def cache_public_page(view: Callable) -> Callable:
    """Decorator for public views whose page is the same for every anonymous visitor."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        mark_cacheable(request)
        return view(request, *args, **kwargs)

    return wrapped


def _key(request: HttpRequest) -> str | None:
    """The cache key of this request, or None when its page must not come from the cache."""
    if request.method != "GET" or "messages" in request.COOKIES:
        return None
    if request.user.is_authenticated:
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES and request.session.get("_messages"):
        return None
    raw = f"{_site_key(request)}|{getattr(request, 'LANGUAGE_CODE', '')}|{request.get_full_path()}"
    return "page:" + hashlib.sha256(raw.encode()).hexdigest()


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    messages = getattr(request, "_messages", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (messages is not None and len(messages))
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
    )


class AnonymousPageCacheMiddleware:
    """Answer anonymous visitors from the kept pages; keep the pages views marked.  Within it,
    each shared version is read once per request, all in one read (``read_versions``)."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with versions_read_once():
            return self._answer(request)

    def _answer(self, request: HttpRequest) -> HttpResponse:
        key = _key(request) if _timeout() else None
        request._public_page_key = key
        if key:
            entry = caches[PAGE_CACHE_ALIAS].get(key)
            if entry is not None and entry[0] == current_version():
                _version, content, content_type = entry
                return HttpResponse(content, content_type=content_type)
        response = self.get_response(request)
        version = getattr(request, _MARK, None)
        if key and version is not None and _storable(request, response):
            caches[PAGE_CACHE_ALIAS].set(
                key, (version, response.content, response["Content-Type"]), _timeout()
            )
        return response
