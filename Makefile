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

.PHONY: install demo test bench lint clean jars

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

demo: install ## generate Trenggalek-scale data and run every pipeline stage that exists
	$(CLI) generate --scale $(SCALE) --seed $(SEED) --out $(RAW)
	$(CLI) ingest all --raw $(RAW)
	$(CLI) silver build
	$(CLI) tables
	@echo
	@echo "Raw files:        $(RAW)/ (ground truth in $(RAW)/_truth/)"
	@echo "Bronze tables:    $(BANSOS_LAKEHOUSE)/bronze/ (bansos360 tables to list them)"
	@echo "Silver tables:    $(BANSOS_LAKEHOUSE)/silver/ (quality results in silver._quality)"
	@echo "Profile reports:  reports/ (open the HTML files in a browser)"

test: install ## the full test suite
	$(PY) -m pytest

bench: install ## benchmark: writes bench/results/<date>.json and .md
	$(CLI) bench --scales 0.25,1

lint: install
	$(VENV)/bin/ruff check lib jobs dags tests

clean: ## remove generated data, lakehouse, reports and the venv
	rm -rf data lakehouse reports spark-warehouse $(VENV) .pytest_cache
