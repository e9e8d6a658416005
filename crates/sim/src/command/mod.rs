//! A command on a connection, as the node that receives it runs it, in the
//! order of Redis's `processCommand()`: lookup, arity, cluster redirection,
//! MULTI queueing, execution (`call()`), then propagation of writes down
//! the master's replication stream. The node answers from its own state;
//! what only its sockets know (its replicas' acknowledgements, its link to
//! its master, MIGRATE's connection to the target) comes through `Io`. The
//! world side (`world::connections`) holds the connections, lets time pass
//! while a command blocks, and records each hop in the trace.

pub mod bitmaps;
pub mod cluster_cmd;
pub mod command_cmd;
pub mod data;
pub mod docs;
pub mod dump;
pub mod geo;
pub mod geo_search;
pub mod hashes;
pub mod hyperloglog;
pub mod info;
pub mod keys;
pub mod lists;
pub mod memory;
pub mod migrate;
pub mod parse;
pub mod pubsub;
pub mod random_picks;
pub mod scan;
pub mod server_cmd;
pub mod sets;
pub mod sorted_sets;
pub mod streams;
pub mod strings;
pub mod table;

use crate::connection::Conn;
use crate::node::{Io, Node, Role};
use crate::replication::acks_for;
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

/// What a command on a connection comes to.
#[derive(Clone, Debug, PartialEq)]
pub enum Served {
    /// The node's reply, and what became of the request.
    Reply(Reply, HopOutcome),
    /// WAIT found fewer acknowledgements than asked for: the client is
    /// blocked until `wanted` replicas acknowledged `offset`, or until
    /// `deadline` (`blockForReplication`); it is then answered with the
    /// count. The world lets simulated time pass meanwhile.
    Wait {
        wanted: i64,
        offset: u64,
        deadline: u64,
    },
    /// A blocking command (BLPOP, BZPOPMIN, BLMOVE...) found nothing to
    /// serve: the client waits until a push lets the command be served,
    /// until `deadline` (then it gets `timeout_reply`), or until the node
    /// stops serving its keys (UNBLOCKED, MOVED, CLUSTERDOWN).
    Block {
        keys: Vec<Vec<u8>>,
        deadline: u64,
        timeout_reply: Reply,
        /// The command to run again after each event (XREAD's `$` is
        /// fixed to the ID it meant when the client blocked).
        again: Vec<Vec<u8>>,
    },
}

/// How long `WAIT n 0` blocks at most in the simulation (Redis: for ever).
const WAIT_FOREVER_MS: u64 = 3_600_000;

/// When a blocking command's timeout (seconds, 0 = for ever) runs out.
fn block_deadline(name: &str, argv: &[Vec<u8>], now: u64) -> Option<u64> {
    let at = match name {
        "blmpop" | "bzmpop" => 1,
        "blmove" => 5,
        _ => argv.len() - 1,
    };
    let seconds = lists::timeout(&argv[at]).ok()?;
    let ms = if seconds == 0.0 {
        WAIT_FOREVER_MS
    } else {
        (seconds * 1000.0) as u64
    };
    Some(now.saturating_add(ms))
}

impl Node {
    /// Runs one command that arrived on `client` (a connection to this
    /// node; the world checked that the process is up and not paused).
    pub fn process_command(
        &mut self,
        client: &mut Conn,
        argv: &[Vec<u8>],
        io: &mut dyn Io,
    ) -> Served {
        if argv.is_empty() {
            return Served::Reply(Reply::Error("ERR empty command".into()), HopOutcome::Error);
        }
        let served = self.process(client, argv, io);
        self.count(argv, &served);
        // ASKING is one-shot: cleared after any command but ASKING itself,
        // unless inside MULTI (then it lasts until EXEC).
        let is_asking = argv[0].eq_ignore_ascii_case(b"asking");
        if !is_asking && client.multi.is_none() {
            client.asking = false;
        }
        served
    }

