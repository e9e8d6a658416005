//! The settings the page shows, read from every node's own config: one
//! value each, and the nodes that disagree with it (a `CONFIG SET` sent to
//! one node from the console changes that node alone, as in Redis).

use slotscope_sim::config;
use slotscope_sim::{Cluster, Reply};

/// One setting as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub name: &'static str,
    /// What most live nodes have (the first node's value on a tie).
    pub value: String,
    /// Live nodes with another value: (port, value).
    pub differing: Vec<(u16, String)>,
}

impl Setting {
    pub fn is_yes(&self) -> bool {
        self.value == "yes"
    }

    /// "7000 has yes" lines for each node that disagrees, or None.
    pub fn disagreement(&self) -> Option<String> {
        if self.differing.is_empty() {
            return None;
        }
        let nodes: Vec<String> = self
            .differing
            .iter()
            .map(|(port, v)| format!(":{port} has {v}"))
            .collect();
        Some(format!(
            "{} is {} on most nodes, but {}",
            self.name,
            self.value,
            nodes.join(", ")
        ))
    }
}

/// Every simulated setting that a node may hold on its own, for the
/// disagreement notes (CONFIG SET can change any of them on one node).
pub const WATCHED: [&str; 8] = [
    "cluster-node-timeout",
    "cluster-require-full-coverage",
    "cluster-allow-reads-when-down",
    "cluster-allow-pubsubshard-when-down",
    "cluster-migration-barrier",
    "cluster-allow-replica-migration",
    "cluster-replica-validity-factor",
    "cluster-replica-no-failover",
];

/// The value `name` has on one node, as CONFIG GET prints it.
fn value_on(node_config: &config::Config, name: &str) -> String {
    // (Only cluster-* settings are shown: the port is not one of them.)
    match config::get(node_config, 0, &[name.as_bytes().to_vec()]) {
        Reply::Map(pairs) => match pairs.into_iter().next() {
            Some((_, Reply::Bulk(v))) => String::from_utf8_lossy(&v).into_owned(),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

/// Whether every live node has the same settings (the usual case: then
/// nothing needs to be compared name by name, and each frame stays cheap).
fn all_agree(cluster: &Cluster) -> bool {
    let mut live = cluster.nodes.iter().filter(|n| n.alive);
    let first = live.next();
    live.all(|n| Some(&n.config) == first.map(|f| &f.config))
}

/// `name` across the live nodes of `cluster`.
pub fn setting(cluster: &Cluster, name: &'static str) -> Setting {
    if all_agree(cluster) {
        let config = cluster
            .nodes
            .iter()
            .find(|n| n.alive)
            .map_or(&cluster.redis_conf, |n| &n.config);
        return Setting {
            name,
            value: value_on(config, name),
            differing: Vec::new(),
        };
    }
    let values: Vec<(u16, String)> = cluster
        .nodes
        .iter()
        .filter(|n| n.alive)
        .map(|n| (n.addr.port, value_on(&n.config, name)))
        .collect();
    let count = |v: &String| values.iter().filter(|(_, x)| x == v).count();
    let value = values
        .iter()
        .map(|(_, v)| v)
        .max_by(|a, b| count(a).cmp(&count(b)).then(std::cmp::Ordering::Greater))
        .cloned()
        .unwrap_or_else(|| value_on(&cluster.redis_conf, name));
    let differing = values.into_iter().filter(|(_, v)| *v != value).collect();
    Setting {
        name,
        value,
        differing,
    }
}

/// A note for each watched setting on which live nodes disagree.
pub fn disagreements(cluster: &Cluster) -> Vec<String> {
    if all_agree(cluster) {
        return Vec::new();
    }
    WATCHED
        .iter()
        .filter_map(|name| setting(cluster, name).disagreement())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_node_changed_by_config_set_is_named() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        assert!(disagreements(&c).is_empty());
        let conn = c.connect(0);
        let argv: Vec<Vec<u8>> = ["CONFIG", "SET", "cluster-allow-reads-when-down", "yes"]
            .iter()
            .map(|w| w.as_bytes().to_vec())
            .collect();
        assert_eq!(c.execute(conn, &argv), Reply::ok());
        let s = setting(&c, "cluster-allow-reads-when-down");
        assert_eq!(s.value, "no");
        assert_eq!(s.differing, [(7000, "yes".to_string())]);
        assert_eq!(
            disagreements(&c),
            ["cluster-allow-reads-when-down is no on most nodes, but :7000 has yes"]
        );
        // The page's setting goes to every node: they agree again.
        c.config_set_everywhere("cluster-allow-reads-when-down", "yes")
            .unwrap();
        assert!(disagreements(&c).is_empty());
        assert!(setting(&c, "cluster-allow-reads-when-down").is_yes());
    }
}
