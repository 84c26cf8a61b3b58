# The two set-up commands in the README are `make demo` and `make test`; both
# create .venv when it is missing, so a fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The demo needs only the runtime and its CloudWatch stand-in (the `demo` extra: moto's server),
# no test or lint tools: its own stamp, so `make demo` on a fresh machine installs less, and
# `make test` afterwards still installs everything.
RUNTIME_STAMP := $(VENV)/.installed-runtime

.PHONY: install test lint demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(RUNTIME_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[demo]'
	touch $(RUNTIME_STAMP)

install: $(STAMP)

LINTED := reconciler connect_emulator tests $(wildcard benchmarks)

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy

# Four workers on any machine: most of the suite's time is spent waiting on sockets,
# emulated busy groups and subprocesses, not on the CPU.
test: lint
	$(BIN)/pytest -n 4

demo: $(RUNTIME_STAMP)
	$(BIN)/python -m reconciler.app.demo

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache
