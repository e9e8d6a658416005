//! `CLUSTER ...` subcommands, answered from the receiving node's own view,
//! with Redis 7.0's output formats (`clusterGenNodeDescription`,
//! `clusterCommandSlots`, `clusterCommandShards`, `genClusterInfoString`)
//! and error texts (`clusterCommand`, `clusterCommandSetSlot` in cluster.c).

use crate::bus::MsgKind;
use crate::connection::Conn;
use crate::keyspace::parse_i64;
use crate::node::{Directory, Handshake, Io, Node, NodeIdx, Role, SlotTable};
use crate::reply::{Protocol, Reply};
use crate::slot::{key_hash_slot, Slot, SLOT_COUNT};

use super::data::NOT_INTEGER;
use super::table::CommandSpec;

fn err(text: impl Into<String>) -> Reply {
    Reply::Error(text.into())
}

/// `addReplySubcommandSyntaxError()`: a known subcommand with arguments its
/// handler does not accept.
fn syntax_error(argv: &[Vec<u8>]) -> Reply {
    let sub: Vec<u8> = argv[1].iter().take(128).copied().collect();
    err(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try CLUSTER HELP.",
        String::from_utf8_lossy(&sub)
    ))
}

/// `getSlotOrReply()`.
fn slot_arg(arg: &[u8]) -> Result<Slot, Reply> {
    match parse_i64(arg) {
        Some(n) if (0..i64::from(SLOT_COUNT)).contains(&n) => Ok(n as Slot),
        _ => Err(err("ERR Invalid or out of range slot")),
    }
}

/// Contiguous ranges of the slots `pred` selects, in slot order.
fn ranges(slots: &[Option<NodeIdx>], pred: impl Fn(Option<NodeIdx>) -> bool) -> Vec<(Slot, Slot)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for i in 0..=slots.len() {
        let inside = i < slots.len() && pred(slots[i]);
        match (inside, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s as Slot, (i - 1) as Slot));
                start = None;
            }
            _ => {}
        }
    }
    out
}

