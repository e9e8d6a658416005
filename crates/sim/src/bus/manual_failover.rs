//! CLUSTER FAILOVER [FORCE|TAKEOVER]: the MFSTART handshake, the master's
//! client pause, the replica waiting for the master's offset, and the
//! manual-failover timeout.

use crate::cluster::{Cluster, NodeIdx};

use super::*;

impl Cluster {
    pub(crate) fn reset_manual_failover(&mut self, v: NodeIdx) {
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
    pub(crate) fn handle_manual_failover(&mut self, v: NodeIdx) {
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
}
