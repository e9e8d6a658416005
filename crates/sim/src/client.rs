//! Clients of the simulated cluster.
//!
//! `RedisCli` behaves like a `redis-cli` session: one connection per node it
//! has talked to, kept open (so READONLY, MULTI and ASKING carry over), and
//! with `-c` it follows MOVED and ASK the way redis-cli 7.0 does: it prints
//! `-> Redirected to slot [S] located at IP:PORT`, opens a fresh connection
//! to that node (sending ASKING first for an ASK), resends the command, and
//! stays on that node for the next commands. Every request and reply is
//! recorded as a `Hop`, so the UI can animate the path a command took.

use crate::list_map::ListMap;

use crate::cluster::{Cluster, ConnId, NodeIdx};
use crate::render::render_for;
use crate::reply::Reply;
use crate::routing::HopOutcome;

/// redis-cli -c gives up after this many redirects of one command.
pub const MAX_REDIRECTS: usize = 16;

/// One request and its reply, as seen on the wire.
#[derive(Clone, Debug, PartialEq)]
pub struct Hop {
    pub node: NodeIdx,
    pub argv: Vec<Vec<u8>>,
    pub reply: Reply,
    /// What became of the request, as the core classified it.
    pub outcome: HopOutcome,
}

impl Hop {
    /// Sends `argv` on `conn` (to `node`) and records the hop.
    fn send(cluster: &mut Cluster, conn: ConnId, node: NodeIdx, argv: Vec<Vec<u8>>) -> Hop {
        let (reply, outcome) = cluster.execute_hop(conn, &argv);
        Hop {
            node,
            argv,
            reply,
            outcome,
        }
    }
}

/// What a command sent through a client produced.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Every request sent, in order (ASKING included).
    pub hops: Vec<Hop>,
    /// What redis-cli prints, one string per line.
    pub printed: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisCli {
    /// Open connections: node → (connection, which run of the node's
    /// process it was opened to).
    conns: ListMap<NodeIdx, (ConnId, u32)>,
    /// The node the prompt shows, where the next command goes.
    pub current: NodeIdx,
    /// `-c`: follow MOVED and ASK.
    pub follow: bool,
}

impl RedisCli {
    pub fn new(node: NodeIdx, follow: bool) -> RedisCli {
        RedisCli {
            conns: ListMap::default(),
            current: node,
            follow,
        }
    }

    /// The connection to `node`, opened on first use.
    /// A node restarted since holds none of the old connection's state
    /// (redis-cli reconnects): a fresh connection is opened then too.
    pub fn conn(&mut self, cluster: &mut Cluster, node: NodeIdx) -> ConnId {
        let run = cluster.nodes[node].runs;
        match self.conns.get(node) {
            Some((conn, r)) if r == run => conn,
            _ => {
                let conn = cluster.connect(node);
                self.conns.insert(node, (conn, run));
                conn
            }
        }
    }

    /// Drops the connection to `node`; the next command opens a fresh one.
    pub fn reconnect(&mut self, node: NodeIdx) {
        self.conns.remove(node);
    }

