//! What the screen shows, as plain data computed from the core's state: no
//! yew here, and every function is tested natively. Components take these
//! as props.

pub mod cards;
pub mod cluster_state;
pub mod explain;
pub mod failure;
pub mod network;
pub mod operations;
pub mod settings;
pub mod slot_map;
pub mod tour;
