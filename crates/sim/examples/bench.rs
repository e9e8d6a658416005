//! Throughput report (not a test: timings vary with the machine).
//!
//!     cargo run --release -p slotscope-sim --example bench
//!
//! - key → slot: MB/s of key bytes hashed, for short keys and for 4 KiB keys;
//! - commands executed per second on a 6-node cluster (3 masters, 3
//!   replicas), each command sent straight to its owner (one hop), with
//!   replication to the replica included; a mix of SET, GET, INCR, HSET,
//!   LPUSH and MGET on hash-tagged keys.

use std::hint::black_box;
use std::time::Instant;

use slotscope_sim::slot::key_hash_slot;
use slotscope_sim::Cluster;

fn keyslot_mb_per_s(keys: &[Vec<u8>], rounds: usize) -> f64 {
    let bytes: usize = keys.iter().map(Vec::len).sum::<usize>() * rounds;
    let start = Instant::now();
    let mut acc = 0u64;
    for _ in 0..rounds {
        for k in keys {
            acc = acc.wrapping_add(u64::from(key_hash_slot(black_box(k))));
        }
    }
    black_box(acc);
    bytes as f64 / start.elapsed().as_secs_f64() / 1e6
}

fn main() {
    let short: Vec<Vec<u8>> = (0..100_000)
        .map(|i| format!("user:{i}:profile").into_bytes())
        .collect();
    let tagged: Vec<Vec<u8>> = (0..100_000)
        .map(|i| format!("{{user:{i}}}:orders").into_bytes())
        .collect();
    let long: Vec<Vec<u8>> = (0..1_000)
        .map(|i| vec![b'a' + (i % 26) as u8; 4096])
        .collect();
    println!("key -> slot");
    println!(
        "  short keys (~16 B):      {:8.1} MB/s",
        keyslot_mb_per_s(&short, 20)
    );
    println!(
        "  hash-tagged keys:        {:8.1} MB/s (only the tag is hashed)",
        keyslot_mb_per_s(&tagged, 20)
    );
    println!(
        "  4 KiB keys:              {:8.1} MB/s",
        keyslot_mb_per_s(&long, 20)
    );

    let mut cluster = Cluster::create(3, 1, 1).expect("3 masters");
    let conns: Vec<usize> = (0..3).map(|m| cluster.connect(m)).collect();
    let owner = |slot: u16| match slot {
        0..=5460 => 0,
        5461..=10922 => 1,
        _ => 2,
    };
    let n = 300_000;
    let commands: Vec<(usize, Vec<Vec<u8>>)> = (0..n)
        .map(|i| {
            let tag = format!("{{u{}}}", i % 5000);
            let key = format!("{tag}:k").into_bytes();
            let slot = key_hash_slot(&key);
            let argv: Vec<Vec<u8>> = match i % 6 {
                0 => vec![b"SET".to_vec(), key, b"value".to_vec()],
                1 => vec![b"GET".to_vec(), key],
                2 => vec![b"INCR".to_vec(), format!("{tag}:n").into_bytes()],
                3 => vec![
                    b"HSET".to_vec(),
                    format!("{tag}:h").into_bytes(),
                    b"f".to_vec(),
                    b"v".to_vec(),
                ],
                4 => vec![
                    b"LPUSH".to_vec(),
                    format!("{tag}:l").into_bytes(),
                    b"x".to_vec(),
                ],
                _ => vec![b"MGET".to_vec(), key, format!("{tag}:n").into_bytes()],
            };
            (conns[owner(slot)], argv)
        })
        .collect();
    let start = Instant::now();
    let mut errors = 0;
    for (conn, argv) in &commands {
        if cluster.execute(*conn, argv).is_error() {
            errors += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!("6-node cluster (3 masters + 3 replicas), owner-routed command mix");
    println!(
        "  {n} commands in {secs:.3} s: {:.0} commands/s ({errors} errors)",
        n as f64 / secs
    );

    println!("cluster bus (gossip on), idle cluster, half masters half replicas");
    gossip_speed(3, 600);
    gossip_speed(50, 60);
    gossip_speed(500, 30);
    println!("cluster bus, 1000 nodes, kill -9 of a master (default node_timeout)");
    failover_1000();

    timeline_seek();
}

/// A master of a 1000-node cluster dies: how long (simulated) until every
/// live node sees its replica as master, and how long that took to run.
fn failover_1000() {
    use slotscope_sim::cluster::Role;
    let mut cluster = Cluster::create(500, 1, 1).expect("cluster");
    cluster.advance(10_000);
    let start = Instant::now();
    cluster.kill(0);
    let killed_at = cluster.now;
    let promoted = |c: &Cluster| {
        c.nodes
            .iter()
            .all(|n| !n.alive || n.view[500].role == Role::Master)
    };
    while !promoted(&cluster) && cluster.now - killed_at < 120_000 {
        cluster.advance(100);
    }
    let secs = start.elapsed().as_secs_f64();
    let sim = (cluster.now - killed_at) as f64 / 1000.0;
    println!(
        "  every live node sees 7500 as master {sim:.1} simulated s after the kill; run in {secs:.3} s wall = {:.2} simulated s per wall s",
        sim / secs
    );
}

/// Jumping back: a 6-node run of 10 simulated minutes with a kill, a
/// restart and a partition, checkpoints every simulated second (at most
/// 256 kept), then rebuilding the state at 100 moments spread over the run.
fn timeline_seek() {
    use slotscope_sim::timeline::{Action, Timeline};
    let mut cluster = Cluster::create(3, 1, 1).expect("cluster");
    cluster.set_config(|c| c.node_timeout = 2_000);
    let mut tl = Timeline::new(cluster);
    let start = Instant::now();
    tl.advance(60_000);
    tl.act(Action::Kill(0));
    tl.advance(60_000);
    tl.act(Action::Restart(0));
    tl.advance(60_000);
    tl.act(Action::Partition(vec![vec![1, 4]]));
    tl.advance(60_000);
    tl.act(Action::Heal);
    tl.advance(360_000);
    let run = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let mut worst = 0.0f64;
    for i in 0..100u64 {
        let t0 = Instant::now();
        let state = tl.state_at(i * 6_000 + 777);
        black_box(state.now());
        worst = worst.max(t0.elapsed().as_secs_f64());
    }
    let mean = start.elapsed().as_secs_f64() / 100.0;
    println!(
        "timeline (6 nodes, 600 simulated s, {} checkpoints kept)",
        tl.checkpoint_count()
    );
    println!(
        "  run with checkpoints: {run:.3} s; state_at(t): mean {:.2} ms, worst {:.2} ms",
        mean * 1e3,
        worst * 1e3
    );
}

/// Simulated seconds per wall-clock second of an idle cluster with the bus
/// running (cron, pings, pongs and gossip on every node).
fn gossip_speed(masters: usize, sim_secs: u64) {
    let mut cluster = Cluster::create(masters, 1, 1).expect("cluster");
    let nodes = cluster.nodes.len();
    let start = Instant::now();
    cluster.advance(sim_secs * 1000);
    let secs = start.elapsed().as_secs_f64();
    let messages = cluster
        .trace
        .events
        .iter()
        .filter(|e| matches!(e, slotscope_sim::trace::TraceEvent::Delivered { .. }))
        .count();
    println!(
        "  {nodes:5} nodes: {sim_secs} simulated s in {secs:.3} s wall = {:.1} simulated s per wall s ({} trace events kept, {messages} deliveries among them)",
        sim_secs as f64 / secs,
        cluster.trace.events.len()
    );
}
