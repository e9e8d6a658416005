//! The Slotscope simulation core: a model of a Redis Cluster that runs
//! anywhere Rust runs, with no dependency on a browser.
//!
//! It grows issue by issue; today it knows how keys map to slots (`slot`) and
//! how `redis-cli --cluster create` lays slots out over masters (`layout`).

pub mod layout;
pub mod reply;
pub mod slot;

pub use layout::{Addr, Layout, LayoutError, LayoutMaster, SlotRange};
pub use reply::{Protocol, Reply};
pub use slot::{explain, key_hash_slot, HashedPart, KeySlot, Slot, SLOT_COUNT, SLOT_MASK};
