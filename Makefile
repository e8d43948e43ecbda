# Two commands: `make run` serves the app, `make test` runs every test.
# Both create .venv and install what is missing, so a fresh machine needs nothing else.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run test lint bench bench-quick browser-deps clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m app.cli migrate
	$(BIN)/python -m app.cli serve

# Two test processes: many tests wait on a server or a browser, so two keep two cores busy.
# A file's tests stay in one process (its servers and fixtures are started once), and files
# go out in the order tests/conftest.py gives them, the longest first: xdist's own order (the
# files with the most tests first) started the 1,000 resume schedules last, minutes alone.
# `make test TEST_WORKERS=0` runs everything in this process.
TEST_WORKERS ?= 2

test: $(STAMP) browser-deps
	$(BIN)/ruff check app tests bench migrations
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check app tests bench migrations
	$(BIN)/ruff format --check app tests bench migrations

# Browser tests drive Debian's chromium; Playwright never downloads one.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null || \
	  (sudo apt-get update -qq && sudo apt-get install -y -qq chromium) >/dev/null; }

bench: $(STAMP)
	$(BIN)/python -m bench.run --full

bench-quick: $(STAMP)
	$(BIN)/python -m bench.run --quick

clean:
	rm -rf $(VENV) data/*.db* tests/artifacts
