# Two commands after cloning: `make run` and `make test`. Both install what they need.
SHELL := /bin/bash
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: run build test test-unit test-integration bench tools test-tools clean-data

## Build in release mode and serve Steward at http://127.0.0.1:3000 on SQLite.
run: build
	STEWARD_SITE_ROOT=target/site ./target/release/steward serve

## Release build of the server and the WASM bundle.
build: tools
	cargo leptos build --release --precompress --split

tools:
	@bash scripts/install-build-tools.sh

test-tools:
	@bash scripts/install-test-tools.sh

## Unit tests, integration tests on SQLite and PostgreSQL, Playwright in Chromium.
test: tools test-tools
	@bash scripts/test.sh all

test-unit:
	@bash scripts/test.sh unit

test-integration: test-tools
	@bash scripts/test.sh integration

## Sign-in throughput against the physical limit, the Users page with 10,000 users, and the
## other sections in README's benchmark part (the Salesforce sync needs the stand-in).
bench: build test-tools
	cargo build --release -p server --bin steward-bench
	cargo build --release -p salesforce-standin
	./target/release/steward-bench

clean-data:
	rm -rf data
