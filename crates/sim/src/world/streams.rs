//! The world's side of replication: the connections between a master's
//! process and its replicas' processes. It carries each stream entry one
//! link latency after the master replied (`Event::Replicate`), notices a
//! broken link, runs full resynchronisations (the RDB transfer), and counts
//! the writes a master acknowledged that its promoted replica never got.

use crate::cluster::Cluster;
use crate::node::{NodeIdx, ReplicaLink, Role};
use crate::replication::StreamEntry;
use crate::trace::TraceEvent;
use crate::world::queue::Event;

impl Cluster {
    /// The replicas that follow `master` and whose process is up, in node
    /// order: the replication connections its process holds.
    pub(crate) fn replica_links(&self, master: NodeIdx) -> Vec<ReplicaLink> {
        crate::world::io::replica_links(master, self.nodes.iter().enumerate())
    }

    /// The master's PING to its replicas every repl-ping-replica-period.
    pub(crate) fn replicate_ping(&mut self, master: NodeIdx) {
        let has_replicas =
            (0..self.nodes.len()).any(|r| self.nodes[r].role(r) == (Role::Replica { of: master }));
        if has_replicas {
            let entry = self.nodes[master].append_to_stream(&[b"PING".to_vec()], false);
            self.send_stream(master, entry);
        }
    }

    /// Sends a stream entry `master` appended to every replica connected
    /// to it. A replica whose link is broken falls behind, and resyncs
    /// (`full_sync`) once it can reach its master; what it missed is lost
    /// if it is promoted meanwhile.
    pub(crate) fn send_stream(&mut self, master: NodeIdx, entry: StreamEntry) {
        let now = self.now;
        for r in 0..self.nodes.len() {
            if r == master
                || !self.nodes[r].alive
                || self.nodes[r].role(r) != (Role::Replica { of: master })
                || self.nodes[r].bus.repl_broken
            {
                continue;
            }
            match self.network.arrival(&mut self.rng, now, master, r) {
                Ok(at) => {
                    self.trace.push(TraceEvent::Replication {
                        at: now,
                        master,
                        replica: r,
                        offset: entry.end,
                        arrives: at,
                    });
                    self.schedule(
                        at,
                        Event::Replicate {
                            master,
                            replica: r,
                            entry: entry.clone(),
                        },
                    );
                }
                // The connection broke: the replica will have to resync.
                Err(_) => self.nodes[r].bus.repl_broken = true,
            }
        }
    }

    /// A full resynchronisation: `replica` gets a copy of `master`'s data.
    pub(crate) fn full_sync(&mut self, replica: NodeIdx, master: NodeIdx) {
        self.nodes[replica].db = self.nodes[master].db.clone();
        self.nodes[replica].repl_offset = self.nodes[master].repl_offset;
        self.nodes[replica].bus.repl_broken = false;
        // The replica acknowledges as soon as it is online.
        self.nodes[replica].bus.ack_sent = (self.nodes[replica].repl_offset, self.now);
    }

    /// A key RESTOREd on `target` reaches its replicas at once, outside the
    /// stream (the simulator has no DUMP payload to put in the stream, so
    /// offsets do not count it).
    pub(crate) fn restore_on_replicas(
        &mut self,
        target: NodeIdx,
        key: &[u8],
        entry: &crate::keyspace::Entry,
    ) {
        let now = self.now;
        for r in 0..self.nodes.len() {
            if self.nodes[r].alive && self.nodes[r].role(r) == (Role::Replica { of: target }) {
                self.nodes[r]
                    .db
                    .set(key, entry.value.clone(), entry.expire_at, false, now);
            }
        }
    }

    /// Every write acknowledged by `master` beyond what `replica` applied
    /// is lost when the replica takes over.
    pub(crate) fn count_lost_writes(&mut self, master: NodeIdx, replica: NodeIdx) {
        let applied = self.nodes[replica].repl_offset;
        let lost = self.nodes[master]
            .repl_history
            .iter()
            .filter(|(end, write)| *write && *end > applied)
            .count() as u64;
        if lost > 0 {
            self.lost_writes += lost;
            let at = self.now;
            self.trace.push(TraceEvent::LostWrites {
                at,
                master,
                replica,
                count: lost,
            });
        }
    }
}
