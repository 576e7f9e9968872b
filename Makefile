# One task runner; CI calls `make test` unchanged.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
export HF_HUB_OFFLINE := 1

.PHONY: install dev run test lint format clean

install: $(VENV)/.installed

# torch first, pinned: 2.13.0 is the CPU build on this machine's disk, while a bare
# `torch` requirement (from sentence-transformers) would pull a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install torch==2.13.0
	$(PIP) install -e .
	touch $@

dev: $(VENV)/.dev

$(VENV)/.dev: $(VENV)/.installed pyproject.toml
	$(PIP) install -e '.[dev]'
	touch $@

run: install
	$(VENV)/bin/newsrag serve

test: dev
	$(VENV)/bin/pytest

lint: dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
