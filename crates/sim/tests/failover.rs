//! Failure detection and failover in simulated time, judged against what a
//! real Redis 7.0.15 cluster did (`tests/data/failover_trials.tsv`, copied
//! from `../shared/redis/`, and `tests/data/transcripts/failover.txt`).

use slotscope_sim::cluster::Role;
use slotscope_sim::trace::TraceEvent;
use slotscope_sim::Cluster;

const NODE_TIMEOUT: u64 = 2_000;

fn argv(s: &str) -> Vec<Vec<u8>> {
    s.split(' ').map(|w| w.as_bytes().to_vec()).collect()
}

/// A 3+3 cluster with node_timeout 2000 ms that has run for a while, so
/// that ping schedules are spread out as in a cluster that has been up.
fn warm_cluster(seed: u64) -> Cluster {
    let mut sim = Cluster::create(3, 1, seed).unwrap();
    sim.set_config(|c| c.node_timeout = NODE_TIMEOUT);
    sim.advance(10_000 + seed * 7 % 1_000);
    sim
}

/// Milestones of a kill -9 of master 7000, in ms after the kill.
#[derive(Debug, Clone, Copy)]
struct Milestones {
    pfail: u64,
    fail: u64,
    won: u64,
    ok_7001: u64,
}

fn kill_trial(seed: u64) -> Milestones {
    trial_on(warm_cluster(seed), seed)
}

/// A kill -9 right after creation: what a learner does on the first page.
fn fresh_kill_trial(seed: u64) -> Milestones {
    let mut sim = Cluster::create(3, 1, seed).unwrap();
    sim.set_config(|c| c.node_timeout = NODE_TIMEOUT);
    trial_on(sim, seed)
}

fn trial_on(mut sim: Cluster, seed: u64) -> Milestones {
    let from = sim.trace.events.len() + sim.trace.evicted as usize;
    let t0 = sim.now;
    sim.kill(0);
    sim.advance(15_000);
    let skip = from - sim.trace.evicted as usize;
    let events: Vec<&TraceEvent> = sim.trace.events.iter().skip(skip).collect();
    let first = |pred: &dyn Fn(&TraceEvent) -> bool| -> u64 {
        events
            .iter()
            .find(|e| pred(e))
            .map(|e| e.at() - t0)
            .unwrap_or_else(|| panic!("seed {seed}: milestone never reached"))
    };
    let pfail = first(&|e| {
        matches!(
            e,
            TraceEvent::Flags {
                node: 0,
                pfail: true,
                ..
            }
        )
    });
    let fail = first(&|e| {
        matches!(
            e,
            TraceEvent::Flags {
                node: 0,
                fail: true,
                ..
            }
        )
    });
    let won = first(
        &|e| matches!(e, TraceEvent::Log { node: 3, text, .. } if text.starts_with("Failover election won")),
    );
    // 7001's state goes fail with the FAIL flag, then ok again.
    let ok_7001 = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                TraceEvent::ClusterState {
                    node: 1,
                    ok: true,
                    ..
                }
            )
        })
        .map(|e| e.at() - t0)
        .find(|&t| t > fail)
        .unwrap_or_else(|| panic!("seed {seed}: 7001 never ok again"));
    Milestones {
        pfail,
        fail,
        won,
        ok_7001,
    }
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v[v.len() / 2]
}

/// The real trials: (min, max) of each milestone column.
fn real_ranges() -> [(String, u64, u64); 4] {
    let text = include_str!("data/failover_trials.tsv");
    let mut rows: Vec<Vec<u64>> = Vec::new();
    let mut header: Vec<&str> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        if header.is_empty() {
            header = line.split('\t').collect();
            continue;
        }
        rows.push(line.split('\t').map(|c| c.parse().unwrap()).collect());
    }
    let range = |name: &str| {
        let col = header.iter().position(|h| *h == name).unwrap();
        let vals = rows.iter().map(|r| r[col]);
        (
            name.to_string(),
            vals.clone().min().unwrap(),
            vals.max().unwrap(),
        )
    };
    [
        range("pfail_poll"),
        range("log_fail"),
        range("log_election_won"),
        range("log_state_ok_7001"),
    ]
}

