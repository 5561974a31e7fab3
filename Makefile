# WorkOS — the two commands of the README, and a few more for developers.
#   make demo   virtualenv + install + SQLite database + whole suite + admin user, then serve on :8069
#   make test   install what the tests need, then the whole suite on SQLite and on a throwaway PostgreSQL

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_USER ?= admin
DEMO_PASSWORD ?= workos-demo
HOST ?= 127.0.0.1
PORT ?= 8069
PYTEST_ARGS ?=
# The suite waits on servers, browsers and subprocesses more than it computes: three workers on two cores.
# Work stealing: an idle worker takes tests from a busy one, so that a file of slow tests (a deploy killed in each
# of its phases) does not keep one worker busy alone at the end; a file's module-scoped live server is started
# again only on a worker that stole some of its tests.
PYTEST_WORKERS ?= 3
PYTEST := $(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal

.PHONY: install install-test lock assets demo test test-sqlite test-postgresql test-deps lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstalled whenever a lock file or the project metadata changes. requirements.lock is what production runs
# (and what `workos deploy` installs); requirements-test.lock adds the test tools on the same versions.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: requirements-test.lock $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-test.lock
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# Both locks come from pyproject.toml, resolved the same day so that shared packages have the same versions.
lock:
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet --extra test --strip-extras --no-emit-index-url --no-emit-find-links -o requirements-test.lock pyproject.toml

# The TypeScript islands (frontend/), built by Vite into workos/web/static/dist. Rebuilt only when a source,
# the package lock or the build config is newer than the built manifest; npm ci only when the lock changed.
ASSETS_MANIFEST := workos/web/static/dist/.vite/manifest.json
FRONTEND_SOURCES := $(shell find frontend/src -type f 2>/dev/null) frontend/package.json frontend/package-lock.json frontend/vite.config.ts frontend/tsconfig.json
NPM_CHECK = @command -v npm >/dev/null 2>&1 || { echo "make assets: npm is not installed. The editor is built with Node.js 20 and npm: install them (e.g. apt-get install nodejs npm) and run make again." >&2; exit 1; }

frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	$(NPM_CHECK)
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(ASSETS_MANIFEST): frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	$(NPM_CHECK)
	cd frontend && npm run build
	touch $@

assets: $(ASSETS_MANIFEST)

demo: install assets
	$(BIN)/workos module install ipai_workos_affine --demo
	WORKOS_DEMO_PASSWORD='$(DEMO_PASSWORD)' $(BIN)/workos user create $(DEMO_USER) --admin --password-env WORKOS_DEMO_PASSWORD --exists-ok
	$(BIN)/workos demo load --user $(DEMO_USER)
	@echo ""
	@echo "  WorkOS demo: http://$(HOST):$(PORT)/web/login"
	@echo "  login: $(DEMO_USER)   password: $(DEMO_PASSWORD)"
	@echo ""
	$(BIN)/workos serve --host $(HOST) --port $(PORT)

test-deps:
	@bash scripts/ensure-test-deps.sh

test: install-test assets test-deps
	$(PYTEST) --database=sqlite $(PYTEST_ARGS)
	$(PYTEST) --database=postgresql $(PYTEST_ARGS)

test-sqlite: install-test assets test-deps
	$(PYTEST) --database=sqlite $(PYTEST_ARGS)

test-postgresql: install-test assets test-deps
	$(PYTEST) --database=postgresql $(PYTEST_ARGS)

bench: install-test test-deps
	@cat benchmarks/README.md | sed -n '1,40p'

clean:
	rm -rf $(VENV) var .pytest_cache
