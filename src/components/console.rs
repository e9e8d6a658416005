//! The console: a redis-cli-like terminal. It shows the prompt and output
//! exactly as the core's client printed them; the mode and node pickers
//! say which client is typing where. ↑/↓ walk the history.

use slotscope_sim::console::ClientMode;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::widgets::select;

use crate::studio::{ConsoleEntry, EntryKind, EntryState};
use crate::view::explain::explain_printed;

#[derive(Properties, PartialEq)]
pub struct ConsoleProps {
    /// Each typed line, with how it stands at the moment shown.
    pub entries: Vec<(ConsoleEntry, EntryState)>,
    pub prompt: String,
    pub history: Vec<String>,
    pub mode: ClientMode,
    /// Ports of the nodes, and the one the client is bound to.
    pub ports: Vec<u16>,
    pub node: usize,
    pub on_line: Callback<String>,
    /// The client reads messages (after SUBSCRIBE): Ctrl-C stops it, and
    /// typed lines go to a second client.
    pub reading: bool,
    pub on_interrupt: Callback<()>,
    pub on_mode: Callback<ClientMode>,
    pub on_node: Callback<usize>,
    /// A key of a typed command, to open in the key inspector.
    pub on_inspect: Callback<String>,
    /// A tour step points at the console.
    #[prop_or_default]
    pub highlight: bool,
}

#[function_component(Console)]
pub fn console(p: &ConsoleProps) -> Html {
    let input = use_node_ref();
    // redis-cli's hint: the argument line of the command being typed.
    let hint = use_state(|| None::<String>);
    let oninput = {
        let input = input.clone();
        let hint = hint.clone();
        Callback::from(move |_: InputEvent| {
            if let Some(el) = input.cast::<HtmlInputElement>() {
                hint.set(slotscope_sim::help::hint(&el.value()));
            }
        })
    };
    // Position in the history while browsing it with ↑/↓ (None: a new line).
    let browsing = use_state(|| None::<usize>);
    let log_ref = use_node_ref();
    {
        // Keep the newest output in view.
        let log_ref = log_ref.clone();
        let count = (p.entries.len(), p.entries.last().map(|(_, state)| *state));
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
        let on_interrupt = p.on_interrupt.clone();
        let reading = p.reading;
        let hint = hint.clone();
        Callback::from(move |e: KeyboardEvent| {
            let Some(el) = input.cast::<HtmlInputElement>() else {
                return;
            };
            // Ctrl-C stops reading messages; with text selected it copies, as usual.
            if reading && e.ctrl_key() && e.key().eq_ignore_ascii_case("c") {
                let selected =
                    el.selection_start().ok().flatten() != el.selection_end().ok().flatten();
                if !selected {
                    e.prevent_default();
                    on_interrupt.emit(());
                    return;
                }
            }
            match e.key().as_str() {
                "Enter" => {
                    e.prevent_default();
                    on_line.emit(el.value());
                    el.set_value("");
                    browsing.set(None);
                    hint.set(None);
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
    let on_mode = p.on_mode.reform(|value: String| {
        ClientMode::ALL
            .into_iter()
            .find(|m| m.label() == value)
            .unwrap_or(ClientMode::Raw)
    });
    let on_node = {
        let cb = p.on_node.clone();
        Callback::from(move |value: String| {
            if let Ok(i) = value.parse() {
                cb.emit(i);
            }
        })
    };
    let modes: Vec<(String, String)> = ClientMode::ALL
        .iter()
        .map(|m| (m.label().to_string(), m.label().to_string()))
        .collect();
    let nodes: Vec<(String, String)> = p
        .ports
        .iter()
        .enumerate()
        .map(|(i, port)| (i.to_string(), format!("127.0.0.1:{port}")))
        .collect();
    let mode_index = ClientMode::ALL.iter().position(|m| *m == p.mode);
    html! {
        <section class={classes!("console", "panel", p.highlight.then_some("highlight"))} aria-label="Console">
            <div class="console-bar">
                <label>{ "Client " }{ select("Client mode", &modes, mode_index, on_mode) }</label>
                <label>{ if p.mode == ClientMode::Smart { " seed node " } else { " connected to " } }
                    { select("Node the client talks to", &nodes, Some(p.node), on_node) }
                </label>
            </div>
            <div class="console-log" role="log" aria-live="polite" ref={log_ref}>
                { for p.entries.iter().map(|(e, state)| entry(e, *state, &p.on_inspect)) }
                if p.entries.iter().any(|(_, s)| *s == EntryState::Future) {
                    <p class="future-note">{ "Lines in grey were typed later than the moment shown: they are in this branch's future." }</p>
                }
            </div>
            if p.reading {
                <div class="console-reading" role="status">
                    <span>{ "The client is reading messages, as redis-cli does after SUBSCRIBE. Lines typed now run in a second client on the same node." }</span>
                    <button type="button" class="interrupt" title="Stop reading messages (Ctrl-C)"
                            onclick={p.on_interrupt.reform(|_: MouseEvent| ())}>{ "Ctrl-C" }</button>
                </div>
            }
            <div class="console-input">
                <span class="prompt" aria-hidden="true">{ format!("{} ", p.prompt) }</span>
                <input ref={input} type="text" aria-label="Redis command" spellcheck="false"
                       autocomplete="off" placeholder="SET foo bar" {onkeydown} {oninput} />
                if let Some(h) = (*hint).clone() {
                    <span class="hint" aria-hidden="true" title={h.clone()}>{ h }</span>
                }
            </div>
        </section>
    }
}

/// One typed line and what it printed, as it stands at the moment shown.
fn entry(e: &ConsoleEntry, state: EntryState, on_inspect: &Callback<String>) -> Html {
    let class = classes!(
        "entry",
        (state == EntryState::Future).then_some("future"),
        (state == EntryState::Waiting).then_some("waiting"),
    );
    let keys = e.keys.iter().take(3).map(|k| {
        let key = k.clone();
        let label = format!("where does {k} live?");
        html! {
            <button type="button" class="inspect-key" title={format!("Open {k} in the key inspector")}
                    onclick={on_inspect.reform(move |_: MouseEvent| key.clone())}>{ label }</button>
        }
    });
    let class = classes!(
        class,
        (e.kind == EntryKind::Read).then_some("read"),
        (e.kind == EntryKind::SecondClient).then_some("second-client"),
    );
    html! {
        <div class={class} data-hops={e.hops.to_string()}>
            if e.kind != EntryKind::Read {
                <div class="typed">
                    if e.kind == EntryKind::SecondClient {
                        <span class="client-tag" title="Typed while the console's client read messages: a second redis-cli on the same node ran it">{ "2nd client " }</span>
                    }
                    <span class="prompt">{ format!("{} ", e.prompt) }</span>{ e.line.clone() }
                </div>
            }
            if state == EntryState::Waiting {
                <p class="pending">{ "… the reply is on its way" }</p>
            } else {
                { for e.printed.iter().map(|l| html! { <>
                    <pre class="printed">{ l.clone() }</pre>
                    if state == EntryState::Done {
                        if let Some(why) = explain_printed(l) {
                            <p class="why">{ why }</p>
                        }
                    }
                </> }) }
                if state == EntryState::Done && !e.keys.is_empty() {
                    <div class="entry-keys">{ for keys }</div>
                }
            }
        </div>
    }
}