    /// Counts a command for INFO: refused before it ran (arity, routing,
    /// cluster down) or ran, and what error it answered.
    fn count(&mut self, argv: &[Vec<u8>], served: &Served) {
        let (name, arity_error) = match lookup(argv) {
            Lookup::Found(spec) => (Some(spec.name), false),
            Lookup::WrongArity(spec) => (Some(spec.name), true),
            _ => (None, false),
        };
        let (reply, rejected) = match served {
            Served::Reply(reply, outcome) => {
                let routed_away = !matches!(outcome, HopOutcome::Served | HopOutcome::Error);
                (Some(reply), arity_error || routed_away)
            }
            _ => (None, false),
        };
        self.stats.record(name, reply, rejected);
    }

    fn process(&mut self, client: &mut Conn, argv: &[Vec<u8>], io: &mut dyn Io) -> Served {
        let spec = match lookup_error(argv) {
            Ok(spec) => spec,
            // `rejectCommand()` on EXEC itself aborts the transaction
            // (`execCommandAbort()`), even outside MULTI.
            Err(Reply::Error(e)) if matches!(lookup(argv), Lookup::WrongArity(s) if s.name == "exec") =>
            {
                discard(client);
                let reason = e.strip_prefix("ERR ").unwrap_or(&e);
                let abort = format!("EXECABORT Transaction discarded because of: {reason}");
                return Served::Reply(Reply::Error(abort), HopOutcome::Error);
            }
            Err(e) => {
                flag_transaction(client);
                return Served::Reply(e, HopOutcome::Error);
            }
        };

        // Cluster redirection: for commands with keys, and for EXEC, whose
        // queued commands are checked together.
        let is_exec = spec.name == "exec";
        let queued_keys: Vec<(Vec<Vec<u8>>, &'static CommandSpec)> = if is_exec {
            client
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
            sharded_pubsub: matches!(spec.name, "spublish" | "ssubscribe" | "sunsubscribe"),
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
            // A command flagged `asking` (RESTORE-ASKING) counts as sent
            // after ASKING (`cmd_flags & CMD_ASKING`; EXEC's own flags only).
            let flags = ClientFlags {
                asking: client.asking || spec.has_flag("asking"),
                readonly: client.readonly,
            };
            let r = route(self, io.now(), &query, flags);
            if let Some(error) = r.error(&self.names(&*io)) {
                if is_exec {
                    discard(client);
                } else {
                    flag_transaction(client);
                }
                return Served::Reply(error, HopOutcome::of_route(r));
            }
        }

        // RESP2's subscribed mode takes only the pub/sub commands.
        if client.subscribed()
            && client.proto == Protocol::Resp2
            && !pubsub::ALLOWED_WHEN_SUBSCRIBED.contains(&spec.name)
        {
            flag_transaction(client);
            let text = format!(
                "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
                spec.name
            );
            return Served::Reply(Reply::Error(text), HopOutcome::Error);
        }
        if client.multi.is_some() && !NOT_QUEUED.contains(&spec.name) {
            // `queueMultiCommand()`: once a command was refused, later ones
            // are answered QUEUED but not kept — so EXEC routes only what
            // came before the refusal (CROSSSLOT if that spans slots, else
            // EXECABORT).
            if let Some(q) = client.multi.as_mut().filter(|_| !client.multi_dirty) {
                q.push(argv.to_vec());
            }
            return Served::Reply(Reply::Status("QUEUED".into()), HopOutcome::Served);
        }
        if spec.name == "wait" {
            return self.wait(client, argv, io);
        }
        let reply = self.call(client, spec, argv, io);
        // Nothing to serve yet: a blocking command makes the client wait
        // (inside MULTI or a script it answers as a timeout, as above).
        let nothing = matches!(reply, Reply::Nil | Reply::NilArray);
        if nothing && (spec.name == "xread" || spec.name == "xreadgroup") {
            let group_form = spec.name == "xreadgroup";
            if let Some(streams::BlockForm { ms, keys, again }) =
                streams::block_form(group_form, &mut self.db, io.now(), argv)
            {
                let ms = if ms == 0 { WAIT_FOREVER_MS } else { ms };
                return Served::Block {
                    keys,
                    deadline: io.now() + ms,
                    timeout_reply: Reply::NilArray,
                    again,
                };
            }
        } else if nothing && spec.has_flag("blocking") && spec.name != "wait" {
            if let Some(deadline) = block_deadline(spec.name, argv, io.now()) {
                let keys = key_positions(spec, argv)
                    .into_iter()
                    .map(|i| argv[i].clone())
                    .collect();
                // A timed-out blocked client always gets a null array
                // (`replyToBlockedClientTimedOut()`), BLMOVE's too.
                return Served::Block {
                    keys,
                    deadline,
                    timeout_reply: Reply::NilArray,
                    again: argv.to_vec(),
                };
            }
        }
        let outcome = HopOutcome::of_reply(&reply);
        Served::Reply(reply, outcome)
    }

