//! Playback: which moment of the run is on screen, how fast it moves, and
//! the user's gestures turned into core actions. No cluster rule lives
//! here: the state shown is the core's (`Timeline::state_at` for the past),
//! and what moves on screen is read from the core's trace.
//!
//! Plain Rust, no browser: the tests below drive it natively.

use slotscope_sim::bus::MsgKind;
use slotscope_sim::client::Hop;
use slotscope_sim::timeline::{Action, Outcome, Timeline};
use slotscope_sim::trace::TraceEvent;
use slotscope_sim::{Cluster, NodeIdx};

/// Speeds offered, as powers of ten of real time: 0.01× to 100×.
pub const SPEED_LOG_MIN: f64 = -2.0;
pub const SPEED_LOG_MAX: f64 = 2.0;

/// While a message other than gossip is in flight, a simulated millisecond
/// lasts at least this long on screen, so that it can be followed (bus
/// messages take about a millisecond; failover takes seconds).
pub const WALL_MS_PER_SIM_MS_IN_FLIGHT: f64 = 600.0;

/// How long each leg of a console command's hop is shown, wall ms.
pub const HOP_LEG_WALL_MS: f64 = 450.0;

/// A message drawn between two nodes at the moment shown.
#[derive(Clone, Debug, PartialEq)]
pub struct Flight {
    pub from: NodeIdx,
    pub to: NodeIdx,
    /// A bus message's type; None for an entry of a master's replication
    /// stream to a replica (not a bus message: its own connection).
    pub kind: Option<MsgKind>,
    /// For a replication entry: the stream offset at its end.
    pub offset: u64,
    /// 0 at the sender, 1 at the receiver.
    pub progress: f64,
    pub sent_at: u64,
    pub arrives: u64,
    /// What it carries (the studio's trace keeps bodies).
    pub body: Option<std::rc::Rc<slotscope_sim::bus::Msg>>,
}

/// A leg of a console command's trip, drawn between the console and a node.
#[derive(Clone, Debug, PartialEq)]
pub struct HopFlight {
    pub node: NodeIdx,
    /// The request on its way out, or the reply on its way back.
    pub reply: bool,
    pub label: String,
    pub progress: f64,
    /// What became of the request (the reply leg is drawn by it: MOVED, ASK).
    pub outcome: slotscope_sim::routing::HopOutcome,
}

/// Where a console entry comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A line typed at the console's client.
    Typed,
    /// A line typed while the console's client read messages: it ran in a
    /// second client on the same node, as in a second terminal.
    SecondClient,
    /// What the client read without a typed line: a published message as
    /// it arrived, or Ctrl-C.
    Read,
}

/// What the console shows for one typed line.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsoleEntry {
    pub kind: EntryKind,
    /// When it was typed, simulated ms (and on which branch's timeline:
    /// entries typed later than the moment shown are the future's).
    pub at: u64,
    pub prompt: String,
    pub line: String,
    pub printed: Vec<String>,
    /// Requests the command sent (a smart client's CLUSTER SLOTS included).
    pub hops: usize,
    /// The keys the command names (for the key inspector).
    pub keys: Vec<String>,
    /// What became of each request it sent.
    pub outcomes: Vec<slotscope_sim::routing::HopOutcome>,
}

/// The keys a console line names, as the command table finds them.
pub fn keys_of(line: &str) -> Vec<String> {
    use slotscope_sim::command::table::{key_positions, lookup, Lookup};
    let Ok(argv) = slotscope_sim::command::parse::split_args(line.as_bytes()) else {
        return Vec::new();
    };
    let Lookup::Found(spec) = lookup(&argv) else {
        return Vec::new();
    };
    let mut keys: Vec<String> = Vec::new();
    for i in key_positions(spec, &argv) {
        let key = String::from_utf8_lossy(&argv[i]).into_owned();
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// Which of the studio's drawers (below the stage) is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drawer {
    Key,
    Log,
    Operations,
}

impl Drawer {
    pub const ALL: [Drawer; 3] = [Drawer::Key, Drawer::Log, Drawer::Operations];

    pub fn label(self) -> &'static str {
        match self {
            Drawer::Key => "Where does a key live?",
            Drawer::Log => "Event log",
            Drawer::Operations => "Operations & settings",
        }
    }
}

/// How a console entry stands at the moment shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryState {
    /// Typed at or before the moment shown, its reply arrived.
    Done,
    /// Its request or reply is still drawn on the way: no reply yet.
    Waiting,
    /// Typed after the moment shown (scrubbed back): the future's.
    Future,
}

/// What the playback is doing, as the speed display says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pace {
    Paused,
    /// At the chosen speed.
    AsSet,
    /// Slowed down so that a message other than gossip can be followed.
    SlowedForMessages,
    /// Simulated time stands still while a console command's request and
    /// reply are drawn.
    CommandInFlight,
}

/// Notable moments, marked on the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerKind {
    Action,
    Pfail,
    Fail,
    Promotion,
    Moved,
    Ask,
    TryAgain,
    /// A replica asks for votes (FAILOVER_AUTH_REQUEST).
    Election,
    /// A migration command (SETSLOT, MIGRATE) or operation.
    Migration,
}

