//! What the operations panel shows of the `redis-cli --cluster` operator,
//! and the masters it offers as sources and targets.

use slotscope_sim::session::Session;
use slotscope_sim::{Cluster, NodeIdx, Role};

use crate::studio::{reply_label, words};

/// What the panel shows of the operator (plain data, compared as props).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct OpStatus {
    pub line: String,
    pub running: bool,
    pub paused: bool,
    /// Stopped by the user before its end.
    pub abandoned: bool,
    pub moved: usize,
    pub planned: usize,
    pub next: Option<String>,
    /// The last commands sent, newest last, with their replies.
    pub last: Vec<String>,
    pub error: Option<String>,
    pub refused: Option<String>,
    pub every_ms: u64,
}

impl OpStatus {
    pub fn of(session: &Session) -> OpStatus {
        let (o, cluster) = (&session.operator, &session.world);
        let port = |n: NodeIdx| cluster.nodes[n].addr.port;
        let (moved, planned) = o.progress(cluster);
        let op = o.op.as_ref();
        OpStatus {
            line: o.command_line.clone(),
            running: op.is_some_and(|op| !op.is_done()),
            paused: o.paused,
            abandoned: op.is_some_and(|op| op.abandoned),
            moved,
            planned,
            next: o
                .next_step(cluster)
                .map(|s| format!(":{} {}", port(s.node), words(&s.argv, 70))),
            last: op
                .map(|op| {
                    op.log
                        .iter()
                        .rev()
                        .take(4)
                        .rev()
                        .map(|(s, r)| {
                            format!(
                                ":{} {} ⇒ {}",
                                port(s.node),
                                words(&s.argv, 50),
                                reply_label(r)
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            error: op.and_then(|op| op.error.clone()),
            refused: o.refused.clone(),
            every_ms: o.every_ms,
        }
    }
}

/// The masters `observer` knows of, alive: what a reshard can move slots
/// between, as the observer would be asked.
pub fn known_masters(cluster: &Cluster, observer: NodeIdx) -> Vec<NodeIdx> {
    let view = &cluster.nodes[observer].view;
    (0..cluster.nodes.len())
        .filter(|&n| cluster.nodes[n].alive && view[n].known && view[n].role == Role::Master)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use slotscope_sim::operator::Request;

    #[test]
    fn status_shows_the_next_command_and_progress() {
        let mut s = Session::new(Cluster::create(3, 1, 1).unwrap());
        let slot = slotscope_sim::key_hash_slot(b"{t}a");
        let owner = s.world.nodes[0].slots[usize::from(slot)].unwrap();
        let target = (owner + 1) % 3;
        s.operate(&Request::MoveSlot { slot, target });
        let st = OpStatus::of(&s);
        assert!(st.running && !st.paused);
        assert_eq!((st.moved, st.planned), (0, 1));
        let port = 7000 + target;
        assert!(
            st.next
                .as_deref()
                .unwrap()
                .starts_with(&format!(":{port} CLUSTER SETSLOT {slot} IMPORTING")),
            "{st:?}"
        );
        s.advance(10_000);
        let st = OpStatus::of(&s);
        assert!(!st.running);
        assert_eq!((st.moved, st.planned), (1, 1));
    }

    #[test]
    fn an_abandoned_reshard_says_how_far_it_got() {
        let mut s = Session::new(Cluster::create(3, 1, 1).unwrap());
        s.operate(&Request::Reshard {
            source: 0,
            target: 1,
            count: 10,
        });
        // Run until 3 slots have moved, then Ctrl-C.
        while OpStatus::of(&s).moved < 3 {
            s.advance(100);
        }
        s.abandon_operation();
        let st = OpStatus::of(&s);
        assert!(!st.running && st.abandoned);
        assert_eq!((st.moved, st.planned), (3, 10));
        assert_eq!(st.next, None);
        // Another operation may start.
        s.operate(&Request::Fix);
        assert!(OpStatus::of(&s).running);
    }

    #[test]
    fn known_masters_are_the_observers_live_masters() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        c.set_config(|c| c.node_timeout = 2_000);
        c.advance(1_000);
        assert_eq!(known_masters(&c, 4), [0, 1, 2]);
        c.kill(0);
        c.advance(8_000);
        // 7003 took over: a master now, in 7004's view; 7000 is dead.
        assert_eq!(known_masters(&c, 4), [1, 2, 3]);
    }
}
