# clipfinder: `make demo` and `make test` work on a fresh machine with only Python 3.10+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# On this project's reference machines `pip install torch==2.13.0` is a CPU build; elsewhere use
# e.g. make TORCH="torch --index-url https://download.pytorch.org/whl/cpu"
TORCH ?= torch==2.13.0

.PHONY: demo test lint bench eval fixtures docs vectors screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# CPU build of torch first (the diarize extra's torch range is then already met)
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet -e '.[dev,diarize,base,dask,meaning]'
	touch $(STAMP)

demo: $(STAMP)
	rm -f demo.db demo.db-wal demo.db-shm demo-prep.html
	$(BIN)/clipfinder ingest fixtures/calls --db demo.db
	$(BIN)/clipfinder calls --db demo.db
	$(BIN)/clipfinder focus --db demo.db --rep alice --skill discovery --since 2026-11-02
	$(BIN)/clipfinder commit --db demo.db --rep alice --date 2026-11-13T17:00 "Ask how the team handles onboarding today"
	$(BIN)/clipfinder score --db demo.db --rep alice 4 --date 2026-11-13
	$(BIN)/clipfinder prep --db demo.db --rep alice --date 2026-11-20T09:00 --out demo-prep.html
	@echo "Now open the manager's page: $(BIN)/clipfinder serve --db demo.db"

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check clipfinder tests scripts fixtures
	$(BIN)/ruff format --check clipfinder tests scripts fixtures
	$(BIN)/mypy clipfinder

bench: $(STAMP)
	$(BIN)/python scripts/bench.py

eval: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[eval]'
	$(BIN)/python scripts/eval.py
	$(BIN)/python scripts/eval_diarize.py
	$(BIN)/python scripts/eval_models.py
	$(BIN)/python scripts/eval_meaning.py

# Needs espeak-ng and sox (apt-get install espeak-ng sox); the outputs are committed.
fixtures: $(STAMP)
	$(BIN)/python fixtures/make_fixtures.py

docs: $(STAMP)
	$(BIN)/python scripts/cli_reference.py > docs/cli.md

# The shipped vectors of the built-in rubrics' examples and ordinary_talk.txt (after editing them)
vectors: $(STAMP)
	$(BIN)/python scripts/ship_vectors.py

# The web page's screenshots in docs/ (needs demo.db from `make demo`, and Chromium)
screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py demo.db

clean:
	rm -rf $(VENV) demo.db demo.db-wal demo.db-shm demo-prep.html .pytest_cache .mypy_cache .ruff_cache
