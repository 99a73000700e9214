# Trellis: `make demo` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: demo test test-sqlite test-postgres test-postgres-cluster install lint benchmarks clean

$(STAMP): pyproject.toml
	@echo "Installing Trellis into $(VENV) (step 1 of 3: Python environment)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing Trellis into $(VENV) (step 2 of 3: pip; the first run downloads packages and takes a few minutes)"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "Installing Trellis into $(VENV) (step 3 of 3: Trellis and its dependencies)"
	@$(BIN)/python -m pip install --progress-bar on -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)

# The port is checked before anything is installed or loaded: `make demo PORT=8010`.
demo:
	@$(PYTHON) -m trellis.config.ports $(PORT)
	@$(MAKE) --no-print-directory install
	$(BIN)/trellis demo --size medium --port $(PORT)

test: $(STAMP)
	scripts/ensure-chromium.sh
	$(BIN)/lint-imports
	$(BIN)/ruff check trellis tests benchmarks
	$(MAKE) -j2 --output-sync=target test-sqlite test-postgres-cluster

# The PostgreSQL pass runs against a throwaway cluster that lives as long as the pass.
test-postgres-cluster: $(STAMP)
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
