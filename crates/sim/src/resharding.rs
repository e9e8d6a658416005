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

/// `redis-cli --cluster reshard`, in progress.
#[derive(Clone, Debug, PartialEq)]
pub struct Reshard {
    pub moves: Vec<SlotMove>,
    /// Index in `moves` of the slot being moved.
    pub current: usize,
    phase: Phase,
    /// `--cluster-replace`: overwrite keys that already exist on the target.
    pub replace: bool,
    /// The operator's connection to each node.
    conns: Vec<Option<ConnId>>,
    /// Every command sent so far, with its reply.
    pub log: Vec<(Step, Reply)>,
    /// Set when a step failed; the reshard stops there, as redis-cli does.
    pub error: Option<String>,
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
    sorted.sort_by_key(|(_, slots)| std::cmp::Reverse(slots.len()));
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
    open.sort_unstable();
    open.dedup();
    open
}

impl Reshard {
    /// Plans moving `count` slots to `target` from `sources` (all other
    /// masters when empty), refusing as redis-cli does.
    pub fn plan(
        cluster: &Cluster,
        sources: &[NodeIdx],
        target: NodeIdx,
        count: usize,
    ) -> Result<Reshard, String> {
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
        Ok(Reshard {
            moves,
            current: 0,
            phase: Phase::Importing,
            replace: false,
            conns: vec![None; cluster.nodes.len()],
            log: Vec::new(),
            error: None,
        })
    }

    pub fn is_done(&self) -> bool {
        self.current >= self.moves.len() || self.error.is_some()
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
        if self.is_done() {
            return None;
        }
        let m = self.moves[self.current];
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
        Some(match &self.phase {
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
        let m = self.moves[self.current];
        let failed = |r: &Reply| matches!(r, Reply::Error(_));
        self.phase = match (&self.phase, &reply) {
            // The source may have become a replica after giving away its last slot.
            (Phase::NodeOnSource, Reply::Error(e))
                if e.contains("Please use SETSLOT only with masters") =>
            {
                self.after_source(cluster, m)
            }
            (_, r) if failed(r) => {
                let Reply::Error(e) = r else { unreachable!() };
                self.error = Some(format!(
                    "[ERR] Calling {}: {e}",
                    String::from_utf8_lossy(&step.argv.join(&b' '))
                ));
                self.phase.clone()
            }
            (Phase::Importing, _) => Phase::Migrating,
            (Phase::Migrating, _) => Phase::GetKeys,
            (Phase::GetKeys, Reply::Array(keys)) if !keys.is_empty() => Phase::Migrate(
                keys.iter()
                    .filter_map(|k| match k {
                        Reply::Bulk(b) => Some(b.clone()),
                        _ => None,
                    })
                    .collect(),
            ),
            (Phase::GetKeys, _) => Phase::NodeOnTarget,
            (Phase::Migrate(_), _) => Phase::GetKeys,
            (Phase::NodeOnTarget, _) => Phase::NodeOnSource,
            (Phase::NodeOnSource, _) => self.after_source(cluster, m),
            (Phase::NodeOnOthers(i), _) => {
                if i + 1 < Self::others(cluster, m).len() {
                    Phase::NodeOnOthers(i + 1)
                } else {
                    self.next_slot()
                }
            }
        };
        self.log.push((step.clone(), reply.clone()));
        Some((step, reply))
    }

    fn after_source(&mut self, cluster: &Cluster, m: SlotMove) -> Phase {
        if Self::others(cluster, m).is_empty() {
            self.next_slot()
        } else {
            Phase::NodeOnOthers(0)
        }
    }

    fn next_slot(&mut self) -> Phase {
        self.current += 1;
        Phase::Importing
    }

    /// Runs every remaining step.
    pub fn run(&mut self, cluster: &mut Cluster) -> Result<(), String> {
        while self.step(cluster).is_some() {}
        match &self.error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }
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
        (0..c.nodes.len())
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
    for n in 0..c.nodes.len() {
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
            Role::Replica { of } => {
                out.push(format!("S: {} {}", c.nodes[n].id, c.nodes[n].addr));
                out.push("   slots: (0 slots) slave".into());
                out.push(format!("   replicates {}", c.nodes[of].id));
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
        let mut r = Reshard::plan(&c, &[0], 1, 1).unwrap();
        assert_eq!(r.moves[0].slot, 0);
        // The plan starts at 7000's lowest slot; aim it at the slot of the keys.
        r.moves[0].slot = slot;
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
        let mut r = Reshard::plan(&c, &[0], 1, 1).unwrap();
        r.step(&mut c);
        assert_eq!(
            Reshard::plan(&c, &[], 1, 5).unwrap_err(),
            "*** Please fix your cluster problems before resharding"
        );
        let report = check(&mut c, 0);
        assert!(report.contains(
            &"[WARNING] Node 127.0.0.1:7001 has slots in importing state 0.".to_string()
        ));
        assert!(report.contains(&"[WARNING] The following slots are open: 0.".to_string()));
        assert!(report.contains(&"[OK] All 16384 slots covered.".to_string()));
    }
}
