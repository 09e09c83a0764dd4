#!/usr/bin/env bash
# Starts the web server and the django-q2 worker together; one Ctrl-C stops both.
set -uo pipefail
PORT="${PORT:-8000}"
PY=.venv/bin/python

$PY manage.py qcluster &
worker=$!
$PY manage.py runserver "127.0.0.1:${PORT}" &
web=$!

stop() {
  trap - INT TERM EXIT
  kill "$web" "$worker" 2>/dev/null
  wait "$web" "$worker" 2>/dev/null
  echo "Stopped the web server and the worker."
}
trap stop INT TERM EXIT

cat <<INFO

  Hyogo Tsunagari Academy is starting
    Site (日本語):   http://127.0.0.1:${PORT}/
    Site (English):  http://127.0.0.1:${PORT}/en/
    Wagtail admin:   http://127.0.0.1:${PORT}/admin/
    Emails are printed in this terminal (console backend).
  Demo accounts are listed above (password after each email). Press Ctrl-C to stop.

INFO
wait -n "$web" "$worker"
