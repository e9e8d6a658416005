//! How the world answers a node's handlers (`node::Io`): the clock, the RNG,
//! the network for what it sends, the trace, and connection attempts. A
//! handler runs on one node borrowed out of the list; the others are only
//! asked for what a connect() or a name lookup would tell.

use std::rc::Rc;

use crate::bus::Msg;
use crate::cluster::Cluster;
use crate::layout::Addr;
use crate::node::{Effect, Io, Node, NodeIdx};
use crate::rng::Rng;
use crate::trace::{Trace, TraceEvent};
use crate::world::network::Network;
use crate::world::queue::{Event, Scheduled};

/// The world as one node's handler sees it.
struct NodeIo<'a> {
    me: NodeIdx,
    now: u64,
    /// The nodes before and after `me` in the list.
    before: &'a [Node],
    after: &'a [Node],
    rng: &'a mut Rng,
    network: &'a mut Network,
    queue: &'a mut std::collections::BinaryHeap<Scheduled>,
    seq: &'a mut u64,
    trace: &'a mut Trace,
    effects: Vec<Effect>,
}

impl NodeIo<'_> {
    fn peer(&self, n: NodeIdx) -> Option<&Node> {
        match n.cmp(&self.me) {
            std::cmp::Ordering::Less => self.before.get(n),
            std::cmp::Ordering::Greater => self.after.get(n - self.me - 1),
            std::cmp::Ordering::Equal => None,
        }
    }
}

impl Io for NodeIo<'_> {
    fn now(&self) -> u64 {
        self.now
    }

    fn rng(&mut self) -> &mut Rng {
        self.rng
    }

    fn send(&mut self, to: NodeIdx, msg: Msg) {
        let (at, from, kind) = (self.now, self.me, msg.kind);
        match self.network.arrival(self.rng, at, from, to) {
            Ok(arrives) => {
                let msg = Rc::new(msg);
                // The trace shares the message (no copy) when asked to
                // keep bodies: the UI shows what a message carried.
                let body = self.trace.bodies.then(|| msg.clone());
                self.trace.push(TraceEvent::Sent {
                    at,
                    from,
                    to,
                    kind,
                    arrives,
                    body,
                });
                *self.seq += 1;
                self.queue.push(Scheduled {
                    at: arrives,
                    seq: *self.seq,
                    event: Event::Deliver { from, to, msg },
                });
            }
            Err(reason) => self.trace.push(TraceEvent::Dropped {
                at,
                from,
                to,
                kind,
                reason,
            }),
        }
    }

    fn trace(&mut self, event: TraceEvent) {
        self.trace.push(event);
    }

    fn can_connect(&self, peer: NodeIdx) -> bool {
        self.peer(peer).is_some_and(|p| p.alive) && self.network.connected(self.me, peer)
    }

    fn reachable(&self, peer: NodeIdx) -> bool {
        self.network.connected(self.me, peer)
    }

    fn id_of(&self, peer: NodeIdx) -> &str {
        self.peer(peer).map_or("", |p| p.id.as_str())
    }

    fn addr_of(&self, peer: NodeIdx) -> &Addr {
        static NOWHERE: std::sync::OnceLock<Addr> = std::sync::OnceLock::new();
        self.peer(peer)
            .map(|p| &p.addr)
            .unwrap_or_else(|| NOWHERE.get_or_init(|| Addr::loopback(0)))
    }

    fn effect(&mut self, effect: Effect) {
        self.effects.push(effect);
    }
}

impl Cluster {
    /// Runs `handler` on node `n` with the world as its `Io`, then carries
    /// out what it asked of the world (full syncs, lost-write counts).
    pub(crate) fn with_node<R>(
        &mut self,
        n: NodeIdx,
        handler: impl FnOnce(&mut Node, &mut dyn Io) -> R,
    ) -> R {
        let (before, rest) = self.nodes.split_at_mut(n);
        let (node, after) = rest.split_first_mut().expect("a node of this cluster");
        let mut io = NodeIo {
            me: n,
            now: self.now,
            before,
            after,
            rng: &mut self.rng,
            network: &mut self.network,
            queue: &mut self.queue,
            seq: &mut self.seq,
            trace: &mut self.trace,
            effects: Vec::new(),
        };
        let result = handler(node, &mut io);
        let effects = io.effects;
        for effect in effects {
            match effect {
                Effect::FullSync { master } => self.full_sync(n, master),
                Effect::TookOver { old_master } => self.count_lost_writes(old_master, n),
                Effect::ReplicationPing => self.replicate_ping(n),
            }
        }
        result
    }

    /// `clusterUpdateState` on node `v` (after a command, say).
    pub fn update_state(&mut self, v: NodeIdx) {
        self.with_node(v, |node, io| node.update_state(io));
    }

    /// `clusterBroadcastPong` from node `v`.
    pub(crate) fn broadcast_pong(&mut self, v: NodeIdx) {
        self.with_node(v, |node, io| node.broadcast_pong(io));
    }
}
