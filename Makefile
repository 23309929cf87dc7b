# Two commands on a fresh machine: `make run` and `make test`. Both create .venv and install.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
DB ?= sqlite:///flowdesk.db
PACK ?= packs/service_default

.PHONY: install run test lint bench clean ui

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Flowdesk needs Python 3.11+"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# The venv's own pip installs everything; upgrading it first is one more download to fail.
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)

# The first run seeds a demo history into an empty database (`flowdesk seed --if-empty`).
run: $(STAMP)
	$(BIN)/flowdesk seed $(PACK) --db $(DB) --if-empty
	$(BIN)/flowdesk serve $(PACK) --db $(DB) --demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check engine designer tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/records.py
	$(BIN)/python bench/dsl.py
	$(BIN)/python bench/access.py
	$(BIN)/python bench/user_writes.py
	$(BIN)/python bench/sla_routing.py
	$(BIN)/python bench/workflows.py
	$(BIN)/python bench/bounds.py
	$(BIN)/python bench/json_bodies.py
	$(BIN)/python bench/queue_api.py

# Rebuild the web app into designer/static (needs Node and npm; `make run` does not).
ui:
	cd designer/frontend && npm ci && npm run build

clean:
	rm -rf $(VENV) flowdesk.db flowdesk.db-wal flowdesk.db-shm .pytest_cache
