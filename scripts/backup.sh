#!/usr/bin/env bash
# Back up the database and both file storages into one new, timestamped folder (docs/backup.md).
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/backup.sh [--output DIR] [--name NAME]

Backs up what the site is configured with, reading the same environment as the site
(DATABASE_URL, DJANGO_MEDIA_ROOT, DJANGO_PRIVATE_ROOT, DJANGO_DATA_DIR), into one new folder:

  DIR/hyogo-backup-<UTC time>/
    database.pgdump      PostgreSQL: pg_dump --format=custom   } rows of the cache table and of
    database.sqlite3     SQLite: a copy by the online backup   } django-q2 task results left out
    media.tar.gz         DJANGO_MEDIA_ROOT: public uploads (Wagtail images and documents)
    private.tar.gz       DJANGO_PRIVATE_ROOT: certificate PDFs, members' exchange attachments
    manifest.json        rows per table (counted in the dump itself), applied migrations,
                         every file with its size and SHA-256, app version and git commit
    SHA256SUMS           checksums of the four files above

  --output DIR   where to create the folder
                 (default: $BACKUP_DIR, else $DJANGO_DATA_DIR/backups, i.e. var/backups)
  --name NAME    the folder's name instead of hyogo-backup-<UTC time>
  -h, --help     this text

The site may keep running: the dump is one consistent snapshot. The folder is written as
NAME.partial and renamed when complete; its path is printed on the last line.
It holds personal data: keep it encrypted and readable only by its operators (docs/backup.md).
Restore with scripts/restore.sh.
EOF
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${BACKUP_PYTHON:-$root/.venv/bin/python}"
[ -x "$python" ] || python="$(command -v python3)"
manage() { "$python" "$root/manage.py" "$@"; }
log() { printf '%s\n' "$*" >&2; }
die() { log "backup: $*"; exit 1; }

output="${BACKUP_DIR:-}"
name="hyogo-backup-$(date -u +%Y%m%dT%H%M%SZ)"
while [ $# -gt 0 ]; do
  case "$1" in
    -o | --output) [ $# -ge 2 ] || { usage >&2; exit 2; }; output="$2"; shift 2 ;;
    --name) [ $# -ge 2 ] || { usage >&2; exit 2; }; name="$2"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) log "backup: unknown argument: $1"; usage >&2; exit 2 ;;
  esac
done
case "$name" in */* | "" | . | ..) die "--name must be a plain folder name." ;; esac

# DB_VENDOR, DB_DUMP_NAME, MEDIA_ROOT, PRIVATE_ROOT, DATA_DIR, and SQLITE_PATH or PG* variables.
eval "$(manage backup_manifest --shell-env)"
output="$(realpath -m "${output:-$DATA_DIR/backups}")"
for storage in "$MEDIA_ROOT" "$PRIVATE_ROOT"; do
  case "$output/" in "$(realpath -m "$storage")"/*) die "--output must not be inside $storage." ;; esac
done

umask 077
mkdir -p "$output"
final="$output/$name"
work="$final.partial"
[ ! -e "$final" ] || die "$final exists already."
mkdir "$work" || die "cannot create $work (a backup running already?)."
trap 'rm -rf -- "$work"' EXIT

log "Dumping the $DB_VENDOR database…"
manage backup_manifest --dump "$work/$DB_DUMP_NAME" --database-only --output "$work/database.json"

archive() { # archive LABEL FOLDER TARFILE
  if [ -d "$2" ]; then
    log "Archiving $1 files from $2…"
    tar --create --gzip --file "$3" --directory "$2" .
  else
    log "No $1 folder at $2: an empty archive."
    tar --create --gzip --file "$3" --files-from /dev/null
  fi
}
# After the dump: a file added meanwhile is merely extra, while one the dump refers to is there.
archive media "$MEDIA_ROOT" "$work/media.tar.gz"
archive private "$PRIVATE_ROOT" "$work/private.tar.gz"

log "Writing the manifest…"
manage backup_manifest --database-from "$work/database.json" \
  --media-archive "$work/media.tar.gz" --private-archive "$work/private.tar.gz" \
  --output "$work/manifest.json"
rm -- "$work/database.json"
(cd "$work" && sha256sum -- "$DB_DUMP_NAME" media.tar.gz private.tar.gz manifest.json >SHA256SUMS)

mv -- "$work" "$final"
trap - EXIT
log "Backup complete: $(du -sh -- "$final" | cut -f1)."
printf '%s\n' "$final"
