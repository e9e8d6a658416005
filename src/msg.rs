//! Every gesture of the page as one message, and the one function that
//! applies it to the studio. A click, a keyboard shortcut — and later a
//! link, a tour step or a host page — all come down to these `Msg`s.

use slotscope_sim::console::ClientMode;
use slotscope_sim::operator::Request;
use slotscope_sim::timeline::Action;
use slotscope_sim::{Cluster, NodeIdx};

use crate::studio::{Category, Drawer, Flight, LogRow, Studio};
use crate::view::cards::Shape;

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

/// node_timeout choices (ms): Redis's default, and shorter ones that make
/// failover quicker to watch.
pub const NODE_TIMEOUTS: [u64; 3] = [15_000, 5_000, 2_000];

/// Extra delay the "slow" button adds to a link, ms.
pub const SLOW_LINK_MS: u64 = 500;

/// What the node panel's buttons ask for, on the selected node.
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
    /// The link between the selected node and another.
    CutLink(usize),
    SlowLink(usize),
    RestoreLink(usize),
    /// `redis-cli --cluster del-node`.
    Remove,
}

/// A gesture.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// A node clicked: selected, or unselected if it was.
    SelectNode(NodeIdx),
    /// The node's details closed (Esc, or their ✕).
    CloseNode,
    /// A node-panel button, on the selected node.
    NodeOp(NodeOp),
    /// The same, on a given node (the host page's API names the node).
    NodeOpOn(NodeIdx, NodeOp),
    /// Play or pause (the host page's API; the button toggles).
    SetPlaying(bool),
    ConsoleLine(String),
    /// Ctrl-C at the console.
    ConsoleInterrupt,
    ConsoleMode(ClientMode),
    ConsoleNode(NodeIdx),
    TogglePlay,
    /// One event forward, or back to the last moment something happened.
    Step {
        forward: bool,
    },
    /// log10 of the speed.
    SetSpeed(f64),
    /// Show simulated ms `t` (no later than the present).
    Seek(u64),
    /// Jump to the moment of marker `i` (in `Studio::markers`), with the
    /// node it is about selected.
    SeekMarker(usize),
    SwitchBranch,
    ToggleGossip,
    SetObserver(NodeIdx),
    /// An operation, or a setting sent to every node (operations panel).
    Act(Action),
    InspectMessage(Flight),
    CloseMessage,
    InspectRow(LogRow),
    ToggleCategory(Category),
    /// A new cluster of one of the offered shapes (index in `SHAPES`).
    SetShape(usize),
    /// cluster-node-timeout on every node.
    SetNodeTimeout(u64),
    /// A key typed in the inspector, or picked from a console line: the
    /// inspector's drawer opens on it.
    InspectKey(String),
    OpenDrawer(Drawer),
    /// The branch notice read.
    DismissNotice,
    /// Puts the link to this moment on the clipboard (the dispatcher does
    /// the copying: `location::copy`).
    CopyLink,
    /// Opens a link (a fragment changed in the address bar, later a host
    /// page): the page it describes, or the reason it cannot.
    OpenLink(String),
    DismissLinkError,
    /// Simulated time passes: the present runs on by this many ms and is
    /// shown (a tour's `advance`).
    Advance(u64),
    /// The tour index shown or hidden (the Tours entry).
    ShowTours(bool),
    /// A tour of the repo's, by id, from step n (0 is the first).
    StartTour(String, usize),
    /// A tour file's text (a teacher's: picked, fetched or sent by the
    /// host page), from step n.
    LoadTour(String, usize),
    /// Next, Back, Restart, a hint, the solution...
    Tour(crate::tour_player::TourMsg),
    DismissTourError,
    /// A tour could not be had (its file not fetched, say): why.
    TourFailed(String),
}