impl MarkerKind {
    /// One character on the timeline (the label says the rest).
    pub fn symbol(self) -> &'static str {
        match self {
            MarkerKind::Action => "●",
            MarkerKind::Pfail => "?",
            MarkerKind::Fail => "F",
            MarkerKind::Promotion => "↑",
            MarkerKind::Moved => "M",
            MarkerKind::Ask => "A",
            MarkerKind::TryAgain => "T",
            MarkerKind::Election => "E",
            MarkerKind::Migration => "⇄",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MarkerKind::Action => "action",
            MarkerKind::Pfail => "PFAIL",
            MarkerKind::Fail => "FAIL",
            MarkerKind::Promotion => "promotion",
            MarkerKind::Moved => "MOVED",
            MarkerKind::Ask => "ASK",
            MarkerKind::TryAgain => "TRYAGAIN",
            MarkerKind::Election => "election",
            MarkerKind::Migration => "migration",
        }
    }

    pub const ALL: [MarkerKind; 9] = [
        MarkerKind::Action,
        MarkerKind::Pfail,
        MarkerKind::Fail,
        MarkerKind::Election,
        MarkerKind::Promotion,
        MarkerKind::Moved,
        MarkerKind::Ask,
        MarkerKind::TryAgain,
        MarkerKind::Migration,
    ];

    /// What the legend says it marks.
    pub fn meaning(self) -> &'static str {
        match self {
            MarkerKind::Action => "something you did (kill, pause, a command, a setting)",
            MarkerKind::Pfail => "a node flags another fail? (no PONG within node_timeout)",
            MarkerKind::Fail => "a majority of masters agree: the node is FAIL",
            MarkerKind::Election => "a replica asks the masters for votes",
            MarkerKind::Promotion => "a replica becomes a master",
            MarkerKind::Moved => "a node answered MOVED",
            MarkerKind::Ask => "a node answered ASK (slot in migration)",
            MarkerKind::TryAgain => "a node answered TRYAGAIN",
            MarkerKind::Migration => "a step of a slot migration (SETSLOT, MIGRATE)",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub at: u64,
    pub kind: MarkerKind,
    pub text: String,
    /// The node it is about (flagged, promoted, asking for votes, or
    /// answering the command), if any.
    pub node: Option<NodeIdx>,
}

/// SETSLOT (but not SETSLOT … STABLE on its own) and MIGRATE: the steps
/// of a slot migration.
fn is_migration(argv: &[Vec<u8>]) -> bool {
    let word = |i: usize| argv.get(i).map(|w| w.to_ascii_uppercase());
    word(0).as_deref() == Some(b"MIGRATE")
        || (word(0).as_deref() == Some(b"CLUSTER") && word(1).as_deref() == Some(b"SETSLOT"))
}

/// A command as typed, cut to `max` characters.
pub fn words(argv: &[Vec<u8>], max: usize) -> String {
    let line = String::from_utf8_lossy(&argv.join(&b' ')).into_owned();
    if line.chars().count() > max {
        let cut: String = line.chars().take(max - 1).collect();
        format!("{cut}…")
    } else {
        line
    }
}

/// The kinds of event the event log can show or hide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// PING, PONG, MEET.
    Gossip,
    /// FAIL broadcasts.
    Failure,
    /// Vote requests and acks, manual failover start.
    Election,
    /// UPDATE and PUBLISH.
    Config,
    /// Client commands and their replies.
    Client,
    /// The replication stream.
    Replication,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Client,
        Category::Failure,
        Category::Election,
        Category::Config,
        Category::Replication,
        Category::Gossip,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Category::Gossip => "gossip",
            Category::Failure => "FAIL",
            Category::Election => "election",
            Category::Config => "UPDATE",
            Category::Client => "clients",
            Category::Replication => "replication",
        }
    }

    pub fn of(kind: MsgKind) -> Category {
        match kind {
            MsgKind::Ping | MsgKind::Pong | MsgKind::Meet => Category::Gossip,
            MsgKind::Fail => Category::Failure,
            MsgKind::AuthRequest | MsgKind::AuthAck | MsgKind::MfStart => Category::Election,
            MsgKind::Update | MsgKind::Publish => Category::Config,
        }
    }
}

/// One arrow of the event log: `from` and `to` are nodes, None the client.
#[derive(Clone, Debug, PartialEq)]
pub struct LogRow {
    pub at: u64,
    pub arrives: u64,
    pub from: Option<NodeIdx>,
    pub to: Option<NodeIdx>,
    pub label: String,
    pub category: Category,
    /// For bus messages, what they carried.
    pub body: Option<std::rc::Rc<slotscope_sim::bus::Msg>>,
    pub kind: Option<MsgKind>,
}

fn is_gossip(kind: MsgKind) -> bool {
    matches!(kind, MsgKind::Ping | MsgKind::Pong | MsgKind::Meet)
}

/// What a flight is called on screen: the bus type, or REPLICATION.
pub fn flight_label(kind: Option<MsgKind>) -> &'static str {
    kind.map_or("REPLICATION", MsgKind::name)
}

pub struct Studio {
    /// How the cluster was created (it decides where each node is drawn).
    pub shape: crate::view::cards::Shape,
    /// The run, from creation to its present.
    pub timeline: Timeline,
    /// Futures left behind by acting in the past, most recent last: the
    /// user can switch back to them.
    pub branches: Vec<Timeline>,
    /// The console transcript of each branch left behind (same order).
    branch_logs: Vec<Vec<ConsoleEntry>>,
    /// The moment on screen, simulated ms (fractional while messages fly).
    pub t: f64,
    pub playing: bool,
    /// log10 of the speed (1× = 0).
    pub speed_log: f64,
    /// Whose view of flags and roles is drawn.
    pub observer: NodeIdx,
    pub selected: Option<NodeIdx>,
    pub show_gossip: bool,
    /// `prefers-reduced-motion`: messages are drawn still, half way.
    pub reduced_motion: bool,
    pub console_log: Vec<ConsoleEntry>,
    /// Messages up to this number (`Cluster::messages_delivered`) are in
    /// the console log (after a rewind, the rebuilt present holds some again).
    messages_read: u64,
    pub history: Vec<String>,
    /// The hops of the last console command, and how long (wall ms, as
    /// frames went by) their animation has run.
    hops: Vec<Hop>,
    hops_elapsed: f64,
    /// Wall clock of the last tick, ms.
    wall: f64,
    past: Option<(u64, slotscope_sim::session::Session)>,
    markers: Vec<Marker>,
    /// Trace events already scanned for markers (counted from the start).
    scanned: u64,
    /// Where the events the log shows other than gossip are in the trace
    /// (counted from the start): without gossip, the log reads these
    /// instead of walking back through every PING and PONG.
    notable: Vec<u64>,
    /// The message whose content is shown (clicked in the air or in the log).
    pub inspected: Option<Flight>,
    /// Categories the event log shows.
    pub log_filter: Vec<Category>,
    /// The key in the inspector.
    pub inspector_key: String,
    pub drawer: Drawer,
    /// Acting in the past started a new branch at this moment (the notice
    /// says so until dismissed).
    pub branch_notice: Option<u64>,
    /// Why the link (or the page's parameters) could not be used, as a
    /// sentence for the page.
    pub link_error: Option<String>,
    /// Embed mode: what the lesson page's frame asked for (None: the full
    /// page).
    pub embed: Option<crate::embed::Embed>,
    /// "Copy link" was pressed (the button says so until the next gesture).
    pub link_copied: bool,
    /// The tour being played, if any.
    pub tour: Option<crate::tour_player::Player>,
    /// The tour index is shown (the Tours entry).
    pub tours_open: bool,
    /// Why a tour could not be opened or read (shown until dismissed).
    pub tour_error: Option<String>,
    /// Steps solved, per tour id, for the rest of the session.
    pub tour_memory: Vec<(String, Vec<bool>)>,
    /// Tour events not yet told to the host page.
    pub tour_events: Vec<crate::tour_player::TourEvent>,
}

