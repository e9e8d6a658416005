//! The Slotscope simulation core: a model of a Redis Cluster that runs
//! anywhere Rust runs, with no dependency on a browser.
//!
//! What it holds so far: key → slot (`slot`), the slot split of
//! `redis-cli --cluster create` (`layout`), the cluster and each node's view
//! (`cluster`), a node's db (`keyspace`), Redis's routing rules (`routing`),
//! command execution (`command`), replies on the wire (`reply`) and as
//! redis-cli prints them (`render`).

pub mod bus;
pub mod client;
pub mod cluster;
pub mod command;
pub mod config;
pub mod console;
pub mod glob;
pub mod keyspace;
pub mod layout;
pub mod list_map;
pub mod node;
pub mod operator;
pub mod order;
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
pub mod timeline;
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
