//! Executing a command on a connection, in the order of Redis's
//! `processCommand()`: lookup, arity, cluster redirection, MULTI queueing,
//! execution, then replication of writes to the master's replicas.

pub mod cluster_cmd;
pub mod data;
pub mod migrate;
pub mod parse;
pub mod table;

use crate::cluster::{Cluster, ConnId, NodeIdx, Role};
use crate::reply::{Protocol, Reply};
use crate::routing::{route, ClientFlags, HopOutcome, Query};
use table::{key_positions, lookup, CommandSpec, Lookup};

/// Commands that run even inside MULTI instead of being queued.
const NOT_QUEUED: &[&str] = &["exec", "discard", "multi", "watch", "quit", "reset"];

/// `'a' 'b' ` as in the unknown-command error: each argument quoted and the
/// whole cut at 128 bytes (`processCommand()`).
fn args_beginning(argv: &[Vec<u8>]) -> String {
    let mut args = String::new();
    for a in &argv[1..] {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        // `%s` stops at a NUL byte; the reply cannot hold CR or LF.
        let text: Vec<u8> = a
            .iter()
            .take_while(|&&b| b != 0)
            .take(room)
            .copied()
            .collect();
        args.push('\'');
        args.push_str(&String::from_utf8_lossy(&text));
        args.push_str("' ");
    }
    args
}

/// `%.128s`, with CR and LF mapped to spaces as `addReplyErrorFormat` does.
fn clip(bytes: &[u8]) -> String {
    let text: Vec<u8> = bytes
        .iter()
        .take_while(|&&b| b != 0)
        .take(128)
        .copied()
        .collect();
    String::from_utf8_lossy(&text).replace(['\r', '\n'], " ")
}

/// The error for a command that cannot be looked up, if any.
pub fn lookup_error(argv: &[Vec<u8>]) -> Result<&'static CommandSpec, Reply> {
    match lookup(argv) {
        Lookup::Found(spec) => Ok(spec),
        Lookup::UnknownCommand => Err(Reply::Error(
            format!(
                "ERR unknown command '{}', with args beginning with: {}",
                clip(&argv[0]),
                args_beginning(argv)
            )
            .replace(['\r', '\n'], " "),
        )),
        Lookup::UnknownSubcommand(container) => Err(Reply::Error(format!(
            "ERR unknown subcommand '{}'. Try {} HELP.",
            clip(&argv[1]),
            container.name.to_ascii_uppercase()
        ))),
        Lookup::WrongArity(spec) => Err(Reply::Error(format!(
            "ERR wrong number of arguments for '{}' command",
            spec.name
        ))),
    }
}

impl Cluster {
    /// Sends one command on connection `conn` and returns the node's reply;
    /// the request and its reply go into the trace (a client hop).
    pub fn execute(&mut self, conn: ConnId, argv: &[Vec<u8>]) -> Reply {
        self.execute_hop(conn, argv).0
    }

    /// `execute`, with what became of the request (served, MOVED, ASK...).
    pub fn execute_hop(&mut self, conn: ConnId, argv: &[Vec<u8>]) -> (Reply, HopOutcome) {
        let sent = self.now;
        let node = self.conns[conn].node;
        let (reply, outcome) = self.execute_command(conn, argv);
        self.trace.push(crate::trace::TraceEvent::Command {
            at: sent,
            replied: self.now,
            conn,
            node,
            argv: argv.to_vec(),
            reply: reply.clone(),
            outcome,
        });
        (reply, outcome)
    }

