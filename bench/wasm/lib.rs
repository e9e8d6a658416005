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