impl Node {
    pub(crate) fn cluster_command(
        &mut self,
        client: &mut Conn,
        spec: &CommandSpec,
        argv: &[Vec<u8>],
        io: &mut dyn Io,
    ) -> Reply {
        let me = self.me;
        let proto = client.proto;
        let result = match spec.name {
            "cluster|keyslot" => Ok(Reply::Integer(i64::from(key_hash_slot(&argv[2])))),
            "cluster|myid" => Ok(Reply::bulk(self.id.clone())),
            "cluster|info" => Ok(Reply::Verbatim {
                format: "txt".into(),
                text: self.cluster_info().into_bytes(),
            }),
            "cluster|nodes" => Ok(Reply::Verbatim {
                format: "txt".into(),
                text: self.cluster_nodes(io.now(), &*io).into_bytes(),
            }),
            "cluster|slots" => Ok(self.cluster_slots(&*io)),
            "cluster|shards" => Ok(self.cluster_shards(&*io, proto)),
            "cluster|replicas" | "cluster|slaves" => self.cluster_replicas(&argv[2], io.now(), &*io),
            "cluster|countkeysinslot" => match parse_i64(&argv[2]) {
                None => Err(err(NOT_INTEGER)),
                Some(s) if !(0..i64::from(SLOT_COUNT)).contains(&s) => Err(err("ERR Invalid slot")),
                Some(s) => {
                    let now = io.now();
                    self.db.expire_all(now);
                    Ok(Reply::Integer(
                        self.db.count_in_slot(s as Slot) as i64
                    ))
                }
            },
            "cluster|getkeysinslot" => self.get_keys_in_slot(argv, io.now()),
            "cluster|setslot" => self.setslot(argv, io),
            "cluster|addslots" | "cluster|delslots" => {
                let slots: Result<Vec<Slot>, Reply> =
                    argv[2..].iter().map(|a| slot_arg(a)).collect();
                slots.and_then(|s| self.add_or_del_slots(spec.name == "cluster|addslots", &s, io))
            }
            "cluster|addslotsrange" | "cluster|delslotsrange" => {
                self.slot_ranges_command(spec.name, argv, io)
            }
            "cluster|forget" => self.forget(&argv[2], io),
            "cluster|replicate" => self.replicate_command(&argv[2], io),
            "cluster|failover" | "cluster|reset" if argv.len() > 3 => Err(syntax_error(argv)),
            "cluster|meet" if argv.len() > 5 => Err(syntax_error(argv)),
            "cluster|failover" => self.failover_command(argv, io),
            "cluster|saveconfig" => Ok(Reply::ok()),
            "cluster|meet" => self.meet_command(argv, io),
            "cluster|flushslots" => {
                if !self.db.is_empty() {
                    Err(err("ERR DB must be empty to perform CLUSTER FLUSHSLOTS."))
                } else {
                    for slot in 0..usize::from(SLOT_COUNT) {
                        if self.slots[slot] == Some(me) {
                            self.slots.set(slot, None);
                        }
                    }
                    Ok(Reply::ok())
                }
            }
            "cluster|set-config-epoch" => match parse_i64(&argv[2]) {
                None => Err(err(NOT_INTEGER)),
                Some(e) if e < 0 => Err(err(format!("ERR Invalid config epoch specified: {e}"))),
                // `dictSize(server.cluster->nodes) > 1`: handshakes count.
                Some(_) if self.known().count() > 1 || !self.bus.handshakes.is_empty() => Err(err(
                    "ERR The user can assign a config epoch only when the node does not know any other node.",
                )),
                Some(_) if self.view[me].config_epoch != 0 => {
                    Err(err("ERR Node config epoch is already non-zero"))
                }
                Some(e) => {
                    self.view[me].config_epoch = e as u64;
                    Ok(Reply::ok())
                }
            },
            "cluster|count-failure-reports" => match self.known_by(&argv[2], &*io) {
                None => Err(err(format!(
                    "ERR Unknown node {}",
                    String::from_utf8_lossy(&argv[2])
                ))),
                Some(n) => {
                    let (now, max_age) = (io.now(), self.config.node_timeout.saturating_mul(2));
                    let count = self.bus.failure_reports(n, now, max_age);
                    Ok(Reply::Integer(count as i64))
                }
            },
            "cluster|reset" => {
                let hard = match argv.get(2).map(|a| a.to_ascii_lowercase()) {
                    None => Ok(false),
                    Some(a) if a == b"hard" => Ok(true),
                    Some(a) if a == b"soft" => Ok(false),
                    Some(_) => Err(err("ERR syntax error")),
                };
                let master_with_keys = matches!(self.role(me), Role::Master)
                    && !self.db.is_empty();
                match hard {
                    Err(e) => Err(e),
                    Ok(_) if master_with_keys => Err(err(
                        "ERR CLUSTER RESET can't be called with master nodes containing keys",
                    )),
                    Ok(hard) => {
                        self.reset(hard, io);
                        Ok(Reply::ok())
                    }
                }
            }
            "cluster|help" => Ok(Reply::Array(
                CLUSTER_HELP
                    .iter()
                    .map(|l| Reply::Status((*l).to_string()))
                    .collect(),
            )),
            other => Err(err(format!(
                "ERR Slotscope does not simulate '{other}' (a real Redis command; see the README's list)"
            ))),
        };
        result.unwrap_or_else(|e| e)
    }

