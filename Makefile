# crm_platform: `make run` to try it, `make test` to test it. See README.md.
PYTHON ?= python3.11
VENV   ?= .venv
PORT   ?= 5000
BIN    := $(VENV)/bin
PLUGINS := $(wildcard plugins/*/pyproject.toml)
STAMP  := $(VENV)/.installed
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install run worker test test-pg test-e2e bench load clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: install Python 3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml $(PLUGINS)
	$(BIN)/pip install --quiet -e ".[test]"
	@for p in $(dir $(PLUGINS)); do echo "installing plugin $$p"; $(BIN)/pip install --quiet -e "$$p" || exit 1; done
	@touch $(STAMP)

install: $(STAMP) ## Create the virtualenv and install the project and every bundled plugin

run: export CRM_BASE_URL ?= http://127.0.0.1:$(PORT)
run: install ## Migrate, create demo data on first run, start the worker and serve on 127.0.0.1:$(PORT)
	$(BIN)/crm init
	@echo "Starting the background worker and the web server on http://127.0.0.1:$(PORT)"
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/crm worker & \
	$(BIN)/gunicorn --workers 2 --bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app

worker: install ## Run only the background worker
	$(BIN)/crm worker

test: install ## Run the test suite on SQLite (browser tests: make test-e2e)
	$(BIN)/python -m pytest -m "not e2e" -q

test-pg: install ## Run the test suite on PostgreSQL ($(PG_URL))
	CRM_TEST_DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -m "not e2e" -q

test-e2e: install ## Browser tests in headless Chromium
	$(BIN)/python -m pytest -m e2e -q

bench: install ## Time the main pages against a hello-world floor (seeds bench/.cache once); writes bench/results/latest.json
	$(BIN)/python -m bench.run

load: install ## 50 simulated users browse and edit for 60 s on 127.0.0.1; fails on any error
	$(BIN)/python -m bench.load

clean:
	rm -rf $(VENV) instance .pytest_cache
