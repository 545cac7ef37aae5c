# Guichet: `make run` (set up, migrate, demo data, serve) and `make test` (set up, pass the tests).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export REFLEX_USE_NPM := 1
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export REFLEX_HTTP_CLIENT_BIND_ADDRESS := 0.0.0.0
export NPM_CONFIG_REGISTRY ?= https://registry.npmjs.org/
export PYTHONUNBUFFERED := 1

.PHONY: help setup migrate seed run dev test test-fast test-postgres postgres bench create-staff browser clean backup restore
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
AS_PG := $(if $(SUDO),sudo -u postgres,runuser -u postgres --)
PG_TEST_URL := postgresql+psycopg://guichet:guichet@127.0.0.1/guichet_test

help:
	@echo "make run | make dev | make test | make bench | make create-staff EMAIL=... | make backup | make restore FILE=..."

$(STAMP): requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(VENV)/bin/reflex db migrate

seed: migrate
	$(PY) -m portal_app.cli seed

run: seed
	$(VENV)/bin/reflex run --env prod

dev: seed
	$(VENV)/bin/reflex run

create-staff: migrate
	$(PY) -m portal_app.cli create-staff --email "$(EMAIL)" --name "$(NAME)" --role "$(or $(ROLE),staff)"

# One archive of the database and the data dir's files (DEST=dir, default ./backups); the secret key stays out.
backup: setup
	$(PY) -m portal_app.cli backup $(if $(DEST),--to "$(DEST)")

# Put an archive back: make restore FILE=backups/guichet-backup-….tar.gz [FORCE=1] (stop the portal first).
restore: setup
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/guichet-backup-....tar.gz [FORCE=1]"; exit 2; }
	$(PY) -m portal_app.cli restore "$(FILE)" $(if $(filter 1 yes true,$(FORCE)),--force)

# Chromium from Debian for the browser tests (Playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

test: setup browser
	$(PY) -m pytest -q
	$(MAKE) --no-print-directory test-postgres

# The scale-out database: the state, security and concurrency tests again, on a fresh PostgreSQL database.
postgres:
	@command -v pg_ctlcluster >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql >/dev/null; }
	@$(SUDO) pg_ctlcluster $$(ls /etc/postgresql | tail -1) main start 2>/dev/null || true
	@cd / && $(AS_PG) psql -qtc "SELECT 1 FROM pg_roles WHERE rolname='guichet'" | grep -q 1 || \
	  { cd / && $(AS_PG) psql -qc "CREATE USER guichet PASSWORD 'guichet' CREATEDB"; }
	@cd / && $(AS_PG) dropdb --if-exists guichet_test && $(AS_PG) createdb -O guichet guichet_test

test-postgres: setup postgres
	GUICHET_TEST_DB_URL=$(PG_TEST_URL) $(PY) -m pytest -q -m pg

test-fast: setup
	$(PY) -m pytest -q -m "not e2e"

bench: setup browser
	$(PY) -m tests.bench.run_bench
	$(PY) -m tests.bench.bench_bookings
	$(PY) -m tests.bench.bench_billing
	$(PY) -m tests.bench.bench_documents
	$(PY) -m tests.bench.bench_tickets
	$(PY) -m tests.bench.bench_login_timing
	$(PY) -m tests.bench.bench_lighthouse

clean:
	rm -rf .web .states guichet.db data/test-*
