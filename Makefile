# The two commands a new user runs: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test install bench samples clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

## make demo: create .venv, install segkit, segment the sample exports in data/samples/
demo: $(STAMP)
	$(BIN)/segkit segment --config configs/samples.toml --by firmographic,geographic,value --out demo-out --format table
	@echo "All output files are in demo-out/ (open demo-out/report.html in a browser)."

## make test: install the test extras and run the whole suite
test: $(TEST_STAMP)
	$(BIN)/python -m pytest -q

## make samples: rewrite data/samples/ with the seeded generator
samples: $(STAMP)
	$(BIN)/segkit sample data/samples --accounts 300 --seed 7

clean:
	rm -rf $(VENV) demo-out .pytest_cache
