# crosswire: `make run` runs the pipeline on seeds/, `make test` runs the test suite.
# Both create the virtual environment in .venv/ on first use, from the pinned requirements.lock.
# Another Python in its own venv: `make test-fast PYTHON=python3.13 VENV=.venv-3.13`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export GX_ANALYTICS_ENABLED := False
export DO_NOT_TRACK := 1

.PHONY: run test test-fast lint lock clean clean-data

run: $(VENV)/.installed
	$(BIN)/crosswire run

test: $(VENV)/.installed
	$(BIN)/pytest

# the edit-test loop: every test but the end-to-end flow runs (marked slow); under two minutes
test-fast: $(VENV)/.installed
	$(BIN)/pytest -m "not slow"

lint: $(VENV)/.installed
	$(BIN)/ruff check crosswire flows tests benchmarks
	$(BIN)/ruff format --check crosswire flows tests benchmarks

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# Regenerate the lock after editing pyproject.toml: one lock for every Python that
# requires-python admits (markers pick per version); names versions only, never an index URL.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --no-header --no-annotate -o requirements.lock

# the virtual environments; the warehouse in data/ stays (`make clean-data` deletes it)
clean:
	rm -rf $(VENV) .venv-3.*

clean-data:
	@echo "warning: deleting data/ (the warehouse, its Parquet files and run history)"
	rm -rf data