    /// `execute` without the trace. An empty `argv` gets an error, as
    /// nothing was sent.
    fn execute_command(&mut self, conn: ConnId, argv: &[Vec<u8>]) -> (Reply, HopOutcome) {
        if argv.is_empty() {
            return (Reply::Error("ERR empty command".into()), HopOutcome::Error);
        }
        let me = self.conns[conn].node;
        if !self.nodes[me].alive {
            let refused = Reply::Error(format!(
                "ERR Could not connect to Redis at {}: Connection refused",
                self.nodes[me].addr
            ));
            return (refused, HopOutcome::NotConnected);
        }
        // A stopped process, or clients paused by a manual failover, hold
        // the command until they resume: simulated time passes meanwhile.
        while let Some(until) = self.nodes[me]
            .bus
            .paused_until
            .or(self.nodes[me].bus.manual_failover.clients_paused_until())
            .filter(|&t| t > self.now)
        {
            match self.next_event_time() {
                Some(t) if t <= until => {
                    self.step();
                }
                _ => self.advance_to(until),
            }
        }
        let (reply, outcome) = self.process(conn, argv);
        self.update_state(me);
        // ASKING is one-shot: cleared after any command but ASKING itself,
        // unless inside MULTI (then it lasts until EXEC).
        let is_asking = argv[0].eq_ignore_ascii_case(b"asking");
        let c = &mut self.conns[conn];
        if !is_asking && c.multi.is_none() {
            c.asking = false;
        }
        (reply, outcome)
    }

    fn process(&mut self, conn: ConnId, argv: &[Vec<u8>]) -> (Reply, HopOutcome) {
        let me = self.conns[conn].node;
        let spec = match lookup_error(argv) {
            Ok(spec) => spec,
            Err(e) => {
                self.flag_transaction(conn);
                return (e, HopOutcome::Error);
            }
        };

        // Cluster redirection: for commands with keys, and for EXEC, whose
        // queued commands are checked together.
        let is_exec = spec.name == "exec";
        let queued_keys: Vec<(Vec<Vec<u8>>, &'static CommandSpec)> = if is_exec {
            self.conns[conn]
                .multi
                .iter()
                .flatten()
                .filter_map(|q| lookup_error(q).ok().map(|s| (q.clone(), s)))
                .collect()
        } else {
            Vec::new()
        };
        let mut query = Query {
            is_migrate: spec.name == "migrate",
            sharded_pubsub: spec.name == "spublish",
            write: spec.write,
            ..Query::default()
        };
        if is_exec {
            for (q, s) in &queued_keys {
                query.write |= s.write;
                query
                    .keys
                    .extend(key_positions(s, q).into_iter().map(|i| q[i].as_slice()));
            }
        } else {
            query.keys = key_positions(spec, argv)
                .into_iter()
                .map(|i| argv[i].as_slice())
                .collect();
        }
        if !query.keys.is_empty() {
            let flags = ClientFlags {
                asking: self.conns[conn].asking,
                readonly: self.conns[conn].readonly,
            };
            let r = route(self, me, &query, flags);
            if let Some(error) = r.error(self) {
                if is_exec {
                    self.discard(conn);
                } else {
                    self.flag_transaction(conn);
                }
                return (error, HopOutcome::of_route(r));
            }
        }

        if self.conns[conn].multi.is_some() && !NOT_QUEUED.contains(&spec.name) {
            if let Some(q) = self.conns[conn].multi.as_mut() {
                q.push(argv.to_vec());
            }
            return (Reply::Status("QUEUED".into()), HopOutcome::Served);
        }
        let reply = self.call(conn, spec, argv);
        let outcome = HopOutcome::of_reply(&reply);
        (reply, outcome)
    }

    /// A refused command inside MULTI makes EXEC abort.
    fn flag_transaction(&mut self, conn: ConnId) {
        let c = &mut self.conns[conn];
        if c.multi.is_some() {
            c.multi_dirty = true;
        }
    }

    fn discard(&mut self, conn: ConnId) {
        let c = &mut self.conns[conn];
        c.multi = None;
        c.multi_dirty = false;
        c.watched.clear();
    }

