//! The bus benchmark's entry points, called and timed by `run.mjs`.

use std::cell::RefCell;

use slotscope_sim::Cluster;

/// Builds a cluster of `masters` masters with one replica each and runs its
/// bus for `sim_ms` simulated milliseconds.
#[no_mangle]
pub extern "C" fn simulate(masters: u32, sim_ms: u32) -> u32 {
    match Cluster::create(masters as usize, 1, 1) {
        Ok(mut cluster) => {
            cluster.advance(u64::from(sim_ms));
            cluster.nodes.len() as u32
        }
        Err(_) => 0,
    }
}

thread_local! {
    /// The cluster `prepare_running` built, for `simulate_more`.
    static RUNNING: RefCell<Option<Cluster>> = const { RefCell::new(None) };
}

/// A cluster as after running a while (`Cluster::spread_pong_times`), with
/// its first node_timeout/2 already run, so that `simulate_more` can be
/// timed alone.
#[no_mangle]
pub extern "C" fn prepare_running(masters: u32) -> u32 {
    let Ok(mut cluster) = Cluster::create(masters as usize, 1, 1) else {
        return 0;
    };
    cluster.spread_pong_times();
    cluster.advance(cluster.config.node_timeout / 2);
    let n = cluster.nodes.len() as u32;
    RUNNING.with(|r| *r.borrow_mut() = Some(cluster));
    n
}

#[no_mangle]
pub extern "C" fn simulate_more(sim_ms: u32) -> u32 {
    RUNNING.with(|r| match r.borrow_mut().as_mut() {
        Some(cluster) => {
            cluster.advance(u64::from(sim_ms));
            cluster.nodes.len() as u32
        }
        None => 0,
    })
}
