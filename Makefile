# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?= -n 2
export FLASK_APP := wsgi

.PHONY: run test lint format install install-dev worker seed clean audit-deps

$(BIN)/python:
	@echo "creating the virtualenv in $(VENV)…"
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	@echo "installing the Python packages (about 2 minutes)…"
	@$(BIN)/pip install -q -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	@echo "installing the test tools (about a minute)…"
	@$(BIN)/pip install -q -r requirements-dev.txt
	@touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## make run: install, then one process migrates, seeds demo data and creates an admin on first
## run (its password last, framed), then serve on http://127.0.0.1:5000
run: install
	$(BIN)/flask tickets bootstrap
	$(BIN)/flask run --host $(HOST) --port $(PORT)

## make test: ruff (check + format --check) and pytest
test: install-dev lint
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	@! git grep -nE '^(<<<<<<<|>>>>>>>) ' -- . || (echo 'merge-conflict markers left in the files above' && false)

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make audit-deps: the pinned packages against known vulnerabilities (refreshes
## scripts/vulnerability-db.json when the network allows; offline it checks the stored one)
audit-deps: install-dev
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python scripts/audit_deps.py

worker: install
	$(BIN)/flask tickets worker

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
