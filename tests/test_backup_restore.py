"""scripts/backup.sh and scripts/restore.sh on a populated site (docs/backup.md), on SQLite and on
PostgreSQL: a backup restored into a fresh database gives back every row and every file; a
database that is not empty is never overwritten without --force; a damaged backup, or one whose
contents differ from its manifest, makes the restore fail loudly.

Everything runs as an operator would: the scripts in subprocesses with the real settings, each
site with its own database and folders (tests/scratch_db.py).  The comparisons are made here in
SQL and by hashing files, not with the code under test."""

import datetime as dt
import hashlib
import importlib.metadata
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest

from tests import scratch_db
from tests.scratch_db import ROOT, TRANSIENT_TABLES, Site, new_site

BACKUP = ROOT / "scripts" / "backup.sh"
RESTORE = ROOT / "scripts" / "restore.sh"
PROBE_IMAGE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
PROBE_ATTACHMENT = "会議資料 2026.pdf"  # a Japanese name with a space survives tar both ways
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgres": "database.pgdump"}


@pytest.fixture(scope="module", params=scratch_db.BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def populated_template(tmp_path_factory):
    yield lambda backend: scratch_db.template(backend, tmp_path_factory)
    scratch_db.drop_templates()


@pytest.fixture(scope="module")
def source(backend, populated_template, tmp_path_factory):
    """A populated site with one more file in each storage and a row in each transient table."""
    site = new_site(
        backend,
        tmp_path_factory.mktemp(f"source-{backend}"),
        "backup_src",
        template=populated_template(backend),
    )
    try:
        (site.media / "images").mkdir(parents=True, exist_ok=True)
        (site.media / "images" / "probe.png").write_bytes(PROBE_IMAGE)
        (site.private / "exchange").mkdir(parents=True, exist_ok=True)
        (site.private / "exchange" / PROBE_ATTACHMENT).write_bytes(b"%PDF-1.7 probe\n" * 50)
        later = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
        site.execute(
            "INSERT INTO lms_cache (cache_key, value, expires) VALUES (%s, %s, %s)",
            (":1:probe-lockout", "gAJLAS4=", later.isoformat() if backend == "sqlite" else later),
        )
        site.execute(
            "INSERT INTO django_q_task (id, name, func, started, stopped, success, attempt_count) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            ("probe" * 6, "probe", "lms.tasks.probe", later.isoformat(), later.isoformat(), 1, 1)
            if backend == "sqlite"
            else ("probe" * 6, "probe", "lms.tasks.probe", later, later, True, 1),
        )
        yield site
    finally:
        site.drop()


@pytest.fixture(scope="module")
def backup_folder(source) -> Path:
    output = source.folder / "backups"
    result = source.run("bash", BACKUP, "--output", output, "--name", "nightly")
    folder = output / "nightly"
    assert result.stdout.strip().splitlines()[-1] == str(folder)
    return folder


@pytest.fixture(scope="module")
def restored(backend, source, backup_folder, tmp_path_factory):
    """The backup restored into a fresh, empty database and folders (given as options, run in
    the source's environment: were the options ignored, the restore would refuse the source)."""
    target = new_site(backend, tmp_path_factory.mktemp(f"target-{backend}"), "backup_dst")
    try:
        result = source.run(
            "bash",
            RESTORE,
            "--database-url",
            target.database_url,
            "--media-root",
            target.media,
            "--private-root",
            target.private,
            backup_folder,
        )
        yield target, result
    finally:
        target.drop()


def restore_into(target: Site, folder: Path, *options: str):
    return target.run("bash", RESTORE, *options, folder, check=False)


def snapshot(site: Site) -> tuple:
    return (
        site.counts(),
        site.files(),
        site.rows("SELECT id, email FROM lms_user ORDER BY id"),
    )


def test_backup_holds_the_dump_both_archives_and_a_manifest_of_what_it_holds(
    backend, source, backup_folder
):
    dump = DUMP_NAMES[backend]
    assert sorted(p.name for p in backup_folder.iterdir()) == sorted(
        [dump, "media.tar.gz", "private.tar.gz", "manifest.json", "SHA256SUMS"]
    )
    assert not list(backup_folder.parent.glob("*.partial"))
    sums = dict(
        reversed(line.split("  ", 1))
        for line in (backup_folder / "SHA256SUMS").read_text().splitlines()
    )
    assert set(sums) == {dump, "media.tar.gz", "private.tar.gz", "manifest.json"}
    for name, digest in sums.items():
        assert hashlib.sha256((backup_folder / name).read_bytes()).hexdigest() == digest, name

    manifest = json.loads((backup_folder / "manifest.json").read_text())
    database = manifest["database"]
    counts = source.counts()
    # Every table but the transient ones and Django's own migration log, each with its rows.
    expected_tables = set(counts) - TRANSIENT_TABLES - {"django_migrations"}
    assert set(database["tables"]) == expected_tables
    assert database["tables"] == {table: counts[table] for table in expected_tables}
    assert database["tables"]["lms_user"] >= 250
    assert database["tables"]["certificates_certificate"] > 0
    assert database["tables"]["courses_enrolment"] > 0
    assert set(database["excluded_table_data"]) == TRANSIENT_TABLES
    assert counts["lms_cache"] >= 1 and counts["django_q_task"] == 1

    applied = {}
    for app, name in source.rows("SELECT app, name FROM django_migrations ORDER BY app, name"):
        applied.setdefault(app, []).append(name)
    assert database["migrations"] == applied

    files = source.files()
    for storage in ("media", "private"):
        listed = {
            path: entry["sha256"] for path, entry in manifest["storages"][storage]["files"].items()
        }
        assert listed == files[storage]
    assert files["media"]["images/probe.png"] == hashlib.sha256(PROBE_IMAGE).hexdigest()
    assert f"exchange/{PROBE_ATTACHMENT}" in files["private"]
    assert any(path.startswith("certificates/") for path in files["private"])

    assert manifest["app"]["version"] == importlib.metadata.version("hyogo-tsunagari-academy")
    if (ROOT / ".git").exists():
        assert len(manifest["app"]["git_commit"]) == 40


def test_restore_into_a_fresh_database_gives_back_every_row_and_file(backend, source, restored):
    target, result = restored
    assert "Restored and verified" in result.stderr

    source_counts, target_counts = source.counts(), target.counts()
    for table in TRANSIENT_TABLES:
        assert target_counts.pop(table) == 0, f"{table} is transient: not restored"
        source_counts.pop(table)
    assert target_counts == source_counts

    for query in (
        "SELECT id, email, password, last_name FROM lms_user ORDER BY id",
        "SELECT serial, verification_code, status FROM certificates_certificate ORDER BY serial",
        "SELECT app, name FROM django_migrations ORDER BY app, name",
        "SELECT id, path, url_path FROM wagtailcore_page ORDER BY path",
    ):
        expected = source.rows(query)
        assert expected and target.rows(query) == expected, query

    # Sequences come back too, so the next row gets a new id rather than an old one.  (They may
    # move on: migrate's post_migrate hook re-adds the role groups' permissions, which on SQLite
    # advances the sequence of that table without adding rows.)
    if backend == "postgres":
        query = (
            "SELECT sequencename, COALESCE(last_value, 0) FROM pg_sequences "
            "WHERE schemaname = 'public' ORDER BY 1"
        )
    else:
        query = "SELECT name, seq FROM sqlite_sequence ORDER BY name"
    source_sequences, target_sequences = dict(source.rows(query)), dict(target.rows(query))
    assert set(target_sequences) == set(source_sequences)
    assert source_sequences["lms_user_id_seq" if backend == "postgres" else "lms_user"] >= 250
    for name, value in source_sequences.items():
        assert target_sequences[name] >= value, name

    assert target.files() == source.files()
    assert (target.media / "images" / "probe.png").read_bytes() == PROBE_IMAGE


def test_restore_refuses_a_database_that_is_not_empty_and_changes_nothing(
    source, backup_folder, restored
):
    target, _ = restored
    target.execute(
        "UPDATE lms_user SET email = %s WHERE id = (SELECT MIN(id) FROM lms_user)",
        ("kept-by-refusal@example.invalid",),
    )
    (target.media / "local-only.txt").write_text("made after the restore")
    before = snapshot(target)

    result = restore_into(target, backup_folder)

    assert result.returncode == 3, result.stderr
    assert "refusing to restore" in result.stderr
    assert "not empty: the" in result.stderr and str(target.media) in result.stderr
    assert snapshot(target) == before
    assert ("kept-by-refusal@example.invalid",) in target.rows("SELECT email FROM lms_user")


def test_a_damaged_backup_is_refused_before_anything_is_deleted(
    backend, backup_folder, restored, tmp_path
):
    target, _ = restored
    damaged = tmp_path / "damaged"
    shutil.copytree(backup_folder, damaged)
    dump = damaged / DUMP_NAMES[backend]
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    before = snapshot(target)

    result = restore_into(target, damaged, "--force")

    assert result.returncode == 4, result.stderr
    assert "is damaged" in result.stderr
    assert "deleting" not in result.stderr
    assert snapshot(target) == before


def _rewrite_archive(archive: Path, member_prefix: str) -> str:
    """Change one byte of the first file under ``member_prefix`` in a .tar.gz; its name."""
    members = []
    with tarfile.open(archive) as tar:
        for member in tar:
            data = tar.extractfile(member).read() if member.isfile() else None
            members.append((member, data))
    changed = None
    with tarfile.open(archive, "w:gz") as tar:
        for member, data in members:
            if (
                data is not None
                and changed is None
                and member.name.removeprefix("./").startswith(member_prefix)
            ):
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
                changed = member.name.removeprefix("./")
            tar.addfile(member, io.BytesIO(data) if data is not None else None)
    assert changed
    return changed


def test_restore_fails_loudly_when_the_data_differs_from_the_manifest(
    backup_folder, restored, tmp_path
):
    """A backup whose checksums were recomputed after its contents changed (e.g. a file altered
    while it was archived): the comparison with the manifest catches rows and files alike."""
    target, _ = restored
    altered = tmp_path / "altered"
    shutil.copytree(backup_folder, altered)
    changed_file = _rewrite_archive(altered / "private.tar.gz", "certificates/")
    manifest = json.loads((altered / "manifest.json").read_text())
    manifest["database"]["tables"]["lms_user"] += 1
    (altered / "manifest.json").write_text(json.dumps(manifest))
    lines = []
    for line in (altered / "SHA256SUMS").read_text().splitlines():
        name = line.split("  ", 1)[1]
        lines.append(f"{hashlib.sha256((altered / name).read_bytes()).hexdigest()}  {name}")
    (altered / "SHA256SUMS").write_text("\n".join(lines) + "\n")

    result = restore_into(target, altered, "--force")

    assert result.returncode == 5, result.stderr
    users = manifest["database"]["tables"]["lms_user"]
    # Both differences reported, and nothing else: every other table and file came back as it was.
    mismatches = sorted(line.strip() for line in result.stderr.splitlines() if "MISMATCH" in line)
    assert mismatches == [
        f"MISMATCH: private: {changed_file} differs (checksum)",
        f"MISMATCH: table lms_user: {users - 1} rows, the backup has {users}",
    ]
    assert "does not match" in result.stderr
    assert "Migrating" not in result.stderr
