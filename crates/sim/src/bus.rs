//! The cluster bus in simulated time: messages between nodes, each node's
//! `clusterCron` every 100 ms, and what a node does with each message
//! (`clusterProcessPacket`): gossip, failure reports, FAIL, epochs, slot
//! claims and UPDATE, and replica elections (`clusterHandleSlaveFailover`,
//! `clusterSendFailoverAuthIfNeeded`). Names follow Redis's `cluster.c`.
//!
//! Everything happens in events taken from one queue in time order (ties
//! in the order they were scheduled), and every random choice comes from
//! the cluster's seeded RNG: the same seed and actions give the same run.

use std::cmp::Ordering;
use std::rc::Rc;

use crate::cluster::{Cluster, NodeIdx, PeerView, Role};
use crate::slot::{Slot, SLOT_COUNT};
use crate::trace::TraceEvent;

/// `clusterCron` runs every 100 ms (`server.c: run_with_period(100)`).
pub const CRON_PERIOD_MS: u64 = 100;

/// `CLUSTER_BLACKLIST_TTL`: how long gossip about a forgotten node is ignored.
pub const BLACKLIST_TTL_MS: u64 = 60_000;
/// `repl-ping-replica-period`: the master pings its replicas every 10 s.
pub const REPL_PING_PERIOD_MS: u64 = 10_000;
/// `CLUSTER_MF_TIMEOUT`.
pub const MF_TIMEOUT_MS: u64 = 5_000;

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
        argv: Rc<[Vec<u8>]>,
        /// The stream offset at the end of this entry, and its size.
        end: u64,
        bytes: u64,
        write: bool,
    },
}

impl Event {
    /// The node that handles the event.
    fn node(&self) -> NodeIdx {
        match self {
            Event::Cron { node, .. } => *node,
            Event::Deliver { to, .. } => *to,
            Event::Replicate { replica, .. } => *replica,
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

    /// When the next event happens, if any.
    pub fn next_event_time(&self) -> Option<u64> {
        let queued = self.queue.peek().map(|s| s.at);
        match (queued, self.operator.due()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
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
        // The operator's next command, if it comes before every queued event
        // (a tie goes to the queue: those events were scheduled first).
        if let Some(due) = self.operator.due() {
            if self.queue.peek().is_none_or(|s| s.at > due) {
                self.now = self.now.max(due);
                self.step_operation();
                return Some(due);
            }
        }
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
                    self.cron(n);
                    self.schedule(at + CRON_PERIOD_MS, Event::Cron { node: n, run });
                }
            }
            Event::Replicate {
                master,
                replica,
                argv,
                end,
                bytes,
                write,
            } => self.apply_replicated(master, replica, &argv, end, bytes, write),
            Event::Deliver { from, to, msg } => {
                if !self.nodes[to].alive {
                    self.trace.push(TraceEvent::Dropped {
                        at,
                        from,
                        to,
                        kind: msg.kind,
                        reason: crate::network::DropReason::Dead,
                    });
                } else {
                    self.trace.push(TraceEvent::Delivered {
                        at,
                        from,
                        to,
                        kind: msg.kind,
                    });
                    self.nodes[to].bus.stats_received[msg.kind as usize] += 1;
                    self.process_packet(to, &msg);
                }
            }
        }
        Some(at)
    }

    fn paused(&mut self, n: NodeIdx) -> Option<u64> {
        match self.nodes[n].bus.paused_until {
            Some(until) if until > self.now => Some(until),
            Some(_) => {
                self.nodes[n].bus.paused_until = None;
                None
            }
            None => None,
        }
    }

    // ------------------------------------------------------------ sending

    /// The slots `n` claims in its messages: its own, or its master's.
    fn claims_of(&self, n: NodeIdx) -> Rc<SlotBits> {
        let node = &self.nodes[n];
        // (A node always knows its own master.)
        let claimant = node.role(n).master().unwrap_or(n);
        node.slots.claims(claimant)
    }

