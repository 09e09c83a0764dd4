"""Backups: the database dump, the manifest that describes it, and the check after a restore.

``scripts/backup.sh`` and ``scripts/restore.sh`` do the work in the shell (``pg_dump``, ``tar``,
``pg_restore``); this module holds what needs Django: the settings they act on, a dump whose row
counts are known exactly, and the comparison of a restored site with the manifest.  See
``docs/backup.md``.

The row counts in a manifest are those *of the dump*, not of the live database a moment later: on
PostgreSQL the counts and ``pg_dump`` share one exported snapshot, on SQLite the counts are taken
from the copy made with SQLite's online backup.  So a restore can demand equal counts even when
the site was busy during the backup.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import shlex
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump and git, with argument lists
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder

MANIFEST_FORMAT = 1
DIST_NAME = "hyogo-tsunagari-academy"
# Rebuilt by the site as it runs, so neither dumped nor compared: the rate-limit and lockout
# counters of the database cache and of lms.ratelimit (keyed on client addresses: no reason to
# keep them), and django-q2's task results (the queue itself, pending mail among it, is kept).
TRANSIENT_TABLES = (
    settings.CACHE_TABLE,
    settings.CALENDAR_CACHE_TABLE,  # the calendar feeds' bytes, written again when asked for
    "lms_ratelimitcounter",
    "django_q_task",
)
STORAGES = ("media", "private")
_COPY_ALIAS = "backup_copy"


class BackupError(Exception):
    """A backup or restore step that cannot go on (the message says why)."""


# --- Settings -----------------------------------------------------------------------------------


def storage_roots() -> dict[str, Path]:
    """The folders backed up besides the database: public uploads and private files."""
    return {"media": Path(settings.MEDIA_ROOT), "private": Path(settings.PRIVATE_ROOT)}


def vendor(using: str = DEFAULT_DB_ALIAS) -> str:
    return connections[using].vendor


def dump_filename(using: str = DEFAULT_DB_ALIAS) -> str:
    return "database.sqlite3" if vendor(using) == "sqlite" else "database.pgdump"


def libpq_environment(using: str = DEFAULT_DB_ALIAS) -> dict[str, str]:
    """PG* variables that point ``pg_dump``, ``pg_restore`` and ``psql`` at the database."""
    db = connections[using].settings_dict
    pairs = {
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGDATABASE": db.get("NAME"),
    }
    options = db.get("OPTIONS") or {}
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
    ):
        pairs[variable] = options.get(option)
    return {key: str(value) for key, value in pairs.items() if value not in (None, "")}


def shell_environment(using: str = DEFAULT_DB_ALIAS) -> str:
    """Shell assignments for the scripts (``eval``-safe: every value is quoted)."""
    values = {
        "DB_VENDOR": vendor(using),
        "DB_DUMP_NAME": dump_filename(using),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PRIVATE_ROOT": str(settings.PRIVATE_ROOT),
        "DATA_DIR": str(settings.DATA_DIR),
    }
    if vendor(using) == "sqlite":
        values["SQLITE_PATH"] = str(connections[using].settings_dict["NAME"])
    else:
        values.update(libpq_environment(using))
    lines = [f"{key}={shlex.quote(value)}" for key, value in values.items()]
    exported = [key for key in values if key.startswith("PG")]
    if exported:
        lines.append("export " + " ".join(exported))
    return "\n".join(lines)


# --- What is in a database -----------------------------------------------------------------------


def model_tables() -> dict[str, type]:
    """Each table of an installed model (many-to-many tables included), by name."""
    tables: dict[str, type] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or meta.swapped:
            continue
        tables.setdefault(meta.db_table, model)
    return tables


def table_counts(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows per table of every installed model whose table exists, through the ORM (so the same
    code counts on SQLite and PostgreSQL); transient tables left out."""
    existing = set(connections[using].introspection.table_names())
    return {
        table: model._base_manager.using(using).count()
        for table, model in sorted(model_tables().items())
        if table in existing and table not in TRANSIENT_TABLES
    }


def count_table(
    table: str, existing: set[str], models: dict[str, type], using: str = DEFAULT_DB_ALIAS
) -> int | None:
    """Rows in ``table`` (``None`` when it is not among the ``existing``), by model when there is
    one, else in SQL: a backup may name a table whose model this version no longer has."""
    connection = connections[using]
    if table not in existing:
        return None
    model = models.get(table)
    if model is not None:
        return model._base_manager.using(using).count()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return cursor.fetchone()[0]


