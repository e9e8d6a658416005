//! The operator: a person running `redis-cli --cluster` against the
//! cluster while it runs. The operation (`resharding::Operation`) sends
//! one real command at a time; here it is paced in simulated time, one
//! command every `every_ms`, so that a migration can be watched, paused
//! half way (a slot left MIGRATING/IMPORTING: ASK and TRYAGAIN), resumed or
//! abandoned. redis-cli itself sends them back to back; the pace is the
//! only liberty taken, and it is shown in the UI.
//!
//! The operator lives in the `Session`, beside the world, so a timeline
//! that replays the user's actions replays the operation too, bit for bit.
//! (While a console command blocks — WAIT, a paused node — the world runs
//! without the operator's next commands: they follow when it returns.)

use crate::cluster::{Cluster, NodeIdx, Role};
use crate::resharding::{Operation, Step};
use crate::session::Session;
use crate::slot::Slot;

/// Simulated ms between two commands of a running operation.
pub const DEFAULT_EVERY_MS: u64 = 100;

/// An operation the user asks for (the `redis-cli --cluster` subcommands).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// `reshard --cluster-from SOURCE --cluster-to TARGET --cluster-slots COUNT`.
    Reshard {
        source: NodeIdx,
        target: NodeIdx,
        count: usize,
    },
    /// One given slot to `target` (redis-cli's per-slot steps; what a
    /// teacher does to show a particular key's slot moving).
    MoveSlot { slot: Slot, target: NodeIdx },
    /// Starts a new empty node on the next free port and runs
    /// `add-node NEW 127.0.0.1:7000 [--cluster-slave]`.
    AddNode { replica: bool },
    /// `del-node 127.0.0.1:7000 ID` (refused while the node has slots).
    DelNode(NodeIdx),
    /// `rebalance --cluster-use-empty-masters`.
    Rebalance,
    /// `fix`: closes a migration left half way.
    Fix,
}

/// What the operator is doing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Operator {
    pub op: Option<Operation>,
    /// What was asked, as the redis-cli command line a user would type.
    pub command_line: String,
    pub paused: bool,
    /// When the next command is sent (while running).
    pub next_at: u64,
    pub every_ms: u64,
    /// Why the last request was refused, in redis-cli's words.
    pub refused: Option<String>,
}

impl Operator {
    /// The time of the next command, if one is due while running.
    pub fn due(&self) -> Option<u64> {
        match &self.op {
            Some(op) if !op.is_done() && !self.paused => Some(self.next_at),
            _ => None,
        }
    }

    /// The command the operation sends next, for showing it beforehand.
    pub fn next_step(&self, cluster: &Cluster) -> Option<Step> {
        self.op.as_ref()?.next_step(cluster)
    }

    /// Slot moves done and planned, for a progress bar.
    pub fn progress(&self, cluster: &Cluster) -> (usize, usize) {
        let Some(op) = &self.op else { return (0, 0) };
        let done = op
            .moves
            .iter()
            .filter(|m| cluster.nodes[m.target].slots[usize::from(m.slot)] == Some(m.target))
            .count();
        (done, op.moves.len())
    }
}

fn entry(cluster: &Cluster) -> NodeIdx {
    // redis-cli is pointed at a live master; 7000 if it is one.
    (0..cluster.nodes.len())
        .find(|&n| cluster.nodes[n].alive && cluster.nodes[n].role(n) == Role::Master)
        .unwrap_or(0)
}

impl Session {
    /// Starts an operation (refused as redis-cli refuses, or while another
    /// one is not finished: redis-cli would run both at once, a user would
    /// not mean to).
    pub fn operate(&mut self, request: &Request) {
        if self.operator.op.as_ref().is_some_and(|op| !op.is_done()) {
            self.operator.refused =
                Some("An operation is still running: finish or abandon it first.".into());
            return;
        }
        let e = entry(&self.world);
        let addr = |c: &Cluster, n: NodeIdx| c.nodes[n].addr.to_string();
        let world = &mut self.world;
        let made = match request {
            Request::Reshard {
                source,
                target,
                count,
            } => {
                let line = format!(
                    "redis-cli --cluster reshard {} --cluster-from {} --cluster-to {} --cluster-slots {count} --cluster-yes",
                    addr(world, e),
                    world.nodes[*source].id,
                    world.nodes[*target].id
                );
                Operation::reshard(world, &[*source], *target, *count).map(|op| (op, line))
            }
            Request::MoveSlot { slot, target } => {
                let line = format!(
                    "move slot {slot} to {} (redis-cli's steps)",
                    addr(world, *target)
                );
                Operation::move_slot(world, *slot, *target).map(|op| (op, line))
            }
            Request::AddNode { replica } => {
                let port = (7000..)
                    .find(|&p| world.node_by_port(p).is_none())
                    .expect("a free port");
                match world.spawn_node(port) {
                    Ok(new) => {
                        let line = format!(
                            "redis-cli --cluster add-node {} {}{}",
                            addr(world, new),
                            addr(world, e),
                            if *replica { " --cluster-slave" } else { "" }
                        );
                        Operation::add_node(world, new, e, *replica, None).map(|op| (op, line))
                    }
                    Err(err) => Err(err),
                }
            }
            Request::DelNode(n) => {
                let line = format!(
                    "redis-cli --cluster del-node {} {}",
                    addr(world, e),
                    world.nodes[*n].id
                );
                Operation::del_node(world, e, *n).map(|op| (op, line))
            }
            Request::Rebalance => {
                let line = format!(
                    "redis-cli --cluster rebalance {} --cluster-use-empty-masters",
                    addr(world, e)
                );
                Operation::rebalance(world, e, 2.0, true).map(|op| (op, line))
            }
            Request::Fix => {
                let line = format!("redis-cli --cluster fix {}", addr(world, e));
                Operation::fix(world, e).map(|op| (op, line))
            }
        };
        let at = self.world.now;
        match made {
            Ok((op, line)) => {
                self.world.trace.push(crate::trace::TraceEvent::Action {
                    at,
                    what: line.clone(),
                });
                let every = match self.operator.every_ms {
                    0 => DEFAULT_EVERY_MS,
                    ms => ms,
                };
                self.operator = Operator {
                    op: Some(op),
                    command_line: line,
                    paused: false,
                    next_at: at + every,
                    every_ms: every,
                    refused: None,
                };
            }
            Err(why) => self.operator.refused = Some(why),
        }
    }

