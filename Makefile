# The two commands of README.md:
#   make serve   install, build and serve the curated graph on http://127.0.0.1:5000/
#   make test    install everything (Python packages; Chromium and Virtuoso when root) and run all tests
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: serve test lint install system-deps build bench

$(BIN)/kg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/kg

system-deps:
	bash scripts/install-system-deps

build: install
	$(BIN)/kg build

serve: install
	$(BIN)/kg serve --host $(HOST) --port $(PORT)

test: install system-deps
	$(BIN)/python -m pytest

# The suite without the tests marked slow (@pytest.mark.slow: each takes more than a few seconds).
.PHONY: test-fast
test-fast: install system-deps
	$(BIN)/python -m pytest -m "not slow"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/python bench/engines.py
