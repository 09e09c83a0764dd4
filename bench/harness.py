"""Shared pieces of the load benchmarks (rush, mixed read load, bulk certificates): Django set-up
against a chosen database, PostgreSQL helpers, percentiles, and the Markdown + JSON output that
``docs/performance.md`` is built from (``var/bench/<name>.json``)."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "var" / "bench"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = "postgres://ci:ci@127.0.0.1:5432/postgres"


def setup_django(database_url: str | None) -> None:
    """Configure Django for ``database_url`` (the environment's DATABASE_URL, else SQLite)."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
    import django

    django.setup()


def is_postgres(database_url: str | None) -> bool:
    return bool(database_url) and urlparse(database_url).scheme.startswith("postg")


def ensure_postgres_database(database_url: str) -> None:
    """Start the local cluster if it is down and create the database if it is missing."""
    url = urlparse(database_url)
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    base = ["-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username]
    ready = subprocess.run(["pg_isready", *base[:4]], capture_output=True, check=False)
    if ready.returncode != 0:
        subprocess.run(["pg_ctlcluster", "15", "main", "start"], check=False)
    name = url.path.lstrip("/")
    exists = subprocess.run(
        [
            "psql",
            *base,
            "-d",
            "postgres",
            "-Atc",
            f"SELECT 1 FROM pg_database WHERE datname='{name}'",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    if exists.stdout.strip() != "1":
        subprocess.run(["createdb", *base, name], env=env, check=True)


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (0 for an empty list)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def machine() -> dict:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


def report(name: str, title: str, rows: list[tuple[str, object]], data: dict) -> Path:
    """Print a two-column Markdown table and write ``data`` (plus the time and machine) to
    ``var/bench/<name>.json``.  Returns the JSON path."""
    print(f"\n### {title}\n")
    print("| figure | value |")
    print("|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    payload = {
        "name": name,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        **data,
    }
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return path
