# hemisec: two commands on a fresh machine: `make build` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build real test lint validate demo docs benchmark wheel clean chromium report

# The virtual environment is rebuilt only when the project's dependencies change.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## build: install into .venv, validate the tables and build build/hemisec.duckdb (skipped
## when no input changed) with its exports beside it (CSV, XLSX, Parquet, SDMX-CSV, datapackage.json)
build: $(STAMP)
	$(BIN)/hemisec build

## validate: hemisec's checks and frictionless on datapackage.json
validate: $(STAMP)
	$(BIN)/hemisec validate datapackage.json --max-per-check 5
	$(BIN)/frictionless validate datapackage.json > /dev/null && echo "frictionless: datapackage.json is valid"

## real: import every public file found in REALDATA into build/realdata/ and build
## build/hemisec-real.duckdb (exports in build/real/); nothing imported is committed
REALDATA ?= ../shared/realdata
real: $(STAMP)
	$(BIN)/hemisec import-all $(REALDATA) --out build/realdata
	$(BIN)/hemisec build --data build/realdata --out build/hemisec-real.duckdb \
		--exports build/real --accept-inconsistent

## test: lint, check the README is generated from the schemas, run the test suite (one
## worker per core, a test file per worker so module fixtures are made once, the longest
## files first)
test: $(STAMP) lint chromium
	$(BIN)/hemisec docs --check
	$(BIN)/pytest -n auto --dist loadfile --no-loadscope-reorder

## chromium: Debian's headless Chromium, for the tests that look at pages as a person does
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		chromium >/dev/null; }

## report: the offline report site of the demo build in build/report, and the README's
## screenshots of it and of a validation report in docs/img
report: build chromium
	$(BIN)/hemisec report --database build/hemisec.duckdb --out build/report
	$(BIN)/python -m hemisec.publish.screenshots build/report docs/img
	$(BIN)/python -m hemisec.publish.screenshots --validation-report docs/img/validation-report.png

lint: $(STAMP)
	$(BIN)/ruff check hemisec tests benchmarks

## demo: regenerate the synthetic demo tables in data/
demo: $(STAMP)
	$(BIN)/hemisec demo --out data

## docs: regenerate the README's generated sections from the package, and the example
## queries' output from the demo build
docs: build
	$(BIN)/hemisec docs --database build/hemisec.duckdb

## benchmark: time validation of 1M and 5M-row submissions against frictionless and a bare
## DuckDB scan (benchmarks/results.json, the README's table), the demo build and the report site
benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench_validate.py
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_report.py
	$(BIN)/hemisec docs

## wheel: the installable package in dist/ (schemas, reference tables and transforms inside)
wheel: $(STAMP)
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir dist .
	@ls dist/*.whl

clean:
	rm -rf build dist .setuptools-build $(VENV) .pytest_cache .ruff_cache
