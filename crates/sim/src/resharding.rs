//! `redis-cli --cluster` operations as sequences of real commands, run one
//! step at a time so a migration can be paused half way (and ASK and TRYAGAIN
//! seen). The step order is redis-cli's (`clusterManagerMoveSlot`): per slot,
//! SETSLOT IMPORTING on the target, SETSLOT MIGRATING on the source,
//! GETKEYSINSLOT + MIGRATE in batches until the slot is empty, then SETSLOT
//! NODE on the target, on the source, and on every other master.

use crate::cluster::{Cluster, ConnId, NodeIdx, Role};
use crate::reply::Reply;
use crate::slot::{Slot, SLOT_COUNT};

/// redis-cli's defaults: `--cluster-pipeline 10`, `--cluster-timeout 60000`.
pub const PIPELINE: usize = 10;
pub const MIGRATE_TIMEOUT_MS: u64 = 60_000;

/// One command an operation sends, and to which node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub node: NodeIdx,
    pub argv: Vec<Vec<u8>>,
}

/// A slot to move, and between whom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotMove {
    pub slot: Slot,
    pub source: NodeIdx,
    pub target: NodeIdx,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    Importing,
    Migrating,
    GetKeys,
    Migrate(Vec<Vec<u8>>),
    NodeOnTarget,
    NodeOnSource,
    /// SETSLOT NODE on the other masters, by index into `others`.
    NodeOnOthers(usize),
}

fn arg(s: impl Into<String>) -> Vec<u8> {
    s.into().into_bytes()
}

fn masters(cluster: &Cluster, viewer: NodeIdx) -> Vec<NodeIdx> {
    (0..cluster.nodes.len())
        .filter(|&n| cluster.nodes[n].alive && cluster.nodes[viewer].view[n].role == Role::Master)
        .collect()
}

fn slots_of(cluster: &Cluster, viewer: NodeIdx, node: NodeIdx) -> Vec<Slot> {
    (0..SLOT_COUNT)
        .filter(|&s| cluster.nodes[viewer].slots[usize::from(s)] == Some(node))
        .collect()
}

/// `clusterManagerComputeReshardTable`: each source gives a share of
/// `count` proportional to its slots (rounded up for the biggest source,
/// down for the others), taking its lowest slots first.
pub fn reshard_table(
    cluster: &Cluster,
    sources: &[NodeIdx],
    target: NodeIdx,
    count: usize,
) -> Vec<SlotMove> {
    let viewer = target;
    let mut sorted: Vec<(NodeIdx, Vec<Slot>)> = sources
        .iter()
        .map(|&s| (s, slots_of(cluster, viewer, s)))
        .collect();
    // A stable sort, biggest first, like redis-cli's qsort on glibc.
    crate::order::sort_by_key(&mut sorted, |(_, slots)| std::cmp::Reverse(slots.len()));
    let total: usize = sorted.iter().map(|(_, s)| s.len()).sum();
    let mut moves = Vec::new();
    if total == 0 {
        return moves;
    }
    for (i, (node, slots)) in sorted.iter().enumerate() {
        // redis-cli computes this in single precision.
        let share = count as f32 / total as f32 * slots.len() as f32;
        let max = if i == 0 { share.ceil() } else { share.floor() } as usize;
        for &slot in slots.iter().take(max) {
            if moves.len() >= count {
                break;
            }
            moves.push(SlotMove {
                slot,
                source: *node,
                target,
            });
        }
    }
    moves
}

/// Problems `redis-cli --cluster check` would refuse to reshard with.
pub fn open_slots(cluster: &Cluster) -> Vec<Slot> {
    let mut open: Vec<Slot> = cluster
        .nodes
        .iter()
        .filter(|n| n.alive)
        .flat_map(|n| n.migrating.keys().chain(n.importing.keys()).copied())
        .collect();
    crate::order::sort_by_key(&mut open, |&s| s);
    open.dedup();
    open
}

/// One thing an operation still has to do.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Task {
    /// A single command.
    Command(Step),
    /// Moving one slot, `clusterManagerMoveSlot`'s steps.
    MoveSlot(SlotMove, Phase),
    /// add-node's "Waiting for the cluster to join": CLUSTER NODES is read
    /// until the new node and the cluster know each other (the handshake
    /// and gossip take simulated time), at most `JOIN_POLLS` times.
    WaitForJoin {
        new: NodeIdx,
        entry: NodeIdx,
        polls: u32,
    },
}

/// How often add-node looks before it gives up on the new node joining.
const JOIN_POLLS: u32 = 600;