impl Studio {
    pub fn new(mut cluster: Cluster) -> Studio {
        cluster.trace.bodies = true;
        Studio {
            shape: crate::view::cards::Shape::of_new(&cluster),
            timeline: Timeline::new(cluster),
            branches: Vec::new(),
            branch_logs: Vec::new(),
            t: 0.0,
            playing: false,
            speed_log: 0.0,
            observer: 0,
            selected: None,
            show_gossip: true,
            reduced_motion: false,
            console_log: Vec::new(),
            messages_read: 0,
            history: Vec::new(),
            hops: Vec::new(),
            hops_elapsed: 0.0,
            wall: 0.0,
            past: None,
            markers: Vec::new(),
            scanned: 0,
            notable: Vec::new(),
            inspected: None,
            log_filter: vec![
                Category::Client,
                Category::Failure,
                Category::Election,
                Category::Config,
            ],
            inspector_key: crate::app::START_KEY.to_string(),
            drawer: Drawer::Key,
            branch_notice: None,
            link_error: None,
            embed: None,
            link_copied: false,
            tour: None,
            tours_open: false,
            tour_error: None,
            tour_memory: Vec::new(),
            tour_events: Vec::new(),
        }
    }

    /// After the timeline was rewound in place (a tour's Back): what the
    /// page derives from it is rebuilt, and the console log keeps its
    /// first `entries` (what had been typed by then). No branch is kept:
    /// Back undoes the step, it does not explore another future.
    pub fn rewound(&mut self, entries: usize) {
        self.console_log.truncate(entries);
        self.messages_read = self.timeline.session.world.messages_delivered;
        self.past = None;
        self.markers.clear();
        self.scanned = 0;
        self.notable.clear();
        self.branches.clear();
        self.branch_logs.clear();
        self.branch_notice = None;
        self.inspected = None;
        self.selected = None;
        self.playing = false;
        self.finish_animation();
        self.t = self.timeline.now() as f64;
        let nodes = &self.timeline.session.world.nodes;
        if !nodes.get(self.observer).is_some_and(|n| n.alive) {
            self.observer = nodes.iter().position(|n| n.alive).unwrap_or(0);
        }
    }

    /// Each console entry, with how it stands at the moment shown: the
    /// last command's reply waits until its animation brings it back to
    /// the client; entries typed after the moment shown are the future's.
    pub fn console_entries(&self) -> Vec<(ConsoleEntry, EntryState)> {
        let now = self.now();
        // The line whose reply may still be on its way (messages read
        // since do not count).
        let last = self
            .console_log
            .iter()
            .rposition(|e| e.kind != EntryKind::Read)
            .unwrap_or(0);
        self.console_log
            .iter()
            .enumerate()
            // A message shows once it has arrived at the moment shown.
            .filter(|(_, e)| !(e.kind == EntryKind::Read && e.at > now))
            .map(|(i, e)| {
                let state = if e.at > now {
                    EntryState::Future
                } else if i == last && self.hops_running() {
                    EntryState::Waiting
                } else {
                    EntryState::Done
                };
                (e.clone(), state)
            })
            .collect()
    }

    /// What the playback is doing, for the speed display, with the
    /// messages in the air (`flights()`, computed once per frame).
    pub fn pace(&self, flights: &[Flight]) -> Pace {
        if self.hops_running() {
            Pace::CommandInFlight
        } else if !self.playing {
            Pace::Paused
        } else if flights.iter().any(|f| !f.kind.is_some_and(is_gossip))
            && self.speed() > 1.0 / WALL_MS_PER_SIM_MS_IN_FLIGHT
        {
            Pace::SlowedForMessages
        } else {
            Pace::AsSet
        }
    }

    /// The simulated millisecond on screen.
    pub fn now(&self) -> u64 {
        self.t.floor() as u64
    }

    pub fn is_live(&self) -> bool {
        self.now() >= self.timeline.now()
    }

    pub fn speed(&self) -> f64 {
        10f64.powf(self.speed_log)
    }

    /// The session (world, console, operator) as it is at the moment shown.
    pub fn session(&mut self) -> &slotscope_sim::session::Session {
        let t = self.now();
        if t >= self.timeline.now() {
            return &self.timeline.session;
        }
        if self.past.as_ref().is_none_or(|(at, _)| *at != t) {
            self.past = Some((t, self.timeline.state_at(t)));
        }
        &self.past.as_ref().expect("just set").1
    }

    /// The cluster as it is at the moment shown.
    pub fn cluster(&mut self) -> &Cluster {
        &self.session().world
    }

    /// The trace: the present's holds the whole history of this branch.
    fn events(&self) -> &std::collections::VecDeque<TraceEvent> {
        &self.timeline.session.world.trace.events
    }

    /// Index of the first event at or after `t`.
    fn first_at_or_after(&self, t: u64) -> usize {
        self.events().partition_point(|e| e.at() < t)
    }

