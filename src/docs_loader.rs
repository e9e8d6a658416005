//! The command docs (COMMAND DOCS, the console's `help` and hints) are not
//! in the page's WebAssembly: 19 KB gzipped that the first download need
//! not carry. The page fetches the JSON file Trunk copies next to it, once
//! it has rendered, and hands the text to the core. Should that fail, the
//! core says why whenever the docs are asked for; nothing else depends on
//! them.

/// The file's name in `dist/`, fetched relative to the page (so the page
/// works under any path, and inside a frame on another origin, where the
/// request still goes to the page's own origin).
pub const DOCS_FILE: &str = "command-docs-7.0.15.json";

#[cfg(target_arch = "wasm32")]
pub fn fetch_docs() {
    use slotscope_sim::command::docs;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};

    let Some(window) = web_sys::window() else {
        docs::failed("no window");
        return;
    };
    let on_response: Closure<dyn FnMut(JsValue)> = Closure::once(|response: JsValue| {
        let response = match response.dyn_into::<web_sys::Response>() {
            Ok(r) if r.ok() => r,
            Ok(r) => return docs::failed(&format!("{DOCS_FILE}: HTTP {}", r.status())),
            Err(_) => return docs::failed("not a response"),
        };
        let Ok(text) = response.text() else {
            return docs::failed("the response has no text");
        };
        let on_text: Closure<dyn FnMut(JsValue)> = Closure::once(|text: JsValue| {
            let outcome = match text.as_string() {
                Some(t) => docs::install(&t).map(|_| ()),
                None => Err("the answer was not text".to_string()),
            };
            if let Err(why) = outcome {
                docs::failed(&why);
            }
        });
        let _ = text.then(&on_text);
        on_text.forget();
    });
    let on_error: Closure<dyn FnMut(JsValue)> = Closure::once(|e: JsValue| {
        let why = e
            .as_string()
            .unwrap_or_else(|| format!("{DOCS_FILE} could not be fetched"));
        docs::failed(&why);
    });
    let _ = window
        .fetch_with_str(DOCS_FILE)
        .then2(&on_response, &on_error);
    // Each runs at most once, after this function returns.
    on_response.forget();
    on_error.forget();
}
