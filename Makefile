# The two commands a new user runs: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench
BENCH_SIZES ?= 5M
BENCH_FORMATS ?= parquet,csv.gz,jsonl
BENCH_REPEAT ?= 3
BENCH_SKIP ?= segkit_spark,segkit_segment_spark,pandas_plain
LIFETIMES_VENV := benchmarks/.venv-lifetimes

.PHONY: demo test install bench bench-clv samples clean chromium vendor-vega

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

## make test: install the test extras (and Debian's chromium for the report's browser test) and run the whole suite
test: $(TEST_STAMP) chromium
	$(SAME_FLOATS) $(BIN)/python -m pytest -q

# The golden reports hold fitted figures to 8 decimals, and the CLV fits moved in the 7th digit
# between two x86 machines of this workplace (one without AVX-512). numpy, OpenBLAS and Arrow pick
# their SIMD kernels by CPU, so on x86-64 the tests run the AVX2 kernels on every machine, as the
# recorded figures were made (package versions, not pinned, may move them too).
ifeq ($(shell uname -m),x86_64)
SAME_FLOATS := NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR" OPENBLAS_CORETYPE=Haswell ARROW_USER_SIMD_LEVEL=AVX2
endif

# The browser test needs /usr/bin/chromium: installed as root with apt where missing; elsewhere
# nothing happens here and the test skips saying why.
chromium:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null || echo "chromium: apt-get install failed; the browser test will skip"; }; } || true

# The chart runtime vendored in segkit/writers/charts/vendor/ (npm builds, see its README.md).
VEGA_VERSIONS := vega@6.4.0 vega-lite@6.4.3 vega-embed@7.3.0
vendor-vega:
	rm -rf .vendor-vega && mkdir .vendor-vega && cd .vendor-vega && npm pack --silent $(VEGA_VERSIONS) && \
	  for f in *.tgz; do mkdir "$${f%.tgz}" && tar xzf "$$f" -C "$${f%.tgz}"; done
	cp .vendor-vega/vega-6*/package/build/vega.min.js .vendor-vega/vega-lite-*/package/build/vega-lite.min.js \
	  .vendor-vega/vega-embed-*/package/build/vega-embed.min.js segkit/writers/charts/vendor/
	for p in vega vega-lite vega-embed; do cp .vendor-vega/$$p-[0-9]*/package/LICENSE segkit/writers/charts/vendor/LICENSE-$$p; done
	rm -rf .vendor-vega

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

## make bench: whole runs vs the bare DuckDB query on Parquet, CSV.gz and JSON Lines at BENCH_SIZES
## (default 5M; BENCH_SIZES=5M,20M,50M for the curve), median of BENCH_REPEAT, plus many accounts and start-up
bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/harness.py --sizes $(BENCH_SIZES) --formats $(BENCH_FORMATS) \
	  --repeat $(BENCH_REPEAT) --skip $(BENCH_SKIP) --python $(BIN)/python

## make bench-clv: segkit's BG/NBD + Gamma-Gamma fit against lifetimes (in its own old-numpy venv)
bench-clv: $(STAMP)
	test -x $(LIFETIMES_VENV)/bin/python || ($(PYTHON) -m venv $(LIFETIMES_VENV) && \
	  $(LIFETIMES_VENV)/bin/pip install --quiet "lifetimes==0.11.3" "numpy==1.26.4" "pandas==1.5.3" "scipy==1.11.4" "autograd==1.6.2" "dill==0.3.8")
	$(BIN)/python benchmarks/bench_clv.py --lifetimes-python $(LIFETIMES_VENV)/bin/python --repeats 30

## make samples: rewrite data/samples/ with the seeded generator
samples: $(STAMP)
	$(BIN)/segkit sample data/samples --accounts 300 --seed 7 --force

clean:
	rm -rf $(VENV) demo-out .pytest_cache
