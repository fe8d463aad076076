PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test test-domain test-services test-projections test-e2e test-browser chromium scale-test lint format bench clean

$(STAMP): pyproject.toml examples/iso10002/pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (Python >= 3.11) on PATH"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet -e examples/iso10002
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/complaints serve --demo

test: $(STAMP) chromium
	$(BIN)/pytest -q

test-domain: $(STAMP)
	$(BIN)/pytest -q tests/domain

test-services: $(STAMP)
	$(BIN)/pytest -q tests/services

test-projections: $(STAMP)
	$(BIN)/pytest -q tests/projections

test-e2e: $(STAMP) chromium
	$(BIN)/pytest -q tests/e2e

# The console in a real browser (tests/e2e/console), also in `make test` and `make test-e2e`.
test-browser: $(STAMP) chromium
	$(BIN)/pytest -q tests/e2e/console

# Debian's chromium for the browser tests, never a build Playwright downloads; the CJK font
# makes the Chinese pages legible in their screenshots.
chromium:
	command -v chromium >/dev/null 2>&1 || apt-get install -y chromium fonts-wqy-microhei || \
		{ apt-get update && apt-get install -y chromium fonts-wqy-microhei; }

# The deploy topology on loopback: 3 NATS nodes, 2 APIs, 2 workers; kills the stream leader
# and the active worker under load (deploy/README.md, "Scale-out test"). Also in `make test`.
scale-test: $(STAMP)
	$(BIN)/pytest -q -s tests/e2e/test_scale_out.py

# Not part of `make test`: measures the product against its limits (docs/performance.md).
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	command -v wrk >/dev/null 2>&1 || apt-get install -y wrk || \
		{ apt-get update && apt-get install -y wrk; }
	$(BIN)/python -m bench.run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache
