//! The node cards the cluster view draws: plain data computed from the
//! core's state, as a chosen observer sees the cluster.

use slotscope_sim::{Cluster, NodeIdx, Role};

/// One node as drawn (plain data, so that the view can compare props).
#[derive(Clone, Debug, PartialEq)]
pub struct NodeCard {
    pub idx: NodeIdx,
    pub port: u16,
    pub short_id: String,
    /// What the node itself says.
    pub master: bool,
    pub master_of: Option<u16>,
    /// What the observer says.
    pub seen_master: bool,
    pub seen_pfail: bool,
    pub seen_fail: bool,
    pub current_epoch: u64,
    pub config_epoch: u64,
    pub slots: String,
    pub keys: usize,
    /// Its replication offset: bytes of the stream it produced (a master)
    /// or applied (a replica).
    pub offset: u64,
    /// A replica: bytes of its master's stream it has not applied yet.
    pub behind: Option<u64>,
    /// A replica: seconds since it last acknowledged its master's stream,
    /// as its master's INFO replication reports it (`lag=`).
    pub lag_s: Option<u64>,
    /// Slots it is migrating away (MIGRATING), to the node on that port.
    pub migrating: Vec<(slotscope_sim::Slot, u16)>,
    /// Slots it is importing (IMPORTING), from the node on that port.
    pub importing: Vec<(slotscope_sim::Slot, u16)>,
    /// What to watch on it now: a PONG awaited, failure reports, votes.
    pub watch: Option<crate::view::failure::Watch>,
    pub alive: bool,
    pub paused: bool,
    /// Not in the observer's partition group.
    pub cut_off: bool,
    /// Not in the observer's node table (never met, or forgotten: a node
    /// removed with del-node still runs, alone).
    pub stranger: bool,
    /// The shard (column) it is drawn in: stable through failovers.
    pub column: usize,
    pub row: usize,
}

/// Slot ranges as CLUSTER NODES writes them: `0-5460 10923`, from slots
/// in increasing order.
pub fn slot_ranges(slots: impl Iterator<Item = slotscope_sim::Slot>) -> String {
    let mut runs: Vec<(slotscope_sim::Slot, slotscope_sim::Slot)> = Vec::new();
    for s in slots {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == s => *last = s,
            _ => runs.push((s, s)),
        }
    }
    runs.iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// How the cluster was created: its first `masters` nodes are masters and
/// the rest of its first `nodes` their replicas (`redis-cli --cluster create`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub masters: usize,
    pub nodes: usize,
}

impl Shape {
    /// The shape of a cluster as created (before any failover or added
    /// node): how many masters, how many nodes.
    pub fn of_new(cluster: &Cluster) -> Shape {
        let masters = (0..cluster.nodes.len())
            .filter(|&n| cluster.nodes[n].role(n) == Role::Master)
            .count();
        Shape {
            masters,
            nodes: cluster.nodes.len(),
        }
    }

    /// The column (shard) a node is drawn in, which also gives its colour:
    /// a created node stays in its shard's column through failovers; a node
    /// added later gets a column of its own.
    pub fn column(self, node: NodeIdx) -> usize {
        let masters = self.masters.max(1);
        if node < self.nodes {
            node % masters
        } else {
            masters + node - self.nodes
        }
    }

    pub fn row(self, node: NodeIdx) -> usize {
        if node < self.nodes {
            node / self.masters.max(1)
        } else {
            0
        }
    }
}

/// The cards of every node, as `observer` sees the cluster.
pub fn cards(cluster: &Cluster, observer: NodeIdx, shape: Shape) -> Vec<NodeCard> {
    let obs = &cluster.nodes[observer];
    let group = cluster.network.group(observer);
    cluster
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let seen = &obs.view[i];
            let own_role = n.role(i);
            let column = shape.column(i);
            let row = shape.row(i);
            NodeCard {
                idx: i,
                port: n.addr.port,
                short_id: n.id.chars().take(8).collect(),
                master: own_role == Role::Master,
                master_of: own_role.master().map(|of| cluster.nodes[of].addr.port),
                seen_master: if i == observer {
                    own_role == Role::Master
                } else {
                    seen.role == Role::Master
                },
                seen_pfail: i != observer && seen.pfail,
                seen_fail: i != observer && seen.fail,
                current_epoch: n.current_epoch,
                config_epoch: cluster.shown_config_epoch(i, i),
                // From the node's bitmap of its own slots (cached by the
                // core; a scan of 16384 slots per node per frame would not be).
                slots: if n.slots.count_of(i) == 0 {
                    String::new()
                } else {
                    slot_ranges(n.slots.claims(i).slots())
                },
                keys: n.db.len(),
                offset: n.repl_offset,
                behind: own_role
                    .master()
                    .map(|of| cluster.nodes[of].repl_offset.saturating_sub(n.repl_offset)),
                lag_s: own_role
                    .master()
                    .map(|_| cluster.now.saturating_sub(n.bus.master_last_io) / 1000),
                migrating: n
                    .migrating
                    .iter()
                    .map(|(&s, &to)| (s, cluster.nodes[to].addr.port))
                    .collect(),
                importing: n
                    .importing
                    .iter()
                    .map(|(&s, &from)| (s, cluster.nodes[from].addr.port))
                    .collect(),
                watch: crate::view::failure::watch(cluster, observer, i),
                alive: n.alive,
                paused: n.bus.paused_until.is_some_and(|u| u > cluster.now),
                cut_off: cluster.network.group(i) != group,
                stranger: !seen.known,
                column,
                row,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_ranges_read_like_cluster_nodes() {
        assert_eq!(slot_ranges([0, 1, 3, 5, 6].into_iter()), "0-1 3 5-6");
        assert_eq!(slot_ranges([4].into_iter()), "4");
        assert_eq!(slot_ranges([].into_iter()), "");
    }

    #[test]
    fn cards_follow_the_observer() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        c.set_config(|c| c.node_timeout = 2_000);
        c.advance(1_000);
        c.kill(0);
        c.advance(6_000);
        let shape = Shape {
            masters: 3,
            nodes: 6,
        };
        let from_1 = cards(&c, 1, shape);
        assert!(!from_1[0].alive && from_1[0].seen_fail);
        assert!(from_1[3].master && from_1[3].seen_master);
        assert_eq!(
            from_1[3].column, 0,
            "the promoted replica stays in its shard's column"
        );
        assert_eq!(from_1[3].slots, "0-5460");
        // The dead node's own (frozen) view still says it is a master.
        let from_0 = cards(&c, 0, shape);
        // A replica in sync lags by nothing; a master has no lag.
        assert_eq!(from_1[4].behind, Some(0));
        assert_eq!(from_1[4].lag_s, Some(0));
        assert_eq!(from_1[1].behind, None);
        // A node added later gets a shard column of its own.
        assert_eq!(shape.column(6), 3);
        assert_eq!(shape.column(5), 2);
        assert!(from_0[0].seen_master && !from_0[3].seen_master);
    }

    #[test]
    fn cards_show_open_migrations_with_the_other_side() {
        let mut c = Cluster::create(3, 0, 1).unwrap();
        let argv =
            |s: String| -> Vec<Vec<u8>> { s.split(' ').map(|w| w.as_bytes().to_vec()).collect() };
        let (id0, id1) = (c.nodes[0].id.clone(), c.nodes[1].id.clone());
        let (a, b) = (c.connect(0), c.connect(1));
        c.execute(b, &argv(format!("CLUSTER SETSLOT 5061 IMPORTING {id0}")));
        c.execute(a, &argv(format!("CLUSTER SETSLOT 5061 MIGRATING {id1}")));
        let shape = Shape::of_new(&c);
        let all = cards(&c, 0, shape);
        assert_eq!(all[0].migrating, vec![(5061, 7001)]);
        assert_eq!(all[1].importing, vec![(5061, 7000)]);
        assert!(all[2].migrating.is_empty() && all[2].importing.is_empty());
    }
}
