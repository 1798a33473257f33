# moneytrail: the two commands are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo-world
DEMO_SCALE ?= small
PORT ?= 8501
# Extra arguments for `make bench`, e.g. BENCH_ARGS="--scale large" or "--case detection".
BENCH_ARGS ?=
export MONEYTRAIL_HOME ?= $(CURDIR)/moneytrail-data

.PHONY: setup demo test test-spark lint format bench bench-quick clean

# Create or update .venv from pyproject.toml; does nothing when it is current.
setup: $(STAMP)
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
# Then compile the analysis kernels into numba's disk cache on a tiny throwaway world, so that
# the first real analysis loads them instead of compiling (best effort: a failure here only
# means the first analysis compiles).
	@warm=$$(mktemp -d) && MONEYTRAIL_AUDIT_ANCHOR=$$warm/anchor $(VENV)/bin/moneytrail demo \
		--scale tiny --out $$warm/world --home $$warm/home --no-serve >/dev/null 2>&1; rm -rf $$warm
	@touch $(STAMP)

# Generate a synthetic world, ingest it, analyse it and serve the dashboard.
demo: setup
	$(VENV)/bin/moneytrail demo --scale $(DEMO_SCALE) --out $(DEMO_DIR) --port $(PORT)

# Start what the tests need (Neo4j, Chromium); lint (ruff, import layers, mypy); smoke-run the quick benchmarks (no timing
# assertions: it fails only if a case breaks); run the whole suite; stop Neo4j.
test: setup browser
	@$(MAKE) --no-print-directory neo4j-start
	@set -a; [ -f "$(NEO4J_ENV_FILE)" ] && . "$(NEO4J_ENV_FILE)"; set +a; \
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/lint-imports && \
	$(VENV)/bin/mypy && \
	$(VENV)/bin/moneytrail bench --quick --results $$(mktemp -d) && \
	$(VENV)/bin/pytest -p no:cacheprovider --durations=20 $(PYTEST_ARGS); rc=$$?; \
	$(MAKE) --no-print-directory neo4j-stop; exit $$rc

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The benchmarks include Neo4j loading and projection, so they start the project's server too.
bench: setup
	@$(MAKE) --no-print-directory neo4j-start
	@set -a; [ -f "$(NEO4J_ENV_FILE)" ] && . "$(NEO4J_ENV_FILE)"; set +a; \
	$(VENV)/bin/moneytrail bench $(BENCH_ARGS); rc=$$?; \
	$(MAKE) --no-print-directory neo4j-stop; exit $$rc

# The Spark engine's tests (issue 19): installs the spark extra into .venv, then runs tests/spark.
test-spark: setup
	$(PY) -m pip install --quiet -e '.[dev,spark]'
	$(VENV)/bin/pytest -p no:cacheprovider tests/spark $(PYTEST_ARGS)

bench-quick: setup
	@$(MAKE) --no-print-directory BENCH_ARGS=--quick bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache benchmarks/.work

-include mk/*.mk
