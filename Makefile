# heapbench - thin driver over CMake.  See README.md and arch/README.md.
#   make test     build and run the conformance suite on every target in
#                 ARCHES (installs what is missing first)
#   make test ARCHES=mips32      one target only
#   make test-x86                one target, without the bootstrap step
#   make bench    build and run the benchmarks (tools/bench.sh)
#   make gbcompare [A=run B=run]  Google Benchmark's compare.py on two runs'
#                 <target>-gbench.json (default: the two newest complete runs)
#   make test PLUGIN=path/to/myheap.c   the same for a heap of your own
#                 (several files or folders; PLUGIN_CFLAGS="-Iinc -DX=1" for
#                 its sources; PLUGIN_STRICT=1 to compile it with -Werror;
#                 docs/plugging-in.md); `make bench PLUGIN=...` too
#   make test HEAPS=tlsf,my-heap        only those heaps' tests
#   make compare  two run folders figure by figure (A=... B=...; default the
#                 run before results/latest, and latest; ALL=1 every figure)
#   make regress  quick deterministic figures against results/baseline/;
#                 fails on a regression (tools/regress.sh)
#   make baseline re-measure and rewrite the baseline, printing the changes
#   make trend    plots of the figures over commits (results/history/)
#   make fuzz HEAPS=tlsf SECONDS=600    coverage-guided fuzzing with clang's
#                 libFuzzer (tools/fuzz.sh; docs/debug-and-fuzz.md);
#                 FUZZ_JOBS=2 fuzzes two heaps at a time
#
# Targets: host (x86-64, with ASan+UBSan) and the cross targets, one per
# arch/<target>.cmake toolchain file, run under QEMU user mode.  Each target
# builds in $(BUILD)/<target>; its tests are named and labelled after it
# (ctest --test-dir build/mips32 -L mips32).
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# Tests run two per core: many of them wait (a hang killed at its timeout, a
# timer interrupt, a QEMU start), and the waits overlap the work (host
# tests 72 s -> 55 s, x86 47 s -> 37 s on a quiet 2-core machine).
TEST_JOBS ?= $(shell echo $$(( 2 * $(JOBS) )))
ARCHES ?= host x86 mips32 mips32be
HEAPS ?=
WORKLOADS ?=
PLUGIN ?=
PLUGIN_CFLAGS ?=
PLUGIN_STRICT ?=
# Relative plug-in paths start from the folder make was started in (under
# `make -C`, the caller's $PWD).
PLUGIN_BASE ?= $(or $(PWD),$(CURDIR))
export PLUGIN PLUGIN_CFLAGS PLUGIN_STRICT PLUGIN_BASE

# HEAPS (comma- or space-separated) selects tests by their heap label.
# Without it, every test runs but the whole suite through the debug layer
# (label debug-layer; HEAPS=debug:tlsf runs that one).
comma := ,
empty :=
space := $(empty) $(empty)
heap_regex = $(subst $(space),|,$(strip $(subst $(comma), ,$(HEAPS))))
ctest_heaps = $(if $(strip $(HEAPS)),-L '^($(heap_regex))$$' --no-tests=error,-LE '^debug-layer$$')

SECONDS ?= 60

.PHONY: all test bench deps bench-deps gbcompare fuzz clean format tidy compare regress baseline trend

all: test

deps:
	@ARCHES="$(ARCHES)" tools/bootstrap.sh test

bench-deps:
	@ARCHES="$(ARCHES)" tools/bootstrap.sh bench

