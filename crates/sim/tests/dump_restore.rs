//! DUMP and RESTORE inside the cluster: RESTORE-ASKING is served on a slot
//! being imported without ASKING, and a RESTORE reaches the replicas down
//! the replication stream.

use slotscope_sim::reply::Reply;
use slotscope_sim::{Cluster, Role};

fn argv(words: &[&[u8]]) -> Vec<Vec<u8>> {
    words.iter().map(|w| w.to_vec()).collect()
}

fn payload(sim: &mut Cluster, node: usize, key: &[u8]) -> Vec<u8> {
    let c = sim.connect(node);
    match sim.execute(c, &argv(&[b"DUMP", key])) {
        Reply::Bulk(p) => p,
        other => panic!("DUMP: {other:?}"),
    }
}

#[test]
fn restore_asking_is_served_on_an_importing_slot() {
    let mut sim = Cluster::create(3, 0, 1).unwrap();
    let source = sim.connect(0);
    // `bar` is slot 5061, on 7000 (node 0).
    sim.execute(source, &argv(&[b"RPUSH", b"bar", b"a", b"b"]));
    let p = payload(&mut sim, 0, b"bar");
    let id0 = sim.nodes[0].id.clone();
    let target = sim.connect(1);
    let importing = argv(&[
        b"CLUSTER",
        b"SETSLOT",
        b"5061",
        b"IMPORTING",
        id0.as_bytes(),
    ]);
    assert_eq!(sim.execute(target, &importing), Reply::ok());
    assert_eq!(
        sim.execute(target, &argv(&[b"RESTORE", b"bar", b"0", &p])),
        Reply::Error("MOVED 5061 127.0.0.1:7000".into())
    );
    assert_eq!(
        sim.execute(target, &argv(&[b"RESTORE-ASKING", b"bar", b"0", &p])),
        Reply::ok()
    );
    assert_eq!(
        sim.execute(target, &argv(&[b"RESTORE-ASKING", b"bar", b"0", &p])),
        Reply::Error("BUSYKEY Target key name already exists.".into())
    );
    // The flag is the command's: a plain read afterwards is still redirected.
    assert_eq!(
        sim.execute(target, &argv(&[b"LLEN", b"bar"])),
        Reply::Error("MOVED 5061 127.0.0.1:7000".into())
    );
    assert!(sim.nodes[1].db.peek(b"bar", sim.now));
}

#[test]
fn a_restore_is_replicated() {
    let mut sim = Cluster::create(3, 1, 1).unwrap();
    let c = sim.connect(0);
    sim.execute(c, &argv(&[b"HSET", b"bar", b"f", b"v"]));
    let p = payload(&mut sim, 0, b"bar");
    assert_eq!(
        sim.execute(c, &argv(&[b"RESTORE", b"copy{bar}", b"0", &p])),
        Reply::ok()
    );
    sim.advance(100);
    let replica = (0..sim.nodes.len())
        .find(|&r| sim.nodes[r].role(r) == Role::Replica { of: 0 })
        .unwrap();
    let now = sim.now;
    let copied = sim.nodes[replica]
        .db
        .get(b"copy{bar}", now)
        .map(|e| e.value.clone());
    let original = sim.nodes[0].db.get(b"bar", now).map(|e| e.value.clone());
    assert!(copied.is_some());
    assert_eq!(copied, original);
}
