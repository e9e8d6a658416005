//! The content of one cluster bus message, as `clusterMsg` carries it: the
//! header every message has (type, sender, epochs, offset, master, slots
//! claimed, flags) and its body (gossip entries, the failing node of a
//! FAIL, the config of an UPDATE).

use slotscope_sim::bus::MsgKind;
use yew::prelude::*;

use crate::studio::{flight_label, Flight};

#[derive(Properties, PartialEq)]
pub struct MessagePanelProps {
    pub flight: Flight,
    /// Every node's port, by index.
    pub ports: Vec<u16>,
    pub on_close: Callback<()>,
}

#[function_component(MessagePanel)]
pub fn message_panel(p: &MessagePanelProps) -> Html {
    let f = &p.flight;
    let port = |n: usize| match p.ports.get(n) {
        Some(port) => format!("127.0.0.1:{port}"),
        None => format!("node {n}"),
    };
    let title = format!("{} {} → {}", flight_label(f.kind), port(f.from), port(f.to));
    let body = f.body.as_ref().map(|m| {
        let flags = [(m.paused, "PAUSED"), (m.force_ack, "FORCEACK")]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, name)| *name)
            .collect::<Vec<_>>()
            .join(" ");
        html! { <>
            <dl class="msg-header">
                <dt>{ "currentEpoch" }</dt><dd>{ m.current_epoch }</dd>
                <dt>{ "configEpoch" }</dt><dd>{ m.config_epoch }</dd>
                <dt>{ "offset" }</dt><dd>{ m.offset }</dd>
                <dt>{ "sender is" }</dt><dd>{ match m.master { Some(of) => format!("replica of {}", port(of)), None => "master".into() } }</dd>
                <dt>{ "slots claimed" }</dt><dd>{ m.claims.count() }</dd>
                <dt>{ "mflags" }</dt><dd>{ if flags.is_empty() { "none".to_string() } else { flags } }</dd>
                if let Some(about) = m.about {
                    <dt>{ if m.kind == MsgKind::Fail { "failing node" } else { "about" } }</dt><dd>{ port(about) }</dd>
                }
                if let Some((epoch, slots)) = &m.update {
                    <dt>{ "its config" }</dt><dd>{ format!("configEpoch {epoch}, {} slots", slots.count()) }</dd>
                }
            </dl>
            if !m.gossip.is_empty() {
                <table class="gossip-table">
                    <caption>{ format!("Gossip: {} entr{}", m.gossip.len(), if m.gossip.len() == 1 { "y" } else { "ies" }) }</caption>
                    <thead><tr><th scope="col">{ "node" }</th><th scope="col">{ "flags" }</th><th scope="col">{ "last PONG" }</th></tr></thead>
                    <tbody>
                        { for m.gossip.iter().map(|g| {
                            let mut flags = vec![if g.master { "master" } else { "slave" }];
                            if g.pfail { flags.push("fail?"); }
                            if g.fail { flags.push("fail"); }
                            html! {
                                <tr><td>{ port(g.node) }</td><td>{ flags.join(",") }</td><td class="num">{ format!("{} s before", (f.sent_at as i64 - g.pong_received).div_euclid(1000)) }</td></tr>
                            }
                        }) }
                    </tbody>
                </table>
            }
        </> }
    });
    html! {
        <section class="message-panel panel" aria-label="Message content" data-testid="message-panel">
            <h2>{ title }</h2>
            <p class="hint">{ format!("sent at {} ms, arrives at {} ms", f.sent_at, f.arrives) }</p>
            { body.unwrap_or_else(|| html! { <p class="hint">{
                if f.kind.is_none() { format!("the master's replication stream, up to offset {}", f.offset) } else { "(content not recorded)".to_string() }
            }</p> }) }
            <button type="button" onclick={p.on_close.reform(|_| ())}>{ "Close" }</button>
        </section>
    }
}
