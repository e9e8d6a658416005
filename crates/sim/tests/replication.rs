//! Asynchronous replication: the master replies before its replicas apply a
//! write, WAIT blocks for acknowledgements, and writes a master acknowledged
//! but never replicated are lost when a replica takes over — counted.

use slotscope_sim::reply::Reply;
use slotscope_sim::trace::TraceEvent;
use slotscope_sim::Cluster;

fn argv(s: &str) -> Vec<Vec<u8>> {
    s.split(' ').map(|w| w.as_bytes().to_vec()).collect()
}

fn cluster() -> Cluster {
    let mut sim = Cluster::create(3, 1, 3).unwrap();
    sim.set_config(|c| c.node_timeout = 2_000);
    sim.advance(5_000);
    sim
}

#[test]
fn the_master_replies_before_the_replica_applies() {
    let mut sim = cluster();
    let master = sim.connect(0);
    let replica = sim.connect(3);
    assert_eq!(sim.execute(replica, &argv("READONLY")), Reply::ok());
    assert_eq!(sim.execute(master, &argv("SET bar 1")), Reply::ok());
    // Same simulated instant: the entry is still on its way.
    assert_eq!(sim.execute(replica, &argv("GET bar")), Reply::Nil);
    assert!(sim.nodes[3].repl_offset < sim.nodes[0].repl_offset);
    sim.advance(1);
    assert_eq!(sim.execute(replica, &argv("GET bar")), Reply::bulk("1"));
    assert_eq!(sim.nodes[3].repl_offset, sim.nodes[0].repl_offset);
    assert!(sim.trace.events.iter().any(|e| matches!(
        e,
        TraceEvent::Replication {
            master: 0,
            replica: 3,
            ..
        }
    )));
}

#[test]
fn wait_blocks_for_acknowledgements_or_the_timeout() {
    let mut sim = cluster();
    let c = sim.connect(0);
    sim.execute(c, &argv("SET bar 1"));
    let t = sim.now;
    assert_eq!(sim.execute(c, &argv("WAIT 1 1000")), Reply::Integer(1));
    assert!(sim.now - t <= 1, "acknowledged within a round trip");
    // No replica can acknowledge: WAIT returns 0 when the timeout expires.
    sim.partition(&[vec![3]]);
    sim.execute(c, &argv("SET bar 2"));
    let t = sim.now;
    assert_eq!(sim.execute(c, &argv("WAIT 1 500")), Reply::Integer(0));
    assert_eq!(sim.now - t, 500);
    // Asking for no replica returns at once.
    assert_eq!(sim.execute(c, &argv("WAIT 0 0")), Reply::Integer(0));
    // After the heal the replica resyncs, and acknowledges.
    sim.heal();
    assert_eq!(sim.execute(c, &argv("WAIT 1 0")), Reply::Integer(1));
    let r = sim.connect(3);
    sim.execute(r, &argv("READONLY"));
    assert_eq!(sim.execute(r, &argv("GET bar")), Reply::bulk("2"));
    assert_eq!(
        sim.execute(r, &argv("WAIT 1 0")),
        Reply::Error("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.".into())
    );
}

/// The classic Redis Cluster write loss: a master cut off in a minority
/// keeps acknowledging writes until it notices; its replica on the majority
/// side takes over without them.
#[test]
fn writes_acknowledged_in_a_minority_are_lost_and_counted() {
    let mut sim = cluster();
    let c = sim.connect(0);
    sim.execute(c, &argv("SET bar before"));
    sim.advance(10);
    sim.partition(&[vec![0]]);
    // Writes keep succeeding on the isolated master for a while.
    let mut acked = 0;
    for i in 0..100 {
        if sim.execute(c, &argv(&format!("SET bar during-{i}"))) == Reply::ok() {
            acked += 1;
        }
        sim.advance(100);
    }
    assert!(
        acked > 10,
        "the minority master acknowledged writes ({acked})"
    );
    assert!(
        acked < 100,
        "and stopped once it saw it was in a minority ({acked})"
    );
    assert_eq!(sim.nodes[3].role(3), slotscope_sim::cluster::Role::Master);
    assert_eq!(sim.lost_writes, acked);
    let lost: u64 = sim
        .trace
        .events
        .iter()
        .filter_map(|e| match e {
            TraceEvent::LostWrites {
                master: 0,
                replica: 3,
                count,
                ..
            } => Some(*count),
            _ => None,
        })
        .sum();
    assert_eq!(lost, acked);
    // The new master has the last replicated value; after the heal the old
    // master follows it and its own later writes are gone.
    let r = sim.connect(3);
    assert_eq!(sim.execute(r, &argv("GET bar")), Reply::bulk("before"));
    sim.heal();
    sim.advance(3_000);
    assert_eq!(
        sim.nodes[0].role(0),
        slotscope_sim::cluster::Role::Replica { of: 3 }
    );
    let old = sim.connect(0);
    sim.execute(old, &argv("READONLY"));
    assert_eq!(sim.execute(old, &argv("GET bar")), Reply::bulk("before"));
}