/// Applies one gesture.
pub fn update(s: &mut Studio, msg: Msg) {
    s.link_copied = false;
    match msg {
        Msg::SelectNode(n) => s.selected = if s.selected == Some(n) { None } else { Some(n) },
        Msg::CloseNode => s.selected = None,
        Msg::NodeOpOn(n, op) => {
            if n < s.cluster().nodes.len() {
                node_op(s, n, op);
            }
        }
        Msg::SetPlaying(p) => s.playing = p,
        Msg::NodeOp(op) => {
            if let Some(n) = s.selected {
                node_op(s, n, op);
            }
        }
        Msg::ConsoleLine(line) => s.console_line(&line),
        Msg::ConsoleInterrupt => s.console_interrupt(),
        Msg::ConsoleMode(mode) => {
            s.act(Action::ConsoleMode(mode));
        }
        Msg::ConsoleNode(n) => {
            s.act(Action::ConsoleNode(n));
        }
        Msg::TogglePlay => s.playing = !s.playing,
        Msg::Step { forward: true } => s.step_forward(),
        Msg::Step { forward: false } => s.step_back(),
        Msg::SetSpeed(v) => s.speed_log = v,
        Msg::Seek(t) => {
            let t = t.min(s.timeline.now());
            s.playing = false;
            s.seek(t as f64);
        }
        Msg::SeekMarker(i) => {
            let Some(m) = s.markers().get(i).cloned() else {
                return;
            };
            s.playing = false;
            s.seek(m.at.min(s.timeline.now()) as f64);
            // Jumping to a marker shows the node it is about.
            if let Some(n) = m.node {
                s.selected = Some(n);
            }
        }
        Msg::SwitchBranch => s.switch_branch(),
        Msg::ToggleGossip => s.show_gossip = !s.show_gossip,
        Msg::SetObserver(n) => {
            if n < s.cluster().nodes.len() {
                s.observer = n;
            }
        }
        Msg::Act(a) => {
            s.act(a);
        }
        Msg::InspectMessage(f) => {
            s.playing = false;
            s.inspected = Some(f);
        }
        Msg::CloseMessage => s.inspected = None,
        Msg::InspectRow(row) => s.inspect_row(&row),
        Msg::ToggleCategory(c) => {
            if let Some(i) = s.log_filter.iter().position(|x| *x == c) {
                s.log_filter.remove(i);
            } else {
                s.log_filter.push(c);
            }
        }
        Msg::SetShape(i) => {
            if let Some(&shape) = SHAPES.get(i) {
                // A new run; the page keeps its arrangement.
                let (drawer, embed) = (s.drawer, s.embed.take());
                let memory = std::mem::take(&mut s.tour_memory);
                *s = Studio::new(cluster_of(shape));
                s.drawer = drawer;
                s.embed = embed;
                s.tour_memory = memory;
            }
        }
        Msg::SetNodeTimeout(ms) => {
            s.act(Action::SetConfig(
                "cluster-node-timeout".into(),
                ms.to_string(),
            ));
        }
        Msg::InspectKey(key) => {
            s.inspector_key = key;
            s.drawer = Drawer::Key;
        }
        Msg::OpenDrawer(d) => s.drawer = d,
        Msg::DismissNotice => s.branch_notice = None,
        Msg::CopyLink => s.link_copied = true,
        Msg::OpenLink(text) => match crate::link::tour_of(&text) {
            Ok(Some((id, step))) => crate::tour_player::open(s, &id, step),
            Err(e) => s.link_error = Some(crate::link::refused(&e)),
            Ok(None) => open_link(s, &text),
        },
        Msg::DismissLinkError => s.link_error = None,
        Msg::Advance(ms) => {
            let to = s.timeline.now().saturating_add(ms);
            s.seek(to as f64);
        }
        Msg::ShowTours(open) => s.tours_open = open,
        Msg::StartTour(id, step) => crate::tour_player::open(s, &id, step),
        Msg::LoadTour(text, step) => crate::tour_player::load(s, &text, step),
        Msg::Tour(m) => crate::tour_player::apply(s, m),
        Msg::DismissTourError => s.tour_error = None,
        Msg::TourFailed(why) => {
            s.tour_error = Some(why);
            if s.tour.is_none() {
                s.tours_open = true;
            }
        }
    }
    // A tour's challenge is checked after every gesture (and every frame).
    crate::tour_player::check(s);
}

