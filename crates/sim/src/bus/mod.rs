//! The cluster bus (Redis's `cluster_legacy.c`), one concept per file:
//! `msg` (the wire types and sending), `gossip` (`clusterProcessGossipSection`),
//! `failure` (PFAIL, failure reports, FAIL, `cluster_state`), `election`
//! (`clusterHandleSlaveFailover`, votes), `manual_failover` (CLUSTER
//! FAILOVER), `config_epoch` (roles, slot claims, UPDATE, epoch collisions).
//! This file holds what ties them together: `clusterCron` every 100 ms and
//! `clusterProcessPacket` for each message a node receives.
//!
//! Everything happens in events taken from one queue in time order (ties
//! in the order they were scheduled: `world::queue`), and every random
//! choice comes from the world's seeded RNG (`Io::rng`): the same seed and actions
//! give the same run.

pub mod config_epoch;
pub mod election;
pub mod failure;
pub mod gossip;
pub mod manual_failover;
pub mod msg;

pub use msg::{Gossip, Msg, MsgKind, SlotBits, MSG_KINDS};

use crate::node::{Effect, Io, Node, NodeIdx, PeerView, Role};
use crate::trace::TraceEvent;

/// `clusterCron` runs every 100 ms (`server.c: run_with_period(100)`).
pub const CRON_PERIOD_MS: u64 = 100;

/// `CLUSTER_BLACKLIST_TTL`: how long gossip about a forgotten node is ignored.
pub const BLACKLIST_TTL_MS: u64 = 60_000;
/// `repl-ping-replica-period`: the master pings its replicas every 10 s.
pub const REPL_PING_PERIOD_MS: u64 = 10_000;
/// `replicationCron` runs once a second: every 10th 100 ms tick.
pub const REPL_CRON_TICKS: u64 = 10;
/// `CLUSTER_MF_TIMEOUT`.
pub const MF_TIMEOUT_MS: u64 = 5_000;

