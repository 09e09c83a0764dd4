#!/usr/bin/env bash
# Restore a folder written by scripts/backup.sh, bring it forward and prove it (docs/backup.md).
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/restore.sh [--force] [--database-url URL] [--media-root DIR]
                          [--private-root DIR] BACKUP_FOLDER

Restores BACKUP_FOLDER (written by scripts/backup.sh) into the database and folders the site is
configured with (DATABASE_URL, DJANGO_MEDIA_ROOT, DJANGO_PRIVATE_ROOT, as for the site), or the
ones given here:

  1. checks the backup's own checksums (SHA256SUMS): a damaged or truncated file stops here;
  2. refuses a database that has any table, or a media or private folder with anything in it,
     unless --force, which first deletes them (every table of the database, every file);
  3. restores the database (pg_restore, or copies the SQLite file) and unpacks the files;
  4. compares the result with manifest.json: rows in every table, applied migrations, every
     file and its SHA-256;
  5. runs `manage.py migrate` (and `createcachetable`), so a backup from an older version comes
     forward, and compares again (rows may then change only if migrate applied newer migrations; reported).

  --database-url URL   restore into this database instead of $DATABASE_URL
  --media-root DIR     ... these public uploads instead of $DJANGO_MEDIA_ROOT
  --private-root DIR   ... these private files instead of $DJANGO_PRIVATE_ROOT
  --force              replace a database or folders that are not empty
  -h, --help           this text

Stop the site and its qcluster workers first. For PostgreSQL the database must exist
(createdb) and belong to the user in the URL.
Exit status: 0 restored and verified, 2 usage, 3 refused (not empty), 4 damaged backup,
5 the restored data differs from the manifest, 1 anything else.
EOF
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${BACKUP_PYTHON:-$root/.venv/bin/python}"
[ -x "$python" ] || python="$(command -v python3)"
manage() { "$python" "$root/manage.py" "$@"; }
log() { printf '%s\n' "$*" >&2; }
fail() { local status="$1"; shift; log "restore: $*"; exit "$status"; }

force=no
backup=""
while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=yes; shift ;;
    --database-url) [ $# -ge 2 ] || { usage >&2; exit 2; }; export DATABASE_URL="$2"; shift 2 ;;
    --media-root) [ $# -ge 2 ] || { usage >&2; exit 2; }; export DJANGO_MEDIA_ROOT="$2"; shift 2 ;;
    --private-root) [ $# -ge 2 ] || { usage >&2; exit 2; }; export DJANGO_PRIVATE_ROOT="$2"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    -*) log "restore: unknown option: $1"; usage >&2; exit 2 ;;
    *) [ -z "$backup" ] || { usage >&2; exit 2; }; backup="$1"; shift ;;
  esac
done
[ -n "$backup" ] || { usage >&2; exit 2; }
[ -d "$backup" ] || fail 2 "$backup is not a folder."
backup="$(cd "$backup" && pwd)"

# 1. The backup is whole.
for file in manifest.json SHA256SUMS media.tar.gz private.tar.gz; do
  [ -f "$backup/$file" ] || fail 4 "$backup has no $file: not a complete backup."
done
log "Checking the backup's checksums…"
(cd "$backup" && sha256sum --check --strict --quiet SHA256SUMS) \
  || fail 4 "$backup is damaged: a file does not match SHA256SUMS."

# DB_VENDOR, DB_DUMP_NAME, MEDIA_ROOT, PRIVATE_ROOT, DATA_DIR, and SQLITE_PATH or PG* variables.
eval "$(manage backup_manifest --shell-env)"
backup_vendor="$("$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["database"]["vendor"])' "$backup/manifest.json")"
[ "$backup_vendor" = "$DB_VENDOR" ] \
  || fail 2 "the backup is of a $backup_vendor database; the target is $DB_VENDOR."
dump="$backup/$DB_DUMP_NAME"
[ -f "$dump" ] || fail 4 "$backup has no $DB_DUMP_NAME."
for file in "$DB_DUMP_NAME" media.tar.gz private.tar.gz manifest.json; do
  grep -q "  $file\$" "$backup/SHA256SUMS" || fail 4 "SHA256SUMS does not cover $file."
done

# 2. Never over something that is there, unless asked to.
state="$(manage backup_manifest --check-empty)"
occupied=()
[ "$state" = "empty" ] || occupied+=("the $DB_VENDOR database (${state#tables } tables)")
for folder in "$MEDIA_ROOT" "$PRIVATE_ROOT"; do
  if [ -d "$folder" ] && [ -n "$(find "$folder" -mindepth 1 -print -quit)" ]; then
    occupied+=("$folder")
  fi
done
if [ ${#occupied[@]} -gt 0 ]; then
  if [ "$force" != yes ]; then
    for what in "${occupied[@]}"; do log "  not empty: $what"; done
    fail 3 "refusing to restore over data that is there; nothing was changed. Use --force to replace it."
  fi
  for what in "${occupied[@]}"; do log "--force: deleting $what"; done
  if [ "$DB_VENDOR" = postgresql ]; then
    psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' \
      -c 'DROP SCHEMA public CASCADE' -c 'CREATE SCHEMA public' >/dev/null
  else
    rm -f -- "$SQLITE_PATH" "$SQLITE_PATH-wal" "$SQLITE_PATH-shm"
  fi
  for folder in "$MEDIA_ROOT" "$PRIVATE_ROOT"; do
    [ ! -d "$folder" ] || find "$folder" -mindepth 1 -delete
  done
fi

# 3. Restore.
log "Restoring the $DB_VENDOR database…"
if [ "$DB_VENDOR" = postgresql ]; then
  pg_restore --exit-on-error --single-transaction --no-owner --no-privileges \
    --dbname="$PGDATABASE" "$dump"
else
  mkdir -p -- "$(dirname -- "$SQLITE_PATH")"
  rm -f -- "$SQLITE_PATH-wal" "$SQLITE_PATH-shm"
  cp -- "$dump" "$SQLITE_PATH.restoring"
  mv -f -- "$SQLITE_PATH.restoring" "$SQLITE_PATH"
fi
umask 027
for pair in "media.tar.gz:$MEDIA_ROOT" "private.tar.gz:$PRIVATE_ROOT"; do
  archive="${pair%%:*}"
  folder="${pair#*:}"
  log "Unpacking $archive into $folder…"
  mkdir -p -- "$folder"
  tar --extract --gzip --no-same-owner --file "$backup/$archive" --directory "$folder"
done

# 4. Compare with the manifest, 5. bring forward and compare again.
log "Comparing with the manifest…"
manage backup_manifest --verify "$backup/manifest.json" \
  || fail 5 "the restored data does not match $backup/manifest.json (see above)."
log "Migrating…"
manage migrate --noinput >&2
# The cache tables (empty in every backup) for this site's settings: a backup of a site that
# used Redis has none, and migrate created them only where no Redis was configured then.
manage createcachetable >&2
manage backup_manifest --verify "$backup/manifest.json" --after-migrate \
  || fail 5 "after migrate, the data does not match $backup/manifest.json (see above)."
log "Restored and verified from $backup."