    /// Runs a command that has passed every check (`call()` in Redis).
    pub(crate) fn call(
        &mut self,
        client: &mut Conn,
        spec: &'static CommandSpec,
        argv: &[Vec<u8>],
        io: &mut dyn Io,
    ) -> Reply {
        let proto = client.proto;
        // The keyspace applies the node's encoding limits as they are now.
        self.db.set_encodings(self.config.encodings);
        match spec.name {
            // Subscribed in RESP2, PING answers in the pub/sub shape.
            "ping" if client.subscribed() && client.proto == Protocol::Resp2 => Reply::Array(vec![
                Reply::bulk("pong"),
                Reply::bulk(argv.get(1).cloned().unwrap_or_default()),
            ]),
            "ping" => match argv.len() {
                1 => Reply::Status("PONG".into()),
                2 => Reply::bulk(argv[1].clone()),
                _ => Reply::Error("ERR wrong number of arguments for 'ping' command".into()),
            },
            "echo" => Reply::bulk(argv[1].clone()),
            "asking" => {
                client.asking = true;
                Reply::ok()
            }
            "readonly" => {
                client.readonly = true;
                Reply::ok()
            }
            "readwrite" => {
                client.readonly = false;
                Reply::ok()
            }
            "select" => match crate::keyspace::parse_i64(&argv[1]) {
                None => Reply::Error(data::NOT_INTEGER.into()),
                Some(0) => Reply::ok(),
                Some(_) => Reply::Error("ERR SELECT is not allowed in cluster mode".into()),
            },
            "swapdb" => Reply::Error("ERR SWAPDB is not allowed in cluster mode".into()),
            "move" => Reply::Error("ERR MOVE is not allowed in cluster mode".into()),
            "publish" | "spublish" => self.publish(io, argv, spec.name == "spublish"),
            "subscribe" | "psubscribe" | "ssubscribe" | "unsubscribe" | "punsubscribe"
            | "sunsubscribe" => self.subscription(client, spec.name, argv),
            "hello" => self.hello(client, argv),
            "multi" => {
                if client.multi.is_some() {
                    return Reply::Error("ERR MULTI calls can not be nested".into());
                }
                client.multi = Some(Vec::new());
                Reply::ok()
            }
            "discard" => {
                if client.multi.is_none() {
                    return Reply::Error("ERR DISCARD without MULTI".into());
                }
                discard(client);
                Reply::ok()
            }
            "watch" => {
                if client.multi.is_some() {
                    return Reply::Error("ERR WATCH inside MULTI is not allowed".into());
                }
                for key in &argv[1..] {
                    let version = self.db.watch(key);
                    client.watched.push((key.clone(), version));
                }
                Reply::ok()
            }
            "unwatch" => {
                client.watched.clear();
                Reply::ok()
            }
            "exec" => self.exec(client, io),
            // Inside a transaction or a script a client may not block
            // (`CLIENT_DENY_BLOCKING`): WAIT answers with what it has.
            "wait" => match self.wait_arguments(argv) {
                Ok(_) => Reply::Integer(acks_for(&io.replica_links(), client.woff) as i64),
                Err(e) => e,
            },
            "info" => self.info(argv, io),
            name if name == "command" || name.starts_with("command|") => {
                command_cmd::run(spec, argv)
            }
            "role" => self.role_reply(io),
            "cluster" => Reply::Error("ERR unknown subcommand".into()),
            name if name.starts_with("cluster|") => self.cluster_command(client, spec, argv, io),
            "config|get" => crate::config::get(&self.config, self.addr.port, &argv[2..]),
            "config|set" => match crate::config::set(&mut self.config, &argv[2..]) {
                Ok(()) => Reply::ok(),
                Err(e) => e,
            },
            "config|rewrite" => {
                // The node's redis.conf now holds what CONFIG SET changed.
                self.conf_file = self.config.clone();
                Reply::ok()
            }
            "config|resetstat" => Reply::ok(),
            "config|help" => crate::config::help(),
            "migrate" => {
                let reply = self.migrate(argv, io);
                self.note_write(client);
                reply
            }
            "eval" | "evalsha" | "eval_ro" | "evalsha_ro" => {
                let by_sha = spec.name.starts_with("evalsha");
                self.eval(client, by_sha, spec.name.ends_with("_ro"), argv, io)
            }
            "script|load" => {
                let sha = crate::script::sha1_hex(&argv[2]);
                if !self.scripts.iter().any(|(s, _)| *s == sha) {
                    self.scripts.push((sha.clone(), argv[2].clone()));
                }
                Reply::bulk(sha)
            }
            "script|exists" => Reply::Array(
                argv[2..]
                    .iter()
                    .map(|sha| {
                        let sha = String::from_utf8_lossy(sha).to_ascii_lowercase();
                        Reply::Integer(i64::from(self.scripts.iter().any(|(s, _)| *s == sha)))
                    })
                    .collect(),
            ),
            "script|flush" | "function|flush" => {
                let ok = match argv.get(2) {
                    None => true,
                    Some(a) => {
                        argv.len() == 3
                            && (a.eq_ignore_ascii_case(b"sync") || a.eq_ignore_ascii_case(b"async"))
                    }
                };
                if !ok {
                    return Reply::Error(if spec.name == "script|flush" {
                        "ERR SCRIPT FLUSH only support SYNC|ASYNC option".into()
                    } else {
                        "ERR FUNCTION FLUSH only supports SYNC|ASYNC option".into()
                    });
                }
                if spec.name == "script|flush" {
                    self.scripts.clear();
                } else {
                    self.functions.clear();
                    self.propagate(io, argv);
                }
                Reply::ok()
            }
            "script|kill" | "function|kill" => {
                Reply::Error("NOTBUSY No scripts in execution right now.".into())
            }
            "fcall" | "fcall_ro" => self.fcall(client, spec.name == "fcall_ro", argv, io),
            "function|dump" => self.function_dump(),
            "function|load" | "function|delete" | "function|restore" => {
                let reply = match spec.name {
                    "function|load" => self.function_load(argv),
                    "function|restore" => self.function_restore(argv),
                    _ => self.function_delete(&argv[2]),
                };
                // A library is part of the data set: replicas get it too.
                if !reply.is_error() {
                    self.propagate(io, argv);
                }
                reply
            }
            "function|list" => self.function_list(argv),
            "function|stats" => self.function_stats(),
            "pubsub|channels"
            | "pubsub|shardchannels"
            | "pubsub|numpat"
            | "pubsub|numsub"
            | "pubsub|shardnumsub" => self.pubsub_introspection(spec.name, argv),
            "auth" => server_cmd::auth(argv),
            "quit" => Reply::ok(),
            // RESET: the connection as new (`resetCommand()`), RESP2 again.
            "reset" => {
                discard(client);
                client.watched.clear();
                client.readonly = false;
                client.asking = false;
                client.name.clear();
                client.proto = Protocol::Resp2;
                for kind in ["unsubscribe", "punsubscribe", "sunsubscribe"] {
                    let _ = self.subscription(client, kind, &[kind.as_bytes().to_vec()]);
                }
                Reply::Status("RESET".into())
            }
            "time" => server_cmd::time(io.now()),
            "lastsave" => server_cmd::lastsave(),
            "randomkey" => {
                let now = io.now();
                self.db.expire_all(now);
                let n = self.db.len() as u64;
                if n == 0 {
                    Reply::Nil
                } else {
                    let pick = io.rng().below(n) as usize;
                    self.db
                        .keys()
                        .nth(pick)
                        .map_or(Reply::Nil, |k| Reply::bulk(k.clone()))
                }
            }
            name if name.starts_with("client|") => {
                server_cmd::client(name, client, self.addr.port, argv)
            }
            name if name.starts_with("acl|") => server_cmd::acl(name, argv),
            name if name.starts_with("slowlog|")
                || name.starts_with("latency|")
                || name.starts_with("module|")
                || (name.ends_with("|help") && name != "object|help") =>
            {
                server_cmd::monitoring(name, argv)
            }
            name => {
                let reply = data::run(name, &mut self.db, io.now(), proto, argv);
                let rewritten = self.db.take_propagated();
                // A command may decide by what it changed (`server.dirty`);
                // only a master propagates (a replica's PFCOUNT caches its
                // count in its own copy alone).
                let propagate = match self.db.take_propagation() {
                    Some(p) => p && self.role(self.me).is_master(),
                    None => spec.write,
                };
                if propagate && !reply.is_error() {
                    self.propagate(io, rewritten.as_deref().unwrap_or(argv));
                    self.note_write(client);
                }
                reply
            }
        }
    }

