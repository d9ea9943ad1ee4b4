# Two commands do all the set-up on a fresh machine (Python 3.11+, pip, make):
#   make run    - install into .venv and run the bot (the local console when no tokens are set)
#   make test   - install into .venv (with test tools) and run every check and test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test install install-dev lint typecheck pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/practice-bot run

lint: install-dev
	$(BIN)/ruff check bot framework tests bench migrations
	$(BIN)/lint-imports

typecheck: install-dev
	$(BIN)/mypy

pytest: install-dev
	$(BIN)/pytest -q

test: lint typecheck pytest

bench: install-dev
	$(BIN)/python -m bench.startup --runs 3
	$(BIN)/python -m bench.offline_scorer_speed
	$(BIN)/python -m bench.offline_scorer_quality
	$(BIN)/python bench/llm_prompt_tokens.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
