//! Simulated time: one queue of events (cron ticks, messages in flight,
//! replication entries) taken in time order, ties in scheduling order.

use std::cmp::Ordering;
use std::rc::Rc;

use crate::bus::{Msg, CRON_PERIOD_MS};
use crate::cluster::{Cluster, NodeIdx};
use crate::trace::TraceEvent;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// A `clusterCron` tick of one run of the node's process (ticks of a
    /// process killed since are ignored).
    Cron { node: NodeIdx, run: u32 },
    Deliver {
        from: NodeIdx,
        to: NodeIdx,
        msg: Rc<Msg>,
    },
    /// An entry of a master's replication stream reaching a replica.
    Replicate {
        master: NodeIdx,
        replica: NodeIdx,
        entry: crate::replication::StreamEntry,
    },
    /// A command another client sends at a set time (`send_later`): what
    /// serves a client blocked meanwhile, as a second redis-cli would.
    Command {
        node: NodeIdx,
        conn: crate::node::ConnId,
        argv: Vec<Vec<u8>>,
    },
}

impl Event {
    /// The node that handles the event.
    fn node(&self) -> NodeIdx {
        match self {
            Event::Cron { node, .. } => *node,
            Event::Deliver { to, .. } => *to,
            Event::Replicate { replica, .. } => *replica,
            Event::Command { node, .. } => *node,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Scheduled {
    pub at: u64,
    pub seq: u64,
    pub event: Event,
}

impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> Ordering {
        // BinaryHeap is a max-heap: the earliest event must compare greatest.
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Cluster {
    pub(crate) fn schedule(&mut self, at: u64, event: Event) {
        self.seq += 1;
        let seq = self.seq;
        self.queue.push(Scheduled { at, seq, event });
    }

    /// The first cron tick of a node, at a random phase within 100 ms.
    pub(crate) fn schedule_first_cron(&mut self, node: NodeIdx) {
        let at = self.now + self.rng.below(CRON_PERIOD_MS);
        let run = self.nodes[node].runs;
        self.schedule(at, Event::Cron { node, run });
    }

    /// Has connection `conn` send `argv` at simulated time `at` (now if
    /// past), while whatever else runs — a client blocked on another
    /// connection is served by it. False for an unknown connection.
    pub fn send_later(&mut self, conn: crate::node::ConnId, at: u64, argv: Vec<Vec<u8>>) -> bool {
        let Some(node) = self.conns.get(conn).map(|c| c.node) else {
            return false;
        };
        self.schedule(at.max(self.now), Event::Command { node, conn, argv });
        true
    }

    /// When the next event happens, if any.
    pub fn next_event_time(&self) -> Option<u64> {
        self.queue.peek().map(|s| s.at)
    }

    /// Runs every event up to simulated time `t`, then sets the clock to `t`.
    pub fn advance_to(&mut self, t: u64) {
        while self.next_event_time().is_some_and(|at| at <= t) {
            self.step();
        }
        self.now = self.now.max(t);
    }

    /// Lets `ms` of simulated time pass.
    pub fn advance(&mut self, ms: u64) {
        self.advance_to(self.now.saturating_add(ms));
    }

    /// Runs the next event; returns its time, or None if nothing is queued.
    pub fn step(&mut self) -> Option<u64> {
        let Scheduled { at, event, .. } = self.queue.pop()?;
        self.now = self.now.max(at);
        // A stopped process handles nothing: the event waits until it resumes.
        if let Some(until) = self.paused(event.node()) {
            self.schedule(until, event);
            return Some(at);
        }
        match event {
            Event::Cron { node: n, run } => {
                // Ticks of a process killed since are dropped.
                if run == self.nodes[n].runs && self.nodes[n].alive {
                    self.with_node(n, |node, io| node.cron(io));
                    self.schedule(at + CRON_PERIOD_MS, Event::Cron { node: n, run });
                }
            }
            Event::Replicate {
                master,
                replica,
                entry,
            } => self.nodes[replica].apply_replicated(self.now, master, &entry),
            // Its reply is in the trace, as every command's is.
            Event::Command { conn, argv, .. } => {
                self.execute_hop(conn, &argv);
            }
            Event::Deliver { from, to, msg } => {
                if !self.nodes[to].alive {
                    self.trace.push(TraceEvent::Dropped {
                        at,
                        from,
                        to,
                        kind: msg.kind,
                        reason: crate::trace::DropReason::Dead,
                    });
                } else {
                    self.trace.push(TraceEvent::Delivered {
                        at,
                        from,
                        to,
                        kind: msg.kind,
                    });
                    self.with_node(to, |node, io| {
                        node.bus.stats_received[msg.kind as usize] += 1;
                        node.process_packet(io, &msg);
                    });
                }
            }
        }
        Some(at)
    }

    pub(crate) fn paused(&mut self, n: NodeIdx) -> Option<u64> {
        match self.nodes[n].bus.paused_until {
            Some(until) if until > self.now => Some(until),
            Some(_) => {
                self.nodes[n].bus.paused_until = None;
                None
            }
            None => None,
        }
    }
}
