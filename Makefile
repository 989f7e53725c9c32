# The two commands: `make run` and `make test`. Both create the environment from the lock file first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CUSTOMERS ?= 10000
MONTHS ?= 12
SEED ?= 42
export BRANCH_RETENTION_DUCKDB ?= $(CURDIR)/data/warehouse.duckdb
export BRANCH_RETENTION_LANDING ?= $(CURDIR)/data/landing
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home

.PHONY: install run test test-fast lint ui lock clean browser postgres java

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# The dbt manifest Dagster loads its assets from: prepared at install, and again whenever the dbt project
# changes, so the definitions import anywhere (a fresh clone, CI) without dbt running at import.
MANIFEST := dbt_project/target/manifest.json
DBT_FILES := $(shell find dbt_project/models dbt_project/macros dbt_project/seeds dbt_project/tests -type f 2>/dev/null) dbt_project/dbt_project.yml dbt_project/profiles.yml
$(MANIFEST): $(STAMP) $(DBT_FILES)
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir .
	touch $(MANIFEST)

install: $(STAMP) $(MANIFEST)

run: install
	@echo "== 1/2 generating the sample bank ($(CUSTOMERS) customers, $(MONTHS) months) =="
	rm -rf $(BRANCH_RETENTION_LANDING)
	$(BIN)/branch-retention generate --customers $(CUSTOMERS) --months $(MONTHS) --seed $(SEED) --out $(BRANCH_RETENTION_LANDING)
	@echo "== 2/2 running the pipeline through Dagster =="
	$(BIN)/branch-retention run

# Debian's Chromium and CJK fonts for the tests that screenshot the Dagster UI and the morning pages
# (installed once, as root, from apt).
browser:
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; } || { \
	  echo "== installing Debian's chromium and fonts-noto-cjk for the screenshot tests =="; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
	  || echo "could not install chromium or fonts-noto-cjk: the screenshot tests may be skipped"; }

# Debian's PostgreSQL server for the engine tests (tests/test_engines.py starts a throwaway cluster from it
# in a temp folder, on localhost only, and stops it afterwards); installed once, as root, from apt.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "== installing Debian's postgresql for the engine tests =="; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
	   && { service postgresql stop >/dev/null 2>&1 || true; }) \
	  || echo "could not install postgresql: the PostgreSQL engine test will be skipped"; }

# A Java runtime for the Spark engine test (pyspark starts a JVM); installed once, as root, from apt.
java:
	@command -v java >/dev/null 2>&1 || { echo "== installing Debian's default-jre-headless for the Spark engine test =="; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null) \
	  || echo "could not install a JRE: the Spark engine test will be skipped"; }

# Two pytest-xdist workers, one per core (dbt runs one model at a time, so one pipeline keeps one core
# busy); a test file stays on one worker, so its module fixtures build once. TEST_WORKERS=0 runs serially.
# ruff over the Python, sqlfluff (dbt templater, DuckDB dialect; .sqlfluff) over the models and singular tests.
# sqlfluff compiles the project against a throwaway warehouse, so the real one is never opened; it takes about
# 3 minutes on 2 shared cores (dbt compiles every model).
LINT_DUCKDB := $(CURDIR)/data/lint/lint.duckdb
lint: install
	$(BIN)/ruff check .
	mkdir -p $(dir $(LINT_DUCKDB)) && rm -f $(LINT_DUCKDB)
	BRANCH_RETENTION_DUCKDB=$(LINT_DUCKDB) $(BIN)/sqlfluff lint dbt_project/models dbt_project/tests --processes 2

TEST_WORKERS ?= 2
test: install lint browser postgres java
	BRANCH_RETENTION_SCREENSHOT_DIR=$(CURDIR)/data/screenshots $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=15

# The fast layer, about a minute: the tests marked `unit` (pure Python, ingestion on tiny files, the dbt project
# read from its manifest, and the dbt unit tests on an empty warehouse: tests/test_dbt_unit_tests.py); no pipeline
# run, no browser, PostgreSQL or Java. `make test` runs these too.
test-fast: install
	$(BIN)/python -m pytest -m unit -n $(TEST_WORKERS) --dist loadfile --durations=10

# Dagster's UI, and beside it the morning pages of the last publication on http://127.0.0.1:$(PAGES_PORT)
# (a plain file server on localhost; it stops with dagster dev).
PAGES_PORT ?= 8080
PUBLISH_DIR ?= $(if $(BRANCH_RETENTION_PUBLISH_DIR),$(BRANCH_RETENTION_PUBLISH_DIR),$(CURDIR)/data/published)
ui: install
	$(BIN)/python -c "from pathlib import Path; from orchestration.lib.settings import prepare_dagster_home; prepare_dagster_home(Path('$(DAGSTER_HOME)'))"
	mkdir -p $(PUBLISH_DIR)/pages
	@echo "== morning pages: http://127.0.0.1:$(PAGES_PORT)/ (from $(PUBLISH_DIR)/pages/current) =="
	$(BIN)/python -m http.server $(PAGES_PORT) --bind 127.0.0.1 --directory $(PUBLISH_DIR)/pages/current & \
	  trap "kill $$!" EXIT; $(BIN)/dagster dev -m orchestration.definitions

lock:
	rm -rf /tmp/branch-retention-lock && $(PYTHON) -m venv /tmp/branch-retention-lock
	/tmp/branch-retention-lock/bin/pip install --quiet -e .
	( echo "# The whole dependency tree, pinned (pip freeze of a clean install of pyproject.toml)."; \
	  echo "# Refresh: make lock"; /tmp/branch-retention-lock/bin/pip freeze --exclude-editable ) > requirements.lock

clean:
	rm -rf $(VENV) data dbt_project/target dbt_project/logs
