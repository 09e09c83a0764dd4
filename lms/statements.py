"""Queries of the hottest signed-in paths, built once and run for each person.

Building a query with the ORM (resolving names, joins and expressions, then compiling) can
cost more than the database takes to run it: two to three times for the permission lookup of
every signed-in page and for My learning's fingerprint.  ``PersonStatement`` builds the query
once per database, with a stand-in for the person's id, and runs the SQL with the real id.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connections, router
from django.db.models import QuerySet

ANYONE = -918_273_645  # stands for the person in a statement built once


class PersonStatement:
    """``build(alias, ANYONE)`` gives a queryset about one person (``ANYONE`` wherever their
    id goes); ``rows(pk)`` runs it for the person ``pk``.  Rows come as the database gives
    them (no conversion of values by Django's fields)."""

    def __init__(self, build: Callable[[str, int], QuerySet]) -> None:
        self.build = build
        self._compiled: dict[str, tuple[str, tuple]] = {}

    def rows(self, pk: int, *, model=None) -> list[tuple]:
        alias = router.db_for_read(model) if model is not None else "default"
        if alias not in self._compiled:
            queryset = self.build(alias, ANYONE)
            sql, params = queryset.query.get_compiler(using=alias).as_sql()
            self._compiled[alias] = (sql, tuple(params))
        sql, params = self._compiled[alias]
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, [pk if param == ANYONE else param for param in params])
            return cursor.fetchall()
