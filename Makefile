# Two commands: `make run` sets everything up and starts the site; `make test` sets up and runs the suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test setup venv system-deps system-deps-test migrate messages demo lint format makemessages clean bench audit backup restore

run: setup demo
	@PORT=$(PORT) bash scripts/run.sh

test: system-deps-test venv messages
	@bash scripts/test.sh

setup: system-deps venv migrate messages

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip setuptools
	@$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

system-deps:
	@PYTHON=$(PYTHON) bash scripts/system-deps.sh run

system-deps-test:
	@PYTHON=$(PYTHON) bash scripts/system-deps.sh test

migrate: venv
	@$(PY) manage.py migrate --noinput -v 0
	@echo "Database is up to date."
	@$(PY) manage.py ensure_schedules -v 0 >/dev/null

messages: venv
	@$(PY) manage.py compilemessages --ignore=.venv -v 0

demo: migrate
	@$(PY) manage.py seed_demo

# The site's messages only: not the tests', the benchmarks' or the virtualenv's.
MESSAGES_IGNORE = --ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=test-artifacts

makemessages: venv
	@$(PY) manage.py makemessages -l ja $(MESSAGES_IGNORE) --no-obsolete
	@$(PY) manage.py makemessages -d djangojs -l ja $(MESSAGES_IGNORE) --no-obsolete

lint: venv
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check --quiet .
	@$(PY) manage.py makemigrations --check --dry-run

format: venv
	@$(VENV)/bin/ruff check --fix .
	@$(VENV)/bin/ruff format .

# The performance run of issue #9 (about 15 minutes): data, benchmarks, docs/performance.md.
bench: venv
	@bash scripts/bench.sh

# Known vulnerabilities in the installed dependencies (needs PyPI's JSON API or OSV; --strict fails
# when a package could not be checked instead of reporting a clean result).  See docs/security.md.
audit: venv
	@$(VENV)/bin/pip-audit --local --skip-editable --strict --progress-spinner off

# Backup and restore (docs/backup.md): `make backup [OUT=dir]`, `make restore BACKUP=dir`.
backup: venv
	@bash scripts/backup.sh $(if $(OUT),--output $(OUT))

restore: venv
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=var/backups/hyogo-backup-..."; exit 2; }
	@bash scripts/restore.sh $(BACKUP)

clean:
	rm -rf var/db.sqlite3* var/media var/static