    /// Runs a command that has passed every check (`call()` in Redis).
    pub(crate) fn call(
        &mut self,
        conn: ConnId,
        spec: &'static CommandSpec,
        argv: &[Vec<u8>],
    ) -> Reply {
        let me = self.conns[conn].node;
        let proto = self.conns[conn].proto;
        match spec.name {
            "ping" => match argv.len() {
                1 => Reply::Status("PONG".into()),
                2 => Reply::bulk(argv[1].clone()),
                _ => Reply::Error("ERR wrong number of arguments for 'ping' command".into()),
            },
            "echo" => Reply::bulk(argv[1].clone()),
            "asking" => {
                self.conns[conn].asking = true;
                Reply::ok()
            }
            "readonly" => {
                self.conns[conn].readonly = true;
                Reply::ok()
            }
            "readwrite" => {
                self.conns[conn].readonly = false;
                Reply::ok()
            }
            "select" => match crate::keyspace::parse_i64(&argv[1]) {
                None => Reply::Error(data::NOT_INTEGER.into()),
                Some(0) => Reply::ok(),
                Some(_) => Reply::Error("ERR SELECT is not allowed in cluster mode".into()),
            },
            "swapdb" => Reply::Error("ERR SWAPDB is not allowed in cluster mode".into()),
            "move" => Reply::Error("ERR MOVE is not allowed in cluster mode".into()),
            "publish" | "spublish" => Reply::Integer(0),
            "hello" => self.hello(conn, argv),
            "multi" => {
                let c = &mut self.conns[conn];
                if c.multi.is_some() {
                    return Reply::Error("ERR MULTI calls can not be nested".into());
                }
                c.multi = Some(Vec::new());
                Reply::ok()
            }
            "discard" => {
                if self.conns[conn].multi.is_none() {
                    return Reply::Error("ERR DISCARD without MULTI".into());
                }
                self.discard(conn);
                Reply::ok()
            }
            "watch" => {
                if self.conns[conn].multi.is_some() {
                    return Reply::Error("ERR WATCH inside MULTI is not allowed".into());
                }
                for key in &argv[1..] {
                    let version = self.nodes[me].db.watch(key);
                    self.conns[conn].watched.push((key.clone(), version));
                }
                Reply::ok()
            }
            "unwatch" => {
                self.conns[conn].watched.clear();
                Reply::ok()
            }
            "exec" => self.exec(conn),
            "wait" => self.wait(me, argv),
            "info" => self.info(me, argv),
            "role" => self.role(me),
            "cluster" => Reply::Error("ERR unknown subcommand".into()),
            name if name.starts_with("cluster|") => self.cluster_command(conn, spec, argv),
            "config|get" => crate::config::get(&self.nodes[me].config, &argv[2..]),
            "config|set" => match crate::config::set(&mut self.nodes[me].config, &argv[2..]) {
                Ok(()) => Reply::ok(),
                Err(e) => e,
            },
            "config|rewrite" => {
                // The node's redis.conf now holds what CONFIG SET changed.
                let node = &mut self.nodes[me];
                node.conf_file = node.config.clone();
                Reply::ok()
            }
            "config|resetstat" => Reply::ok(),
            "config|help" => crate::config::help(),
            "migrate" => self.migrate(me, argv),
            "eval" | "evalsha" => self.eval(conn, spec.name == "evalsha", argv),
            "dump" | "object|freq" | "object|idletime" | "object|refcount" | "object|help" => {
                Reply::Error(format!(
                    "ERR the Slotscope simulator does not implement '{}' yet",
                    spec.name
                ))
            }
            name => {
                let now = self.now;
                let reply = data::run(name, &mut self.nodes[me].db, now, proto, argv);
                if spec.write && !reply.is_error() {
                    self.replicate(me, argv);
                }
                reply
            }
        }
    }

    fn exec(&mut self, conn: ConnId) -> Reply {
        let me = self.conns[conn].node;
        let Some(queued) = self.conns[conn].multi.take() else {
            return Reply::Error("ERR EXEC without MULTI".into());
        };
        let dirty = self.conns[conn].multi_dirty;
        let watched = std::mem::take(&mut self.conns[conn].watched);
        self.conns[conn].multi_dirty = false;
        if dirty {
            return Reply::Error(
                "EXECABORT Transaction discarded because of previous errors.".into(),
            );
        }
        // Expired watched keys count as changed, as in Redis 7.0.
        let now = self.now;
        for (key, _) in &watched {
            self.nodes[me].db.expire_if_needed(key, now);
        }
        if watched
            .iter()
            .any(|(k, v)| self.nodes[me].db.version(k) != *v)
        {
            return Reply::NilArray;
        }
        let replies = queued
            .iter()
            .map(|argv| match lookup_error(argv) {
                Ok(spec) => self.call(conn, spec, argv),
                Err(e) => e,
            })
            .collect();
        Reply::Array(replies)
    }

