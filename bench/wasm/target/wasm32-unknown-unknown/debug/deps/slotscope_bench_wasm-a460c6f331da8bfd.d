/work/main/bench/wasm/target/wasm32-unknown-unknown/debug/deps/slotscope_bench_wasm-a460c6f331da8bfd.d: lib.rs Cargo.toml

/work/main/bench/wasm/target/wasm32-unknown-unknown/debug/deps/libslotscope_bench_wasm-a460c6f331da8bfd.rmeta: lib.rs Cargo.toml

lib.rs:
Cargo.toml:

# env-dep:CLIPPY_ARGS=
# env-dep:CLIPPY_CONF_DIR