/// A `redis-cli --cluster` operation in progress: `reshard`, `add-node`,
/// `del-node`, `rebalance` or `fix`. `step` sends one command.
#[derive(Clone, Debug, PartialEq)]
pub struct Operation {
    /// What redis-cli calls it, e.g. `reshard`.
    pub name: &'static str,
    tasks: std::collections::VecDeque<Task>,
    /// The slot moves planned, for showing the plan.
    pub moves: Vec<SlotMove>,
    /// `--cluster-replace`: overwrite keys that already exist on the target.
    pub replace: bool,
    /// The operator's connection to each node.
    conns: Vec<Option<ConnId>>,
    /// Every command sent so far, with its reply.
    pub log: Vec<(Step, Reply)>,
    /// Set when a step failed; the operation stops there, as redis-cli does.
    pub error: Option<String>,
    /// Stopped by the user (Ctrl-C) before its end.
    pub abandoned: bool,
}

fn command(node: NodeIdx, words: &[&str]) -> Task {
    Task::Command(Step {
        node,
        argv: words.iter().map(|w| arg(*w)).collect(),
    })
}

/// The master with the fewest replicas (`clusterManagerNodeWithLeastReplicas`).
fn least_replicated_master(cluster: &Cluster, viewer: NodeIdx, except: NodeIdx) -> Option<NodeIdx> {
    masters(cluster, viewer)
        .into_iter()
        .filter(|&m| m != except)
        .min_by_key(|&m| {
            cluster
                .known(viewer)
                .filter(|&r| cluster.nodes[viewer].view[r].role == (Role::Replica { of: m }))
                .count()
        })
}

impl Operation {
    fn new(
        name: &'static str,
        cluster: &Cluster,
        tasks: Vec<Task>,
        moves: Vec<SlotMove>,
    ) -> Operation {
        Operation {
            name,
            tasks: tasks.into(),
            moves,
            replace: false,
            conns: vec![None; cluster.nodes.len()],
            log: Vec::new(),
            error: None,
            abandoned: false,
        }
    }

    fn moving(name: &'static str, cluster: &Cluster, moves: Vec<SlotMove>) -> Operation {
        let tasks = moves
            .iter()
            .map(|&m| Task::MoveSlot(m, Phase::Importing))
            .collect();
        Operation::new(name, cluster, tasks, moves)
    }

    /// `redis-cli --cluster reshard`: `count` slots to `target` from `sources`
    /// (all other masters when empty), refusing as redis-cli does.
    pub fn reshard(
        cluster: &Cluster,
        sources: &[NodeIdx],
        target: NodeIdx,
        count: usize,
    ) -> Result<Operation, String> {
        if target >= cluster.nodes.len() || cluster.nodes[target].view[target].role != Role::Master
        {
            return Err(
                "*** The specified node is not known or not a master, please retry.".into(),
            );
        }
        if count == 0 || count > usize::from(SLOT_COUNT) {
            return Err(format!(
                "*** The number of slots must be between 1 and {SLOT_COUNT}"
            ));
        }
        if !open_slots(cluster).is_empty() {
            return Err("*** Please fix your cluster problems before resharding".into());
        }
        let sources: Vec<NodeIdx> = if sources.is_empty() {
            masters(cluster, target)
                .into_iter()
                .filter(|&m| m != target)
                .collect()
        } else {
            sources.to_vec()
        };
        if sources.contains(&target) {
            return Err("*** Target node is also listed among the source nodes!".into());
        }
        if let Some(&bad) = sources.iter().find(|&&s| {
            s >= cluster.nodes.len() || cluster.nodes[target].view[s].role != Role::Master
        }) {
            return Err(format!(
                "*** Node {bad} is not a master and cannot be a source"
            ));
        }
        let moves = reshard_table(cluster, &sources, target, count);
        if moves.is_empty() {
            return Err("*** No slots to move: the sources hold none".into());
        }
        Ok(Operation::moving("reshard", cluster, moves))
    }

    /// One slot to `target`, with `clusterManagerMoveSlot`'s steps (what
    /// `reshard` does for each slot of its table).
    pub fn move_slot(cluster: &Cluster, slot: Slot, target: NodeIdx) -> Result<Operation, String> {
        if target >= cluster.nodes.len() || cluster.nodes[target].view[target].role != Role::Master
        {
            return Err(
                "*** The specified node is not known or not a master, please retry.".into(),
            );
        }
        let source = cluster.nodes[target].slots[usize::from(slot)];
        if !open_slots(cluster).is_empty() {
            return Err("*** Please fix your cluster problems before resharding".into());
        }
        match source {
            Some(source) if source != target => Ok(Operation::moving(
                "reshard",
                cluster,
                vec![SlotMove {
                    slot,
                    source,
                    target,
                }],
            )),
            Some(_) => Err(format!("*** Slot {slot} is already served by that node")),
            None => Err(format!("*** Slot {slot} is not served by any node")),
        }
    }

