#!/usr/bin/env bash
# `make bench`: the whole performance run of issue #9 on this machine, then docs/performance.md.
# Generates the prefecture-scale data once per database (kept between runs), measures the key
# pages on PostgreSQL and SQLite, the mixed read load, the enrolment rush and certificates in
# bulk, and rewrites the figures.  Takes about 15 minutes on 2 cores; run it on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
SCALE="${BENCH_SCALE:-1.0}"
PG_URL="${BENCH_DATABASE_URL:-postgres://ci:ci@127.0.0.1:5432/hyogo_bench}"
SQLITE_URL="${BENCH_SQLITE_URL:-sqlite:///$PWD/var/bench/data.sqlite3}"
mkdir -p var/bench

.venv/bin/pip install --quiet -e '.[dev,bench]'
pg_isready -q -h 127.0.0.1 || pg_ctlcluster 15 main start
PGPASSWORD=ci psql -h 127.0.0.1 -U ci -d postgres -Atc \
  "SELECT 1 FROM pg_database WHERE datname='hyogo_bench'" | grep -q 1 \
  || PGPASSWORD=ci createdb -h 127.0.0.1 -U ci hyogo_bench

for url in "$PG_URL" "$SQLITE_URL"; do
  DATABASE_URL="$url" $PY manage.py migrate --noinput -v 0
  # Generated once; `generate_data --reset` to start again (refused when data is there).
  DATABASE_URL="$url" $PY manage.py generate_data --scale "$SCALE" \
    || echo "(keeping the generated data already in $url)"
  DATABASE_URL="$url" $PY bench/pages.py
done
$PY bench/load.py --database-url "$PG_URL"
$PY bench/rush.py
$PY bench/bulk_certificates.py
$PY bench/report.py