    /// One line of CLUSTER NODES for `node` as this node sees it at `now`.
    pub fn node_line(&self, node: NodeIdx, now: u64, others: &dyn Directory) -> String {
        let viewer = self.me;
        let v = self;
        let names = self.names(others);
        let peer = &v.view[node];
        let mut flags: Vec<&str> = Vec::new();
        if node == viewer {
            flags.push("myself");
        }
        flags.push(match peer.role {
            Role::Master => "master",
            Role::Replica { .. } | Role::ReplicaOfUnknown => "slave",
        });
        if peer.pfail {
            flags.push("fail?");
        }
        if peer.fail {
            flags.push("fail");
        }
        let master = match peer.role {
            Role::Master | Role::ReplicaOfUnknown => "-".to_string(),
            Role::Replica { of } => names.id_of(of).to_string(),
        };
        let pong = if node == viewer { 0 } else { now };
        let mut line = format!(
            "{} {}@{} {} {} 0 {} {} connected",
            names.id_of(node),
            names.addr_of(node),
            names.cport_of(node),
            flags.join(","),
            master,
            pong,
            self.shown_config_epoch(node)
        );
        for (a, b) in ranges(v.slots.as_slice(), |o| o == Some(node)) {
            if a == b {
                line.push_str(&format!(" {a}"));
            } else {
                line.push_str(&format!(" {a}-{b}"));
            }
        }
        if node == viewer {
            for (slot, to) in &v.migrating {
                line.push_str(&format!(" [{slot}->-{}]", names.id_of(*to)));
            }
            for (slot, from) in &v.importing {
                line.push_str(&format!(" [{slot}-<-{}]", names.id_of(*from)));
            }
        }
        line
    }

    /// CLUSTER NODES as this node answers it at `now`.
    pub fn cluster_nodes(&self, now: u64, others: &dyn Directory) -> String {
        self.known()
            .map(|n| self.node_line(n, now, others) + "\n")
            .collect()
    }

    /// The nodes this node knows, the one with this ID (`clusterLookupNode`).
    pub fn known_by(&self, id: &[u8], others: &dyn Directory) -> Option<NodeIdx> {
        let names = self.names(others);
        self.known().find(|&n| names.id_of(n).as_bytes() == id)
    }

    pub fn cluster_info(&self) -> String {
        let v = self;
        let assigned = v.slots.iter().filter(|o| o.is_some()).count();
        let pfail = v
            .slots
            .iter()
            .flatten()
            .filter(|&&o| v.view[o].pfail)
            .count();
        let fail = v
            .slots
            .iter()
            .flatten()
            .filter(|&&o| v.view[o].fail)
            .count();
        let my_epoch = self.shown_config_epoch(self.me);
        let mut lines = vec![
            format!(
                "cluster_state:{}",
                if self.bus.state_ok { "ok" } else { "fail" }
            ),
            format!("cluster_slots_assigned:{assigned}"),
            format!("cluster_slots_ok:{}", assigned - pfail - fail),
            format!("cluster_slots_pfail:{pfail}"),
            format!("cluster_slots_fail:{fail}"),
            format!("cluster_known_nodes:{}", self.known().count()),
            format!("cluster_size:{}", self.cluster_size()),
            format!("cluster_current_epoch:{}", v.current_epoch),
            format!("cluster_my_epoch:{my_epoch}"),
        ];
        // Per message type, only the types seen, then the totals.
        for (counts, dir) in [
            (&v.bus.stats_sent, "sent"),
            (&v.bus.stats_received, "received"),
        ] {
            for kind in MsgKind::ALL {
                if counts[kind as usize] > 0 {
                    lines.push(format!(
                        "cluster_stats_messages_{}_{dir}:{}",
                        kind.stats_name(),
                        counts[kind as usize]
                    ));
                }
            }
            lines.push(format!(
                "cluster_stats_messages_{dir}:{}",
                counts.iter().sum::<u64>()
            ));
        }
        lines.push("total_cluster_links_buffer_limit_exceeded:0".to_string());
        lines.iter().map(|l| format!("{l}\r\n")).collect()
    }

    /// Replicas of `master` as this node sees them.
    fn replicas_of(&self, master: NodeIdx) -> Vec<NodeIdx> {
        self.known()
            .filter(|&r| self.view[r].role == (Role::Replica { of: master }))
            .collect()
    }

    /// A peer's replication offset as this node knows it: its own, or
    /// what the peer's last message said (`node->repl_offset`).
    fn offset_of(&self, node: NodeIdx) -> u64 {
        if node == self.me {
            self.repl_offset
        } else {
            self.view[node].repl_offset
        }
    }

