//! One file per thing on screen.

pub mod key_inspector;
pub mod slot_bar;
