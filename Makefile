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
# Install steps print one line each and keep their output in build/logs/ (scripts/step.sh);
# a failing step shows the end of its log. `make V=1` shows every command and all output.
V ?= 0
export V
STEP := $(SHELL) $(CURDIR)/scripts/step.sh
Q := $(if $(filter 1,$(V)),,@)

.PHONY: install demo test lint spec pytest jest ui-test bench wheel-check matrix clean

install: .stamp-python .stamp-wheelhouse .stamp-build .stamp-ui $(CHROMIUM) .stamp-r

$(BIN)/python:
	$(Q)$(STEP) "Creating the Python environment ($(VENV))" \
	  bash -c '$(PY) -m venv $(VENV) && $(BIN)/python -m pip install --upgrade pip'

.stamp-python: $(BIN)/python pyproject.toml
	$(Q)$(STEP) "Installing Python packages" $(BIN)/pip install -e ".[test]"
	$(Q)touch $@

.stamp-wheelhouse: .stamp-python ucdh_jupyter/demo/wheelhouse.py $(wildcard ucdh_jupyter/demo/notebooks/*.ipynb)
	$(Q)$(STEP) "Downloading the wheels of the demo's run machines" \
	  $(BIN)/python -m ucdh_jupyter.demo.wheelhouse $(UCDH_WHEELHOUSE)
	$(Q)touch $@

.stamp-node: .stamp-python package.json
	$(Q)$(STEP) "Installing JavaScript packages" $(BIN)/jlpm install
	$(Q)touch $@

.stamp-build: .stamp-node $(shell find src style schema -type f 2>/dev/null) tsconfig.json
	$(Q)$(STEP) "Building the frontend" \
	  bash -c '$(BIN)/jlpm build && $(BIN)/jupyter labextension develop --overwrite .'
	$(Q)touch $@

.stamp-ui: .stamp-python ui-tests/package.json
	$(Q)$(STEP) "Installing browser-test packages" bash -c 'cd ui-tests && ../$(BIN)/jlpm install'
	$(Q)touch $@

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "Install Chromium at $(CHROMIUM) first"; exit 1; }
	$(Q)$(STEP) "Installing Chromium (apt-get)" bash -c 'apt-get update && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium'

# R notebooks run on IRkernel (kernel `ir`). Debian's r-cran-irkernel registers it in
# /usr/share/jupyter/kernels, where the venv's Jupyter finds it; elsewhere it is
# registered into the venv. Skipped when Jupyter already knows an `ir` kernel.
.stamp-r: .stamp-python
	@$(BIN)/jupyter kernelspec list | grep -qE '^\s+ir\s' || { \
	  command -v apt-get >/dev/null || { echo "Install R and IRkernel (Jupyter kernel ir) first"; exit 1; }; \
	  $(STEP) "Installing R and IRkernel (apt-get)" bash -c 'apt-get update && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	    r-base-core r-cran-irkernel'; }
	@$(BIN)/jupyter kernelspec list | grep -qE '^\s+ir\s' || \
	  $(STEP) "Registering the R kernel" \
	    R --slave -e 'IRkernel::installspec(prefix = "$(CURDIR)/$(VENV)")'
	$(Q)touch $@

# The demo prints a summary (URL, what runs where, how to stop) once JupyterLab answers;
# V=1 also shows JupyterLab's own log.
demo: .stamp-python .stamp-wheelhouse .stamp-build
	$(Q)$(BIN)/ucdh-jupyter demo $(if $(filter 1,$(V)),--verbose) $(DEMO_ARGS)

lint: .stamp-python .stamp-node
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m ucdh_jupyter.openapi --check
	$(BIN)/jlpm lint:check

# The wire contract: openapi.yaml from the models, then the frontend's types from it.
spec: .stamp-python .stamp-node
	$(BIN)/python -m ucdh_jupyter.openapi
	$(BIN)/jlpm schema

# Two workers, one test file each at a time: the suite mostly waits (stand-in machines
# booting, notebooks running), so it takes ~10 min instead of ~16; a file keeps its
# module fixtures and its order in one worker.
PYTEST_WORKERS ?= 2
pytest: .stamp-python .stamp-wheelhouse
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

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

# The wheel on the oldest and newest supported JupyterLab 4 (and Notebook 7), on Python
# 3.10 and 3.13, with galata smoke tests; MATRIX="3.13-newest ..." picks combinations.
matrix: .stamp-node .stamp-ui $(CHROMIUM)
	scripts/matrix.sh

clean:
	rm -rf .stamp-* lib ucdh_jupyter/labextension dist tsconfig.tsbuildinfo
