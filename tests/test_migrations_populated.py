"""Migrations on a populated database, on SQLite and PostgreSQL: each of our apps is taken back by
its last migrations (up to three, never below its initial ones), then ``manage.py migrate`` brings
everything forward again over the data.  Every row survives, the schema comes back as it was, and
nothing is left unapplied or unmigrated.  Also: every migration of ours can be reversed, or
docs/backup.md says it cannot (or that its reverse changes nothing)."""

import json
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db.migrations import RunPython, RunSQL
from django.db.migrations.loader import MigrationLoader

from tests import scratch_db
from tests.scratch_db import ROOT, Site, new_site

DEPTH = 3
DOC = ROOT / "docs" / "backup.md"

# Run inside the scratch site: the backward plan for all targets at once (what
# `manage.py migrate <app> <target>` does for one), so the model states are rendered once.
ROLLBACK = """
import json, os
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

targets = [tuple(target) for target in json.loads(os.environ["ROLLBACK_TARGETS"])]
executor = MigrationExecutor(connection)
graph = executor.loader.graph
# A target that another target's rollback removes (it depends on what goes) goes back further.
removed = set()
for app, name in targets:
    for child in graph.node_map[(app, name)].children:
        if child[0] == app:
            removed.update(graph.backwards_plan(child))
targets = [target for target in targets if target not in removed]
plan = executor.migration_plan(targets)
assert plan and all(backwards for _migration, backwards in plan), plan
executor.migrate(targets, plan=plan)
print("UNAPPLIED " + json.dumps([f"{m.app_label}.{m.name}" for m, _backwards in plan]))
"""
CHECKS = """
from django.core.management import call_command
call_command("migrate", check_unapplied=True, verbosity=0)
call_command("makemigrations", check=True, dry_run=True, verbosity=1)
"""


def our_apps() -> list[str]:
    """Apps whose code is in this project (not installed packages)."""
    venv = ROOT / ".venv"
    return sorted(
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT) and not Path(config.path).is_relative_to(venv)
    )


def rollback_targets(loader: MigrationLoader) -> dict[str, str]:
    """Per app, the migration to go back to: up to DEPTH before its latest, never below its last
    initial migration (the second half of a split initial migration adds NOT NULL foreign keys
    without defaults: it is made for empty tables)."""
    targets = {}
    for app in our_apps():
        names = sorted(name for label, name in loader.disk_migrations if label == app)
        initial = [i for i, name in enumerate(names) if loader.disk_migrations[app, name].initial]
        floor = max(initial, default=0)
        index = max(floor, len(names) - 1 - DEPTH)
        if names and index < len(names) - 1:
            targets[app] = names[index]
    return targets


def state_tables(loader: MigrationLoader, nodes: set[tuple[str, str]]) -> set[str]:
    state = loader.graph.make_state(nodes=sorted(nodes), at_end=True)
    return {model._meta.db_table for model in state.apps.get_models(include_auto_created=True)}


def columns(site: Site) -> dict[str, set[tuple]]:
    """Each table's columns: name, type, nullability (order aside: SQLite appends on rebuild)."""
    result = {}
    for table in site.tables():
        if site.backend == "sqlite":
            rows = site.rows(f'PRAGMA table_info("{table}")')
            result[table] = {(row[1], row[2].lower(), bool(row[3])) for row in rows}
        else:
            rows = site.rows(
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = %s",
                (table,),
            )
            result[table] = set(rows)
    return result


@pytest.fixture(params=scratch_db.BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def populated_template(tmp_path_factory):
    yield lambda backend: scratch_db.template(backend, tmp_path_factory)
    scratch_db.drop_templates()


@pytest.fixture
def site(backend, populated_template, tmp_path):
    site = new_site(backend, tmp_path / "site", "migrations", template=populated_template(backend))
    try:
        yield site
    finally:
        site.drop()


def test_migrations_go_back_and_forward_again_over_a_populated_database(site):
    loader = MigrationLoader(None, ignore_no_migrations=True)
    targets = rollback_targets(loader)
    # Apps with more than their initial migrations are exercised (courses, lms, volunteers...).
    assert {"lms", "courses", "certificates", "volunteers"} <= set(targets)
    counts_before, columns_before = site.counts(), columns(site)
    emails_before = site.rows("SELECT id, email FROM lms_user ORDER BY id")
    assert counts_before["lms_user"] >= 250 and counts_before["courses_attendance"] > 1000

    rollback = site.manage(
        "shell", "-c", ROLLBACK, env={"ROLLBACK_TARGETS": json.dumps(sorted(targets.items()))}
    )
    unapplied = set(json.loads(rollback.stdout.split("UNAPPLIED ", 1)[1]))
    for app, target in targets.items():
        later = {name for label, name in loader.disk_migrations if label == app and name > target}
        assert {f"{app}.{name}" for name in later} <= unapplied, app
    recorded = {
        f"{app}.{name}" for app, name in site.rows("SELECT app, name FROM django_migrations")
    }
    assert not recorded & unapplied

    # Going back kept every row of every table it kept, and dropped exactly the tables of the
    # models those migrations create.
    counts_back = site.counts()
    assert counts_back.pop("django_migrations") == counts_before["django_migrations"] - len(
        unapplied
    )
    all_nodes = set(loader.graph.nodes)
    remaining = {node for node in all_nodes if f"{node[0]}.{node[1]}" not in unapplied}
    expected_dropped = state_tables(loader, all_nodes) - state_tables(loader, remaining)
    assert expected_dropped
    assert set(counts_before) - set(counts_back) - {"django_migrations"} == expected_dropped
    assert {table: counts_before[table] for table in counts_back} == counts_back

    site.manage("migrate", "--noinput")

    counts_after = site.counts()
    assert set(counts_after) == set(counts_before)
    assert counts_after["django_migrations"] == counts_before["django_migrations"]
    survived = set(counts_back)
    assert {table: counts_after[table] for table in survived} == {
        table: counts_before[table] for table in survived
    }
    assert columns(site) == columns_before
    assert site.rows("SELECT id, email FROM lms_user ORDER BY id") == emails_before
    # Nothing unapplied, no model change without its migration.
    checks = site.manage("shell", "-c", CHECKS)
    assert "No changes detected" in checks.stdout


def _documented(heading: str) -> set[str]:
    """The `app.migration` names listed under a heading of docs/backup.md."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"^#+ {re.escape(heading)}\n(.*?)(?=^#|\Z)", text, re.M | re.S)
    assert match, f"docs/backup.md has no section '{heading}'"
    return set(re.findall(r"`(\w+\.\d{4}\w*)`", match.group(1)))


def test_every_migration_of_ours_can_be_reversed_or_is_documented():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    mine = set(our_apps())
    irreversible, reverse_does_nothing = set(), set()
    for (app, name), migration in loader.disk_migrations.items():
        if app not in mine:
            continue
        for operation in migration.operations:
            label = f"{app}.{name}"
            if not operation.reversible:
                irreversible.add(label)
            elif (
                isinstance(operation, RunPython) and operation.reverse_code is RunPython.noop
            ) or (isinstance(operation, RunSQL) and operation.reverse_sql == RunSQL.noop):
                reverse_does_nothing.add(label)
    assert len(loader.disk_migrations) > 20 and "lms" in mine
    assert irreversible == _documented("Migrations that cannot be reversed")
    assert reverse_does_nothing == _documented("Migrations whose reverse leaves data in place")
