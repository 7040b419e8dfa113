# Two commands on a fresh machine: `make run` and `make test`. Both build .venv themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VNU_VERSION := 26.9.27
VNU_STAMP := $(VENV)/vnu/.vnu-jar-$(VNU_VERSION)
CHROMIUM ?= /usr/bin/chromium
PORT ?= 5000
# Test processes (pytest-xdist); 0 runs everything in this process (handy with pdb).
PYTEST_WORKERS ?= 2

export PORTAL_ENV ?= development
export PORTAL_BASE_URL ?= http://127.0.0.1:$(PORT)
export SMTP_HOST ?= 127.0.0.1
export SMTP_PORT ?= 8025

.PHONY: run test test-at moments install chromium bench clean screenshot lock audit lint messages translations

# Everything from the lock, each file checked against its hash (requirements-dev.lock: the deployed
# set of requirements.lock plus the test tools), then the project itself without dependencies. The
# distribution was called "portal" until that name turned out to be someone else's on the index.
$(STAMP): pyproject.toml requirements-dev.lock $(VNU_STAMP)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	@if $(BIN)/pip show --quiet portal 2>/dev/null; then $(BIN)/pip uninstall --quiet --yes portal; fi
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The Nu HTML checker that the browser tests run on every page and fragment (tests/browser/nu.py),
# pinned, into .venv/vnu; it runs offline under Java (17 here). --ignore-scripts: the package's
# postinstall would download a Java runtime.
$(VNU_STAMP):
	@command -v npm >/dev/null || { echo "npm is needed to install the Nu HTML checker: apt-get install npm" >&2; exit 1; }
	npm install --prefix $(VENV)/vnu --no-audit --no-fund --ignore-scripts --save-exact vnu-jar@$(VNU_VERSION)
	touch $@

install: $(STAMP)

## lock: pin pyproject.toml's dependencies with hashes, from the public index only (the machine's pip
## settings aside): requirements.lock (deployed), requirements-dev.lock (that + test tools).
## Keeps current pins; newer ones: make lock LOCK_ARGS=--upgrade (or "--upgrade-package NAME").
LOCK_COMPILE = env -u PIP_FIND_LINKS -u PIP_CONSTRAINT PIP_CONFIG_FILE=/dev/null $(BIN)/pip-compile --quiet \
	--generate-hashes --allow-unsafe --all-build-deps --strip-extras --no-emit-index-url --no-emit-find-links
lock: $(STAMP)
	$(LOCK_COMPILE) $(LOCK_ARGS) -o requirements.lock pyproject.toml
	$(LOCK_COMPILE) $(LOCK_ARGS) --extra dev --constraint requirements.lock -o requirements-dev.lock pyproject.toml

## audit: pins with newer releases, and pins the index no longer offers (yanked); not vulnerabilities
audit: $(STAMP)
	$(BIN)/python tools/audit_lock.py

## translations: compile the catalogues (portal/translations/<lang>/LC_MESSAGES/messages.po → .mo), the
## files the app reads; run and test do it first. Only fully translated entries are compiled.
TRANSLATIONS := portal/translations
MO_FILES := $(patsubst %.po,%.mo,$(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po))
$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel -q compile -l $* -i $< -o $@
translations: $(MO_FILES)

## messages: extract every translatable text (babel.cfg) into messages.pot and merge it into each
## language's catalogue; new texts arrive untranslated, changed ones marked fuzzy: translate them
## (make test fails until every catalogue is complete, tests/i18n/test_catalogues.py).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_EXTRACT) --add-location=file --sort-by-file \
	  --msgid-bugs-address=- --copyright-holder="Reverse Interview Portal" --project="Reverse Interview Portal" \
	  -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --ignore-obsolete
# gettext's keywords plus our lazy ones (portal/i18n.py: _l is lazy_gettext), and templates/_macros too
# (pybabel skips folders named _… unless told otherwise). tests/i18n extracts with these options.
BABEL_EXTRACT := -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 --ignore-dirs=".* __pycache__"

## run: migrate, seed the demo company, then web + outbox worker + dev SMTP sink (Ctrl-C stops all)
run: $(STAMP) translations
	$(BIN)/flask --app portal db upgrade
	$(BIN)/flask --app portal seed-demo
	@echo
	@echo "  Reverse Interview Portal: $(PORTAL_BASE_URL)"
	@echo "  Sign in as the demo recruiter  riley.morgan@northwind.example"
	@echo "           or the demo candidate jordan.lee@example.com"
	@echo "  then open the link from the mailbox at $(PORTAL_BASE_URL)/dev/mail"
	@echo "  (admin: alex.kim@northwind.example, staff: amara.okafor@northwind.example)"
	@echo "  Calendars: Amara connects CalDAV at http://127.0.0.1:5232/ (user amara, app password demo-calendar)"
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

## lint: ruff over the code and the tests (rules in pyproject.toml); make test runs it first
lint: $(STAMP)
	$(BIN)/ruff check .

## test: ruff, then the whole suite (unit, HTTP, real SMTP, migrations, browser journeys)
test: $(STAMP) chromium lint translations
	PORTAL_ENV=testing CHROMIUM=$(CHROMIUM) $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

## test-at: the whole suite with the clock moved to WHEN (UTC) for the test code, the app, the worker,
## every Python process they start (tests/clock/sitecustomize.py) and the browser (Playwright's clock):
## make test-at WHEN=2028-02-29T12:00Z. `make moments` lists the moments CI runs the suite at.
test-at: $(STAMP) chromium translations
	@test -n "$(WHEN)" || { echo "Say when: make test-at WHEN=2028-02-29T12:00Z" >&2; exit 2; }
	PORTAL_ENV=testing CHROMIUM=$(CHROMIUM) PYTHONPATH=$(CURDIR)/tests/clock \
	  PORTAL_TEST_CLOCK_OFFSET="$$($(BIN)/python tests/moments.py offset $(WHEN))" \
	  $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

moments: $(STAMP)
	@$(BIN)/python tests/moments.py

## screenshot: refresh docs/screenshot.png from a running demo (make run in another terminal)
screenshot: $(STAMP) chromium
	CHROMIUM=$(CHROMIUM) $(BIN)/python tests/browser/screenshot.py $(PORTAL_BASE_URL) docs/screenshot.png

## bench: req/s and p50/p99 of the main pages on 100,000 candidates (SQLite and PostgreSQL) next to a
## bare endpoint; builds the scale data once (instance/bench-*.db, database portal_bench) and reuses it.
## Prints figures, never fails CI. Smaller: make bench BENCH_ARGS="--candidates 2000 --requests 100"
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## production-check: deploy/ started for real on loopback (Caddy with TLS from a CA made for the run,
## gunicorn with deploy/gunicorn.conf.py and 2 workers, an outbox worker, PostgreSQL and Redis on
## 127.0.0.1, an SMTP sink), then checked over HTTPS (deploy/check/); about 20 s. .ci/run runs it.
.PHONY: production-check caddy
production-check: $(STAMP) translations caddy
	$(BIN)/pytest deploy/check $(PYTEST_ARGS)

## caddy: the TLS proxy of deploy/Caddyfile (Debian's package), installed when missing and root. The
## package enables its own service on port 80: stopped and disabled again, the check runs its own.
caddy:
	@if ! command -v caddy >/dev/null; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Caddy for the production check…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy >/dev/null; \
	    if [ -d /run/systemd/system ]; then systemctl disable --now caddy.service >/dev/null 2>&1 || true; fi; \
	  else \
	    echo "Caddy is missing: install it (apt-get install caddy) and run make production-check again." >&2; \
	    exit 1; \
	  fi; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache instance/test-*
