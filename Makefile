# Écoute — the two commands of the quick start are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE := ecoute.settings

.PHONY: demo test bench install system-test-deps lint format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput -v0
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo
	DJANGO_DEBUG=1 $(PY) manage.py seed_directory
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo_contacts
	DJANGO_DEBUG=1 $(PY) manage.py seed_programme
	DJANGO_DEBUG=1 $(PY) manage.py seed_selfhelp
	$(PY) tools/run_demo.py

# Debian's Chromium (browser tests), coturn (TURN relay tests), redis-server (the Redis outage test
# stops and restarts a Redis of its own) and the PostgreSQL client tools (the restore drill's
# pg_dump and pg_restore, the health-data canary test's dump), and Pango (WeasyPrint's certificates),
# installed when missing.
system-test-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v turnserver >/dev/null || missing="$$missing coturn"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v pg_restore >/dev/null || missing="$$missing postgresql-client"; \
	/sbin/ldconfig -p | grep -q libpangoft2-1.0.so.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	command -v kamailio >/dev/null || missing="$$missing kamailio"; \
	ls /usr/lib/*/kamailio/modules/uuid.so >/dev/null 2>&1 || missing="$$missing kamailio-extra-modules"; \
	command -v sipp >/dev/null || missing="$$missing sip-tester"; \
	command -v espeak-ng >/dev/null || missing="$$missing espeak-ng"; \
	command -v sox >/dev/null || missing="$$missing sox"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing$$missing from Debian…"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# The whole suite on the configured database (DATABASE_URL, else SQLite); when that is PostgreSQL,
# the claims that must hold on both engines run once more on SQLite.
test: $(STAMP) system-test-deps lint
	DJANGO_DEBUG=1 $(PY) manage.py collectstatic --noinput -v0
	@# The tests without a browser on two workers, each with its own databases (tests/support/workers.py);
	@# then the browser tests in one process, so that two Chromiums and their servers never share the two
	@# cores with each other. --durations: the slowest tests, to keep the suite under 20 minutes.
	DJANGO_DEBUG=1 $(PY) -m pytest -n 2 -m "not browser" --durations=20
	DJANGO_DEBUG=1 $(PY) -m pytest -m browser --durations=10
	@if [[ "$${DATABASE_URL:-}" == postgres* ]]; then \
	  echo "Again on SQLite: the claims that must hold on both engines"; \
	  DATABASE_URL= DJANGO_DEBUG=1 $(PY) -m pytest -m "not postgres" tests/calls/test_concurrent_taps.py \
	    tests/selfhelp/test_resources.py::test_search_on_sqlite_finds_words_anywhere; \
	fi

# The code's form, checked by `make test`: ruff's linter and formatter (settings in pyproject.toml).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Format the code and apply the linter's safe fixes.
format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Every benchmark with the production settings (bench/run.py collects the static files under them);
# fails naming each target missed. `make bench ONLY="router_load board_fanout"` runs some of them.
bench: $(STAMP) system-test-deps
	env -u DJANGO_DEBUG $(PY) bench/run.py $(ONLY)

clean:
	rm -rf $(VENV) staticfiles artifacts .pytest-db.sqlite3*