    /// PING/PONG/MEET messages sent in the simulated second before the
    /// moment shown: how much gossip flows, though each lasts a link
    /// latency in the air (well under a frame at 1×).
    pub fn gossip_per_second(&self) -> usize {
        let now = self.now();
        let (from, to) = (
            self.first_at_or_after(now.saturating_sub(1_000)),
            self.first_at_or_after(now + 1),
        );
        self.events()
            .range(from..to.max(from))
            .filter(|e| matches!(e, TraceEvent::Sent { kind, .. } if is_gossip(*kind)))
            .count()
    }

    /// Bus messages in the air at the moment shown.
    pub fn flights(&self) -> Vec<Flight> {
        let t = self.t;
        let now = self.now();
        // A message lasts at most a few ms; look back a little.
        let from = self.first_at_or_after(now.saturating_sub(50));
        let mut out = Vec::new();
        for e in self.events().range(from..) {
            if e.at() > now {
                break;
            }
            let (at, from, to, kind, arrives, body, offset) = match *e {
                TraceEvent::Sent {
                    at,
                    from,
                    to,
                    kind,
                    arrives,
                    ref body,
                } => (at, from, to, Some(kind), arrives, body.clone(), 0),
                TraceEvent::Replication {
                    at,
                    master,
                    replica,
                    offset,
                    arrives,
                } => (at, master, replica, None, arrives, None, offset),
                _ => continue,
            };
            if !self.show_gossip && kind.is_some_and(is_gossip) {
                continue;
            }
            // Shown for at least a millisecond (same-ms deliveries too).
            let end = arrives.max(at + 1) as f64;
            if (at as f64) <= t && t < end {
                out.push(Flight {
                    from,
                    to,
                    kind,
                    offset,
                    progress: (t - at as f64) / (end - at as f64),
                    sent_at: at,
                    arrives,
                    body,
                });
            }
        }
        out
    }

    /// The last `limit` events of the log up to the moment shown, oldest
    /// first, in the categories of `log_filter`.
    pub fn log_rows(&mut self, limit: usize) -> Vec<LogRow> {
        self.markers(); // brings `notable` up to date
        let end = self.first_at_or_after(self.now() + 1);
        let shows = |c: Category| self.log_filter.contains(&c);
        let evicted = self.timeline.session.world.trace.evicted;
        let events = self.events();
        // Without gossip, only the notable events need reading.
        let picked: Box<dyn Iterator<Item = &TraceEvent>> = if shows(Category::Gossip) {
            Box::new(events.range(..end).rev())
        } else {
            Box::new(
                self.notable
                    .iter()
                    .rev()
                    .filter_map(move |&n| n.checked_sub(evicted))
                    .filter(move |&i| (i as usize) < end)
                    .map(move |i| &events[i as usize]),
            )
        };
        let mut rows = Vec::new();
        for e in picked {
            if rows.len() >= limit {
                break;
            }
            match e {
                TraceEvent::Sent {
                    at,
                    from,
                    to,
                    kind,
                    arrives,
                    body,
                } if shows(Category::of(*kind)) => rows.push(LogRow {
                    at: *at,
                    arrives: *arrives,
                    from: Some(*from),
                    to: Some(*to),
                    label: kind.name().into(),
                    category: Category::of(*kind),
                    body: body.clone(),
                    kind: Some(*kind),
                }),
                TraceEvent::Command {
                    at,
                    replied,
                    node,
                    argv,
                    reply,
                    ..
                } if shows(Category::Client) => {
                    // Newest first here: the reply, then its request.
                    for (from, to, label, t) in [
                        (Some(*node), None, reply_label(reply), *replied),
                        (None, Some(*node), words(argv, 40), *at),
                    ] {
                        rows.push(LogRow {
                            at: t,
                            arrives: t,
                            from,
                            to,
                            label,
                            category: Category::Client,
                            body: None,
                            kind: None,
                        });
                    }
                }
                TraceEvent::Replication {
                    at,
                    master,
                    replica,
                    offset,
                    arrives,
                } if shows(Category::Replication) => rows.push(LogRow {
                    at: *at,
                    arrives: *arrives,
                    from: Some(*master),
                    to: Some(*replica),
                    label: format!("stream → offset {offset}"),
                    category: Category::Replication,
                    body: None,
                    kind: None,
                }),
                _ => {}
            }
        }
        rows.truncate(limit);
        rows.reverse();
        rows
    }

    /// Shows the content of a message from the log: goes to the moment it
    /// left, pauses, and keeps it on screen.
    pub fn inspect_row(&mut self, row: &LogRow) {
        self.playing = false;
        if let (Some(from), Some(to), Some(kind)) = (row.from, row.to, row.kind) {
            self.inspected = Some(Flight {
                from,
                to,
                kind: Some(kind),
                offset: 0,
                progress: 0.0,
                sent_at: row.at,
                arrives: row.arrives,
                body: row.body.clone(),
            });
        }
        self.seek(row.at as f64);
    }

    /// The console command's legs in the air (wall-clock animation).
    pub fn hop_flights(&self) -> Vec<HopFlight> {
        let elapsed = self.hops_elapsed;
        let leg = (elapsed / HOP_LEG_WALL_MS).floor();
        if self.hops.is_empty() || leg < 0.0 {
            return Vec::new();
        }
        let leg = leg as usize;
        let Some(hop) = self.hops.get(leg / 2) else {
            return Vec::new();
        };
        let reply = leg % 2 == 1;
        let label = if reply {
            reply_label(&hop.reply)
        } else {
            String::from_utf8_lossy(&hop.argv.join(&b' '))
                .chars()
                .take(24)
                .collect()
        };
        vec![HopFlight {
            node: hop.node,
            reply,
            label,
            progress: (elapsed / HOP_LEG_WALL_MS).fract(),
            outcome: hop.outcome,
        }]
    }

    /// The port of every node of the present, by index.
    pub fn cluster_ports(&self) -> Vec<u16> {
        self.timeline
            .session
            .world
            .nodes
            .iter()
            .map(|n| n.addr.port)
            .collect()
    }