#[test]
fn a_clean_failover_loses_nothing() {
    let mut sim = cluster();
    let c = sim.connect(0);
    for i in 0..50 {
        sim.execute(c, &argv(&format!("SET k{{bar}}{i} v")));
        sim.advance(1);
    }
    sim.kill(0);
    sim.advance(8_000);
    assert_eq!(sim.nodes[3].role(3), slotscope_sim::cluster::Role::Master);
    assert_eq!(sim.lost_writes, 0);
    let r = sim.connect(3);
    assert_eq!(sim.execute(r, &argv("DBSIZE")), Reply::Integer(50));
}

#[test]
fn wait_waits_for_this_clients_writes_only() {
    let mut sim = cluster();
    let writer = sim.connect(0);
    let other = sim.connect(0);
    sim.partition(&[vec![3]]);
    sim.execute(writer, &argv("SET bar 1"));
    // `c->woff`: a client that wrote nothing waits for nothing, so the
    // partitioned replica (still connected) counts at once.
    let t = sim.now;
    assert_eq!(sim.execute(other, &argv("WAIT 1 500")), Reply::Integer(1));
    assert_eq!(sim.now, t);
    // The writer's SET never reached it: WAIT times out with 0.
    assert_eq!(sim.execute(writer, &argv("WAIT 1 500")), Reply::Integer(0));
    assert_eq!(sim.now - t, 500);
}

#[test]
fn wait_inside_a_transaction_does_not_block() {
    let mut sim = cluster();
    let c = sim.connect(0);
    sim.partition(&[vec![3]]);
    for line in ["MULTI", "SET bar 1", "WAIT 1 1000"] {
        sim.execute(c, &argv(line));
    }
    let t = sim.now;
    // `CLIENT_DENY_BLOCKING`: WAIT answers with what it has, at once. The
    // transaction's writes reach the stream when EXEC ends, so inside it
    // the client has written nothing yet: every connected replica counts.
    assert_eq!(
        sim.execute(c, &argv("EXEC")),
        Reply::Array(vec![Reply::ok(), Reply::Integer(1)])
    );
    assert_eq!(sim.now, t);
    // After EXEC the write counts: the partitioned replica never got it.
    assert_eq!(sim.execute(c, &argv("WAIT 1 200")), Reply::Integer(0));
}

#[test]
fn a_replica_sees_its_master_link_go_down_when_the_master_dies() {
    let mut sim = cluster();
    let r = sim.connect(3);
    let role = |sim: &mut Cluster| match sim.execute(r, &argv("ROLE")) {
        Reply::Array(items) => items[3].clone(),
        other => panic!("ROLE answered {other:?}"),
    };
    assert_eq!(role(&mut sim), Reply::bulk("connected"));
    sim.kill(0);
    assert_eq!(role(&mut sim), Reply::bulk("connect"));
}

#[test]
fn info_lag_is_the_seconds_since_the_replica_last_acknowledged() {
    let mut sim = cluster();
    let c = sim.connect(0);
    let info = |sim: &mut Cluster| match sim.execute(c, &argv("INFO replication")) {
        Reply::Verbatim { text, .. } => String::from_utf8(text).unwrap(),
        other => panic!("INFO answered {other:?}"),
    };
    assert!(info(&mut sim).contains(",lag=0\r\n"), "{}", info(&mut sim));
    // Cut off from its master, the replica stops acknowledging.
    sim.partition(&[vec![3]]);
    sim.advance(3_500);
    assert!(info(&mut sim).contains(",lag=3\r\n"), "{}", info(&mut sim));
    sim.heal();
    sim.advance(1_000);
    assert!(info(&mut sim).contains(",lag=0\r\n"), "{}", info(&mut sim));
}

#[test]
fn spop_reaches_replicas_as_the_srem_of_what_it_popped() {
    let mut c = Cluster::create(3, 1, 1).unwrap();
    let master = c.connect(0);
    c.execute(master, &argv("SADD {b}s a b c d e f g"));
    c.execute(master, &argv("SPOP {b}s"));
    c.execute(master, &argv("SPOP {b}s 2"));
    c.advance(500);
    let replica = c.connect(3);
    c.execute(replica, &argv("READONLY"));
    let left = c.execute(master, &argv("SMEMBERS {b}s"));
    assert_eq!(c.execute(replica, &argv("SMEMBERS {b}s")), left);
    assert!(matches!(&left, Reply::Set(m) if m.len() == 4), "{left:?}");
}

#[test]
fn a_loaded_library_reaches_the_replicas() {
    let mut c = Cluster::create(3, 1, 1).unwrap();
    let master = c.connect(0);
    let lib = "#!lua name=lib\nredis.register_function{function_name='echo', callback=function(k, a) return a[1] end, flags={'no-writes'}}";
    let load = vec![
        b"FUNCTION".to_vec(),
        b"LOAD".to_vec(),
        lib.as_bytes().to_vec(),
    ];
    assert_eq!(c.execute(master, &load), Reply::bulk("lib"));
    c.advance(500);
    let replica = c.connect(3);
    assert_eq!(
        c.execute(replica, &argv("FCALL_RO echo 0 hi")),
        Reply::bulk("hi")
    );
    c.execute(master, &argv("FUNCTION DELETE lib"));
    c.advance(500);
    assert_eq!(
        c.execute(replica, &argv("FCALL_RO echo 0 hi")),
        Reply::Error("ERR Function not found".into())
    );
}