    /// `redis-cli --cluster add-node NEW EXISTING [--cluster-slave [--cluster-master-id ID]]`:
    /// CLUSTER MEET on the new node, then CLUSTER REPLICATE for a replica
    /// (of `master`, or of the master with the fewest replicas).
    pub fn add_node(
        cluster: &Cluster,
        new: NodeIdx,
        existing: NodeIdx,
        replica: bool,
        master: Option<NodeIdx>,
    ) -> Result<Operation, String> {
        let n = &cluster.nodes[new];
        if cluster.known(new).count() > 1 || !n.db.is_empty() {
            return Err(format!(
                "[ERR] Node {} is not empty. Either the node already knows other nodes (check with CLUSTER NODES) or contains some key in database 0.",
                n.addr
            ));
        }
        let e = &cluster.nodes[existing].addr;
        let mut tasks = vec![
            command(new, &["CLUSTER", "MEET", &e.ip, &e.port.to_string()]),
            Task::WaitForJoin {
                new,
                entry: existing,
                polls: 0,
            },
        ];
        if replica {
            let m = match master {
                Some(m) => m,
                None => least_replicated_master(cluster, existing, new)
                    .ok_or("[ERR] No master to replicate: the cluster has no master")?,
            };
            tasks.push(command(
                new,
                &["CLUSTER", "REPLICATE", &cluster.nodes[m].id],
            ));
        }
        Ok(Operation::new("add-node", cluster, tasks, Vec::new()))
    }

    /// `redis-cli --cluster del-node ENTRY ID`: refuses a node with slots;
    /// re-points its replicas to the master with the fewest replicas, sends
    /// CLUSTER FORGET to every other node, then CLUSTER RESET SOFT to it.
    pub fn del_node(cluster: &Cluster, entry: NodeIdx, node: NodeIdx) -> Result<Operation, String> {
        if !cluster.nodes[entry].view.get(node).is_some_and(|p| p.known) {
            return Err(format!(
                "[ERR] No such node ID {}",
                cluster.nodes.get(node).map_or("?", |n| n.id.as_str())
            ));
        }
        if cluster.nodes[entry].slots.count_of(node) > 0 {
            return Err(format!(
                "[ERR] Node {} is not empty! Reshard data away and try again.",
                cluster.nodes[node].addr
            ));
        }
        let id = cluster.nodes[node].id.clone();
        let mut tasks = Vec::new();
        for other in cluster
            .known(entry)
            .filter(|&o| o != node)
            .collect::<Vec<_>>()
        {
            if cluster.nodes[entry].view[other].role == (Role::Replica { of: node }) {
                if let Some(m) = least_replicated_master(cluster, entry, node) {
                    tasks.push(command(
                        other,
                        &["CLUSTER", "REPLICATE", &cluster.nodes[m].id],
                    ));
                }
            }
            tasks.push(command(other, &["CLUSTER", "FORGET", &id]));
        }
        tasks.push(command(node, &["CLUSTER", "RESET", "SOFT"]));
        Ok(Operation::new("del-node", cluster, tasks, Vec::new()))
    }

    /// `redis-cli --cluster rebalance` with equal weights
    /// (`clusterManagerCommandRebalance`): nodes more than `threshold`
    /// percent away from their share give slots, lowest first, to the most
    /// starved ones. Empty masters take part with `use_empty_masters`.
    pub fn rebalance(
        cluster: &Cluster,
        entry: NodeIdx,
        threshold: f32,
        use_empty_masters: bool,
    ) -> Result<Operation, String> {
        if !open_slots(cluster).is_empty() {
            return Err("*** Please fix your cluster problems before rebalancing".into());
        }
        let nodes: Vec<NodeIdx> = masters(cluster, entry)
            .into_iter()
            .filter(|&m| use_empty_masters || cluster.nodes[entry].slots.count_of(m) > 0)
            .collect();
        if nodes.is_empty() {
            return Err("*** No masters to rebalance".into());
        }
        let expected = (f32::from(SLOT_COUNT) / nodes.len() as f32) as i64;
        let mut balance: Vec<(NodeIdx, i64)> = Vec::new();
        let mut threshold_reached = false;
        for &n in &nodes {
            let count = cluster.nodes[entry].slots.count_of(n) as i64;
            let err_perc = (100.0 - 100.0 * expected as f32 / count as f32).abs();
            if count == 0 || err_perc > threshold {
                threshold_reached = true;
            }
            balance.push((n, count - expected));
        }
        if !threshold_reached {
            return Err(format!(
                "*** No rebalancing needed! All nodes are within the {:.2}% threshold.",
                // As f64: formatting an f32 would ship a second float printer.
                f64::from(threshold)
            ));
        }
        // Rounding can leave a surplus: the receivers absorb it.
        let mut total: i64 = balance.iter().map(|(_, b)| b).sum();
        while total > 0 {
            for (_, b) in balance.iter_mut().filter(|(_, b)| *b < 0) {
                if total > 0 {
                    *b -= 1;
                    total -= 1;
                }
            }
        }
        crate::order::sort_by_key(&mut balance, |(_, b)| *b);
        // Each master's slots, lowest first, by node index.
        let mut owned: Vec<std::collections::VecDeque<Slot>> =
            vec![Default::default(); cluster.nodes.len()];
        for &n in &nodes {
            owned[n] = slots_of(cluster, entry, n).into();
        }
        let mut moves = Vec::new();
        let (mut dst, mut src) = (0usize, balance.len() - 1);
        while dst < src {
            let n = balance[dst]
                .1
                .unsigned_abs()
                .min(balance[src].1.unsigned_abs()) as usize;
            let (to, from) = (balance[dst].0, balance[src].0);
            for _ in 0..n {
                if let Some(slot) = owned[from].pop_front() {
                    moves.push(SlotMove {
                        slot,
                        source: from,
                        target: to,
                    });
                }
            }
            balance[dst].1 += n as i64;
            balance[src].1 -= n as i64;
            if balance[dst].1 == 0 {
                dst += 1;
            }
            if balance[src].1 == 0 {
                src = src.saturating_sub(1);
            }
        }
        Ok(Operation::moving("rebalance", cluster, moves))
    }

