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
    /// The connections this client holds.
    pub fn connections(&self) -> Vec<ConnId> {
        self.conns.iter().map(|(_, (c, _))| c).collect()
    }

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
    /// Every node CLUSTER SLOTS named (masters and replicas), for commands
    /// sent to all nodes.
    pub known: Vec<NodeIdx>,
    /// An open transaction, pinned to the node of its first key's slot.
    pub transaction: Option<Transaction>,
    /// Where the last command went (WAIT follows the last write).
    pub last_node: Option<NodeIdx>,
}

/// A transaction as a cluster client library holds it (go-redis' TxPipeline,
/// ioredis' multi): it runs on one node, the one of its first key's slot;
/// a command for another slot is refused before anything is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transaction {
    /// The node and slot it is pinned to, once a command chose them.
    pub pinned: Option<(NodeIdx, Option<crate::slot::Slot>)>,
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
            known: Vec::new(),
            transaction: None,
            last_node: None,
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
            self.known.clear();
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
                for entry in &parts[2..] {
                    let Reply::Array(fields) = entry else {
                        continue;
                    };
                    let node = match fields.get(1) {
                        Some(Reply::Integer(port)) => u16::try_from(*port)
                            .ok()
                            .and_then(|p| cluster.node_by_port(p)),
                        _ => None,
                    };
                    if let Some(n) = node.filter(|n| !self.known.contains(n)) {
                        self.known.push(n);
                    }
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

    /// Sends `argv` as a cluster client library does: transactions pinned
    /// to one slot's node; keyless commands the COMMAND tips send to every
    /// shard or node (`request_policy:all_shards` / `all_nodes`) fanned out
    /// and their replies combined (`response_policy`); multi-key commands
    /// split by slot (`multi_shard`); everything else to its slot's owner.
    pub fn send(&mut self, cluster: &mut Cluster, argv: &[Vec<u8>]) -> Outcome {
        let Some(first) = argv.first() else {
            return self.send_routed(cluster, argv, None);
        };
        let name = String::from_utf8_lossy(first).to_ascii_lowercase();
        if self.transaction.is_some() || name == "multi" {
            return self.send_in_transaction(cluster, &name, argv);
        }
        let spec = match crate::command::table::lookup(argv) {
            crate::command::table::Lookup::Found(spec) => spec,
            _ => return self.send_routed(cluster, argv, None),
        };
        let keys = crate::command::table::key_positions(spec, argv);
        if name == "wait" {
            let node = self.last_node.unwrap_or(self.seed);
            return self.send_routed(cluster, argv, Some(node));
        }
        if keys.is_empty() {
            let targets: Vec<NodeIdx> = match spec.tip("request_policy") {
                Some("all_shards") => self.masters(),
                Some("all_nodes") => {
                    let mut all = self.known.clone();
                    crate::order::sort_by(&mut all, Ord::cmp);
                    all
                }
                _ => Vec::new(),
            };
            if targets.len() > 1 {
                return self.fan_out(cluster, argv, spec, &targets);
            }
        } else if spec.tip("request_policy") == Some("multi_shard") {
            let slots: Vec<crate::slot::Slot> = keys
                .iter()
                .map(|&i| crate::slot::key_hash_slot(&argv[i]))
                .collect();
            if slots.iter().any(|s| *s != slots[0]) {
                return self.split_by_slot(cluster, argv, spec, &keys);
            }
        }
        self.send_routed(cluster, argv, None)
    }

    /// The connections this client holds.
    pub fn connections(&self) -> Vec<ConnId> {
        self.conns.iter().map(|(_, c)| c).collect()
    }

    /// Its connections were closed: the next command to a node opens one.
    pub fn forget_connections(&mut self) {
        self.conns = ListMap::default();
    }

    /// The masters of the client's map, in node order.
    fn masters(&self) -> Vec<NodeIdx> {
        let mut masters: Vec<NodeIdx> = self.slots.iter().flatten().copied().collect();
        crate::order::sort_by(&mut masters, Ord::cmp);
        masters.dedup();
        masters
    }

    /// The outcome of a command that took several requests: the combined
    /// reply, printed as the connection's protocol shows it.
    fn finish(
        &self,
        argv: &[Vec<u8>],
        reply: &Reply,
        hops: Vec<Hop>,
        cluster: &Cluster,
    ) -> Outcome {
        let proto = hops
            .last()
            .and_then(|h| self.conns.get(h.node))
            .map_or(crate::reply::Protocol::Resp2, |c| cluster.conns[c].proto);
        Outcome {
            printed: vec![render_for(argv, reply, proto)],
            hops,
        }
    }

    /// Combines the replies of a fanned-out command (`response_policy`).
    fn combine(policy: Option<&str>, replies: Vec<Reply>) -> Reply {
        if let Some(e) = replies.iter().find(|r| r.is_error()) {
            if policy != Some("one_succeeded") {
                return e.clone();
            }
        }
        let ints = || {
            replies.iter().filter_map(|r| match r {
                Reply::Integer(n) => Some(*n),
                _ => None,
            })
        };
        match policy {
            Some("agg_sum") => Reply::Integer(ints().sum()),
            Some("agg_min") => Reply::Integer(ints().min().unwrap_or(0)),
            Some("agg_logical_and") => {
                // Arrays of 0/1, element by element (SCRIPT EXISTS).
                let mut out: Vec<Reply> = Vec::new();
                for r in &replies {
                    if let Reply::Array(items) = r {
                        if out.is_empty() {
                            out = items.clone();
                        } else {
                            for (o, i) in out.iter_mut().zip(items) {
                                if *i == Reply::Integer(0) {
                                    *o = Reply::Integer(0);
                                }
                            }
                        }
                    }
                }
                Reply::Array(out)
            }
            Some("one_succeeded") => replies
                .iter()
                .find(|r| !r.is_error())
                .or(replies.first())
                .cloned()
                .unwrap_or(Reply::Nil),
            Some("all_succeeded") | Some("special") => {
                replies.into_iter().next().unwrap_or(Reply::Nil)
            }
            // No policy: arrays are concatenated (KEYS), otherwise the first
            // reply that holds something (RANDOMKEY).
            _ => {
                if replies.iter().all(|r| matches!(r, Reply::Array(_))) {
                    Reply::Array(
                        replies
                            .into_iter()
                            .flat_map(|r| match r {
                                Reply::Array(items) => items,
                                _ => Vec::new(),
                            })
                            .collect(),
                    )
                } else {
                    replies
                        .iter()
                        .find(|r| **r != Reply::Nil)
                        .cloned()
                        .unwrap_or(Reply::Nil)
                }
            }
        }
    }

    fn fan_out(
        &mut self,
        cluster: &mut Cluster,
        argv: &[Vec<u8>],
        spec: &crate::command::table::CommandSpec,
        targets: &[NodeIdx],
    ) -> Outcome {
        let mut hops = Vec::new();
        let mut replies = Vec::new();
        for &node in targets {
            let conn = self.conn(cluster, node);
            let hop = Hop::send(cluster, conn, node, argv.to_vec());
            replies.push(hop.reply.clone());
            hops.push(hop);
        }
        let reply = Self::combine(spec.tip("response_policy"), replies);
        self.finish(argv, &reply, hops, cluster)
    }

    /// A multi-key command whose keys span slots, sent as one command per
    /// slot (each key with the arguments that follow it: MSET's values).
    fn split_by_slot(
        &mut self,
        cluster: &mut Cluster,
        argv: &[Vec<u8>],
        spec: &crate::command::table::CommandSpec,
        keys: &[usize],
    ) -> Outcome {
        let unit = if keys.len() > 1 { keys[1] - keys[0] } else { 1 };
        let mut groups: Vec<(crate::slot::Slot, Vec<usize>)> = Vec::new();
        for &k in keys {
            let slot = crate::slot::key_hash_slot(&argv[k]);
            match groups.iter_mut().find(|(s, _)| *s == slot) {
                Some((_, ks)) => ks.push(k),
                None => groups.push((slot, vec![k])),
            }
        }
        let mut hops = Vec::new();
        let mut replies = Vec::new();
        let mut by_key: Vec<(usize, Reply)> = Vec::new();
        for (_, ks) in &groups {
            let mut sub = vec![argv[0].clone()];
            for &k in ks {
                sub.extend(argv[k..(k + unit).min(argv.len())].iter().cloned());
            }
            let out = self.send_routed(cluster, &sub, None);
            let reply = out.hops.last().map_or(Reply::Nil, |h| h.reply.clone());
            hops.extend(out.hops);
            if let Reply::Array(items) = &reply {
                by_key.extend(ks.iter().copied().zip(items.iter().cloned()));
            }
            replies.push(reply);
        }
        let reply = match spec.tip("response_policy") {
            // MGET: the values put back in the order the keys were asked.
            None if replies.iter().all(|r| matches!(r, Reply::Array(_))) => {
                crate::order::sort_by_key(&mut by_key, |(k, _)| *k);
                Reply::Array(by_key.into_iter().map(|(_, r)| r).collect())
            }
            policy => Self::combine(policy, replies),
        };
        self.finish(argv, &reply, hops, cluster)
    }

    /// MULTI ... EXEC: pinned to the node of the first command's slot.
    fn send_in_transaction(
        &mut self,
        cluster: &mut Cluster,
        name: &str,
        argv: &[Vec<u8>],
    ) -> Outcome {
        let local = |text: &str| Outcome {
            printed: vec![text.to_string()],
            hops: Vec::new(),
        };
        let Some(tx) = self.transaction.clone() else {
            // MULTI: the library starts its queue; nothing is sent yet.
            self.transaction = Some(Transaction { pinned: None });
            return local("OK");
        };
        if name == "multi" {
            return local("(error) ERR MULTI calls can not be nested");
        }
        let slot = match crate::command::table::lookup(argv) {
            crate::command::table::Lookup::Found(spec) => {
                crate::command::table::key_positions(spec, argv)
                    .first()
                    .map(|&i| crate::slot::key_hash_slot(&argv[i]))
            }
            _ => None,
        };
        let ends = name == "exec" || name == "discard";
        let (node, pinned_slot, mut hops) = match tx.pinned {
            Some((node, pinned_slot)) => (node, pinned_slot, Vec::new()),
            None if name == "discard" => {
                self.transaction = None;
                return local("OK");
            }
            None => {
                // The first command chooses the node: open the transaction there.
                let node = slot
                    .and_then(|s| self.slots[usize::from(s)])
                    .unwrap_or(self.seed);
                let conn = self.conn(cluster, node);
                let hop = Hop::send(cluster, conn, node, vec![b"MULTI".to_vec()]);
                (node, slot, vec![hop])
            }
        };
        if let (Some(s), Some(p)) = (slot, pinned_slot) {
            if s != p && !ends {
                return local(&format!(
                    "(error) Refused by the cluster client, not sent: this key is in slot {s}, but the transaction runs on {} for slot {p}. A transaction runs on one node: give its keys one hash tag ({{...}}) to keep them in one slot.",
                    cluster.nodes[node].addr
                ));
            }
        }
        self.transaction = if ends {
            None
        } else {
            Some(Transaction {
                pinned: Some((node, pinned_slot.or(slot))),
            })
        };
        let conn = self.conn(cluster, node);
        let hop = Hop::send(cluster, conn, node, argv.to_vec());
        let reply = hop.reply.clone();
        hops.push(hop);
        self.last_node = Some(node);
        let proto = cluster.conns[conn].proto;
        Outcome {
            printed: vec![render_for(argv, &reply, proto)],
            hops,
        }
    }

    /// Sends `argv` to its slot's owner (or `to`), handling MOVED, ASK and
    /// TRYAGAIN as a smart client does.
    fn send_routed(
        &mut self,
        cluster: &mut Cluster,
        argv: &[Vec<u8>],
        to: Option<NodeIdx>,
    ) -> Outcome {
        let mut hops = Vec::new();
        let mut node = to.unwrap_or_else(|| self.target(argv));
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
            self.last_node = Some(node);
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
    fn transactions_stay_on_the_node_of_their_first_slot() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        let (mut sc, _) = SmartClient::connect(&mut c, 0);
        // foo is slot 12182 (7002), bar 5061 (7000).
        assert_eq!(sc.send(&mut c, &argv("MULTI")).printed, ["OK"]);
        let out = sc.send(&mut c, &argv("SET foo 1"));
        assert_eq!(out.printed, ["QUEUED"]);
        assert_eq!(out.hops.iter().map(|h| h.node).collect::<Vec<_>>(), [2, 2]);
        let out = sc.send(&mut c, &argv("SET bar 2"));
        assert!(
            out.printed[0].starts_with("(error) Refused by the cluster client"),
            "{:?}",
            out.printed
        );
        assert!(out.hops.is_empty(), "refused before anything is sent");
        let out = sc.send(&mut c, &argv("EXEC"));
        assert_eq!(out.printed, ["1) OK"]);
        // With one hash tag, every command runs in the transaction.
        sc.send(&mut c, &argv("MULTI"));
        sc.send(&mut c, &argv("SET {u}a 1"));
        sc.send(&mut c, &argv("SET {u}b 2"));
        assert_eq!(sc.send(&mut c, &argv("EXEC")).printed, ["1) OK\n2) OK"]);
        // Nothing queued: an empty transaction on the seed.
        sc.send(&mut c, &argv("MULTI"));
        assert_eq!(sc.send(&mut c, &argv("EXEC")).printed, ["(empty array)"]);
    }

    #[test]
    fn keyless_and_multi_key_commands_follow_the_command_tips() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        let (mut sc, _) = SmartClient::connect(&mut c, 0);
        sc.send(&mut c, &argv("SET foo 1"));
        sc.send(&mut c, &argv("SET bar 2"));
        sc.send(&mut c, &argv("SET baz 3"));
        // DBSIZE: every master, summed (request_policy:all_shards, agg_sum).
        let out = sc.send(&mut c, &argv("DBSIZE"));
        assert_eq!(out.printed, ["(integer) 3"]);
        assert_eq!(out.hops.len(), 3);
        // MGET across slots: one request per slot, values in the asked order.
        let out = sc.send(&mut c, &argv("MGET foo bar nosuch baz"));
        assert_eq!(out.printed, ["1) \"1\"\n2) \"2\"\n3) (nil)\n4) \"3\""]);
        // DEL across slots: summed.
        assert_eq!(
            sc.send(&mut c, &argv("DEL foo bar nosuch")).printed,
            ["(integer) 2"]
        );
        // FLUSHALL on every master, CONFIG SET on every node.
        assert_eq!(sc.send(&mut c, &argv("FLUSHALL")).printed, ["OK"]);
        assert_eq!(sc.send(&mut c, &argv("DBSIZE")).printed, ["(integer) 0"]);
        let out = sc.send(&mut c, &argv("CONFIG SET cluster-node-timeout 5000"));
        assert_eq!(out.printed, ["OK"]);
        assert_eq!(out.hops.len(), 6);
        assert!(c.nodes.iter().all(|n| n.config.node_timeout == 5000));
    }

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
