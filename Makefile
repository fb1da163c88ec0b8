# The two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
PIP_INSTALL := $(PIP) install --quiet --disable-pip-version-check --build-constraint build-constraints.txt
HOST   ?= 127.0.0.1
PORT   ?= 8000
# pytest-xdist: one worker per core (each with its own test database and folders).
# A single process, e.g. to debug with pdb: make test PYTEST_ARGS=
PYTEST_ARGS ?= -n auto

export DJANGO_DEBUG ?= 1

.PHONY: run test lint format migrate demo messages compilemessages ci clean bench-import mutation cluster-test

# A stamp per requirements file: pip runs again only when a requirements file changed.
$(VENV)/.python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.x)")'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check --upgrade "pip>=25.3"
	@touch $@

$(VENV)/.installed-runtime: requirements.txt build-constraints.txt $(VENV)/.python-ok
	$(PIP_INSTALL) -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt build-constraints.txt $(VENV)/.python-ok
	$(PIP_INSTALL) -r requirements-dev.txt
	@touch $@ $(VENV)/.installed-runtime

$(VENV)/.installed-mutation: requirements-mutation.txt requirements.txt requirements-dev.txt build-constraints.txt $(VENV)/.python-ok
	$(PIP_INSTALL) -r requirements-mutation.txt
	@touch $@ $(VENV)/.installed-dev $(VENV)/.installed-runtime

run: $(VENV)/.installed-runtime
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo --if-empty
	$(PY) manage.py send_reminders --no-mail
	@echo ""
	@echo "  Open http://$(HOST):$(PORT)/   (stop with Ctrl+C)"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed-dev
	@mkdir -p var
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrate: $(VENV)/.installed-runtime
	$(PY) manage.py migrate

demo: $(VENV)/.installed-runtime
	$(PY) manage.py load_demo

# Needs GNU gettext (xgettext, msgfmt) on the developer's machine; the compiled .mo files
# are committed so that nothing needs gettext at run time.
messages: $(VENV)/.installed-dev
	$(PY) manage.py makemessages --locale zh_Hans --no-obsolete --no-location --ignore '.venv/*' --ignore 'var/*'
	$(PY) manage.py compilemessages --locale zh_Hans --ignore '.venv/*'

ci:
	bash .ci/run

# Two app hosts in network namespaces behind haproxy, PostgreSQL with a streaming replica,
# Redis, an S3 server and an RQ worker, built, checked through HTTP and removed again
# (deploy/cluster/cluster_test.py says what it proves). Needs root; about two minutes.
cluster-test: $(VENV)/.installed-dev
	$(PY) deploy/cluster/cluster_test.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache mutants

bench-import: $(VENV)/.installed-dev
	$(PY) bench/import_bench.py

# Mutation testing (not in CI; about half an hour on two cores): mutmut changes the code of the
# modules listed in pyproject.toml one small change at a time and runs the tests that call
# the changed function; a change no test notices "survives". Prints killed / total and
# writes the survivors with their diffs to var/mutation-survivors.txt.
# One module: make mutation MUTANTS='tracker.workflow*'. Parallel runs: MUTATION_JOBS.
MUTATION_JOBS ?= 2
MUTANTS ?=
mutation: $(VENV)/.installed-mutation
	@mkdir -p var
	rm -rf mutants
	@echo "mutmut runs (about half an hour for the whole set); progress: tail -f var/mutation.log"
	$(VENV)/bin/mutmut run --max-children $(MUTATION_JOBS) $(MUTANTS) > var/mutation.log 2>&1 \
		|| { tail -c 3000 var/mutation.log; exit 1; }
	$(PY) tests/mutation/report.py
