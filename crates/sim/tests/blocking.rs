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
