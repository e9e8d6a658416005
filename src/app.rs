//! The page: the cluster and its messages, the console, the selected node,
//! playback controls, and the key inspector. The app owns one `Studio`
//! (the run and the moment shown); every gesture becomes a call on it, and
//! every frame renders what it says.

use std::cell::RefCell;
use std::rc::Rc;

use slotscope_sim::console::ClientMode;
use slotscope_sim::operator::Request;
use slotscope_sim::timeline::Action;
use slotscope_sim::{Cluster, NodeIdx, Role};
use yew::prelude::*;

use crate::components::cluster_view::{cards, ClusterView, Shape};
use crate::components::console::Console;
use crate::components::controls::Controls;
use crate::components::event_log::EventLog;
use crate::components::key_inspector::KeyInspector;
use crate::components::message_panel::MessagePanel;
use crate::components::node_panel::{NodeOp, NodePanel, SLOW_LINK_MS};
use crate::components::operations::{OpStatus, Operations};
use crate::components::widgets::{checkbox, select};
use crate::slot_map::SlotMap;
use crate::studio::{Flight, LogRow, Studio};

/// The key the page opens with: the lesson's own example.
pub const START_KEY: &str = "user:1001";

/// The clusters offered, as `redis-cli --cluster create` makes them with
/// one replica per master: six nodes (the page opens with it), and a
/// hundred. Redis's default node_timeout.
pub const SHAPES: [Shape; 2] = [
    Shape {
        masters: 3,
        nodes: 6,
    },
    Shape {
        masters: 50,
        nodes: 100,
    },
];

pub fn cluster_of(shape: Shape) -> Cluster {
    Cluster::create(shape.masters, shape.nodes / shape.masters - 1, 1)
        .expect("the offered shapes are valid")
}

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

/// node_timeout choices (ms): Redis's default, and shorter ones that make
/// failover quicker to watch.
const NODE_TIMEOUTS: [u64; 3] = [15_000, 5_000, 2_000];

pub type Shared = Rc<RefCell<Studio>>;

/// Applies a node-panel button to the studio.
fn node_op(studio: &mut Studio, n: NodeIdx, op: NodeOp) {
    let cmd = |words: &str| {
        Action::NodeCommand(n, words.split(' ').map(|w| w.as_bytes().to_vec()).collect())
    };
    let action = match op {
        NodeOp::Kill => {
            // A dead node's view is frozen: watch from a live one instead.
            if studio.observer == n {
                let nodes = &studio.cluster().nodes;
                if let Some(live) = (0..nodes.len()).find(|&i| i != n && nodes[i].alive) {
                    studio.observer = live;
                }
            }
            Action::Kill(n)
        }
        NodeOp::Restart => Action::Restart(n),
        NodeOp::Pause => Action::Pause(n, 20_000),
        NodeOp::Heal => Action::Heal,
        NodeOp::Isolate => {
            // Keep the partitions already made; this node gets its own side.
            // Groups are numbered from 1 (0 is "in no set").
            let mut sets: Vec<Vec<NodeIdx>> = Vec::new();
            for (node, &group) in studio.cluster().network.groups.iter().enumerate() {
                if group != 0 && node != n {
                    let g = group as usize - 1;
                    if sets.len() <= g {
                        sets.resize(g + 1, Vec::new());
                    }
                    sets[g].push(node);
                }
            }
            sets.retain(|s| !s.is_empty());
            sets.push(vec![n]);
            Action::Partition(sets)
        }
        NodeOp::Failover => cmd("CLUSTER FAILOVER"),
        NodeOp::FailoverForce => cmd("CLUSTER FAILOVER FORCE"),
        NodeOp::FailoverTakeover => cmd("CLUSTER FAILOVER TAKEOVER"),
        NodeOp::Observe => {
            studio.observer = n;
            return;
        }
        NodeOp::CutLink(other) => Action::CutLink(n, other),
        NodeOp::SlowLink(other) => Action::SlowLink(n, other, SLOW_LINK_MS),
        NodeOp::RestoreLink(other) => Action::RestoreLink(n, other),
        NodeOp::Remove => Action::Operate(Request::DelNode(n)),
    };
    studio.act(action);
}

/// Turns gestures into callbacks: each changes the studio, then redraws.
struct Gestures {
    studio: Shared,
    update: UseForceUpdateHandle,
}

impl Gestures {
    fn on<T: 'static>(&self, f: fn(&mut Studio, T)) -> Callback<T> {
        let (studio, update) = (self.studio.clone(), self.update.clone());
        Callback::from(move |arg: T| {
            f(&mut studio.borrow_mut(), arg);
            update.force_update();
        })
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let shape = use_state(|| SHAPES[0]);
    let studio: Shared = use_mut_ref(|| Studio::new(cluster_of(SHAPES[0])));
    let update = use_force_update();
    crate::animation::use_frames(studio.clone(), update.clone());