    /// Whether a client blocked on `keys` must be let go, and with what
    /// (`disconnectAllBlockedClients()` when the node turns replica,
    /// `clusterRedirectBlockedClientIfNeeded()` otherwise): checked by the
    /// world after everything that happens while the client waits.
    pub fn blocked_client_redirect(
        &self,
        keys: &[Vec<u8>],
        io: &dyn Io,
    ) -> Option<(Reply, HopOutcome)> {
        if !self.role(self.me).is_master() {
            let text = "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)";
            return Some((Reply::Error(text.into()), HopOutcome::Error));
        }
        if !self.bus.state_ok {
            let reply = Reply::Error("CLUSTERDOWN The cluster is down".into());
            return Some((reply, HopOutcome::ClusterDown));
        }
        for key in keys {
            let slot = crate::slot::key_hash_slot(key);
            let owner = self.slots[usize::from(slot)];
            if owner == Some(self.me) || self.importing.contains_key(&slot) {
                continue;
            }
            let route = match owner {
                None => crate::routing::Route::DownUnbound,
                Some(to) => crate::routing::Route::Moved { slot, to },
            };
            let reply = route.error(&self.names(io))?;
            return Some((reply, HopOutcome::of_route(route)));
        }
        None
    }

    /// `c->woff`: where the stream stood after this client's last write.
    fn note_write(&self, client: &mut Conn) {
        client.woff = self.repl_offset;
    }

