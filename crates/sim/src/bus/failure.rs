//! Failure detection: PFAIL after node_timeout without a PONG, failure
//! reports, FAIL on a majority of masters (`markNodeAsFailingIfNeeded`),
//! clearing it (`clearNodeFailureIfNeeded`), and `clusterUpdateState`.

use crate::cluster::{Cluster, NodeIdx, Role};
use crate::trace::TraceEvent;

use super::*;

impl Cluster {
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
    pub(crate) fn mark_failing_if_needed(&mut self, v: NodeIdx, n: NodeIdx) {
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
    pub(crate) fn clear_failure_if_needed(&mut self, v: NodeIdx, n: NodeIdx) {
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
}
