//! CLUSTER FAILOVER [FORCE|TAKEOVER]: the MFSTART handshake, the master's
//! client pause, the replica waiting for the master's offset, and the
//! manual-failover timeout.

use crate::node::{Io, Node, NodeIdx};

use super::*;

/// A node's part in a manual failover (Redis's `mf_*` fields of
/// `clusterState` and the client pause), one state at a time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ManualFailover {
    #[default]
    None,
    /// Master side: `replica` sent MFSTART. Client writes are held (at most
    /// until `paused_until`, twice the manual failover timeout; in practice
    /// until the failover ends, at `end` at the latest) and the master
    /// pings the replica every tick with the PAUSED flag, so that it learns
    /// the offset to reach. The whole thing is abandoned after `end`.
    Master {
        replica: NodeIdx,
        end: u64,
        paused_until: u64,
    },
    /// Replica side: CLUSTER FAILOVER [FORCE] was accepted. Without FORCE
    /// it waits for the paused master's offset (`master_offset`, once told)
    /// and its own to match; then `can_start`, and the election runs
    /// without waiting for a FAIL. Abandoned after `end`.
    Replica {
        end: u64,
        force: bool,
        master_offset: Option<u64>,
        can_start: bool,
    },
}

impl ManualFailover {
    /// The deadline of the manual failover in progress.
    pub fn end(&self) -> Option<u64> {
        match self {
            ManualFailover::None => None,
            ManualFailover::Master { end, .. } | ManualFailover::Replica { end, .. } => Some(*end),
        }
    }

    /// Until when this master holds its clients' commands.
    pub fn clients_paused_until(&self) -> Option<u64> {
        match self {
            ManualFailover::Master { paused_until, .. } => Some(*paused_until),
            _ => None,
        }
    }

    /// The PAUSED flag of this node's messages (`mflags`).
    pub fn paused(&self) -> bool {
        matches!(self, ManualFailover::Master { .. })
    }

    /// The replica this master pings every cron tick.
    pub fn replica(&self) -> Option<NodeIdx> {
        match self {
            ManualFailover::Master { replica, .. } => Some(*replica),
            _ => None,
        }
    }

    /// A replica cleared to start its election now.
    pub fn ready(&self) -> bool {
        matches!(
            self,
            ManualFailover::Replica {
                can_start: true,
                ..
            }
        )
    }
}

impl Node {
    /// `resetManualFailover`: the manual failover is over (done, timed
    /// out, or this node was demoted); a paused master resumes its clients.
    pub(crate) fn reset_manual_failover(&mut self) {
        self.bus.manual_failover = ManualFailover::None;
    }

    /// Master side, on MFSTART from its replica `replica`.
    pub(crate) fn manual_failover_requested(&mut self, io: &mut dyn Io, replica: NodeIdx) {
        let text = format!(
            "Manual failover requested by replica {}.",
            self.short(io, replica)
        );
        self.log(io, text);
        let now = io.now();
        self.bus.manual_failover = ManualFailover::Master {
            replica,
            end: now + MF_TIMEOUT_MS,
            // Client writes are held for twice the manual failover timeout.
            paused_until: now + 2 * MF_TIMEOUT_MS,
        };
        self.send_ping(io, replica, MsgKind::Ping);
    }

    /// Replica side: the paused master told its offset (a PING with the
    /// PAUSED flag).
    pub(crate) fn manual_failover_offset(&mut self, io: &mut dyn Io, offset: u64) {
        if let ManualFailover::Replica { master_offset, .. } = &mut self.bus.manual_failover {
            *master_offset = Some(offset);
            self.handle_manual_failover(io);
        }
    }

    /// `manualFailoverCheckTimeout`, every cron tick.
    pub(crate) fn manual_failover_check_timeout(&mut self, io: &mut dyn Io) {
        if self
            .bus
            .manual_failover
            .end()
            .is_some_and(|end| io.now() > end)
        {
            self.log(io, "Manual failover timed out.".into());
            self.reset_manual_failover();
        }
    }

    /// Replica side of a manual failover: go once caught up with the paused
    /// master (or at once for FORCE).
    pub(crate) fn handle_manual_failover(&mut self, io: &mut dyn Io) {
        let offset = self.repl_offset;
        let ManualFailover::Replica {
            force,
            master_offset,
            can_start,
            ..
        } = &mut self.bus.manual_failover
        else {
            return;
        };
        if *can_start {
            return;
        }
        if *force || *master_offset == Some(offset) {
            *can_start = true;
            self.log(
                io,
                "All master replication stream processed, manual failover can start.".into(),
            );
            self.handle_replica_failover(io);
        }
    }

    /// CLUSTER FAILOVER on this replica (checks already made).
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
        self.bus.manual_failover = ManualFailover::Replica {
            end: now + MF_TIMEOUT_MS,
            force,
            master_offset: None,
            can_start: false,
        };
        self.bus.failover_auth_time = None;
        if force {
            self.log(io, "Forced failover user request accepted.".into());
        } else {
            self.log(io, "Manual failover user request accepted.".into());
            let start = self.header(MsgKind::MfStart);
            self.send(io, master, start);
        }
    }
}