    fn wait(&mut self, me: NodeIdx, argv: &[Vec<u8>]) -> Reply {
        /// How long `WAIT n 0` blocks at most in the simulation.
        const WAIT_FOREVER_MS: u64 = 3_600_000;
        if matches!(self.nodes[me].role(me), Role::Replica { .. }) {
            return Reply::Error("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.".into());
        }
        let (Some(wanted), Some(timeout)) = (
            crate::keyspace::parse_i64(&argv[1]),
            crate::keyspace::parse_i64(&argv[2]),
        ) else {
            return Reply::Error(data::NOT_INTEGER.into());
        };
        if timeout < 0 {
            return Reply::Error("ERR timeout is negative".into());
        }
        // WAIT blocks until `wanted` replicas acknowledged everything this
        // master has produced so far, or the timeout expires; simulated time
        // passes meanwhile. (Replicas answer the master's GETACK at once, so
        // a replica's offset is its acknowledgement.) Timeout 0 waits for
        // ever in Redis; here it gives up after an hour of simulated time.
        let target = self.nodes[me].repl_offset;
        let acked = |c: &Cluster| {
            (0..c.nodes.len())
                .filter(|&r| {
                    c.nodes[r].alive
                        && c.nodes[r].role(r) == (Role::Replica { of: me })
                        && c.nodes[r].repl_offset >= target
                })
                .count() as i64
        };
        let limit = if timeout == 0 {
            WAIT_FOREVER_MS
        } else {
            timeout as u64
        };
        let deadline = self.now.saturating_add(limit);
        while acked(self) < wanted && self.now < deadline {
            match self.next_event_time() {
                Some(t) if t <= deadline => {
                    self.step();
                }
                _ => self.advance_to(deadline),
            }
        }
        Reply::Integer(acked(self))
    }

    fn hello(&mut self, conn: ConnId, argv: &[Vec<u8>]) -> Reply {
        let me = self.conns[conn].node;
        if let Some(v) = argv.get(1) {
            match crate::keyspace::parse_i64(v) {
                Some(2) => self.conns[conn].proto = Protocol::Resp2,
                Some(3) => self.conns[conn].proto = Protocol::Resp3,
                Some(_) => return Reply::Error("NOPROTO unsupported protocol version".into()),
                None => {
                    return Reply::Error(
                        "ERR Protocol version is not an integer or out of range".into(),
                    )
                }
            }
            if argv.len() > 2 {
                return Reply::Error(
                    "ERR the Slotscope simulator does not support HELLO options (AUTH, SETNAME)"
                        .into(),
                );
            }
        }
        let role = if self.nodes[me].role(me).is_master() {
            "master"
        } else {
            "replica"
        };
        let field = |k: &str| Reply::bulk(k.to_string());
        Reply::Map(vec![
            (field("server"), field("redis")),
            (field("version"), field(crate::REDIS_VERSION)),
            (
                field("proto"),
                Reply::Integer(if self.conns[conn].proto == Protocol::Resp3 {
                    3
                } else {
                    2
                }),
            ),
            (field("id"), Reply::Integer(conn as i64 + 1)),
            (field("mode"), field("cluster")),
            (field("role"), field(role)),
            (field("modules"), Reply::Array(Vec::new())),
        ])
    }

    fn info(&mut self, me: NodeIdx, argv: &[Vec<u8>]) -> Reply {
        let sections: Vec<String> = argv[1..]
            .iter()
            .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
            .collect();
        let all = sections.is_empty()
            || sections
                .iter()
                .any(|s| matches!(s.as_str(), "all" | "everything" | "default"));
        let wants = |name: &str| all || sections.iter().any(|s| s == name);
        let mut parts: Vec<String> = Vec::new();
        if wants("replication") {
            parts.push(self.info_replication(me));
        }
        if wants("cluster") {
            parts.push("# Cluster\r\ncluster_enabled:1\r\n".into());
        }
        if wants("keyspace") {
            let now = self.now;
            let db = &mut self.nodes[me].db;
            db.expire_all(now);
            let mut s = "# Keyspace\r\n".to_string();
            if !db.is_empty() {
                s.push_str(&format!(
                    "db0:keys={},expires={},avg_ttl=0\r\n",
                    db.len(),
                    db.expires_count()
                ));
            }
            parts.push(s);
        }
        Reply::Verbatim {
            format: "txt".into(),
            text: parts.join("\r\n").into_bytes(),
        }
    }