impl Node {
    /// `clusterCron`, every 100 ms on every live node.
    pub(crate) fn cron(&mut self, io: &mut dyn Io) {
        let nt = self.config.node_timeout;
        let now = io.now();
        self.bus.cron_iter += 1;
        let iter = self.bus.cron_iter;
        let count = self.known_list.len();

        // About once a second, ping the oldest-ponged of 5 random nodes.
        if iter.is_multiple_of(10) && count > 1 {
            let mut best: Option<NodeIdx> = None;
            for _ in 0..5 {
                let n = self.known_list[io.rng().below(count as u64) as usize];
                let p = &self.view[n];
                if n == self.me || p.ping_sent != 0 {
                    continue;
                }
                if best.is_none_or(|b| p.pong_received < self.view[b].pong_received) {
                    best = Some(n);
                }
            }
            if let Some(n) = best {
                self.send_ping(io, n, MsgKind::Ping);
            }
        }

        self.handle_handshakes(io);

        // (Nothing below changes which nodes this node knows.)
        // A replica counts, on the way, the working replicas of each master
        // (for replica migration), as Redis's cron loop does.
        let is_replica = matches!(self.role(self.me), Role::Replica { .. });
        let mut census = crate::replica_migration::Census::default();
        if is_replica {
            census = crate::replica_migration::Census::new(self.view.len());
        }
        for i in 0..count {
            let n = self.known_list[i];
            if is_replica {
                census.count(n, &self.view[n]);
            }
            if n == self.me {
                continue;
            }
            // `clusterNodeCronHandleReconnect`: connect where there is no
            // link; a new link starts with a PING (keeping the time of a
            // PING still unanswered, so failure detection is not reset).
            if !self.view[n].link && io.can_connect(n) {
                let old_ping_sent = self.view[n].ping_sent;
                let p = &mut self.view[n];
                p.link = true;
                p.link_since = now;
                self.send_ping(io, n, MsgKind::Ping);
                if old_ping_sent != 0 {
                    self.view[n].ping_sent = old_ping_sent;
                }
            }
            // A link with a PING unanswered and nothing received for NT/2
            // is dropped, to be reconnected next tick.
            let p = &mut self.view[n];
            if p.link
                && now - p.link_since > nt
                && p.ping_sent != 0
                && now - p.ping_sent > nt / 2
                && now.saturating_sub(p.data_received) > nt / 2
            {
                p.link = false;
            }
            let p = &self.view[n];
            // Keep every link fresh: ping what has been quiet for NT/2.
            // (Without a link, Redis has just started connecting again and
            // queues the PING on the connecting link: it is lost if the
            // connection fails, but `ping_sent` is set, which is how a dead
            // node ends up PFAIL.)
            if p.ping_sent == 0 && now as i64 - p.pong_received > (nt / 2) as i64 {
                self.send_ping(io, n, MsgKind::Ping);
            }
            // A master in manual failover pings its replica every tick.
            if self.bus.manual_failover.replica() == Some(n) {
                self.send_ping(io, n, MsgKind::Ping);
            }
            let p = &self.view[n];
            if p.ping_sent == 0 {
                continue;
            }
            let delay = (now - p.ping_sent).min(now.saturating_sub(p.data_received));
            if delay > nt && !p.pfail && !p.fail {
                self.set_flags(io, n, true, false);
            }
        }

        // Manual failover timeouts.
        self.manual_failover_check_timeout(io);
        if let Role::Replica { of } = self.role(self.me) {
            self.handle_manual_failover(io);
            self.handle_replica_failover(io);
            self.handle_replica_migration(io, &census);
            // A broken replication link is re-established (a full resync)
            // as soon as the master is reachable.
            if io.can_connect(of) {
                self.bus.master_last_io = now;
                if self.bus.repl_broken {
                    io.effect(Effect::FullSync { master: of });
                } else if iter.is_multiple_of(REPL_CRON_TICKS) {
                    // `replicationCron` (once a second): REPLCONF ACK.
                    self.bus.ack_sent = (self.repl_offset, now);
                }
            }
        } else if iter.is_multiple_of(REPL_PING_PERIOD_MS / CRON_PERIOD_MS) {
            // The replication PING every repl-ping-replica-period (14 bytes).
            io.effect(Effect::ReplicationPing);
        }
        self.update_state(io);
    }

    /// Nodes in handshake (`clusterCron`): connect and send the MEET; give
    /// up on a handshake older than max(node_timeout, 1 s), as Redis deletes
    /// the handshake node then.
    pub(crate) fn handle_handshakes(&mut self, io: &mut dyn Io) {
        if self.bus.handshakes.is_empty() {
            return;
        }
        let now = io.now();
        let timeout = self.config.node_timeout.max(1_000);
        let mut pending = std::mem::take(&mut self.bus.handshakes);
        pending.retain(|h| now.saturating_sub(h.since) <= timeout);
        for h in &mut pending {
            // The connection succeeds only if the process is up and the
            // network lets it through (the world's answer to a connect).
            if !h.meet_sent && io.can_connect(h.node) {
                h.meet_sent = true;
                self.send_ping(io, h.node, MsgKind::Meet);
            }
        }
        self.bus.handshakes = pending;
    }