    /// Ends the console command's animation at once (a link reopened shows
    /// its moment, not the last command on its way).
    pub fn finish_animation(&mut self) {
        self.hops.clear();
        self.hops_elapsed = 0.0;
    }

    fn hops_running(&self) -> bool {
        self.hops_elapsed < self.hops.len() as f64 * 2.0 * HOP_LEG_WALL_MS
    }

    /// Whether the next frames change anything on screen.
    pub fn animating(&self) -> bool {
        self.playing || self.hops_running()
    }

    /// Moves the moment shown on by `dt` wall ms at the chosen speed,
    /// slowing down while non-gossip messages fly and stopping at the
    /// moment one leaves, so that none is skipped.
    pub fn tick(&mut self, wall_now: f64) {
        let dt = (wall_now - self.wall).clamp(0.0, 100.0);
        self.wall = wall_now;
        if self.hops_running() {
            // A slow frame must not skip a leg: at most 50 ms per frame.
            self.hops_elapsed += dt.min(50.0);
            return;
        }
        if !self.playing {
            return;
        }
        let mut rate = self.speed();
        let notable_in_flight = self
            .flights()
            .iter()
            .any(|f| !f.kind.is_some_and(is_gossip));
        if notable_in_flight {
            rate = rate.min(1.0 / WALL_MS_PER_SIM_MS_IN_FLIGHT);
        }
        let mut target = self.t + dt * rate;
        if let Some(next) = self.next_notable_send(self.now() + 1, target.floor() as u64) {
            target = target.min(next as f64);
        }
        self.seek(target);
    }

    fn next_notable_send(&mut self, from: u64, to: u64) -> Option<u64> {
        if self.is_live() {
            // Run the present forward first: the trace then has the sends.
            self.timeline.advance_to(to);
            self.read_messages();
        }
        let start = self.first_at_or_after(from);
        self.events()
            .range(start..)
            .take_while(|e| e.at() <= to)
            .find_map(|e| match e {
                TraceEvent::Sent { at, kind, .. } if !is_gossip(*kind) => Some(*at),
                _ => None,
            })
    }

    /// Shows moment `t`; past the present, the present runs forward to it.
    pub fn seek(&mut self, t: f64) {
        let t = t.max(0.0);
        if t.floor() as u64 > self.timeline.now() {
            self.timeline.advance_to(t.floor() as u64);
            self.read_messages();
        }
        self.t = t;
    }

    /// → : the next moment something happens (in the present, the next
    /// event of the queue).
    pub fn step_forward(&mut self) {
        self.playing = false;
        let now = self.now();
        if self.is_live() {
            let t = self.timeline.step(60_000);
            self.t = t as f64;
            self.read_messages();
            return;
        }
        let next = self.first_at_or_after(now + 1);
        let t = self
            .events()
            .get(next)
            .map_or(self.timeline.now(), |e| e.at());
        self.t = t as f64;
    }

    /// ← : the last moment before this one when something happened.
    pub fn step_back(&mut self) {
        self.playing = false;
        let now = self.now();
        let i = self.first_at_or_after(now);
        let t = if i == 0 { 0 } else { self.events()[i - 1].at() };
        self.t = t as f64;
    }

    /// Applies a user action at the moment shown. In the past, the future
    /// that had been recorded is kept as a branch to switch back to.
    pub fn act(&mut self, action: Action) -> Outcome {
        let outcome = self.act_unread(action);
        self.read_messages();
        outcome
    }

    /// `act` without reading the messages it brought (the console logs its
    /// line first, so that they print after it).
    fn act_unread(&mut self, action: Action) -> Outcome {
        if !self.is_live() {
            let at = self.now();
            self.branch_notice = Some(at);
            self.branches.push(self.timeline.clone());
            // The lines typed after this moment belong to the future left.
            self.branch_logs.push(self.console_log.clone());
            self.console_log.retain(|e| e.at <= at);
            self.timeline.rewind(at);
            // What had arrived by then was read then: it is in the log kept.
            self.messages_read = self.timeline.session.world.messages_delivered;
            self.past = None;
            self.markers.retain(|m| m.at <= at);
            self.scanned = self.timeline.session.world.trace.evicted
                + self.timeline.session.world.trace.events.len() as u64;
            let end = self.scanned;
            self.notable.retain(|&n| n < end);
        }
        let outcome = self.timeline.act(action);
        self.t = self.timeline.now() as f64;
        outcome
    }

    /// Moves the messages that reached the console's connections in the
    /// present into the console log, each at the moment it arrived (the
    /// console prints them as they come, as redis-cli does while it reads).
    fn read_messages(&mut self) {
        let session = &mut self.timeline.session;
        let read = session.console.take_messages(&mut session.world);
        for m in read {
            if m.seq <= self.messages_read {
                continue;
            }
            self.messages_read = m.seq;
            self.console_log.push(ConsoleEntry {
                kind: EntryKind::Read,
                at: m.at,
                prompt: String::new(),
                line: String::new(),
                printed: vec![m.text],
                hops: 0,
                keys: Vec::new(),
                outcomes: Vec::new(),
            });
        }
    }

    /// Ctrl-C at the console: stops reading messages.
    pub fn console_interrupt(&mut self) {
        let outcome = self.act(Action::ConsoleInterrupt);
        if let Outcome::Console(o) = outcome {
            if !o.printed.is_empty() {
                self.console_log.push(ConsoleEntry {
                    kind: EntryKind::Read,
                    at: self.now(),
                    prompt: String::new(),
                    line: String::new(),
                    printed: o.printed,
                    hops: 0,
                    keys: Vec::new(),
                    outcomes: Vec::new(),
                });
            }
        }
    }

