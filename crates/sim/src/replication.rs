//! Replication: each master's stream of writes (offsets count its RESP
//! bytes), entries reaching replicas one link latency after the master
//! replied, a replica that missed an entry resyncing in full once its master
//! is reachable, and the writes a master acknowledged that its promoted
//! replica never got (lost writes). WAIT reads the offsets (`command`).

use crate::cluster::{Cluster, NodeIdx, Role};
use crate::reply::{Protocol, Reply};
use crate::trace::TraceEvent;

impl Cluster {
    /// Sends a master's write down its replication stream (after the master
    /// has replied: replication is asynchronous).
    pub(crate) fn replicate(&mut self, master: NodeIdx, argv: &[Vec<u8>]) {
        self.append_to_stream(master, argv, true);
    }

    /// The master's PING to its replicas every repl-ping-replica-period.
    pub(crate) fn replicate_ping(&mut self, master: NodeIdx) {
        let has_replicas =
            (0..self.nodes.len()).any(|r| self.nodes[r].role(r) == (Role::Replica { of: master }));
        if has_replicas {
            self.append_to_stream(master, &[b"PING".to_vec()], false);
        }
    }

    /// Appends a command to `master`'s replication stream (offsets count its
    /// RESP bytes) and sends it to every replica, asynchronously: the master
    /// has already replied when the replica applies it (`Event::Replicate`).
    /// A replica whose link is broken falls behind, and resyncs (`full_sync`)
    /// once it can reach its master; what it missed is lost if it is
    /// promoted meanwhile.
    pub(crate) fn append_to_stream(&mut self, master: NodeIdx, argv: &[Vec<u8>], write: bool) {
        let bytes = Reply::Array(argv.iter().map(|a| Reply::bulk(a.clone())).collect())
            .encode(Protocol::Resp2)
            .len() as u64;
        let offset = self.nodes[master].repl_offset + bytes;
        self.nodes[master].repl_offset = offset;
        let history = &mut self.nodes[master].repl_history;
        history.push_back((offset, write));
        if history.len() > 10_000 {
            history.pop_front();
        }
        let entry: std::rc::Rc<[Vec<u8>]> = argv.into();
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
                    self.trace.push(crate::trace::TraceEvent::Replication {
                        at: now,
                        master,
                        replica: r,
                        offset,
                        arrives: at,
                    });
                    self.schedule(
                        at,
                        crate::world::queue::Event::Replicate {
                            master,
                            replica: r,
                            argv: std::rc::Rc::clone(&entry),
                            end: offset,
                            bytes,
                            write,
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
