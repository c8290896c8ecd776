# clipfinder: `make demo` and `make test` work on a fresh machine with only Python 3.10+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench eval fixtures docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	rm -f demo.db demo.db-wal demo.db-shm
	$(BIN)/clipfinder ingest fixtures/calls --db demo.db
	$(BIN)/clipfinder calls --db demo.db

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check clipfinder tests scripts fixtures
	$(BIN)/ruff format --check clipfinder tests scripts fixtures
	$(BIN)/mypy clipfinder

bench: $(STAMP)
	$(BIN)/python scripts/bench.py

eval: $(STAMP)
	$(BIN)/python scripts/eval.py

# Needs espeak-ng and sox (apt-get install espeak-ng sox); the outputs are committed.
fixtures: $(STAMP)
	$(BIN)/python fixtures/make_fixtures.py

docs: $(STAMP)
	$(BIN)/python scripts/cli_reference.py > docs/cli.md

clean:
	rm -rf $(VENV) demo.db demo.db-wal demo.db-shm .pytest_cache .mypy_cache .ruff_cache
