# The two commands of the README:
#   make run    install into .venv, then a first look on the embedded default (SQLite): the
#               newest articles of every source, at most 5 each from the last 7 days
#               (ARGS=--all crawls everything with no bound)
#   make test   install into .venv (with the test tools) and run lint, types and every test
# Both create .venv themselves on a fresh machine.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
ARGS   ?= --all --since 7d --limit 5
PYTEST_ARGS ?=

.PHONY: install install-dev run test lint typecheck clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	# the machine's pip 23 cannot resolve lxml's extras: upgrade it first
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

run: install
	$(BIN)/kibaru db upgrade
	$(BIN)/kibaru crawl $(ARGS)
	@echo "(kibaru is $(BIN)/kibaru: '. $(BIN)/activate' puts it on the PATH)"

lint: install-dev
	$(BIN)/ruff check .

typecheck: install-dev
	$(BIN)/mypy

test: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