    /// `redis-cli --cluster fix`, for the common cases: a slot half way
    /// through a migration is finished (keys moved, ownership closed); a slot
    /// open on one side only is closed with SETSLOT STABLE; an unassigned slot
    /// is given to the first master.
    pub fn fix(cluster: &Cluster, entry: NodeIdx) -> Result<Operation, String> {
        let mut tasks = Vec::new();
        let mut moves = Vec::new();
        for slot in open_slots(cluster) {
            let with = |f: &dyn Fn(&crate::cluster::Node) -> bool| -> Vec<NodeIdx> {
                (0..cluster.nodes.len())
                    .filter(|&n| cluster.nodes[n].alive && f(&cluster.nodes[n]))
                    .collect()
            };
            let migrating = with(&|n| n.migrating.contains_key(&slot));
            let importing = with(&|n| n.importing.contains_key(&slot));
            let s = slot.to_string();
            match (migrating.as_slice(), importing.as_slice()) {
                ([source], [target]) => {
                    let m = SlotMove { slot, source: *source, target: *target };
                    moves.push(m);
                    tasks.push(Task::MoveSlot(m, Phase::GetKeys));
                }
                (ms, is) if ms.len() + is.len() > 0 && (ms.is_empty() || is.is_empty()) => {
                    for &n in ms.iter().chain(is) {
                        tasks.push(command(n, &["CLUSTER", "SETSLOT", &s, "STABLE"]));
                    }
                }
                _ => {
                    return Err(format!(
                        "[ERR] Sorry, the simulator can't fix slot {slot}: it is migrating on {} nodes and importing on {}",
                        migrating.len(),
                        importing.len()
                    ))
                }
            }
        }
        let uncovered: Vec<Slot> = (0..SLOT_COUNT)
            .filter(|&s| cluster.nodes[entry].slots[usize::from(s)].is_none())
            .collect();
        if let (false, Some(&first)) = (uncovered.is_empty(), masters(cluster, entry).first()) {
            let mut words = vec!["CLUSTER".to_string(), "ADDSLOTS".to_string()];
            words.extend(uncovered.iter().map(|s| s.to_string()));
            let refs: Vec<&str> = words.iter().map(String::as_str).collect();
            tasks.push(command(first, &refs));
        }
        if tasks.is_empty() {
            return Err("[OK] Nothing to fix: no open slots and all 16384 slots covered.".into());
        }
        Ok(Operation::new("fix", cluster, tasks, moves))
    }

    pub fn is_done(&self) -> bool {
        self.tasks.is_empty() || self.error.is_some()
    }

    /// Stops here, as Ctrl-C stops redis-cli: nothing more is sent, and
    /// what was planned stays on record (how far it got).
    pub fn abandon(&mut self) {
        self.tasks.clear();
        self.abandoned = true;
    }

    /// Other masters to tell about the new owner (not source, not target).
    fn others(cluster: &Cluster, m: SlotMove) -> Vec<NodeIdx> {
        masters(cluster, m.target)
            .into_iter()
            .filter(|&n| n != m.source && n != m.target)
            .collect()
    }

