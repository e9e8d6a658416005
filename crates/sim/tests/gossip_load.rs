//! A freshly created cluster behaves as one that has been up a while: its
//! PINGs are spread over time, not sent in bursts. (If every node had last
//! heard from every peer at the same instant, every node would ping every
//! other node_timeout/2 later, all at once, and again after each round —
//! which no settled Redis cluster does, and which made a 1000-node cluster
//! simulate at half real time.)

use slotscope_sim::bus::MsgKind;
use slotscope_sim::trace::TraceEvent;
use slotscope_sim::Cluster;

/// PINGs sent in each 100 ms window of the first `secs` seconds.
fn pings_per_window(cluster: &mut Cluster, secs: u64) -> Vec<usize> {
    cluster.advance(secs * 1000);
    let mut windows = vec![0usize; (secs * 10) as usize];
    for e in &cluster.trace.events {
        if let TraceEvent::Sent {
            at,
            kind: MsgKind::Ping,
            ..
        } = e
        {
            if let Some(w) = windows.get_mut((*at / 100) as usize) {
                *w += 1;
            }
        }
    }
    windows
}

#[test]
fn a_new_cluster_pings_without_bursts() {
    // 100 nodes, Redis's default node_timeout (15 s): each node must hear
    // from each of its 99 peers every 7.5 s, by PING or through gossip.
    // PONG times travel in whole seconds (as Redis sends them), so PINGs
    // gather after each x.5 s mark; what must not happen is every node
    // pinging every other at once (9,900 PINGs).
    let mut cluster = Cluster::create(50, 1, 7).unwrap();
    let windows = pings_per_window(&mut cluster, 40);
    assert_eq!(cluster.trace.evicted, 0, "the trace kept everything");
    let total: usize = windows.iter().sum();
    let mean = total as f64 / windows.len() as f64;
    let max = *windows.iter().max().unwrap();
    println!("mean {mean:.1}, max {max} PINGs per 100 ms");
    assert!(
        (20.0..200.0).contains(&mean),
        "{mean:.0} PINGs per 100 ms on average"
    );
    assert!(max < 1_500, "a burst of {max} PINGs in 100 ms");
}
