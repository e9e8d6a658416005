//! Replica elections: `clusterHandleSlaveFailover` (data age, rank and
//! delay, the epoch bump, the vote count), the masters' votes
//! (`clusterSendFailoverAuthIfNeeded`) and the takeover
//! (`clusterFailoverReplaceYourMaster`).

use crate::node::{Effect, Io, Node, NodeIdx, Role};

use super::*;

impl Node {
    /// `clusterGetSlaveRank`: replicas of my master with a better offset.
    pub(crate) fn replica_rank(&self, master: NodeIdx) -> usize {
        let mine = self.repl_offset;
        self.known()
            .filter(|&r| r != self.me && self.view[r].role == (Role::Replica { of: master }))
            .filter(|&r| self.view[r].repl_offset > mine)
            .count()
    }

    /// `clusterHandleSlaveFailover`.
    pub(crate) fn handle_replica_failover(&mut self, io: &mut dyn Io) {
        let Role::Replica { of: master } = self.role(self.me) else {
            return;
        };
        let now = io.now();
        let nt = self.config.node_timeout;
        let manual = self.bus.manual_failover.ready();
        let master_failed = self.view[master].fail;
        // `cluster-replica-no-failover` leaves only the manual failover.
        let no_failover = self.config.replica_no_failover;
        if (!manual && (!master_failed || no_failover)) || self.slots.count_of(master) == 0 {
            return;
        }
        let factor = self.config.replica_validity_factor;
        if !manual && factor > 0 {
            let mut data_age = now.saturating_sub(self.bus.master_last_io);
            if data_age > nt {
                data_age -= nt;
            }
            if data_age > REPL_PING_PERIOD_MS.saturating_add(nt.saturating_mul(factor)) {
                return; // "Disconnected from master for longer than allowed."
            }
        }
        // (Saturating: CONFIG SET takes a node_timeout up to LLONG_MAX.)
        let auth_timeout = nt.saturating_mul(2).max(2_000);
        let retry = auth_timeout.saturating_mul(2);
        let bus = &self.bus;
        let expired = bus
            .failover_auth_time
            .is_none_or(|t| now.saturating_sub(t) > retry && now >= t);
        if expired {
            let rank = if manual { 0 } else { self.replica_rank(master) };
            let delay = if manual {
                0
            } else {
                500 + io.rng().below(500) + rank as u64 * 1000
            };
            let offset = self.repl_offset;
            let bus = &mut self.bus;
            bus.failover_auth_time = Some(now + delay);
            bus.failover_auth_count = 0;
            bus.failover_auth_sent = false;
            bus.failover_auth_rank = rank;
            self.log(io, format!("Start of election delayed for {delay} milliseconds (rank #{rank}, offset {offset})."));
            // Exchange offsets with the other replicas of the same master.
            let siblings: Vec<NodeIdx> = self
                .known()
                .filter(|&r| r != self.me && self.view[r].role == (Role::Replica { of: master }))
                .collect();
            for r in siblings {
                self.send_ping(io, r, MsgKind::Pong);
            }
            if !manual {
                return;
            }
        }
        let bus = &self.bus;
        if !bus.failover_auth_sent && !manual {
            let rank = self.replica_rank(master);
            let old = self.bus.failover_auth_rank;
            if rank > old {
                let added = (rank - old) as u64 * 1000;
                let bus = &mut self.bus;
                bus.failover_auth_time = bus.failover_auth_time.map(|t| t + added);
                bus.failover_auth_rank = rank;
                self.log(
                    io,
                    format!(
                        "Replica rank updated to #{rank}, added {added} milliseconds of delay."
                    ),
                );
            }
        }
        let Some(auth_time) = self.bus.failover_auth_time else {
            return;
        };
        if now < auth_time || now - auth_time > auth_timeout {
            return;
        }
        if !self.bus.failover_auth_sent {
            let node = &mut *self;
            node.current_epoch += 1;
            node.bus.failover_auth_epoch = node.current_epoch;
            node.bus.failover_auth_sent = true;
            let epoch = node.current_epoch;
            self.trace_epochs(io);
            self.log(
                io,
                format!("Starting a failover election for epoch {epoch}."),
            );
            let mut request = self.header(MsgKind::AuthRequest);
            request.force_ack = manual;
            self.broadcast(io, request);
            return;
        }
        let needed = self.cluster_size() / 2 + 1;
        if self.bus.failover_auth_count >= needed {
            self.log(io, "Failover election won, I'm the new master.".into());
            let epoch = self.bus.failover_auth_epoch;
            if self.view[self.me].config_epoch < epoch {
                self.view[self.me].config_epoch = epoch;
                self.log(
                    io,
                    format!("configEpoch set to {epoch} after successful failover"),
                );
            }
            self.replace_master(io, master);
        }
    }

    /// `clusterSendFailoverAuthIfNeeded`: the vote rules. A refusal is silent.
    pub(crate) fn handle_auth_request(&mut self, io: &mut dyn Io, msg: &Msg) {
        let s = msg.sender;
        let node = &*self;
        let now = io.now();
        if node.role(self.me) != Role::Master || node.slots.count_of(self.me) == 0 {
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
            .is_some_and(|t| now - t < self.config.node_timeout.saturating_mul(2))
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
        self.bus.last_vote_epoch = epoch;
        self.bus.voted_time.insert(master, now);
        {
            let text = format!(
                "Failover auth granted to {} for epoch {epoch}",
                self.short(io, s)
            );
            self.log(io, text);
        }
        let ack = self.header(MsgKind::AuthAck);
        self.send(io, s, ack);
    }

    /// `clusterFailoverReplaceYourMaster`: I take my master's slots and tell
    /// everyone.
    pub(crate) fn replace_master(&mut self, io: &mut dyn Io, master: NodeIdx) {
        io.effect(Effect::TookOver { old_master: master });
        self.set_role(io, self.me, Role::Master);
        self.slots.replace_owner(master, self.me);
        self.trace_epochs(io);
        self.update_state(io);
        self.broadcast_pong(io);
        self.reset_manual_failover();
    }
}