    fn node_entry(names: &dyn Directory, node: NodeIdx) -> Reply {
        let addr = names.addr_of(node);
        Reply::Array(vec![
            Reply::bulk(addr.ip.clone()),
            Reply::Integer(i64::from(addr.port)),
            Reply::bulk(names.id_of(node).to_string()),
            // Extra networking metadata: empty with the default endpoint type.
            Reply::Map(Vec::new()),
        ])
    }

    pub fn cluster_slots(&self, others: &dyn Directory) -> Reply {
        let v = self;
        let names = self.names(others);
        let mut out = Vec::new();
        let mut start = 0usize;
        while start < v.slots.len() {
            let owner = v.slots[start];
            let mut end = start;
            while end + 1 < v.slots.len() && v.slots[end + 1] == owner {
                end += 1;
            }
            if let Some(o) = owner {
                let mut entry = vec![
                    Reply::Integer(start as i64),
                    Reply::Integer(end as i64),
                    Node::node_entry(&names, o),
                ];
                for r in self.replicas_of(o) {
                    // Failed replicas, and replicas that have not replicated
                    // anything yet, are not advertised to clients
                    // (`isReplicaAvailable`).
                    if !v.view[r].fail && self.offset_of(r) != 0 {
                        entry.push(Node::node_entry(&names, r));
                    }
                }
                out.push(Reply::Array(entry));
            }
            start = end + 1;
        }
        Reply::Array(out)
    }

    pub fn cluster_shards(&self, others: &dyn Directory, _proto: Protocol) -> Reply {
        let v = self;
        let names = self.names(others);
        let masters: Vec<NodeIdx> = self
            .known()
            .filter(|&n| v.view[n].role == Role::Master)
            .collect();
        let field = |s: &str| Reply::bulk(s.to_string());
        let node_map = |n: NodeIdx| {
            let addr = names.addr_of(n);
            let offset = self.offset_of(n);
            let role = if v.view[n].role.is_master() {
                "master"
            } else {
                "replica"
            };
            let health = if v.view[n].fail {
                "fail"
            } else if offset == 0 && matches!(v.view[n].role, Role::Replica { .. }) {
                "loading"
            } else {
                "online"
            };
            Reply::Map(vec![
                (field("id"), Reply::bulk(names.id_of(n).to_string())),
                (field("port"), Reply::Integer(i64::from(addr.port))),
                (field("ip"), Reply::bulk(addr.ip.clone())),
                (field("endpoint"), Reply::bulk(addr.ip.clone())),
                (field("role"), field(role)),
                (field("replication-offset"), Reply::Integer(offset as i64)),
                (field("health"), field(health)),
            ])
        };
        Reply::Array(
            masters
                .iter()
                .map(|&m| {
                    let slots = ranges(v.slots.as_slice(), |o| o == Some(m))
                        .into_iter()
                        .flat_map(|(a, b)| {
                            [Reply::Integer(i64::from(a)), Reply::Integer(i64::from(b))]
                        })
                        .collect();
                    let mut nodes = vec![node_map(m)];
                    nodes.extend(self.replicas_of(m).into_iter().map(node_map));
                    Reply::Map(vec![
                        (field("slots"), Reply::Array(slots)),
                        (field("nodes"), Reply::Array(nodes)),
                    ])
                })
                .collect(),
        )
    }

    fn cluster_replicas(
        &self,
        id: &[u8],
        now: u64,
        others: &dyn Directory,
    ) -> Result<Reply, Reply> {
        let Some(n) = self.known_by(id, others) else {
            return Err(err(format!(
                "ERR Unknown node {}",
                String::from_utf8_lossy(id)
            )));
        };
        if self.view[n].role != Role::Master {
            return Err(err("ERR The specified node is not a master"));
        }
        Ok(Reply::Array(
            self.replicas_of(n)
                .into_iter()
                .map(|r| Reply::bulk(self.node_line(r, now, others)))
                .collect(),
        ))
    }

