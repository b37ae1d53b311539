# The CRM's commands. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install run test test-fast lint fmt bench demo requirements messages clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(BIN)/uv:
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check "uv==$(UV_VERSION)"

$(STAMP): $(BIN)/uv pyproject.toml requirements/dev.txt
	$(BIN)/uv pip sync -q --python $(BIN)/python requirements/dev.txt
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

install: $(STAMP) ## create .venv with the project and its pinned dependencies

run: install ## migrate, create demo data on the first run, serve pages, API and a worker
	$(BIN)/crm migrate
	CRM_BASE_URL=$${CRM_BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/crm first-run
	CRM_BASE_URL=$${CRM_BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/crm serve --host $(HOST) --port $(PORT)

test: install ## run the whole test suite (browser tests included)
	$(BIN)/pytest -n 2 --dist loadgroup $(ARGS)

test-fast: install ## run the suite without the browser tests
	$(BIN)/pytest -n 2 -m "not browser" $(ARGS)

lint: install ## ruff, import layers, migrations up to date
	$(BIN)/ruff check crm tests bench
	$(BIN)/ruff format --check crm tests bench
	$(BIN)/lint-imports
	CRM_DATA_DIR=$$(mktemp -d) $(BIN)/crm manage makemigrations --check --dry-run

fmt: install ## format the code
	$(BIN)/ruff format crm tests bench
	$(BIN)/ruff check --fix crm tests bench

bench: install ## build 100 k and 1 M contact datasets and print latency figures as JSON
	$(BIN)/python -m bench.run $(ARGS)

demo: install ## add demo data (N contacts: make demo N=10000)
	$(BIN)/crm migrate
	$(BIN)/crm demo --contacts $${N:-2000}

messages: install ## refresh and compile the translation catalogues
	cd crm && ../$(BIN)/django-admin makemessages -l ru -l en --no-obsolete -i "demo/*" --settings=crm.settings --pythonpath=..
	cd crm && ../$(BIN)/django-admin compilemessages --settings=crm.settings --pythonpath=..

requirements: $(BIN)/uv ## re-pin requirements/*.txt from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --no-emit-index-url --python-version 3.11 --custom-compile-command "make requirements" -o requirements/main.txt -q
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --no-emit-index-url --python-version 3.11 --custom-compile-command "make requirements" -o requirements/dev.txt -q

clean: ## remove the virtual environment and caches (keeps var/)
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
