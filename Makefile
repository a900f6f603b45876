# The two commands: `make run` and `make test` (see README). Everything else supports them.
# The interpreter the virtualenv is made from. Debian's own python3.11 first: it is built with
# profile-guided optimisation and link-time optimisation and has libpython linked in, and runs this
# app's Python 25-40 % faster than a plain `./configure` build (pyenv's default), which a
# python3 earlier on PATH may be (docs/decisions.md, 63). PYTHON=... chooses another; an existing
# .venv is kept as it is (`make clean` first to make it anew).
PYTHON ?= $(or $(shell /usr/bin/python3.11 -c 'import ensurepip, venv' >/dev/null 2>&1 && echo /usr/bin/python3.11),python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

# Development defaults for `make run` only; every one can be overridden from the environment.
export DEBUG ?= 1
export PISHKHAN_VAR_DIR ?= $(CURDIR)/var

.PHONY: run test install install-test lint typecheck test-sqlite test-postgres migrate demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
	$(BIN)/pishkhan compiletranslations

install-test: $(VENV)/.installed-test
	$(BIN)/pishkhan compiletranslations

migrate: install
	mkdir -p var
	$(BIN)/pishkhan migrate --noinput

demo: migrate
	$(BIN)/pishkhan demo

run: demo
	@echo "Serving Pishkhan on http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	$(BIN)/pishkhan runserver $(HOST):$(PORT)

lint: install-test
	$(BIN)/ruff check src tests tools
	$(BIN)/ruff format --check src tests tools

typecheck: install-test
	$(BIN)/mypy

# The suite runs on SQLite always, and again on PostgreSQL when PISHKHAN_TEST_DATABASE_URL names
# one. With PISHKHAN_REQUIRE_SERVICES=1 (CI) a missing PostgreSQL, Redis or Chromium fails the run.
test: lint typecheck test-sqlite test-postgres

test-sqlite: install-test
	DEBUG=0 SECRET_KEY=test-only-secret-key DATABASE_URL= $(BIN)/python -m pytest -n 2 --dist loadgroup -p no:cacheprovider $(PYTEST_ARGS)
	DEBUG=0 SECRET_KEY=test-only-secret-key DATABASE_URL=sqlite:///:memory: $(BIN)/pishkhan makemigrations --check --dry-run

test-postgres: install-test
	@if [ -n "$$PISHKHAN_TEST_DATABASE_URL" ]; then \
	  echo "== the suite again, on PostgreSQL"; \
	  DEBUG=0 SECRET_KEY=test-only-secret-key DATABASE_URL="$$PISHKHAN_TEST_DATABASE_URL" \
	    $(BIN)/python -m pytest -n 2 --dist loadgroup -p no:cacheprovider $(PYTEST_ARGS); \
	elif [ "$$PISHKHAN_REQUIRE_SERVICES" = "1" ]; then \
	  echo "PISHKHAN_REQUIRE_SERVICES=1 but PISHKHAN_TEST_DATABASE_URL is not set"; exit 1; \
	else \
	  echo "== PostgreSQL pass skipped: set PISHKHAN_TEST_DATABASE_URL to run it"; \
	fi

# PostgreSQL, Redis, gunicorn and a worker on loopback, a million requests, wrk against the app
# and pgbench against PostgreSQL in the same run; bench/results/latest.json (bench/README.md).
bench: install
	bench/run.sh

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .mypy_cache .ruff_cache
