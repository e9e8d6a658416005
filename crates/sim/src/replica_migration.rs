//! Replica migration (`clusterHandleSlaveMigration`): a master left with no
//! working replica (an "orphaned" master) gets one from the master with the
//! most replicas, as long as that master keeps more than
//! `cluster-migration-barrier` of them. Only the replica with the smallest
//! node ID among those of the best-served masters moves, and only after the
//! orphan has been orphaned for 5 s.

use crate::cluster::{Cluster, NodeIdx, Role};

/// `CLUSTER_SLAVE_MIGRATION_DELAY`.
pub const MIGRATION_DELAY_MS: u64 = 5_000;

impl Cluster {
    /// Replicas of `master` that `v` does not flag FAIL
    /// (`clusterCountNonFailingSlaves`).
    fn working_replicas(&self, v: NodeIdx, master: NodeIdx) -> Vec<NodeIdx> {
        let view = &self.nodes[v].view;
        self.known(v)
            .filter(|&r| view[r].role == (Role::Replica { of: master }) && !view[r].fail)
            .collect()
    }

    /// Whether `v` knows `master` to have had replicas: one it still lists
    /// (failed or not), or the flag kept since.
    fn had_replicas(&self, v: NodeIdx, master: NodeIdx) -> bool {
        let view = &self.nodes[v].view;
        self.nodes[v].bus.migrate_to.contains(&master)
            || self
                .known(v)
                .any(|r| view[r].role == (Role::Replica { of: master }))
    }

    /// Part of replica `v`'s cron.
    pub(crate) fn handle_replica_migration(&mut self, v: NodeIdx) {
        let Role::Replica { of: my_master } = self.nodes[v].role(v) else {
            return;
        };
        if !self.config.allow_replica_migration {
            return;
        }
        // The cron's census: orphaned masters, and the best-served ones.
        let masters: Vec<NodeIdx> = self
            .known(v)
            .filter(|&m| self.nodes[v].view[m].role == Role::Master && !self.nodes[v].view[m].fail)
            .collect();
        let mut orphaned = 0;
        let mut max_replicas = 0;
        let mut mine = 0;
        for &m in &masters {
            let ok = self.working_replicas(v, m).len();
            let node = &self.nodes[v];
            if ok == 0 && node.slots.count_of(m) > 0 && self.had_replicas(v, m) {
                orphaned += 1;
            }
            max_replicas = max_replicas.max(ok);
            if m == my_master {
                mine = ok;
            }
        }
        if orphaned == 0 || max_replicas < 2 || mine != max_replicas {
            return;
        }
        // clusterHandleSlaveMigration proper.
        if !self.nodes[v].bus.state_ok || mine <= self.config.migration_barrier {
            return;
        }
        let now = self.now;
        let mut target = None;
        let mut candidate = v;
        for &m in &masters {
            let ok = self.working_replicas(v, m);
            let is_orphaned = ok.is_empty() && self.had_replicas(v, m);
            let node = &mut self.nodes[v];
            if is_orphaned {
                if target.is_none() && node.slots.count_of(m) > 0 {
                    target = Some(m);
                }
                node.bus.orphaned_since.entry(m).or_insert(now);
            } else {
                node.bus.orphaned_since.remove(&m);
            }
            if ok.len() == max_replicas {
                let all = self
                    .known(v)
                    .filter(|&r| self.nodes[v].view[r].role == (Role::Replica { of: m }));
                for r in all.collect::<Vec<_>>() {
                    if self.nodes[r].id < self.nodes[candidate].id {
                        candidate = r;
                    }
                }
            }
        }
        let Some(target) = target else { return };
        let since = self.nodes[v]
            .bus
            .orphaned_since
            .get(&target)
            .copied()
            .unwrap_or(now);
        if candidate == v && now - since > MIGRATION_DELAY_MS {
            let text = format!("Migrating to orphaned master {}", self.nodes[target].id);
            let at = self.now;
            self.trace
                .push(crate::trace::TraceEvent::Log { at, node: v, text });
            self.become_replica(v, target);
        }
    }
}
