"""Queries of the hottest signed-in paths, built once and run for each person (or session).

Building a query with the ORM (resolving names, joins and expressions, then compiling) can
cost more than the database takes to run it: two to three times for the permission lookup of
every signed-in page and for My learning's fingerprint.  ``IdStatement`` builds the query
once per database, with a stand-in for the id of the person (or session) it is about, and
runs the SQL with the real id.  ``instance`` gives the rows as the ORM's own model instances:
so every signed-in request reads its session and its person (``lms.sessions``,
``lms.backends``) for the database's time alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Model, QuerySet

ANY_ID = -918_273_645  # stands for the id in a statement built once
ANY_KEY = "\x00any-key\x00"  # stands for a key (a session's) in a statement built once


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    # What ``instance`` needs: the model, its fields' names in the order selected, and the
    # converters Django applies to values as they come from the database (dates on SQLite...).
    model: type[Model] | None
    attnames: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Callable, ...], object], ...]


def _whole_rows(queryset: QuerySet) -> bool:
    """Whether the queryset selects its model's rows and nothing else (``instance`` can then
    build them as ``from_db`` does)."""
    query = queryset.query
    return (
        queryset._fields is None
        and not query.select_related
        and not query.annotation_select
        and not query.extra_select
    )


class IdStatement:
    """``build(alias, stand_in)`` gives a queryset about one person or thing (``stand_in``,
    ``ANY_ID`` unless told, wherever its id goes); ``rows(pk)`` runs it for ``pk``, as the
    database gives the values (no conversion by Django's fields), and ``instance(pk)`` gives
    the model instance of a queryset of whole rows, as the ORM loads it."""

    def __init__(self, build: Callable[[str, object], QuerySet], *, stand_in=ANY_ID) -> None:
        self.build = build
        self.stand_in = stand_in
        self._compiled: dict[str, _Compiled] = {}

    def _statement(self, alias: str) -> _Compiled:
        if alias not in self._compiled:
            queryset = self.build(alias, self.stand_in)
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            columns = [expression for expression, _sql, _alias in compiler.select]
            converters = compiler.get_converters(columns)
            self._compiled[alias] = _Compiled(
                sql,
                tuple(params),
                queryset.model if _whole_rows(queryset) else None,
                tuple(
                    getattr(getattr(column, "target", None), "attname", "") for column in columns
                ),
                tuple(
                    (position, tuple(found[0]), found[1]) for position, found in converters.items()
                ),
            )
        return self._compiled[alias]

    def _run(self, alias: str, statement: _Compiled, value) -> list[tuple]:
        with connections[alias].cursor() as cursor:
            cursor.execute(
                statement.sql,
                [value if param == self.stand_in else param for param in statement.params],
            )
            return cursor.fetchall()

    def rows(self, pk, *, model=None) -> list[tuple]:
        alias = router.db_for_read(model) if model is not None else "default"
        return self._run(alias, self._statement(alias), pk)

    def instance(self, pk, *, model: type[Model]) -> Model | None:
        """The one ``model`` instance the statement finds for ``pk`` (None: none), with its
        values converted as the ORM converts them."""
        alias = router.db_for_read(model)
        statement = self._statement(alias)
        if statement.model is not model:
            raise TypeError("instance() needs a queryset of whole rows of the model")
        rows = self._run(alias, statement, pk)
        if not rows:
            return None
        row = list(rows[0])
        connection = connections[alias]
        for position, functions, expression in statement.converters:
            for convert in functions:
                row[position] = convert(row[position], expression, connection)
        return model.from_db(alias, statement.attnames, row)
