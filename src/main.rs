#[cfg(target_arch = "wasm32")]
fn main() {
    slotscope::fatal::install_panic_hook();
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => yew::Renderer::<slotscope::App>::with_root(root).render(),
        None => yew::Renderer::<slotscope::App>::new().render(),
    };
    slotscope::docs_loader::fetch_docs();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("Slotscope runs in the browser: run `make serve` and open http://127.0.0.1:8080/");
    std::process::exit(2);
}
