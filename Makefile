# Two set-up commands: `make demo` and `make test`. Each creates .venv from the lock file on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck pytest fuzz run lock bench messages clean

$(BIN)/.installed: requirements-dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

demo: $(BIN)/.installed
	$(BIN)/tandem demo

test: lint typecheck pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check bot scheduler content tests benchmarks
	$(BIN)/ruff format --check bot scheduler content tests benchmarks

typecheck: $(BIN)/.installed
	$(BIN)/mypy bot scheduler content

pytest: $(BIN)/.installed
	$(BIN)/pytest -q

# The privacy state machine (tests/e2e/test_privacy_machine.py) ten times longer than in
# `make test`, with fresh random examples each run.
fuzz: $(BIN)/.installed
	TANDEM_FUZZ_SCALE=10 $(BIN)/pytest -q tests/e2e/test_privacy_machine.py

run: $(BIN)/.installed
	$(BIN)/tandem run

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/bench_updates.py
	$(BIN)/python benchmarks/bench_tick.py
	$(BIN)/python benchmarks/bench_scale.py
	$(BIN)/python benchmarks/bench_insights.py

# Rewrite the message catalog template (bot/locale/tandem.pot) after changing any text.
messages: $(BIN)/.installed
	$(BIN)/tandem i18n extract

# Regenerate the lock files after changing dependencies in pyproject.toml.
lock:
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml -o requirements.lock --generate-hashes --python-version 3.11
	$(BIN)/uv pip compile pyproject.toml --extra dev -o requirements-dev.lock --generate-hashes --python-version 3.11

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
