//! The cluster bus's messages (`clusterMsg` in `cluster_legacy.h`): the
//! header every message carries, the gossip section, and sending them
//! (`clusterSendPing`, broadcasts) through the world's network.

use std::rc::Rc;

use crate::cluster::{Cluster, NodeIdx, PeerView, Role};
use crate::slot::Slot;
use crate::trace::TraceEvent;
use crate::world::queue::Event;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MsgKind {
    Ping,
    Pong,
    Meet,
    Fail,
    Publish,
    AuthRequest,
    AuthAck,
    Update,
    MfStart,
}

/// Number of message types (the order is Redis's type numbering).
pub const MSG_KINDS: usize = 9;

impl MsgKind {
    pub const ALL: [MsgKind; MSG_KINDS] = [
        MsgKind::Ping,
        MsgKind::Pong,
        MsgKind::Meet,
        MsgKind::Fail,
        MsgKind::Publish,
        MsgKind::AuthRequest,
        MsgKind::AuthAck,
        MsgKind::Update,
        MsgKind::MfStart,
    ];

    /// The name CLUSTER INFO uses (`clusterGetMessageTypeString`).
    pub fn stats_name(self) -> &'static str {
        match self {
            MsgKind::Ping => "ping",
            MsgKind::Pong => "pong",
            MsgKind::Meet => "meet",
            MsgKind::Fail => "fail",
            MsgKind::Publish => "publish",
            MsgKind::AuthRequest => "auth-req",
            MsgKind::AuthAck => "auth-ack",
            MsgKind::Update => "update",
            MsgKind::MfStart => "mfstart",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            MsgKind::Ping => "PING",
            MsgKind::Pong => "PONG",
            MsgKind::Meet => "MEET",
            MsgKind::Fail => "FAIL",
            MsgKind::Publish => "PUBLISH",
            MsgKind::AuthRequest => "FAILOVER_AUTH_REQUEST",
            MsgKind::AuthAck => "FAILOVER_AUTH_ACK",
            MsgKind::Update => "UPDATE",
            MsgKind::MfStart => "MFSTART",
        }
    }
}

/// A 16384-bit slot bitmap, as in the message header (`myslots`).
#[derive(Clone, PartialEq, Eq)]
pub struct SlotBits {
    words: Box<[u64; 256]>,
    count: u32,
}

impl std::fmt::Debug for SlotBits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SlotBits({} slots)", self.count)
    }
}

impl SlotBits {
    pub fn empty() -> SlotBits {
        SlotBits {
            words: Box::new([0; 256]),
            count: 0,
        }
    }

    pub fn set(&mut self, slot: Slot) {
        let (w, b) = (usize::from(slot) / 64, slot % 64);
        if self.words[w] & (1 << b) == 0 {
            self.words[w] |= 1 << b;
            self.count += 1;
        }
    }

    pub fn get(&self, slot: Slot) -> bool {
        self.words[usize::from(slot) / 64] & (1 << (slot % 64)) != 0
    }

    pub fn count(&self) -> u32 {
        self.count
    }

    /// The slots set, in order (word by word, skipping empty words).
    pub fn slots(&self) -> impl Iterator<Item = Slot> + '_ {
        self.words.iter().enumerate().flat_map(|(w, &word)| {
            let mut bits = word;
            std::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let b = bits.trailing_zeros();
                bits &= bits - 1;
                Some((w * 64) as Slot + b as Slot)
            })
        })
    }
}

/// One entry of a gossip section: what the sender knows of some node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gossip {
    pub node: NodeIdx,
    pub master: bool,
    pub pfail: bool,
    pub fail: bool,
    pub pong_received: i64,
}

/// A cluster bus message (`clusterMsg`): the header every message carries,
/// and the part that depends on its type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Msg {
    pub kind: MsgKind,
    pub sender: NodeIdx,
    pub current_epoch: u64,
    /// The sender's config epoch, or its master's if it is a replica.
    pub config_epoch: u64,
    /// Replication offset.
    pub offset: u64,
    /// The sender's master (`slaveof`), None for a master.
    pub master: Option<NodeIdx>,
    /// Slots claimed: the sender's, or its master's if it is a replica.
    pub claims: Rc<SlotBits>,
    /// `mflags`: PAUSED (manual failover) and FORCEACK.
    pub paused: bool,
    pub force_ack: bool,
    pub gossip: Vec<Gossip>,
    /// FAIL: the failing node. UPDATE: the node described.
    pub about: Option<NodeIdx>,
    /// UPDATE: that node's config epoch and slots.
    pub update: Option<(u64, Rc<SlotBits>)>,
}

impl Cluster {
    /// The slots `n` claims in its messages: its own, or its master's.
    pub(crate) fn claims_of(&self, n: NodeIdx) -> Rc<SlotBits> {
        let node = &self.nodes[n];
        // (A node always knows its own master.)
        let claimant = node.role(n).master().unwrap_or(n);
        node.slots.claims(claimant)
    }