    fn get_keys_in_slot(&mut self, argv: &[Vec<u8>], now: u64) -> Result<Reply, Reply> {
        let (Some(slot), Some(count)) = (parse_i64(&argv[2]), parse_i64(&argv[3])) else {
            return Err(err(NOT_INTEGER));
        };
        if !(0..i64::from(SLOT_COUNT)).contains(&slot) || count < 0 {
            return Err(err("ERR Invalid slot or number of keys"));
        }
        self.db.expire_all(now);
        Ok(Reply::Array(
            self.db
                .keys_in_slot(slot as Slot)
                .take(count as usize)
                .map(|k| Reply::bulk(k.clone()))
                .collect(),
        ))
    }

    /// `CLUSTER SETSLOT <slot> IMPORTING|MIGRATING|STABLE|NODE [<id>]`.
    fn setslot(&mut self, argv: &[Vec<u8>], io: &mut dyn Io) -> Result<Reply, Reply> {
        let me = self.me;
        if matches!(self.role(me), Role::Replica { .. }) {
            return Err(err("ERR Please use SETSLOT only with masters."));
        }
        let slot = slot_arg(&argv[2])?;
        let action = argv[3].to_ascii_lowercase();
        let id_text = || {
            argv.get(4)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .unwrap_or_default()
        };
        let owner = self.slots[usize::from(slot)];
        let target = argv.get(4).and_then(|id| self.known_by(id, &*io));
        let target = || target;
        match (action.as_slice(), argv.len()) {
            (b"migrating", 5) => {
                if owner != Some(me) {
                    return Err(err(format!("ERR I'm not the owner of hash slot {slot}")));
                }
                let n = target()
                    .ok_or_else(|| err(format!("ERR I don't know about node {}", id_text())))?;
                if self.view[n].role != Role::Master {
                    return Err(err("ERR Target node is not a master"));
                }
                self.migrating.insert(slot, n);
            }
            (b"importing", 5) => {
                if owner == Some(me) {
                    return Err(err(format!(
                        "ERR I'm already the owner of hash slot {slot}"
                    )));
                }
                let n = target()
                    .ok_or_else(|| err(format!("ERR I don't know about node {}", id_text())))?;
                if self.view[n].role != Role::Master {
                    return Err(err("ERR Target node is not a master"));
                }
                self.importing.insert(slot, n);
            }
            (b"stable", 4) => {
                self.migrating.remove(&slot);
                self.importing.remove(&slot);
            }
            (b"node", 5) => {
                let n = target().ok_or_else(|| err(format!("ERR Unknown node {}", id_text())))?;
                if self.view[n].role != Role::Master {
                    return Err(err("ERR Target node is not a master"));
                }
                let now = io.now();
                self.db.expire_all(now);
                let keys = self.db.count_in_slot(slot);
                if owner == Some(me) && n != me && keys != 0 {
                    return Err(err(format!(
                        "ERR Can't assign hashslot {slot} to a different node while I still hold keys for this hash slot."
                    )));
                }
                if keys == 0 {
                    self.migrating.remove(&slot);
                }
                let slot_was_mine = owner == Some(me);
                self.slots.set(usize::from(slot), Some(n));
                if slot_was_mine && n != me && !self.slots.contains(&Some(me)) {
                    self.become_replica(io, n);
                }
                if n == me && self.importing.remove(&slot).is_some() {
                    // A manually migrated slot needs a new config epoch so
                    // that the change wins everywhere (`clusterBumpConfigEpochWithoutConsensus`),
                    // and a PONG to everyone at once.
                    self.bump_config_epoch_without_consensus();
                    self.broadcast_pong(io);
                }
            }
            _ => {
                return Err(err(
                    "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP",
                ))
            }
        }
        Ok(Reply::ok())
    }

    fn add_or_del_slots(
        &mut self,
        add: bool,
        slots: &[Slot],
        io: &mut dyn Io,
    ) -> Result<Reply, Reply> {
        let me = self.me;
        for (i, &s) in slots.iter().enumerate() {
            let owner = self.slots[usize::from(s)];
            if add && owner.is_some() {
                return Err(err(format!("ERR Slot {s} is already busy")));
            }
            if !add && owner.is_none() {
                return Err(err(format!("ERR Slot {s} is already unassigned")));
            }
            if slots[..i].contains(&s) {
                return Err(err(format!("ERR Slot {s} specified multiple times")));
            }
        }
        for &s in slots {
            let node = &mut *self;
            node.slots
                .set(usize::from(s), if add { Some(me) } else { None });
            if add {
                node.importing.remove(&s);
            }
        }
        if add {
            self.broadcast_pong(io);
        }
        Ok(Reply::ok())
    }

