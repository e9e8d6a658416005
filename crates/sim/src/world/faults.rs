//! Faults a user injects, named for what they do: kill -9 and restart a
//! process, SIGSTOP it for a while, partition the network, cut or slow one
//! link, heal.

use crate::cluster::{Cluster, NodeIdx, PeerView, Role};
use crate::trace::TraceEvent;

use crate::world::queue::Event;

impl Cluster {
    /// `kill -9`: the process is gone; its connections break at once.
    pub fn kill(&mut self, n: NodeIdx) {
        if !self.nodes[n].alive {
            return;
        }
        self.nodes[n].alive = false;
        let at = self.now;
        self.trace.push(TraceEvent::Action {
            at,
            what: format!("kill -9 {}", self.nodes[n].addr),
        });
        // Every connection to it breaks (the kernel closes its sockets).
        for v in 0..self.nodes.len() {
            self.nodes[v].view[n].link = false;
        }
        // The replication link of its replicas went down now.
        for r in 0..self.nodes.len() {
            if self.nodes[r].role(r) == (Role::Replica { of: n }) {
                self.nodes[r].bus.master_last_io = at;
                self.nodes[r].bus.repl_broken = true;
            }
        }
    }

    /// Restarts a killed node with the configuration it had saved (its
    /// nodes.conf) and an empty dataset (no persistence, as in the transcripts).
    pub fn restart(&mut self, n: NodeIdx) {
        if self.nodes[n].alive {
            return;
        }
        let now = self.now;
        let node = &mut self.nodes[n];
        node.alive = true;
        // Settings changed with CONFIG SET and not saved are gone.
        node.config = node.conf_file.clone();
        node.db = crate::keyspace::Keyspace::default();
        node.pubsub = Default::default();
        node.repl_offset = 0;
        node.migrating.clear();
        node.importing.clear();
        let state_ok = false;
        node.bus = crate::cluster::NodeBus {
            started_at: Some(now),
            state_ok,
            last_vote_epoch: node.bus.last_vote_epoch,
            master_last_io: now,
            // No data: a replica resyncs from its master first.
            repl_broken: true,
            ..Default::default()
        };
        for (i, p) in node.view.iter_mut().enumerate() {
            if p.known && i != n {
                *p = PeerView {
                    ping_sent: 0,
                    pong_received: 0,
                    data_received: now,
                    pfail: false,
                    fail: false,
                    link: false,
                    ..p.clone()
                };
            }
        }
        self.trace.push(TraceEvent::Action {
            at: now,
            what: format!("restart {}", self.nodes[n].addr),
        });
        // The first clusterCron runs as soon as the server is up: it
        // connects to every known node (each new link starts with a PING).
        self.nodes[n].runs += 1;
        let run = self.nodes[n].runs;
        self.schedule(now + 1, Event::Cron { node: n, run });
    }

    /// Splits the network: each set can only reach itself; nodes in no
    /// set form one more group. Open connections are not closed (TCP does
    /// not notice), messages across simply stop arriving.
    pub fn partition(&mut self, sets: &[Vec<NodeIdx>]) {
        self.network.partition(sets);
        let names: Vec<String> = sets
            .iter()
            .map(|set| {
                set.iter()
                    .map(|&n| self.nodes[n].addr.port.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        let at = self.now;
        self.trace.push(TraceEvent::Action {
            at,
            what: format!("partition {}", names.join(" | ")),
        });
    }

    /// Ends every partition and reconnects every cut link.
    pub fn heal(&mut self) {
        self.network.heal();
        let at = self.now;
        self.trace.push(TraceEvent::Action {
            at,
            what: "heal".into(),
        });
    }

    /// Cuts the link between two nodes in both directions (messages on it
    /// are lost, as on a dropped route; the rest of the network works).
    pub fn cut_link(&mut self, a: NodeIdx, b: NodeIdx) {
        self.network.cut_link(a, b);
        let at = self.now;
        let what = format!(
            "cut link {} ↔ {}",
            self.nodes[a].addr.port, self.nodes[b].addr.port
        );
        self.trace.push(TraceEvent::Action { at, what });
    }

    /// Adds `extra_ms` of delay to the link between two nodes, both ways
    /// (0 makes it normal again).
    pub fn slow_link(&mut self, a: NodeIdx, b: NodeIdx, extra_ms: u64) {
        self.network.slow_link(a, b, extra_ms);
        let at = self.now;
        let what = format!(
            "link {} ↔ {}: +{extra_ms} ms",
            self.nodes[a].addr.port, self.nodes[b].addr.port
        );
        self.trace.push(TraceEvent::Action { at, what });
    }

    /// Makes the link between two nodes normal again.
    pub fn restore_link(&mut self, a: NodeIdx, b: NodeIdx) {
        self.network.restore_link(a, b);
        let at = self.now;
        let what = format!(
            "restore link {} ↔ {}",
            self.nodes[a].addr.port, self.nodes[b].addr.port
        );
        self.trace.push(TraceEvent::Action { at, what });
    }

    /// SIGSTOP for `ms`: the node handles nothing until then.
    pub fn pause(&mut self, n: NodeIdx, ms: u64) {
        let until = self.now + ms;
        self.nodes[n].bus.paused_until = Some(until);
        let at = self.now;
        self.trace.push(TraceEvent::Action {
            at,
            what: format!("pause {} for {ms} ms", self.nodes[n].addr),
        });
    }
}
