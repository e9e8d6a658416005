//! The console: a redis-cli-like terminal. It shows the prompt and output
//! exactly as the core's client printed them; the mode and node pickers
//! say which client is typing where. ↑/↓ walk the history.

use slotscope_sim::console::ClientMode;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::studio::ConsoleEntry;

#[derive(Properties, PartialEq)]
pub struct ConsoleProps {
    pub entries: Vec<ConsoleEntry>,
    pub prompt: String,
    pub history: Vec<String>,
    pub mode: ClientMode,
    /// Ports of the nodes, and the one the client is bound to.
    pub ports: Vec<u16>,
    pub node: usize,
    pub on_line: Callback<String>,
    pub on_mode: Callback<ClientMode>,
    pub on_node: Callback<usize>,
}

#[function_component(Console)]
pub fn console(p: &ConsoleProps) -> Html {
    let input = use_node_ref();
    // Position in the history while browsing it with ↑/↓ (None: a new line).
    let browsing = use_state(|| None::<usize>);
    let log_ref = use_node_ref();
    {
        // Keep the newest output in view.
        let log_ref = log_ref.clone();
        let count = p.entries.len();
        use_effect_with(count, move |_| {
            if let Some(el) = log_ref.cast::<web_sys::Element>() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }
    let onkeydown = {
        let input = input.clone();
        let browsing = browsing.clone();
        let history = p.history.clone();
        let on_line = p.on_line.clone();
        Callback::from(move |e: KeyboardEvent| {
            let Some(el) = input.cast::<HtmlInputElement>() else {
                return;
            };
            match e.key().as_str() {
                "Enter" => {
                    e.prevent_default();
                    on_line.emit(el.value());
                    el.set_value("");
                    browsing.set(None);
                }
                "ArrowUp" if !history.is_empty() => {
                    e.prevent_default();
                    let i = match *browsing {
                        None => history.len() - 1,
                        Some(i) => i.saturating_sub(1),
                    };
                    el.set_value(&history[i]);
                    browsing.set(Some(i));
                }
                "ArrowDown" => {
                    e.prevent_default();
                    match *browsing {
                        Some(i) if i + 1 < history.len() => {
                            el.set_value(&history[i + 1]);
                            browsing.set(Some(i + 1));
                        }
                        _ => {
                            el.set_value("");
                            browsing.set(None);
                        }
                    }
                }
                _ => {}
            }
        })
    };
    let on_mode = {
        let cb = p.on_mode.clone();
        Callback::from(move |e: Event| {
            let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
            let mode = ClientMode::ALL
                .into_iter()
                .find(|m| m.label() == el.value())
                .unwrap_or(ClientMode::Raw);
            cb.emit(mode);
        })
    };
    let on_node = {
        let cb = p.on_node.clone();
        let ports = p.ports.clone();
        Callback::from(move |e: Event| {
            let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Some(i) = ports.iter().position(|port| port.to_string() == el.value()) {
                cb.emit(i);
            }
        })
    };
    html! {
        <section class="console panel" aria-label="Console">
            <div class="console-bar">
                <label>{ "Client " }
                    <select onchange={on_mode} aria-label="Client mode">
                        { for ClientMode::ALL.iter().map(|m| html! {
                            <option value={m.label()} selected={*m == p.mode}>{ m.label() }</option>
                        }) }
                    </select>
                </label>
                <label>{ if p.mode == ClientMode::Smart { " seed node " } else { " connected to " } }
                    <select onchange={on_node} aria-label="Node the client talks to">
                        { for p.ports.iter().enumerate().map(|(i, port)| html! {
                            <option value={port.to_string()} selected={i == p.node}>{ format!("127.0.0.1:{port}") }</option>
                        }) }
                    </select>
                </label>
            </div>
            <div class="console-log" role="log" aria-live="polite" ref={log_ref}>
                { for p.entries.iter().map(|e| html! {
                    <div class="entry" data-hops={e.hops.to_string()}>
                        <div class="typed"><span class="prompt">{ format!("{} ", e.prompt) }</span>{ e.line.clone() }</div>
                        { for e.printed.iter().map(|l| html! { <pre class="printed">{ l.clone() }</pre> }) }
                    </div>
                }) }
            </div>
            <div class="console-input">
                <span class="prompt" aria-hidden="true">{ format!("{} ", p.prompt) }</span>
                <input ref={input} type="text" aria-label="Redis command" spellcheck="false"
                       autocomplete="off" placeholder="SET foo bar" {onkeydown} />
            </div>
        </section>
    }
}