    /// The command the next `step` will send, for showing it beforehand.
    pub fn next_step(&self, cluster: &Cluster) -> Option<Step> {
        if self.error.is_some() {
            return None;
        }
        let (m, phase) = match self.tasks.front()? {
            Task::Command(step) => return Some(step.clone()),
            Task::WaitForJoin { entry, .. } => {
                return Some(Step {
                    node: *entry,
                    argv: vec![arg("CLUSTER"), arg("NODES")],
                })
            }
            Task::MoveSlot(m, phase) => (*m, phase),
        };
        let id = |n: NodeIdx| cluster.nodes[n].id.clone();
        let setslot = |node: NodeIdx, action: &str, who: NodeIdx| Step {
            node,
            argv: vec![
                arg("CLUSTER"),
                arg("SETSLOT"),
                arg(m.slot.to_string()),
                arg(action),
                arg(id(who)),
            ],
        };
        Some(match phase {
            Phase::Importing => setslot(m.target, "IMPORTING", m.source),
            Phase::Migrating => setslot(m.source, "MIGRATING", m.target),
            Phase::GetKeys => Step {
                node: m.source,
                argv: vec![
                    arg("CLUSTER"),
                    arg("GETKEYSINSLOT"),
                    arg(m.slot.to_string()),
                    arg(PIPELINE.to_string()),
                ],
            },
            Phase::Migrate(keys) => {
                let t = &cluster.nodes[m.target].addr;
                let mut argv = vec![
                    arg("MIGRATE"),
                    arg(t.ip.clone()),
                    arg(t.port.to_string()),
                    Vec::new(),
                    arg("0"),
                    arg(MIGRATE_TIMEOUT_MS.to_string()),
                ];
                if self.replace {
                    argv.push(arg("REPLACE"));
                }
                argv.push(arg("KEYS"));
                argv.extend(keys.iter().cloned());
                Step {
                    node: m.source,
                    argv,
                }
            }
            Phase::NodeOnTarget => setslot(m.target, "NODE", m.target),
            Phase::NodeOnSource => setslot(m.source, "NODE", m.target),
            Phase::NodeOnOthers(i) => setslot(Self::others(cluster, m)[*i], "NODE", m.target),
        })
    }

    /// Sends the next command and moves on according to its reply.
    pub fn step(&mut self, cluster: &mut Cluster) -> Option<(Step, Reply)> {
        let step = self.next_step(cluster)?;
        if self.conns.len() < cluster.nodes.len() {
            self.conns.resize(cluster.nodes.len(), None);
        }
        let conn = *self.conns[step.node].get_or_insert_with(|| cluster.connect(step.node));
        let reply = cluster.execute(conn, &step.argv);
        let task = self.tasks.pop_front().expect("next_step saw a task");
        let next = match (task, &reply) {
            // The source may have become a replica after giving away its last slot.
            (Task::MoveSlot(m, Phase::NodeOnSource), Reply::Error(e))
                if e.contains("Please use SETSLOT only with masters") =>
            {
                Self::after_source(cluster, m)
            }
            (_, Reply::Error(e)) => {
                let words = String::from_utf8_lossy(&step.argv.join(&b' ')).into_owned();
                self.error = Some(format!("[ERR] Calling {words}: {e}"));
                None
            }
            (Task::Command(_), _) => None,
            (Task::WaitForJoin { new, entry, polls }, _) => {
                if joined(cluster, new, entry) {
                    None
                } else if polls + 1 >= JOIN_POLLS {
                    self.error = Some(format!(
                        "[ERR] {} did not join the cluster",
                        cluster.nodes[new].addr
                    ));
                    None
                } else {
                    Some(Task::WaitForJoin {
                        new,
                        entry,
                        polls: polls + 1,
                    })
                }
            }
            (Task::MoveSlot(m, phase), reply) => match (phase, reply) {
                (Phase::Importing, _) => Some(Task::MoveSlot(m, Phase::Migrating)),
                (Phase::Migrating, _) => Some(Task::MoveSlot(m, Phase::GetKeys)),
                (Phase::GetKeys, Reply::Array(keys)) if !keys.is_empty() => {
                    let keys = keys
                        .iter()
                        .filter_map(|k| match k {
                            Reply::Bulk(b) => Some(b.clone()),
                            _ => None,
                        })
                        .collect();
                    Some(Task::MoveSlot(m, Phase::Migrate(keys)))
                }
                (Phase::GetKeys, _) => Some(Task::MoveSlot(m, Phase::NodeOnTarget)),
                (Phase::Migrate(_), _) => Some(Task::MoveSlot(m, Phase::GetKeys)),
                (Phase::NodeOnTarget, _) => Some(Task::MoveSlot(m, Phase::NodeOnSource)),
                (Phase::NodeOnSource, _) => Self::after_source(cluster, m),
                (Phase::NodeOnOthers(i), _) if i + 1 < Self::others(cluster, m).len() => {
                    Some(Task::MoveSlot(m, Phase::NodeOnOthers(i + 1)))
                }
                (Phase::NodeOnOthers(_), _) => None,
            },
        };
        if let Some(task) = next {
            self.tasks.push_front(task);
        }
        self.log.push((step.clone(), reply.clone()));
        Some((step, reply))
    }

