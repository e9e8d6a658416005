//! Failure detection and elections in progress, as numbers a learner can
//! follow: how long the observer has waited for a PONG against its
//! node_timeout (PFAIL when `min(now - ping_sent, now - data_received)`
//! passes it), the failure reports that count towards the majority of
//! masters that turns PFAIL into FAIL, and a candidate replica's election
//! (its delay, then the votes it has against the majority it needs).

use slotscope_sim::{Cluster, NodeIdx, Role};

/// One node's failure story, as the observer (and, for an election, the
/// candidate itself) knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Watch {
    /// The observer's PING is unanswered: waited `waited_ms` of `timeout_ms`.
    Silent { waited_ms: u64, timeout_ms: u64 },
    /// Flagged PFAIL by the observer: failure reports it holds (its own
    /// included when it is a master) of the `needed` that make it FAIL.
    Reports { have: usize, needed: usize },
    /// This replica will ask for votes in `in_ms`.
    ElectionIn { in_ms: u64, rank: usize },
    /// This replica asked for votes for `epoch`: `have` of `needed`.
    Votes {
        have: usize,
        needed: usize,
        epoch: u64,
    },
}

impl Watch {
    /// A few words for the node's card.
    pub fn short(&self) -> String {
        match self {
            Watch::Silent {
                waited_ms,
                timeout_ms,
            } => format!(
                "no PONG {:.1}/{:.0} s",
                *waited_ms as f64 / 1000.0,
                *timeout_ms as f64 / 1000.0
            ),
            Watch::Reports { have, needed } => format!("reports {have}/{needed}"),
            Watch::ElectionIn { in_ms, .. } => {
                format!("election in {:.1} s", *in_ms as f64 / 1000.0)
            }
            Watch::Votes { have, needed, .. } => format!("votes {have}/{needed}"),
        }
    }

    /// A sentence for the node's panel.
    pub fn sentence(&self, observer_port: u16) -> String {
        match self {
            Watch::Silent {
                waited_ms,
                timeout_ms,
            } => format!(
                "No PONG to :{observer_port}'s PING for {:.1} s of the {:.1} s node_timeout; then :{observer_port} flags it fail? (PFAIL).",
                *waited_ms as f64 / 1000.0,
                *timeout_ms as f64 / 1000.0
            ),
            Watch::Reports { have, needed } => format!(
                ":{observer_port} holds {have} failure report(s) of the {needed} it needs — a majority of the masters — to flag it FAIL."
            ),
            Watch::ElectionIn { in_ms, rank } => format!(
                "Its master is FAIL: it asks for votes in {:.1} s (500 ms + a random 0–500 ms + 1 s per replica with a newer offset: rank #{rank}).",
                *in_ms as f64 / 1000.0
            ),
            Watch::Votes {
                have,
                needed,
                epoch,
            } => format!(
                "Asked the masters for votes in epoch {epoch}: {have} of the {needed} it needs so far."
            ),
        }
    }
}

/// What to watch on node `n`, if anything, at the cluster's moment.
pub fn watch(cluster: &Cluster, observer: NodeIdx, n: NodeIdx) -> Option<Watch> {
    let now = cluster.now;
    let node = &cluster.nodes[n];
    // A candidate's own election (its state, shown on its own card).
    if node.alive && matches!(node.role(n), Role::Replica { .. }) {
        if let Some(at) = node.bus.failover_auth_time {
            let needed = node.cluster_size() / 2 + 1;
            // An election lasts 2 × node_timeout (at least 2 s), then a
            // new attempt may start.
            let lasts = node.config.node_timeout.saturating_mul(2).max(2_000);
            if node.bus.failover_auth_sent && now.saturating_sub(at) <= lasts {
                return Some(Watch::Votes {
                    have: node.bus.failover_auth_count,
                    needed,
                    epoch: node.bus.failover_auth_epoch,
                });
            }
            if at > now {
                return Some(Watch::ElectionIn {
                    in_ms: at - now,
                    rank: node.bus.failover_auth_rank,
                });
            }
        }
    }
    if n == observer {
        return None;
    }
    let obs = &cluster.nodes[observer];
    let peer = &obs.view[n];
    if !peer.known || peer.fail {
        return None;
    }
    let nt = obs.config.node_timeout;
    if peer.pfail {
        let max_age = nt.saturating_mul(2);
        let reports = obs
            .bus
            .fail_reports
            .iter()
            .filter(|&&(about, _, at)| about == n && now.saturating_sub(at) <= max_age)
            .count();
        let own = usize::from(obs.role(observer) == Role::Master);
        return Some(Watch::Reports {
            have: reports + own,
            needed: obs.cluster_size() / 2 + 1,
        });
    }
    if peer.ping_sent == 0 {
        return None;
    }
    let waited = (now - peer.ping_sent).min(now.saturating_sub(peer.data_received));
    // A PONG normally comes back within a round trip: only a wait that
    // is worth watching is shown.
    (waited >= 500).then_some(Watch::Silent {
        waited_ms: waited,
        timeout_ms: nt,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn killed_master() -> Cluster {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        c.set_config(|c| c.node_timeout = 2_000);
        c.advance(1_000);
        c.kill(0);
        c
    }

    #[test]
    fn a_healthy_cluster_has_nothing_to_watch() {
        let c = Cluster::create(3, 1, 1).unwrap();
        assert!((0..6).all(|n| watch(&c, 1, n).is_none()));
    }

    #[test]
    fn the_silence_then_the_reports_then_the_votes() {
        let mut c = killed_master();
        // Advance until the observer's PING to 7000 has waited a while.
        let mut silent = None;
        for _ in 0..40 {
            c.advance(100);
            if let Some(w @ Watch::Silent { .. }) = watch(&c, 1, 0) {
                silent = Some(w);
                break;
            }
        }
        let Some(Watch::Silent {
            waited_ms,
            timeout_ms,
        }) = silent
        else {
            panic!("no silence seen");
        };
        assert!(waited_ms >= 500 && waited_ms <= timeout_ms);
        assert_eq!(timeout_ms, 2_000);
        // Then PFAIL with reports counting to the majority (2 of 3)...
        let mut reports = None;
        for _ in 0..40 {
            c.advance(50);
            if let Some(w @ Watch::Reports { .. }) = watch(&c, 1, 0) {
                reports = Some(w);
                break;
            }
        }
        assert!(
            matches!(reports, Some(Watch::Reports { needed: 2, have }) if have >= 1),
            "{reports:?}"
        );
        // ...and the replica's election: a delay, then votes.
        let mut seen_delay = false;
        let mut seen_votes = false;
        // (The votes arrive within a millisecond, and the last one wins at once.)
        for _ in 0..4_000 {
            c.advance(1);
            match watch(&c, 1, 3) {
                Some(Watch::ElectionIn { .. }) => seen_delay = true,
                Some(Watch::Votes { needed: 2, .. }) => seen_votes = true,
                _ => {}
            }
            if c.nodes[3].role(3) == Role::Master {
                break;
            }
        }
        assert!(seen_delay, "no election delay seen");
        assert!(seen_votes, "no votes seen");
        assert_eq!(
            Watch::Silent {
                waited_ms: 12_345,
                timeout_ms: 15_000
            }
            .short(),
            "no PONG 12.3/15 s"
        );
    }
}
