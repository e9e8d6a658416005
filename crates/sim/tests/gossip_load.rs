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

#[test]
fn the_trace_keeps_message_bodies_only_when_asked() {
    let mut plain = Cluster::create(3, 1, 1).unwrap();
    plain.advance(2_000);
    assert!(plain
        .trace
        .events
        .iter()
        .all(|e| !matches!(e, TraceEvent::Sent { body: Some(_), .. })));

    let mut c = Cluster::create(3, 1, 1).unwrap();
    c.trace.bodies = true;
    c.advance(2_000);
    let (from, body) = c
        .trace
        .events
        .iter()
        .find_map(|e| match e {
            TraceEvent::Sent {
                from,
                kind: MsgKind::Ping,
                body: Some(b),
                ..
            } => Some((*from, b.clone())),
            _ => None,
        })
        .expect("a PING within 2 s");
    // The header is the sender's, as Redis fills it in.
    assert_eq!(body.sender, from);
    assert_eq!(body.current_epoch, 6);
    assert_eq!(body.kind, MsgKind::Ping);
    // Six nodes: gossip about max(3, 6/10) = 3 others (not the sender nor the receiver).
    assert!(!body.gossip.is_empty() && body.gossip.len() <= 3);
    assert!(body.gossip.iter().all(|g| g.node != from));
}
