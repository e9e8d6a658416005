//! The Slotscope web app. It renders what the simulation core
//! (`slotscope-sim`) computes and turns gestures into calls on it; no Redis
//! rule lives here.

pub mod animation;
pub mod app;
pub mod components;
pub mod docs_loader;
pub mod embed;
#[cfg(target_arch = "wasm32")]
pub mod fatal;
pub mod host;
pub mod host_bridge;
pub mod link;
pub mod location;
pub mod msg;
pub mod studio;
pub mod tour_loader;
pub mod tour_player;
pub mod view;

pub use app::App;
