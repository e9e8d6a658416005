//! Cluster-wide operations, as an operator runs them with `redis-cli
//! --cluster`: reshard N slots from A to B, move one slot, add a node,
//! rebalance, fix; and the settings that change what clients see. A
//! running operation shows its next command and the last ones with their
//! replies, and can be paused half way, stepped, resumed or abandoned.

use slotscope_sim::operator::Request;
use slotscope_sim::timeline::Action;
use slotscope_sim::{NodeIdx, Slot};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::widgets::{button, checkbox, select};

pub use crate::view::operations::OpStatus;

/// A yes/no setting sent to every node (CONFIG SET on each).
fn set_everywhere(name: &str, on: bool) -> Action {
    Action::SetConfig(name.into(), if on { "yes" } else { "no" }.into())
}

#[derive(Properties, PartialEq)]
pub struct OperationsProps {
    pub status: OpStatus,
    /// Every node's port, by index, and whether the observer sees it as a master.
    pub ports: Vec<u16>,
    pub masters: Vec<NodeIdx>,
    pub full_coverage: bool,
    pub reads_when_down: bool,
    /// Settings on which the nodes disagree (CONFIG SET on one node).
    pub disagreements: Vec<String>,
    pub on_action: Callback<Action>,
}

#[function_component(Operations)]
pub fn operations(p: &OperationsProps) -> Html {
    let count = use_state(|| 100usize);
    let from = use_state(|| 0usize);
    let to = use_state(|| 1usize);
    let slot = use_state(|| 0 as Slot);
    let act = |a: Action| p.on_action.reform(move |_: MouseEvent| a.clone());
    let s = &p.status;
    // A button that sends one action (starting buttons are off while one runs).
    let op_button =
        |label: &str, a: Action, starts: bool| button(label, None, starts && s.running, act(a));
    let pick = |state: &UseStateHandle<usize>| {
        let state = state.clone();
        Callback::from(move |value: String| {
            if let Ok(v) = value.parse() {
                state.set(v);
            }
        })
    };
    let number = |state: &UseStateHandle<usize>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            let el: HtmlInputElement = e.target_unchecked_into();
            if let Ok(v) = el.value().parse() {
                state.set(v);
            }
        })
    };
    let on_slot = {
        let slot = slot.clone();
        Callback::from(move |e: InputEvent| {
            let el: HtmlInputElement = e.target_unchecked_into();
            if let Ok(v) = el.value().parse::<Slot>() {
                slot.set(v.min(slotscope_sim::SLOT_COUNT - 1));
            }
        })
    };
    let options: Vec<(String, String)> = p
        .masters
        .iter()
        .map(|&m| (m.to_string(), format!(":{}", p.ports[m])))
        .collect();
    let position = |chosen: usize| p.masters.iter().position(|&m| m == chosen);
    // What the drop-downs show is what is sent: a choice that is no longer
    // a master (killed, demoted) falls back to one listed (the source to
    // one other than the target).
    let to_v = if p.masters.contains(&*to) {
        *to
    } else {
        p.masters.first().copied().unwrap_or(0)
    };
    let from_v = if p.masters.contains(&*from) {
        *from
    } else {
        p.masters
            .iter()
            .copied()
            .find(|&m| m != to_v)
            .unwrap_or(to_v)
    };
    let reshard = Action::Operate(Request::Reshard {
        source: from_v,
        target: to_v,
        count: *count,
    });
    let move_slot = Action::Operate(Request::MoveSlot {
        slot: *slot,
        target: to_v,
    });
    let full = p.full_coverage;
    let reads = p.reads_when_down;

    html! {
        <section class="operations panel" aria-label="Operations">
            <h2>{ "Operations" }<small>{ " redis-cli --cluster" }</small></h2>
            <div class="op-form">
                <label>{ "Move " }<input type="number" min="1" max="16384" value={count.to_string()}
                    aria-label="Number of slots" oninput={number(&count)} />{ " slots" }</label>
                <label>{ " from " }{ select("Source master", &options, position(from_v), pick(&from)) }</label>
                <label>{ " to " }{ select("Target master", &options, position(to_v), pick(&to)) }</label>
                { op_button("Reshard", reshard, true) }
            </div>
            <div class="op-form">
                <label>{ "or only slot " }<input type="number" min="0" max="16383" value={slot.to_string()}
                    aria-label="Slot to move" oninput={on_slot} /></label>
                { op_button("Move slot to target", move_slot, true) }
            </div>
            <div class="op-form">
                { op_button("Add master", Action::Operate(Request::AddNode { replica: false }), true) }
                { op_button("Add replica", Action::Operate(Request::AddNode { replica: true }), true) }
                { op_button("Rebalance", Action::Operate(Request::Rebalance), true) }
                { op_button("Fix", Action::Operate(Request::Fix), true) }
            </div>
            if let Some(why) = &s.refused {
                <p class="refused" role="alert">{ why.clone() }</p>
            }
            if !s.line.is_empty() {
                <div class="op-run" data-testid="operation">
                    <p class="mono">{ format!("$ {}", s.line) }</p>
                    <p>
                        { if s.running {
                            if s.paused { "paused" } else { "running" }
                        } else if s.abandoned {
                            "abandoned (a slot half way stays open until Fix)"
                        } else {
                            "finished"
                        } }
                        { format!(" · {} of {} slots moved · one command every {} simulated ms (redis-cli sends them back to back)", s.moved, s.planned, s.every_ms) }
                    </p>
                    <ol class="op-log mono">{ for s.last.iter().map(|l| html! { <li>{ l.clone() }</li> }) }</ol>
                    if let Some(next) = &s.next {
                        <p class="mono next">{ format!("next: {next}") }</p>
                    }
                    if let Some(e) = &s.error {
                        <p class="refused">{ e.clone() }</p>
                    }
                    if s.running {
                        <div class="ops">
                            if s.paused {
                                { op_button("Resume", Action::PauseOperation(false), false) }
                                { op_button("Send next command", Action::StepOperation, false) }
                            } else {
                                { op_button("Pause operation", Action::PauseOperation(true), false) }
                            }
                            { button("Abandon", Some("As Ctrl-C: a slot half way stays open until Fix"), false, act(Action::AbandonOperation)) }
                        </div>
                    }
                </div>
            }
            <div class="settings">
                { checkbox("cluster-require-full-coverage", full, p.on_action.reform(move |()| set_everywhere("cluster-require-full-coverage", !full))) }
                { checkbox("cluster-allow-reads-when-down", reads, p.on_action.reform(move |()| set_everywhere("cluster-allow-reads-when-down", !reads))) }
                { for p.disagreements.iter().map(|d| html! { <p class="disagree">{ d.clone() }</p> }) }
            </div>
        </section>
    }
}
