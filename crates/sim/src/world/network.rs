//! The simulated network between nodes: latency with jitter, message loss,
//! partitions, cut and slow links. Links are FIFO, like the TCP connections
//! of the cluster bus: a message never overtakes an earlier one on the same
//! link.

use crate::cluster::NodeIdx;
use crate::list_map::ListMap;
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
    /// Partition group of each node, by index (0, or missing: in no set):
    /// nodes talk only within their group.
    pub groups: Vec<u32>,
    /// Links cut in both directions (stored as (smaller, larger)); few, so
    /// a list (a set type would add its own compiled copy to the page).
    pub cut: Vec<(NodeIdx, NodeIdx)>,
    /// Extra one-way delay on a link, ms (stored as (smaller, larger)).
    pub slow: ListMap<(NodeIdx, NodeIdx), u64>,
    /// When the last message on each directed link arrives (FIFO order),
    /// by sender then receiver (grown as nodes send).
    last_arrival: Vec<Vec<u64>>,
}

impl Default for Network {
    fn default() -> Network {
        Network {
            latency_min_ms: 0,
            latency_max_ms: 1,
            loss_ppm: 0,
            groups: Vec::new(),
            cut: Vec::new(),
            slow: ListMap::default(),
            last_arrival: Vec::new(),
        }
    }
}

fn pair(a: NodeIdx, b: NodeIdx) -> (NodeIdx, NodeIdx) {
    (a.min(b), a.max(b))
}

pub use crate::trace::DropReason;

impl Network {
    pub fn group(&self, n: NodeIdx) -> u32 {
        self.groups.get(n).copied().unwrap_or(0)
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
        let extra = self.slow.get(pair(from, to)).unwrap_or(0);
        if self.last_arrival.len() <= from {
            self.last_arrival.resize(from + 1, Vec::new());
        }
        let sent = &mut self.last_arrival[from];
        if sent.len() <= to {
            sent.resize(to + 1, 0);
        }
        let at = (now + latency + extra).max(sent[to]);
        sent[to] = at;
        Ok(at)
    }

    /// Splits the nodes: each listed set becomes its own group; nodes not
    /// listed stay together in group 0.
    pub fn partition(&mut self, sets: &[Vec<NodeIdx>]) {
        self.groups.clear();
        for (i, set) in sets.iter().enumerate() {
            for &n in set {
                if self.groups.len() <= n {
                    self.groups.resize(n + 1, 0);
                }
                self.groups[n] = i as u32 + 1;
            }
        }
    }

    /// Ends every partition and reconnects every cut link.
    pub fn heal(&mut self) {
        self.groups.clear();
        self.cut.clear();
    }

    pub fn cut_link(&mut self, a: NodeIdx, b: NodeIdx) {
        if !self.cut.contains(&pair(a, b)) {
            self.cut.push(pair(a, b));
        }
    }

    /// Makes one link normal again (not cut, no extra delay).
    pub fn restore_link(&mut self, a: NodeIdx, b: NodeIdx) {
        self.cut.retain(|&l| l != pair(a, b));
        self.slow.remove(pair(a, b));
    }

    /// The state of a link: cut, and extra delay in ms.
    pub fn link(&self, a: NodeIdx, b: NodeIdx) -> (bool, u64) {
        (
            self.cut.contains(&pair(a, b)),
            self.slow.get(pair(a, b)).unwrap_or(0),
        )
    }

    pub fn slow_link(&mut self, a: NodeIdx, b: NodeIdx, extra_ms: u64) {
        if extra_ms == 0 {
            self.slow.remove(pair(a, b));
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
        net.cut_link(0, 2);
        assert_eq!(net.link(2, 0), (true, 50));
        net.restore_link(2, 0);
        assert_eq!(net.link(0, 2), (false, 0));
        assert!(net.arrival(&mut rng, 100, 0, 2).unwrap() <= 101);
    }
}
