//! Replica elections: `clusterHandleSlaveFailover` (data age, rank and
//! delay, the epoch bump, the vote count), the masters' votes
//! (`clusterSendFailoverAuthIfNeeded`) and the takeover
//! (`clusterFailoverReplaceYourMaster`).

use crate::cluster::{Cluster, NodeIdx, Role};

use super::*;

impl Cluster {
    /// `clusterGetSlaveRank`: replicas of my master with a better offset.
    pub(crate) fn replica_rank(&self, v: NodeIdx, master: NodeIdx) -> usize {
        let mine = self.nodes[v].repl_offset;
        self.known(v)
            .filter(|&r| r != v && self.nodes[v].view[r].role == (Role::Replica { of: master }))
            .filter(|&r| self.nodes[v].view[r].repl_offset > mine)
            .count()
    }

    /// `clusterHandleSlaveFailover`.
    pub(crate) fn handle_replica_failover(&mut self, v: NodeIdx) {
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
    pub(crate) fn handle_auth_request(&mut self, v: NodeIdx, msg: &Msg) {
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
}
