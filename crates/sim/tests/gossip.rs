//! A node that learns a peer from gossip knows only what the gossip said:
//! the peer's ID and its master/replica flag — not whose replica it is, nor
//! its epoch — until the peer itself talks to it (Redis 7.0's
//! `clusterProcessGossipSection` adds the node "with exact nodeid and flag").

use slotscope_sim::reply::Reply;
use slotscope_sim::{Cluster, Role};

fn argv(s: &str) -> Vec<Vec<u8>> {
    s.split(' ').map(|w| w.as_bytes().to_vec()).collect()
}

/// The CLUSTER NODES line `viewer` prints for `node`.
fn nodes_line(sim: &mut Cluster, viewer: usize, node: usize) -> String {
    let conn = sim.connect(viewer);
    let text = match sim.execute(conn, &argv("CLUSTER NODES")) {
        Reply::Bulk(text) | Reply::Verbatim { text, .. } => text,
        other => panic!("CLUSTER NODES answered {other:?}"),
    };
    let id = sim.nodes[node].id.clone();
    String::from_utf8(text)
        .unwrap()
        .lines()
        .find(|l| l.starts_with(&id))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_replica_learned_from_gossip_has_no_master_until_it_speaks() {
    let mut sim = Cluster::create(3, 1, 11).unwrap();
    sim.advance(1_000);
    // 7002 is cut off while 7006 joins as a replica of 7000 (shorter than
    // node_timeout: nobody is flagged), so it can only hear of 7006 later,
    // from the others' gossip.
    let observer = 2;
    sim.partition(&[vec![observer]]);
    let new = sim.spawn_node(7006).unwrap();
    let conn = sim.connect(new);
    assert_eq!(
        sim.execute(conn, &argv("CLUSTER MEET 127.0.0.1 7000")),
        Reply::ok()
    );
    let master_id = sim.nodes[0].id.clone();
    // The handshake takes a cron tick and a round trip: until then 7006
    // does not know 7000 (as in Redis, REPLICATE would say Unknown node).
    assert!(!sim.nodes[new].view[0].known);
    let deadline = sim.now + 2_000;
    while !sim.nodes[new].view[0].known {
        assert!(sim.now < deadline, "the MEET handshake never completed");
        sim.step();
    }
    assert_eq!(
        sim.execute(conn, &argv(&format!("CLUSTER REPLICATE {master_id}"))),
        Reply::ok()
    );
    assert_eq!(sim.nodes[new].role(new), Role::Replica { of: 0 });
    sim.advance(3_000);
    assert!(sim.nodes[1].view[new].known, "7001 learned of 7006");
    sim.heal();
    // 7002 has never heard of 7006. Run the bus event by event until it has.
    let observer = 2;
    assert!(!sim.nodes[observer].view[new].known);
    let deadline = sim.now + 30_000;
    while !sim.nodes[observer].view[new].known {
        assert!(sim.now < deadline, "7002 never learned of 7006");
        sim.step();
    }
    // What 7002 knows: a replica, master unknown, epoch 0 — not the truth
    // that 7006 replicates 7000.
    let peer = sim.nodes[observer].view[new].clone();
    assert_eq!(peer.role, Role::ReplicaOfUnknown);
    assert_eq!(peer.config_epoch, 0);
    let line = nodes_line(&mut sim, observer, new);
    let fields: Vec<&str> = line.split(' ').collect();
    assert_eq!((fields[2], fields[3]), ("slave", "-"), "{line}");
    // Once 7006 talks to 7002 itself (cron connects and pings), 7002
    // learns its master from the message header.
    let deadline = sim.now + 10_000;
    while sim.nodes[observer].view[new].role != (Role::Replica { of: 0 }) {
        assert!(sim.now < deadline, "7006 never told 7002 its master");
        sim.step();
    }
    let line = nodes_line(&mut sim, observer, new);
    assert!(line.contains(&format!(" slave {master_id} ")), "{line}");
}

#[test]
fn a_master_learned_from_gossip_is_a_master_with_no_epoch() {
    let mut sim = Cluster::create(3, 1, 12).unwrap();
    sim.advance(1_000);
    let new = sim.spawn_node(7006).unwrap();
    let conn = sim.connect(new);
    sim.execute(conn, &argv("CLUSTER MEET 127.0.0.1 7001"));
    let deadline = sim.now + 30_000;
    while !sim.nodes[5].view[new].known {
        assert!(sim.now < deadline, "7005 never learned of 7006");
        sim.step();
    }
    let peer = &sim.nodes[5].view[new];
    assert_eq!(peer.role, Role::Master);
    assert_eq!(peer.config_epoch, 0);
    assert!(!peer.pfail && !peer.fail);
}
