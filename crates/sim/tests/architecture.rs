//! The shape the core keeps: the node side (one node's state and its
//! protocol handlers) never names the world. A handler that could reach
//! `Cluster` could read a peer's real state, which no Redis node can.

use std::path::Path;

/// Modules on the node side, and the neutral ones they may use.
const NODE_SIDE: &[&str] = &[
    "node.rs",
    "bus/mod.rs",
    "bus/msg.rs",
    "bus/gossip.rs",
    "bus/failure.rs",
    "bus/election.rs",
    "bus/manual_failover.rs",
    "bus/config_epoch.rs",
    "replica_migration.rs",
    "replication.rs",
    "connection.rs",
    "command/mod.rs",
    "command/cluster_cmd.rs",
    "command/migrate.rs",
    "command/data.rs",
    "command/table.rs",
    "command/parse.rs",
    "routing.rs",
    "script.rs",
    "config.rs",
    "keyspace.rs",
    "trace.rs",
    "slot.rs",
    "glob.rs",
    "rng.rs",
    "reply.rs",
    "layout.rs",
];

/// What the node side may not name: the world and what sits beside it.
const WORLD: &[&str] = &[
    "crate::cluster",
    "crate::world",
    "crate::network",
    "crate::session",
    "crate::client",
    "crate::console",
    "crate::operator",
    "crate::resharding",
    "crate::timeline",
    "Cluster",
];

/// A line with the text of its string literals left out (log lines may
/// say "Cluster state changed").
fn without_strings(line: &str) -> String {
    let mut out = String::new();
    let mut in_string = false;
    for c in line.chars() {
        if c == '"' {
            in_string = !in_string;
        } else if !in_string {
            out.push(c);
        }
    }
    out
}

#[test]
fn the_node_side_does_not_name_the_world() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for file in NODE_SIDE {
        let text = std::fs::read_to_string(src.join(file)).expect(file);
        // A module's unit tests drive it from a whole world: they end the
        // node-side code.
        let lines = text.lines().take_while(|l| l.trim() != "#[cfg(test)]");
        for (n, line) in lines.enumerate() {
            let code = without_strings(line.split("//").next().unwrap_or(""));
            let code = code.as_str();
            for name in WORLD {
                // `Cluster` as a word (not `ClusterState`, not in a comment).
                let hit = code.match_indices(name).any(|(at, _)| {
                    let rest = &code[at + name.len()..];
                    let after = rest.chars().next();
                    !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
                });
                if hit {
                    found.push(format!("{file}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "the node side names the world:\n{}",
        found.join("\n")
    );
}
