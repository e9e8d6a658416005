//! The page's address: the link in the URL's fragment is read when the
//! page opens (and when the fragment changes), and kept current with
//! `history.replaceState` as the user acts, so that a reload restores the
//! same moment; "Copy link" puts it on the clipboard. Natively (tests)
//! there is no address: these do nothing.

/// The fragment without its `#`, if there is one.
pub fn fragment() -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        let hash = web_sys::window()?.location().hash().ok()?;
        let hash = hash.strip_prefix('#').unwrap_or(&hash).to_string();
        (!hash.is_empty()).then_some(hash)
    }
    #[cfg(not(target_arch = "wasm32"))]
    None
}

/// The query string without its `?` (embed mode's parameters).
pub fn query() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let search = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        search.strip_prefix('?').unwrap_or(&search).to_string()
    }
    #[cfg(not(target_arch = "wasm32"))]
    String::new()
}

/// The page's address without its query and fragment (the full page, for
/// "Open in Slotscope").
pub fn page_address() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| {
                let l = w.location();
                Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?))
            })
            .unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    String::new()
}

/// Replaces the fragment (no new history entry, no reload, no scroll).
pub fn set_fragment(link: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(window) = web_sys::window() else {
            return;
        };
        let current = window.location().hash().unwrap_or_default();
        if current.strip_prefix('#') == Some(link) {
            return;
        }
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(
                &wasm_bindgen::JsValue::NULL,
                "",
                Some(&format!("#{link}")),
            );
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = link;
}

/// The whole address, for "Copy link".
pub fn href() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| w.location().href().ok())
            .unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    String::new()
}

/// Puts `text` on the clipboard (the browser may refuse: then nothing).
pub fn copy(text: &str) {
    #[cfg(target_arch = "wasm32")]
    if let Some(window) = web_sys::window() {
        let promise = window.navigator().clipboard().write_text(text);
        // A browser that refuses (no permission) rejects the promise: that
        // is not an error of the page, so it is caught and dropped.
        let ignore =
            wasm_bindgen::closure::Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(|_| {});
        let _ = promise.catch(&ignore);
        ignore.forget();
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = text;
}

/// Opens the link when the address's fragment changes by other hands than
/// ours (typed or pasted in the address bar; `replaceState` fires no
/// `hashchange`).
#[cfg(target_arch = "wasm32")]
#[yew::hook]
pub fn use_hash_changes(dispatch: yew::Callback<crate::msg::Msg>) {
    yew::use_effect_with((), move |_| {
        use wasm_bindgen::{closure::Closure, JsCast};
        let listener = Closure::<dyn FnMut()>::new(move || {
            if let Some(text) = fragment() {
                dispatch.emit(crate::msg::Msg::OpenLink(text));
            }
        });
        if let Some(w) = web_sys::window() {
            let _ =
                w.add_event_listener_with_callback("hashchange", listener.as_ref().unchecked_ref());
        }
        // The page lives as long as the app: the listener too.
        listener.forget();
        || ()
    });
}

/// Natively there is no address bar.
#[cfg(not(target_arch = "wasm32"))]
#[yew::hook]
pub fn use_hash_changes(_dispatch: yew::Callback<crate::msg::Msg>) {}
