# The two commands README.md gives. Both install whatever a fresh machine lacks first.
.PHONY: run test build unit e2e bench coverage clean

PRESET ?= release
# ccache hits across checkouts in different folders (CI builds a fresh clone each run).
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
BIN := build/$(PRESET)/stratus

build:
	scripts/setup.sh
	cmake --preset $(PRESET) >/dev/null
	cmake --build --preset $(PRESET)

run: build
	$(BIN) $(ARGS)

# Release build: unit tests and the end-to-end suite; then the same under ASan and UBSan.
test:
	scripts/setup.sh --test
	cmake --preset release >/dev/null
	cmake --build --preset release
	ctest --preset release
	STRATUS_BIN=$(CURDIR)/build/release/stratus tests/e2e/run.sh
	cmake --preset debug >/dev/null
	cmake --build --preset debug
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ctest --preset debug
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 STRATUS_BIN=$(CURDIR)/build/debug/stratus tests/e2e/run.sh

bench: build
	bench/run.sh

coverage: build
	$(BIN) --coverage > docs/coverage.md

clean:
	rm -rf build
