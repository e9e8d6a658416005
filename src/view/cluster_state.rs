//! The banner over the stage: `cluster_state` as the observer node reports
//! it (CLUSTER INFO), and why, in the terms of Redis's `clusterUpdateState`:
//! with cluster-require-full-coverage every slot needs an owner that is not
//! flagged FAIL, and a node must reach a majority of the masters that own
//! slots. The reasons are read from the observer's own view, as the node
//! itself decides.

use slotscope_sim::{Cluster, NodeIdx, Slot};

/// What the banner says (plain data, compared as props).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateBanner {
    /// The observer's cached state: what CLUSTER INFO answers.
    pub ok: bool,
    pub observer_port: u16,
    /// Why it is `fail`, one sentence each; empty when ok.
    pub reasons: Vec<String>,
}

/// `a–b` or `a` for a run of slots.
fn range_text(a: Slot, b: Slot) -> String {
    if a == b {
        format!("slot {a}")
    } else {
        format!("slots {a}–{b}")
    }
}

/// Runs of consecutive slots for which `pred` holds, as (first, last).
fn runs(owners: &[Option<NodeIdx>], pred: impl Fn(Option<NodeIdx>) -> bool) -> Vec<(Slot, Slot)> {
    let mut out: Vec<(Slot, Slot)> = Vec::new();
    for (slot, owner) in owners.iter().enumerate() {
        if !pred(*owner) {
            continue;
        }
        let slot = slot as Slot;
        match out.last_mut() {
            Some((_, last)) if *last + 1 == slot => *last = slot,
            _ => out.push((slot, slot)),
        }
    }
    out
}

/// At most this many runs are named; the rest are counted.
const RUNS_NAMED: usize = 3;

fn name_runs(runs: &[(Slot, Slot)]) -> String {
    let mut parts: Vec<String> = runs
        .iter()
        .take(RUNS_NAMED)
        .map(|&(a, b)| range_text(a, b))
        .collect();
    if runs.len() > RUNS_NAMED {
        parts.push(format!("{} more ranges", runs.len() - RUNS_NAMED));
    }
    parts.join(", ")
}

/// The banner for `observer`.
pub fn banner(cluster: &Cluster, observer: NodeIdx) -> StateBanner {
    let node = &cluster.nodes[observer];
    let port = node.addr.port;
    let ok = node.bus.state_ok;
    let mut reasons = Vec::new();
    if !node.alive {
        reasons.push(format!(
            "127.0.0.1:{port} is not running: what it last believed is shown. Pick another observer."
        ));
    }
    if !ok {
        let owners = node.slots.as_slice();
        let view = &node.view;
        if node.config.require_full_coverage {
            let unassigned = runs(owners, |o| o.is_none());
            if !unassigned.is_empty() {
                reasons.push(format!(
                    "{} {} no owner (cluster-require-full-coverage is yes).",
                    name_runs(&unassigned),
                    if unassigned.len() == 1 && unassigned[0].0 == unassigned[0].1 {
                        "has"
                    } else {
                        "have"
                    }
                ));
            }
            let mut failed: Vec<NodeIdx> = node
                .slots
                .owners()
                .filter(|&o| o != observer && view[o].fail)
                .collect();
            slotscope_sim::order::sort_by(&mut failed, Ord::cmp);
            for o in failed {
                let r = runs(owners, |x| x == Some(o));
                reasons.push(format!(
                    "{} {} no reachable master: their owner 127.0.0.1:{} is flagged FAIL and no replica has taken over yet.",
                    name_runs(&r),
                    if r.len() == 1 && r[0].0 == r[0].1 { "has" } else { "have" },
                    cluster.nodes[o].addr.port
                ));
            }
        }
        let size = node.cluster_size();
        let reachable = node
            .slots
            .owners()
            .filter(|&o| o == observer || !(view[o].fail || view[o].pfail))
            .count();
        if reachable <= size / 2 {
            reasons.push(format!(
                "It reaches only {reachable} of the {size} masters that own slots; a majority ({}) is needed, so it may be on the minority side of a partition.",
                size / 2 + 1
            ));
        }
        if reasons.is_empty() {
            // The state lags the view on purpose: a master waits after a
            // start (CLUSTER_WRITABLE_DELAY, 2 s) and after being in a
            // minority (the rejoin delay) before it reports ok again.
            reasons.push(
                "Its view is whole again; a master waits a moment (after starting, or after being in a minority) before it reports ok."
                    .into(),
            );
        }
    }
    StateBanner {
        ok,
        observer_port: port,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_healthy_cluster_is_ok_with_no_reasons() {
        let c = Cluster::create(3, 1, 1).unwrap();
        let b = banner(&c, 0);
        assert!(b.ok);
        assert!(b.reasons.is_empty());
    }

    #[test]
    fn a_dead_shard_names_its_slots_and_its_master() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        c.set_config(|c| c.node_timeout = 2_000);
        c.advance(1_000);
        c.kill(2);
        c.kill(5);
        c.advance(10_000);
        let b = banner(&c, 0);
        assert!(!b.ok);
        assert_eq!(
            b.reasons,
            vec!["slots 10923–16383 have no reachable master: their owner 127.0.0.1:7002 is flagged FAIL and no replica has taken over yet."]
        );
    }

    #[test]
    fn a_minority_side_says_so() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        c.set_config(|c| c.node_timeout = 2_000);
        c.advance(1_000);
        c.partition(&[vec![0, 3]]);
        c.advance(5_000);
        let b = banner(&c, 0);
        assert!(!b.ok);
        assert!(
            b.reasons
                .iter()
                .any(|r| r.starts_with("It reaches only 1 of the 3 masters")),
            "{:?}",
            b.reasons
        );
    }

    #[test]
    fn unassigned_slots_are_named() {
        let mut c = Cluster::create(3, 0, 1).unwrap();
        let conn = c.connect(0);
        let argv =
            |s: &str| -> Vec<Vec<u8>> { s.split(' ').map(|w| w.as_bytes().to_vec()).collect() };
        c.execute(conn, &argv("CLUSTER DELSLOTS 0 1 2 7"));
        c.advance(200);
        let b = banner(&c, 0);
        assert!(!b.ok);
        assert_eq!(
            b.reasons,
            vec!["slots 0–2, slot 7 have no owner (cluster-require-full-coverage is yes)."]
        );
    }
}
