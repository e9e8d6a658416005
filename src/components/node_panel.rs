//! The selected node: what it says about itself, and what can be done to
//! it. Each button becomes one core action.

use yew::prelude::*;

use super::cluster_view::NodeCard;
use super::widgets::{button, select};

pub use crate::msg::{NodeOp, SLOW_LINK_MS};

#[derive(Properties, PartialEq)]
pub struct NodePanelProps {
    pub card: Option<NodeCard>,
    pub is_observer: bool,
    /// The observer's port (whose flags and clocks are shown).
    pub observer_port: u16,
    pub partitioned: bool,
    /// Every node's port, by index (for the link picker).
    pub ports: Vec<u16>,
    pub on_op: Callback<NodeOp>,
}

#[function_component(NodePanel)]
pub fn node_panel(p: &NodePanelProps) -> Html {
    let peer = use_state(|| None::<usize>);
    let Some(c) = &p.card else {
        return html! {
            <section class="node-panel panel" aria-label="Node">
                <p class="hint">{ "Select a node (click it, or Tab to it and press Enter) to kill, pause, restart or fail it over." }</p>
                <p class="hint">{ "Masters are square, replicas round. Dead: dashed and crossed out; paused: dotted; cut off from the observer: hatched; unknown to it: faint. The observer's port is underlined; “fail?” and “fail” are its flags." }</p>
            </section>
        };
    };
    // The other end of the link: the one picked, else the first other node.
    let other = (*peer)
        .filter(|&n| n != c.idx && n < p.ports.len())
        .unwrap_or(if c.idx == 0 { 1 } else { 0 });
    let on_peer = {
        let peer = peer.clone();
        Callback::from(move |value: String| peer.set(value.parse().ok()))
    };
    let peers: Vec<(String, String)> = p
        .ports
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != c.idx)
        .map(|(i, port)| (i.to_string(), format!(":{port}")))
        .collect();
    let picked = peers.iter().position(|(v, _)| *v == other.to_string());
    // The buttons that apply to this node, in the order shown.
    let mut ops: Vec<(String, NodeOp)> = Vec::new();
    let mut add = |label: &str, op: NodeOp| ops.push((label.to_string(), op));
    if c.alive {
        add("Kill -9", NodeOp::Kill);
        add("Pause 20 s", NodeOp::Pause);
    } else {
        add("Restart", NodeOp::Restart);
    }
    if p.partitioned {
        add("Heal partition", NodeOp::Heal);
    } else {
        add("Partition away", NodeOp::Isolate);
    }
    if !c.master && c.alive {
        add("CLUSTER FAILOVER", NodeOp::Failover);
        add("… FORCE", NodeOp::FailoverForce);
        add("… TAKEOVER", NodeOp::FailoverTakeover);
    }
    if !p.is_observer {
        add("Observe from here", NodeOp::Observe);
    }
    if c.slots.is_empty() {
        add("Remove (del-node)", NodeOp::Remove);
    }
    let link_ops = [
        ("Cut".to_string(), NodeOp::CutLink(other)),
        (format!("Slow +{SLOW_LINK_MS} ms"), NodeOp::SlowLink(other)),
        ("Normal".to_string(), NodeOp::RestoreLink(other)),
    ];
    let buttons = |ops: &[(String, NodeOp)]| {
        ops.iter()
            .map(|(label, o)| {
                let o = *o;
                button(label, None, false, p.on_op.reform(move |_: MouseEvent| o))
            })
            .collect::<Html>()
    };
    let role = match c.master_of {
        None => "master".to_string(),
        Some(port) => format!("replica of 127.0.0.1:{port}"),
    };
    html! {
        <section class="node-panel panel" aria-label={format!("Node 127.0.0.1:{}", c.port)}>
            <h2>{ format!("127.0.0.1:{}", c.port) }<small>{ format!(" {}…", c.short_id) }</small></h2>
            <dl>
                <dt>{ "says it is" }</dt><dd>{ role }</dd>
                <dt title="currentEpoch: the newest epoch it has heard of; configEpoch: the version of its claim on its slots">{ "epochs" }</dt>
                <dd>{ format!("current {} · config {}", c.current_epoch, c.config_epoch) }</dd>
                <dt>{ "slots" }</dt><dd class="mono">{ if c.slots.is_empty() { "none".to_string() } else { c.slots.clone() } }</dd>
                { for c.migrating.iter().map(|(slot, port)| html! { <>
                    <dt>{ "MIGRATING" }</dt><dd>{ format!("slot {slot} to :{port} — keys still here are served here; a missing key gets ASK :{port}") }</dd>
                </> }) }
                { for c.importing.iter().map(|(slot, port)| html! { <>
                    <dt>{ "IMPORTING" }</dt><dd>{ format!("slot {slot} from :{port} — served here only after ASKING") }</dd>
                </> }) }
                <dt>{ "keys" }</dt><dd>{ c.keys }</dd>
                <dt title="Bytes of the replication stream it produced (a master) or applied (a replica)">{ "repl. offset" }</dt><dd>{ match c.behind {
                    Some(0) => format!("{} (in sync with its master; lag {} s)", c.offset, c.lag_s.unwrap_or(0)),
                    Some(b) => format!("{} ({b} bytes behind its master; lag {} s)", c.offset, c.lag_s.unwrap_or(0)),
                    None => c.offset.to_string(),
                } }</dd>
                if let Some(w) = &c.watch {
                    <dt>{ "now" }</dt><dd class="watch">{ w.sentence(p.observer_port) }</dd>
                }
            </dl>
            <div class="ops">{ buttons(&ops) }</div>
            <div class="ops link-ops">
                <label>{ "Link to " }{ select("Other end of the link", &peers, picked, on_peer) }</label>
                { buttons(&link_ops) }
            </div>
        </section>
    }
}