def applied_migrations(using: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    """Applied migrations by app, as recorded in ``django_migrations``."""
    recorder = MigrationRecorder(connections[using])
    applied: dict[str, list[str]] = {}
    if not recorder.has_table():
        return applied
    for app_label, name in sorted(recorder.applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


def database_is_empty(using: str = DEFAULT_DB_ALIAS) -> tuple[bool, int]:
    """Whether the database has no tables at all, and how many it has."""
    tables = connections[using].introspection.table_names()
    return not tables, len(tables)


# --- Files --------------------------------------------------------------------------------------


def _sha256(stream) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: stream.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def directory_files(root: Path) -> dict[str, dict[str, Any]]:
    """Every regular file under ``root`` with its size and SHA-256, by relative path."""
    files: dict[str, dict[str, Any]] = {}
    if not root.is_dir():
        return files
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as stream:
                files[path.relative_to(root).as_posix()] = {
                    "size": path.stat().st_size,
                    "sha256": _sha256(stream),
                }
    return files


def archive_files(archive: Path) -> dict[str, dict[str, Any]]:
    """The same for the regular files inside a tar archive: what the backup really holds."""
    files: dict[str, dict[str, Any]] = {}
    with tarfile.open(archive) as tar:
        for member in tar:
            if not member.isfile():
                continue
            stream = tar.extractfile(member)
            name = member.name.removeprefix("./")
            files[name] = {"size": member.size, "sha256": _sha256(stream)}
    return dict(sorted(files.items()))


# --- Version ------------------------------------------------------------------------------------


def app_version() -> dict[str, str | None]:
    """The package version and, in a git checkout, the commit (read only)."""
    try:
        version = importlib.metadata.version(DIST_NAME)
    except importlib.metadata.PackageNotFoundError:
        version = None
    commit = None
    git = shutil.which("git")
    if git and (Path(settings.BASE_DIR) / ".git").exists():
        result = subprocess.run(  # noqa: S603
            [git, "-C", str(settings.BASE_DIR), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
        commit = result.stdout.strip() or None
    return {"version": version, "git_commit": commit}


# --- Dump ---------------------------------------------------------------------------------------


def _run_pg_dump(path: Path, snapshot: str, using: str) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not installed (Debian: postgresql-client).")
    command = [
        pg_dump,
        "--format=custom",
        f"--snapshot={snapshot}",
        f"--file={path}",
        *(f"--exclude-table-data={table}" for table in TRANSIENT_TABLES),
    ]
    result = subprocess.run(  # noqa: S603
        command,
        env={**os.environ, **libpq_environment(using)},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")


def _dump_postgresql(path: Path, using: str) -> tuple[dict[str, int], dict[str, list[str]]]:
    """``pg_dump`` and the counts in one snapshot: this transaction exports it and stays open
    (read only, repeatable read) while ``pg_dump`` reads through it."""
    connection = connections[using]
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        _run_pg_dump(path, snapshot, using)
        return table_counts(using), applied_migrations(using)


@contextlib.contextmanager
def _sqlite_alias(path: Path) -> Iterator[str]:
    """A database alias for a SQLite file, so the ORM can count in the copy."""
    connections.settings[_COPY_ALIAS] = {
        **connections[DEFAULT_DB_ALIAS].settings_dict,
        "NAME": str(path),
        "OPTIONS": {},
    }
    try:
        yield _COPY_ALIAS
    finally:
        connections[_COPY_ALIAS].close()
        del connections[_COPY_ALIAS]
        del connections.settings[_COPY_ALIAS]


def _dump_sqlite(path: Path, using: str) -> tuple[dict[str, int], dict[str, list[str]]]:
    """SQLite's online backup (consistent while the site writes), transient rows removed, then
    the counts of that copy."""
    source_path = Path(connections[using].settings_dict["NAME"])
    if not source_path.is_file():
        raise BackupError(f"the SQLite database {source_path} does not exist.")
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(path)
    try:
        source.backup(target)
        # One self-contained file (no -wal beside it), without the transient rows or their pages.
        target.execute("PRAGMA journal_mode=DELETE")
        existing = {row[0] for row in target.execute("SELECT name FROM sqlite_master")}
        for table in TRANSIENT_TABLES:
            if table in existing:
                target.execute(f'DELETE FROM "{table}"')  # noqa: S608 - our own table names
        target.commit()
        target.execute("VACUUM")
    finally:
        target.close()
        source.close()
    with _sqlite_alias(path) as alias:
        return table_counts(alias), applied_migrations(alias)


def dump_database(path: Path, using: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """Write the dump to ``path`` and return the database part of its manifest."""
    if path.exists():
        raise BackupError(f"{path} exists already.")
    if vendor(using) == "postgresql":
        counts, migrations = _dump_postgresql(path, using)
        dump_format = "pg_dump --format=custom"
    elif vendor(using) == "sqlite":
        counts, migrations = _dump_sqlite(path, using)
        dump_format = "sqlite3 online backup"
    else:
        raise BackupError(f"No backup procedure for {vendor(using)} databases.")
    return {
        "vendor": vendor(using),
        "dump": path.name,
        "dump_format": dump_format,
        "excluded_table_data": list(TRANSIENT_TABLES),
        "tables": counts,
        "migrations": migrations,
    }


def live_database_part(using: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """The database part of a manifest for the live database (no dump)."""
    return {
        "vendor": vendor(using),
        "dump": None,
        "dump_format": None,
        "excluded_table_data": list(TRANSIENT_TABLES),
        "tables": table_counts(using),
        "migrations": applied_migrations(using),
    }


def build_manifest(
    database: dict[str, Any],
    archives: dict[str, Path] | None = None,
    include_files: bool = True,
) -> dict[str, Any]:
    """The whole manifest: database part, files (from the archives when given, else from the
    live folders), version and time."""
    roots = storage_roots()
    storages: dict[str, Any] = {}
    if include_files:
        for name in STORAGES:
            archive = (archives or {}).get(name)
            storages[name] = {
                "root": str(roots[name]),
                "archive": archive.name if archive else None,
                "files": archive_files(archive) if archive else directory_files(roots[name]),
            }
    return {
        "format": MANIFEST_FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "app": app_version(),
        "database": database,
        "storages": storages,
    }


# --- Verify -------------------------------------------------------------------------------------


def _compare_files(name: str, expected: dict[str, Any], root: Path) -> list[str]:
    actual = directory_files(root)
    problems = []
    for path in sorted(set(expected) - set(actual)):
        problems.append(f"{name}: {path} is missing")
    for path in sorted(set(actual) - set(expected)):
        problems.append(f"{name}: {path} is not in the backup")
    for path in sorted(set(expected) & set(actual)):
        if expected[path]["sha256"] != actual[path]["sha256"]:
            problems.append(f"{name}: {path} differs (checksum)")
    return problems


def verify(
    manifest: dict[str, Any], after_migrate: bool = False, using: str = DEFAULT_DB_ALIAS
) -> tuple[list[str], list[str]]:
    """Compare the configured database and folders with ``manifest``.

    Returns ``(problems, notes)``.  Every table must hold the manifest's number of rows and
    every file must be there with its checksum.  Only ``after_migrate``, when ``migrate`` has
    brought an older backup forward, may counts differ (a data migration may add rows): they
    are then notes, not problems.
    """
    problems: list[str] = []
    notes: list[str] = []
    database = manifest["database"]
    if database["vendor"] != vendor(using):
        return [f"the backup is of a {database['vendor']} database, not {vendor(using)}"], notes

    applied = applied_migrations(using)
    expected_migrations = {
        (app, name) for app, names in database["migrations"].items() for name in names
    }
    actual_migrations = {(app, name) for app, names in applied.items() for name in names}
    for app, name in sorted(expected_migrations - actual_migrations):
        problems.append(f"migration {app}.{name} is not applied")
    brought_forward = sorted(actual_migrations - expected_migrations)
    if brought_forward and not after_migrate:
        problems.append(f"{len(brought_forward)} migrations applied that the backup did not have")
    if brought_forward and after_migrate:
        notes.append(f"migrate applied {len(brought_forward)} migrations newer than the backup")
    lenient = after_migrate and bool(brought_forward)

    existing = set(connections[using].introspection.table_names())
    models = model_tables()
    for table, expected in database["tables"].items():
        actual = count_table(table, existing, models, using)
        if actual is None:
            (notes if lenient else problems).append(f"table {table} is missing")
        elif actual != expected:
            message = f"table {table}: {actual} rows, the backup has {expected}"
            (notes if lenient else problems).append(message)

    roots = storage_roots()
    for name, storage in manifest.get("storages", {}).items():
        problems.extend(_compare_files(name, storage["files"], roots[name]))
    return problems, notes


def load_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"cannot read the manifest {path}: {error}") from error
    if manifest.get("format") != MANIFEST_FORMAT:
        raise BackupError(f"{path}: unknown manifest format {manifest.get('format')!r}")
    return manifest
