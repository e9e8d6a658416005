//! The page: the cluster and its messages, the console, the selected node,
//! playback controls, and the key inspector. The app owns one `Studio`
//! (the run and the moment shown); every gesture is a `Msg` applied by
//! `msg::update`, and every frame renders what the `view` functions
//! compute from it.

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

use crate::components::cluster_view::{cards, ClusterView};
use crate::components::console::Console;
use crate::components::controls::Controls;
use crate::components::event_log::EventLog;
use crate::components::key_inspector::KeyInspector;
use crate::components::message_panel::MessagePanel;
use crate::components::node_panel::NodePanel;
use crate::components::operations::{OpStatus, Operations};
use crate::components::widgets::{checkbox, select};
use crate::msg::{update, Msg, NODE_TIMEOUTS, SHAPES};
use crate::studio::{Flight, Studio};
use crate::view::slot_map::SlotMap;

pub use crate::msg::cluster_of;

/// The key the page opens with: the lesson's own example.
pub const START_KEY: &str = "user:1001";

/// At most this many messages are drawn at once: a FAIL broadcast in a
/// 100-node cluster puts thousands in the air, and drawing them all would
/// stall the page. Gossip goes first; the rest are counted on screen.
const MAX_DRAWN_MESSAGES: usize = 150;

fn drawn(mut flights: Vec<Flight>) -> (Vec<Flight>, usize) {
    if flights.len() <= MAX_DRAWN_MESSAGES {
        return (flights, 0);
    }
    slotscope_sim::order::sort_by_key(&mut flights, |f| {
        f.kind
            .is_some_and(|k| crate::studio::Category::of(k) == crate::studio::Category::Gossip)
    });
    let undrawn = flights.len() - MAX_DRAWN_MESSAGES;
    flights.truncate(MAX_DRAWN_MESSAGES);
    (flights, undrawn)
}

/// Arrows shown in the event log.
const LOG_ROWS: usize = 24;

pub type Shared = Rc<RefCell<Studio>>;

/// The one callback every component's events go through: applies the
/// message, then redraws.
fn dispatcher(studio: &Shared, redraw: &UseForceUpdateHandle) -> Callback<Msg> {
    let (studio, redraw) = (studio.clone(), redraw.clone());
    Callback::from(move |msg: Msg| {
        update(&mut studio.borrow_mut(), msg);
        redraw.force_update();
    })
}

/// A drop-down's value, parsed into a message (a value that does not
/// parse is ignored).
fn parsed<T: std::str::FromStr + 'static>(
    dispatch: &Callback<Msg>,
    to_msg: fn(T) -> Msg,
) -> Callback<String> {
    let dispatch = dispatch.clone();
    Callback::from(move |value: String| {
        if let Ok(v) = value.parse() {
            dispatch.emit(to_msg(v));
        }
    })
}

