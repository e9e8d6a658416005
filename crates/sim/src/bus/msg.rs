//! The cluster bus's messages (`clusterMsg` in `cluster_legacy.h`): the
//! header every message carries, the gossip section, and sending them
//! (`clusterSendPing`, broadcasts) through the world's network.

use std::rc::Rc;

use crate::node::{Io, Node, NodeIdx, PeerView, Role};
use crate::slot::Slot;

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
    /// PUBLISH: what was published.
    pub publish: Option<Rc<Published>>,
}

/// The body of a PUBLISH message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    pub channel: Vec<u8>,
    pub message: Vec<u8>,
    /// A shard channel's (SPUBLISH): sent only within the shard.
    pub shard: bool,
}

impl Node {
    /// The slots this node claims in its messages: its own, or its master's.
    pub(crate) fn claims_of(&self) -> Rc<SlotBits> {
        // (A node always knows its own master.)
        let claimant = self.role(self.me).master().unwrap_or(self.me);
        self.slots.claims(claimant)
    }

    pub(crate) fn header(&self, kind: MsgKind) -> Msg {
        Msg {
            kind,
            sender: self.me,
            current_epoch: self.current_epoch,
            config_epoch: self.shown_config_epoch(self.me),
            offset: self.repl_offset,
            master: self.role(self.me).master(),
            claims: self.claims_of(),
            paused: self.bus.manual_failover.paused(),
            force_ack: false,
            gossip: Vec::new(),
            about: None,
            update: None,
            publish: None,
        }
    }

    /// Counts a message in this node's stats and hands it to the wire.
    pub(crate) fn send(&mut self, io: &mut dyn Io, to: NodeIdx, msg: Msg) {
        self.bus.stats_sent[msg.kind as usize] += 1;
        io.send(to, msg);
    }

    /// `clusterSendPing`: a PING, PONG or MEET with a gossip section of
    /// `max(3, known/10)` random healthy nodes plus every PFAIL node.
    pub(crate) fn send_ping(&mut self, io: &mut dyn Io, to: NodeIdx, kind: MsgKind) {
        let count = self.known_list.len();
        let fresh = count.saturating_sub(2);
        let wanted = (count / 10).max(3).min(fresh);
        let mut picked: Vec<NodeIdx> = Vec::with_capacity(wanted);
        let mut is_picked = vec![0u64; self.view.len().div_ceil(64)];
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
                candidates.push(self.known_list[io.rng().below(count as u64) as usize]);
            }
            touch(&self.view, candidates.iter().copied());
            for &n in &candidates {
                let peer = &self.view[n];
                if n == self.me || n == to || peer.pfail || is_picked[n / 64] & (1 << (n % 64)) != 0
                {
                    continue;
                }
                let reachable = io.reachable(n);
                if !reachable && self.slots.count_of(n) == 0 {
                    continue;
                }
                picked.push(n);
                is_picked[n / 64] |= 1 << (n % 64);
            }
        }
        let node = &*self;
        if node.bus.pfail_peers > 0 {
            picked.extend(
                node.known_list
                    .iter()
                    .copied()
                    .filter(|&n| n != node.me && node.view[n].pfail),
            );
        }
        let mut msg = self.header(kind);
        msg.gossip = picked
            .into_iter()
            .map(|n| {
                let p = &self.view[n];
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
            self.view[to].ping_sent = io.now();
        }
        self.send(io, to, msg);
    }

    /// `clusterBroadcastPong`: a PONG to every known node (after a
    /// configuration change, so that it spreads at once).
    pub(crate) fn broadcast_pong(&mut self, io: &mut dyn Io) {
        let peers: Vec<NodeIdx> = self.known().filter(|&n| n != self.me).collect();
        for p in peers {
            self.send_ping(io, p, MsgKind::Pong);
        }
    }

    /// A message of `kind` to every known node but myself.
    pub(crate) fn broadcast(&mut self, io: &mut dyn Io, msg: Msg) {
        let peers: Vec<NodeIdx> = self.known().filter(|&n| n != self.me).collect();
        for p in peers {
            self.send(io, p, msg.clone());
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