    /// ROLE: `[master, offset, [[ip, port, offset]...]]` or
    /// `[slave, master ip, master port, state, offset]`.
    fn role(&self, me: NodeIdx) -> Reply {
        let node = &self.nodes[me];
        // (A node always knows its own master: `None` is a master.)
        match node.role(me).master() {
            None => Reply::Array(vec![
                Reply::bulk("master"),
                Reply::Integer(node.repl_offset as i64),
                Reply::Array(
                    (0..self.nodes.len())
                        .filter(|&r| {
                            self.nodes[r].alive
                                && self.nodes[r].role(r) == (Role::Replica { of: me })
                        })
                        .map(|r| {
                            let rn = &self.nodes[r];
                            Reply::Array(vec![
                                Reply::bulk(rn.addr.ip.clone()),
                                Reply::bulk(rn.addr.port.to_string()),
                                Reply::bulk(rn.repl_offset.to_string()),
                            ])
                        })
                        .collect(),
                ),
            ]),
            Some(of) => {
                let m = &self.nodes[of];
                Reply::Array(vec![
                    Reply::bulk("slave"),
                    Reply::bulk(m.addr.ip.clone()),
                    Reply::Integer(i64::from(m.addr.port)),
                    Reply::bulk(if m.alive { "connected" } else { "connect" }),
                    Reply::Integer(node.repl_offset as i64),
                ])
            }
        }
    }

    /// `# Replication` with the fields of Redis 7.0, in its order. A
    /// replica shares its master's replication ID, as after a full sync.
    fn info_replication(&self, me: NodeIdx) -> String {
        let node = &self.nodes[me];
        let replicas_of = |m: NodeIdx| -> Vec<NodeIdx> {
            (0..self.nodes.len())
                .filter(|&r| {
                    self.nodes[r].alive && self.nodes[r].role(r) == (Role::Replica { of: m })
                })
                .collect()
        };
        let mut lines: Vec<String> = Vec::new();
        let replid_owner = match node.role(me).master() {
            None => {
                let replicas = replicas_of(me);
                lines.push("role:master".into());
                lines.push(format!("connected_slaves:{}", replicas.len()));
                for (i, r) in replicas.iter().enumerate() {
                    let rn = &self.nodes[*r];
                    lines.push(format!(
                        "slave{i}:ip={},port={},state=online,offset={},lag=0",
                        rn.addr.ip, rn.addr.port, rn.repl_offset
                    ));
                }
                me
            }
            Some(of) => {
                let m = &self.nodes[of];
                lines.push("role:slave".into());
                lines.push(format!("master_host:{}", m.addr.ip));
                lines.push(format!("master_port:{}", m.addr.port));
                lines.push(format!(
                    "master_link_status:{}",
                    if m.alive { "up" } else { "down" }
                ));
                lines.push("master_last_io_seconds_ago:0".into());
                lines.push("master_sync_in_progress:0".into());
                lines.push(format!("slave_read_repl_offset:{}", node.repl_offset));
                lines.push(format!("slave_repl_offset:{}", node.repl_offset));
                lines.push("slave_priority:100".into());
                lines.push("slave_read_only:1".into());
                lines.push("replica_announced:1".into());
                lines.push("connected_slaves:0".into());
                of
            }
        };
        lines.push("master_failover_state:no-failover".into());
        lines.push(format!("master_replid:{}", self.nodes[replid_owner].replid));
        lines.push("master_replid2:0000000000000000000000000000000000000000".into());
        lines.push(format!("master_repl_offset:{}", node.repl_offset));
        lines.push("second_repl_offset:-1".into());
        lines.push("repl_backlog_active:1".into());
        lines.push("repl_backlog_size:1048576".into());
        lines.push("repl_backlog_first_byte_offset:1".into());
        lines.push(format!("repl_backlog_histlen:{}", node.repl_offset));
        let mut s = String::from("# Replication\r\n");
        for l in lines {
            s.push_str(&l);
            s.push_str("\r\n");
        }
        s
    }
}
