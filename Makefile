# Two commands on a fresh machine: `make run` and `make test`. Both build .venv themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
PORT ?= 5000

export PORTAL_ENV ?= development
export PORTAL_BASE_URL ?= http://127.0.0.1:$(PORT)
export SMTP_HOST ?= 127.0.0.1
export SMTP_PORT ?= 8025

.PHONY: run test install chromium bench clean screenshot

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## run: migrate, seed the demo company, then web + outbox worker + dev SMTP sink (Ctrl-C stops all)
run: $(STAMP)
	$(BIN)/flask --app portal db upgrade
	$(BIN)/flask --app portal seed-demo
	@echo
	@echo "  Reverse Interview Portal: $(PORTAL_BASE_URL)"
	@echo "  Sign in as the demo recruiter  riley.morgan@northwind.example"
	@echo "           or the demo candidate jordan.lee@example.com"
	@echo "  then open the link from the mailbox at $(PORTAL_BASE_URL)/dev/mail"
	@echo "  (admin: alex.kim@northwind.example, staff: amara.okafor@northwind.example)"
	@echo
	PORT=$(PORT) $(BIN)/honcho start -f Procfile.dev

## chromium: the browser tests drive the system Chromium (installed when missing and root)
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Chromium for the browser tests…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is missing at $(CHROMIUM): install it (apt-get install chromium) and run make test again." >&2; \
	    exit 1; \
	  fi; \
	fi

## test: the whole suite (unit, HTTP, real SMTP, migrations, browser journeys)
test: $(STAMP) chromium
	PORTAL_ENV=testing CHROMIUM=$(CHROMIUM) $(BIN)/pytest $(PYTEST_ARGS)

## screenshot: refresh docs/screenshot.png from a running demo (make run in another terminal)
screenshot: $(STAMP) chromium
	CHROMIUM=$(CHROMIUM) $(BIN)/python tests/browser/screenshot.py $(PORTAL_BASE_URL) docs/screenshot.png

## bench: req/s and p50/p99 of the main pages on 100,000 candidates (SQLite and PostgreSQL) next to a
## bare endpoint; builds the scale data once (instance/bench-*.db, database portal_bench) and reuses it.
## Prints figures, never fails CI. Smaller: make bench BENCH_ARGS="--candidates 2000 --requests 100"
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache instance/test-*
