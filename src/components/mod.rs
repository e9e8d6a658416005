//! One file per thing on screen.

pub mod cluster_view;
pub mod console;
pub mod controls;
pub mod event_log;
pub mod key_inspector;
pub mod message_panel;
pub mod node_panel;
pub mod operations;
pub mod slot_bar;
pub mod state_banner;
pub mod tour_panel;
pub mod widgets;
