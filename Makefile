# Two commands for a fresh clone (Python 3.11+ is the only prerequisite):
#   make sandbox   start the sandbox on the example workspace
#   make test      run the whole test suite
# Each creates and fills its own virtual environment in .venv on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: sandbox test lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "ctk needs Python 3.11 or newer; run e.g. 'make PYTHON=python3.12 $(MAKECMDGOALS)'"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# Serves every API of sandbox/sandbox.toml (REST, SOAP and GraphQL) on 127.0.0.1:8000.
sandbox: $(STAMP)
	$(BIN)/ctk serve

test: $(STAMP)
	$(BIN)/python -m pytest

# The import contracts and the dependency check also run in the test suite (tests/core/test_architecture.py).
lint: $(STAMP)
	$(BIN)/ruff check toolkit tests bench scripts
	$(BIN)/ruff format --check toolkit tests bench scripts
	$(BIN)/mypy toolkit
	$(BIN)/lint-imports --no-cache
	$(BIN)/deptry .

bench: $(STAMP)
	$(BIN)/python bench/load.py
	$(BIN)/python bench/drift.py
	$(BIN)/python bench/validation.py
	$(BIN)/python bench/mock_startup.py
	$(BIN)/python bench/mock_throughput.py
	$(BIN)/python bench/mock_request_path.py
	$(BIN)/python bench/http_protocol.py
	$(BIN)/python bench/hostile.py
	$(BIN)/python bench/sandbox_layers.py
	$(BIN)/python bench/sandbox_load.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .schemathesis
