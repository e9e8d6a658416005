//! Property tests of the cluster bus: random schedules of kills, restarts,
//! partitions and heals. Whatever happened, once every node is back and the
//! network healed, a quiet period brings every node to the same, complete
//! and healthy configuration.

use slotscope_sim::cluster::Role;
use slotscope_sim::rng::Rng;
use slotscope_sim::Cluster;

#[derive(Debug)]
enum Action {
    Kill(usize),
    Restart(usize),
    Partition(Vec<usize>),
    Heal,
    Pause(usize, u64),
}

fn random_schedule(rng: &mut Rng, nodes: usize) -> Vec<(u64, Action)> {
    let mut at = 0;
    (0..8)
        .map(|_| {
            at += 200 + rng.below(6_000);
            let n = rng.below(nodes as u64) as usize;
            let action = match rng.below(5) {
                0 | 1 => Action::Kill(n),
                2 => Action::Restart(n),
                3 => {
                    let set: Vec<usize> = (0..nodes).filter(|_| rng.below(3) == 0).collect();
                    Action::Partition(set)
                }
                _ if rng.below(2) == 0 => Action::Pause(n, 500 + rng.below(5_000)),
                _ => Action::Heal,
            };
            (at, action)
        })
        .collect()
}

/// What is wrong with the cluster's final state, if anything.
fn check_converged(sim: &Cluster) -> Result<(), String> {
    let n = sim.nodes.len();
    let first = &sim.nodes[0];
    for v in 0..n {
        let node = &sim.nodes[v];
        if !sim.state_ok(v) {
            return Err(format!("node {v}: cluster_state fail"));
        }
        if node.slots.unassigned() > 0 {
            return Err(format!(
                "node {v}: {} slots uncovered",
                node.slots.unassigned()
            ));
        }
        if node.slots.as_slice() != first.slots.as_slice() {
            return Err(format!("node {v} and node 0 disagree on slot owners"));
        }
        for p in 0..n {
            if node.view[p].role != sim.nodes[p].role(p) {
                return Err(format!(
                    "node {v} sees node {p} as {:?}, it is {:?}",
                    node.view[p].role,
                    sim.nodes[p].role(p)
                ));
            }
            if node.view[p].pfail || node.view[p].fail {
                return Err(format!("node {v} still flags node {p}"));
            }
        }
    }
    for owner in first.slots.owners() {
        if sim.nodes[owner].role(owner) != Role::Master {
            return Err(format!("slot owner {owner} is not a master"));
        }
    }
    Ok(())
}

/// With some nodes left dead: the live ones agree, and say ok exactly
/// when every slot has a live owner (the rest of the cluster is healthy).
fn check_live_agree(sim: &Cluster) -> Result<(), String> {
    let live: Vec<usize> = (0..sim.nodes.len())
        .filter(|&n| sim.nodes[n].alive)
        .collect();
    // A slot whose owner died may be seen with an older dead owner by a
    // node that was cut off when the last one took over: nothing in Redis
    // tells it otherwise (gossip carries no slots; only an owner's own
    // messages or an UPDATE do, and there is no live owner to send them).
    // Slots with a live owner, though, everyone must agree on.
    for slot in 0..16384 {
        let live_owner = live
            .iter()
            .filter_map(|&v| sim.nodes[v].slots[slot])
            .find(|&o| sim.nodes[o].alive);
        if let Some(o) = live_owner {
            if let Some(&v) = live.iter().find(|&&v| sim.nodes[v].slots[slot] != Some(o)) {
                return Err(format!(
                    "slot {slot}: live node {o} owns it, node {v} says {:?}",
                    sim.nodes[v].slots[slot]
                ));
            }
        }
    }
    for &v in &live {
        let node = &sim.nodes[v];
        for &p in &live {
            if node.view[p].role != sim.nodes[p].role(p) {
                return Err(format!("node {v} sees live node {p} in the wrong role"));
            }
        }
    }
    for &v in &live {
        let table = &sim.nodes[v].slots;
        let covered = table.unassigned() == 0 && table.owners().all(|o| sim.nodes[o].alive);
        if sim.state_ok(v) != covered {
            return Err(format!(
                "node {v}: cluster_state {} but every slot has a live owner: {covered}",
                sim.state_ok(v)
            ));
        }
    }
    Ok(())
}

fn run_schedule(seed: u64) -> (Cluster, Vec<(u64, Action)>) {
    let mut rng = Rng::new(1_000 + seed);
    let mut sim = Cluster::create(3, 1, seed).unwrap();
    sim.set_config(|c| c.node_timeout = 2_000);
    sim.advance(5_000);
    let schedule = random_schedule(&mut rng, sim.nodes.len());
    let start = sim.now;
    for (at, action) in &schedule {
        sim.advance_to(start + at);
        match action {
            Action::Kill(n) => sim.kill(*n),
            Action::Restart(n) => sim.restart(*n),
            Action::Partition(set) => sim.partition(std::slice::from_ref(set)),
            Action::Heal => sim.heal(),
            Action::Pause(n, ms) => sim.pause(*n, *ms),
        }
    }
    sim.advance(3_000);
    sim.heal();
    (sim, schedule)
}

#[test]
fn random_faults_leaving_nodes_dead_live_nodes_agree() {
    let mut failures = Vec::new();
    let mut down = 0;
    for seed in 0..150 {
        let (mut sim, schedule) = run_schedule(seed);
        if sim.nodes.iter().all(|n| !n.alive) {
            continue;
        }
        sim.advance(60_000);
        down += usize::from(!sim.state_ok(sim.nodes.iter().position(|n| n.alive).unwrap()));
        if let Err(e) = check_live_agree(&sim) {
            failures.push(format!("seed {seed}: {e}; schedule {schedule:?}"));
        }
    }
    println!("{down} of 150 runs ended with a slot range lost (master and replica dead)");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn random_faults_then_heal_converge() {
    let mut failures = Vec::new();
    let mut failovers = 0;
    for seed in 0..150 {
        let (mut sim, schedule) = run_schedule(seed);
        if sim.nodes.iter().any(|n| n.current_epoch > 6) {
            failovers += 1;
        }
        for n in 0..sim.nodes.len() {
            sim.restart(n);
        }
        sim.advance(60_000);
        if let Err(e) = check_converged(&sim) {
            failures.push(format!("seed {seed}: {e}; schedule {schedule:?}"));
        }
    }
    println!("{failovers} of 150 runs had at least one failover");
    assert!(failovers > 50, "the schedules must exercise failovers");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
