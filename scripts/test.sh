#!/usr/bin/env bash
# Runs the whole suite (unit, view and browser tests). Extra arguments go to pytest.
set -uo pipefail
export DJANGO_ALLOW_ASYNC_UNSAFE=true
.venv/bin/python -m pytest "$@"
rc=$?
if [ $rc -eq 5 ]; then
  echo "pytest collected no tests: treating as a failure." >&2
  exit 1
fi
exit $rc
