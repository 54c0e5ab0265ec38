# Tautoko: `make run` starts the demo, `make test` runs the whole suite.
# Both create the virtual environment and install everything on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help install prepare run test lint format messages bench bench-smoke wrk clean

help:
	@echo "make run    - set up, load the demo petition and start web server + worker"
	@echo "make test   - set up and run the whole test suite"
	@echo "make lint   - ruff, mypy and bandit"
	@echo "make messages - update the te reo Māori catalogue from the code (and the country names from the CLDR), and compile it"
	@echo "make bench  - the surge benchmark (see docs/performance.md)"

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Tautoko needs Python 3.11 or newer (set PYTHON=python3.x)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

prepare: install
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0

run: export TAUTOKO_DEMO ?= 1
run: prepare
	$(BIN)/python manage.py demo_load
	$(BIN)/python manage.py serve

test: install
	$(BIN)/pytest

# The load generator is wrk (Debian's package); installed here when missing and run as root.
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing wrk from Debian's packages"; \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null || \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }; \
		else echo "make bench needs wrk: sudo apt-get install wrk" >&2; exit 1; fi; }

bench: install wrk
	$(BIN)/python bench/run.py

bench-smoke: install wrk
	$(BIN)/python bench/run.py --smoke --output var/bench-smoke.json

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy tautoko
	$(BIN)/bandit -c pyproject.toml -r tautoko --severity-level medium --quiet

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The te reo Māori catalogue (locale/mi): collect the project's own strings (not those of the
# virtual environment, the tests or the benchmark), then compile the .mo that is committed
# beside the .po. Needs GNU gettext (Debian: apt-get install gettext).
MAKEMESSAGES_IGNORE := --ignore=.venv --ignore=tests --ignore=bench --ignore=var \
	--ignore=docs --ignore=tautoko.egg-info

messages: install
	DEBUG=1 $(BIN)/python manage.py makemessages -l mi --no-obsolete $(MAKEMESSAGES_IGNORE)
	DEBUG=1 $(BIN)/python manage.py countries_catalog -l mi
	DEBUG=1 $(BIN)/python manage.py compilemessages -l mi --ignore=.venv

clean:
	rm -rf $(VENV) var