/// A fresh cluster times out, gossips and fails over like one that has
/// been up, from its first second (it used to reach FAIL ~100 ms after
/// PFAIL: every ping schedule started locked together).
#[test]
fn fresh_cluster_kill_timings_match_real_redis_over_20_seeds() {
    let trials: Vec<Milestones> = (0..20).map(fresh_kill_trial).collect();
    let ranges = real_ranges();
    let medians = [
        median(trials.iter().map(|m| m.pfail).collect()),
        median(trials.iter().map(|m| m.fail).collect()),
        median(trials.iter().map(|m| m.won).collect()),
        median(trials.iter().map(|m| m.ok_7001).collect()),
    ];
    for ((name, lo, hi), m) in ranges.iter().zip(medians) {
        println!("fresh: {name:20} simulated median {m:5} ms, real {lo}..{hi} ms");
        assert!(
            (*lo..=*hi).contains(&m),
            "fresh cluster: {name}: simulated median {m} ms outside the real range {lo}..{hi} ms"
        );
    }
    // Real clusters: FAIL 200-950 ms after PFAIL. A few seeds may be
    // quicker (a report can ride the very next PING), not most.
    let gaps: Vec<u64> = trials.iter().map(|m| m.fail - m.pfail).collect();
    let quick = gaps.iter().filter(|&&g| g < 200).count();
    println!("fresh: FAIL - PFAIL gaps {gaps:?}");
    assert!(
        quick <= 5,
        "{quick} of 20 fresh seeds reached FAIL within 200 ms of PFAIL: {gaps:?}"
    );
    let gap = median(gaps);
    assert!(
        (200..=950).contains(&gap),
        "median FAIL - PFAIL gap {gap} ms"
    );
}

#[test]
fn kill_timings_match_real_redis_over_100_seeds() {
    let trials: Vec<Milestones> = (0..100).map(kill_trial).collect();
    let medians = [
        median(trials.iter().map(|m| m.pfail).collect()),
        median(trials.iter().map(|m| m.fail).collect()),
        median(trials.iter().map(|m| m.won).collect()),
        median(trials.iter().map(|m| m.ok_7001).collect()),
    ];
    let ranges = real_ranges();
    for ((name, lo, hi), m) in ranges.iter().zip(medians) {
        println!("{name:20} simulated median {m:5} ms, real {lo}..{hi} ms");
    }
    for ((name, lo, hi), m) in ranges.iter().zip(medians) {
        assert!(
            (*lo..=*hi).contains(&m),
            "{name}: simulated median {m} ms outside the real range {lo}..{hi} ms"
        );
    }
    // Every single trial is ordered as in Redis.
    for (seed, m) in trials.iter().enumerate() {
        assert!(
            m.pfail >= NODE_TIMEOUT && m.pfail < m.fail && m.fail < m.won && m.won <= m.ok_7001,
            "seed {seed}: {m:?}"
        );
    }
}

#[test]
fn same_seed_and_actions_give_the_same_trace() {
    let run = |seed: u64| {
        let mut sim = warm_cluster(seed);
        let c = sim.connect(1);
        sim.execute(c, &argv("SET user:1001 v"));
        sim.kill(0);
        sim.advance(6_000);
        sim.partition(&[vec![2, 5]]);
        sim.advance(5_000);
        sim.heal();
        sim.restart(0);
        sim.advance(8_000);
        sim.trace.events.clone()
    };
    let a = run(7);
    assert_eq!(a, run(7));
    assert!(a.len() > 1_000, "a trace with traffic in it");
    assert_ne!(a, run(8), "another seed, another run");
}

/// Distinct replies, in order, of a command polled every 20 ms.
fn poll_distinct(sim: &mut Cluster, node: usize, cmd: &str, for_ms: u64) -> Vec<String> {
    let conn = sim.connect(node);
    let mut seen: Vec<String> = Vec::new();
    let end = sim.now + for_ms;
    while sim.now < end {
        let r = format!("{:?}", sim.execute(conn, &argv(cmd)));
        if seen.last() != Some(&r) {
            seen.push(r);
        }
        sim.advance(20);
    }
    seen
}

