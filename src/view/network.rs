//! The network as the page draws it and changes it: the link faults to
//! draw, and the partition that puts one more node on a side of its own.

use slotscope_sim::{Cluster, NodeIdx};

/// A link fault to draw: the two ends, cut (or else slowed), extra ms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkFault {
    pub a: NodeIdx,
    pub b: NodeIdx,
    pub cut: bool,
    pub extra_ms: u64,
}

/// Every cut or slowed link (a cut link is drawn cut, whatever its delay).
pub fn link_faults(cluster: &Cluster) -> Vec<LinkFault> {
    let net = &cluster.network;
    let mut faults: Vec<LinkFault> = net
        .cut
        .iter()
        .map(|&(a, b)| LinkFault {
            a,
            b,
            cut: true,
            extra_ms: 0,
        })
        .collect();
    faults.extend(
        net.slow
            .iter()
            .filter(|(k, _)| !net.cut.contains(k))
            .map(|((a, b), ms)| LinkFault {
                a,
                b,
                cut: false,
                extra_ms: ms,
            }),
    );
    faults
}

/// The partition that keeps the sides already made and puts `n` on a side
/// of its own (what "partition away" means on a node).
pub fn isolate(cluster: &Cluster, n: NodeIdx) -> Vec<Vec<NodeIdx>> {
    // Groups are numbered from 1 (0 is "in no set").
    let mut sets: Vec<Vec<NodeIdx>> = Vec::new();
    for (node, &group) in cluster.network.groups.iter().enumerate() {
        if group != 0 && node != n {
            let g = group as usize - 1;
            if sets.len() <= g {
                sets.resize(g + 1, Vec::new());
            }
            sets[g].push(node);
        }
    }
    sets.retain(|s| !s.is_empty());
    sets.push(vec![n]);
    sets
}

/// Whether `n` is on a side of a partition (not in the default group).
pub fn partitioned(cluster: &Cluster, n: NodeIdx) -> bool {
    cluster.network.group(n) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolating_keeps_the_sides_already_made() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        assert_eq!(isolate(&c, 2), [vec![2]]);
        c.partition(&isolate(&c, 2));
        assert!(partitioned(&c, 2) && !partitioned(&c, 0));
        // 5 goes on a side of its own; 2 stays on its own side.
        assert_eq!(isolate(&c, 5), [vec![2], vec![5]]);
    }

    #[test]
    fn faults_list_cut_and_slowed_links() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        c.cut_link(0, 1);
        c.slow_link(1, 2, 500);
        c.slow_link(0, 1, 500);
        let f = link_faults(&c);
        assert!(f.contains(&LinkFault {
            a: 0,
            b: 1,
            cut: true,
            extra_ms: 0
        }));
        assert!(f.contains(&LinkFault {
            a: 1,
            b: 2,
            cut: false,
            extra_ms: 500
        }));
        assert_eq!(f.len(), 2, "a cut link is not also drawn slowed: {f:?}");
    }
}
