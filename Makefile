# The two commands of README.md:
#   make serve   install, build and serve the curated graph on http://127.0.0.1:5000/
#   make test    install everything (Python packages; Chromium and Virtuoso when root) and run all tests
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

TEST_TOOLS := $(VENV)/.test-tools

.PHONY: serve test lint install install-test system-deps build bench

# The package and what it needs to run (pip 25.1 or later reads [dependency-groups]).
$(BIN)/kg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# The test and lint tools besides: pyproject.toml's dependency group "test".
$(TEST_TOOLS): $(BIN)/kg
	$(BIN)/python -m pip install --quiet --group test
	touch $@

install: $(BIN)/kg

install-test: $(TEST_TOOLS)

system-deps:
	bash scripts/install-system-deps

build: install
	$(BIN)/kg build

serve: install
	$(BIN)/kg serve --host $(HOST) --port $(PORT)

# Tests run in one process per core (pytest-xdist); a module's tests stay in one process, so its
# servers and fixtures start once.
test: install-test system-deps
	$(BIN)/python -m pytest -n auto --dist loadscope

# The suite without the tests marked slow (@pytest.mark.slow: each takes more than a few seconds).
.PHONY: test-fast
test-fast: install-test system-deps
	$(BIN)/python -m pytest -n auto --dist loadscope -m "not slow"

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/engines.py