    fn slot_ranges_command(
        &mut self,
        name: &str,
        argv: &[Vec<u8>],
        io: &mut dyn Io,
    ) -> Result<Reply, Reply> {
        if !argv.len().is_multiple_of(2) {
            return Err(err(format!(
                "ERR wrong number of arguments for '{name}' command"
            )));
        }
        let mut slots = Vec::new();
        for pair in argv[2..].chunks(2) {
            let (a, b) = (slot_arg(&pair[0])?, slot_arg(&pair[1])?);
            if a > b {
                return Err(err(format!(
                    "ERR start slot number {a} is greater than end slot number {b}"
                )));
            }
            slots.extend(a..=b);
        }
        self.add_or_del_slots(name == "cluster|addslotsrange", &slots, io)
    }

    /// `CLUSTER FAILOVER [FORCE|TAKEOVER]`: starts a manual failover on this
    /// replica (`bus::manual_failover`); the reply comes at once, the
    /// failover follows on the bus. Without FORCE or TAKEOVER, a master that
    /// is flagged FAIL or whose link is down refuses it.
    fn failover_command(&mut self, argv: &[Vec<u8>], io: &mut dyn Io) -> Result<Reply, Reply> {
        let me = self.me;
        let (force, takeover) = match argv.get(2).map(|a| a.to_ascii_lowercase()) {
            None => (false, false),
            Some(o) if argv.len() == 3 && o == b"force" => (true, false),
            Some(o) if argv.len() == 3 && o == b"takeover" => (false, true),
            Some(_) => return Err(err("ERR syntax error")),
        };
        let Role::Replica { of: master } = self.role(me) else {
            return Err(err("ERR You should send CLUSTER FAILOVER to a replica"));
        };
        let master_down = self.view[master].fail || !io.master_link(master).up;
        if !force && !takeover && master_down {
            return Err(err(
                "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE",
            ));
        }
        self.start_manual_failover(io, master, force, takeover);
        Ok(Reply::ok())
    }

    /// `CLUSTER MEET ip port [cport]`: checks the address and starts a
    /// handshake with whoever listens there (`meet`).
    fn meet_command(&mut self, argv: &[Vec<u8>], io: &mut dyn Io) -> Result<Reply, Reply> {
        let text = |a: &[u8]| String::from_utf8_lossy(a).into_owned();
        let Some(port) = parse_i64(&argv[3]) else {
            return Err(err(format!(
                "ERR Invalid TCP base port specified: {}",
                text(&argv[3])
            )));
        };
        let cport = match argv.get(4) {
            None => port + 10_000,
            Some(c) => parse_i64(c)
                .ok_or_else(|| err(format!("ERR Invalid TCP bus port specified: {}", text(c))))?,
        };
        let ip = text(&argv[2]);
        let valid_ip = ip.parse::<std::net::IpAddr>().is_ok();
        let valid_ports = (1..=65535).contains(&port) && (1..=65535).contains(&cport);
        if !valid_ip || !valid_ports {
            return Err(err(format!(
                "ERR Invalid node address specified: {ip}:{}",
                text(&argv[3])
            )));
        }
        // A node nobody listens on: Redis says OK and keeps trying to connect.
        let target = io.listening_at(ip.as_bytes(), port as u16);
        if let Some(t) = target {
            self.meet(t, io.now());
        }
        Ok(Reply::ok())
    }

    /// `clusterStartHandshake`: `me` will connect to `target` and send it a
    /// MEET; `target` adds `me` as it describes itself in that MEET and
    /// answers PONG, which completes the handshake on `me`'s side. Each then
    /// learns the rest of the cluster from the other's gossip. (A node
    /// already known, or a handshake already in progress, needs no new one.)
    pub fn meet(&mut self, target: NodeIdx, now: u64) {
        let me = self.me;
        let node = self;
        if me == target
            || node.view[target].known
            || node.bus.handshakes.iter().any(|h| h.node == target)
        {
            return;
        }
        node.bus.handshakes.push(Handshake {
            node: target,
            since: now,
            meet_sent: false,
        });
    }

