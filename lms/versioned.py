"""Values kept in each process's memory under a shared version that changes with their sources.

A staff page that shows the same thing to every coordinator until somebody changes it (the
mentoring alerts, the admin's menus) need not compute it on every request.  ``SharedVersion``
names what such a value is built from (models whose saves and deletes change it) and keeps one
version of it in the shared default cache, the only thing read on every request, and read
together with the public version and every other shared version, once per request
(``lms.pagecache.read_versions``).  The value itself lives in this process's memory
(``PERSONAL_STORE`` unless told) with the version it was built under, and is built again when
that version is no longer current.

Each change bumps the version twice: when it is made (so the same transaction, and tests,
see it at once) and again once it commits, so that a value built meanwhile in another process,
from the state before the commit, is never kept under the version after it.  A version of
sources many people write (seats and attendance records; volunteer profiles and mentoring
logs) is bumped only once each transaction commits (``after_commit``): with the database
cache a bump inside the transaction would lock the version's row until the commit, and every
writer would queue on it; until then the writing transaction does not trust it
(``written_here``).  The version is read before the value is built, so a change committed
while building leaves it stale, not wrong.  Changes that send no signal
(``QuerySet.update``, raw SQL) must call ``bump`` (or ``changed``, which waits for the
commit where the version does).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from django.core.cache import cache, caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from lms.pagecache import (
    PERSONAL_STORE,
    forget_version,
    once_after_commit,
    read_versions,
    register_version,
    waits_for_commit,
)

T = TypeVar("T")


class SharedVersion:
    """One shared version for the values built from ``models`` (app labels)."""

    def __init__(
        self,
        name: str,
        models: Iterable[str],
        *,
        seconds: int,
        fields: Mapping[str, Iterable[str]] | None = None,
        ignore_new: Callable[[object], bool] | None = None,
        after_commit: bool = False,
    ) -> None:
        self.name = name
        self.models = tuple(models)
        # Bumped only once each transaction commits, never inside it, for sources written
        # often: with the database cache, a bump inside a transaction locks the version's row
        # until the commit, and every writer would queue on it (and could deadlock with
        # another's locks).  Readers ask ``written_here()`` whether to trust it.
        self.after_commit = after_commit
        # For these models (by label), only saves that may touch these fields change what is
        # kept: a sign-in saves the account's ``last_login`` alone, and must not make every
        # coordinator's list stale.
        self.fields = {label: frozenset(names) for label, names in (fields or {}).items()}
        # True for a row just created that nothing kept shows yet (a learner's new account
        # is on no staff list before a seat, a profile or a pair, which bump their own).
        self.ignore_new = ignore_new
        # A backstop only: every change that sends a signal bumps the version.
        self.seconds = seconds
        self._key = f"shared-version:{name}"
        register_version(self._key)

    def current(self) -> str:
        """The version, read with the others once per request (``lms.pagecache``)."""
        return read_versions((self._key,))[self._key]

    def bump(self) -> None:
        """Make what was kept stale: the version is removed, and the next reader draws a new
        one.  (Removing writes nothing where none was drawn yet: a ``migrate`` that syncs the
        role groups leaves the cache table empty, as a restore expects.)"""
        cache.delete(self._key)
        forget_version(self._key)

    def changed(self, sender=None, using=None, **kwargs) -> None:
        """A signal receiver: make what was kept stale now, and again once the change
        commits (see the module's docstring)."""
        if kwargs.get("action", "").startswith("pre_"):
            return  # a many-to-many change is signalled before and after: once is enough
        watched = self.fields.get(sender._meta.label) if sender is not None else None
        saved = kwargs.get("update_fields")
        if watched and saved is not None and not watched & saved:
            return  # a save of other fields only
        if kwargs.get("created") and self.ignore_new and self.ignore_new(kwargs["instance"]):
            return
        if self.after_commit:
            once_after_commit(using, self._key, self.bump)
            return
        self.bump()
        transaction.on_commit(self.bump, using=using)

    def written_here(self, using: str | None = None) -> bool:
        """For an ``after_commit`` version: whether this connection's transaction changed its
        sources and has not committed yet (the version does not say so yet)."""
        return waits_for_commit(using, self._key)

    def connect(self, *, relations: Iterable[type] = ()) -> None:
        """Listen to saves and deletes of ``models`` and to changes of the many-to-many
        ``relations`` (their through models).  Called once, from an app's ``ready``."""
        from django.apps import apps

        for label in self.models:
            model = apps.get_model(label)
            for signal in (post_save, post_delete):
                signal.connect(self.changed, sender=model, dispatch_uid=f"{self._key}:{label}")
        for through in relations:
            m2m_changed.connect(
                self.changed, sender=through, dispatch_uid=f"{self._key}:{through._meta.label}"
            )

    def kept(self, name: str, build: Callable[[], T], *, store: str = PERSONAL_STORE) -> T:
        """The value named ``name`` (which must say everything it depends on beyond the
        models: whose, which language, which day), built by ``build`` only when the one
        kept is from an older version."""
        return self.kept_until(name, lambda: (build(), None), store=store)

    def kept_until(
        self,
        name: str,
        build: Callable[[], tuple[T, dt.datetime | None]],
        *,
        store: str = PERSONAL_STORE,
    ) -> T:
        """As ``kept``, for a value that time alone also changes: ``build`` gives the value
        and the moment it changes by itself (None: never), after which it is built again."""
        if self.after_commit and self.written_here():
            return build()[0]  # this transaction's own changes are not in the version yet
        version = self.current()  # before anything is read to build it
        key = f"{self._key}|{name}"
        entry = caches[store].get(key)
        now = timezone.now()
        if entry is not None and entry[0] == version and (entry[2] is None or now < entry[2]):
            return entry[1]
        value, changes_at = build()
        seconds = self.seconds
        if changes_at is not None:
            seconds = max(1, min(seconds, int((changes_at - now).total_seconds())))
        caches[store].set(key, (version, value, changes_at), seconds)
        return value
