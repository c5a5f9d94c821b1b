# Every target does its own setup, so `make demo` and `make test` work on a fresh machine.
# Stamps make the second run fast: a step reruns only when its inputs changed.

SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export SKIP_JUPYTER_BUILDER := 1
CHROMIUM := /usr/bin/chromium
DEMO_ARGS ?=
# Wheels the stand-in run machines install from (they have no internet): see
# ucdh_jupyter/demo/wheelhouse.py.
export UCDH_WHEELHOUSE := $(CURDIR)/build/wheelhouse

.PHONY: install demo test lint pytest jest ui-test bench wheel-check clean

install: .stamp-python .stamp-wheelhouse .stamp-build .stamp-ui $(CHROMIUM) .stamp-r

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

.stamp-python: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e ".[test]"
	touch $@

.stamp-wheelhouse: .stamp-python ucdh_jupyter/demo/wheelhouse.py
	$(BIN)/python -m ucdh_jupyter.demo.wheelhouse $(UCDH_WHEELHOUSE)
	touch $@

.stamp-node: .stamp-python package.json
	$(BIN)/jlpm install
	touch $@

.stamp-build: .stamp-node $(shell find src style schema -type f 2>/dev/null) tsconfig.json
	$(BIN)/jlpm build
	$(BIN)/jupyter labextension develop --overwrite . >/dev/null
	touch $@

.stamp-ui: .stamp-python ui-tests/package.json
	cd ui-tests && ../$(BIN)/jlpm install
	touch $@

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "Install Chromium at $(CHROMIUM) first"; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# R notebooks run on IRkernel (kernel `ir`). Debian's r-cran-irkernel registers it in
# /usr/share/jupyter/kernels, where the venv's Jupyter finds it; elsewhere it is
# registered into the venv. Skipped when Jupyter already knows an `ir` kernel.
.stamp-r: .stamp-python
	@$(BIN)/jupyter kernelspec list | grep -qE '^\s+ir\s' || { \
	  command -v apt-get >/dev/null || { echo "Install R and IRkernel (Jupyter kernel ir) first"; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends r-base-core r-cran-irkernel >/dev/null; }
	@$(BIN)/jupyter kernelspec list | grep -qE '^\s+ir\s' || \
	  R --slave -e 'IRkernel::installspec(prefix = "$(CURDIR)/$(VENV)")'
	touch $@

demo: .stamp-python .stamp-wheelhouse .stamp-build
	$(BIN)/ucdh-jupyter demo $(DEMO_ARGS)

lint: .stamp-python .stamp-node
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/jlpm lint:check

pytest: .stamp-python .stamp-wheelhouse
	$(BIN)/python -m pytest

jest: .stamp-node
	$(BIN)/jlpm test

ui-test: install
	cd ui-tests && ../$(BIN)/jlpm playwright test

test: install
	$(MAKE) lint
	$(MAKE) pytest
	$(MAKE) jest
	$(MAKE) ui-test
	$(MAKE) wheel-check

bench: .stamp-python
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/submit.py
	$(BIN)/python bench/catalog.py
	$(BIN)/python bench/s3.py $(BENCH_S3_ARGS)  # BENCH_S3_ARGS=--big adds a 4 GiB upload

wheel-check: .stamp-node
	scripts/check_wheel.sh

clean:
	rm -rf .stamp-* lib ucdh_jupyter/labextension dist tsconfig.tsbuildinfo
