# The README's commands. `make run` and `make test` are the two a new user needs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
VC := $(VENV)/bin/victimcare
HOST ?= 127.0.0.1
PORT ?= 8000
SEED ?= 1
CRIMES ?= 10000

.PHONY: run test setup setup-test assets browser check bench clean

## run: install everything, build the embedded SQLite database with London demo data, serve on http://127.0.0.1:8000
run: setup assets
	$(VC) manage migrate -v0
	$(VC) demo --seed $(SEED) --if-empty --crimes $(CRIMES) --epoch today
	$(VC) serve --host $(HOST) --port $(PORT)

## test: install what the tests need and run the whole suite (SQLite, PostgreSQL, Chromium)
test: setup-test assets browser
	scripts/test.sh

setup: $(VENV)/.runtime
setup-test: $(VENV)/.test

$(VENV)/bin/python:
	@py="$$(scripts/find-python.sh)" && echo "Using $$py" && "$$py" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	scripts/ensure-pdf-libs.sh $(PY)
	touch $@

$(VENV)/.test: pyproject.toml | $(VENV)/bin/python
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(PY) -m pip install --quiet -e '.[test]'
	scripts/ensure-pdf-libs.sh $(PY)
	touch $@ $(VENV)/.runtime

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## assets: compile GOV.UK Frontend and MOJ Frontend with Sass into var/static-build
assets: node_modules/.installed
	scripts/build-assets.sh

## browser: Debian's Chromium for the browser tests (browser downloads are impossible here)
browser:
	@scripts/ensure-chromium.sh

## check: lint, format check, migrations check, deploy check
check: setup-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VC) manage makemigrations --check --dry-run
	scripts/check-deploy.sh

## bench: run the benchmarks and write their results under benchmarks/results/
bench: setup-test
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) node_modules var
