//! MIGRATE talks to its target over a connection of its own: what the
//! target answers, or that it cannot be reached, is what the source says.

use slotscope_sim::reply::Reply;
use slotscope_sim::Cluster;

fn argv(s: &str) -> Vec<Vec<u8>> {
    s.split(' ').map(|w| w.as_bytes().to_vec()).collect()
}

#[test]
fn a_target_behind_a_partition_is_an_io_error() {
    let mut sim = Cluster::create(3, 0, 1).unwrap();
    let c = sim.connect(0);
    // `bar` is slot 5061, on 7000 (node 0).
    assert_eq!(sim.execute(c, &argv("SET bar 1")), Reply::ok());
    sim.partition(&[vec![1]]);
    assert_eq!(
        sim.execute(c, &argv("MIGRATE 127.0.0.1 7001 bar 0 1000")),
        Reply::Error("IOERR error or timeout writing to target instance".into())
    );
    assert_eq!(sim.execute(c, &argv("GET bar")), Reply::bulk("1"));
    sim.heal();
    // Not importing the slot, the target redirects the RESTORE-ASKING back.
    assert_eq!(
        sim.execute(c, &argv("MIGRATE 127.0.0.1 7001 bar 0 1000")),
        Reply::Error("ERR Target instance replied with error: MOVED 5061 127.0.0.1:7000".into())
    );
}

#[test]
fn set_config_epoch_needs_a_node_that_knows_nobody() {
    let mut sim = Cluster::create(3, 0, 1).unwrap();
    let fresh = sim.spawn_node(7010).unwrap();
    let c = sim.connect(fresh);
    assert_eq!(
        sim.execute(c, &argv("CLUSTER SET-CONFIG-EPOCH 7")),
        Reply::ok()
    );
    let m = sim.connect(0);
    assert_eq!(
        sim.execute(m, &argv("CLUSTER SET-CONFIG-EPOCH 9")),
        Reply::Error(
            "ERR The user can assign a config epoch only when the node does not know any other node."
                .into()
        )
    );
}
