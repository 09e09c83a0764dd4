import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lms import backup


class Command(BaseCommand):
    help = (
        "Print the backup manifest (rows per table, applied migrations, files with checksums, "
        "version) of the configured database and storage as JSON; used by scripts/backup.sh and "
        "scripts/restore.sh (docs/backup.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dump",
            type=Path,
            metavar="PATH",
            help="Also write a dump of the database to PATH (pg_dump custom format on "
            "PostgreSQL, an online-backup copy on SQLite); the counts printed are the dump's.",
        )
        parser.add_argument(
            "--database-from",
            type=Path,
            metavar="JSON",
            help="Take the database part from this file (written by --dump --database-only) "
            "instead of counting the live database.",
        )
        parser.add_argument(
            "--media-archive",
            type=Path,
            metavar="TAR",
            help="List the media files from this archive instead of DJANGO_MEDIA_ROOT.",
        )
        parser.add_argument(
            "--private-archive",
            type=Path,
            metavar="TAR",
            help="List the private files from this archive instead of DJANGO_PRIVATE_ROOT.",
        )
        parser.add_argument("--no-files", action="store_true", help="Leave the storage files out.")
        parser.add_argument(
            "--database-only",
            action="store_true",
            help="Print only the database part (what --database-from reads).",
        )
        parser.add_argument(
            "--output",
            type=Path,
            metavar="PATH",
            help="Write the JSON to PATH instead of standard output.",
        )
        parser.add_argument(
            "--verify",
            type=Path,
            metavar="MANIFEST",
            help="Compare the database and storage with MANIFEST; fail on any difference.",
        )
        parser.add_argument(
            "--after-migrate",
            action="store_true",
            help="With --verify: migrate has run, so counts may differ if it applied "
            "migrations newer than the backup (reported, not failed).",
        )
        parser.add_argument(
            "--check-empty",
            action="store_true",
            help="Print 'empty', or 'tables N' when the database has N tables.",
        )
        parser.add_argument(
            "--shell-env",
            action="store_true",
            help="Print the database and storage settings as shell assignments.",
        )

    def handle(self, *args, **options):
        try:
            if options["shell_env"]:
                self.stdout.write(backup.shell_environment())
            elif options["check_empty"]:
                self._check_empty()
            elif options["verify"]:
                self._verify(options["verify"], options["after_migrate"])
            else:
                self._manifest(options)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error

    def _manifest(self, options) -> None:
        if options["dump"]:
            database = backup.dump_database(options["dump"])
        elif options["database_from"]:
            database = json.loads(options["database_from"].read_text(encoding="utf-8"))
        else:
            database = backup.live_database_part()
        if options["database_only"]:
            self._write(database, options["output"])
            return
        archives = {
            name: path
            for name, path in (
                ("media", options["media_archive"]),
                ("private", options["private_archive"]),
            )
            if path is not None
        }
        manifest = backup.build_manifest(
            database, archives=archives, include_files=not options["no_files"]
        )
        self._write(manifest, options["output"])

    def _write(self, data: dict, output: Path | None) -> None:
        text = json.dumps(data, ensure_ascii=False, indent=1)
        if output is None:
            self.stdout.write(text)
        else:
            output.write_text(text + "\n", encoding="utf-8")

    def _check_empty(self) -> None:
        empty, tables = backup.database_is_empty()
        self.stdout.write("empty" if empty else f"tables {tables}")

    def _verify(self, path: Path, after_migrate: bool) -> None:
        manifest = backup.load_manifest(path)
        problems, notes = backup.verify(manifest, after_migrate=after_migrate)
        for note in notes:
            self.stdout.write(f"  note: {note}")
        if problems:
            for problem in problems:
                sys.stderr.write(f"  MISMATCH: {problem}\n")
            raise CommandError(
                f"The restored data does not match the backup ({len(problems)} differences)."
            )
        tables = manifest["database"]["tables"]
        files = sum(len(storage["files"]) for storage in manifest["storages"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Matches the backup: {len(tables)} tables, {sum(tables.values())} rows, "
                f"{files} files."
            )
        )
