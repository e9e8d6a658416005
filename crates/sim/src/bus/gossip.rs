//! `clusterProcessGossipSection`: what a node does with the gossip entries
//! of a PING, PONG or MEET — failure reports from masters, fresher pong
//! times, and nodes it did not know (added with the gossiped flags only).

use crate::node::{Io, Node, PeerView, Role};

use super::msg::touch;
use super::*;

impl Node {
    /// `clusterProcessGossipSection`.
    pub(crate) fn process_gossip(&mut self, io: &mut dyn Io, msg: &Msg) {
        let s = msg.sender;
        let now = io.now();
        touch(&self.view, msg.gossip.iter().map(|g| g.node));
        let sender_is_master = self.view[s].role == Role::Master;
        for g in &msg.gossip {
            let n = g.node;
            if !self.view[n].known {
                // `clusterProcessGossipSection`: a node a known sender
                // describes is added under its real ID with the gossiped
                // flags (unless blacklisted: forgotten less than a minute
                // ago). The entry carries flags, not the node's master, nor
                // its epoch: a replica's master stays unknown until the node
                // itself tells us (its first PING or PONG), and cron then
                // connects to it and pings it.
                let forgotten = self.bus.forgotten_until.get(n).is_some_and(|t| now < t);
                if n != self.me && !g.fail && !forgotten {
                    let role = if g.master {
                        Role::Master
                    } else {
                        Role::ReplicaOfUnknown
                    };
                    self.view[n] = PeerView::new(true, role, 0, now);
                    self.refresh_known();
                    if g.pfail {
                        self.set_flags(io, n, true, false);
                    }
                }
                continue;
            }
            if sender_is_master && n != self.me {
                if g.pfail || g.fail {
                    let reports = &mut self.bus.fail_reports;
                    match reports.iter_mut().find(|r| r.0 == n && r.1 == s) {
                        Some(report) => report.2 = now,
                        None => reports.push((n, s, now)),
                    }
                    self.mark_failing_if_needed(io, n);
                } else {
                    let reports = &mut self.bus.fail_reports;
                    reports.retain(|r| r.0 != n || r.1 != s);
                }
            }
            let reported = self.bus.has_failure_reports(n);
            let p = &mut self.view[n];
            if !g.pfail
                && !g.fail
                && p.ping_sent == 0
                && !reported
                && g.pong_received > p.pong_received
                && g.pong_received <= now as i64 + 500
            {
                p.pong_received = g.pong_received;
            }
        }
    }
}
