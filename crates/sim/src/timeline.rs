//! Going back in time. A `Timeline` runs the cluster, records every user
//! action with its simulated time, and keeps checkpoints (clones of the
//! whole session) as time passes. Any earlier moment is rebuilt by taking
//! the last checkpoint before it and replaying the actions since: the run
//! is deterministic, so the result is the state the cluster had then, bit
//! for bit. Memory stays bounded: past `max_checkpoints`, every other
//! checkpoint is dropped (the first is kept), so the checkpoints thin out
//! over a long run and a jump replays at most a few gaps' worth of time.

use crate::cluster::{ConnId, NodeIdx};
use crate::reply::Reply;
use crate::session::Session;
use crate::trace::Trace;

/// Something the user did to the cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Kill(NodeIdx),
    Restart(NodeIdx),
    Pause(NodeIdx, u64),
    Partition(Vec<Vec<NodeIdx>>),
    Heal,
    /// Opens a client connection (connection IDs are given in order).
    Connect(NodeIdx),
    /// A command on a client connection.
    Execute {
        conn: ConnId,
        argv: Vec<Vec<u8>>,
    },
    /// A setting changed on every node (and in every redis.conf), as
    /// `CONFIG SET name value` takes it: what the page's settings do.
    SetConfig(String, String),
    /// A line typed at the console.
    ConsoleLine(String),
    /// Ctrl-C at the console (what stops redis-cli reading messages).
    ConsoleInterrupt,
    ConsoleMode(crate::console::ClientMode),
    ConsoleNode(NodeIdx),
    /// A command sent to a node on a connection of its own (what the UI's
    /// node menu does for CLUSTER FAILOVER and the like).
    NodeCommand(NodeIdx, Vec<Vec<u8>>),
    CutLink(NodeIdx, NodeIdx),
    RestoreLink(NodeIdx, NodeIdx),
    /// Extra delay on a link, ms (0: back to normal).
    SlowLink(NodeIdx, NodeIdx, u64),
    /// A `redis-cli --cluster` operation, paced by the operator.
    Operate(crate::operator::Request),
    PauseOperation(bool),
    StepOperation,
    AbandonOperation,
}

#[derive(Clone, Debug)]
struct Checkpoint {
    at: u64,
    /// How many recorded actions had been applied when it was taken.
    actions_done: usize,
    session: Session,
}

#[derive(Clone, Debug)]
pub struct Timeline {
    /// The present.
    pub session: Session,
    actions: Vec<(u64, Action)>,
    checkpoints: Vec<Checkpoint>,
    /// A checkpoint is taken every this many simulated ms.
    pub every_ms: u64,
    pub max_checkpoints: usize,
}

/// What an action returned: a reply for `Execute`, a connection for `Connect`.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    None,
    Reply(Reply),
    Conn(ConnId),
    /// What the console printed, and the hops the command took.
    Console(crate::client::Outcome),
}

fn apply(session: &mut Session, action: &Action) -> Outcome {
    let cluster = &mut session.world;
    match action {
        Action::Kill(n) => cluster.kill(*n),
        Action::Restart(n) => cluster.restart(*n),
        Action::Pause(n, ms) => cluster.pause(*n, *ms),
        Action::Partition(sets) => cluster.partition(sets),
        Action::Heal => cluster.heal(),
        Action::Connect(n) => return Outcome::Conn(cluster.connect(*n)),
        Action::Execute { conn, argv } => return Outcome::Reply(cluster.execute(*conn, argv)),
        Action::SetConfig(name, value) => {
            if let Err(e) = cluster.config_set_everywhere(name, value) {
                return Outcome::Reply(e);
            }
        }
        Action::ConsoleLine(line) => return Outcome::Console(session.console_line(line)),
        Action::ConsoleInterrupt => {
            return Outcome::Console(session.console.interrupt(&mut session.world))
        }
        Action::ConsoleMode(mode) => session.console.set_mode(&mut session.world, *mode),
        Action::ConsoleNode(n) => session.console.set_node(&mut session.world, *n),
        Action::NodeCommand(n, argv) => {
            let conn = cluster.connect(*n);
            return Outcome::Reply(cluster.execute(conn, argv));
        }
        Action::CutLink(a, b) => cluster.cut_link(*a, *b),
        Action::RestoreLink(a, b) => cluster.restore_link(*a, *b),
        Action::SlowLink(a, b, ms) => cluster.slow_link(*a, *b, *ms),
        Action::Operate(request) => session.operate(request),
        Action::PauseOperation(paused) => session.pause_operation(*paused),
        Action::StepOperation => session.step_operation(),
        Action::AbandonOperation => session.abandon_operation(),
    }
    Outcome::None
}

