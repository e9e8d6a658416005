/work/main/bench/wasm/target/wasm32-unknown-unknown/debug/deps/slotscope_sim-d9301f611b812cb4.d: /work/main/crates/sim/src/lib.rs /work/main/crates/sim/src/bus.rs /work/main/crates/sim/src/client.rs /work/main/crates/sim/src/cluster.rs /work/main/crates/sim/src/command/mod.rs /work/main/crates/sim/src/command/cluster_cmd.rs /work/main/crates/sim/src/command/data.rs /work/main/crates/sim/src/command/migrate.rs /work/main/crates/sim/src/command/parse.rs /work/main/crates/sim/src/command/table.rs /work/main/crates/sim/src/keyspace.rs /work/main/crates/sim/src/layout.rs /work/main/crates/sim/src/network.rs /work/main/crates/sim/src/render.rs /work/main/crates/sim/src/replica_migration.rs /work/main/crates/sim/src/reply.rs /work/main/crates/sim/src/resharding.rs /work/main/crates/sim/src/rng.rs /work/main/crates/sim/src/routing.rs /work/main/crates/sim/src/script.rs /work/main/crates/sim/src/slot.rs /work/main/crates/sim/src/timeline.rs /work/main/crates/sim/src/trace.rs

/work/main/bench/wasm/target/wasm32-unknown-unknown/debug/deps/libslotscope_sim-d9301f611b812cb4.rmeta: /work/main/crates/sim/src/lib.rs /work/main/crates/sim/src/bus.rs /work/main/crates/sim/src/client.rs /work/main/crates/sim/src/cluster.rs /work/main/crates/sim/src/command/mod.rs /work/main/crates/sim/src/command/cluster_cmd.rs /work/main/crates/sim/src/command/data.rs /work/main/crates/sim/src/command/migrate.rs /work/main/crates/sim/src/command/parse.rs /work/main/crates/sim/src/command/table.rs /work/main/crates/sim/src/keyspace.rs /work/main/crates/sim/src/layout.rs /work/main/crates/sim/src/network.rs /work/main/crates/sim/src/render.rs /work/main/crates/sim/src/replica_migration.rs /work/main/crates/sim/src/reply.rs /work/main/crates/sim/src/resharding.rs /work/main/crates/sim/src/rng.rs /work/main/crates/sim/src/routing.rs /work/main/crates/sim/src/script.rs /work/main/crates/sim/src/slot.rs /work/main/crates/sim/src/timeline.rs /work/main/crates/sim/src/trace.rs

/work/main/crates/sim/src/lib.rs:
/work/main/crates/sim/src/bus.rs:
/work/main/crates/sim/src/client.rs:
/work/main/crates/sim/src/cluster.rs:
/work/main/crates/sim/src/command/mod.rs:
/work/main/crates/sim/src/command/cluster_cmd.rs:
/work/main/crates/sim/src/command/data.rs:
/work/main/crates/sim/src/command/migrate.rs:
/work/main/crates/sim/src/command/parse.rs:
/work/main/crates/sim/src/command/table.rs:
/work/main/crates/sim/src/keyspace.rs:
/work/main/crates/sim/src/layout.rs:
/work/main/crates/sim/src/network.rs:
/work/main/crates/sim/src/render.rs:
/work/main/crates/sim/src/replica_migration.rs:
/work/main/crates/sim/src/reply.rs:
/work/main/crates/sim/src/resharding.rs:
/work/main/crates/sim/src/rng.rs:
/work/main/crates/sim/src/routing.rs:
/work/main/crates/sim/src/script.rs:
/work/main/crates/sim/src/slot.rs:
/work/main/crates/sim/src/timeline.rs:
/work/main/crates/sim/src/trace.rs:
