//! Each node has its own settings: CONFIG SET on one node changes what that
//! node does and nothing else; a restart forgets what was not saved with
//! CONFIG REWRITE.

use slotscope_sim::reply::Reply;
use slotscope_sim::trace::TraceEvent;
use slotscope_sim::Cluster;

fn argv(s: &str) -> Vec<Vec<u8>> {
    s.split(' ').map(|w| w.as_bytes().to_vec()).collect()
}

fn config_get(sim: &mut Cluster, node: usize, name: &str) -> Reply {
    let conn = sim.connect(node);
    sim.execute(conn, &argv(&format!("CONFIG GET {name}")))
}

/// When `observer` first flagged `node` PFAIL.
fn pfail_at(sim: &Cluster, observer: usize, node: usize) -> Option<u64> {
    sim.trace.events.iter().find_map(|e| match e {
        TraceEvent::Flags {
            at,
            observer: o,
            node: n,
            pfail: true,
            ..
        } if *o == observer && *n == node => Some(*at),
        _ => None,
    })
}

#[test]
fn node_timeout_is_each_nodes_own() {
    let mut sim = Cluster::create(3, 1, 7).unwrap();
    sim.set_config(|c| c.node_timeout = 2_000);
    sim.advance(5_000);
    let conn = sim.connect(1);
    assert_eq!(
        sim.execute(conn, &argv("CONFIG SET cluster-node-timeout 6000")),
        Reply::ok()
    );
    let killed_at = sim.now;
    sim.kill(0);
    sim.advance(10_000);
    let quick = pfail_at(&sim, 2, 0).expect("7002 flags 7000") - killed_at;
    let slow = pfail_at(&sim, 1, 0).expect("7001 flags 7000") - killed_at;
    assert!((2_000..3_000).contains(&quick), "7002 after {quick} ms");
    // 7001 waits its own 6 s. And FAIL needs a majority of masters: with
    // 7002 alone reporting, nobody can flag 7000 FAIL until 7001 does.
    assert!((6_000..7_500).contains(&slow), "7001 after {slow} ms");
    let fail_at = sim
        .trace
        .events
        .iter()
        .find_map(|e| match e {
            TraceEvent::Flags {
                at,
                node: 0,
                fail: true,
                ..
            } => Some(*at - killed_at),
            _ => None,
        })
        .expect("7000 is flagged FAIL");
    assert!(fail_at >= slow, "FAIL at {fail_at} ms, before 7001's PFAIL");
}

#[test]
fn a_restart_forgets_config_set_unless_rewritten() {
    let mut sim = Cluster::create(3, 1, 7).unwrap();
    let conn = sim.connect(0);
    sim.execute(conn, &argv("CONFIG SET cluster-migration-barrier 3"));
    sim.execute(conn, &argv("CONFIG SET cluster-allow-reads-when-down yes"));
    sim.execute(conn, &argv("CONFIG REWRITE"));
    sim.execute(conn, &argv("CONFIG SET cluster-migration-barrier 5"));
    assert_eq!(
        config_get(&mut sim, 0, "cluster-migration-barrier"),
        Reply::Map(vec![(
            Reply::bulk("cluster-migration-barrier"),
            Reply::bulk("5")
        )])
    );
    sim.kill(0);
    sim.restart(0);
    assert_eq!(
        config_get(&mut sim, 0, "cluster-migration-barrier"),
        Reply::Map(vec![(
            Reply::bulk("cluster-migration-barrier"),
            Reply::bulk("3")
        )])
    );
    assert!(sim.nodes[0].config.allow_reads_when_down);
    assert!(!sim.nodes[1].config.allow_reads_when_down);
}

#[test]
fn replica_no_failover_keeps_a_replica_from_standing() {
    let mut sim = Cluster::create(3, 1, 7).unwrap();
    sim.set_config(|c| c.node_timeout = 2_000);
    sim.advance(5_000);
    let conn = sim.connect(3);
    assert_eq!(
        sim.execute(conn, &argv("CONFIG SET cluster-replica-no-failover yes")),
        Reply::ok()
    );
    sim.kill(0);
    sim.advance(20_000);
    // 7003 never stands: 7000's slots stay with the dead master.
    assert_eq!(sim.nodes[3].role(3), slotscope_sim::Role::Replica { of: 0 });
    assert!(!sim.state_ok(1), "the cluster is down without 7000's slots");
    // A manual failover still works (FORCE: the master is gone).
    let conn = sim.connect(3);
    assert_eq!(
        sim.execute(conn, &argv("CLUSTER FAILOVER FORCE")),
        Reply::ok()
    );
    sim.advance(5_000);
    assert_eq!(sim.nodes[3].role(3), slotscope_sim::Role::Master);
}

/// CONFIG SET takes a node_timeout up to LLONG_MAX: timers built from it
/// must not overflow (a panic in WebAssembly kills the page).
#[test]
fn the_largest_node_timeout_runs_without_overflow() {
    let mut sim = Cluster::create(3, 1, 7).unwrap();
    for n in 0..6 {
        let conn = sim.connect(n);
        assert_eq!(
            sim.execute(
                conn,
                &argv("CONFIG SET cluster-node-timeout 9223372036854775807")
            ),
            Reply::ok()
        );
    }
    sim.kill(0);
    sim.advance(30_000);
    let conn = sim.connect(3);
    assert_eq!(
        sim.execute(conn, &argv("CLUSTER FAILOVER FORCE")),
        Reply::ok()
    );
    sim.advance(30_000);
    assert_eq!(sim.nodes[3].role(3), slotscope_sim::Role::Master);
}
