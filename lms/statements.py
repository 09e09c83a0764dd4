"""Queries of the hottest signed-in paths, built once and run for each person (or session).

Building a query with the ORM (resolving names, joins and expressions, then compiling) can
cost more than the database takes to run it: two to three times for the permission lookup of
every signed-in page and for My learning's fingerprint.  ``IdStatement`` builds the query
once per database, with a stand-in for the id of the person (or session) it is about, and
runs the SQL with the real id.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connections, router
from django.db.models import QuerySet

ANY_ID = -918_273_645  # stands for the id in a statement built once


class IdStatement:
    """``build(alias, ANY_ID)`` gives a queryset about one person or thing (``ANY_ID``
    wherever its id goes); ``rows(pk)`` runs it for ``pk``.  Rows come as the database gives
    them (no conversion of values by Django's fields)."""

    def __init__(self, build: Callable[[str, int], QuerySet]) -> None:
        self.build = build
        self._compiled: dict[str, tuple[str, tuple]] = {}

    def rows(self, pk: int, *, model=None) -> list[tuple]:
        alias = router.db_for_read(model) if model is not None else "default"
        if alias not in self._compiled:
            queryset = self.build(alias, ANY_ID)
            sql, params = queryset.query.get_compiler(using=alias).as_sql()
            self._compiled[alias] = (sql, tuple(params))
        sql, params = self._compiled[alias]
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, [pk if param == ANY_ID else param for param in params])
            return cursor.fetchall()