/// What the polling clients of failover.txt (i) saw, in the same order.
#[test]
fn clients_see_moved_then_clusterdown_then_moved_to_the_new_master() {
    for seed in 0..20 {
        let mut sim = warm_cluster(seed);
        let c = sim.connect(0);
        sim.execute(c, &argv("SET bar value-of-bar"));
        sim.advance(10);
        let before = poll_distinct(&mut sim, 1, "GET bar", 20);
        sim.kill(0);
        // Two pollers side by side: each `poll_distinct` runs its own time
        // window, so run them on identical copies of the cluster.
        let mut other = sim.clone();
        let at_7001 = poll_distinct(&mut sim, 1, "GET bar", 8_000);
        let at_7003 = poll_distinct(&mut other, 3, "GET bar", 8_000);
        assert_eq!(
            before,
            vec![r#"Error("MOVED 5061 127.0.0.1:7000")"#.to_string()]
        );
        assert_eq!(
            at_7001,
            vec![
                r#"Error("MOVED 5061 127.0.0.1:7000")"#,
                r#"Error("CLUSTERDOWN The cluster is down")"#,
                r#"Error("MOVED 5061 127.0.0.1:7003")"#,
            ],
            "seed {seed}"
        );
        assert_eq!(
            at_7003,
            vec![
                r#"Error("MOVED 5061 127.0.0.1:7000")"#,
                r#"Error("CLUSTERDOWN The cluster is down")"#,
                r#"Bulk([118, 97, 108, 117, 101, 45, 111, 102, 45, 98, 97, 114])"#,
            ],
            "seed {seed}"
        );
        let dead = sim.connect(0);
        assert_eq!(
            format!("{:?}", sim.execute(dead, &argv("PING"))),
            r#"Error("ERR Could not connect to Redis at 127.0.0.1:7000: Connection refused")"#
        );
    }
}

fn role_of(sim: &Cluster, viewer: usize, node: usize) -> Role {
    sim.nodes[viewer].view[node].role
}

/// Waits (in 1 ms steps) until `cond` holds; returns the time taken.
fn until(sim: &mut Cluster, limit: u64, cond: impl Fn(&Cluster) -> bool) -> u64 {
    let start = sim.now;
    while !cond(sim) {
        assert!(
            sim.now - start < limit,
            "not within {limit} ms; views of roles and flags:\n{}",
            (0..sim.nodes.len())
                .map(|v| format!(
                    "  {v}: {:?}\n",
                    sim.nodes[v]
                        .view
                        .iter()
                        .map(|p| (p.role, p.pfail, p.fail))
                        .collect::<Vec<_>>()
                ))
                .collect::<String>()
        );
        sim.advance(1);
    }
    sim.now - start
}

fn all_views(sim: &Cluster, node: usize, role: Role) -> bool {
    (0..sim.nodes.len()).all(|v| !sim.nodes[v].alive || role_of(sim, v, node) == role)
}

/// The whole of failover.txt on one cluster: kill -9 and promotion, the
/// old master's return as a replica, then CLUSTER FAILOVER, FORCE and
/// TAKEOVER, with the epochs Redis gave each step.
#[test]
fn failover_transcript_roles_and_epochs() {
    for seed in 0..10 {
        let mut sim = warm_cluster(seed);
        let epochs =
            |sim: &Cluster, n: usize| (sim.nodes[n].current_epoch, sim.shown_config_epoch(n, n));
        assert_eq!(epochs(&sim, 3), (6, 1));

        // (i) kill -9 7000: 7003 wins epoch 7.
        sim.kill(0);
        until(&mut sim, 6_000, |s| s.nodes[3].role(3) == Role::Master);
        assert_eq!(epochs(&sim, 3), (7, 7));
        until(&mut sim, 1_000, |s| all_views(s, 3, Role::Master));

        // (ii) restart: 7000 rejoins as a replica of 7003 within a cron tick or two.
        sim.advance(1_000);
        sim.restart(0);
        let t = until(&mut sim, 300, |s| {
            s.nodes[0].role(0) == Role::Replica { of: 3 }
        });
        assert!(t <= 150, "seed {seed}: 7000 became a replica after {t} ms");
        // Usually within a cron tick; a node that pinged 7000 before it
        // reconfigured itself hears of it with its next PING (NT/2).
        until(&mut sim, 1_500, |s| {
            all_views(s, 0, Role::Replica { of: 3 })
                && (0..6).all(|v| !s.nodes[v].view[0].fail && !s.nodes[v].view[0].pfail)
        });
        let c = sim.connect(0);
        assert_eq!(
            format!("{:?}", sim.execute(c, &argv("GET bar"))),
            r#"Error("MOVED 5061 127.0.0.1:7003")"#
        );
        assert!(sim.state_ok(0));
        sim.advance(5_000);

        // (iii) CLUSTER FAILOVER on 7000: master again with epoch 8.
        let c = sim.connect(0);
        assert_eq!(
            sim.execute(c, &argv("CLUSTER FAILOVER")),
            slotscope_sim::reply::Reply::ok()
        );
        let t = until(&mut sim, 1_000, |s| s.nodes[0].role(0) == Role::Master);
        assert!(t < 200, "seed {seed}: manual failover took {t} ms");
        assert_eq!(epochs(&sim, 0), (8, 8));
        until(&mut sim, 100, |s| {
            s.nodes[3].role(3) == Role::Replica { of: 0 }
        });
        until(&mut sim, 2_000, |s| {
            all_views(s, 0, Role::Master) && all_views(s, 3, Role::Replica { of: 0 })
        });
        sim.advance(2_000);

        // (iv) FORCE on 7004: no handshake with the master, epoch 9.
        let c = sim.connect(4);
        assert_eq!(
            sim.execute(c, &argv("CLUSTER FAILOVER FORCE")),
            slotscope_sim::reply::Reply::ok()
        );
        let t = until(&mut sim, 1_000, |s| s.nodes[4].role(4) == Role::Master);
        assert!(t <= 150, "seed {seed}: FORCE took {t} ms");
        assert_eq!(epochs(&sim, 4), (9, 9));
        until(&mut sim, 2_000, |s| {
            all_views(s, 4, Role::Master) && all_views(s, 1, Role::Replica { of: 4 })
        });
        sim.advance(2_000);

        // TAKEOVER on 7005: no votes, epoch 10 at once.
        let c = sim.connect(5);
        assert_eq!(
            sim.execute(c, &argv("CLUSTER FAILOVER TAKEOVER")),
            slotscope_sim::reply::Reply::ok()
        );
        assert_eq!(sim.nodes[5].role(5), Role::Master);
        assert_eq!(epochs(&sim, 5), (10, 10));
        until(&mut sim, 2_000, |s| {
            all_views(s, 5, Role::Master) && all_views(s, 2, Role::Replica { of: 5 })
        });
        sim.advance(3_000);
        for v in 0..6 {
            assert_eq!(sim.nodes[v].current_epoch, 10, "seed {seed}: node {v}");
            assert!(sim.state_ok(v));
        }
        assert_eq!(
            epochs(&sim, 0),
            (10, 8),
            "7000: cluster_my_epoch 8 as in the transcript"
        );
    }
}

/// Two masters with one config epoch (as after a TAKEOVER race, or nodes
/// met without SET-CONFIG-EPOCH): the smaller node ID takes a new epoch.
#[test]
fn config_epoch_collisions_are_resolved() {
    for seed in 0..10 {
        let mut sim = warm_cluster(seed);
        sim.nodes[1].view[1].config_epoch = 1; // collides with 7000's
        sim.advance(3_000);
        let smaller = if sim.nodes[0].id < sim.nodes[1].id {
            0
        } else {
            1
        };
        let other = 1 - smaller;
        assert_eq!(
            sim.nodes[smaller].view[smaller].config_epoch, 7,
            "seed {seed}"
        );
        assert_eq!(sim.nodes[other].view[other].config_epoch, 1, "seed {seed}");
        let mut epochs: Vec<u64> = (0..3).map(|m| sim.nodes[m].view[m].config_epoch).collect();
        epochs.sort_unstable();
        epochs.dedup();
        assert_eq!(
            epochs.len(),
            3,
            "seed {seed}: every master has its own epoch"
        );
        for v in 0..6 {
            assert_eq!(sim.nodes[v].current_epoch, 7, "seed {seed}: node {v}");
            assert_eq!(
                sim.shown_config_epoch(v, smaller),
                7,
                "seed {seed}: view of {v}"
            );
        }
        assert!(sim.trace.events.iter().any(|e| matches!(e,
            TraceEvent::Log { node, text, .. } if *node == smaller && text.starts_with("WARNING: configEpoch collision with node"))));
    }
}

/// `cluster-migration-barrier` 1: with two replicas on 7000 and 7001's only
/// replica dead, one of 7000's replicas (the smaller ID) moves to 7001.
#[test]
fn a_replica_migrates_to_an_orphaned_master() {
    /// A warm cluster where 7006 has joined as a second replica of 7000.
    fn two_replicas_on_7000(seed: u64, barrier: usize) -> (Cluster, usize) {
        let mut sim = warm_cluster(seed);
        sim.set_config(|c| c.migration_barrier = barrier as u64);
        let extra = sim.spawn_node(7006).unwrap();
        let c = sim.connect(extra);
        assert_eq!(
            sim.execute(c, &argv("CLUSTER MEET 127.0.0.1 7000")),
            slotscope_sim::reply::Reply::ok()
        );
        sim.advance(2_000);
        let id0 = sim.nodes[0].id.clone();
        assert_eq!(
            sim.execute(c, &argv(&format!("CLUSTER REPLICATE {id0}"))),
            slotscope_sim::reply::Reply::ok()
        );
        sim.advance(3_000);
        assert!(
            all_views(&sim, extra, Role::Replica { of: 0 }),
            "seed {seed}"
        );
        (sim, extra)
    }
    for seed in 0..5 {
        let (mut sim, extra) = two_replicas_on_7000(seed, 1);
        sim.kill(4); // 7001's only replica
        let mover = if sim.nodes[3].id < sim.nodes[extra].id {
            3
        } else {
            extra
        };
        let stayer = 3 + extra - mover;
        let t = until(&mut sim, 20_000, |s| {
            s.nodes[mover].role(mover) == Role::Replica { of: 1 }
        });
        // FAIL of 7004 (~3 s with node timeout 2 s), then 5 s orphaned.
        assert!(t > 5_000, "seed {seed}: migrated after {t} ms");
        sim.advance(3_000);
        assert_eq!(sim.nodes[stayer].role(stayer), Role::Replica { of: 0 });
        assert!(
            all_views(&sim, mover, Role::Replica { of: 1 }),
            "seed {seed}"
        );
        assert!(sim.trace.events.iter().any(|e| matches!(e,
            TraceEvent::Log { node, text, .. } if *node == mover && text.starts_with("Migrating to orphaned master"))));
        // With the barrier at 2, nobody moves.
        let (mut sim2, extra) = two_replicas_on_7000(seed, 2);
        sim2.kill(4);
        sim2.advance(20_000);
        assert_eq!(sim2.nodes[3].role(3), Role::Replica { of: 0 });
        assert_eq!(sim2.nodes[extra].role(extra), Role::Replica { of: 0 });
    }
}

/// A larger cluster (50 masters, 50 replicas) with Redis's default
/// node_timeout: a dead master is detected and replaced, and every live
/// node ends up agreeing on it — at 100 nodes, gossip (not direct PINGs
/// alone) has to carry the failure reports to a majority.
#[test]
fn a_100_node_cluster_fails_over_with_the_default_node_timeout() {
    let mut sim = Cluster::create(50, 1, 3).unwrap();
    assert_eq!(sim.nodes[0].config.node_timeout, 15_000);
    sim.advance(20_000);
    sim.kill(7);
    let took = until(&mut sim, 60_000, |sim| {
        all_views(sim, 57, Role::Master)
            && (0..100).all(|v| !sim.nodes[v].alive || sim.nodes[v].bus.state_ok)
    });
    // Each master PINGs the dead node node_timeout/2 after its last PONG
    // (0-7.5 s after the kill) and flags it PFAIL node_timeout later; FAIL
    // needs 26 of the 50 masters' reports (about the median of those
    // times, ~19 s), then the election takes 0.5-1 s.
    assert!((16_000..25_000).contains(&took), "took {took} ms");
    for v in (0..100).filter(|&v| v != 7) {
        assert!(sim.nodes[v].view[7].fail, "{v} sees 7007 failed");
        assert_eq!(
            sim.nodes[v].slots.count_of(57),
            sim.nodes[57].slots.count_of(57)
        );
    }
    assert!(sim.nodes[57].slots.count_of(57) > 300);
}