/// Opens a link to a moment (not a tour's).
fn open_link(s: &mut Studio, text: &str) {
    match crate::link::studio_from(text) {
        Ok(opened) => {
            let (reduced_motion, embed) = (s.reduced_motion, s.embed.take());
            let memory = std::mem::take(&mut s.tour_memory);
            let events = std::mem::take(&mut s.tour_events);
            *s = opened;
            s.reduced_motion = reduced_motion;
            s.embed = embed;
            s.tour_memory = memory;
            s.tour_events = events;
        }
        Err(e) => s.link_error = Some(crate::link::refused(&e)),
    }
}

/// A node-panel button on node `n`.
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
        NodeOp::Isolate => Action::Partition(crate::view::network::isolate(studio.cluster(), n)),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn studio() -> Studio {
        let mut c = cluster_of(SHAPES[0]);
        c.set_config(|c| c.node_timeout = 2_000);
        Studio::new(c)
    }

    #[test]
    fn killing_the_observer_hands_the_view_to_a_live_node() {
        let mut s = studio();
        update(&mut s, Msg::SelectNode(0));
        assert_eq!(s.selected, Some(0));
        update(&mut s, Msg::NodeOp(NodeOp::Kill));
        assert!(!s.cluster().nodes[0].alive);
        assert_eq!(s.observer, 1);
        update(&mut s, Msg::SelectNode(0));
        assert_eq!(s.selected, None, "a second click unselects");
        // Without a selection, node buttons do nothing.
        update(&mut s, Msg::NodeOp(NodeOp::Restart));
        assert!(!s.cluster().nodes[0].alive);
    }

    #[test]
    fn settings_and_shapes_go_through_messages() {
        let mut s = studio();
        update(&mut s, Msg::SetNodeTimeout(5_000));
        assert!(s
            .cluster()
            .nodes
            .iter()
            .all(|n| n.config.node_timeout == 5_000));
        update(&mut s, Msg::SetObserver(99));
        assert_eq!(s.observer, 0, "no such node: ignored");
        update(&mut s, Msg::SetShape(1));
        assert_eq!(s.cluster().nodes.len(), 100);
        update(&mut s, Msg::SetShape(7));
        assert_eq!(s.cluster().nodes.len(), 100, "no such shape: ignored");
    }

    #[test]
    fn isolate_and_console_lines_are_recorded_actions() {
        let mut s = studio();
        update(&mut s, Msg::SelectNode(2));
        update(&mut s, Msg::NodeOp(NodeOp::Isolate));
        assert!(crate::view::network::partitioned(s.cluster(), 2));
        update(&mut s, Msg::ConsoleLine("SET foo bar".into()));
        assert_eq!(s.timeline.actions().len(), 2);
        update(&mut s, Msg::ToggleCategory(Category::Client));
        assert!(!s.log_filter.contains(&Category::Client));
        update(&mut s, Msg::ToggleCategory(Category::Client));
        assert!(s.log_filter.contains(&Category::Client));
    }
}

#[cfg(test)]
mod config_tests {
    use super::*;

    #[test]
    fn a_page_setting_after_a_console_config_set_reaches_every_node() {
        let mut s = Studio::new(cluster_of(SHAPES[0]));
        update(
            &mut s,
            Msg::ConsoleLine("CONFIG SET cluster-allow-reads-when-down yes".into()),
        );
        assert_eq!(crate::view::settings::disagreements(s.cluster()).len(), 1);
        update(
            &mut s,
            Msg::Act(Action::SetConfig(
                "cluster-allow-reads-when-down".into(),
                "yes".into(),
            )),
        );
        assert!(crate::view::settings::disagreements(s.cluster()).is_empty());
        assert!(
            crate::view::settings::setting(s.cluster(), "cluster-allow-reads-when-down").is_yes()
        );
    }
}