    /// `CLUSTER RESET [SOFT|HARD]` (`clusterReset`): forget every other node,
    /// drop all slots, become an empty master; HARD also takes a new ID and
    /// zeroes the epochs.
    fn reset(&mut self, hard: bool, io: &mut dyn Io) {
        let me = self.me;
        if matches!(self.role(me), Role::Replica { .. }) {
            self.db.flush();
        }
        let new_id = hard.then(|| io.rng().node_id());
        let node = self;
        node.view[me].role = Role::Master;
        node.bus.view_changes += 1;
        node.migrating.clear();
        node.importing.clear();
        node.slots = SlotTable::empty();
        for (n, peer) in node.view.iter_mut().enumerate() {
            if n != me {
                peer.known = false;
            }
        }
        node.refresh_known();
        node.bus.handshakes.clear();
        if let Some(id) = new_id {
            node.id = id;
            node.current_epoch = 0;
            node.view[me].config_epoch = 0;
        }
    }

    fn forget(&mut self, id: &[u8], io: &mut dyn Io) -> Result<Reply, Reply> {
        let me = self.me;
        let Some(n) = self.known_by(id, &*io) else {
            return Err(err(format!(
                "ERR Unknown node {}",
                String::from_utf8_lossy(id)
            )));
        };
        if n == me {
            return Err(err("ERR I tried hard but I can't forget myself..."));
        }
        if self.role(me) == (Role::Replica { of: n }) {
            return Err(err("ERR Can't forget my master!"));
        }
        // `clusterBlacklistAddNode`, then `clusterDelNode`: its slots
        // become unassigned in this view.
        let until = io.now() + crate::bus::BLACKLIST_TTL_MS;
        let node = self;
        node.bus.forgotten_until.insert(n, until);
        node.view[n].known = false;
        node.refresh_known();
        for slot in 0..usize::from(SLOT_COUNT) {
            if node.slots[slot] == Some(n) {
                node.slots.set(slot, None);
            }
        }
        Ok(Reply::ok())
    }

    fn replicate_command(&mut self, id: &[u8], io: &mut dyn Io) -> Result<Reply, Reply> {
        let me = self.me;
        let Some(n) = self.known_by(id, &*io) else {
            return Err(err(format!(
                "ERR Unknown node {}",
                String::from_utf8_lossy(id)
            )));
        };
        if n == me {
            return Err(err("ERR Can't replicate myself"));
        }
        // A node flagged slave, even one whose master is unknown here.
        if !self.view[n].role.is_master() {
            return Err(err("ERR I can only replicate a master, not a replica."));
        }
        let owns_slots = self.slots.contains(&Some(me));
        if self.role(me) == Role::Master && (owns_slots || !self.db.is_empty()) {
            return Err(err(
                "ERR To set a master the node must be empty and without assigned slots.",
            ));
        }
        self.become_replica(io, n);
        Ok(Reply::ok())
    }
}