    /// `clusterProcessPacket`.
    pub(crate) fn process_packet(&mut self, io: &mut dyn Io, msg: &Msg) {
        let s = msg.sender;
        let now = io.now();
        if !self.view[s].known {
            // Unknown senders are ignored, unless they MEET us, or answer
            // our MEET (the PONG that completes a handshake). What we then
            // know of the sender is what its header says.
            let met = self.bus.handshakes.iter().position(|h| h.node == s);
            let answered = msg.kind == MsgKind::Pong && met.is_some();
            if msg.kind != MsgKind::Meet && !answered {
                return;
            }
            if let Some(i) = met {
                self.bus.handshakes.remove(i);
            }
            let role = msg.master.map_or(Role::Master, |m| Role::Replica { of: m });
            let mut peer = PeerView::new(true, role, msg.config_epoch, now);
            if answered {
                // The handshake's connection becomes the node's link.
                peer.link = true;
                peer.link_since = now;
            }
            self.view[s] = peer;
            self.refresh_known();
        }
        self.view[s].data_received = now;
        self.view[s].repl_offset = msg.offset;

        // Epochs.
        if msg.current_epoch > self.current_epoch {
            self.current_epoch = msg.current_epoch;
            self.trace_epochs(io);
        }
        if msg.config_epoch > self.view[s].config_epoch {
            self.view[s].config_epoch = msg.config_epoch;
        }

        match msg.kind {
            MsgKind::Ping | MsgKind::Meet => {
                self.send_ping(io, s, MsgKind::Pong);
            }
            MsgKind::Pong => {
                let p = &mut self.view[s];
                p.pong_received = now as i64;
                p.ping_sent = 0;
                if p.pfail {
                    self.set_flags(io, s, false, false);
                } else if p.fail {
                    self.clear_failure_if_needed(io, s);
                }
            }
            _ => {}
        }

        if matches!(msg.kind, MsgKind::Ping | MsgKind::Pong | MsgKind::Meet) {
            self.learn_role(io, s, msg.master);
            self.check_claims(io, msg);
            self.handle_config_epoch_collision(io, msg);
            self.process_gossip(io, msg);
            // A paused master tells its replica the offset to reach.
            if msg.paused && self.role(self.me) == (Role::Replica { of: s }) {
                self.manual_failover_offset(io, msg.offset);
            }
        }

        match msg.kind {
            MsgKind::Fail => {
                if let Some(n) = msg.about {
                    let p = &self.view[n];
                    if n != self.me && p.known && !p.fail {
                        {
                            let text = format!(
                                "FAIL message received from {} about {}",
                                self.short(io, s),
                                self.short(io, n)
                            );
                            self.log(io, text);
                        }
                        self.set_flags(io, n, false, true);
                        self.bus.fail_time.insert(n, now);
                    }
                }
            }
            MsgKind::Update => {
                if let (Some(n), Some((epoch, bits))) = (msg.about, msg.update.clone()) {
                    if self.view[n].config_epoch < epoch {
                        if self.view[n].role != Role::Master {
                            self.set_role(io, n, Role::Master);
                        }
                        self.view[n].config_epoch = epoch;
                        self.apply_claims(io, n, epoch, &bits);
                    }
                }
            }
            MsgKind::AuthRequest => self.handle_auth_request(io, msg),
            MsgKind::Publish => {
                if let Some(p) = msg.publish.clone() {
                    self.deliver_published(io, &p.channel, &p.message, p.shard);
                }
            }
            MsgKind::AuthAck => {
                let bus = &self.bus;
                let sender_serves = self.slots.count_of(s) > 0;
                if sender_serves
                    && msg.current_epoch >= bus.failover_auth_epoch
                    && bus.failover_auth_sent
                {
                    self.bus.failover_auth_count += 1;
                    // clusterDoBeforeSleep(CLUSTER_TODO_HANDLE_FAILOVER)
                    self.handle_replica_failover(io);
                }
            }
            MsgKind::MfStart
                if self.role(self.me) == Role::Master
                    && self.view[s].role == (Role::Replica { of: self.me }) =>
            {
                self.manual_failover_requested(io, s);
            }
            _ => {}
        }
        self.update_state(io);
    }

    /// A line of this node's log.
    pub(crate) fn log(&self, io: &mut dyn Io, text: String) {
        let at = io.now();
        io.trace(TraceEvent::Log {
            at,
            node: self.me,
            text,
        });
    }

    /// `07c37dfe (127.0.0.1:7000)`, as Redis's log lines name a node.
    pub(crate) fn short(&self, io: &dyn Io, n: NodeIdx) -> String {
        let id = self.id_of(io, n);
        let addr = if n == self.me {
            &self.addr
        } else {
            io.addr_of(n)
        };
        format!("{} ({addr})", &id[..id.len().min(8)])
    }

    /// A node's ID as this node names it: its own, or a peer's.
    pub(crate) fn id_of<'a>(&'a self, io: &'a dyn Io, n: NodeIdx) -> &'a str {
        if n == self.me {
            &self.id
        } else {
            io.id_of(n)
        }
    }
}