    fn header(&self, from: NodeIdx, kind: MsgKind) -> Msg {
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
    fn broadcast(&mut self, from: NodeIdx, msg: Msg) {
        let peers: Vec<NodeIdx> = self.known(from).filter(|&n| n != from).collect();
        for p in peers {
            self.send(from, p, msg.clone());
        }
    }

    fn log(&mut self, node: NodeIdx, text: String) {
        let at = self.now;
        self.trace.push(TraceEvent::Log { at, node, text });
    }

    fn short(&self, n: NodeIdx) -> String {
        format!("{} ({})", &self.nodes[n].id[..8], self.nodes[n].addr)
    }

    // ------------------------------------------------------------ cron

    /// `clusterCron`, every 100 ms on every live node.
    fn cron(&mut self, v: NodeIdx) {
        let nt = self.nodes[v].config.node_timeout;
        let now = self.now;
        self.nodes[v].bus.cron_iter += 1;
        let iter = self.nodes[v].bus.cron_iter;
        let count = self.nodes[v].known_list.len();

        // About once a second, ping the oldest-ponged of 5 random nodes.
        if iter.is_multiple_of(10) && count > 1 {
            let mut best: Option<NodeIdx> = None;
            for _ in 0..5 {
                let n = self.nodes[v].known_list[self.rng.below(count as u64) as usize];
                let p = &self.nodes[v].view[n];
                if n == v || p.ping_sent != 0 {
                    continue;
                }
                if best.is_none_or(|b| p.pong_received < self.nodes[v].view[b].pong_received) {
                    best = Some(n);
                }
            }
            if let Some(n) = best {
                self.send_ping(v, n, MsgKind::Ping);
            }
        }

        self.handle_handshakes(v);

        // (Nothing below changes which nodes `v` knows.)
        // A replica counts, on the way, the working replicas of each master
        // (for replica migration), as Redis's cron loop does.
        let is_replica = matches!(self.nodes[v].role(v), Role::Replica { .. });
        let mut census = crate::replica_migration::Census::default();
        if is_replica {
            census = crate::replica_migration::Census::new(self.nodes.len());
        }
        for i in 0..count {
            let n = self.nodes[v].known_list[i];
            if is_replica {
                census.count(n, &self.nodes[v].view[n]);
            }
            if n == v {
                continue;
            }
            // `clusterNodeCronHandleReconnect`: connect where there is no
            // link; a new link starts with a PING (keeping the time of a
            // PING still unanswered, so failure detection is not reset).
            if !self.nodes[v].view[n].link && self.nodes[n].alive && self.network.connected(v, n) {
                let old_ping_sent = self.nodes[v].view[n].ping_sent;
                let p = &mut self.nodes[v].view[n];
                p.link = true;
                p.link_since = now;
                self.send_ping(v, n, MsgKind::Ping);
                if old_ping_sent != 0 {
                    self.nodes[v].view[n].ping_sent = old_ping_sent;
                }
            }
            // A link with a PING unanswered and nothing received for NT/2
            // is dropped, to be reconnected next tick.
            let p = &mut self.nodes[v].view[n];
            if p.link
                && now - p.link_since > nt
                && p.ping_sent != 0
                && now - p.ping_sent > nt / 2
                && now.saturating_sub(p.data_received) > nt / 2
            {
                p.link = false;
            }
            let p = &self.nodes[v].view[n];
            // Keep every link fresh: ping what has been quiet for NT/2.
            // (Without a link, Redis has just started connecting again and
            // queues the PING on the connecting link: it is lost if the
            // connection fails, but `ping_sent` is set, which is how a dead
            // node ends up PFAIL.)
            if p.ping_sent == 0 && now as i64 - p.pong_received > (nt / 2) as i64 {
                self.send_ping(v, n, MsgKind::Ping);
            }
            // A master in manual failover pings its replica every tick.
            if self.nodes[v].bus.mf_replica == Some(n) && self.nodes[v].bus.mf_end.is_some() {
                self.send_ping(v, n, MsgKind::Ping);
            }
            let p = &self.nodes[v].view[n];
            if p.ping_sent == 0 {
                continue;
            }
            let delay = (now - p.ping_sent).min(now.saturating_sub(p.data_received));
            if delay > nt && !p.pfail && !p.fail {
                self.set_flags(v, n, true, false);
            }
        }

        // Manual failover timeouts.
        if let Some(end) = self.nodes[v].bus.mf_end {
            if now > end {
                self.log(v, "Manual failover timed out.".into());
                self.reset_manual_failover(v);
            }
        }
        if let Role::Replica { of } = self.nodes[v].role(v) {
            self.handle_manual_failover(v);
            self.handle_replica_failover(v);
            self.handle_replica_migration(v, &census);
            // A broken replication link is re-established (a full resync)
            // as soon as the master is reachable.
            if self.nodes[of].alive && self.network.connected(v, of) {
                self.nodes[v].bus.master_last_io = now;
                if self.nodes[v].bus.repl_broken {
                    self.full_sync(v, of);
                }
            }
        } else if iter.is_multiple_of(REPL_PING_PERIOD_MS / CRON_PERIOD_MS) {
            // The replication PING every repl-ping-replica-period (14 bytes).
            self.replicate_ping(v);
        }
        self.update_state(v);
    }

    /// Nodes in handshake (`clusterCron`): connect and send the MEET; give
    /// up on a handshake older than max(node_timeout, 1 s), as Redis deletes
    /// the handshake node then.
    fn handle_handshakes(&mut self, v: NodeIdx) {
        if self.nodes[v].bus.handshakes.is_empty() {
            return;
        }
        let now = self.now;
        let timeout = self.nodes[v].config.node_timeout.max(1_000);
        let mut pending = std::mem::take(&mut self.nodes[v].bus.handshakes);
        pending.retain(|h| now.saturating_sub(h.since) <= timeout);
        for h in &mut pending {
            // The connection succeeds only if the process is up and the
            // network lets it through (the world's answer to a connect).
            if !h.meet_sent && self.nodes[h.node].alive && self.network.connected(v, h.node) {
                h.meet_sent = true;
                self.send_ping(v, h.node, MsgKind::Meet);
            }
        }
        self.nodes[v].bus.handshakes = pending;
    }

    // ------------------------------------------------------------ receiving

    /// `clusterProcessPacket`.
    fn process_packet(&mut self, v: NodeIdx, msg: &Msg) {
        let s = msg.sender;
        let now = self.now;
        if !self.nodes[v].view[s].known {
            // Unknown senders are ignored, unless they MEET us, or answer
            // our MEET (the PONG that completes a handshake). What we then
            // know of the sender is what its header says.
            let met = self.nodes[v]
                .bus
                .handshakes
                .iter()
                .position(|h| h.node == s);
            let answered = msg.kind == MsgKind::Pong && met.is_some();
            if msg.kind != MsgKind::Meet && !answered {
                return;
            }
            if let Some(i) = met {
                self.nodes[v].bus.handshakes.remove(i);
            }
            let role = msg.master.map_or(Role::Master, |m| Role::Replica { of: m });
            let mut peer = PeerView::new(true, role, msg.config_epoch, now);
            if answered {
                // The handshake's connection becomes the node's link.
                peer.link = true;
                peer.link_since = now;
            }
            self.nodes[v].view[s] = peer;
            self.nodes[v].refresh_known();
        }
        self.nodes[v].view[s].data_received = now;
        self.nodes[v].view[s].repl_offset = msg.offset;

        // Epochs.
        if msg.current_epoch > self.nodes[v].current_epoch {
            self.nodes[v].current_epoch = msg.current_epoch;
            self.trace_epochs(v);
        }
        if msg.config_epoch > self.nodes[v].view[s].config_epoch {
            self.nodes[v].view[s].config_epoch = msg.config_epoch;
        }

        match msg.kind {
            MsgKind::Ping | MsgKind::Meet => {
                self.send_ping(v, s, MsgKind::Pong);
            }
            MsgKind::Pong => {
                let p = &mut self.nodes[v].view[s];
                p.pong_received = now as i64;
                p.ping_sent = 0;
                if p.pfail {
                    self.set_flags(v, s, false, false);
                } else if p.fail {
                    self.clear_failure_if_needed(v, s);
                }
            }
            _ => {}
        }

        if matches!(msg.kind, MsgKind::Ping | MsgKind::Pong | MsgKind::Meet) {
            self.learn_role(v, s, msg.master);
            self.check_claims(v, msg);
            self.handle_config_epoch_collision(v, msg);
            self.process_gossip(v, msg);
            // A paused master tells its replica the offset to reach.
            if msg.paused
                && self.nodes[v].role(v) == (Role::Replica { of: s })
                && self.nodes[v].bus.mf_end.is_some()
            {
                self.nodes[v].bus.mf_master_offset = Some(msg.offset);
                self.handle_manual_failover(v);
            }
        }

        match msg.kind {
            MsgKind::Fail => {
                if let Some(n) = msg.about {
                    let p = &self.nodes[v].view[n];
                    if n != v && p.known && !p.fail {
                        self.log(
                            v,
                            format!(
                                "FAIL message received from {} about {}",
                                self.short(s),
                                self.short(n)
                            ),
                        );
                        self.set_flags(v, n, false, true);
                        self.nodes[v].bus.fail_time.insert(n, now);
                    }
                }
            }
            MsgKind::Update => {
                if let (Some(n), Some((epoch, bits))) = (msg.about, msg.update.clone()) {
                    if self.nodes[v].view[n].config_epoch < epoch {
                        if self.nodes[v].view[n].role != Role::Master {
                            self.set_role(v, n, Role::Master);
                        }
                        self.nodes[v].view[n].config_epoch = epoch;
                        self.apply_claims(v, n, epoch, &bits);
                    }
                }
            }
            MsgKind::AuthRequest => self.handle_auth_request(v, msg),
            MsgKind::AuthAck => {
                let bus = &self.nodes[v].bus;
                let sender_serves = self.nodes[v].slots.count_of(s) > 0;
                if sender_serves
                    && msg.current_epoch >= bus.failover_auth_epoch
                    && bus.failover_auth_sent
                {
                    self.nodes[v].bus.failover_auth_count += 1;
                    // clusterDoBeforeSleep(CLUSTER_TODO_HANDLE_FAILOVER)
                    self.handle_replica_failover(v);
                }
            }
            MsgKind::MfStart
                if self.nodes[v].role(v) == Role::Master
                    && self.nodes[v].view[s].role == (Role::Replica { of: v }) =>
            {
                {
                    self.log(
                        v,
                        format!("Manual failover requested by replica {}.", self.short(s)),
                    );
                    let bus = &mut self.nodes[v].bus;
                    bus.mf_end = Some(now + MF_TIMEOUT_MS);
                    bus.mf_replica = Some(s);
                    // Client writes are held for twice the manual failover timeout.
                    bus.clients_paused_until = Some(now + 2 * MF_TIMEOUT_MS);
                    self.send_ping(v, s, MsgKind::Ping);
                }
            }
            _ => {}
        }
        self.update_state(v);
    }

    /// The sender told us its role (master, or replica of `master`).
    fn learn_role(&mut self, v: NodeIdx, s: NodeIdx, master: Option<NodeIdx>) {
        let role = master.map_or(Role::Master, |m| Role::Replica { of: m });
        let old = self.nodes[v].view[s].role;
        if old == role {
            return;
        }
        if old == Role::Master {
            // A master turned into a replica: its slots are unassigned here
            // until their new owner claims them (`clusterDelNodeSlots`).
            for slot in 0..usize::from(SLOT_COUNT) {
                if self.nodes[v].slots[slot] == Some(s) {
                    self.nodes[v].slots.set(slot, None);
                }
            }
        }
        self.set_role(v, s, role);
    }

    pub(crate) fn set_role(&mut self, v: NodeIdx, n: NodeIdx, role: Role) {
        let old = self.nodes[v].view[n].role;
        match role {
            // A master that has (or took over from a master that had) a
            // replica is one that should keep having one.
            Role::Replica { of } => {
                add_once(&mut self.nodes[v].bus.migrate_to, of);
            }
            Role::Master if old != Role::Master && n != v => {
                add_once(&mut self.nodes[v].bus.migrate_to, n);
            }
            Role::Master | Role::ReplicaOfUnknown => {}
        }
        self.nodes[v].view[n].role = role;
        self.nodes[v].bus.view_changes += 1;
        let at = self.now;
        self.trace.push(TraceEvent::RoleChanged {
            at,
            observer: v,
            node: n,
            role,
        });
    }

    /// Slot claims in a PING/PONG: adopt newer ones, tell the sender (UPDATE)
    /// when it claims slots someone newer owns.
    fn check_claims(&mut self, v: NodeIdx, msg: &Msg) {
        let s = msg.sender;
        let sender_master = msg.master.unwrap_or(s);
        // Same count, and every claimed slot already owned by it here: same set.
        let table = &self.nodes[v].slots;
        let dirty = table.count_of(sender_master) != msg.claims.count() as usize
            || msg
                .claims
                .slots()
                .any(|slot| table[usize::from(slot)] != Some(sender_master));
        if !dirty {
            return;
        }
        if msg.master.is_none() {
            self.apply_claims(v, s, msg.config_epoch, &msg.claims);
        }
        for slot in msg.claims.slots() {
            let Some(owner) = self.nodes[v].slots[usize::from(slot)] else {
                continue;
            };
            if owner == s {
                continue;
            }
            let owner_epoch = self.nodes[v].view[owner].config_epoch;
            if owner_epoch > msg.config_epoch {
                let mut update = self.header(v, MsgKind::Update);
                update.about = Some(owner);
                update.update = Some((owner_epoch, self.nodes[v].slots.claims(owner)));
                self.send(v, s, update);
                break;
            }
        }
    }

    /// `clusterHandleConfigEpochCollision`: two masters with the same config
    /// epoch; the one with the smaller node ID takes a new epoch, so that
    /// every master ends up with its own.
    fn handle_config_epoch_collision(&mut self, v: NodeIdx, msg: &Msg) {
        let node = &self.nodes[v];
        if msg.master.is_some()
            || node.role(v) != Role::Master
            || msg.config_epoch != node.view[v].config_epoch
            || self.nodes[msg.sender].id <= node.id
        {
            return;
        }
        let node = &mut self.nodes[v];
        node.current_epoch += 1;
        node.view[v].config_epoch = node.current_epoch;
        let epoch = node.current_epoch;
        self.trace_epochs(v);
        self.log(
            v,
            format!(
                "WARNING: configEpoch collision with node {}. configEpoch set to {epoch}",
                self.short(msg.sender)
            ),
        );
    }

    /// `clusterUpdateSlotsConfigWith`: rebind the slots `claimant` claims
    /// with `epoch` wherever that beats the current owner; delete the keys
    /// of slots lost with keys left (dirty); follow the claimant if my
    /// master (or I) lost every slot to it.
    pub(crate) fn apply_claims(
        &mut self,
        v: NodeIdx,
        claimant: NodeIdx,
        epoch: u64,
        bits: &SlotBits,
    ) {
        if v == claimant {
            return;
        }
        let cur_master = self.nodes[v].role(v).master().unwrap_or(v);
        let had_slots = self.nodes[v].slots.count_of(cur_master) > 0;
        let mut dirty: Vec<Slot> = Vec::new();
        let mut moved_from_cur = 0usize;
        let now = self.now;
        for slot in bits.slots() {
            let i = usize::from(slot);
            let node = &self.nodes[v];
            if node.importing.contains_key(&slot) || node.slots[i] == Some(claimant) {
                continue;
            }
            let beats = match node.slots[i] {
                None => true,
                Some(o) => node.view[o].config_epoch < epoch,
            };
            if !beats {
                continue;
            }
            if node.slots[i] == Some(v) && node.db.count_in_slot(slot) > 0 {
                dirty.push(slot);
            }
            if node.slots[i] == Some(cur_master) {
                moved_from_cur += 1;
            }
            self.nodes[v].slots.set(i, Some(claimant));
        }
        let left_without = self.nodes[v].slots.count_of(cur_master) == 0;
        if had_slots && moved_from_cur > 0 && left_without {
            self.log(
                v,
                format!(
                    "Configuration change detected. Reconfiguring myself as a replica of {}",
                    self.short(claimant)
                ),
            );
            self.become_replica(v, claimant);
        } else {
            for slot in dirty {
                let keys: Vec<Vec<u8>> = self.nodes[v].db.keys_in_slot(slot).cloned().collect();
                for k in keys {
                    self.nodes[v].db.remove(&k, now);
                }
            }
        }
    }

    /// `clusterProcessGossipSection`.
    fn process_gossip(&mut self, v: NodeIdx, msg: &Msg) {
        let s = msg.sender;
        let now = self.now;
        touch(&self.nodes[v].view, msg.gossip.iter().map(|g| g.node));
        let sender_is_master = self.nodes[v].view[s].role == Role::Master;
        for g in &msg.gossip {
            let n = g.node;
            if !self.nodes[v].view[n].known {
                // `clusterProcessGossipSection`: a node a known sender
                // describes is added under its real ID with the gossiped
                // flags (unless blacklisted: forgotten less than a minute
                // ago). The entry carries flags, not the node's master, nor
                // its epoch: a replica's master stays unknown until the node
                // itself tells us (its first PING or PONG), and cron then
                // connects to it and pings it.
                let forgotten = self.nodes[v]
                    .bus
                    .forgotten_until
                    .get(n)
                    .is_some_and(|t| now < t);
                if n != v && !g.fail && !forgotten {
                    let role = if g.master {
                        Role::Master
                    } else {
                        Role::ReplicaOfUnknown
                    };
                    self.nodes[v].view[n] = PeerView::new(true, role, 0, now);
                    self.nodes[v].refresh_known();
                    if g.pfail {
                        self.set_flags(v, n, true, false);
                    }
                }
                continue;
            }
            if sender_is_master && n != v {
                if g.pfail || g.fail {
                    let reports = &mut self.nodes[v].bus.fail_reports;
                    match reports.iter_mut().find(|r| r.0 == n && r.1 == s) {
                        Some(report) => report.2 = now,
                        None => reports.push((n, s, now)),
                    }
                    self.mark_failing_if_needed(v, n);
                } else {
                    let reports = &mut self.nodes[v].bus.fail_reports;
                    reports.retain(|r| r.0 != n || r.1 != s);
                }
            }
            let reported = self.nodes[v].bus.has_failure_reports(n);
            let p = &mut self.nodes[v].view[n];
            if !g.pfail
                && !g.fail
                && p.ping_sent == 0
                && !reported
                && g.pong_received > p.pong_received
                && g.pong_received <= now as i64 + 500
            {
                p.pong_received = g.pong_received;
            }
        }
    }

    // ------------------------------------------------------------ failure detection

    /// Sets what `v` believes of `n`, recording the change.
    pub(crate) fn set_flags(&mut self, v: NodeIdx, n: NodeIdx, pfail: bool, fail: bool) {
        let p = &mut self.nodes[v].view[n];
        if p.pfail == pfail && p.fail == fail {
            return;
        }
        let was_pfail = p.pfail;
        p.pfail = pfail;
        p.fail = fail;
        let bus = &mut self.nodes[v].bus;
        bus.view_changes += 1;
        if pfail && !was_pfail {
            bus.pfail_peers += 1;
        } else if was_pfail && !pfail {
            bus.pfail_peers = bus.pfail_peers.saturating_sub(1);
        }
        let at = self.now;
        self.trace.push(TraceEvent::Flags {
            at,
            observer: v,
            node: n,
            pfail,
            fail,
        });
    }

    /// `markNodeAsFailingIfNeeded`: PFAIL becomes FAIL on a majority of masters.
    fn mark_failing_if_needed(&mut self, v: NodeIdx, n: NodeIdx) {
        let nt = self.nodes[v].config.node_timeout;
        let now = self.now;
        let reports = self.nodes[v].bus.failure_reports(n, now, nt * 2);
        let p = &self.nodes[v].view[n];
        if !p.pfail || p.fail {
            return;
        }
        let me_master = self.nodes[v].role(v) == Role::Master;
        let reports = reports + usize::from(me_master);
        let quorum = self.cluster_size(v) / 2 + 1;
        if reports < quorum {
            return;
        }
        self.log(
            v,
            format!(
                "Marking node {} as failing (quorum reached).",
                self.short(n)
            ),
        );
        self.set_flags(v, n, false, true);
        self.nodes[v].bus.fail_time.insert(n, now);
        let mut fail = self.header(v, MsgKind::Fail);
        fail.about = Some(n);
        self.broadcast(v, fail);
    }

    /// `clearNodeFailureIfNeeded`, on a PONG from a FAIL node.
    fn clear_failure_if_needed(&mut self, v: NodeIdx, n: NodeIdx) {
        let nt = self.nodes[v].config.node_timeout;
        let serving =
            self.nodes[v].view[n].role == Role::Master && self.nodes[v].slots.count_of(n) > 0;
        if !serving {
            self.log(v, format!("Clear FAIL state for node {}: replica or master without slots is reachable again.", self.short(n)));
            self.set_flags(v, n, false, false);
        } else if self.now - self.nodes[v].bus.fail_time.get(n).unwrap_or(0) > 2 * nt {
            self.log(v, format!("Clear FAIL state for node {}: is reachable again and nobody is serving its slots after some time.", self.short(n)));
            self.set_flags(v, n, false, false);
        }
    }

    /// `clusterUpdateState`, with the rejoin delays.
    pub fn update_state(&mut self, v: NodeIdx) {
        let now = self.now;
        let is_master = self.nodes[v].role(v) == Role::Master;
        let inputs = (
            self.nodes[v].slots.version(),
            self.nodes[v].bus.view_changes,
            self.nodes[v].config.require_full_coverage,
        );
        let bus = &mut self.nodes[v].bus;
        if bus.state_ok && bus.state_inputs == Some(inputs) {
            return; // Nothing it depends on changed since it was found ok.
        }
        bus.state_inputs = Some(inputs);
        let bus = &self.nodes[v].bus;
        if is_master && !bus.state_ok && bus.started_at.is_some_and(|t| now - t < 2_000) {
            return; // CLUSTER_WRITABLE_DELAY after a start
        }
        let node = &self.nodes[v];
        let covered = !self.nodes[v].config.require_full_coverage
            || (node.slots.unassigned() == 0 && node.slots.owners().all(|o| !node.view[o].fail));
        let size = self.cluster_size(v);
        let reachable = node
            .slots
            .owners()
            .filter(|&o| o == v || !(node.view[o].fail || node.view[o].pfail))
            .count();
        let majority = reachable > size / 2;
        if !majority {
            self.nodes[v].bus.among_minority_time = Some(now);
        }
        let ok = covered && majority;
        if ok == self.nodes[v].bus.state_ok {
            return;
        }
        let rejoin = self.nodes[v].config.node_timeout.clamp(500, 5_000);
        let recently_minority = self.nodes[v]
            .bus
            .among_minority_time
            .is_some_and(|t| now - t < rejoin);
        if ok && is_master && recently_minority {
            return;
        }
        self.nodes[v].bus.state_ok = ok;
        self.log(
            v,
            format!("Cluster state changed: {}", if ok { "ok" } else { "fail" }),
        );
        self.trace.push(TraceEvent::ClusterState {
            at: now,
            node: v,
            ok,
        });
    }

    pub(crate) fn trace_epochs(&mut self, v: NodeIdx) {
        let at = self.now;
        let current = self.nodes[v].current_epoch;
        let config = self.nodes[v].view[v].config_epoch;
        self.trace.push(TraceEvent::Epochs {
            at,
            node: v,
            current,
            config,
        });
    }

    // ------------------------------------------------------------ elections

    /// `clusterGetSlaveRank`: replicas of my master with a better offset.
    fn replica_rank(&self, v: NodeIdx, master: NodeIdx) -> usize {
        let mine = self.nodes[v].repl_offset;
        self.known(v)
            .filter(|&r| r != v && self.nodes[v].view[r].role == (Role::Replica { of: master }))
            .filter(|&r| self.nodes[v].view[r].repl_offset > mine)
            .count()
    }

    /// `clusterHandleSlaveFailover`.
    fn handle_replica_failover(&mut self, v: NodeIdx) {
        let Role::Replica { of: master } = self.nodes[v].role(v) else {
            return;
        };
        let now = self.now;
        let nt = self.nodes[v].config.node_timeout;
        let manual = self.nodes[v].bus.mf_end.is_some() && self.nodes[v].bus.mf_can_start;
        let master_failed = self.nodes[v].view[master].fail;
        // `cluster-replica-no-failover` leaves only the manual failover.
        let no_failover = self.nodes[v].config.replica_no_failover;
        if (!manual && (!master_failed || no_failover)) || self.nodes[v].slots.count_of(master) == 0
        {
            return;
        }
        let factor = self.nodes[v].config.replica_validity_factor;
        if !manual && factor > 0 {
            let mut data_age = now.saturating_sub(self.nodes[v].bus.master_last_io);
            if data_age > nt {
                data_age -= nt;
            }
            if data_age > REPL_PING_PERIOD_MS + nt.saturating_mul(factor) {
                return; // "Disconnected from master for longer than allowed."
            }
        }
        let auth_timeout = (2 * nt).max(2_000);
        let retry = 2 * auth_timeout;
        let bus = &self.nodes[v].bus;
        let expired = bus
            .failover_auth_time
            .is_none_or(|t| now.saturating_sub(t) > retry && now >= t);
        if expired {
            let rank = if manual {
                0
            } else {
                self.replica_rank(v, master)
            };
            let delay = if manual {
                0
            } else {
                500 + self.rng.below(500) + rank as u64 * 1000
            };
            let offset = self.nodes[v].repl_offset;
            let bus = &mut self.nodes[v].bus;
            bus.failover_auth_time = Some(now + delay);
            bus.failover_auth_count = 0;
            bus.failover_auth_sent = false;
            bus.failover_auth_rank = rank;
            self.log(v, format!("Start of election delayed for {delay} milliseconds (rank #{rank}, offset {offset})."));
            // Exchange offsets with the other replicas of the same master.
            let siblings: Vec<NodeIdx> = self
                .known(v)
                .filter(|&r| r != v && self.nodes[v].view[r].role == (Role::Replica { of: master }))
                .collect();
            for r in siblings {
                self.send_ping(v, r, MsgKind::Pong);
            }
            if !manual {
                return;
            }
        }
        let bus = &self.nodes[v].bus;
        if !bus.failover_auth_sent && !manual {
            let rank = self.replica_rank(v, master);
            let old = self.nodes[v].bus.failover_auth_rank;
            if rank > old {
                let added = (rank - old) as u64 * 1000;
                let bus = &mut self.nodes[v].bus;
                bus.failover_auth_time = bus.failover_auth_time.map(|t| t + added);
                bus.failover_auth_rank = rank;
                self.log(
                    v,
                    format!(
                        "Replica rank updated to #{rank}, added {added} milliseconds of delay."
                    ),
                );
            }
        }
        let Some(auth_time) = self.nodes[v].bus.failover_auth_time else {
            return;
        };
        if now < auth_time || now - auth_time > auth_timeout {
            return;
        }
        if !self.nodes[v].bus.failover_auth_sent {
            let node = &mut self.nodes[v];
            node.current_epoch += 1;
            node.bus.failover_auth_epoch = node.current_epoch;
            node.bus.failover_auth_sent = true;
            let epoch = node.current_epoch;
            self.trace_epochs(v);
            self.log(
                v,
                format!("Starting a failover election for epoch {epoch}."),
            );
            let mut request = self.header(v, MsgKind::AuthRequest);
            request.force_ack = manual;
            self.broadcast(v, request);
            return;
        }
        let needed = self.cluster_size(v) / 2 + 1;
        if self.nodes[v].bus.failover_auth_count >= needed {
            self.log(v, "Failover election won, I'm the new master.".into());
            let epoch = self.nodes[v].bus.failover_auth_epoch;
            if self.nodes[v].view[v].config_epoch < epoch {
                self.nodes[v].view[v].config_epoch = epoch;
                self.log(
                    v,
                    format!("configEpoch set to {epoch} after successful failover"),
                );
            }
            self.replace_master(v, master);
        }
    }

    /// `clusterSendFailoverAuthIfNeeded`: the vote rules. A refusal is silent.
    fn handle_auth_request(&mut self, v: NodeIdx, msg: &Msg) {
        let s = msg.sender;
        let node = &self.nodes[v];
        let now = self.now;
        if node.role(v) != Role::Master || node.slots.count_of(v) == 0 {
            return;
        }
        if msg.current_epoch < node.current_epoch || node.bus.last_vote_epoch == node.current_epoch
        {
            return;
        }
        let Some(master) = msg.master else { return };
        if !node.view[master].fail && !msg.force_ack {
            return;
        }
        if node
            .bus
            .voted_time
            .get(master)
            .is_some_and(|t| now - t < 2 * self.nodes[v].config.node_timeout)
        {
            return;
        }
        for slot in msg.claims.slots() {
            if let Some(owner) = node.slots[usize::from(slot)] {
                if node.view[owner].config_epoch > msg.config_epoch {
                    return;
                }
            }
        }
        let epoch = node.current_epoch;
        self.nodes[v].bus.last_vote_epoch = epoch;
        self.nodes[v].bus.voted_time.insert(master, now);
        self.log(
            v,
            format!(
                "Failover auth granted to {} for epoch {epoch}",
                self.short(s)
            ),
        );
        let ack = self.header(v, MsgKind::AuthAck);
        self.send(v, s, ack);
    }

    /// `clusterFailoverReplaceYourMaster`: I take my master's slots and tell
    /// everyone.
    pub(crate) fn replace_master(&mut self, v: NodeIdx, master: NodeIdx) {
        self.count_lost_writes(master, v);
        self.set_role(v, v, Role::Master);
        self.nodes[v].slots.replace_owner(master, v);
        self.trace_epochs(v);
        self.update_state(v);
        self.broadcast_pong(v);
        self.reset_manual_failover(v);
    }

    fn reset_manual_failover(&mut self, v: NodeIdx) {
        let bus = &mut self.nodes[v].bus;
        bus.mf_end = None;
        bus.mf_can_start = false;
        bus.mf_master_offset = None;
        bus.mf_replica = None;
        bus.mf_force = false;
        bus.clients_paused_until = None;
    }

    /// Replica side of a manual failover: go once caught up with the paused
    /// master (or at once for FORCE).
    fn handle_manual_failover(&mut self, v: NodeIdx) {
        let bus = &self.nodes[v].bus;
        if bus.mf_end.is_none() || bus.mf_can_start {
            return;
        }
        if bus.mf_force || bus.mf_master_offset == Some(self.nodes[v].repl_offset) {
            self.nodes[v].bus.mf_can_start = true;
            self.log(
                v,
                "All master replication stream processed, manual failover can start.".into(),
            );
            self.handle_replica_failover(v);
        }
    }

    /// CLUSTER FAILOVER on replica `v` (checks already made).
    pub(crate) fn start_manual_failover(
        &mut self,
        v: NodeIdx,
        master: NodeIdx,
        force: bool,
        takeover: bool,
    ) {
        let now = self.now;
        if takeover {
            // No votes: a new epoch without consensus, and take over at once.
            self.log(v, "Taking over the master (user request).".into());
            self.bump_config_epoch_without_consensus(v);
            self.replace_master(v, master);
            return;
        }
        let bus = &mut self.nodes[v].bus;
        bus.mf_end = Some(now + MF_TIMEOUT_MS);
        bus.mf_force = force;
        bus.failover_auth_time = None;
        if force {
            self.log(v, "Forced failover user request accepted.".into());
        } else {
            self.log(v, "Manual failover user request accepted.".into());
            let start = self.header(v, MsgKind::MfStart);
            self.send(v, master, start);
        }
    }

    // ------------------------------------------------------------ replication

    /// Every write acknowledged by `master` beyond what `replica` applied
    /// is lost when the replica takes over.
    fn count_lost_writes(&mut self, master: NodeIdx, replica: NodeIdx) {
        let applied = self.nodes[replica].repl_offset;
        let lost = self.nodes[master]
            .repl_history
            .iter()
            .filter(|(end, write)| *write && *end > applied)
            .count() as u64;
        if lost > 0 {
            self.lost_writes += lost;
            let at = self.now;
            self.trace.push(TraceEvent::LostWrites {
                at,
                master,
                replica,
                count: lost,
            });
        }
    }

    // ------------------------------------------------------------ faults

    /// `kill -9`: the process is gone; its connections break at once.
    pub fn kill(&mut self, n: NodeIdx) {
        if !self.nodes[n].alive {
            return;
        }
        self.nodes[n].alive = false;
        let at = self.now;
        self.trace.push(TraceEvent::Action {
            at,
            what: format!("kill -9 {}", self.nodes[n].addr),
        });
        // Every connection to it breaks (the kernel closes its sockets).
        for v in 0..self.nodes.len() {
            self.nodes[v].view[n].link = false;
        }
        // The replication link of its replicas went down now.
        for r in 0..self.nodes.len() {
            if self.nodes[r].role(r) == (Role::Replica { of: n }) {
                self.nodes[r].bus.master_last_io = at;
                self.nodes[r].bus.repl_broken = true;
            }
        }
    }

    /// Restarts a killed node with the configuration it had saved (its
    /// nodes.conf) and an empty dataset (no persistence, as in the transcripts).
    pub fn restart(&mut self, n: NodeIdx) {
        if self.nodes[n].alive {
            return;
        }
        let now = self.now;
        let node = &mut self.nodes[n];
        node.alive = true;
        // Settings changed with CONFIG SET and not saved are gone.
        node.config = node.conf_file.clone();
        node.db = crate::keyspace::Keyspace::default();
        node.repl_offset = 0;
        node.migrating.clear();
        node.importing.clear();
        let state_ok = false;
        node.bus = crate::cluster::NodeBus {
            started_at: Some(now),
            state_ok,
            last_vote_epoch: node.bus.last_vote_epoch,
            master_last_io: now,
            // No data: a replica resyncs from its master first.
            repl_broken: true,
            ..Default::default()
        };
        for (i, p) in node.view.iter_mut().enumerate() {
            if p.known && i != n {
                *p = PeerView {
                    ping_sent: 0,
                    pong_received: 0,
                    data_received: now,
                    pfail: false,
                    fail: false,
                    link: false,
                    ..p.clone()
                };
            }
        }
        self.trace.push(TraceEvent::Action {
            at: now,
            what: format!("restart {}", self.nodes[n].addr),
        });
        // The first clusterCron runs as soon as the server is up: it
        // connects to every known node (each new link starts with a PING).
        self.nodes[n].runs += 1;
        let run = self.nodes[n].runs;
        self.schedule(now + 1, Event::Cron { node: n, run });
    }

    /// Splits the network: each set can only reach itself; nodes in no
    /// set form one more group. Open connections are not closed (TCP does
    /// not notice), messages across simply stop arriving.
    pub fn partition(&mut self, sets: &[Vec<NodeIdx>]) {
        self.network.partition(sets);
        let names: Vec<String> = sets
            .iter()
            .map(|set| {
                set.iter()
                    .map(|&n| self.nodes[n].addr.port.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        let at = self.now;
        self.trace.push(TraceEvent::Action {
            at,
            what: format!("partition {}", names.join(" | ")),
        });
    }

    /// Ends every partition and reconnects every cut link.
    pub fn heal(&mut self) {
        self.network.heal();
        let at = self.now;
        self.trace.push(TraceEvent::Action {
            at,
            what: "heal".into(),
        });
    }

    /// Cuts the link between two nodes in both directions (messages on it
    /// are lost, as on a dropped route; the rest of the network works).
    pub fn cut_link(&mut self, a: NodeIdx, b: NodeIdx) {
        self.network.cut_link(a, b);
        let at = self.now;
        let what = format!(
            "cut link {} ↔ {}",
            self.nodes[a].addr.port, self.nodes[b].addr.port
        );
        self.trace.push(TraceEvent::Action { at, what });
    }

    /// Adds `extra_ms` of delay to the link between two nodes, both ways
    /// (0 makes it normal again).
    pub fn slow_link(&mut self, a: NodeIdx, b: NodeIdx, extra_ms: u64) {
        self.network.slow_link(a, b, extra_ms);
        let at = self.now;
        let what = format!(
            "link {} ↔ {}: +{extra_ms} ms",
            self.nodes[a].addr.port, self.nodes[b].addr.port
        );
        self.trace.push(TraceEvent::Action { at, what });
    }

    /// Makes the link between two nodes normal again.
    pub fn restore_link(&mut self, a: NodeIdx, b: NodeIdx) {
        self.network.restore_link(a, b);
        let at = self.now;
        let what = format!(
            "restore link {} ↔ {}",
            self.nodes[a].addr.port, self.nodes[b].addr.port
        );
        self.trace.push(TraceEvent::Action { at, what });
    }

    /// SIGSTOP for `ms`: the node handles nothing until then.
    pub fn pause(&mut self, n: NodeIdx, ms: u64) {
        let until = self.now + ms;
        self.nodes[n].bus.paused_until = Some(until);
        let at = self.now;
        self.trace.push(TraceEvent::Action {
            at,
            what: format!("pause {} for {ms} ms", self.nodes[n].addr),
        });
    }
}

/// Adds `n` to a small set kept as a list.
fn add_once(set: &mut Vec<NodeIdx>, n: NodeIdx) {
    if !set.contains(&n) {
        set.push(n);
    }
}

/// Reads the view entries of `nodes` once, so that their cache misses are
/// in flight together before the loop that needs them (a portable prefetch:
/// with 1000 nodes the views are ~72 MB and each entry read at random is a
/// miss; read one by one inside a branchy loop, they mostly wait for one
/// another). It reads the first field and the role: what gossip needs.
fn touch(view: &[PeerView], nodes: impl Iterator<Item = NodeIdx>) {
    let mut sum = 0usize;
    for n in nodes {
        let p = &view[n];
        sum = sum.wrapping_add(usize::from(p.known));
        sum = sum.wrapping_add(p.role.master().unwrap_or(0));
    }
    std::hint::black_box(sum);
}
