# Copydesk: `make run` runs the nightly pipeline on the bundled samples, `make test` runs the tests.
# Both set up .venv from requirements.lock first (and again whenever the lock or pyproject changes).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
ASSETS := copydesk/quality/data_docs_assets
VENDORED := $(ASSETS)/node_modules/.installed
COMPAT_VENV := .venv-duckdb1
COMPAT := $(COMPAT_VENV)/.installed

export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export GX_ANALYTICS_ENABLED := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 120

.PHONY: setup run test lint lock clean bench-quality bench bench-hostile browser compat fuzz

setup: $(INSTALLED) $(VENDORED)

$(INSTALLED): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# The CSS/JS the Data Docs load from CDNs, pinned in package-lock.json and copied beside the docs
# at build time (copydesk/quality/data_docs.py), so nothing is fetched when they are viewed.
$(VENDORED): $(ASSETS)/package.json $(ASSETS)/package-lock.json
	command -v npm >/dev/null || (apt-get update && apt-get install -y npm)
	cd $(ASSETS) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# DuckDB 1.1 in a venv of its own for tests/test_compat.py, which opens the published warehouse
# with it read-only: the clients analysts use are still on DuckDB 1.x. Remade when the lock changes.
compat: $(COMPAT)

$(COMPAT): requirements-compat.lock
	rm -rf $(COMPAT_VENV)
	$(PYTHON) -m venv $(COMPAT_VENV)
	$(COMPAT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-compat.lock
	touch $@

# Headless Chromium for tests/test_browser.py, from Debian (CI runs as root).
browser:
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || \
		(apt-get update && apt-get install -y chromium chromium-driver)

# The bundled samples are complete files, seconds old in a fresh clone: no settle time for them.
run: setup
	COPYDESK_SETTLE_SECONDS=0 $(BIN)/copydesk run

test: setup browser compat lint
	COPYDESK_REQUIRE_BROWSER=1 COPYDESK_REQUIRE_DUCKDB1=1 $(BIN)/python -m pytest

# The property test of tests/test_fuzz.py at length: 200 hostile raw folders (10 MB lines among
# them) through the whole nightly flow, not the fixed-seed three of `make test`; about an hour.
fuzz: setup
	HYPOTHESIS_PROFILE=fuzz COPYDESK_FUZZ_HUGE_LINE=10485760 $(BIN)/python -m pytest tests/test_fuzz.py -q

# Date, copy and outlet accuracy on real articles with planted corruptions (not in `make test`),
# then on real page dumps (bench/realpages.py); each reports the devsets' tuning and test halves.
bench-quality: setup
	$(BIN)/python bench/quality.py
	$(BIN)/python bench/copies.py
	$(BIN)/python bench/realpages.py

# Time ingest, each SQL layer and the slowest models on a synthetic 100,000-document night
# (`copydesk synth`), against one scan of the lake, then a next night of 10,000 documents that
# updates that warehouse; prints each target met or missed; writes bench/out/scale_results.json.
# (The 1M figures: --articles 1000000 --night 100000, same limit, about 35 minutes.) Then copy
# and date detection side by side with datasketch MinHashLSH and dateparser on a 20,000-document
# night, scored against its planted truth (bench/sidebyside.py; bench/results.json). Then the
# hostile night below.
bench: setup
	$(BIN)/python bench/scale.py --articles 100000 --night 10000 --memory-limit 7GB
	$(BIN)/python bench/sidebyside.py --articles 20000
	$(MAKE) bench-hostile

# One night of a 10 MB single-line .txt, a 10 MB single-line JSONL record and the seeds through
# `copydesk run`; the peak RSS of the whole process tree against 2 GiB (killed above 6 GiB);
# writes bench/out/hostile_results.json.
bench-hostile: setup
	$(BIN)/python bench/hostile.py

# Style, types and SQL: ruff on all Python, mypy on the package and flows, sqlfluff on sql/
# against .sqlfluff (dialect duckdb; .sqlfluffignore lists the files it cannot parse, and why).
lint: setup
	$(BIN)/ruff check copydesk flows tests bench
	$(BIN)/ruff format --check copydesk flows tests bench
	$(BIN)/mypy
	$(BIN)/sqlfluff lint sql

# Re-resolve the pins in pyproject.toml into requirements.lock, in a throwaway venv.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude-editable --disable-pip-version-check > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf data/lake data/quality data/prefect data/warehouse*.duckdb* data/.warehouse.* data/.copydesk.lock data/export data/.export.*
