//! The simulated network between nodes: latency with jitter, message loss,
//! partitions, cut and slow links. Links are FIFO, like the TCP connections
//! of the cluster bus: a message never overtakes an earlier one on the same
//! link.

use std::collections::{BTreeMap, BTreeSet};

use crate::cluster::NodeIdx;
use crate::rng::Rng;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Network {
    /// One-way latency, ms, drawn uniformly from `min..=max` per message.
    /// The clock has millisecond resolution: 0..=1 averages the 0.5 ms of a
    /// loopback round trip's half.
    pub latency_min_ms: u64,
    pub latency_max_ms: u64,
    /// Messages lost, per million.
    pub loss_ppm: u32,
    /// Partition group of each node: nodes talk only within their group.
    pub groups: BTreeMap<NodeIdx, u32>,
    /// Links cut in both directions (stored as (smaller, larger)).
    pub cut: BTreeSet<(NodeIdx, NodeIdx)>,
    /// Extra one-way delay on a link, ms (stored as (smaller, larger)).
    pub slow: BTreeMap<(NodeIdx, NodeIdx), u64>,
    /// When the last message on each directed link arrives (FIFO order).
    last_arrival: BTreeMap<(NodeIdx, NodeIdx), u64>,
}

impl Default for Network {
    fn default() -> Network {
        Network {
            latency_min_ms: 0,
            latency_max_ms: 1,
            loss_ppm: 0,
            groups: BTreeMap::new(),
            cut: BTreeSet::new(),
            slow: BTreeMap::new(),
            last_arrival: BTreeMap::new(),
        }
    }
}

fn pair(a: NodeIdx, b: NodeIdx) -> (NodeIdx, NodeIdx) {
    (a.min(b), a.max(b))
}

/// Why a message did not arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    Partitioned,
    Cut,
    Lost,
    /// The receiving process is dead.
    Dead,
}

impl Network {
    pub fn group(&self, n: NodeIdx) -> u32 {
        self.groups.get(&n).copied().unwrap_or(0)
    }

    /// Whether `a` and `b` can exchange messages at all.
    pub fn connected(&self, a: NodeIdx, b: NodeIdx) -> bool {
        self.group(a) == self.group(b) && !self.cut.contains(&pair(a, b))
    }

    /// When a message sent now from `from` to `to` arrives, or why it won't.
    pub fn arrival(
        &mut self,
        rng: &mut Rng,
        now: u64,
        from: NodeIdx,
        to: NodeIdx,
    ) -> Result<u64, DropReason> {
        if self.group(from) != self.group(to) {
            return Err(DropReason::Partitioned);
        }
        if self.cut.contains(&pair(from, to)) {
            return Err(DropReason::Cut);
        }
        if self.loss_ppm > 0 && rng.below(1_000_000) < u64::from(self.loss_ppm) {
            return Err(DropReason::Lost);
        }
        let spread = self.latency_max_ms.saturating_sub(self.latency_min_ms);
        let latency = self.latency_min_ms + if spread > 0 { rng.below(spread + 1) } else { 0 };
        let extra = self.slow.get(&pair(from, to)).copied().unwrap_or(0);
        let earliest = self.last_arrival.get(&(from, to)).copied().unwrap_or(0);
        let at = (now + latency + extra).max(earliest);
        self.last_arrival.insert((from, to), at);
        Ok(at)
    }

    /// Splits the nodes: each listed set becomes its own group; nodes not
    /// listed stay together in group 0.
    pub fn partition(&mut self, sets: &[Vec<NodeIdx>]) {
        self.groups.clear();
        for (i, set) in sets.iter().enumerate() {
            for &n in set {
                self.groups.insert(n, i as u32 + 1);
            }
        }
    }

    /// Ends every partition and reconnects every cut link.
    pub fn heal(&mut self) {
        self.groups.clear();
        self.cut.clear();
    }

    pub fn cut_link(&mut self, a: NodeIdx, b: NodeIdx) {
        self.cut.insert(pair(a, b));
    }

    pub fn slow_link(&mut self, a: NodeIdx, b: NodeIdx, extra_ms: u64) {
        if extra_ms == 0 {
            self.slow.remove(&pair(a, b));
        } else {
            self.slow.insert(pair(a, b), extra_ms);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_partitions_and_cuts() {
        let mut net = Network::default();
        let mut rng = Rng::new(3);
        let mut last = 0;
        for t in 0..100 {
            let at = net.arrival(&mut rng, t / 10, 0, 1).unwrap();
            assert!(at >= last, "FIFO");
            assert!(at <= t / 10 + 1);
            last = at;
        }
        net.partition(&[vec![0]]);
        assert_eq!(net.arrival(&mut rng, 0, 0, 1), Err(DropReason::Partitioned));
        assert!(net.connected(1, 2));
        net.heal();
        net.cut_link(2, 1);
        assert_eq!(net.arrival(&mut rng, 0, 1, 2), Err(DropReason::Cut));
        net.heal();
        net.slow_link(0, 2, 50);
        assert!(net.arrival(&mut rng, 10, 2, 0).unwrap() >= 60);
    }
}