/// `CLUSTER HELP` exactly as Redis 7.0.15 answers it.
const CLUSTER_HELP: &[&str] = &[
    "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ADDSLOTS <slot> [<slot> ...]",
    "    Assign slots to current node.",
    "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Assign slots which are between <start-slot> and <end-slot> to current node.",
    "BUMPEPOCH",
    "    Advance the cluster config epoch.",
    "COUNT-FAILURE-REPORTS <node-id>",
    "    Return number of failure reports for <node-id>.",
    "COUNTKEYSINSLOT <slot>",
    "    Return the number of keys in <slot>.",
    "DELSLOTS <slot> [<slot> ...]",
    "    Delete slots information from current node.",
    "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
    "FAILOVER [FORCE|TAKEOVER]",
    "    Promote current replica node to being a master.",
    "FORGET <node-id>",
    "    Remove a node from the cluster.",
    "GETKEYSINSLOT <slot> <count>",
    "    Return key names stored by current node in a slot.",
    "FLUSHSLOTS",
    "    Delete current node own slots information.",
    "INFO",
    "    Return information about the cluster.",
    "KEYSLOT <key>",
    "    Return the hash slot for <key>.",
    "MEET <ip> <port> [<bus-port>]",
    "    Connect nodes into a working cluster.",
    "MYID",
    "    Return the node id.",
    "NODES",
    "    Return cluster configuration seen by node. Output format:",
    "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
    "REPLICATE <node-id>",
    "    Configure current node as replica to <node-id>.",
    "RESET [HARD|SOFT]",
    "    Reset current node (default: soft).",
    "SET-CONFIG-EPOCH <epoch>",
    "    Set config epoch of current node.",
    "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
    "    Set slot state.",
    "REPLICAS <node-id>",
    "    Return <node-id> replicas.",
    "SAVECONFIG",
    "    Force saving cluster configuration on disk.",
    "SLOTS",
    "    Return information about slots range mappings. Each range is made of:",
    "    start, end, master and replicas IP addresses, ports and ids",
    "SHARDS",
    "    Return information about slot range mappings and the nodes associated with them.",
    "LINKS",
    "    Return information about all network links between this node and its peers.",
    "    Output format is an array where each array element is a map containing attributes of a link",
    "HELP",
    "    Prints this help.",
];

#[cfg(test)]
mod tests {
    use crate::client::RedisCli;
    use crate::cluster::{Cluster, Role};

    fn send(c: &mut Cluster, cli: &mut RedisCli, port: u16, line: &str) -> String {
        cli.current = c.node_by_port(port).unwrap();
        let argv = crate::command::parse::split_args(line.as_bytes()).unwrap();
        cli.send(c, &argv).printed.join("\n")
    }

    #[test]
    fn failover_variants_end_as_in_the_transcript() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        c.set_config(|c| c.node_timeout = 2_000);
        let mut cli = RedisCli::new(0, false);
        send(&mut c, &mut cli, 7000, "SET bar value-of-bar");
        assert_eq!(
            send(&mut c, &mut cli, 7000, "CLUSTER FAILOVER"),
            "(error) ERR You should send CLUSTER FAILOVER to a replica"
        );
        assert_eq!(
            send(&mut c, &mut cli, 7003, "CLUSTER FAILOVER BOGUS"),
            "(error) ERR syntax error"
        );
        assert_eq!(send(&mut c, &mut cli, 7003, "CLUSTER FAILOVER"), "OK");
        // The failover runs over the bus: MFSTART, the paused master's
        // offset, the election, the PONG broadcast; then every view agrees
        // (within about 0.5 s in the transcript, node timeout 2000).
        c.advance(2_000);
        // 7003 is the master now, with epoch 7; 7000 follows it.
        for v in 0..6 {
            assert_eq!(c.nodes[v].view[3].role, Role::Master);
            assert_eq!(c.nodes[v].view[0].role, Role::Replica { of: 3 });
            assert_eq!(c.nodes[v].current_epoch, 7);
        }
        assert_eq!(c.shown_config_epoch(1, 0), 7);
        assert_eq!(
            send(&mut c, &mut cli, 7000, "GET bar"),
            "(error) MOVED 5061 127.0.0.1:7003"
        );
        assert_eq!(send(&mut c, &mut cli, 7003, "GET bar"), "\"value-of-bar\"");
        assert_eq!(send(&mut c, &mut cli, 7004, "CLUSTER FAILOVER FORCE"), "OK");
        c.advance(2_000);
        assert_eq!(
            send(&mut c, &mut cli, 7005, "CLUSTER FAILOVER TAKEOVER"),
            "OK"
        );
        c.advance(2_000);
        assert_eq!(c.nodes[0].current_epoch, 9);
        assert_eq!(
            send(&mut c, &mut cli, 7002, "GET foo"),
            "(error) MOVED 12182 127.0.0.1:7005"
        );
    }
}
