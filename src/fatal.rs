//! What the page shows when the app panics.
//!
//! A panic in WebAssembly stops the app for good (the release build aborts).
//! Rather than leave a frozen page, the hook writes the message into the
//! `#fatal` banner of `index.html`, which exists outside the Yew tree, and to
//! the browser console.

use std::panic::PanicHookInfo;

pub fn install_panic_hook() {
    // Through Yew, not `std::panic::set_hook`: Yew's renderer replaces any hook
    // not registered this way with its own console-only one.
    yew::set_custom_panic_hook(Box::new(show_panic));
}

fn show_panic(info: &PanicHookInfo<'_>) {
    let message = format!("Slotscope stopped because of an internal error: {info}");
    web_sys::console::error_1(&message.as_str().into());
    let banner = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("fatal"));
    if let Some(banner) = banner {
        banner.set_text_content(Some(&format!(
            "{message}. Reload the page to start again, and please report this."
        )));
        let _ = banner.remove_attribute("hidden");
    }
}
