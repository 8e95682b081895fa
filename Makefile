# financial_analytics: every entry point. `make` alone lists the targets.
#
# Connection: without PGHOST the targets start and use the embedded PostgreSQL
# (data in .pgdata/, port FA_PG_PORT=54329), whose passwords libpq reads from
# .pgdata/secrets/pgpass (PGPASSFILE, exported below). With PGHOST/PGPORT/PGUSER/
# PGPASSWORD/PGDATABASE set, they use that server instead and never start the embedded one.

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
ifeq ($(strip $(PGHOST)),)
export PGPASSFILE := $(abspath $(or $(FA_PGDATA),$(CURDIR)/.pgdata))/secrets/pgpass
endif
# the embedded server's role for psql, sql and db-uri: reader (gold only), owner or admin
DB_ROLE ?= reader

# Generator options (see README): make generate CUSTOMERS=5000 TRANSACTIONS=200000
DATA_DIR ?= data
CUSTOMERS ?= 1000
TRANSACTIONS ?= 50000
START_DATE ?= 2022-01-01
END_DATE ?= 2023-12-31
SEED ?= 42
DEFECT_RATE ?= 0.02
ADVANCE_DAYS ?= 3
ADVANCE_CYCLES ?= 3
GEN_ARGS = --out-dir $(DATA_DIR) --customers $(CUSTOMERS) --transactions $(TRANSACTIONS) \
	--start-date $(START_DATE) --end-date $(END_DATE) --seed $(SEED) --defect-rate $(DEFECT_RATE)

.PHONY: help setup db-start db-stop db-status db-uri psql psql-admin sql generate advance load \
	reset demo ml test-quality reports dbt-build dbt-test docs docs-serve metrics export test lint format \
	bench-load bench-dbt bench-reports bench-scale bench-model clean clean-db

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

db-uri: db-start ## print the libpq URI of the warehouse (last line; DB_ROLE=reader|owner|admin)
	@$(PY) -m scripts.db uri --role $(DB_ROLE)

psql: db-start ## open psql as the gold reader (analyst); DB_ROLE=owner for every layer
	@$(PY) -m scripts.db psql --role $(DB_ROLE)

psql-admin: db-start ## open psql as the server's administrator (postgres)
	@$(PY) -m scripts.db psql --role admin

sql: db-start ## run one query as the gold reader: make sql Q="select count(*) from gold.fact_transactions"
	@test -n "$${Q:-}" || { echo 'usage: make sql Q="select ..." [DB_ROLE=owner]' >&2; exit 2; }
	@$(PY) -m scripts.db psql --role $(DB_ROLE) -c "$$Q"

generate: setup ## generate the initial batch into $(DATA_DIR)/ (replaces earlier output)
	$(PY) -m scripts.generate --reset $(GEN_ARGS)

advance: setup ## generate the next batch, ADVANCE_DAYS later
	$(PY) -m scripts.generate --out-dir $(DATA_DIR) --advance-days $(ADVANCE_DAYS)

load: db-start ## load every pending batch of $(DATA_DIR)/ into bronze (COPY, one transaction each)
	$(PY) -m scripts.load --data-dir $(DATA_DIR)

reset: db-start ## drop the bronze, silver, gold, snapshots and quality schemas of the warehouse
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

# dbt writes into DBT_TARGET_PATH when it is set (the tests set it), else target/
DBT_TARGET_DIR = $(or $(DBT_TARGET_PATH),$(CURDIR)/target)
DOCS_PORT ?= 8080

docs: db-start ## write the dbt documentation as one page that opens from disk (target/static_index.html)
	$(DBT) docs generate --static
	@echo "open $(DBT_TARGET_DIR)/static_index.html (or: make docs-serve)"

docs-serve: setup ## serve the page make docs wrote, and the reports, on http://127.0.0.1:8080/ (DOCS_PORT)
	$(PY) -m scripts.docs_serve --target-dir $(DBT_TARGET_DIR) --port $(DOCS_PORT)

# mf reads target/semantic_manifest.json, which dbt parse writes for the database in use
metrics: db-start ## query the semantic layer: make metrics Q="--metrics transaction_count --group-by metric_time__month"
	@test -n "$${Q:-}" || { echo 'usage: make metrics Q="--metrics transaction_count --group-by metric_time__month" (mf query --help)' >&2; exit 2; }
	@$(DBT) parse --quiet --target-path $(CURDIR)/target
	@eval "$(BIN)/mf query $$Q"

# Parquet export: make export [TABLES="gold.fact_transactions gold.dim_customer"] [EXPORT_DIR=export]
TABLES ?=
EXPORT_DIR ?= export
export: db-start ## write silver and gold (or TABLES="gold.a gold.b") as Parquet with schema.json into export/ (EXPORT_DIR)
	$(PY) -m scripts.export --output-dir $(EXPORT_DIR) $(if $(strip $(TABLES)),--tables $(TABLES))

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

bench-scale: db-start ## benchmark: the whole flow step by step at 1M and 10M transactions (SCALES="1000000 10000000")
	$(PY) -m scripts.bench_scale --scales $(or $(SCALES),1000000 10000000)

bench-model: db-start ## benchmark: one model's query against a baseline revision (MODEL=... BASELINE=<git rev>; PGDATABASE picks the warehouse)
	$(PY) -m scripts.bench_model --model $(MODEL) --baseline $(BASELINE) --rounds $(or $(ROUNDS),2)

bench-reports: db-start ## benchmark: render the reports at the default scale vs ~10M replicated transactions
	$(PY) -m scripts.bench_reports --copies 129

clean: ## remove generated data, dbt output, rendered reports and caches (keeps the database)
	rm -rf $(DATA_DIR) target target_* logs logs_* .pytest_cache .ruff_cache .bench
	@# the reports folder stays (tracked by its .gitkeep); what was rendered into it goes
	test ! -d reports || find reports -mindepth 1 -not -name .gitkeep -exec rm -rf {} +
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +

clean-db: db-stop ## stop the embedded server and delete its data folder
	rm -rf .pgdata
