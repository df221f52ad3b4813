# The two commands a newcomer needs:  make run   and   make test
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-sqlite test-pg setup deps dev-deps build bench lint clean

run: deps build setup ## Set up everything (venv, npm, PWA build, SQLite, VAPID, demo data) and serve on :5000
	$(PY) manage.py run --host $(HOST) --port $(PORT)

setup: deps
	@$(PY) manage.py setup > /dev/null

test: dev-deps build browser ## Run the whole suite: everything on SQLite, then the database tests on PostgreSQL
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-pg

test-sqlite:
	LIANBAO_TEST_DB=sqlite $(VENV)/bin/pytest -q $(PYTEST_ARGS)

test-pg:
	LIANBAO_TEST_DB=postgresql $(VENV)/bin/pytest -q -m "not browser" $(PYTEST_ARGS)

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip wheel

$(VENV)/.deps: requirements.txt | $(VENV)/bin/activate
	$(PIP) install -q -r requirements.txt
	@touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(VENV)/bin/activate
	$(PIP) install -q -r requirements-dev.txt
	@touch $@ $(VENV)/.deps

deps: $(VENV)/.deps
dev-deps: $(VENV)/.dev-deps

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

PWA_SOURCES := $(shell find pwa -path pwa/dist -prune -o -type f -print 2>/dev/null) build.mjs
pwa/dist/.built: node_modules/.installed $(PWA_SOURCES)
	npm run --silent build
	@touch $@

build: pwa/dist/.built

# Browser tests drive Debian's chromium; install it when we can (root), otherwise say what to do.
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || { echo "Install Debian's chromium (sudo apt-get install chromium) for the browser tests"; exit 1; }

bench: dev-deps build ## Benchmarks: print tables, write bench/results/*.json
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

lint: dev-deps
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) node_modules pwa/dist
