# Copydesk: `make run` runs the nightly pipeline on the bundled samples, `make test` runs the tests.
# Both set up .venv from requirements.lock first (and again whenever the lock or pyproject changes).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export GX_ANALYTICS_ENABLED := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 120

.PHONY: setup run test lint lock clean bench-quality

setup: $(INSTALLED)

$(INSTALLED): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

run: setup
	$(BIN)/copydesk run

test: setup
	$(BIN)/python -m pytest

# Date accuracy on real articles with planted corruptions (not part of `make test`).
bench-quality: setup
	$(BIN)/python bench/quality.py

lint: setup
	$(BIN)/ruff check flows tests
	$(BIN)/ruff format --check flows tests

# Re-resolve the pins in pyproject.toml into requirements.lock, in a throwaway venv.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude-editable --disable-pip-version-check > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf data/lake data/quality data/warehouse*.duckdb* data/.warehouse.* data/.copydesk.lock
