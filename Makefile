# One entry point for people and CI. Everything installs from this repo's own files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install browser office postgres azurite demo run test test-unit lint contract soak bench ui docs clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

demo: install  ## synthetic region into data/landing, one run, summary
	$(BIN)/placements demo

run: install
	$(BIN)/placements run

browser:  ## Debian's Chromium, for the test that opens the Dagster UI
	command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

office:  ## LibreOffice Calc (headless), for the test that opens the generated template
	command -v soffice >/dev/null 2>&1 || (apt-get update -qq && \
		apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >/dev/null)

postgres:  ## Debian's PostgreSQL server, for the tests of the regional hub profile (a server per test session)
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || (apt-get update -qq && \
		apt-get install -y -qq --no-install-recommends postgresql >/dev/null)

AZURITE := .azurite/node_modules/.bin/azurite-blob
azurite: $(AZURITE)  ## Azurite (npm), the Azure Blob endpoint of the az:// landing tests
$(AZURITE):
	command -v npm >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null)
	npm install --prefix .azurite --no-audit --no-fund --silent azurite@3.37.0

LINTED := ingest warehouse publish analytics orchestration synthetic tests benchmarks

test: install browser office postgres azurite lint  ## the whole suite: lint, contract checks, unit and end-to-end tests
	@# two workers (the CI machine has two cores), one per test file, in the files' order: the long end-to-end
	@# files first, the short unit files last to fill the end (xdist's default, most tests first, can leave
	@# a long end-to-end file for last while the other worker waits)
	$(BIN)/pytest -q -n 2 --dist loadfile --no-loadscope-reorder

test-unit: install
	$(BIN)/pytest -q -m "not e2e"

lint: install  ## Python (ruff), SQL (sqlfluff), and dbt files generated from the contract are current
	$(BIN)/ruff check $(LINTED)
	$(BIN)/python -m warehouse.transform.generate --check
	@# sqlfluff in two processes: 19 -> 10 s of every `make test` (its pool leaves a semaphore that the
	@# resource tracker warns about at exit: noise)
	PYTHONWARNINGS="ignore::UserWarning:multiprocessing.resource_tracker" \
		$(BIN)/sqlfluff lint dbt_project/models --disable-progress-bar --nocolor --processes 2

contract: install  ## regenerate dbt's staging model and controlled values from ingest/standard/*.yaml
	$(BIN)/python -m warehouse.transform.generate

soak: install  ## 30 simulated nights with random kills, hostile files and concurrent runs (a few minutes)
	$(BIN)/python -m tests.soak 30

bench: install  ## gate throughput; national backfill against the floor, a night, growth (printed, not asserted)
	$(BIN)/python -m benchmarks.gate_throughput
	$(BIN)/python -m benchmarks.backfill 153 80 --growth 40,160

ui: install  ## Dagster UI on http://127.0.0.1:3000 with the instance under data/ (or in PostgreSQL: PLACEMENTS_DAGSTER_PG_URL)
	HOME_ABS=$$(realpath -m $${PLACEMENTS_HOME:-$(CURDIR)/data}) && \
		INSTANCE=$$([ -n "$$PLACEMENTS_DAGSTER_PG_URL" ] && echo $(CURDIR)/deploy/dagster-postgres || echo $(CURDIR)) && \
		PLACEMENTS_DAGSTER_PG_URL=$$(echo "$$PLACEMENTS_DAGSTER_PG_URL" | sed -E 's#^postgres(ql)?://#postgresql+psycopg2://#') \
		PLACEMENTS_HOME=$$HOME_ABS DAGSTER_HOME=$$INSTANCE PLACEMENTS_DAGSTER_STORAGE=$$HOME_ABS/dagster \
		$(BIN)/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

docs: install  ## dbt docs, generated offline into dbt_project/target
	cd dbt_project && PLACEMENTS_HOME=$${PLACEMENTS_HOME:-$(CURDIR)/data} \
		../$(BIN)/dbt docs generate --profiles-dir . --static

clean:
	rm -rf dbt_project/target dbt_project/logs .pytest_cache .ruff_cache .azurite
