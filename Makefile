# Digilotse — one entry point for setup, running, testing and benchmarking.
# `make run` and `make test` install everything they need first (idempotent).

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: install run test lint bench system-deps messages clean shared-data

install: system-deps $(VENV)/.installed node_modules/.installed messages

system-deps:
	@bash scripts/install-system-deps.sh

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 wird benötigt ($(PYTHON) nicht gefunden)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

messages: $(VENV)/.installed
	@if ls digilotse/locale/*/LC_MESSAGES/django.po >/dev/null 2>&1; then \
	  $(PY) manage.py compilemessages --verbosity 0 --ignore=.venv --ignore=node_modules; fi

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	@echo "Digilotse läuft auf http://127.0.0.1:$(PORT)/ — Anmeldung z. B. cdo@musterstadt.example / demo-digilotse"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# The suite runs twice: on SQLite (with the browser tests) and on a throw-away PostgreSQL cluster
# that the tests start themselves (tests/pg.py). DATABASE_URL is unset so the first run is SQLite.
# The tests check the engines against the published reference data in ../shared/data (never
# copied into the repo). Without it 180 tests would fail one by one; say so once, up front.
SHARED_DATA ?= $(or $(DIGILOTSE_SHARED_DATA),$(CURDIR)/../shared/data)
shared-data:
	@test -f "$(SHARED_DATA)/mknap/mknap_known_values.json" || { \
	  echo "Referenzdaten fehlen unter $(SHARED_DATA)."; \
	  echo "Den Klon neben shared/ anlegen oder DIGILOTSE_SHARED_DATA=/pfad/zu/shared/data setzen."; \
	  exit 2; }

test: shared-data install lint
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	env -u DATABASE_URL DIGILOTSE_SHARED_DATA="$(SHARED_DATA)" DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest
	env -u DATABASE_URL DIGILOTSE_SHARED_DATA="$(SHARED_DATA)" DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest --postgres -m "not browser"

bench: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache db.sqlite3