    /// The prompt redis-cli shows: `127.0.0.1:7000>` or `127.0.0.1:7000(TX)>`.
    pub fn prompt(&self, cluster: &Cluster) -> String {
        let in_multi = self
            .conns
            .get(self.current)
            .is_some_and(|(c, _)| cluster.conns[c].multi.is_some());
        if !cluster.nodes[self.current].alive {
            return "not connected>".into();
        }
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
            if !cluster.nodes[node].alive {
                // What redis-cli prints when the server is gone (no "(error)").
                self.conns.remove(node);
                outcome.printed.push(format!(
                    "Could not connect to Redis at {}: Connection refused",
                    cluster.nodes[node].addr
                ));
                return outcome;
            }
            let conn = self.conn(cluster, node);
            if asking {
                let hop = Hop::send(cluster, conn, node, vec![b"ASKING".to_vec()]);
                outcome.hops.push(hop);
            }
            let hop = Hop::send(cluster, conn, node, argv.to_vec());
            let (reply, redirect) = (hop.reply.clone(), hop.outcome.redirect());
            outcome.hops.push(hop);
            if let Some((slot, target, ask)) = redirect.filter(|_| self.follow) {
                outcome.printed.push(format!(
                    "-> Redirected to slot [{slot}] located at {}",
                    cluster.nodes[target].addr
                ));
                // redis-cli reconnects: the new connection starts clean.
                let fresh = cluster.connect(target);
                let run = cluster.nodes[target].runs;
                self.conns.insert(target, (fresh, run));
                self.current = target;
                asking = ask;
                continue;
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

    pub(super) fn argv(s: &str) -> Vec<Vec<u8>> {
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
    fn every_hop_is_in_the_trace() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        let mut cli = RedisCli::new(0, true);
        cli.send(&mut c, &argv("SET foo bar"));
        let hops: Vec<(NodeIdx, Reply)> = c
            .trace
            .events
            .iter()
            .filter_map(|e| match e {
                crate::trace::TraceEvent::Command {
                    node, argv, reply, ..
                } => {
                    assert_eq!(argv[0], b"SET");
                    Some((*node, reply.clone()))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            hops,
            [
                (0, Reply::Error("MOVED 12182 127.0.0.1:7002".into())),
                (2, Reply::ok())
            ]
        );
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

/// A cluster-aware client library, like redis-py's `RedisCluster` or Jedis's
/// `JedisCluster`: it loads the slot map with CLUSTER SLOTS, sends each
/// command straight to the owner of its slot, and handles redirects itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmartClient {
    /// The client's own slot map: slot → node, as last learned.
    pub slots: Vec<Option<NodeIdx>>,
    conns: ListMap<NodeIdx, ConnId>,
    /// Where keyless commands go, and where the map is loaded from first.
    pub seed: NodeIdx,
    /// Redirects (MOVED, ASK, TRYAGAIN) tolerated per command before giving
    /// up; redis-py and Jedis both default to 5 attempts.
    pub max_redirects: usize,
    /// Simulated ms to wait before retrying after TRYAGAIN, doubled each time.
    pub tryagain_backoff_ms: u64,
    /// How many times the whole slot map was reloaded.
    pub refreshes: u64,
}

impl SmartClient {
    /// Connects to `seed` and loads the slot map from it.
    pub fn connect(cluster: &mut Cluster, seed: NodeIdx) -> (SmartClient, Vec<Hop>) {
        let mut client = SmartClient {
            slots: vec![None; usize::from(crate::slot::SLOT_COUNT)],
            conns: ListMap::default(),
            seed,
            max_redirects: 5,
            tryagain_backoff_ms: 25,
            refreshes: 0,
        };
        let hop = client.refresh(cluster, seed);
        (client, vec![hop])
    }

    fn conn(&mut self, cluster: &mut Cluster, node: NodeIdx) -> ConnId {
        match self.conns.get(node) {
            Some(conn) => conn,
            None => {
                let conn = cluster.connect(node);
                self.conns.insert(node, conn);
                conn
            }
        }
    }

    /// Reloads the whole slot map with CLUSTER SLOTS sent to `from`.
    fn refresh(&mut self, cluster: &mut Cluster, from: NodeIdx) -> Hop {
        let argv = vec![b"CLUSTER".to_vec(), b"SLOTS".to_vec()];
        let conn = self.conn(cluster, from);
        let hop = Hop::send(cluster, conn, from, argv);
        if let Reply::Array(ranges) = &hop.reply {
            self.slots.iter_mut().for_each(|s| *s = None);
            for range in ranges {
                let Reply::Array(parts) = range else { continue };
                let (Some(Reply::Integer(a)), Some(Reply::Integer(b)), Some(Reply::Array(master))) =
                    (parts.first(), parts.get(1), parts.get(2))
                else {
                    continue;
                };
                let owner = match master.get(1) {
                    Some(Reply::Integer(port)) => u16::try_from(*port)
                        .ok()
                        .and_then(|p| cluster.node_by_port(p)),
                    _ => None,
                };
                for s in (*a).max(0)..=(*b).min(16383) {
                    self.slots[s as usize] = owner;
                }
            }
            self.refreshes += 1;
        }
        hop
    }

    /// The node the client's map says should serve `argv`.
    pub fn target(&self, argv: &[Vec<u8>]) -> NodeIdx {
        let key = crate::command::table::lookup(argv);
        let slot = match key {
            crate::command::table::Lookup::Found(spec) => {
                crate::command::table::key_positions(spec, argv)
                    .first()
                    .map(|&i| crate::slot::key_hash_slot(&argv[i]))
            }
            _ => None,
        };
        slot.and_then(|s| self.slots[usize::from(s)])
            .unwrap_or(self.seed)
    }

    /// Sends `argv`, handling MOVED, ASK and TRYAGAIN as a smart client does.
    pub fn send(&mut self, cluster: &mut Cluster, argv: &[Vec<u8>]) -> Outcome {
        let mut hops = Vec::new();
        let mut node = self.target(argv);
        let mut asking = false;
        let mut backoff = self.tryagain_backoff_ms;
        let mut last = Reply::Nil;
        for _ in 0..=self.max_redirects {
            let conn = self.conn(cluster, node);
            if asking {
                hops.push(Hop::send(cluster, conn, node, vec![b"ASKING".to_vec()]));
                asking = false;
            }
            let hop = Hop::send(cluster, conn, node, argv.to_vec());
            let (reply, outcome) = (hop.reply.clone(), hop.outcome);
            hops.push(hop);
            if let Some((slot, to, ask)) = outcome.redirect() {
                if ask {
                    // ASK is about one key, for one command: the map stays.
                    asking = true;
                } else {
                    // MOVED: the map is stale. Fix this slot at once and
                    // reload the map from the node that knew better.
                    self.slots[usize::from(slot)] = Some(to);
                    hops.push(self.refresh(cluster, to));
                }
                node = to;
                last = reply;
                continue;
            }
            if outcome == HopOutcome::TryAgain {
                cluster.advance(backoff);
                backoff *= 2;
                last = reply;
                continue;
            }
            let proto = cluster.conns[conn].proto;
            return Outcome {
                printed: vec![render_for(argv, &reply, proto)],
                hops,
            };
        }
        let why = match &last {
            Reply::Error(e) => e.clone(),
            _ => "no answer".to_string(),
        };
        Outcome {
            printed: vec![format!(
                "(error) The smart client gave up after {} redirects (last: {why})",
                self.max_redirects
            )],
            hops,
        }
    }
}

#[cfg(test)]
mod smart_tests {
    use super::tests::argv;
    use super::*;

    #[test]
    fn one_hop_when_the_map_is_right() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        let (mut sc, hops) = SmartClient::connect(&mut c, 0);
        assert_eq!(hops.len(), 1);
        let out = sc.send(&mut c, &argv("SET foo bar"));
        assert_eq!(out.printed, ["OK"]);
        assert_eq!(out.hops.len(), 1);
        assert_eq!(out.hops[0].node, 2);
    }

    #[test]
    fn moved_refreshes_the_map_and_ask_does_not() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        let (mut sc, _) = SmartClient::connect(&mut c, 0);
        // Move slot 12182 (foo) from 7002 to 7001 behind the client's back.
        let id1 = c.nodes[1].id.clone();
        let id2 = c.nodes[2].id.clone();
        let mut admin = RedisCli::new(1, false);
        admin.send(
            &mut c,
            &argv(&format!("CLUSTER SETSLOT 12182 IMPORTING {id2}")),
        );
        admin.current = 2;
        admin.send(
            &mut c,
            &argv(&format!("CLUSTER SETSLOT 12182 MIGRATING {id1}")),
        );
        // A missing key on the migrating source: ASK, then ASKING + retry on 7001.
        let out = sc.send(&mut c, &argv("SET foo bar"));
        assert_eq!(out.printed, ["OK"]);
        let nodes: Vec<NodeIdx> = out.hops.iter().map(|h| h.node).collect();
        assert_eq!(nodes, [2, 1, 1]);
        assert_eq!(out.hops[1].argv, [b"ASKING".to_vec()]);
        assert_eq!(sc.slots[12182], Some(2), "ASK leaves the map alone");
        // Close the migration: now 7002 answers MOVED and the map is refreshed.
        admin.current = 1;
        admin.send(&mut c, &argv(&format!("CLUSTER SETSLOT 12182 NODE {id1}")));
        admin.current = 2;
        admin.send(&mut c, &argv(&format!("CLUSTER SETSLOT 12182 NODE {id1}")));
        let refreshes = sc.refreshes;
        let out = sc.send(&mut c, &argv("GET foo"));
        assert_eq!(out.printed, ["\"bar\""]);
        assert_eq!(sc.refreshes, refreshes + 1);
        assert_eq!(sc.slots[12182], Some(1));
        let out = sc.send(&mut c, &argv("GET foo"));
        assert_eq!(out.hops.len(), 1, "one hop once the map is right");
    }

    #[test]
    fn tryagain_backs_off_then_gives_up_clearly() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        let (mut sc, _) = SmartClient::connect(&mut c, 0);
        sc.send(&mut c, &argv("SET {foo}a 1"));
        let id1 = c.nodes[1].id.clone();
        let mut admin = RedisCli::new(2, false);
        admin.send(
            &mut c,
            &argv(&format!("CLUSTER SETSLOT 12182 MIGRATING {id1}")),
        );
        let before = c.now;
        let out = sc.send(&mut c, &argv("MGET {foo}a {foo}b"));
        assert!(
            out.printed[0]
                .starts_with("(error) The smart client gave up after 5 redirects (last: TRYAGAIN"),
            "{:?}",
            out.printed
        );
        assert!(c.now > before, "back-off lets simulated time pass");
    }
}
