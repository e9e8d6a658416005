//! The Slotscope simulation core: a model of a Redis Cluster that runs
//! anywhere Rust runs, with no dependency on a browser.
//!
//! Two sides. The node side: one node's own state (`node`) and its handlers
//! for a bus message or cron tick (`bus`, `replica_migration`), a command on
//! a connection (`command`, `routing`, `script`, with the connection's
//! server-side state in `connection`) and a replication entry
//! (`replication`), which reach the world only through `node::Io`; its
//! settings (`config`) and keyspace (`keyspace`). The world side: the nodes,
//! connections, clock, queue, network, replication links and faults
//! (`cluster`, `world`), and beside the world, in a `session`, the clients
//! and the console (`client`, `console`) and the `redis-cli --cluster`
//! operator (`resharding`, `operator`); `timeline`
//! replays sessions. Neutral: key → slot (`slot`), the slot split of
//! `redis-cli --cluster create` (`layout`), replies on the wire (`reply`) and
//! as redis-cli prints them (`render`), the `trace`.

pub mod bus;
pub mod client;
pub mod cluster;
pub mod command;
pub mod config;
pub mod connection;
pub mod console;
pub mod function;
pub mod glob;
pub mod help;
pub mod json;
pub mod keyspace;
pub mod layout;
pub mod list_map;
pub mod long_double;
pub mod node;
pub mod operator;
pub mod order;
pub mod rdb;
pub mod render;
pub mod replica_migration;
pub mod replication;
pub mod reply;
pub mod resharding;
pub mod rng;
pub mod routing;
pub mod script;
pub mod session;
pub mod slot;
pub mod stream;
pub mod timeline;
pub mod tour;
pub mod trace;
pub mod world;

/// The network lives in the world; the old path still names it.
pub use world::network;

/// The Redis version whose behaviour the simulator reproduces.
pub const REDIS_VERSION: &str = "7.0.15";

pub use cluster::{Cluster, ConnId, NodeIdx, Role};
pub use layout::{Addr, Layout, LayoutError, LayoutMaster, SlotRange};
pub use reply::{Protocol, Reply};
pub use slot::{explain, key_hash_slot, HashedPart, KeySlot, Slot, SLOT_COUNT, SLOT_MASK};
