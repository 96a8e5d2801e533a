# heapbench - thin driver over CMake.  See README.md.
#   make test     build and run the conformance suite (installs what is missing)
#   make bench    build and run the benchmarks
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all test bench deps clean format tidy

all: test

deps:
	@tools/bootstrap.sh test

$(BUILD)/host/CMakeCache.txt:
	cmake -S . -B $(BUILD)/host -DHB_SANITIZE=ON

test: deps $(BUILD)/host/CMakeCache.txt
	cmake --build $(BUILD)/host -j $(JOBS)
	ctest --test-dir $(BUILD)/host --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h' '*.cc')

tidy: $(BUILD)/host/CMakeCache.txt
	clang-tidy -p $(BUILD)/host $$(git ls-files '*.c')