    pub(crate) fn header(&self, from: NodeIdx, kind: MsgKind) -> Msg {
        let node = &self.nodes[from];
        let master = node.role(from).master();
        Msg {
            kind,
            sender: from,
            current_epoch: node.current_epoch,
            config_epoch: self.shown_config_epoch(from, from),
            offset: node.repl_offset,
            master,
            claims: self.claims_of(from),
            paused: node.bus.clients_paused_until.is_some() && node.bus.mf_replica.is_some(),
            force_ack: false,
            gossip: Vec::new(),
            about: None,
            update: None,
        }
    }

    /// Puts a message on the wire (or records why it will not arrive).
    pub(crate) fn send(&mut self, from: NodeIdx, to: NodeIdx, msg: Msg) {
        let kind = msg.kind;
        self.nodes[from].bus.stats_sent[kind as usize] += 1;
        let at = self.now;
        match self.network.arrival(&mut self.rng, at, from, to) {
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
                self.schedule(arrives, Event::Deliver { from, to, msg });
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

    /// `clusterSendPing`: a PING, PONG or MEET with a gossip section of
    /// `max(3, known/10)` random healthy nodes plus every PFAIL node.
    pub(crate) fn send_ping(&mut self, from: NodeIdx, to: NodeIdx, kind: MsgKind) {
        let count = self.nodes[from].known_list.len();
        let fresh = count.saturating_sub(2);
        let wanted = (count / 10).max(3).min(fresh);
        let mut picked: Vec<NodeIdx> = Vec::with_capacity(wanted);
        let mut is_picked = vec![0u64; self.nodes[from].view.len().div_ceil(64)];
        let mut candidates: Vec<NodeIdx> = Vec::with_capacity(wanted);
        let mut tries = wanted * 3;
        while picked.len() < wanted && tries > 0 {
            // Draw the candidates of a round first and touch their view
            // entries together: in a large cluster each is a cache miss, and
            // misses that do not wait for one another overlap.
            candidates.clear();
            let round = (wanted - picked.len()).min(tries);
            tries -= round;
            for _ in 0..round {
                candidates.push(self.nodes[from].known_list[self.rng.below(count as u64) as usize]);
            }
            touch(&self.nodes[from].view, candidates.iter().copied());
            for &n in &candidates {
                let peer = &self.nodes[from].view[n];
                if n == from || n == to || peer.pfail || is_picked[n / 64] & (1 << (n % 64)) != 0 {
                    continue;
                }
                let reachable = self.network.connected(from, n);
                if !reachable && self.nodes[from].slots.count_of(n) == 0 {
                    continue;
                }
                picked.push(n);
                is_picked[n / 64] |= 1 << (n % 64);
            }
        }
        let node = &self.nodes[from];
        if node.bus.pfail_peers > 0 {
            picked.extend(
                node.known_list
                    .iter()
                    .copied()
                    .filter(|&n| n != from && node.view[n].pfail),
            );
        }
        let mut msg = self.header(from, kind);
        msg.gossip = picked
            .into_iter()
            .map(|n| {
                let p = &self.nodes[from].view[n];
                Gossip {
                    node: n,
                    master: p.role == Role::Master,
                    pfail: p.pfail,
                    fail: p.fail,
                    // Sent in seconds (`htonl(pong_received / 1000)`).
                    pong_received: p.pong_received.div_euclid(1000) * 1000,
                }
            })
            .collect();
        if kind == MsgKind::Ping || kind == MsgKind::Meet {
            self.nodes[from].view[to].ping_sent = self.now;
        }
        self.send(from, to, msg);
    }

    /// `clusterBroadcastPong`: a PONG to every known node (after a
    /// configuration change, so that it spreads at once).
    pub(crate) fn broadcast_pong(&mut self, from: NodeIdx) {
        let peers: Vec<NodeIdx> = self.known(from).filter(|&n| n != from).collect();
        for p in peers {
            self.send_ping(from, p, MsgKind::Pong);
        }
    }

    /// A message of `kind` to every known node but myself.
    pub(crate) fn broadcast(&mut self, from: NodeIdx, msg: Msg) {
        let peers: Vec<NodeIdx> = self.known(from).filter(|&n| n != from).collect();
        for p in peers {
            self.send(from, p, msg.clone());
        }
    }
}

/// Reads the view entries of `nodes` once, so that their cache misses are
/// in flight together before the loop that needs them (a portable prefetch:
/// with 1000 nodes the views are ~72 MB and each entry read at random is a
/// miss; read one by one inside a branchy loop, they mostly wait for one
/// another). It reads the first field and the role: what gossip needs.
pub(crate) fn touch(view: &[PeerView], nodes: impl Iterator<Item = NodeIdx>) {
    let mut sum = 0usize;
    for n in nodes {
        let p = &view[n];
        sum = sum.wrapping_add(usize::from(p.known));
        sum = sum.wrapping_add(p.role.master().unwrap_or(0));
    }
    std::hint::black_box(sum);
}
