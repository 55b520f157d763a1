# GymOS: `make run` for the demo gym, `make test` for the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
MANAGE := $(PY) manage.py
# Tests and `make test-db` use this PostgreSQL unless DATABASE_URL is set.
TEST_DATABASE_URL ?= postgres://gymos:gymos@127.0.0.1:5432/gymos
# Production-like settings for `check --deploy` (values only for the check).
DEPLOY_CHECK_ENV := DJANGO_SETTINGS_MODULE=config.settings.production ALLOWED_HOSTS=gym.example.com \
	SECRET_KEY=deploy-check-$(shell printf '%064d' 0)

.PHONY: run test install install-dev lint fmt migrations-check deploy-check pytest test-db system-deps clean

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
install-dev: system-deps $(VENV)/.installed-dev

system-deps:
	@scripts/ensure_system_packages.sh

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

pytest:
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(VENV)/bin/coverage run -m pytest $(PYTEST_ARGS)
	$(VENV)/bin/coverage report --skip-covered --skip-empty | tail -n 25

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .coverage
