"""Scratch installations for the backup and migration tests: a database (a SQLite file, or a
PostgreSQL database named after the test database in ``DATABASE_URL``) with its own media and
private folders, driven through ``manage.py`` in subprocesses with the real settings.

Populating takes a while (every migration, ``seed_demo``, ``generate_data``), so it is done once
per test session into a template that tests clone (a file copy, or ``CREATE DATABASE … TEMPLATE``).
Counting and sampling are done here directly in SQL, independently of ``lms/backup.py``, which
is what the tests check.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import dj_database_url
import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "manage.py"
# Tables the backup leaves out on purpose (docs/backup.md).
TRANSIENT_TABLES = {"lms_cache", "lms_calendar_cache", "lms_ratelimitcounter", "django_q_task"}
# Variables of the outer environment that would point a scratch site elsewhere.
_SCRUB = ("DATABASE_URL", "REDIS_URL", "EMAIL_HOST", "DJANGO_SETTINGS_MODULE", "DJANGO_ENV")


def postgres_server() -> dict:
    """Connection settings of the PostgreSQL server the test run uses (from ``DATABASE_URL``)."""
    return dj_database_url.parse(os.environ["DATABASE_URL"])


def scratch_name(suffix: str) -> str:
    """``<test database name>_<suffix>``: e.g. hyogo_h5_backup_src."""
    return f"{postgres_server()['NAME']}_{suffix}"


@contextmanager
def _maintenance() -> Iterator[psycopg.Connection]:
    server = postgres_server()
    with psycopg.connect(
        host=server["HOST"] or None,
        port=server["PORT"] or None,
        user=server["USER"],
        password=server["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    ) as conn:
        yield conn


def create_database(name: str, template: str | None = None) -> None:
    drop_database(name)
    with _maintenance() as conn:
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        conn.execute(statement)
        # Scratch data: no need to wait for the disk on every commit.
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET synchronous_commit = off").format(sql.Identifier(name))
        )


def drop_database(name: str) -> None:
    with _maintenance() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def file_hashes(root: Path) -> dict[str, str]:
    if not root.is_dir():
        return {}
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@dataclass
class Site:
    """One scratch installation: a database and its folders."""

    backend: str  # "sqlite" or "postgres"
    folder: Path
    db_name: str  # the SQLite file's path, or the PostgreSQL database's name

    @property
    def database_url(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.db_name}"
        server = postgres_server()
        return (
            f"postgres://{server['USER']}:{server['PASSWORD']}@{server['HOST'] or '127.0.0.1'}:"
            f"{server['PORT'] or 5432}/{self.db_name}"
        )

    @property
    def media(self) -> Path:
        return self.folder / "media"

    @property
    def private(self) -> Path:
        return self.folder / "private"

    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in _SCRUB}
        env.update(
            DJANGO_SETTINGS_MODULE="lms.settings",
            DATABASE_URL=self.database_url,
            DJANGO_MEDIA_ROOT=str(self.media),
            DJANGO_PRIVATE_ROOT=str(self.private),
            DJANGO_DATA_DIR=str(self.folder / "data"),
            BACKUP_PYTHON=sys.executable,
            PYTHONDONTWRITEBYTECODE="1",
        )
        return env

    def run(
        self, *command: str | Path, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        result = subprocess.run(  # noqa: S603
            [str(part) for part in command],
            cwd=ROOT,
            env={**self.env(), **(env or {})},
            capture_output=True,
            text=True,
            timeout=600,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(map(str, command))} exited {result.returncode}\n"
                f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
            )
        return result

    def manage(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        return self.run(sys.executable, MANAGE, *args, check=check, env=env)

    # --- Direct SQL, independent of the code under test -------------------------------------

    @contextmanager
    def cursor(self):
        if self.backend == "sqlite":
            with closing(sqlite3.connect(self.db_name)) as conn:
                yield conn.cursor()
                conn.commit()
        else:
            server = postgres_server()
            with psycopg.connect(
                host=server["HOST"] or None,
                port=server["PORT"] or None,
                user=server["USER"],
                password=server["PASSWORD"],
                dbname=self.db_name,
            ) as conn:
                yield conn.cursor()

    def tables(self) -> set[str]:
        with self.cursor() as cur:
            if self.backend == "sqlite":
                cur.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'wagtailsearch_indexentry_fts_%'"
                )
            else:
                cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            return {row[0] for row in cur.fetchall()}

    def counts(self) -> dict[str, int]:
        """Rows in every table of the database (every one, not only those of models)."""
        result = {}
        with self.cursor() as cur:
            for table in sorted(self.tables()):
                cur.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - names from the catalogue
                result[table] = cur.fetchone()[0]
        return result

    def rows(self, query: str, params: tuple = ()) -> list[tuple]:
        with self.cursor() as cur:
            cur.execute(query.replace("%s", "?") if self.backend == "sqlite" else query, params)
            return [tuple(row) for row in cur.fetchall()]

    def execute(self, query: str, params: tuple = ()) -> None:
        with self.cursor() as cur:
            cur.execute(query.replace("%s", "?") if self.backend == "sqlite" else query, params)

    def files(self) -> dict[str, dict[str, str]]:
        return {"media": file_hashes(self.media), "private": file_hashes(self.private)}

    def drop(self) -> None:
        if self.backend == "postgres":
            drop_database(self.db_name)


def new_site(backend: str, folder: Path, suffix: str, template: Site | None = None) -> Site:
    """An empty scratch site, or a copy of ``template`` (database and folders)."""
    folder.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        site = Site(backend, folder, str(folder / "db.sqlite3"))
        if template is not None:
            with closing(sqlite3.connect(template.db_name)) as source:
                with closing(sqlite3.connect(site.db_name)) as target:
                    source.backup(target)
    else:
        site = Site(backend, folder, scratch_name(suffix))
        create_database(site.db_name, template=template.db_name if template else None)
    if template is not None:
        for name in ("media", "private"):
            source = getattr(template, name)
            if source.is_dir():
                shutil.copytree(source, getattr(site, name))
    return site


def populate(site: Site) -> None:
    """Every migration, the demo content and a small generated dataset."""
    site.manage("migrate", "--noinput", "-v", "0")
    site.manage("seed_demo")
    site.manage("generate_data", "--scale", "0.005", "--seed", "1")


# --- The session's populated templates ----------------------------------------------------------

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
_templates: dict[str, Site] = {}


def template(backend: str, tmp_path_factory) -> Site:
    """The session's populated site for ``backend``, built on first use (clone it, never change
    it)."""
    if backend not in _templates:
        site = new_site(backend, tmp_path_factory.mktemp(f"template-{backend}"), "template")
        _templates[backend] = site
        populate(site)
    return _templates[backend]


def drop_templates() -> None:
    while _templates:
        _templates.popitem()[1].drop()
