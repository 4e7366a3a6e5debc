# Bansos 360 — the two set-up commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
CLI := $(VENV)/bin/bansos360
SCALE ?= 1.0
SEED ?= 42
RAW ?= data/raw
export BANSOS_LAKEHOUSE ?= $(CURDIR)/lakehouse

.PHONY: install demo test bench lint clean jars pg pg-binaries pg-stop publish

install: $(VENV)/.installed ## venv with the package, dev and bench extras, Delta jars cached

$(VENV)/.installed: setup.py
	@command -v java >/dev/null || { echo "java (17+) is required: apt-get install -y openjdk-17-jre-headless"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev,bench]"
	$(PY) -c "from bansos360.spark import ensure_delta_jars; print('Delta jars:', *ensure_delta_jars())"
	@touch $@

jars: install ## (re)fetch the Delta jars into the cache
	$(PY) -c "from bansos360.spark import ensure_delta_jars; print(*ensure_delta_jars())"

demo: install pg-binaries ## generate Trenggalek-scale data, run bronze -> silver -> gold -> PostgreSQL
	$(CLI) generate --scale $(SCALE) --seed $(SEED) --out $(RAW)
	$(CLI) ingest all --raw $(RAW)
	$(CLI) silver build
	$(CLI) gold build
	@if [ -z "$$BANSOS_PG_URL" ]; then $(CLI) pg start; fi
	$(CLI) publish
	$(CLI) tables
	@echo
	@echo "Raw files:        $(RAW)/ (ground truth in $(RAW)/_truth/)"
	@echo "Bronze tables:    $(BANSOS_LAKEHOUSE)/bronze/ (bansos360 tables to list them)"
	@echo "Silver tables:    $(BANSOS_LAKEHOUSE)/silver/ (quality results in silver._quality)"
	@echo "Gold marts:       $(BANSOS_LAKEHOUSE)/gold/ (bansos360 gold list; docs/marts.md)"
	@echo "Early warning:    gold.peringatan (also in the log above)"
	@echo "Profile reports:  reports/ (open the HTML files in a browser)"
	@echo "PostgreSQL:       $$($(CLI) pg url)"
	@echo "                  psql \"$$($(CLI) pg url)\" -c 'select * from gold.mart_kpm_overview limit 5'"

test: install ## the full test suite
	$(PY) -m pytest

bench: install ## benchmark: writes bench/results/<date>.json and .md
	$(CLI) bench --scales 0.25,1

pg-binaries: ## PostgreSQL server binaries for the embedded cluster (apt-get when root and missing)
	@if [ -z "$$BANSOS_PG_URL" ] && ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
	  else echo "PostgreSQL server binaries are needed (apt-get install -y postgresql) or set BANSOS_PG_URL"; exit 1; fi; \
	fi

pg: install ## start the embedded PostgreSQL (.pgdata/ or $BANSOS_PG_DATA) and print its URL; reused when running
	$(CLI) pg start

pg-stop: install ## stop the embedded PostgreSQL
	$(CLI) pg stop

publish: install ## publish the built gold marts to PostgreSQL ($BANSOS_PG_URL, else the embedded cluster)
	$(CLI) publish

lint: install
	$(VENV)/bin/ruff check lib jobs dags tests

clean: ## stop the embedded PostgreSQL; remove generated data, lakehouse, reports, the cluster and the venv
	-test -x $(CLI) && $(CLI) pg stop
	rm -rf data lakehouse reports spark-warehouse .pgdata $(VENV) .pytest_cache
