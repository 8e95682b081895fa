# financial_analytics: every entry point. `make` alone lists the targets.
#
# Connection: without PGHOST the targets start and use the embedded PostgreSQL
# (data in .pgdata/, port FA_PG_PORT=54329). With PGHOST/PGPORT/PGUSER/PGPASSWORD/
# PGDATABASE set, they use that server instead and never start the embedded one.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
DBT := $(BIN)/dbt
STAMP := $(VENV)/.requirements.installed

export DBT_PROFILES_DIR := $(CURDIR)
export DBT_PROJECT_DIR := $(CURDIR)
export PYTHONPATH := $(CURDIR)
export Q

# Generator options (see README): make generate CUSTOMERS=5000 TRANSACTIONS=200000
DATA_DIR ?= data
CUSTOMERS ?= 1000
TRANSACTIONS ?= 50000
START_DATE ?= 2023-01-01
END_DATE ?= 2023-12-31
SEED ?= 42
DEFECT_RATE ?= 0.02
ADVANCE_DAYS ?= 3
ADVANCE_CYCLES ?= 3
GEN_ARGS = --out-dir $(DATA_DIR) --customers $(CUSTOMERS) --transactions $(TRANSACTIONS) \
	--start-date $(START_DATE) --end-date $(END_DATE) --seed $(SEED) --defect-rate $(DEFECT_RATE)

.PHONY: help setup db-start db-stop db-status db-uri psql sql generate advance load \
	reset demo ml test-quality reports dbt-build dbt-test docs test lint format bench-load bench-dbt bench-reports clean clean-db

help: ## list the targets
	@echo "financial_analytics — make <target>"
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sort | \
		awk 'BEGIN {FS = ":.*## "} {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

setup: $(STAMP) ## create .venv and install requirements (only when they changed)

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@cp requirements.txt $(STAMP)

db-start: setup ## start the embedded PostgreSQL (idempotent; checks PGHOST when set)
	@$(PY) -m scripts.db start

db-stop: setup ## stop the embedded PostgreSQL (idempotent)
	@$(PY) -m scripts.db stop

db-status: setup ## say whether the warehouse is reachable
	@$(PY) -m scripts.db status

db-uri: db-start ## print the libpq URI of the warehouse (last line)
	@$(PY) -m scripts.db uri

psql: db-start ## open an interactive psql on the warehouse
	@$(PY) -m scripts.db psql

sql: db-start ## run one query: make sql Q="select count(*) from bronze.transactions"
	@test -n "$${Q:-}" || { echo 'usage: make sql Q="select ..."' >&2; exit 2; }
	@$(PY) -m scripts.db psql -c "$$Q"

generate: setup ## generate the initial batch into $(DATA_DIR)/ (replaces earlier output)
	$(PY) -m scripts.generate --reset $(GEN_ARGS)

advance: setup ## generate the next batch, ADVANCE_DAYS later
	$(PY) -m scripts.generate --out-dir $(DATA_DIR) --advance-days $(ADVANCE_DAYS)

load: db-start ## load every pending batch of $(DATA_DIR)/ into bronze (COPY, one transaction each)
	$(PY) -m scripts.load --data-dir $(DATA_DIR)

reset: db-start ## drop the bronze, silver, gold and snapshots schemas of the warehouse
	$(PY) -m scripts.db reset

demo: db-start ## the whole flow from scratch: generate, load, dbt build, advance cycles, summary, reports
	$(PY) -m scripts.pipeline --data-dir $(DATA_DIR) --customers $(CUSTOMERS) --transactions $(TRANSACTIONS) \
		--start-date $(START_DATE) --end-date $(END_DATE) --seed $(SEED) --defect-rate $(DEFECT_RATE) \
		--advance-cycles $(ADVANCE_CYCLES) --advance-days $(ADVANCE_DAYS)
	@$(PY) -m scripts.summary
	@$(PY) analytics_viz/run_all_viz.py > /dev/null
	@echo "Reports: $(CURDIR)/reports/index.html"

reports: db-start ## render the nine Plotly reports and reports/index.html from gold (after make demo)
	$(PY) analytics_viz/run_all_viz.py

ml: db-start ## train and score the ML models on gold, then rebuild the analytics models
	$(PY) -m scripts.ml.train
	$(DBT) build --select models/gold/analytics

test-quality: db-start ## only the ML quality targets on the default data set (part of make test)
	$(BIN)/pytest tests/python/test_ml.py -k quality_targets_on_the_default_data

# unit tests run after the build: dbt reads an incremental model's columns from its own
# table (dbt-core #10695), which does not exist yet on an empty warehouse
dbt-build: db-start ## dbt build (seeds, snapshots, models, data tests, then unit tests) on what bronze holds
	$(DBT) build --exclude-resource-type unit_test
	$(DBT) test --select test_type:unit

dbt-test: db-start ## dbt test only
	$(DBT) test

docs: db-start ## generate the dbt documentation site (target/index.html)
	$(DBT) docs generate
	@echo "open $(CURDIR)/target/index.html, or serve it: $(DBT) docs serve --port 8080"

test: lint ## lint (ruff, sqlfluff), dbt parse and pytest (unit + integration on the embedded server)
	$(DBT) parse --quiet
	$(BIN)/pytest

# sqlfluff's dbt templater compiles the project, so lint needs the warehouse (db-start)
lint: db-start ## ruff (lint + format check) and sqlfluff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint models snapshots analyses tests --processes 2

format: setup ## apply ruff's formatting
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench-load: db-start ## benchmark: generate and load 1M transactions vs a plain psql \copy
	$(PY) -m scripts.bench_load --transactions 1000000

bench-dbt: db-start ## benchmark: full vs incremental dbt build on 1M transactions vs direct SQL
	$(PY) -m scripts.bench_dbt --transactions 1000000

bench-reports: db-start ## benchmark: render the reports at the default scale vs ~10M replicated transactions
	$(PY) -m scripts.bench_reports --copies 129

clean: ## remove generated data, dbt output, rendered reports and caches (keeps the database)
	rm -rf $(DATA_DIR) target target_* logs logs_* .pytest_cache .ruff_cache .bench
	@# the reports folder stays (tracked by its .gitkeep); what was rendered into it goes
	test ! -d reports || find reports -mindepth 1 -not -name .gitkeep -exec rm -rf {} +
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +

clean-db: db-stop ## stop the embedded server and delete its data folder
	rm -rf .pgdata
