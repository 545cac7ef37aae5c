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

.PHONY: help setup migrate seed run dev test test-fast test-postgres test-workers deploy-check postgres redis bench create-staff browser clean backup restore
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
AS_PG := $(if $(SUDO),sudo -u postgres,runuser -u postgres --)
PG_DB ?= guichet_test
PG_TEST_URL := postgresql+psycopg://guichet:guichet@127.0.0.1/guichet_test
PG_BENCH_URL := postgresql+psycopg://guichet:guichet@127.0.0.1/guichet_bench

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

# The suite on SQLite (browser tests included), the suite again on PostgreSQL, two workers with Redis,
# then the production recipe (nginx, two workers, Redis, PostgreSQL) through its proxy.
test: setup browser
	$(PY) -m pytest -q
	$(MAKE) --no-print-directory test-postgres
	$(MAKE) --no-print-directory test-workers
	$(MAKE) --no-print-directory deploy-check

# The scale-out database, installed from Debian when missing; a fresh database $(PG_DB) for each run.
postgres:
	@command -v pg_ctlcluster >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql >/dev/null; }
	@$(SUDO) pg_ctlcluster $$(ls /etc/postgresql | tail -1) main start 2>/dev/null || true
	@cd / && $(AS_PG) psql -qtc "SELECT 1 FROM pg_roles WHERE rolname='guichet'" | grep -q 1 || \
	  { cd / && $(AS_PG) psql -qc "CREATE USER guichet PASSWORD 'guichet' CREATEDB"; }
	@cd / && $(AS_PG) dropdb --if-exists $(PG_DB) && $(AS_PG) createdb -O guichet $(PG_DB)

# Every test but the browser ones again on a fresh PostgreSQL database (numbering, bookings and message
# claims under real row locks). The browser journeys on PostgreSQL: test-workers and deploy-check.
test-postgres: setup postgres
	GUICHET_TEST_DB_URL=$(PG_TEST_URL) $(PY) -m pytest -q -m "not e2e"

# Redis from Debian when missing (the tests start a private one on a free port).
redis:
	@command -v redis-server >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq redis-server >/dev/null; }

# Two real workers sharing Redis and PostgreSQL behind one address: one customer's journey across both.
test-workers: setup browser postgres redis
	GUICHET_TEST_DB_URL=$(PG_TEST_URL) $(PY) -m pytest -q -m workers tests/scale

# docs/deploy.md's recipe brought up on loopback (nginx with TLS, two workers, Redis, PostgreSQL) and a
# login through the proxy; everything it starts is stopped again.
deploy-check: setup browser
	deploy/stack-up.sh

test-fast: setup
	$(PY) -m pytest -q -m "not e2e"

# bench_workers: two workers with Redis on a fresh PostgreSQL database of its own (guichet_bench).
bench: setup browser redis
	$(PY) -m tests.bench.run_bench
	$(MAKE) --no-print-directory postgres PG_DB=guichet_bench
	GUICHET_BENCH_DB_URL=$(PG_BENCH_URL) $(PY) -m tests.bench.bench_workers
	$(PY) -m tests.bench.bench_bookings
	$(PY) -m tests.bench.bench_billing
	$(PY) -m tests.bench.bench_documents
	$(PY) -m tests.bench.bench_tickets
	$(PY) -m tests.bench.bench_login_timing
	$(PY) -m tests.bench.bench_lighthouse

clean:
	rm -rf .web .states guichet.db data/test-*
