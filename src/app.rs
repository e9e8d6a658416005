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
use crate::components::state_banner::StateBanner;
use crate::components::tour_panel::TourPanel;
use crate::components::widgets::{checkbox, select};
use crate::msg::{update, Msg, NODE_TIMEOUTS, SHAPES};
use crate::studio::{Drawer, Flight, Studio};
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
/// message, keeps the address's link current, then redraws.
fn dispatcher(studio: &Shared, redraw: &UseForceUpdateHandle) -> Callback<Msg> {
    let (studio, redraw) = (studio.clone(), redraw.clone());
    Callback::from(move |msg: Msg| {
        let copy = msg == Msg::CopyLink;
        {
            let mut s = studio.borrow_mut();
            update(&mut s, msg);
            crate::location::set_fragment(&crate::link::encode(&s));
        }
        if copy {
            crate::location::copy(&crate::location::href());
        }
        redraw.force_update();
    })
}

/// The studio the page opens with: the one its link describes, else the
/// default one (saying why the link could not be opened); in embed mode,
/// arranged and started as the lesson page's parameters say.
pub fn initial_studio() -> Studio {
    studio_for(&crate::location::query(), crate::location::fragment())
}

/// `initial_studio` for a given query and fragment (tested natively).
pub fn studio_for(query: &str, fragment: Option<String>) -> Studio {
    let (embed, param_error) = match crate::embed::parse(query) {
        Ok(e) => (e, None),
        Err(why) => (
            None,
            Some(format!("This page's parameters could not be read: {why}.")),
        ),
    };
    let shape = embed.as_ref().and_then(|e| e.shape).unwrap_or(0);
    let fresh = || {
        let mut s = Studio::new(cluster_of(SHAPES[shape]));
        // Where the run starts, unless a link says more.
        if let Some(e) = &embed {
            if let Some(ms) = e.node_timeout {
                update(&mut s, Msg::SetNodeTimeout(ms));
            }
        }
        s
    };
    // A tour named by the link (the page's own, written as the learner
    // goes), else by the query (`?tour=ID&step=N`, a lesson's frame).
    let tour_link = fragment.as_deref().map(crate::link::tour_of);
    let tour_query = crate::link::tour_of(query);
    let mut s = match (fragment, &tour_link) {
        (Some(_), Some(Ok(Some(_)))) => fresh(),
        (None, _) => fresh(),
        (Some(text), _) => crate::link::studio_from(&text).unwrap_or_else(|e| {
            let mut s = fresh();
            s.link_error = Some(crate::link::refused(&e));
            s
        }),
    };
    if let Some(e) = &embed {
        if let Some(key) = &e.key {
            s.inspector_key = key.clone();
        }
        if let Some(speed) = e.speed_log {
            s.speed_log = speed;
        }
        if let Some(&first) = e.drawers.first() {
            if !e.drawers.contains(&s.drawer) {
                s.drawer = first;
            }
        }
        s.playing = e.autoplay;
    }
    if param_error.is_some() {
        s.link_error = param_error;
    }
    s.embed = embed;
    let tour = match (tour_link, tour_query) {
        (Some(Ok(Some(t))), _) => Some(t),
        (_, Ok(Some(t))) if s.link_error.is_none() => Some(t),
        (_, Err(e)) => {
            s.link_error = Some(crate::link::refused(&e));
            None
        }
        _ => None,
    };
    if let Some((id, step)) = tour {
        crate::tour_player::open(&mut s, &id, step);
    }
    s
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
    let studio: Shared = use_mut_ref(initial_studio);
    let redraw = use_force_update();
    crate::animation::use_frames(studio.clone(), redraw.clone());
    let dispatch = dispatcher(&studio, &redraw);
    // Components report what happened; each report is one message.
    let on_select = dispatch.reform(Msg::SelectNode);
    let on_op = dispatch.reform(Msg::NodeOp);
    let on_line = dispatch.reform(Msg::ConsoleLine);
    let on_interrupt = dispatch.reform(|()| Msg::ConsoleInterrupt);
    let on_mode = dispatch.reform(Msg::ConsoleMode);
    let on_node = dispatch.reform(Msg::ConsoleNode);
    let on_play = dispatch.reform(|()| Msg::TogglePlay);
    let on_step = dispatch.reform(|forward| Msg::Step { forward });
    let on_speed = dispatch.reform(Msg::SetSpeed);
    let on_seek = dispatch.reform(Msg::Seek);
    let on_marker = dispatch.reform(Msg::SeekMarker);
    let on_key = dispatch.reform(Msg::InspectKey);
    let on_dismiss = dispatch.reform(|()| Msg::DismissNotice);
    crate::location::use_hash_changes(dispatch.clone());
    crate::host_bridge::use_host(studio.clone(), dispatch.clone());
    {
        // A teacher's tour named by the address (`?tour-url=`), once.
        let dispatch = dispatch.clone();
        use_effect_with((), move |_| {
            crate::tour_loader::fetch(dispatch);
            || ()
        });
    }
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
    let pace = s.pace(&flights);
    let gossip_rate = s.gossip_per_second();
    let now_ms = s.now();
    let present_ms = s.timeline.now();
    let branches = s.branches.len();
    let branch_at = s.branch_notice;
    let link_error = s.link_error.clone();
    let with_notice = branch_at.is_some() || link_error.is_some();
    let embed = s.embed.clone();
    let show_cluster = embed.as_ref().is_none_or(|e| e.cluster);
    let show_console = embed.as_ref().is_none_or(|e| e.console);
    let drawers: Vec<Drawer> = embed
        .as_ref()
        .map_or(Drawer::ALL.to_vec(), |e| e.drawers.clone());
    // The full page with this moment, for "Open in Slotscope".
    let full_page = embed.is_some().then(|| {
        format!(
            "{}#{}",
            crate::location::page_address(),
            crate::link::encode(&s)
        )
    });
    let link_copied = s.link_copied;
    let entries = s.console_entries();
    let history = s.history.clone();
    let reduced_motion = s.reduced_motion;
    let inspected = s.inspected.clone();
    let rows = s.log_rows(LOG_ROWS);
    let filter = s.log_filter.clone();
    let drawer = s.drawer;
    let inspector_key = s.inspector_key.clone();
    // The tour panel: the index (parsed only while it is shown), or the
    // step being played and what it points at.
    let tours_open = s.tours_open;
    let tour_player = s.tour.clone();
    let tour_error = s.tour_error.clone();
    let tour_panel = tour_player.is_some() || tours_open || tour_error.is_some();
    let tour_index = if tour_panel && (tours_open || tour_player.is_none()) {
        crate::view::tour::index(&crate::tour_player::builtin(), &s.tour_memory)
    } else {
        Vec::new()
    };
    let session = s.session();
    let cluster = &session.world;
    let all_cards = cards(cluster, observer, shape);
    let banner = crate::view::cluster_state::banner(cluster, observer);
    // What sits above the stage takes from the drawing's height (CSS).
    let with_banner = !banner.ok || !banner.reasons.is_empty();
    let prompt = session.console.prompt(cluster);
    let reading = session.console.reading();
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
    let (tour_step, highlighted, highlight_messages, console_highlight) = match &tour_player {
        Some(p) => (
            Some(crate::view::tour::step(p, &map)),
            crate::tour_player::highlighted_nodes(p, cluster, &map),
            crate::tour_player::highlighted_messages(p),
            crate::tour_player::highlights_console(p),
        ),
        None => (None, Vec::new(), Vec::new(), false),
    };
    drop(s);
    let selected_card = selected.and_then(|n| all_cards.get(n).cloned());
    let extent = crate::components::cluster_view::extent(&all_cards);
    // The drawing keeps its proportions: as wide as the stage allows, no
    // taller than the window leaves room for, and never so small that its
    // text shrinks below 75 % (then the stage scrolls instead).
    let canvas_style = format!(
        "width: max({min:.0}px, min(100%, calc((100vh - var(--chrome) - var(--notices, 0px)) * {ratio:.4})))",
        // (A lesson's frame is small and fixed: there the drawing may shrink
        // to 60 % rather than be cut.)
        min = extent.width * if embed.is_some() { 0.6 } else { 0.75 },
        ratio = extent.width / extent.height
    );
    // The selected node's details open beside it: on its right in the left
    // half of the drawing, on its left otherwise.
    let popover_style = selected
        .and_then(|n| crate::components::cluster_view::anchor(&all_cards, n))
        .map(|((x, y), (hw, hh))| {
            let top = format!(
                "top: clamp(0px, {:.2}%, calc(100% - 16rem))",
                (y - hh) * 100.0
            );
            // (Its width is the CSS's `min(22rem, 60%)`; it stays inside the stage.)
            if x < 0.5 {
                format!(
                    "left: min(calc({:.2}% + 4px), calc(100% - min(22rem, 60%))); {top}",
                    (x + hw) * 100.0
                )
            } else {
                format!(
                    "left: max(0px, calc({:.2}% - min(22rem, 60%) - 4px)); {top}",
                    (x - hw) * 100.0
                )
            }
        });
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
    let observer_port = ports.get(observer).copied().unwrap_or(0);
    let tab = |d: Drawer| {
        let open = dispatch.reform(move |_: MouseEvent| Msg::OpenDrawer(d));
        html! {
            <button type="button" role="tab" id={format!("tab-{}", drawer_id(d))}
                    aria-selected={(drawer == d).to_string()} aria-controls={format!("drawer-{}", drawer_id(d))}
                    class={classes!("tab", (drawer == d).then_some("open"))} onclick={open}>{ d.label() }</button>
        }
    };
    // Opens the inspector and brings it into view (a button, not a link:
    // the URL's fragment is the page's state, not a place on it).
    let open_key = {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            dispatch.emit(Msg::OpenDrawer(Drawer::Key));
            if let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("drawers"))
            {
                el.scroll_into_view();
            }
        })
    };
    let close_node = dispatch.reform(|_: MouseEvent| Msg::CloseNode);
    let console = html! {
        <Console entries={entries} prompt={prompt} history={history} mode={mode} reading={reading}
                 ports={ports.clone()} node={console_node} on_line={on_line} on_interrupt={on_interrupt}
                 on_mode={on_mode} on_node={on_node}
                 on_inspect={on_key.clone()} highlight={console_highlight} />
    };

    html! {
        <>
            if embed.is_none() {
            <header class="masthead">
                <h1><span class="logo" aria-hidden="true"></span>{ "Slotscope" }</h1>
                <p class="tagline">{ "Redis Cluster, simulated faithfully and shown live." }</p>
                <button type="button" class="tours-entry" aria-pressed={tours_open.to_string()}
                        onclick={dispatch.reform(move |_: MouseEvent| Msg::ShowTours(!tours_open))}
                        title="Guided tours with challenges the simulator checks">{ "Tours" }</button>
                <button type="button" class="to-inspector" onclick={open_key}>{ "Where does a key live? ↓" }</button>
                <button type="button" class="copy-link" onclick={dispatch.reform(|_: MouseEvent| Msg::CopyLink)}
                        title="The link reproduces this moment: the run, the moment shown, what is open">
                    { if link_copied { "Link copied ✓" } else { "Copy link" } }
                </button>
            </header>
            }
            <main class={classes!("studio", embed.is_some().then_some("embed"), (!show_console && !tour_panel).then_some("no-console"),
                                  (!show_cluster).then_some("no-cluster"), drawers.is_empty().then_some("no-drawers"),
                                  with_banner.then_some("with-banner"), with_notice.then_some("with-notice"))}>
                if embed.is_some() {
                    // No masthead in a lesson's frame; the page still has a title for
                    // screen readers.
                    <h1 class="visually-hidden">{ "Slotscope: a simulated Redis Cluster" }</h1>
                }
                <Controls playing={playing} now_ms={now_ms} present_ms={present_ms} speed_log={speed_log}
                          markers={markers} branches={branches} pace={pace} on_play={on_play} on_step={on_step}
                          on_speed={on_speed} on_seek={on_seek} on_marker={on_marker} on_branch={on_branch.clone()}
                          open_full={full_page.clone()} />
                <div class="notices">
                    if let Some(why) = link_error {
                        <div class="link-error" role="alert">
                            { format!("This link could not be opened: {why}. The default page is shown.") }
                            <button type="button" class="dismiss" aria-label="Dismiss" onclick={dispatch.reform(|_: MouseEvent| Msg::DismissLinkError)}>{ "✕" }</button>
                        </div>
                    }
                    <StateBanner banner={banner} branch_at={branch_at} branches={branches}
                                 on_dismiss={on_dismiss} on_branch={on_branch} />
                </div>
                if show_cluster {
                <section class="stage panel" aria-label="Cluster">
                    <div class="stage-bar">
                        <label title="Flags (fail?, fail) and roles are drawn as this node believes them">{ "Seen by " }{ select("Observer node", &node_options, Some(observer), on_observer) }</label>
                        { checkbox("gossip", show_gossip, on_gossip) }
                        <span class="gossip-rate" title="PING and PONG sent in the last simulated second. Each is in the air for well under a millisecond: at 1× they flash by; slow down to 0.01× to watch them.">
                            { format!("{gossip_rate}/s") }
                        </span>
                        { crate::components::cluster_view::legend() }
                    </div>
                    <div class="canvas" style={canvas_style}>
                        <ClusterView cards={all_cards} flights={flights} hops={hops} observer={observer}
                                     selected={selected} reduced_motion={reduced_motion} on_select={on_select}
                                     on_message={on_message} faults={faults} undrawn={undrawn}
                                     highlighted={highlighted} highlight_messages={highlight_messages} />
                        if let (Some(style), Some(_)) = (popover_style, &selected_card) {
                            <div class="node-popover" style={style}>
                                <button type="button" class="close" aria-label="Close the node's details" onclick={close_node}>{ "✕" }</button>
                                <NodePanel card={selected_card.clone()} is_observer={selected == Some(observer)}
                                           observer_port={observer_port} partitioned={partitioned} ports={ports.clone()} on_op={on_op.clone()} />
                            </div>
                        }
                    </div>
                    // Over the view's corner, so that opening it moves nothing else.
                    if let Some(flight) = inspected {
                        <MessagePanel flight={flight} ports={ports.clone()} on_close={on_close} />
                    }
                </section>
                }
                if tour_panel {
                    // The tour beside the console, both in the stage's height.
                    <div class="side">
                        <TourPanel index={tour_index} show_index={tours_open} step={tour_step} error={tour_error}
                                   on_msg={dispatch.clone()} />
                        if show_console { { console } }
                    </div>
                } else if show_console {
                    { console }
                }
                if !drawers.is_empty() {
                <section class="drawers panel" id="drawers" aria-label="More">
                    <div class="tabs" role="tablist">{ for drawers.iter().copied().map(tab) }</div>
                    if drawers.contains(&Drawer::Key) {
                    <div id="drawer-key" role="tabpanel" aria-labelledby="tab-key" hidden={drawer != Drawer::Key}>
                        <KeyInspector map={map} colours={colours} value={inspector_key} on_key={on_key} />
                    </div>
                    }
                    if drawers.contains(&Drawer::Log) {
                    <div id="drawer-log" role="tabpanel" aria-labelledby="tab-log" hidden={drawer != Drawer::Log}>
                        <EventLog rows={rows} ports={ports.clone()} filter={filter} on_toggle={on_toggle} on_row={on_row} />
                    </div>
                    }
                    if drawers.contains(&Drawer::Operations) {
                    <div id="drawer-ops" role="tabpanel" aria-labelledby="tab-ops" hidden={drawer != Drawer::Operations}>
                        <div class="cluster-settings">
                            <label>{ "A new cluster: " }{ select("Cluster size", &shape_options, SHAPES.iter().position(|sh| *sh == shape), on_shape) }</label>
                            <label>{ "node_timeout on every node " }{ select("node_timeout", &timeout_options, NODE_TIMEOUTS.iter().position(|ms| *ms == node_timeout), on_timeout) }</label>
                        </div>
                        <Operations status={op_status} ports={ports} masters={masters} full_coverage={full_coverage}
                                    reads_when_down={reads_when_down} disagreements={disagreements} on_action={on_action} />
                    </div>
                    }
                </section>
                }
            </main>
        </>
    }
}

/// A drawer's id in the page.
fn drawer_id(d: Drawer) -> &'static str {
    match d {
        Drawer::Key => "key",
        Drawer::Log => "log",
        Drawer::Operations => "ops",
    }
}
