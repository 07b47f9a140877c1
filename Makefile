# Siyu: `make demo` runs it, `make test` checks it. Only Python 3.11+, make and a network path
# to PyPI are needed; everything else is installed into .venv from the pinned requirements.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
# pytest-xdist workers for the suite (`auto`: one per core; `0`: one process, e.g. to debug).
TEST_WORKERS ?= auto
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test install install-dev assets screenshots lint test-sqlite test-clock test-postgres coverage fuzz bench messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade "pip>=24"

$(VENV)/.installed: $(BIN)/python requirements/base.txt pyproject.toml
	$(BIN)/pip install -q -r requirements/base.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements/dev.txt
	$(BIN)/pip install -q -r requirements/dev.txt
	# Test-only: the CDNOW history ships inside lifetimes; its own dependencies are not needed.
	$(BIN)/pip install -q --no-deps lifetimes==0.11.3
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

## assets: front-end packages (htmx, ECharts) from npm, pinned by package-lock.json, copied into
## siyu/static/vendor/ (served by Django: no CDN, the pages work offline). Needs Node.js and npm.
VENDOR_STAMP := siyu/static/vendor/manifest.json

assets: $(VENDOR_STAMP)

$(VENDOR_STAMP): package.json package-lock.json scripts/build_assets.py
	@command -v npm >/dev/null 2>&1 || { \
		echo "Node.js and npm are needed to build the front-end assets (htmx, ECharts)."; \
		echo "Install them with: apt-get install nodejs npm (then run make again)."; \
		exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	$(PYTHON) scripts/build_assets.py

## demo: install, migrate SQLite, load the demo merchant, serve on :8000 with a task worker.
demo: install assets
	$(BIN)/siyu demo

## test: lint, type-check, layer contracts (import-linter), migrations check, then the suite on SQLite, the clock sweep, and the suite on PostgreSQL.
test: install-dev assets lint test-sqlite test-clock test-postgres

lint: install-dev
	$(BIN)/ruff check siyu bench
	$(BIN)/ruff format --check siyu bench
	$(BIN)/mypy siyu
	$(BIN)/lint-imports
	$(BIN)/siyu makemigrations --check --dry-run

test-sqlite: install-dev
	$(BIN)/pytest siyu -n $(TEST_WORKERS) --durations=25

## test-clock: the tests marked `clock` (they depend on the date or hour) again at each instant of
## siyu/testing/clock.py:SWEEP (around 16:00 UTC, when Shanghai's day turns; 29 February; New Year).
test-clock: install-dev
	$(BIN)/pytest siyu -m clock --clock-at=sweep -n $(TEST_WORKERS)

test-postgres: install-dev
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== PostgreSQL at $(PG_URL)"; \
		DATABASE_URL=$(PG_URL) $(BIN)/pytest siyu -n $(TEST_WORKERS) --durations=25; \
	else \
		echo "== PostgreSQL not reachable at $(PG_URL): the suite ran on SQLite only (concurrency tests skipped)."; \
	fi

$(VENV)/.installed-bench: $(VENV)/.installed-dev requirements/bench.txt
	$(BIN)/pip install -q -r requirements/bench.txt
	touch $@

## coverage: the suite on SQLite with line coverage of siyu/ (pytest-cov): a table per file and the
## TOTAL line in the terminal, the annotated pages in var/coverage/index.html.
coverage: install-dev
	mkdir -p var
	$(BIN)/pytest siyu -n $(TEST_WORKERS) --cov=siyu --cov-report=term --cov-report=html

## fuzz: the nightly API fuzz: 50 schemathesis cases per operation plus stateful sequences along the
## inferred links (CI runs 5 cases per operation inside `make test`). Override with SIYU_FUZZ_EXAMPLES,
## SIYU_FUZZ_SCENARIOS, SIYU_FUZZ_STEPS, SIYU_FUZZ_SEED; see CONTRIBUTING.md.
fuzz: install-dev
	SIYU_FUZZ_EXAMPLES=$${SIYU_FUZZ_EXAMPLES:-50} SIYU_FUZZ_STATEFUL=1 $(BIN)/pytest siyu/api/tests/test_openapi_fuzz.py

## bench: run the benchmarks; results in bench/results/latest.json (uses Debian's wrk when installed).
bench: $(VENV)/.installed-bench
	@command -v wrk >/dev/null || echo "wrk not found (apt-get install wrk): using the slower Python load generator"
	$(BIN)/python -m bench.run

## screenshots: load the demo (once), serve it and regenerate docs/screenshots/*.png with Chromium.
screenshots: install-dev assets
	$(BIN)/siyu demo --no-serve
	$(BIN)/python scripts/screenshots.py

## messages: recompile translations after editing siyu/locale/*/LC_MESSAGES/django.po (needs gettext).
messages: install
	cd siyu && ../$(BIN)/siyu makemessages -l zh_Hans -l en --no-obsolete && ../$(BIN)/siyu compilemessages

clean:
	rm -rf $(VENV) var
