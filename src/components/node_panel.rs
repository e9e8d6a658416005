//! The selected node: what it says about itself, and what can be done to
//! it. Each button becomes one core action.

use yew::prelude::*;

use super::cluster_view::NodeCard;

/// What the panel's buttons ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeOp {
    Kill,
    Restart,
    Pause,
    Isolate,
    Heal,
    Failover,
    FailoverForce,
    FailoverTakeover,
    Observe,
}

#[derive(Properties, PartialEq)]
pub struct NodePanelProps {
    pub card: Option<NodeCard>,
    pub is_observer: bool,
    pub partitioned: bool,
    pub on_op: Callback<NodeOp>,
}

#[function_component(NodePanel)]
pub fn node_panel(p: &NodePanelProps) -> Html {
    let Some(c) = &p.card else {
        return html! {
            <section class="node-panel panel" aria-label="Node">
                <p class="hint">{ "Select a node (click it, or Tab to it and press Enter) to kill, pause, restart or fail it over." }</p>
            </section>
        };
    };
    let op = |o: NodeOp| p.on_op.reform(move |_: MouseEvent| o);
    let role = match c.master_of {
        None => "master".to_string(),
        Some(port) => format!("replica of 127.0.0.1:{port}"),
    };
    html! {
        <section class="node-panel panel" aria-label={format!("Node 127.0.0.1:{}", c.port)}>
            <h2>{ format!("127.0.0.1:{}", c.port) }<small>{ format!(" {}…", c.short_id) }</small></h2>
            <dl>
                <dt>{ "says it is" }</dt><dd>{ role }</dd>
                <dt>{ "epochs" }</dt><dd>{ format!("current {} · config {}", c.current_epoch, c.config_epoch) }</dd>
                <dt>{ "slots" }</dt><dd class="mono">{ if c.slots.is_empty() { "none".to_string() } else { c.slots.clone() } }</dd>
                <dt>{ "keys" }</dt><dd>{ c.keys }</dd>
                <dt>{ "repl offset" }</dt><dd>{ c.offset }</dd>
            </dl>
            <div class="ops">
                if c.alive {
                    <button onclick={op(NodeOp::Kill)}>{ "Kill -9" }</button>
                    <button onclick={op(NodeOp::Pause)}>{ "Pause 20 s" }</button>
                } else {
                    <button onclick={op(NodeOp::Restart)}>{ "Restart" }</button>
                }
                if p.partitioned {
                    <button onclick={op(NodeOp::Heal)}>{ "Heal partition" }</button>
                } else {
                    <button onclick={op(NodeOp::Isolate)}>{ "Partition away" }</button>
                }
                if !c.master && c.alive {
                    <button onclick={op(NodeOp::Failover)}>{ "CLUSTER FAILOVER" }</button>
                    <button onclick={op(NodeOp::FailoverForce)}>{ "… FORCE" }</button>
                    <button onclick={op(NodeOp::FailoverTakeover)}>{ "… TAKEOVER" }</button>
                }
                if !p.is_observer {
                    <button onclick={op(NodeOp::Observe)}>{ "See the cluster as this node does" }</button>
                }
            </div>
        </section>
    }
}
