//! Failure detection: PFAIL after node_timeout without a PONG, failure
//! reports, FAIL on a majority of masters (`markNodeAsFailingIfNeeded`),
//! clearing it (`clearNodeFailureIfNeeded`), and `clusterUpdateState`.

use crate::node::{Io, Node, NodeIdx, Role};
use crate::trace::TraceEvent;

use super::*;

impl Node {
    /// Sets what this node believes of `n`, recording the change.
    pub(crate) fn set_flags(&mut self, io: &mut dyn Io, n: NodeIdx, pfail: bool, fail: bool) {
        let p = &mut self.view[n];
        if p.pfail == pfail && p.fail == fail {
            return;
        }
        let was_pfail = p.pfail;
        p.pfail = pfail;
        p.fail = fail;
        let bus = &mut self.bus;
        bus.view_changes += 1;
        if pfail && !was_pfail {
            bus.pfail_peers += 1;
        } else if was_pfail && !pfail {
            bus.pfail_peers = bus.pfail_peers.saturating_sub(1);
        }
        let at = io.now();
        io.trace(TraceEvent::Flags {
            at,
            observer: self.me,
            node: n,
            pfail,
            fail,
        });
    }

    /// `markNodeAsFailingIfNeeded`: PFAIL becomes FAIL on a majority of masters.
    pub(crate) fn mark_failing_if_needed(&mut self, io: &mut dyn Io, n: NodeIdx) {
        let nt = self.config.node_timeout;
        let now = io.now();
        let reports = self.bus.failure_reports(n, now, nt.saturating_mul(2));
        let p = &self.view[n];
        if !p.pfail || p.fail {
            return;
        }
        let me_master = self.role(self.me) == Role::Master;
        let reports = reports + usize::from(me_master);
        let quorum = self.cluster_size() / 2 + 1;
        if reports < quorum {
            return;
        }
        {
            let text = format!(
                "Marking node {} as failing (quorum reached).",
                self.short(io, n)
            );
            self.log(io, text);
        }
        self.set_flags(io, n, false, true);
        self.bus.fail_time.insert(n, now);
        let mut fail = self.header(MsgKind::Fail);
        fail.about = Some(n);
        self.broadcast(io, fail);
    }

    /// `clearNodeFailureIfNeeded`, on a PONG from a FAIL node.
    pub(crate) fn clear_failure_if_needed(&mut self, io: &mut dyn Io, n: NodeIdx) {
        let nt = self.config.node_timeout;
        let serving = self.view[n].role == Role::Master && self.slots.count_of(n) > 0;
        if !serving {
            {
                let text = format!("Clear FAIL state for node {}: replica or master without slots is reachable again.", self.short(io, n));
                self.log(io, text);
            }
            self.set_flags(io, n, false, false);
        } else if io.now() - self.bus.fail_time.get(n).unwrap_or(0) > nt.saturating_mul(2) {
            {
                let text = format!("Clear FAIL state for node {}: is reachable again and nobody is serving its slots after some time.", self.short(io, n));
                self.log(io, text);
            }
            self.set_flags(io, n, false, false);
        }
    }

    /// `clusterUpdateState`, with the rejoin delays.
    pub fn update_state(&mut self, io: &mut dyn Io) {
        let now = io.now();
        let is_master = self.role(self.me) == Role::Master;
        let inputs = (
            self.slots.version(),
            self.bus.view_changes,
            self.config.require_full_coverage,
        );
        let bus = &mut self.bus;
        if bus.state_ok && bus.state_inputs == Some(inputs) {
            return; // Nothing it depends on changed since it was found ok.
        }
        bus.state_inputs = Some(inputs);
        let bus = &self.bus;
        if is_master && !bus.state_ok && bus.started_at.is_some_and(|t| now - t < 2_000) {
            return; // CLUSTER_WRITABLE_DELAY after a start
        }
        let node = &*self;
        let covered = !self.config.require_full_coverage
            || (node.slots.unassigned() == 0 && node.slots.owners().all(|o| !node.view[o].fail));
        let size = self.cluster_size();
        let reachable = node
            .slots
            .owners()
            .filter(|&o| o == self.me || !(node.view[o].fail || node.view[o].pfail))
            .count();
        let majority = reachable > size / 2;
        if !majority {
            self.bus.among_minority_time = Some(now);
        }
        let ok = covered && majority;
        if ok == self.bus.state_ok {
            return;
        }
        let rejoin = self.config.node_timeout.clamp(500, 5_000);
        let recently_minority = self
            .bus
            .among_minority_time
            .is_some_and(|t| now - t < rejoin);
        if ok && is_master && recently_minority {
            return;
        }
        self.bus.state_ok = ok;
        self.log(
            io,
            format!("Cluster state changed: {}", if ok { "ok" } else { "fail" }),
        );
        io.trace(TraceEvent::ClusterState {
            at: now,
            node: self.me,
            ok,
        });
    }
}
