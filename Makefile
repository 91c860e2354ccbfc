# The two commands README.md gives. Both install whatever a fresh machine lacks first.
.PHONY: run test build unit e2e bench coverage clean

PRESET ?= release
BIN := build/$(PRESET)/stratus

build:
	scripts/setup.sh
	cmake --preset $(PRESET) >/dev/null
	cmake --build --preset $(PRESET)

run: build
	$(BIN) $(ARGS)

test:
	scripts/setup.sh --test
	cmake --preset $(PRESET) >/dev/null
	cmake --build --preset $(PRESET)
	ctest --preset $(PRESET)
	STRATUS_BIN=$(CURDIR)/$(BIN) tests/e2e/run.sh

bench: build
	bench/run.sh

coverage: build
	$(BIN) --coverage > docs/coverage.md

clean:
	rm -rf build
