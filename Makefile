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

.PHONY: help setup migrate seed run dev test test-fast bench create-staff browser clean

help:
	@echo "make run | make dev | make test | make bench | make create-staff EMAIL=... "

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

# Chromium from Debian for the browser tests (Playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

test: setup browser
	$(PY) -m pytest -q

test-fast: setup
	$(PY) -m pytest -q -m "not e2e"

bench: setup
	$(PY) -m tests.bench.run_bench
	$(PY) -m tests.bench.bench_documents

clean:
	rm -rf .web .states guichet.db data/test-*