    fn after_source(cluster: &Cluster, m: SlotMove) -> Option<Task> {
        if Self::others(cluster, m).is_empty() {
            None
        } else {
            Some(Task::MoveSlot(m, Phase::NodeOnOthers(0)))
        }
    }

    /// Runs every remaining step.
    pub fn run(&mut self, cluster: &mut Cluster) -> Result<(), String> {
        while self.step(cluster).is_some() {
            // Waiting for a node to join takes time: let it pass (redis-cli
            // looks once a second; the paced operator every 100 ms).
            if matches!(self.tasks.front(), Some(Task::WaitForJoin { .. })) {
                cluster.advance(100);
            }
        }
        match &self.error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }
}

/// Whether `new` and the nodes `entry` knows all know each other (what
/// redis-cli's `clusterManagerWaitForClusterJoin` waits for).
fn joined(cluster: &Cluster, new: NodeIdx, entry: NodeIdx) -> bool {
    cluster
        .known(entry)
        .filter(|&n| cluster.nodes[n].alive)
        .all(|n| cluster.nodes[n].view[new].known && cluster.nodes[new].view[n].known)
        && cluster.nodes[entry].view[new].known
}

/// `redis-cli --cluster check`, from `entry`'s point of view, as text.
pub fn check(cluster: &mut Cluster, entry: NodeIdx) -> Vec<String> {
    let now = cluster.now;
    for n in &mut cluster.nodes {
        n.db.expire_all(now);
    }
    let c = &*cluster;
    let view = &c.nodes[entry];
    let short = |n: NodeIdx| format!("{}...", &c.nodes[n].id[..8]);
    let ms = masters(c, entry);
    let replicas_of = |m: NodeIdx| {
        c.known(entry)
            .filter(|&r| view.view[r].role == (Role::Replica { of: m }))
            .count()
    };
    let mut out = Vec::new();
    let mut total_keys = 0;
    for &m in &ms {
        let keys = c.nodes[m].db.len();
        total_keys += keys;
        out.push(format!(
            "{} ({}) -> {keys} keys | {} slots | {} slaves.",
            c.nodes[m].addr,
            short(m),
            slots_of(c, entry, m).len(),
            replicas_of(m)
        ));
    }
    out.push(format!("[OK] {total_keys} keys in {} masters.", ms.len()));
    out.push(format!(
        "{:.2} keys per slot on average.",
        total_keys as f64 / f64::from(SLOT_COUNT)
    ));
    out.push(format!(
        ">>> Performing Cluster Check (using node {})",
        c.nodes[entry].addr
    ));
    for n in c.known(entry).collect::<Vec<_>>() {
        if !c.nodes[n].alive {
            continue;
        }
        match view.view[n].role {
            Role::Master => {
                let slots = slots_of(c, entry, n);
                let ranges = ranges_text(&slots);
                out.push(format!("M: {} {}", c.nodes[n].id, c.nodes[n].addr));
                out.push(format!("   slots:{ranges} ({} slots) master", slots.len()));
                let r = replicas_of(n);
                if r > 0 {
                    out.push(format!("   {r} additional replica(s)"));
                }
            }
            Role::Replica { .. } | Role::ReplicaOfUnknown => {
                out.push(format!("S: {} {}", c.nodes[n].id, c.nodes[n].addr));
                out.push("   slots: (0 slots) slave".into());
                if let Some(of) = view.view[n].role.master() {
                    out.push(format!("   replicates {}", c.nodes[of].id));
                }
            }
        }
    }
    let agree = c
        .nodes
        .iter()
        .filter(|n| n.alive)
        .all(|n| n.slots == view.slots);
    out.push(if agree {
        "[OK] All nodes agree about slots configuration.".into()
    } else {
        "[ERR] Nodes don't agree about configuration!".into()
    });
    out.push(">>> Check for open slots...".into());
    for n in c.nodes.iter().filter(|n| n.alive) {
        if !n.migrating.is_empty() {
            let list: Vec<String> = n.migrating.keys().map(|s| s.to_string()).collect();
            out.push(format!(
                "[WARNING] Node {} has slots in migrating state {}.",
                n.addr,
                list.join(",")
            ));
        }
        if !n.importing.is_empty() {
            let list: Vec<String> = n.importing.keys().map(|s| s.to_string()).collect();
            out.push(format!(
                "[WARNING] Node {} has slots in importing state {}.",
                n.addr,
                list.join(",")
            ));
        }
    }
    let open = open_slots(c);
    if !open.is_empty() {
        let list: Vec<String> = open.iter().map(|s| s.to_string()).collect();
        out.push(format!(
            "[WARNING] The following slots are open: {}.",
            list.join(",")
        ));
    }
    out.push(">>> Check slots coverage...".into());
    let covered = view.slots.iter().filter(|o| o.is_some()).count();
    if covered == usize::from(SLOT_COUNT) {
        out.push(format!("[OK] All {SLOT_COUNT} slots covered."));
    } else {
        out.push(format!(
            "[ERR] Not all {SLOT_COUNT} slots are covered by nodes."
        ));
    }
    out
}

