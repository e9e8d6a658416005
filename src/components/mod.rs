//! One file per thing on screen.

pub mod cluster_view;
pub mod console;
pub mod controls;
pub mod key_inspector;
pub mod node_panel;
pub mod slot_bar;
