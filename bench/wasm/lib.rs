//! One exported function: build a cluster of `masters` masters with one
//! replica each and run its bus for `sim_ms` simulated milliseconds.
//! `run.mjs` times it.

#[no_mangle]
pub extern "C" fn simulate(masters: u32, sim_ms: u32) -> u32 {
    match slotscope_sim::Cluster::create(masters as usize, 1, 1) {
        Ok(mut cluster) => {
            cluster.advance(u64::from(sim_ms));
            cluster.nodes.len() as u32
        }
        Err(_) => 0,
    }
}

/// The same with PONG times spread over the last node_timeout/2, as in a
/// cluster that has been up a while (see `running_1000` in the native
/// bench); the first node_timeout/2 is run before `sim_ms` is counted, so
/// the caller times `prepare` and `simulate_more` separately.
static mut RUNNING: Option<slotscope_sim::Cluster> = None;

#[no_mangle]
pub extern "C" fn prepare_running(masters: u32) -> u32 {
    let Ok(mut cluster) = slotscope_sim::Cluster::create(masters as usize, 1, 1) else {
        return 0;
    };
    let n = cluster.nodes.len();
    let half_timeout = cluster.config.node_timeout / 2;
    for v in 0..n {
        for p in 0..n {
            let t = cluster.rng.below(half_timeout);
            cluster.nodes[v].view[p].pong_received = t;
        }
    }
    cluster.advance(half_timeout);
    // Single-threaded wasm: nothing else touches it.
    unsafe { RUNNING = Some(cluster) };
    n as u32
}

#[no_mangle]
pub extern "C" fn simulate_more(sim_ms: u32) -> u32 {
    #[allow(static_mut_refs)]
    match unsafe { RUNNING.as_mut() } {
        Some(cluster) => {
            cluster.advance(u64::from(sim_ms));
            cluster.nodes.len() as u32
        }
        None => 0,
    }
}