/// A copy of the session without the world's trace: the trace is history,
/// kept once by the present, not once per checkpoint.
fn snapshot(session: &mut Session) -> Session {
    let trace = std::mem::take(&mut session.world.trace);
    let mut copy = session.clone();
    copy.world.trace = Trace {
        events: Default::default(),
        evicted: trace.evicted + trace.events.len() as u64,
        ..trace.clone()
    };
    session.world.trace = trace;
    copy
}

impl Timeline {
    pub fn new(world: crate::cluster::Cluster) -> Timeline {
        let mut session = Session::new(world);
        let first = Checkpoint {
            at: session.now(),
            actions_done: 0,
            session: snapshot(&mut session),
        };
        Timeline {
            session,
            actions: Vec::new(),
            checkpoints: vec![first],
            every_ms: 1_000,
            max_checkpoints: 256,
        }
    }

    pub fn now(&self) -> u64 {
        self.session.now()
    }

    /// The world at present.
    pub fn cluster(&self) -> &crate::cluster::Cluster {
        &self.session.world
    }

    /// The recorded actions, with their times.
    pub fn actions(&self) -> &[(u64, Action)] {
        &self.actions
    }

    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    /// Applies an action to the present, and records it.
    pub fn act(&mut self, action: Action) -> Outcome {
        let at = self.session.now();
        let outcome = apply(&mut self.session, &action);
        self.actions.push((at, action));
        outcome
    }

    /// Runs the present forward to `t`, taking checkpoints on the way.
    pub fn advance_to(&mut self, t: u64) {
        while self.session.now() < t {
            let last = self.checkpoints.last().map_or(0, |c| c.at);
            let next = last + self.every_ms;
            self.session.advance_to(t.min(next));
            if self.session.now() >= next {
                self.take_checkpoint();
            }
        }
    }

    pub fn advance(&mut self, ms: u64) {
        self.advance_to(self.session.now().saturating_add(ms));
    }

    /// The "step forward" of a debugger: runs one event if one is due now,
    /// otherwise runs time to the next event's millisecond (all of that
    /// millisecond's events), but never more than `max_ms` ahead.
    pub fn step(&mut self, max_ms: u64) -> u64 {
        let now = self.session.now();
        match self.session.next_event_time() {
            Some(t) if t <= now => {
                self.session.step();
            }
            Some(t) => self.advance_to(t.min(now.saturating_add(max_ms))),
            None => self.advance_to(now.saturating_add(max_ms)),
        }
        self.session.now()
    }

    fn take_checkpoint(&mut self) {
        let cp = Checkpoint {
            at: self.session.now(),
            actions_done: self.actions.len(),
            session: snapshot(&mut self.session),
        };
        self.checkpoints.push(cp);
        if self.checkpoints.len() > self.max_checkpoints {
            // Keep the first, then every other one.
            let mut i = 0;
            self.checkpoints.retain(|_| {
                i += 1;
                i == 1 || i % 2 == 0
            });
        }
    }

    /// The session as it was at `t` (no later than the present). Its
    /// world's trace holds what happened since the checkpoint it was
    /// rebuilt from; the present's trace holds the whole history.
    pub fn state_at(&self, t: u64) -> Session {
        self.state_after(t, self.actions.len())
    }

    /// The session at `t` with only the first `done` recorded actions
    /// applied: several actions can share a millisecond (nothing runs
    /// while playback is paused), and a tour's Back returns to the moment
    /// between two of them.
    pub fn state_after(&self, t: u64, done: usize) -> Session {
        let t = t.min(self.session.now());
        let done = done.min(self.actions.len());
        let cp = self
            .checkpoints
            .iter()
            .rev()
            .find(|c| c.at <= t && c.actions_done <= done)
            .unwrap_or(&self.checkpoints[0]);
        let mut session = cp.session.clone();
        for (at, action) in &self.actions[cp.actions_done..done] {
            if *at > t {
                break;
            }
            session.advance_to(*at);
            apply(&mut session, action);
        }
        session.advance_to(t);
        session
    }

    /// Goes back to `t` for good: the present becomes the state at `t`, and
    /// what was recorded after it is dropped (acting now starts a new
    /// branch; a UI keeps the old `Timeline` to offer redo).
    pub fn rewind(&mut self, t: u64) {
        self.rewind_after(t, self.actions.len());
    }

    /// `rewind` to `t` with only the first `done` actions kept.
    pub fn rewind_after(&mut self, t: u64, done: usize) {
        let done = done.min(self.actions.len());
        let mut session = self.state_after(t, done);
        // Keep the history up to `t` in the trace.
        let mut trace = self.session.world.trace.clone();
        while trace
            .events
            .back()
            .is_some_and(|e| e.at() > session.world.now)
        {
            trace.events.pop_back();
        }
        session.world.trace = trace;
        self.actions.truncate(done);
        self.actions.retain(|(at, _)| *at <= t);
        let kept = self.actions.len();
        self.checkpoints
            .retain(|c| c.at <= t && c.actions_done <= kept);
        self.session = session;
    }
}