    fn exec(&mut self, client: &mut Conn, io: &mut dyn Io) -> Reply {
        let Some(queued) = client.multi.take() else {
            return Reply::Error("ERR EXEC without MULTI".into());
        };
        let dirty = client.multi_dirty;
        let watched = std::mem::take(&mut client.watched);
        client.multi_dirty = false;
        if dirty {
            return Reply::Error(
                "EXECABORT Transaction discarded because of previous errors.".into(),
            );
        }
        // Expired watched keys count as changed, as in Redis 7.0.
        let now = io.now();
        for (key, _) in &watched {
            self.db.expire_if_needed(key, now);
        }
        if watched.iter().any(|(k, v)| self.db.version(k) != *v) {
            return Reply::NilArray;
        }
        // The transaction reaches the stream when EXEC ends: until then the
        // client's last write is where it was (a WAIT inside counts acks of
        // the writes before MULTI).
        let woff_before = client.woff;
        let mut wrote = false;
        let mut replies = Vec::with_capacity(queued.len());
        for argv in &queued {
            replies.push(match lookup_error(argv) {
                Ok(spec) => {
                    let reply = self.call(client, spec, argv, io);
                    wrote |= client.woff != woff_before;
                    client.woff = woff_before;
                    reply
                }
                Err(e) => e,
            });
        }
        if wrote {
            self.note_write(client);
        }
        Reply::Array(replies)
    }

