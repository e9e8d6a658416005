/work/main/bench/wasm/target/wasm32-unknown-unknown/debug/deps/crc16-3d7de0bc757ddd73.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/crc16-0.4.0/src/lib.rs /work/main/bench/wasm/target/wasm32-unknown-unknown/debug/build/crc16-77c05f233bc81682/out/tables.rs

/work/main/bench/wasm/target/wasm32-unknown-unknown/debug/deps/libcrc16-3d7de0bc757ddd73.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/crc16-0.4.0/src/lib.rs /work/main/bench/wasm/target/wasm32-unknown-unknown/debug/build/crc16-77c05f233bc81682/out/tables.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/crc16-0.4.0/src/lib.rs:
/work/main/bench/wasm/target/wasm32-unknown-unknown/debug/build/crc16-77c05f233bc81682/out/tables.rs:

# env-dep:OUT_DIR=/work/main/bench/wasm/target/wasm32-unknown-unknown/debug/build/crc16-77c05f233bc81682/out
