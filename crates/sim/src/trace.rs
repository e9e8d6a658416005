//! What happened, in order, for the UI to animate and for tests to check:
//! messages sent, delivered and dropped; flags as seen by each observer;
//! roles, epochs and cluster state; and the lines a real node would write
//! to its log. Bounded: the oldest entries go first.

use std::collections::VecDeque;

use crate::bus::MsgKind;
use crate::node::{ConnId, NodeIdx, Role};
use crate::slot::Slot;

/// Why a message did not arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    Partitioned,
    Cut,
    Lost,
    /// The receiving process is dead.
    Dead,
}

/// What became of one request, as the client sees it: the classification
/// every hop carries, so that nothing downstream (clients following
/// redirects, the page's markers and colours) has to read reply text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HopOutcome {
    /// The node ran the command (or queued it inside MULTI).
    Served,
    Moved {
        slot: Slot,
        to: NodeIdx,
    },
    Ask {
        slot: Slot,
        to: NodeIdx,
    },
    TryAgain,
    CrossSlot,
    /// Any of the three CLUSTERDOWN errors.
    ClusterDown,
    /// Any other error: unknown command, arity, WRONGTYPE, a refused
    /// CLUSTER subcommand, EXECABORT...
    Error,
    /// The node's process is gone: the connection was refused.
    NotConnected,
}

impl HopOutcome {
    /// The outcome of a command that ran: served, or refused by itself.
    pub fn of_reply(reply: &crate::reply::Reply) -> HopOutcome {
        if reply.is_error() {
            HopOutcome::Error
        } else {
            HopOutcome::Served
        }
    }

    /// MOVED or ASK: where the client is sent, and for which slot.
    pub fn redirect(self) -> Option<(Slot, NodeIdx, bool)> {
        match self {
            HopOutcome::Moved { slot, to } => Some((slot, to, false)),
            HopOutcome::Ask { slot, to } => Some((slot, to, true)),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum TraceEvent {
    Sent {
        at: u64,
        from: NodeIdx,
        to: NodeIdx,
        kind: MsgKind,
        arrives: u64,
        /// What the message carried, when `Trace::bodies` is on.
        body: Option<std::rc::Rc<crate::bus::Msg>>,
    },
    Delivered {
        at: u64,
        from: NodeIdx,
        to: NodeIdx,
        kind: MsgKind,
    },
    Dropped {
        at: u64,
        from: NodeIdx,
        to: NodeIdx,
        kind: MsgKind,
        reason: DropReason,
    },
    /// `observer` now sees `node` with these flags.
    Flags {
        at: u64,
        observer: NodeIdx,
        node: NodeIdx,
        pfail: bool,
        fail: bool,
    },
    /// `observer` now sees `node` in this role.
    RoleChanged {
        at: u64,
        observer: NodeIdx,
        node: NodeIdx,
        role: Role,
    },
    Epochs {
        at: u64,
        node: NodeIdx,
        current: u64,
        config: u64,
    },
    ClusterState {
        at: u64,
        node: NodeIdx,
        ok: bool,
    },
    /// A line of the node's log, worded as Redis words it.
    Log {
        at: u64,
        node: NodeIdx,
        text: String,
    },
    /// Writes acknowledged by a master that its promoted replica never got.
    LostWrites {
        at: u64,
        master: NodeIdx,
        replica: NodeIdx,
        count: u64,
    },
    /// An entry of `master`'s replication stream sent to `replica`.
    Replication {
        at: u64,
        master: NodeIdx,
        replica: NodeIdx,
        /// Stream offset at the end of the entry.
        offset: u64,
        arrives: u64,
    },
    /// A client request to `node` on connection `conn`, and its reply (a
    /// command that blocked — WAIT, a paused node — replies later).
    Command {
        at: u64,
        replied: u64,
        conn: ConnId,
        node: NodeIdx,
        argv: Vec<Vec<u8>>,
        reply: crate::reply::Reply,
        /// What became of it (served, MOVED, ASK...), as the core decided.
        outcome: HopOutcome,
    },
    /// A user action (kill, restart, partition...).
    Action {
        at: u64,
        what: String,
    },
}

impl TraceEvent {
    pub fn at(&self) -> u64 {
        match self {
            TraceEvent::Sent { at, .. }
            | TraceEvent::Delivered { at, .. }
            | TraceEvent::Dropped { at, .. }
            | TraceEvent::Flags { at, .. }
            | TraceEvent::RoleChanged { at, .. }
            | TraceEvent::Epochs { at, .. }
            | TraceEvent::ClusterState { at, .. }
            | TraceEvent::Log { at, .. }
            | TraceEvent::LostWrites { at, .. }
            | TraceEvent::Replication { at, .. }
            | TraceEvent::Command { at, .. }
            | TraceEvent::Action { at, .. } => *at,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    pub events: VecDeque<TraceEvent>,
    /// At most this many events are kept.
    pub capacity: usize,
    /// Message events are many (every PING and PONG); they can be left out.
    pub messages: bool,
    /// Events dropped from the front so far.
    pub evicted: u64,
    /// Keep each message's content with its `Sent` event (for a UI that
    /// shows it; off by default: a big cluster sends millions).
    pub bodies: bool,
}

impl Default for Trace {
    fn default() -> Trace {
        Trace {
            events: VecDeque::new(),
            capacity: 200_000,
            messages: true,
            evicted: 0,
            bodies: false,
        }
    }
}

impl Trace {
    pub fn push(&mut self, event: TraceEvent) {
        let is_message = matches!(
            event,
            TraceEvent::Sent { .. }
                | TraceEvent::Delivered { .. }
                | TraceEvent::Dropped { .. }
                | TraceEvent::Replication { .. }
        );
        if is_message && !self.messages {
            return;
        }
        if self.events.len() == self.capacity {
            self.events.pop_front();
            self.evicted += 1;
        }
        self.events.push_back(event);
    }
}