#[function_component(App)]
pub fn app() -> Html {
    let studio: Shared = use_mut_ref(|| Studio::new(cluster_of(SHAPES[0])));
    let redraw = use_force_update();
    crate::animation::use_frames(studio.clone(), redraw.clone());
    let dispatch = dispatcher(&studio, &redraw);
    // Components report what happened; each report is one message.
    let on_select = dispatch.reform(Msg::SelectNode);
    let on_op = dispatch.reform(Msg::NodeOp);
    let on_line = dispatch.reform(Msg::ConsoleLine);
    let on_mode = dispatch.reform(Msg::ConsoleMode);
    let on_node = dispatch.reform(Msg::ConsoleNode);
    let on_play = dispatch.reform(|()| Msg::TogglePlay);
    let on_step = dispatch.reform(|forward| Msg::Step { forward });
    let on_speed = dispatch.reform(Msg::SetSpeed);
    let on_seek = dispatch.reform(Msg::Seek);
    let on_branch = dispatch.reform(|()| Msg::SwitchBranch);
    let on_gossip = dispatch.reform(|()| Msg::ToggleGossip);
    let on_action = dispatch.reform(Msg::Act);
    let on_message = dispatch.reform(Msg::InspectMessage);
    let on_close = dispatch.reform(|()| Msg::CloseMessage);
    let on_row = dispatch.reform(Msg::InspectRow);
    let on_toggle = dispatch.reform(Msg::ToggleCategory);
    // Drop-downs give the chosen option's value (an index); anything else
    // is ignored.
    let on_observer = parsed(&dispatch, Msg::SetObserver);
    let on_shape = parsed(&dispatch, Msg::SetShape);
    let on_timeout = parsed(&dispatch, Msg::SetNodeTimeout);

    let mut s = studio.borrow_mut();
    let markers = s.markers().to_vec();
    let (flights, undrawn) = drawn(s.flights());
    let hops = s.hop_flights();
    let observer = s.observer;
    let shape = s.shape;
    let selected = s.selected;
    let (playing, speed_log, show_gossip) = (s.playing, s.speed_log, s.show_gossip);
    let now_ms = s.now();
    let present_ms = s.timeline.now();
    let branches = s.branches.len();
    let entries = s.console_log.clone();
    let history = s.history.clone();
    let reduced_motion = s.reduced_motion;
    let inspected = s.inspected.clone();
    let rows = s.log_rows(LOG_ROWS);
    let filter = s.log_filter.clone();
    let session = s.session();
    let cluster = &session.world;
    let all_cards = cards(cluster, observer, shape);
    let prompt = session.console.prompt(cluster);
    let mode = session.console.mode;
    let console_node = session.console.node();
    let ports: Vec<u16> = cluster.nodes.iter().map(|n| n.addr.port).collect();
    let node_timeout: u64 = crate::view::settings::setting(cluster, "cluster-node-timeout")
        .value
        .parse()
        .unwrap_or(15_000);
    let partitioned = selected.is_some_and(|n| crate::view::network::partitioned(cluster, n));
    let map = SlotMap::from_cluster(cluster, observer);
    let colours: Vec<usize> = map
        .owners
        .iter()
        .map(|o| shape.column(o.node) % 8)
        .collect();
    let (map, colours) = (Rc::new(map), Rc::new(colours));
    let faults = crate::view::network::link_faults(cluster);
    let masters = crate::view::operations::known_masters(cluster, observer);
    let op_status = OpStatus::of(session);
    let (full_coverage, reads_when_down) = (
        crate::view::settings::setting(cluster, "cluster-require-full-coverage").is_yes(),
        crate::view::settings::setting(cluster, "cluster-allow-reads-when-down").is_yes(),
    );
    let disagreements = crate::view::settings::disagreements(cluster);
    drop(s);
    let selected_card = selected.and_then(|n| all_cards.get(n).cloned());
    let node_options: Vec<(String, String)> = ports
        .iter()
        .enumerate()
        .map(|(i, port)| (i.to_string(), format!("127.0.0.1:{port}")))
        .collect();
    let shape_options: Vec<(String, String)> = SHAPES
        .iter()
        .enumerate()
        .map(|(i, sh)| {
            (
                i.to_string(),
                format!(
                    "{} masters + {} replicas",
                    sh.masters,
                    sh.nodes - sh.masters
                ),
            )
        })
        .collect();
    let timeout_options: Vec<(String, String)> = NODE_TIMEOUTS
        .iter()
        .map(|ms| (ms.to_string(), format!("{ms} ms")))
        .collect();

    html! {
        <>
            <header class="masthead">
                <h1><span class="logo" aria-hidden="true"></span>{ "Slotscope" }</h1>
                <p class="tagline">{ "Redis Cluster, simulated faithfully and shown live." }</p>
            </header>
            <main class="studio">
                <Controls playing={playing} now_ms={now_ms} present_ms={present_ms} speed_log={speed_log}
                          markers={markers} branches={branches} on_play={on_play} on_step={on_step}
                          on_speed={on_speed} on_seek={on_seek} on_branch={on_branch} />
                <section class="stage panel" aria-label="Cluster">
                    <div class="stage-bar">
                        <label>{ "Flags and roles as seen by " }{ select("Observer node", &node_options, Some(observer), on_observer) }</label>
                        { checkbox("show gossip (PING/PONG)", show_gossip, on_gossip) }
                        <label>{ "Cluster " }{ select("Cluster size", &shape_options, SHAPES.iter().position(|sh| *sh == shape), on_shape) }</label>
                        <label>{ "node_timeout " }{ select("node_timeout", &timeout_options, NODE_TIMEOUTS.iter().position(|ms| *ms == node_timeout), on_timeout) }</label>
                    </div>
                    <ClusterView cards={all_cards} flights={flights} hops={hops} observer={observer}
                                 selected={selected} reduced_motion={reduced_motion} on_select={on_select}
                                 on_message={on_message} faults={faults} undrawn={undrawn} />
                    // Over the view's corner, so that opening it moves nothing else.
                    if let Some(flight) = inspected {
                        <MessagePanel flight={flight} ports={ports.clone()} on_close={on_close} />
                    }
                </section>
                <NodePanel card={selected_card} is_observer={selected == Some(observer)}
                           partitioned={partitioned} ports={ports.clone()} on_op={on_op} />
                <Console entries={entries} prompt={prompt} history={history} mode={mode}
                         ports={ports.clone()} node={console_node} on_line={on_line} on_mode={on_mode} on_node={on_node} />
                <Operations status={op_status} ports={ports.clone()} masters={masters} full_coverage={full_coverage}
                            reads_when_down={reads_when_down} disagreements={disagreements} on_action={on_action} />
                <EventLog rows={rows} ports={ports} filter={filter} on_toggle={on_toggle} on_row={on_row} />
                <KeyInspector map={map} colours={colours} initial_key={START_KEY} />
            </main>
        </>
    }
}
