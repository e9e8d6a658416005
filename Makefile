# The two commands a new user needs: `make serve` and `make test`.
# Both install whatever is missing first (scripts/setup.sh) and skip what is there.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c

# wasm-opt comes from npm's binaryen (see tools/binaryen); cargo-installed tools from ~/.cargo/bin.
export PATH := $(CURDIR)/tools/binaryen/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: serve test dist build-dist setup lint unit e2e size bench clean differential

## make serve: build and serve the app on http://127.0.0.1:8080/ with live reload
serve:
	scripts/setup.sh build
	trunk serve --offline --address 127.0.0.1 --port 8080

## make test: every check — format, lints (native and wasm32), native tests, release build, browser test
test:
	scripts/setup.sh test
	$(MAKE) --no-print-directory lint unit build-dist size e2e

## make dist: optimized static build in dist/, working from any sub-path of any static server
dist:
	scripts/setup.sh build
	$(MAKE) --no-print-directory build-dist size

build-dist:
	trunk build --release --offline --public-url ./
	python3 scripts/add-csp.py dist/index.html

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	cargo clippy --workspace --all-targets --locked --target wasm32-unknown-unknown -- -D warnings

# SLOTSCOPE_REQUIRE_REDIS: the differential test fails, instead of skipping, without redis-server.
unit:
	SLOTSCOPE_REQUIRE_REDIS=1 cargo test --workspace --locked

size:
	scripts/size-report.sh

## make differential SEEDS=1-20 N=5000: seeded random command streams against a real Redis cluster
SEEDS ?= 1,2,3
N ?= 1000
differential:
	scripts/setup.sh test
	SLOTSCOPE_REQUIRE_REDIS=1 SLOTSCOPE_SEEDS=$(SEEDS) SLOTSCOPE_N=$(N) \
		cargo test --locked -p slotscope-sim --test differential random_streams -- --nocapture

e2e:
	node --test --test-reporter=spec e2e/

## make bench: throughput report of the simulation core (not part of make test: timings vary)
bench:
	cargo run --profile bench --locked -p slotscope-sim --example bench
	@echo "cluster bus in WebAssembly (the same core, run by Node)"
	cargo build --release --offline --manifest-path bench/wasm/Cargo.toml \
		--target wasm32-unknown-unknown --target-dir target/bench-wasm
	node bench/wasm/run.mjs target/bench-wasm/wasm32-unknown-unknown/release/slotscope_bench_wasm.wasm

clean:
	cargo clean
	rm -rf dist
