# Siyu: `make demo` runs it, `make test` checks it. Only Python 3.11+, make and a network path
# to PyPI are needed; everything else is installed into .venv from the pinned requirements.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test install install-dev lint test-sqlite test-postgres bench messages clean

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

## demo: install, migrate SQLite, load the demo merchant, serve on :8000 with a task worker.
demo: install
	$(BIN)/siyu demo

## test: lint, type-check, migrations check, then the suite on SQLite and on PostgreSQL.
test: install-dev lint test-sqlite test-postgres

lint: install-dev
	$(BIN)/ruff check siyu bench
	$(BIN)/ruff format --check siyu bench
	$(BIN)/mypy siyu
	$(BIN)/siyu makemigrations --check --dry-run

test-sqlite: install-dev
	$(BIN)/pytest siyu

test-postgres: install-dev
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== PostgreSQL at $(PG_URL)"; \
		DATABASE_URL=$(PG_URL) $(BIN)/pytest siyu; \
	else \
		echo "== PostgreSQL not reachable at $(PG_URL): the suite ran on SQLite only (concurrency tests skipped)."; \
	fi

$(VENV)/.installed-bench: $(VENV)/.installed-dev requirements/bench.txt
	$(BIN)/pip install -q -r requirements/bench.txt
	touch $@

## bench: run the benchmarks; results in bench/results/latest.json (uses Debian's wrk when installed).
bench: $(VENV)/.installed-bench
	@command -v wrk >/dev/null || echo "wrk not found (apt-get install wrk): using the slower Python load generator"
	$(BIN)/python -m bench.run

## messages: recompile translations after editing siyu/locale/*/LC_MESSAGES/django.po (needs gettext).
messages: install
	cd siyu && ../$(BIN)/siyu makemessages -l zh_Hans -l en --no-obsolete && ../$(BIN)/siyu compilemessages

clean:
	rm -rf $(VENV) var