    let g = Gestures {
        studio: studio.clone(),
        update: update.clone(),
    };
    let on_select = g.on(|s, n: NodeIdx| {
        s.selected = if s.selected == Some(n) { None } else { Some(n) };
    });
    let on_op = g.on(|s, op: NodeOp| {
        if let Some(n) = s.selected {
            node_op(s, n, op);
        }
    });
    let on_line = g.on(|s, line: String| s.console_line(&line));
    let on_mode = g.on(|s, mode: ClientMode| {
        s.act(Action::ConsoleMode(mode));
    });
    let on_node = g.on(|s, n: NodeIdx| {
        s.act(Action::ConsoleNode(n));
    });
    let on_play = g.on(|s, ()| s.playing = !s.playing);
    let on_step = g.on(|s, forward: bool| {
        if forward {
            s.step_forward();
        } else {
            s.step_back();
        }
    });
    let on_speed = g.on(|s, v: f64| s.speed_log = v);
    let on_seek = g.on(|s, t: u64| {
        let t = t.min(s.timeline.now());
        s.playing = false;
        s.seek(t as f64);
    });
    let on_branch = g.on(|s, ()| s.switch_branch());
    let on_gossip = g.on(|s, ()| s.show_gossip = !s.show_gossip);
    let on_observer = g.on(|s, value: String| {
        if let Ok(n) = value.parse::<usize>() {
            s.observer = n;
        }
    });
    let on_action = g.on(|s, a: Action| {
        s.act(a);
    });
    let on_message = g.on(|s, f: Flight| {
        s.playing = false;
        s.inspected = Some(f);
    });
    let on_close = g.on(|s, ()| s.inspected = None);
    let on_row = g.on(|s, row: LogRow| s.inspect_row(&row));
    let on_toggle = g.on(|s, c| {
        if let Some(i) = s.log_filter.iter().position(|x| *x == c) {
            s.log_filter.remove(i);
        } else {
            s.log_filter.push(c);
        }
    });
    let on_shape = {
        let (studio, shape, update) = (studio.clone(), shape.clone(), update.clone());
        Callback::from(move |value: String| {
            if let Some(&chosen) = value.parse::<usize>().ok().and_then(|i| SHAPES.get(i)) {
                *studio.borrow_mut() = Studio::new(cluster_of(chosen));
                shape.set(chosen);
                update.force_update();
            }
        })
    };
    let on_timeout = g.on(|s, value: String| {
        if let Ok(ms) = value.parse::<u64>() {
            s.act(Action::SetConfig(
                "cluster-node-timeout".into(),
                ms.to_string(),
            ));
        }
    });

    let mut s = studio.borrow_mut();
    let markers = s.markers().to_vec();
    let (flights, undrawn) = drawn(s.flights());
    let hops = s.hop_flights();
    let observer = s.observer;
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
    let all_cards = cards(cluster, observer, *shape);
    let prompt = session.console.prompt(cluster);
    let mode = session.console.mode;
    let console_node = session.console.node();
    let ports: Vec<u16> = cluster.nodes.iter().map(|n| n.addr.port).collect();
    let node_timeout: u64 = crate::settings::setting(cluster, "cluster-node-timeout")
        .value
        .parse()
        .unwrap_or(15_000);
    let partitioned = selected.is_some_and(|n| cluster.network.group(n) != 0);
    let map = SlotMap::from_cluster(cluster, observer);
    let colours: Vec<usize> = map
        .owners
        .iter()
        .map(|o| shape.column(o.node) % 8)
        .collect();
    let (map, colours) = (Rc::new(map), Rc::new(colours));
    let faults: Vec<(NodeIdx, NodeIdx, bool, u64)> = {
        let net = &cluster.network;
        let mut f: Vec<_> = net.cut.iter().map(|&(a, b)| (a, b, true, 0)).collect();
        f.extend(
            net.slow
                .iter()
                .filter(|(k, _)| !net.cut.contains(k))
                .map(|((a, b), ms)| (a, b, false, ms)),
        );
        f
    };
    let masters: Vec<NodeIdx> = (0..cluster.nodes.len())
        .filter(|&n| {
            cluster.nodes[n].alive
                && cluster.nodes[observer].view[n].role == Role::Master
                && cluster.nodes[observer].view[n].known
        })
        .collect();
    let op_status = OpStatus::of(session);
    let (full_coverage, reads_when_down) = (
        crate::settings::setting(cluster, "cluster-require-full-coverage").is_yes(),
        crate::settings::setting(cluster, "cluster-allow-reads-when-down").is_yes(),
    );
    let disagreements = crate::settings::disagreements(cluster);
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
                        <label>{ "Cluster " }{ select("Cluster size", &shape_options, SHAPES.iter().position(|sh| *sh == *shape), on_shape) }</label>
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
