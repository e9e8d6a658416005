//! CLUSTER FAILOVER [FORCE|TAKEOVER]: the MFSTART handshake, the master's
//! client pause, the replica waiting for the master's offset, and the
//! manual-failover timeout.

use crate::node::{Io, Node, NodeIdx};

use super::*;

impl Node {
    pub(crate) fn reset_manual_failover(&mut self) {
        let bus = &mut self.bus;
        bus.mf_end = None;
        bus.mf_can_start = false;
        bus.mf_master_offset = None;
        bus.mf_replica = None;
        bus.mf_force = false;
        bus.clients_paused_until = None;
    }

    /// Replica side of a manual failover: go once caught up with the paused
    /// master (or at once for FORCE).
    pub(crate) fn handle_manual_failover(&mut self, io: &mut dyn Io) {
        let bus = &self.bus;
        if bus.mf_end.is_none() || bus.mf_can_start {
            return;
        }
        if bus.mf_force || bus.mf_master_offset == Some(self.repl_offset) {
            self.bus.mf_can_start = true;
            self.log(
                io,
                "All master replication stream processed, manual failover can start.".into(),
            );
            self.handle_replica_failover(io);
        }
    }

    /// CLUSTER FAILOVER on replica `v` (checks already made).
    pub(crate) fn start_manual_failover(
        &mut self,
        io: &mut dyn Io,
        master: NodeIdx,
        force: bool,
        takeover: bool,
    ) {
        let now = io.now();
        if takeover {
            // No votes: a new epoch without consensus, and take over at once.
            self.log(io, "Taking over the master (user request).".into());
            self.bump_config_epoch_without_consensus();
            self.replace_master(io, master);
            return;
        }
        let bus = &mut self.bus;
        bus.mf_end = Some(now + MF_TIMEOUT_MS);
        bus.mf_force = force;
        bus.failover_auth_time = None;
        if force {
            self.log(io, "Forced failover user request accepted.".into());
        } else {
            self.log(io, "Manual failover user request accepted.".into());
            let start = self.header(MsgKind::MfStart);
            self.send(io, master, start);
        }
    }
}