    /// Switches to the future most recently left behind (and keeps the
    /// current one to come back to).
    pub fn switch_branch(&mut self) {
        if let Some(other) = self.branches.pop() {
            let current = std::mem::replace(&mut self.timeline, other);
            self.branches.insert(0, current);
            let log = self.branch_logs.pop().unwrap_or_default();
            let current_log = std::mem::replace(&mut self.console_log, log);
            self.messages_read = self.timeline.session.world.messages_delivered;
            self.branch_logs.insert(0, current_log);
            self.branch_notice = None;
            self.past = None;
            self.markers.clear();
            self.scanned = 0;
            self.notable.clear();
            self.t = self.t.min(self.timeline.now() as f64);
        }
    }

    /// Runs a console line and starts the animation of its hops.
    pub fn console_line(&mut self, line: &str) {
        let typed_at = self.now();
        let shown = self.session();
        let prompt = shown.console.prompt(&shown.world);
        let kind = if shown.console.reading() {
            EntryKind::SecondClient
        } else {
            EntryKind::Typed
        };
        if !line.trim().is_empty() && self.history.last().is_none_or(|h| h != line) {
            self.history.push(line.to_string());
        }
        let outcome = self.act_unread(Action::ConsoleLine(line.to_string()));
        let (printed, hops) = match outcome {
            Outcome::Console(o) => (o.printed, o.hops),
            _ => (Vec::new(), Vec::new()),
        };
        self.console_log.push(ConsoleEntry {
            kind,
            at: typed_at,
            prompt,
            line: line.to_string(),
            printed,
            hops: hops.len(),
            keys: keys_of(line),
            outcomes: hops.iter().map(|h| h.outcome).collect(),
        });
        self.read_messages();
        self.hops = hops;
        self.hops_elapsed = 0.0;
    }

    /// The notable moments so far, oldest first.
    pub fn markers(&mut self) -> &[Marker] {
        let trace = &self.timeline.session.world.trace;
        let start = self.scanned.saturating_sub(trace.evicted) as usize;
        let nodes = &self.timeline.session.world.nodes;
        let addr = |n: NodeIdx| nodes[n].addr.to_string();
        let first = trace.evicted + start.min(trace.events.len()) as u64;
        for (i, e) in trace
            .events
            .range(start.min(trace.events.len())..)
            .enumerate()
        {
            if matches!(
                e,
                TraceEvent::Command { .. } | TraceEvent::Replication { .. }
            ) || matches!(e, TraceEvent::Sent { kind, .. } if !is_gossip(*kind))
            {
                self.notable.push(first + i as u64);
            }
            let m = match e {
                TraceEvent::Action { at, what } => {
                    Some((*at, MarkerKind::Action, what.clone(), None))
                }
                TraceEvent::Flags {
                    at,
                    observer,
                    node,
                    pfail: true,
                    ..
                } => Some((
                    *at,
                    MarkerKind::Pfail,
                    format!("{} flags {} PFAIL", addr(*observer), addr(*node)),
                    Some(*node),
                )),
                TraceEvent::Flags {
                    at,
                    observer,
                    node,
                    fail: true,
                    ..
                } => Some((
                    *at,
                    MarkerKind::Fail,
                    format!("{} flags {} FAIL", addr(*observer), addr(*node)),
                    Some(*node),
                )),
                TraceEvent::RoleChanged {
                    at,
                    observer,
                    node,
                    role: slotscope_sim::Role::Master,
                } if observer == node => Some((
                    *at,
                    MarkerKind::Promotion,
                    format!("{} becomes a master", addr(*node)),
                    Some(*node),
                )),
                TraceEvent::Sent {
                    at,
                    from,
                    kind: MsgKind::AuthRequest,
                    ..
                } => Some((
                    *at,
                    MarkerKind::Election,
                    format!("{} asks for votes", addr(*from)),
                    Some(*from),
                )),
                TraceEvent::Command {
                    at,
                    reply,
                    node,
                    argv,
                    outcome,
                    ..
                } => {
                    use slotscope_sim::routing::HopOutcome;
                    let said = || format!("{}: {}", addr(*node), reply_text(reply));
                    match outcome {
                        HopOutcome::TryAgain => {
                            Some((*at, MarkerKind::TryAgain, said(), Some(*node)))
                        }
                        HopOutcome::Moved { .. } => {
                            Some((*at, MarkerKind::Moved, said(), Some(*node)))
                        }
                        HopOutcome::Ask { .. } => Some((*at, MarkerKind::Ask, said(), Some(*node))),
                        HopOutcome::Served if is_migration(argv) => Some((
                            *at,
                            MarkerKind::Migration,
                            format!("{}: {}", addr(*node), words(argv, 60)),
                            Some(*node),
                        )),
                        _ => None,
                    }
                }
                _ => None,
            };
            if let Some((at, kind, text, node)) = m {
                // One marker per kind and moment: ten observers flagging the
                // same PFAIL in one ms are one event on the timeline.
                let dup = self
                    .markers
                    .iter()
                    .rev()
                    .take_while(|x| x.at + 200 >= at)
                    .any(|x| x.kind == kind);
                if !dup {
                    self.markers.push(Marker {
                        at,
                        kind,
                        text,
                        node,
                    });
                }
            }
        }
        self.scanned = trace.evicted + trace.events.len() as u64;
        &self.markers
    }
}

/// An error reply's text (`MOVED 12182 127.0.0.1:7002`), for a marker's words.
fn reply_text(reply: &slotscope_sim::Reply) -> String {
    match reply {
        slotscope_sim::Reply::Error(e) => e.clone(),
        other => reply_label(other),
    }
}