    /// WAIT's checks: a master, and two integers (`numreplicas timeout`).
    fn wait_arguments(&self, argv: &[Vec<u8>]) -> Result<(i64, i64), Reply> {
        if matches!(
            self.role(self.me),
            Role::Replica { .. } | Role::ReplicaOfUnknown
        ) {
            return Err(Reply::Error("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.".into()));
        }
        let Some(wanted) = crate::keyspace::parse_i64(&argv[1]) else {
            return Err(Reply::Error(data::NOT_INTEGER.into()));
        };
        // `getTimeoutFromObjectOrReply` names what it parses.
        let Some(timeout) = crate::keyspace::parse_i64(&argv[2]) else {
            return Err(Reply::Error(
                "ERR timeout is not an integer or out of range".into(),
            ));
        };
        if timeout < 0 {
            return Err(Reply::Error("ERR timeout is negative".into()));
        }
        Ok((wanted, timeout))
    }

    /// `WAIT numreplicas timeout`: waits until `numreplicas` replicas
    /// acknowledged everything up to this client's last write, or the
    /// timeout expires. "First try without blocking at all" (waitCommand).
    fn wait(&mut self, client: &mut Conn, argv: &[Vec<u8>], io: &mut dyn Io) -> Served {
        let (wanted, timeout) = match self.wait_arguments(argv) {
            Ok(args) => args,
            Err(e) => return Served::Reply(e, HopOutcome::Error),
        };
        let acked = acks_for(&io.replica_links(), client.woff) as i64;
        if acked >= wanted {
            return Served::Reply(Reply::Integer(acked), HopOutcome::Served);
        }
        // Blocking: the master asks its replicas for an ACK at once
        // (`server.get_ack_from_slaves`, REPLCONF GETACK in the stream).
        let getack: Vec<Vec<u8>> = crate::replication::GETACK
            .iter()
            .map(|a| a.to_vec())
            .collect();
        let entry = self.append_to_stream(&getack, false);
        io.effect(crate::node::Effect::Stream(entry));
        let limit = if timeout == 0 {
            WAIT_FOREVER_MS
        } else {
            timeout as u64
        };
        Served::Wait {
            wanted,
            offset: client.woff,
            deadline: io.now().saturating_add(limit),
        }
    }

