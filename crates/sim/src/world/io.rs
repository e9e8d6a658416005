//! How the world answers a node's handlers (`node::Io`): the clock, the RNG,
//! the network for what it sends, the trace, and connection attempts. A
//! handler runs on one node borrowed out of the list; the others are only
//! asked for what a connect() or a name lookup would tell.

use std::rc::Rc;

use crate::bus::Msg;
use crate::cluster::Cluster;
use crate::command::migrate::RestoreError;
use crate::keyspace::Entry;
use crate::layout::Addr;
use crate::node::{Directory, Effect, Io, MasterLink, Node, NodeIdx, ReplicaLink};
use crate::rng::Rng;
use crate::trace::{Trace, TraceEvent};
use crate::world::network::Network;
use crate::world::queue::{Event, Scheduled};

/// The world as one node's handler sees it.
struct NodeIo<'a> {
    me: NodeIdx,
    now: u64,
    /// The nodes before and after `me` in the list.
    before: &'a mut [Node],
    after: &'a mut [Node],
    rng: &'a mut Rng,
    network: &'a mut Network,
    queue: &'a mut std::collections::BinaryHeap<Scheduled>,
    seq: &'a mut u64,
    trace: &'a mut Trace,
    effects: Vec<Effect>,
    /// Keys MIGRATE restored on other nodes, for their replicas.
    restored: Vec<(NodeIdx, Vec<u8>, Entry)>,
}

impl NodeIo<'_> {
    fn peer(&self, n: NodeIdx) -> Option<&Node> {
        match n.cmp(&self.me) {
            std::cmp::Ordering::Less => self.before.get(n),
            std::cmp::Ordering::Greater => self.after.get(n - self.me - 1),
            std::cmp::Ordering::Equal => None,
        }
    }

    fn peer_mut(&mut self, n: NodeIdx) -> Option<&mut Node> {
        match n.cmp(&self.me) {
            std::cmp::Ordering::Less => self.before.get_mut(n),
            std::cmp::Ordering::Greater => self.after.get_mut(n - self.me - 1),
            std::cmp::Ordering::Equal => None,
        }
    }

    /// The other nodes, with their indices.
    fn peers(&self) -> impl Iterator<Item = (NodeIdx, &Node)> {
        let after = self.me + 1;
        self.before.iter().enumerate().chain(
            self.after
                .iter()
                .enumerate()
                .map(move |(i, n)| (after + i, n)),
        )
    }
}

/// The replicas of `master` among `nodes` whose process is up: the
/// replication connections the master's process holds.
pub(crate) fn replica_links<'n>(
    master: NodeIdx,
    nodes: impl Iterator<Item = (NodeIdx, &'n Node)>,
) -> Vec<ReplicaLink> {
    nodes
        .filter(|(r, n)| n.alive && n.role(*r) == (crate::node::Role::Replica { of: master }))
        .map(|(_, n)| ReplicaLink {
            addr: n.addr.clone(),
            // What the replica's last REPLCONF ACK said (`c->repl_ack_off`).
            ack_offset: n.bus.ack_sent.0,
            ack_at: n.bus.ack_sent.1,
        })
        .collect()
}

/// A replica's connection to `master`: up while the master's process is
/// (a partition does not close it; Redis's repl-timeout of 60 s is not
/// simulated). The master's replication ID is what the last sync gave.
pub(crate) fn master_link(master: Option<&Node>) -> MasterLink {
    MasterLink {
        up: master.is_some_and(|m| m.alive),
        replid: master.map(|m| m.replid.clone()).unwrap_or_default(),
    }
}

impl Directory for NodeIo<'_> {
    fn id_of(&self, peer: NodeIdx) -> &str {
        self.peer(peer).map_or("", |p| p.id.as_str())
    }

    fn addr_of(&self, peer: NodeIdx) -> &Addr {
        self.peer(peer)
            .map(|p| &p.addr)
            .unwrap_or_else(|| nowhere())
    }

    fn cport_of(&self, peer: NodeIdx) -> u16 {
        self.peer(peer).map_or(0, |p| p.cport)
    }
}

/// The directory of every node, for what is read outside a handler.
pub(crate) struct Names<'a>(pub &'a [Node]);

impl Directory for Names<'_> {
    fn id_of(&self, peer: NodeIdx) -> &str {
        self.0.get(peer).map_or("", |p| p.id.as_str())
    }

    fn addr_of(&self, peer: NodeIdx) -> &Addr {
        self.0
            .get(peer)
            .map(|p| &p.addr)
            .unwrap_or_else(|| nowhere())
    }

    fn cport_of(&self, peer: NodeIdx) -> u16 {
        self.0.get(peer).map_or(0, |p| p.cport)
    }
}

fn nowhere() -> &'static Addr {
    static NOWHERE: std::sync::OnceLock<Addr> = std::sync::OnceLock::new();
    NOWHERE.get_or_init(|| Addr::loopback(0))
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

    fn listening_at(&self, ip: &[u8], port: u16) -> Option<NodeIdx> {
        self.peers()
            .find(|(_, n)| n.addr.port == port && n.addr.ip.as_bytes() == ip)
            .map(|(i, _)| i)
    }

    fn replica_links(&self) -> Vec<ReplicaLink> {
        replica_links(self.me, self.peers())
    }

    fn master_link(&self, master: NodeIdx) -> MasterLink {
        master_link(self.peer(master))
    }

    fn restore_asking(
        &mut self,
        target: NodeIdx,
        key: &[u8],
        entry: Entry,
        replace: bool,
    ) -> Result<(), RestoreError> {
        let now = self.now;
        let Some(node) = self.peer_mut(target) else {
            return Err(RestoreError::Unreachable);
        };
        node.restore_asking(now, key, entry.clone(), replace)?;
        self.restored.push((target, key.to_vec(), entry));
        Ok(())
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
            restored: Vec::new(),
        };
        let result = handler(node, &mut io);
        let (effects, restored) = (io.effects, io.restored);
        for (target, key, entry) in restored {
            self.restore_on_replicas(target, &key, &entry);
        }
        for effect in effects {
            match effect {
                Effect::FullSync { master } => self.full_sync(n, master),
                Effect::TookOver { old_master } => self.count_lost_writes(old_master, n),
                Effect::ReplicationPing => self.replicate_ping(n),
                Effect::Stream(entry) => self.send_stream(n, entry),
                Effect::Message { client, fields } => self.deliver_message(n, client, fields),
            }
        }
        result
    }

    /// `clusterUpdateState` on node `v` (after a command, say).
    pub fn update_state(&mut self, v: NodeIdx) {
        self.with_node(v, |node, io| node.update_state(io));
    }
}
