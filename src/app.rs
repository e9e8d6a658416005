//! The page: the cluster and its messages, the console, the selected node,
//! playback controls, and the key inspector. The app owns one `Studio`
//! (the run and the moment shown); every gesture becomes a call on it, and
//! every frame renders what it says.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use slotscope_sim::console::ClientMode;
use slotscope_sim::timeline::Action;
use slotscope_sim::{Cluster, Layout, NodeIdx};
use yew::prelude::*;

use crate::components::cluster_view::{cards, ClusterView};
use crate::components::console::Console;
use crate::components::controls::Controls;
use crate::components::key_inspector::KeyInspector;
use crate::components::node_panel::{NodeOp, NodePanel};
use crate::studio::Studio;

/// The key the page opens with: the lesson's own example.
pub const START_KEY: &str = "user:1001";

/// The cluster the page opens with: `redis-cli --cluster create` of six
/// nodes with one replica each, Redis's default node_timeout.
pub const MASTERS: usize = 3;

pub fn initial_cluster() -> Cluster {
    Cluster::create(MASTERS, 1, 1).expect("a 3-master cluster is valid")
}

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
            let mut sides: BTreeMap<u32, Vec<NodeIdx>> = BTreeMap::new();
            for (&node, &group) in &studio.cluster().network.groups {
                if group != 0 && node != n {
                    sides.entry(group).or_default().push(node);
                }
            }
            let mut sets: Vec<Vec<NodeIdx>> = sides.into_values().collect();
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
    let studio: Shared = use_mut_ref(|| Studio::new(initial_cluster()));
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
    let on_observer = g.on(|s, e: Event| {
        let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
        if let Ok(n) = el.value().parse::<usize>() {
            s.observer = n;
        }
    });
    let on_timeout = g.on(|s, e: Event| {
        let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
        if let Ok(ms) = el.value().parse::<u64>() {
            s.act(Action::SetNodeTimeout(ms));
        }
    });

    let mut s = studio.borrow_mut();
    let markers = s.markers().to_vec();
    let flights = s.flights();
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
    let cluster = s.cluster();
    let all_cards = cards(cluster, observer, MASTERS);
    let prompt = cluster.console.prompt(cluster);
    let mode = cluster.console.mode;
    let console_node = cluster.console.node();
    let ports: Vec<u16> = cluster.nodes.iter().map(|n| n.addr.port).collect();
    let node_timeout = cluster.config.node_timeout;
    let partitioned = selected.is_some_and(|n| cluster.network.group(n) != 0);
    let layout = Rc::new(Layout::default());
    drop(s);
    let selected_card = selected.and_then(|n| all_cards.get(n).cloned());

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
                        <label>{ "Flags and roles as seen by " }
                            <select onchange={on_observer} aria-label="Observer node">
                                { for ports.iter().enumerate().map(|(i, port)| html! {
                                    <option value={i.to_string()} selected={i == observer}>{ format!("127.0.0.1:{port}") }</option>
                                }) }
                            </select>
                        </label>
                        <label><input type="checkbox" checked={show_gossip} onchange={on_gossip.reform(|_| ())} />{ " show gossip (PING/PONG)" }</label>
                        <label>{ "node_timeout " }
                            <select onchange={on_timeout} aria-label="node_timeout">
                                { for NODE_TIMEOUTS.iter().map(|ms| html! {
                                    <option value={ms.to_string()} selected={*ms == node_timeout}>{ format!("{ms} ms") }</option>
                                }) }
                            </select>
                        </label>
                    </div>
                    <ClusterView cards={all_cards} flights={flights} hops={hops} observer={observer}
                                 selected={selected} reduced_motion={reduced_motion} on_select={on_select} />
                </section>
                <NodePanel card={selected_card} is_observer={selected == Some(observer)}
                           partitioned={partitioned} on_op={on_op} />
                <Console entries={entries} prompt={prompt} history={history} mode={mode}
                         ports={ports} node={console_node} on_line={on_line} on_mode={on_mode} on_node={on_node} />
                <KeyInspector layout={layout} initial_key={START_KEY} />
            </main>
        </>
    }
}
