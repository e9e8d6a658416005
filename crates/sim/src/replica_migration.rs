//! Replica migration (`clusterHandleSlaveMigration`): a master left with no
//! working replica (an "orphaned" master) gets one from the master with the
//! most replicas, as long as that master keeps more than
//! `cluster-migration-barrier` of them. Only the replica with the smallest
//! node ID among those of the best-served masters moves, and only after the
//! orphan has been orphaned for 5 s.

use crate::node::{Io, Node, NodeIdx, PeerView, Role};

/// `CLUSTER_SLAVE_MIGRATION_DELAY`.
pub const MIGRATION_DELAY_MS: u64 = 5_000;

/// What a replica's cron loop counted: working (not FAIL) replicas of each
/// master, and which masters have replicas listed at all.
#[derive(Default)]
pub(crate) struct Census {
    working: Vec<usize>,
    listed: Vec<bool>,
    /// Masters not flagged FAIL.
    masters: Vec<NodeIdx>,
}

impl Census {
    pub(crate) fn new(nodes: usize) -> Census {
        Census {
            working: vec![0; nodes],
            listed: vec![false; nodes],
            masters: Vec::new(),
        }
    }

    /// Counts one known node, as its observer sees it.
    pub(crate) fn count(&mut self, n: NodeIdx, peer: &PeerView) {
        match peer.role {
            Role::Replica { of } => {
                self.listed[of] = true;
                if !peer.fail {
                    self.working[of] += 1;
                }
            }
            Role::Master if !peer.fail => self.masters.push(n),
            // Not in any master's list of replicas (Redis counts those).
            Role::Master | Role::ReplicaOfUnknown => {}
        }
    }
}

impl Node {
    /// Part of this replica's cron, after its loop over the known nodes.
    pub(crate) fn handle_replica_migration(&mut self, io: &mut dyn Io, census: &Census) {
        let Role::Replica { of: my_master } = self.role(self.me) else {
            return;
        };
        if !self.config.allow_replica_migration {
            return;
        }
        let (working, listed) = (&census.working, &census.listed);
        let view = &self.view;
        let node = &*self;
        let is_master = |m: NodeIdx| view[m].role == Role::Master && !view[m].fail;
        // Known to have had replicas (`CLUSTER_NODE_MIGRATE_TO`): one still
        // listed, failed or not, or the flag kept since.
        let had_replicas = |m: NodeIdx| listed[m] || node.bus.migrate_to.contains(&m);
        let masters = &census.masters;
        let orphaned = masters
            .iter()
            .filter(|&&m| working[m] == 0 && node.slots.count_of(m) > 0 && had_replicas(m))
            .count();
        let max_replicas = masters.iter().map(|&m| working[m]).max().unwrap_or(0);
        let mine = working[my_master];
        if orphaned == 0 || max_replicas < 2 || mine != max_replicas {
            return;
        }
        // clusterHandleSlaveMigration proper.
        if !node.bus.state_ok || mine as u64 <= node.config.migration_barrier {
            return;
        }
        let now = io.now();
        let target = masters
            .iter()
            .copied()
            .find(|&m| working[m] == 0 && had_replicas(m) && node.slots.count_of(m) > 0);
        // The candidate: the smallest ID among the replicas of the masters
        // with the most working replicas (myself included).
        let mut candidate = self.me;
        for r in self.known() {
            if let Role::Replica { of } = view[r].role {
                if is_master(of)
                    && working[of] == max_replicas
                    && self.id_of(io, r) < self.id_of(io, candidate)
                {
                    candidate = r;
                }
            }
        }
        let orphans: Vec<NodeIdx> = masters
            .iter()
            .copied()
            .filter(|&m| working[m] == 0 && had_replicas(m))
            .collect();
        let bus = &mut self.bus;
        bus.orphaned_since.retain(|m| orphans.contains(&m));
        for m in orphans {
            bus.orphaned_since.get_or_insert(m, now);
        }
        let Some(target) = target else { return };
        let Some(since) = bus.orphaned_since.get(target) else {
            return;
        };
        if candidate == self.me && now - since > MIGRATION_DELAY_MS {
            let text = format!("Migrating to orphaned master {}", io.id_of(target));
            self.log(io, text);
            self.become_replica(io, target);
        }
    }
}
