# Trellis: `make demo` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: demo test test-sqlite test-postgres install lint benchmarks clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/trellis demo --size medium --port $(PORT)

test: $(STAMP)
	scripts/ensure-chromium.sh
	$(BIN)/lint-imports
	$(BIN)/ruff check trellis tests benchmarks
	$(MAKE) test-sqlite
	scripts/with-postgres.sh $(MAKE) test-postgres

# The engine and interop tests never touch a database, so they run once, on the SQLite pass.
test-sqlite: $(STAMP)
	TRELLIS_HOME=$$(mktemp -d) $(BIN)/python -m pytest -q

test-postgres: $(STAMP)
	TRELLIS_HOME=$$(mktemp -d) $(BIN)/python -m pytest -q --ignore=tests/engine --ignore=tests/interop

benchmarks: $(STAMP)
	$(MAKE) -C benchmarks all

clean:
	rm -rf $(VENV) var .pytest_cache
