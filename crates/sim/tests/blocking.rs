//! Blocking commands in simulated time: a client waits for a push until
//! its timeout, and is let go when its node stops serving the key.

use slotscope_sim::reply::Reply;
use slotscope_sim::Cluster;

fn argv(s: &str) -> Vec<Vec<u8>> {
    s.split(' ').map(|w| w.as_bytes().to_vec()).collect()
}

#[test]
fn a_timeout_lets_simulated_time_pass() {
    let mut c = Cluster::create(3, 1, 1).unwrap();
    let conn = c.connect(0);
    let before = c.now;
    // {b} is slot 3300, on 7000.
    assert_eq!(c.execute(conn, &argv("BLPOP {b}l 1.5")), Reply::NilArray);
    assert_eq!(c.now - before, 1_500);
    assert_eq!(
        c.execute(conn, &argv("BLMOVE {b}l {b}m LEFT LEFT 0.25")),
        Reply::NilArray
    );
    // Inside MULTI it does not block.
    c.execute(conn, &argv("MULTI"));
    c.execute(conn, &argv("BLPOP {b}l 100"));
    let at = c.now;
    assert_eq!(
        c.execute(conn, &argv("EXEC")),
        Reply::Array(vec![Reply::NilArray])
    );
    assert!(c.now - at < 10);
}

#[test]
fn a_blocked_client_on_a_cut_off_master_gets_clusterdown() {
    let mut c = Cluster::create(3, 1, 1).unwrap();
    c.set_config(|cfg| cfg.node_timeout = 2_000);
    c.advance(5_000);
    let conn = c.connect(0);
    c.partition(&[vec![0], vec![1, 2, 3, 4, 5]]);
    let before = c.now;
    let reply = c.execute(conn, &argv("BLPOP {b}l 60"));
    assert_eq!(
        reply,
        Reply::Error("CLUSTERDOWN The cluster is down".into())
    );
    let waited = c.now - before;
    assert!(
        (2_000..10_000).contains(&waited),
        "let go after {waited} ms"
    );
}

#[test]
fn a_blocked_client_is_let_go_when_its_node_dies() {
    let mut c = Cluster::create(3, 1, 1).unwrap();
    let conn = c.connect(2);
    let victim = c.connect(0);
    // A second client cannot act while the first waits, so the kill is a
    // process death scheduled by the world: here, the node is killed first
    // and the command finds the connection refused.
    c.kill(2);
    let reply = c.execute(conn, &argv("BLPOP foo 5"));
    assert!(matches!(reply, Reply::Error(e) if e.contains("Connection refused")));
    assert_eq!(c.execute(victim, &argv("BLPOP {b}l 0.1")), Reply::NilArray);
}

/// The trace's reply to the last command `conn` sent.
fn last_reply(c: &Cluster, conn: usize) -> Option<Reply> {
    c.trace.events.iter().rev().find_map(|e| match e {
        slotscope_sim::trace::TraceEvent::Command { conn: k, reply, .. } if *k == conn => {
            Some(reply.clone())
        }
        _ => None,
    })
}

#[test]
fn a_later_push_from_another_client_serves_the_blocked_one() {
    let mut c = Cluster::create(3, 1, 1).unwrap();
    let waiting = c.connect(0);
    let pusher = c.connect(0);
    let start = c.now;
    assert!(c.send_later(pusher, start + 700, argv("RPUSH {b}l x")));
    let reply = c.execute(waiting, &argv("BLPOP {b}l 5"));
    assert_eq!(
        reply,
        Reply::Array(vec![Reply::bulk("{b}l"), Reply::bulk("x")])
    );
    assert_eq!(c.now - start, 700, "served when the push came");
    assert_eq!(last_reply(&c, pusher), Some(Reply::Integer(1)));
    assert!(!c.send_later(99, 0, argv("PING")));
}

#[test]
fn xread_block_dollar_waits_for_the_next_entry_only() {
    let mut c = Cluster::create(3, 1, 1).unwrap();
    let reader = c.connect(0);
    let writer = c.connect(0);
    c.execute(writer, &argv("XADD {b}s 1-1 old 1"));
    let start = c.now;
    c.send_later(writer, start + 300, argv("XADD {b}s 2-1 new 2"));
    let reply = c.execute(reader, &argv("XREAD BLOCK 2000 STREAMS {b}s $"));
    let entry = Reply::Array(vec![
        Reply::bulk("2-1"),
        Reply::Array(vec![Reply::bulk("new"), Reply::bulk("2")]),
    ]);
    assert_eq!(
        reply,
        Reply::Array(vec![Reply::Array(vec![
            Reply::bulk("{b}s"),
            Reply::Array(vec![entry])
        ])])
    );
    assert_eq!(c.now - start, 300);
    // Nothing new: the timeout, in simulated time.
    let before = c.now;
    assert_eq!(
        c.execute(reader, &argv("XREAD BLOCK 1500 STREAMS {b}s $")),
        Reply::NilArray
    );
    assert_eq!(c.now - before, 1_500);
}

#[test]
fn xreadgroup_block_is_served_and_the_entry_becomes_pending() {
    let mut c = Cluster::create(3, 1, 1).unwrap();
    let reader = c.connect(0);
    let writer = c.connect(0);
    c.execute(writer, &argv("XGROUP CREATE {b}s g $ MKSTREAM"));
    c.send_later(writer, c.now + 250, argv("XADD {b}s 5-1 k v"));
    let reply = c.execute(
        reader,
        &argv("XREADGROUP GROUP g alice BLOCK 0 STREAMS {b}s >"),
    );
    assert!(
        matches!(&reply, Reply::Array(s) if s.len() == 1),
        "{reply:?}"
    );
    let pending = c.execute(reader, &argv("XPENDING {b}s g"));
    assert_eq!(
        pending,
        Reply::Array(vec![
            Reply::Integer(1),
            Reply::bulk("5-1"),
            Reply::bulk("5-1"),
            Reply::Array(vec![Reply::Array(vec![
                Reply::bulk("alice"),
                Reply::bulk("1")
            ])]),
        ])
    );
    // The group destroyed while a consumer waits: NOGROUP.
    c.send_later(writer, c.now + 100, argv("XGROUP DESTROY {b}s g"));
    let reply = c.execute(
        reader,
        &argv("XREADGROUP GROUP g alice BLOCK 0 STREAMS {b}s >"),
    );
    assert!(
        matches!(&reply, Reply::Error(e) if e.starts_with("NOGROUP")),
        "{reply:?}"
    );
}

#[test]
fn replicas_get_the_ids_the_master_generated() {
    let mut c = Cluster::create(3, 1, 1).unwrap();
    let master = c.connect(0);
    c.advance(1_234);
    let id = c.execute(master, &argv("XADD {b}s * k v"));
    c.execute(master, &argv("XADD {b}s MAXLEN ~ 1 * k w"));
    c.advance(500);
    // 7003 replicates 7000.
    let replica = c.connect(3);
    c.execute(replica, &argv("READONLY"));
    let on_replica = c.execute(replica, &argv("XRANGE {b}s - + COUNT 1"));
    let Reply::Array(entries) = on_replica else {
        panic!("{on_replica:?}")
    };
    let Reply::Array(first) = &entries[0] else {
        panic!()
    };
    assert_eq!(first[0], id);
    assert_eq!(
        c.execute(replica, &argv("XLEN {b}s")),
        c.execute(master, &argv("XLEN {b}s"))
    );
}