# Every target runs, even after one failed; then the summary names the
# failures and make exits non-zero.
test: deps
	@mkdir -p $(BUILD); failed=; for t in $(ARCHES); do \
	  start=$$(date +%s); rm -f $(BUILD)/$$t/ctest-junit.xml; \
	  echo "==== heapbench: target $$t ($(BUILD)/$$t) ===="; \
	  if $(MAKE) --no-print-directory test-$$t; then :; else failed="$$failed $$t"; fi; \
	  echo "$$t $$(( $$(date +%s) - start ))" >>$(BUILD)/.test-times.$$$$; \
	done; \
	tools/test-summary.sh $(BUILD) $(BUILD)/.test-times.$$$$ $(ARCHES); rc=$$?; \
	rm -f $(BUILD)/.test-times.$$$$; \
	if [ -n "$$failed" ]; then echo "make test: FAILED on:$$failed" >&2; exit 1; fi; exit $$rc

# One target: configure (again only when the options or the plug-in
# changed), build, run its tests.
test-%: build-%
	@rm -f $(BUILD)/$*/ctest-junit.xml
	ctest --test-dir $(BUILD)/$* --output-on-failure -j $(TEST_JOBS) --output-junit ctest-junit.xml $(ctest_heaps)

build-%: configure-%
	cmake --build $(BUILD)/$* -j $(JOBS)

configure-%:
	@tools/configure.sh $* $(BUILD)/$*

bench: bench-deps
	ARCHES="$(ARCHES)" HEAPS="$(HEAPS)" WORKLOADS="$(WORKLOADS)" BUILD="$(BUILD)" JOBS="$(JOBS)" bash tools/bench.sh

gbcompare:
	@python3 tools/gbcompare.py $(A) $(B)

A ?=
B ?=
ALL ?=
compare:
	@python3 tools/compare.py $(if $(ALL),--all) $(A) $(B)

# The regression gate (tools/regress.sh: the quick mode and why).
REGRESS_ARCHES ?= host x86 mips32
BASELINE ?=
REGRESS_FLAGS ?=
regress_env = REGRESS_ARCHES="$(REGRESS_ARCHES)" HEAPS="$(HEAPS)" WORKLOADS="$(WORKLOADS)" BUILD="$(BUILD)" \
  JOBS="$(JOBS)" BASELINE="$(BASELINE)" REGRESS_FLAGS="$(REGRESS_FLAGS)"
regress:
	@ARCHES="$(REGRESS_ARCHES)" tools/bootstrap.sh test
	@$(regress_env) tools/regress.sh check

baseline:
	@ARCHES="$(REGRESS_ARCHES)" tools/bootstrap.sh test
	@$(regress_env) tools/regress.sh write

# Plots of the history over commits (results/history/ -> results/trend/).
trend:
	@ARCHES=host tools/bootstrap.sh bench
	@python3 tools/history.py trend results/history results/trend

# Fuzzing needs clang: installed for this target only.
fuzz:
	@ARCHES=host tools/bootstrap.sh fuzz
	HEAPS="$(HEAPS)" FUZZ_SECONDS="$(SECONDS)" BUILD="$(BUILD)" tools/fuzz.sh

# The build trees only; the cross-built Google Benchmark in .cache/ stays.
clean:
	rm -rf $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h' '*.cc')

# One clang-tidy process per file (clang-tidy 14 reports a false uninitialised
# va_list in a file checked after another one in the same process).  The QEMU
# plugin is built outside CMake, against the header tools/qemu-plugin-header.sh
# caches: it is checked with that header, and skipped with a message without it.
QEMU_PLUGIN_INC = .cache/qemu-plugin/current/qemu
tidy: configure-host
	@git ls-files '*.c' | grep -v '^tools/qemu-plugin/' | \
	  xargs -P $(JOBS) -n 1 clang-tidy --quiet -p $(BUILD)/host 2>/dev/null
	@if [ -f $(QEMU_PLUGIN_INC)/qemu-plugin.h ]; then \
	  clang-tidy --quiet tools/qemu-plugin/hbpath.c -- -std=c11 -I$(QEMU_PLUGIN_INC) 2>/dev/null; \
	else echo "tidy: $(QEMU_PLUGIN_INC)/qemu-plugin.h missing (tools/qemu-plugin-header.sh); the plugin is not checked"; fi
