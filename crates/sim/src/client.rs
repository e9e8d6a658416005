//! Clients of the simulated cluster.
//!
//! `RedisCli` behaves like a `redis-cli` session: one connection per node it
//! has talked to, kept open (so READONLY, MULTI and ASKING carry over), and
//! with `-c` it follows MOVED and ASK the way redis-cli 7.0 does: it prints
//! `-> Redirected to slot [S] located at IP:PORT`, opens a fresh connection
//! to that node (sending ASKING first for an ASK), resends the command, and
//! stays on that node for the next commands. Every request and reply is
//! recorded as a `Hop`, so the UI can animate the path a command took.

use std::collections::HashMap;

use crate::cluster::{Cluster, ConnId, NodeIdx};
use crate::render::render_for;
use crate::reply::Reply;
use crate::slot::Slot;

/// redis-cli -c gives up after this many redirects of one command.
pub const MAX_REDIRECTS: usize = 16;

/// One request and its reply, as seen on the wire.
#[derive(Clone, Debug, PartialEq)]
pub struct Hop {
    pub node: NodeIdx,
    pub argv: Vec<Vec<u8>>,
    pub reply: Reply,
}

/// What a command sent through a client produced.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Every request sent, in order (ASKING included).
    pub hops: Vec<Hop>,
    /// What redis-cli prints, one string per line.
    pub printed: Vec<String>,
}

/// A MOVED or ASK error, parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Redirect {
    pub slot: Slot,
    pub port: u16,
    pub ask: bool,
}

impl Redirect {
    pub fn of(reply: &Reply) -> Option<Redirect> {
        let Reply::Error(text) = reply else {
            return None;
        };
        let mut words = text.split(' ');
        let ask = match words.next()? {
            "MOVED" => false,
            "ASK" => true,
            _ => return None,
        };
        let slot = words.next()?.parse().ok()?;
        let port = words.next()?.rsplit(':').next()?.parse().ok()?;
        Some(Redirect { slot, port, ask })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisCli {
    conns: HashMap<NodeIdx, ConnId>,
    /// The node the prompt shows, where the next command goes.
    pub current: NodeIdx,
    /// `-c`: follow MOVED and ASK.
    pub follow: bool,
}

impl RedisCli {
    pub fn new(node: NodeIdx, follow: bool) -> RedisCli {
        RedisCli {
            conns: HashMap::new(),
            current: node,
            follow,
        }
    }

    /// The connection to `node`, opened on first use.
    pub fn conn(&mut self, cluster: &mut Cluster, node: NodeIdx) -> ConnId {
        *self
            .conns
            .entry(node)
            .or_insert_with(|| cluster.connect(node))
    }

    /// Drops the connection to `node`; the next command opens a fresh one.
    pub fn reconnect(&mut self, node: NodeIdx) {
        self.conns.remove(&node);
    }

    /// The prompt redis-cli shows: `127.0.0.1:7000>` or `127.0.0.1:7000(TX)>`.
    pub fn prompt(&self, cluster: &Cluster) -> String {
        let in_multi = self
            .conns
            .get(&self.current)
            .is_some_and(|&c| cluster.conns[c].multi.is_some());
        let tx = if in_multi { "(TX)" } else { "" };
        format!("{}{tx}>", cluster.nodes[self.current].addr)
    }

    /// Sends `argv` to the current node, following redirects with `-c`.
    pub fn send(&mut self, cluster: &mut Cluster, argv: &[Vec<u8>]) -> Outcome {
        let mut outcome = Outcome {
            hops: Vec::new(),
            printed: Vec::new(),
        };
        let mut asking = false;
        for _ in 0..=MAX_REDIRECTS {
            let node = self.current;
            let conn = self.conn(cluster, node);
            if asking {
                let asking_argv = vec![b"ASKING".to_vec()];
                let reply = cluster.execute(conn, &asking_argv);
                outcome.hops.push(Hop {
                    node,
                    argv: asking_argv,
                    reply,
                });
            }
            let reply = cluster.execute(conn, argv);
            outcome.hops.push(Hop {
                node,
                argv: argv.to_vec(),
                reply: reply.clone(),
            });
            let redirect = Redirect::of(&reply).filter(|_| self.follow);
            if let Some(r) = redirect {
                if let Some(target) = cluster.node_by_port(r.port) {
                    outcome.printed.push(format!(
                        "-> Redirected to slot [{}] located at {}",
                        r.slot, cluster.nodes[target].addr
                    ));
                    // redis-cli reconnects: the new connection starts clean.
                    let fresh = cluster.connect(target);
                    self.conns.insert(target, fresh);
                    self.current = target;
                    asking = r.ask;
                    continue;
                }
            }
            let proto = cluster.conns[conn].proto;
            outcome.printed.push(render_for(argv, &reply, proto));
            return outcome;
        }
        outcome.printed.push(format!(
            "(error) Too many redirects (more than {MAX_REDIRECTS})"
        ));
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<Vec<u8>> {
        s.split(' ').map(|a| a.as_bytes().to_vec()).collect()
    }

    #[test]
    fn raw_client_shows_moved() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        let mut cli = RedisCli::new(0, false);
        let out = cli.send(&mut c, &argv("SET foo bar"));
        assert_eq!(out.printed, ["(error) MOVED 12182 127.0.0.1:7002"]);
        assert_eq!(out.hops.len(), 1);
        assert_eq!(cli.prompt(&c), "127.0.0.1:7000>");
    }

    #[test]
    fn follow_mode_prints_the_redirect_and_moves_the_prompt() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        let mut cli = RedisCli::new(0, true);
        let out = cli.send(&mut c, &argv("SET foo bar"));
        assert_eq!(
            out.printed,
            [
                "-> Redirected to slot [12182] located at 127.0.0.1:7002",
                "OK"
            ]
        );
        assert_eq!(out.hops.iter().map(|h| h.node).collect::<Vec<_>>(), [0, 2]);
        assert_eq!(cli.prompt(&c), "127.0.0.1:7002>");
        cli.send(&mut c, &argv("MULTI"));
        assert_eq!(cli.prompt(&c), "127.0.0.1:7002(TX)>");
    }
}
