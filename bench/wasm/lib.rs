//! The bus benchmark's entry points, called and timed by `run.mjs`.

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