/// `[0-2873],[2875-5460]` as redis-cli prints slot ranges.
fn ranges_text(slots: &[Slot]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < slots.len() {
        let start = slots[i];
        let mut end = start;
        while i + 1 < slots.len() && slots[i + 1] == end + 1 {
            i += 1;
            end = slots[i];
        }
        parts.push(if start == end {
            format!("[{start}]")
        } else {
            format!("[{start}-{end}]")
        });
        i += 1;
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::RedisCli;

    #[test]
    fn table_takes_lowest_slots_proportionally() {
        let c = Cluster::create(3, 0, 1).unwrap();
        let moves = reshard_table(&c, &[0, 2], 1, 100);
        // Both sources hold 5461 slots: the first gets ceil(50) = 50, the second floor(50).
        assert_eq!(moves.len(), 100);
        assert_eq!(
            moves[0],
            SlotMove {
                slot: 0,
                source: 0,
                target: 1
            }
        );
        assert_eq!(moves[50].slot, 10923);
    }

    #[test]
    fn reshard_moves_keys_and_ownership_step_by_step() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        let mut cli = RedisCli::new(0, true);
        let set = |c: &mut Cluster, cli: &mut RedisCli, k: &str| {
            cli.send(c, &[b"SET".to_vec(), k.as_bytes().to_vec(), b"v".to_vec()]);
        };
        // 12 keys in one slot of 7000, so that MIGRATE goes in two batches (10 + 2).
        for i in 0..12 {
            set(&mut c, &mut cli, &format!("{{06S}}k{i}"));
        }
        let slot = crate::slot::key_hash_slot(b"{06S}");
        let mut r = Operation::reshard(&c, &[0], 1, 1).unwrap();
        assert_eq!(r.moves[0].slot, 0);
        // The plan starts at 7000's lowest slot; aim it at the slot of the keys.
        let mv = SlotMove {
            slot,
            source: 0,
            target: 1,
        };
        r = Operation::moving("reshard", &c, vec![mv]);
        let mut kinds = Vec::new();
        while let Some((step, reply)) = r.step(&mut c) {
            assert!(!reply.is_error(), "{step:?} -> {reply:?}");
            kinds.push(String::from_utf8_lossy(&step.argv[..2].join(&b' ')).into_owned());
        }
        assert_eq!(
            kinds,
            [
                "CLUSTER SETSLOT",
                "CLUSTER SETSLOT",
                "CLUSTER GETKEYSINSLOT",
                "MIGRATE 127.0.0.1",
                "CLUSTER GETKEYSINSLOT",
                "MIGRATE 127.0.0.1",
                "CLUSTER GETKEYSINSLOT",
                "CLUSTER SETSLOT",
                "CLUSTER SETSLOT",
                "CLUSTER SETSLOT"
            ]
        );
        assert_eq!(c.nodes[1].db.count_in_slot(slot), 12);
        // The replicas hear of it from the target's PONG broadcast.
        c.advance(10);
        for n in 0..6 {
            assert_eq!(
                c.nodes[n].slots[usize::from(slot)],
                Some(1),
                "view of node {n}"
            );
        }
        assert!(open_slots(&c).is_empty());
    }

    #[test]
    fn refuses_with_open_slots_and_check_reports_them() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        let mut r = Operation::reshard(&c, &[0], 1, 1).unwrap();
        r.step(&mut c);
        assert_eq!(
            Operation::reshard(&c, &[], 1, 5).unwrap_err(),
            "*** Please fix your cluster problems before resharding"
        );
        let report = check(&mut c, 0);
        assert!(report.contains(
            &"[WARNING] Node 127.0.0.1:7001 has slots in importing state 0.".to_string()
        ));
        assert!(report.contains(&"[WARNING] The following slots are open: 0.".to_string()));
        assert!(report.contains(&"[OK] All 16384 slots covered.".to_string()));
    }

    fn all_views_agree(c: &Cluster) -> bool {
        c.nodes
            .iter()
            .filter(|n| n.alive)
            .all(|n| n.slots == c.nodes[0].slots)
    }

    #[test]
    fn add_node_then_rebalance_onto_it() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        let mut cli = RedisCli::new(0, true);
        for i in 0..200 {
            cli.send(
                &mut c,
                &[
                    b"SET".to_vec(),
                    format!("key:{i}").into_bytes(),
                    b"v".to_vec(),
                ],
            );
        }
        let new = c.spawn_node(7006).unwrap();
        assert_eq!(c.known(0).count(), 6, "not met yet");
        let started = c.now;
        Operation::add_node(&c, new, 0, false, None)
            .unwrap()
            .run(&mut c)
            .unwrap();
        // The MEET handshake and the gossip that spreads the new node take
        // simulated time: add-node waits for the cluster to join.
        assert!(c.now > started, "joined at once");
        assert_eq!(c.known(0).count(), 7);
        assert_eq!(c.known(new).count(), 7);
        c.advance(2_500);
        assert!(c.state_ok(new));
        assert_eq!(c.nodes[new].current_epoch, 6);
        assert_eq!(
            c.nodes[new].slots, c.nodes[0].slots,
            "the new node learned the slot map"
        );
        assert!(Operation::add_node(&c, new, 0, false, None)
            .unwrap_err()
            .contains("is not empty"));
        // Without --cluster-use-empty-masters the empty master is left alone.
        assert!(Operation::rebalance(&c, 0, 2.0, false)
            .unwrap_err()
            .contains("No rebalancing needed"));
        let mut op = Operation::rebalance(&c, 0, 2.0, true).unwrap();
        op.run(&mut c).unwrap();
        c.advance(10);
        let counts: Vec<usize> = (0..4)
            .map(|m| c.nodes[0].slots.count_of(if m == 3 { new } else { m }))
            .collect();
        assert_eq!(counts.iter().sum::<usize>(), 16384);
        assert!(
            counts.iter().all(|&n| (4095..=4097).contains(&n)),
            "{counts:?}"
        );
        assert!(all_views_agree(&c) && open_slots(&c).is_empty());
        // Every key is still reachable, now through the new layout.
        for i in 0..200 {
            let out = cli.send(&mut c, &[b"GET".to_vec(), format!("key:{i}").into_bytes()]);
            assert_eq!(out.printed.last().unwrap(), "\"v\"");
        }
        assert!(Operation::rebalance(&c, 0, 2.0, true)
            .unwrap_err()
            .contains("No rebalancing needed"));
    }

    #[test]
    fn add_replica_and_del_node() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        let new = c.spawn_node(7006).unwrap();
        Operation::add_node(&c, new, 0, true, Some(2))
            .unwrap()
            .run(&mut c)
            .unwrap();
        // Others learn that it replicates 7002 from its next PINGs.
        c.advance(3_000);
        assert_eq!(c.nodes[0].view[new].role, Role::Replica { of: 2 });
        // A master with slots cannot be deleted.
        assert!(Operation::del_node(&c, 0, 1)
            .unwrap_err()
            .contains("is not empty! Reshard data away"));
        let mut op = Operation::del_node(&c, 0, new).unwrap();
        op.run(&mut c).unwrap();
        assert!((0..6).all(|n| !c.nodes[n].view[new].known));
        assert_eq!(c.known(new).count(), 1, "the deleted node was reset");
        assert_eq!(c.cluster_nodes(0).lines().count(), 6);
    }

    #[test]
    fn fix_finishes_a_half_done_migration() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        let mut cli = RedisCli::new(0, true);
        for i in 0..15 {
            cli.send(
                &mut c,
                &[
                    b"SET".to_vec(),
                    format!("{{bar}}{i}").into_bytes(),
                    b"v".to_vec(),
                ],
            );
        }
        let slot = crate::slot::key_hash_slot(b"bar");
        let mut op = Operation::moving(
            "reshard",
            &c,
            vec![SlotMove {
                slot,
                source: 0,
                target: 1,
            }],
        );
        for _ in 0..4 {
            op.step(&mut c); // IMPORTING, MIGRATING, GETKEYSINSLOT, MIGRATE of 10 keys
        }
        assert_eq!(open_slots(&c), [slot]);
        assert_eq!(c.nodes[0].db.count_in_slot(slot), 5);
        let mut fix = Operation::fix(&c, 0).unwrap();
        fix.run(&mut c).unwrap();
        c.advance(10);
        assert!(open_slots(&c).is_empty());
        assert_eq!(c.nodes[1].db.count_in_slot(slot), 15);
        assert!(all_views_agree(&c));
        assert!(Operation::fix(&c, 0)
            .unwrap_err()
            .starts_with("[OK] Nothing to fix"));
        // One-sided open slots are closed with STABLE.
        let id1 = c.nodes[1].id.clone();
        cli.current = 0;
        cli.send(
            &mut c,
            &[
                b"CLUSTER".to_vec(),
                b"SETSLOT".to_vec(),
                b"1".to_vec(),
                b"MIGRATING".to_vec(),
                id1.into_bytes(),
            ],
        );
        Operation::fix(&c, 0).unwrap().run(&mut c).unwrap();
        assert!(open_slots(&c).is_empty());
    }
}