    /// Pauses or resumes the running operation.
    pub fn pause_operation(&mut self, paused: bool) {
        self.operator.paused = paused;
        self.operator.next_at = self.world.now + self.operator.every_ms;
    }

    /// Sends the operation's next command now (the "step" of a paused one).
    pub fn step_operation(&mut self) {
        if let Some(mut op) = self.operator.op.take() {
            op.step(&mut self.world);
            self.operator.op = Some(op);
            self.operator.next_at = self.world.now + self.operator.every_ms;
        }
    }

    /// Stops the operation where it is, as Ctrl-C stops redis-cli: a slot
    /// half way stays open until `fix`.
    pub fn abandon_operation(&mut self) {
        if let Some(op) = self.operator.op.as_mut().filter(|op| !op.is_done()) {
            op.abandon();
            let at = self.world.now;
            let what = format!("{} abandoned", op.name);
            self.world
                .trace
                .push(crate::trace::TraceEvent::Action { at, what });
        }
        self.operator.paused = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Cluster;
    use crate::reply::Reply;

    fn run(c: &mut Cluster, line: &str) -> Reply {
        let conn = c.connect(0);
        let argv: Vec<Vec<u8>> = line.split(' ').map(|w| w.as_bytes().to_vec()).collect();
        c.execute(conn, &argv)
    }

    #[test]
    fn a_move_is_paced_and_can_be_paused_half_way() {
        let mut c = Session::new(Cluster::create(3, 1, 1).unwrap());
        let slot = crate::slot::key_hash_slot(b"{t}a");
        let owner = c.world.nodes[0].slots[usize::from(slot)].unwrap();
        let target = (owner + 1) % 3;
        c.operate(&Request::MoveSlot { slot, target });
        assert!(c.operator.refused.is_none());
        // Nothing is sent before its time.
        assert_eq!(c.operator.due(), Some(DEFAULT_EVERY_MS));
        c.advance(DEFAULT_EVERY_MS - 1);
        assert!(c.world.nodes[target].importing.is_empty());
        // IMPORTING, then MIGRATING, a command every 100 ms.
        c.advance(1);
        assert!(c.world.nodes[target].importing.contains_key(&slot));
        c.advance(DEFAULT_EVERY_MS);
        assert!(c.world.nodes[owner].migrating.contains_key(&slot));
        c.pause_operation(true);
        c.advance(10_000);
        assert!(c.world.nodes[owner].migrating.contains_key(&slot), "paused");
        assert_eq!(c.operator.due(), None);
        // Step by hand, then let it finish.
        c.step_operation();
        c.pause_operation(false);
        c.advance(10_000);
        assert!(c.operator.op.as_ref().unwrap().is_done());
        assert_eq!(c.operator.progress(&c.world), (1, 1));
        assert_eq!(c.world.nodes[target].slots[usize::from(slot)], Some(target));
        assert!(c.world.nodes[owner].migrating.is_empty());
        let _ = run(&mut c.world, "CLUSTER INFO");
    }

    #[test]
    fn refusals_are_redis_clis_and_do_not_start_anything() {
        let mut c = Session::new(Cluster::create(3, 1, 1).unwrap());
        c.operate(&Request::DelNode(0));
        assert_eq!(
            c.operator.refused.as_deref(),
            Some("[ERR] Node 127.0.0.1:7000 is not empty! Reshard data away and try again.")
        );
        assert!(c.operator.op.is_none());
        c.operate(&Request::Reshard {
            source: 0,
            target: 3,
            count: 10,
        });
        assert!(c
            .operator
            .refused
            .as_deref()
            .unwrap()
            .contains("not a master"));
    }

    #[test]
    fn add_node_spawns_the_next_port_and_meets_the_cluster() {
        let mut c = Session::new(Cluster::create(3, 1, 1).unwrap());
        c.world.set_config(|c| c.node_timeout = 2_000);
        c.operate(&Request::AddNode { replica: false });
        let new = c.world.node_by_port(7006).expect("spawned on 7006");
        c.advance(20_000);
        assert!(c.operator.op.as_ref().unwrap().is_done());
        // Every node has met it through gossip.
        assert!((0..6).all(|n| c.world.nodes[n].view[new].known));
        // Then rebalance gives it a share of the slots.
        c.operate(&Request::Rebalance);
        assert!(c.operator.refused.is_none(), "{:?}", c.operator.refused);
        c.operator.every_ms = 1;
        c.advance(200_000);
        assert!(c.operator.op.as_ref().unwrap().is_done());
        assert_eq!(c.world.nodes[0].slots.count_of(new), 4096);
    }
}