/// A reply as a short label on the wire: `+OK`, `-MOVED 12182 …`, `$3`.
pub fn reply_label(reply: &slotscope_sim::Reply) -> String {
    use slotscope_sim::Reply;
    match reply {
        Reply::Error(e) => {
            let short: String = e.chars().take(30).collect();
            format!("-{short}")
        }
        Reply::Status(s) => format!("+{s}"),
        Reply::Integer(i) => format!(":{i}"),
        Reply::Nil => "nil".into(),
        Reply::Bulk(b) => {
            let s = String::from_utf8_lossy(b);
            format!("\"{}\"", s.chars().take(16).collect::<String>())
        }
        Reply::Array(a) => format!("*{}", a.len()),
        _ => "reply".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slotscope_sim::console::ClientMode;

    fn studio() -> Studio {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        c.set_config(|c| c.node_timeout = 2_000);
        Studio::new(c)
    }

    #[test]
    fn playing_moves_time_at_the_chosen_speed() {
        let mut s = studio();
        s.show_gossip = false;
        s.playing = true;
        s.speed_log = 1.0; // 10×
        let mut wall = 0.0;
        for _ in 0..60 {
            wall += 16.0;
            s.tick(wall);
        }
        // 60 frames of 16 ms at 10×, nothing but gossip in the air.
        assert!((s.t - 9_600.0).abs() < 1.0, "t = {}", s.t);
        assert!(s.is_live());
    }

    #[test]
    fn playback_stops_at_a_fail_broadcast_and_slows_down() {
        let mut s = studio();
        s.seek(5_000.0);
        s.act(Action::Kill(0));
        s.playing = true;
        s.speed_log = 2.0;
        let mut wall = 0.0;
        let mut saw_fail = false;
        for _ in 0..2_000 {
            wall += 16.0;
            s.tick(wall);
            if s.flights().iter().any(|f| f.kind == Some(MsgKind::Fail)) {
                saw_fail = true;
                break;
            }
        }
        assert!(saw_fail, "a FAIL message was on screen at some frame");
        let before = s.t;
        wall += 16.0;
        s.tick(wall);
        assert!(s.t - before < 0.1, "slow while it flies");
    }

    #[test]
    fn stepping_back_and_acting_keeps_the_old_future() {
        let mut s = studio();
        s.seek(3_000.0);
        s.act(Action::Kill(0));
        s.seek(10_000.0);
        let promoted_later = s.cluster().nodes[3].role(3) == slotscope_sim::Role::Master;
        assert!(promoted_later);
        s.seek(2_000.0);
        assert!(!s.is_live());
        assert!(s.cluster().nodes[0].alive, "before the kill");
        s.step_back();
        assert!(s.now() < 2_000);
        s.act(Action::Kill(1));
        assert_eq!(s.branches.len(), 1);
        assert!(s.cluster().nodes[0].alive && !s.cluster().nodes[1].alive);
        s.switch_branch();
        assert_eq!(s.timeline.now(), 10_000);
        assert!(!s.timeline.session.world.nodes[0].alive);
    }

    #[test]
    fn messages_print_when_they_arrive_and_once_after_a_rewind() {
        let mut s = studio();
        s.seek(1_000.0);
        s.console_line("SUBSCRIBE news");
        assert!(s.session().console.reading());
        // Typed while reading: the second client, on 7000 too. The message
        // reaches the subscriber on 7000 at once.
        s.console_line("PUBLISH news here");
        let kinds: Vec<EntryKind> = s.console_log.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [EntryKind::Typed, EntryKind::SecondClient, EntryKind::Read]
        );
        assert_eq!(
            s.console_log[2].printed,
            ["1) \"message\"\n2) \"news\"\n3) \"here\""]
        );
        // From 7001, over the bus: nothing until the PUBLISH message lands.
        s.act(Action::NodeCommand(
            1,
            vec![b"PUBLISH".to_vec(), b"news".to_vec(), b"far".to_vec()],
        ));
        let sent_at = s.now();
        assert_eq!(s.console_log.len(), 3, "still on the bus");
        s.seek(sent_at as f64 + 100.0);
        let far = s.console_log.last().unwrap();
        assert_eq!(far.kind, EntryKind::Read);
        assert!(
            far.at > sent_at,
            "printed at its arrival, {} > {sent_at}",
            far.at
        );
        assert_eq!(s.console_log.len(), 4);
        // Back before the far message, and acting there: the rebuilt
        // present holds the first message again, but it prints once.
        let arrived = far.at;
        s.seek((arrived - 1) as f64);
        let shown = s.console_entries().len();
        assert_eq!(shown, 3, "a message shows once it has arrived");
        s.act(Action::NodeCommand(2, vec![b"PING".to_vec()]));
        s.seek(arrived as f64 + 200.0);
        let reads = s
            .console_log
            .iter()
            .filter(|e| e.kind == EntryKind::Read)
            .count();
        assert_eq!(reads, 2, "{:?}", s.console_log);
        // Ctrl-C: reading stops, the transcript says so.
        s.console_interrupt();
        assert!(!s.session().console.reading());
        assert_eq!(s.console_log.last().unwrap().printed.len(), 1);
        s.seek(s.now() as f64 + 1_000.0);
        s.console_line("SUBSCRIBE again");
        s.seek(s.now() as f64 + 2_000.0);
        s.console_interrupt();
        assert!(s.console_log.last().unwrap().printed[0].starts_with("^C(2."));
    }

    #[test]
    fn the_console_shows_the_transcript_of_the_moment_shown() {
        let mut s = studio();
        s.seek(1_000.0);
        s.console_line("SET bar 1");
        // The reply waits for its animation to reach the client.
        assert_eq!(s.console_entries()[0].1, EntryState::Waiting);
        assert_eq!(s.pace(&s.flights()), Pace::CommandInFlight);
        let mut wall = 0.0;
        while s.console_entries()[0].1 == EntryState::Waiting {
            wall += 16.0;
            s.tick(wall);
            assert!(wall < 10_000.0, "the reply arrives");
        }
        assert_eq!(s.console_log[0].keys, ["bar"]);
        s.seek(3_000.0);
        s.console_line("GET bar");
        // Scrubbed back between the two: the second is the future's.
        s.seek(2_000.0);
        let states: Vec<EntryState> = s.console_entries().iter().map(|e| e.1).collect();
        assert_eq!(states, [EntryState::Done, EntryState::Future]);
        // Acting here starts a branch: the future's line goes with it, and
        // comes back with it.
        s.console_line("PING");
        assert_eq!(s.branch_notice, Some(2_000));
        let lines: Vec<&str> = s.console_log.iter().map(|e| e.line.as_str()).collect();
        assert_eq!(lines, ["SET bar 1", "PING"]);
        s.switch_branch();
        let lines: Vec<&str> = s.console_log.iter().map(|e| e.line.as_str()).collect();
        assert_eq!(lines, ["SET bar 1", "GET bar"]);
        assert_eq!(keys_of("MSET {a}x 1 {a}y 2"), ["{a}x", "{a}y"]);
        assert!(keys_of("PING").is_empty() && keys_of("\"unclosed").is_empty());
    }

    #[test]
    fn console_lines_animate_their_hops_and_mark_moved() {
        let mut s = studio();
        s.console_line("SET foo bar");
        assert_eq!(
            s.console_log[0].printed,
            ["(error) MOVED 12182 127.0.0.1:7002"]
        );
        assert_eq!(s.console_log[0].prompt, "127.0.0.1:7000>");
        let legs = s.hop_flights();
        assert_eq!(legs.len(), 1);
        assert!(!legs[0].reply && legs[0].node == 0);
        let mut wall = 0.0;
        while wall < HOP_LEG_WALL_MS * 1.5 {
            wall += 16.0;
            s.tick(wall);
        }
        assert!(s.hop_flights()[0].reply);
        assert_eq!(s.hop_flights()[0].label, "-MOVED 12182 127.0.0.1:7002");
        assert!(s.markers().iter().any(|m| m.kind == MarkerKind::Moved));
        s.act(Action::ConsoleMode(ClientMode::Smart));
        s.console_line("GET foo");
        assert_eq!(s.console_log[1].printed, ["(nil)"]);
        assert_eq!(s.history, ["SET foo bar", "GET foo"]);
    }

    #[test]
    fn the_event_log_follows_the_moment_shown_and_its_filter() {
        let mut s = studio();
        s.seek(1_000.0);
        s.act(Action::Kill(0));
        s.seek(8_000.0);
        // Default filter: no gossip; the FAIL broadcasts and the election are there.
        let rows = s.log_rows(500);
        assert!(rows.iter().all(|r| r.category != Category::Gossip));
        assert!(rows.iter().any(|r| r.label == "FAIL"));
        assert!(rows.iter().any(|r| r.label == "FAILOVER_AUTH_REQUEST"));
        assert!(rows.windows(2).all(|w| w[0].at <= w[1].at), "time order");
        assert!(s.markers().iter().any(|m| m.kind == MarkerKind::Election));
        // The shortcut through the notable events gives what a full walk
        // gives, also after acting in the past.
        s.seek(6_000.0);
        s.act(Action::Restart(0));
        s.seek(7_000.0);
        let fast = s.log_rows(50);
        s.log_filter.push(Category::Gossip);
        let mut full = s.log_rows(100_000);
        full.retain(|r| r.category != Category::Gossip);
        let full = full.split_off(full.len() - fast.len());
        assert_eq!(fast, full);
        assert!(!fast.is_empty());
        s.log_filter.retain(|c| *c != Category::Gossip);
        s.seek(8_000.0);
        // Back before the kill: none of it yet.
        s.seek(900.0);
        assert!(s.log_rows(500).is_empty());
        // Gossip on: PINGs and PONGs, with their content.
        s.log_filter.push(Category::Gossip);
        let rows = s.log_rows(10);
        assert_eq!(rows.len(), 10);
        assert!(rows.iter().all(|r| r.at <= 900 && r.body.is_some()));
        let ping = rows
            .iter()
            .find(|r| r.label == "PING")
            .expect("a PING")
            .clone();
        s.inspect_row(&ping);
        assert_eq!(s.now(), ping.at);
        let shown = s.inspected.as_ref().unwrap();
        assert_eq!(shown.body.as_ref().unwrap().sender, ping.from.unwrap());
    }

    #[test]
    fn a_write_travels_to_the_replica_on_screen() {
        let mut s = studio();
        s.seek(1_000.0);
        s.act(Action::ConsoleNode(2));
        s.console_line("SET foo bar");
        // 7002's replica is 7005: the stream entry is in the air at once,
        // and time slows down while it is.
        let f = s.flights();
        let repl = f
            .iter()
            .find(|f| f.kind.is_none())
            .expect("a replication entry flies");
        assert_eq!((repl.from, repl.to), (2, 5));
        assert!(repl.offset > slotscope_sim::cluster::INITIAL_REPL_OFFSET);
        assert_eq!(flight_label(repl.kind), "REPLICATION");
        s.playing = true;
        s.wall = 0.0;
        s.hops_elapsed = 1e9; // the console's own animation is over
        let before = s.t;
        s.tick(16.0);
        assert!(s.t - before < 0.1, "slow while it flies");
    }

    #[test]
    fn console_commands_are_client_rows_and_migrations_are_marked() {
        let mut s = studio();
        s.console_line("CLUSTER SETSLOT 0 MIGRATING nobody");
        assert!(
            s.markers().is_empty(),
            "a refused SETSLOT is no migration step"
        );
        let id = s.timeline.session.world.nodes[1].id.clone();
        s.console_line(&format!("CLUSTER SETSLOT 0 MIGRATING {id}"));
        s.console_line("GET foo");
        let rows = s.log_rows(6);
        let labels: Vec<(Option<NodeIdx>, Option<NodeIdx>, &str)> = rows
            .iter()
            .map(|r| (r.from, r.to, r.label.as_str()))
            .collect();
        assert_eq!(
            labels,
            [
                (None, Some(0), "CLUSTER SETSLOT 0 MIGRATING nobody"),
                (Some(0), None, "-ERR I don't know about node no"),
                (
                    None,
                    Some(0),
                    &format!("CLUSTER SETSLOT 0 MIGRATING {}…", &id[..11])
                ),
                (Some(0), None, "+OK"),
                (None, Some(0), "GET foo"),
                (Some(0), None, "-MOVED 12182 127.0.0.1:7002"),
            ]
        );
        assert!(s.markers().iter().any(|m| m.kind == MarkerKind::Migration));
    }
}
