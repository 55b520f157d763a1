# GymOS: `make run` for the demo gym, `make test` for the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
MANAGE := $(PY) manage.py
# Tests and `make test-db` use this PostgreSQL unless DATABASE_URL is set.
TEST_DATABASE_URL ?= postgres://gymos:gymos@127.0.0.1:5432/gymos
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
# Production-like settings for `check --deploy` (values only for the check).
DEPLOY_CHECK_ENV := DJANGO_SETTINGS_MODULE=config.settings.production ALLOWED_HOSTS=gym.example.com \
	SECRET_KEY=deploy-check-$(shell printf '%064d' 0)

# `make bench` measures against this database (created, migrated and filled with 50,000 members if empty;
# a 1,000-member twin <name>_1k is made beside it). See bench/run.py.
BENCH_DATABASE_URL ?= postgres://gymos:gymos@127.0.0.1:5432/gymos_bench

.PHONY: run test install install-dev lint fmt migrations-check deploy-check pytest test-db system-deps browser-deps clean bench \
	backup restore audit

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Reinstall only when a requirements file changed.
$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: system-deps $(VENV)/.installed
install-dev: system-deps browser-deps $(VENV)/.installed-dev

system-deps:
	@scripts/ensure_system_packages.sh

# Debian's chromium for the browser tests (tests/e2e); never `playwright install`.
browser-deps:
	@scripts/ensure_chromium.sh

run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) seed_demo
	$(MANAGE) setup_schedules
	@scripts/run.sh

test: install-dev test-db lint migrations-check deploy-check pytest

test-db:
	@scripts/ensure_postgres.sh

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check:
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} DJANGO_SETTINGS_MODULE=config.settings.test \
		$(MANAGE) makemigrations --check --dry-run

deploy-check:
	$(DEPLOY_CHECK_ENV) $(MANAGE) check --deploy --fail-level WARNING

# One pytest process per core (pytest-xdist; each gets its own test database, test_gymos_gw0, ...);
# TEST_WORKERS=0 runs everything in one process.
pytest:
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(VENV)/bin/pytest -n $(TEST_WORKERS) --cov --cov-report= $(PYTEST_ARGS)
	$(VENV)/bin/coverage report --skip-covered --skip-empty | tail -n 25

bench: install test-db
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/run.py $(BENCH_ARGS)

# One archive of the database (pg_dump -Fc, or SQLite's online backup), MEDIA_ROOT and a manifest
# under var/backups/ (BACKUP_DIR); safe while GymOS runs. See README "Backups and restore".
backup:
	@scripts/backup.sh

# Replaces the database and the media with FILE's, then migrates. Asks first unless RESTORE_YES=1.
restore:
	@if [ -z "$(FILE)" ]; then echo "Usage: make restore FILE=var/backups/gymos-backup-<time>.tar" >&2; exit 2; fi
	@scripts/restore.sh "$(FILE)"

# Release step: the pinned requirements against PyPI's vulnerability data (pip-audit). Needs network
# access to pypi.org, so it is not part of `make test`; --strict fails rather than passing quietly
# when a package could not be checked.
audit: install-dev
	@$(VENV)/bin/pip-audit --strict --progress-spinner off -r requirements.txt || { \
		echo "make audit: failed, or some packages could not be checked (is pypi.org's JSON API reachable?)." >&2; \
		echo "Run it where it is, before every release (README: Security)." >&2; exit 1; }

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .coverage
