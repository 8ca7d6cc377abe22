# newswire developer commands. `make run` starts the service, `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install run test lint schemas bench faults

$(BIN)/newswire: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/newswire  ## create .venv and install newswire with its dev tools

run: install  ## run every role on this machine (embedded Redis when none is configured)
	$(BIN)/newswire up

test: install  ## the test suite: real Redis, real Celery worker, real HTTP servers
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy schemas services workers

schemas: install  ## re-export schemas/json/ from the models
	$(BIN)/python -m schemas.export

bench: install  ## benchmarks under bench/, each printing ratios against a same-run baseline
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

faults: install  ## the large fault run (killed workers, Redis restarts, poison, hostile input): a table
	$(BIN)/python bench/faults.py
