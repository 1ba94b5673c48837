# Two entry points for a newcomer (see README.md):
#   make demo   set up, run the demo story, then serve the hub it leaves behind
#   make test   set up, then lint, type-check and run every test
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
DATA   ?= saphan-data

.PHONY: demo serve test lint typecheck pytest screenshots setup clean

$(BIN)/saphan: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

setup: $(BIN)/saphan
	bash scripts/ensure-system-deps

demo: setup
	$(BIN)/saphan demo --data $(DATA)
	$(BIN)/saphan serve --data $(DATA)

serve: setup
	$(BIN)/saphan serve --data $(DATA)

lint: $(BIN)/saphan
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/saphan
	$(BIN)/mypy

pytest: $(BIN)/saphan
	$(BIN)/pytest -q -n 2 --dist loadfile

test: setup lint typecheck pytest

# renew the screenshots docs/operators.md shows (the browser tests, writing into docs/)
screenshots: setup
	SAPHAN_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/acceptance -k browser

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