    fn hello(&mut self, client: &mut Conn, argv: &[Vec<u8>]) -> Reply {
        if let Some(v) = argv.get(1) {
            match crate::keyspace::parse_i64(v) {
                Some(2) | Some(3) => {}
                Some(_) => return Reply::Error("NOPROTO unsupported protocol version".into()),
                None => {
                    return Reply::Error(
                        "ERR Protocol version is not an integer or out of range".into(),
                    )
                }
            }
        }
        // `helloCommand()`: options, then AUTH, then SETNAME, then the switch.
        let mut name = None;
        let mut auth = None;
        let mut j = 2;
        while j < argv.len() {
            let more = argv.len() - 1 - j;
            if argv[j].eq_ignore_ascii_case(b"auth") && more >= 2 {
                auth = Some((&argv[j + 1], &argv[j + 2]));
                j += 2;
            } else if argv[j].eq_ignore_ascii_case(b"setname") && more >= 1 {
                name = Some(&argv[j + 1]);
                j += 1;
            } else {
                return Reply::Error(format!(
                    "ERR Syntax error in HELLO option '{}'",
                    String::from_utf8_lossy(&argv[j])
                ));
            }
            j += 1;
        }
        if let Some((user, password)) = auth {
            if let Err(e) = server_cmd::authenticate(user, password) {
                return e;
            }
        }
        if let Some(name) = name {
            if let Err(e) = server_cmd::set_name(client, name) {
                return e;
            }
        }
        if let Some(v) = argv.get(1).and_then(|v| crate::keyspace::parse_i64(v)) {
            client.proto = if v == 3 {
                Protocol::Resp3
            } else {
                Protocol::Resp2
            };
        }
        let role = if self.role(self.me).is_master() {
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
                Reply::Integer(if client.proto == Protocol::Resp3 {
                    3
                } else {
                    2
                }),
            ),
            (field("id"), Reply::Integer(client.id as i64)),
            (field("mode"), field("cluster")),
            (field("role"), field(role)),
            (field("modules"), Reply::Array(Vec::new())),
        ])
    }

    /// ROLE: `[master, offset, [[ip, port, offset]...]]` or
    /// `[slave, master ip, master port, state, offset]`.
    fn role_reply(&self, io: &dyn Io) -> Reply {
        // (A node always knows its own master: `None` is a master.)
        match self.role(self.me).master() {
            None => Reply::Array(vec![
                Reply::bulk("master"),
                Reply::Integer(self.repl_offset as i64),
                Reply::Array(
                    io.replica_links()
                        .into_iter()
                        .map(|link| {
                            Reply::Array(vec![
                                Reply::bulk(link.addr.ip.clone()),
                                Reply::bulk(link.addr.port.to_string()),
                                Reply::bulk(link.ack_offset.to_string()),
                            ])
                        })
                        .collect(),
                ),
            ]),
            Some(of) => {
                let m = io.addr_of(of);
                Reply::Array(vec![
                    Reply::bulk("slave"),
                    Reply::bulk(m.ip.clone()),
                    Reply::Integer(i64::from(m.port)),
                    Reply::bulk(if io.master_link(of).up {
                        "connected"
                    } else {
                        "connect"
                    }),
                    Reply::Integer(self.repl_offset as i64),
                ])
            }
        }
    }

    /// `# Replication` with the fields of Redis 7.0, in its order. A
    /// replica shares its master's replication ID, as after a full sync.
    pub(crate) fn info_replication(&self, io: &dyn Io) -> String {
        let mut lines: Vec<String> = Vec::new();
        let replid = match self.role(self.me).master() {
            None => {
                let replicas = io.replica_links();
                lines.push("role:master".into());
                lines.push(format!("connected_slaves:{}", replicas.len()));
                for (i, link) in replicas.iter().enumerate() {
                    lines.push(format!(
                        "slave{i}:ip={},port={},state=online,offset={},lag={}",
                        link.addr.ip,
                        link.addr.port,
                        link.ack_offset,
                        io.now().saturating_sub(link.ack_at) / 1000
                    ));
                }
                self.replid.clone()
            }
            Some(of) => {
                let m = io.addr_of(of);
                let link = io.master_link(of);
                lines.push("role:slave".into());
                lines.push(format!("master_host:{}", m.ip));
                lines.push(format!("master_port:{}", m.port));
                lines.push(format!(
                    "master_link_status:{}",
                    if link.up { "up" } else { "down" }
                ));
                lines.push("master_last_io_seconds_ago:0".into());
                lines.push("master_sync_in_progress:0".into());
                lines.push(format!("slave_read_repl_offset:{}", self.repl_offset));
                lines.push(format!("slave_repl_offset:{}", self.repl_offset));
                lines.push("slave_priority:100".into());
                lines.push("slave_read_only:1".into());
                lines.push("replica_announced:1".into());
                lines.push("connected_slaves:0".into());
                link.replid
            }
        };
        lines.push("master_failover_state:no-failover".into());
        lines.push(format!("master_replid:{replid}"));
        lines.push("master_replid2:0000000000000000000000000000000000000000".into());
        lines.push(format!("master_repl_offset:{}", self.repl_offset));
        lines.push("second_repl_offset:-1".into());
        lines.push("repl_backlog_active:1".into());
        lines.push("repl_backlog_size:1048576".into());
        lines.push("repl_backlog_first_byte_offset:1".into());
        lines.push(format!("repl_backlog_histlen:{}", self.repl_offset));
        let mut s = String::from("# Replication\r\n");
        for l in lines {
            s.push_str(&l);
            s.push_str("\r\n");
        }
        s
    }
}

/// A refused command inside MULTI makes EXEC abort.
fn flag_transaction(client: &mut Conn) {
    if client.multi.is_some() {
        client.multi_dirty = true;
    }
}

fn discard(client: &mut Conn) {
    client.multi = None;
    client.multi_dirty = false;
    client.watched.clear();
}
