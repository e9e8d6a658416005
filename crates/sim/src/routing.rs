//! Which node serves a request: Redis's `getNodeByQuery()`, step by step, as
//! a function of one node's view. The order of the checks is the point:
//! CROSSSLOT before CLUSTERDOWN, CLUSTERDOWN before ASK/TRYAGAIN/MOVED.

use crate::node::{Directory, Node, NodeIdx, Role};
use crate::reply::Reply;
use crate::slot::{key_hash_slot, Slot};

/// What a request looks like to the router.
#[derive(Clone, Debug, Default)]
pub struct Query<'a> {
    pub keys: Vec<&'a [u8]>,
    /// Any command of the request writes (for EXEC: any queued command).
    pub write: bool,
    /// MIGRATE is always served locally on a migrating or importing slot.
    pub is_migrate: bool,
    /// SPUBLISH and friends (sharded pub/sub).
    pub sharded_pubsub: bool,
}

/// The client flags that change routing.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientFlags {
    pub asking: bool,
    pub readonly: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Serve here. `slot` is the request's slot if it has keys.
    Serve {
        slot: Option<Slot>,
    },
    Moved {
        slot: Slot,
        to: NodeIdx,
    },
    Ask {
        slot: Slot,
        to: NodeIdx,
    },
    CrossSlot,
    /// Multi-key request during a migration with some keys missing.
    TryAgain,
    /// `cluster_state:fail`.
    Down,
    /// `cluster_state:fail`, reads allowed, and this is a write.
    DownReadOnly,
    /// The slot has no owner.
    DownUnbound,
}

impl Route {
    /// The error reply for a redirect, exactly as `clusterRedirectClient()` writes it.
    /// (`to` is never the node itself: it would serve.)
    pub fn error(self, names: &(impl Directory + ?Sized)) -> Option<Reply> {
        let text = match self {
            Route::Serve { .. } => return None,
            Route::Moved { slot, to } => format!("MOVED {slot} {}", names.addr_of(to)),
            Route::Ask { slot, to } => format!("ASK {slot} {}", names.addr_of(to)),
            Route::CrossSlot => "CROSSSLOT Keys in request don't hash to the same slot".into(),
            Route::TryAgain => "TRYAGAIN Multiple keys request during rehashing of slot".into(),
            Route::Down => "CLUSTERDOWN The cluster is down".into(),
            Route::DownReadOnly => {
                "CLUSTERDOWN The cluster is down and only accepts read commands".into()
            }
            Route::DownUnbound => "CLUSTERDOWN Hash slot not served".into(),
        };
        Some(Reply::Error(text))
    }
}

pub use crate::trace::HopOutcome;

impl HopOutcome {
    /// The outcome of a request the router refused (or let through).
    pub fn of_route(route: Route) -> HopOutcome {
        match route {
            Route::Serve { .. } => HopOutcome::Served,
            Route::Moved { slot, to } => HopOutcome::Moved { slot, to },
            Route::Ask { slot, to } => HopOutcome::Ask { slot, to },
            Route::CrossSlot => HopOutcome::CrossSlot,
            Route::TryAgain => HopOutcome::TryAgain,
            Route::Down | Route::DownReadOnly | Route::DownUnbound => HopOutcome::ClusterDown,
        }
    }
}

/// `getNodeByQuery()` as `node` sees it at time `now`.
pub fn route(node: &Node, now: u64, query: &Query, flags: ClientFlags) -> Route {
    let me = node.me;

    // 1. The key loop: one slot for all keys, its owner, migration state.
    let mut slot: Option<Slot> = None;
    let mut owner: Option<NodeIdx> = None;
    let mut migrating = false;
    let mut importing = false;
    let mut multiple_keys = false;
    let mut missing = 0usize;
    let mut existing = 0usize;
    for &key in &query.keys {
        let s = key_hash_slot(key);
        match slot {
            None => {
                slot = Some(s);
                owner = node.slots[usize::from(s)];
                let Some(o) = owner else {
                    return Route::DownUnbound;
                };
                if o == me && node.migrating.contains_key(&s) {
                    migrating = true;
                } else if node.importing.contains_key(&s) {
                    importing = true;
                }
            }
            Some(first) => {
                if s != first {
                    return Route::CrossSlot;
                }
                // RPOPLPUSH k k is single-key: only distinct names count.
                if !multiple_keys && query.keys.first().is_some_and(|k| *k != key) {
                    multiple_keys = true;
                }
            }
        }
        if (migrating || importing) && !query.sharded_pubsub {
            if node.db.peek(key, now) {
                existing += 1;
            } else {
                missing += 1;
            }
        }
    }

    // 2. No keys: serve locally.
    let (Some(slot), Some(owner)) = (slot, owner) else {
        return Route::Serve { slot: None };
    };

    // 3. The cluster is down.
    if !node.bus.state_ok {
        if query.sharded_pubsub {
            if !node.config.allow_pubsubshard_when_down {
                return Route::Down;
            }
        } else if !node.config.allow_reads_when_down {
            return Route::Down;
        } else if query.write {
            return Route::DownReadOnly;
        }
    }

    // 4. MIGRATE runs where it is sent while the slot moves.
    if (migrating || importing) && query.is_migrate {
        return Route::Serve { slot: Some(slot) };
    }

    // 5. Migrating: keys that are gone were moved to the target already.
    if migrating && missing > 0 {
        if existing > 0 {
            return Route::TryAgain;
        }
        return Route::Ask {
            slot,
            to: node.migrating[&slot],
        };
    }

    // 6. Importing, after ASKING.
    if importing && flags.asking {
        if multiple_keys && missing > 0 {
            return Route::TryAgain;
        }
        return Route::Serve { slot: Some(slot) };
    }

    // 7. A READONLY client reading its master's slot from a replica.
    if (flags.readonly || query.sharded_pubsub)
        && !query.write
        && node.role(me) == (Role::Replica { of: owner })
    {
        return Route::Serve { slot: Some(slot) };
    }

    // 8. Someone else's slot.
    if owner != me {
        return Route::Moved { slot, to: owner };
    }
    Route::Serve { slot: Some(slot) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Cluster;

    /// `route` on node `n` of `c`.
    fn at(c: &Cluster, n: NodeIdx, query: &Query, flags: ClientFlags) -> Route {
        route(&c.nodes[n], c.now, query, flags)
    }

    fn q<'a>(keys: &[&'a str], write: bool) -> Query<'a> {
        Query {
            keys: keys.iter().map(|k| k.as_bytes()).collect(),
            write,
            ..Query::default()
        }
    }

    #[test]
    fn moved_crossslot_and_readonly() {
        let c = Cluster::create(3, 1, 1).unwrap();
        let f = ClientFlags::default();
        // foo is slot 12182, on 7002 (node 2).
        assert_eq!(
            at(&c, 0, &q(&["foo"], true), f),
            Route::Moved { slot: 12182, to: 2 }
        );
        assert_eq!(
            at(&c, 2, &q(&["foo"], true), f),
            Route::Serve { slot: Some(12182) }
        );
        // CROSSSLOT on any node, even one that owns neither key, and a replica.
        for n in [0, 1, 2, 5] {
            assert_eq!(at(&c, n, &q(&["foo", "bar"], false), f), Route::CrossSlot);
        }
        // A replica without READONLY redirects even reads.
        assert_eq!(
            at(&c, 3, &q(&["bar"], false), f),
            Route::Moved { slot: 5061, to: 0 }
        );
        let ro = ClientFlags {
            readonly: true,
            ..f
        };
        assert_eq!(
            at(&c, 3, &q(&["bar"], false), ro),
            Route::Serve { slot: Some(5061) }
        );
        assert_eq!(
            at(&c, 3, &q(&["bar"], true), ro),
            Route::Moved { slot: 5061, to: 0 }
        );
        assert_eq!(
            at(&c, 3, &q(&["foo"], false), ro),
            Route::Moved { slot: 12182, to: 2 }
        );
        assert_eq!(at(&c, 0, &q(&[], false), f), Route::Serve { slot: None });
    }

    #[test]
    fn down_comes_after_crossslot() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        c.nodes[1].view[0].fail = true;
        c.update_state(1);
        let f = ClientFlags::default();
        assert_eq!(at(&c, 1, &q(&["foo", "bar"], false), f), Route::CrossSlot);
        assert_eq!(at(&c, 1, &q(&["foo"], false), f), Route::Down);
        c.nodes[1].config.allow_reads_when_down = true;
        assert_eq!(at(&c, 1, &q(&["foo"], true), f), Route::DownReadOnly);
        assert_eq!(
            at(&c, 1, &q(&["foo"], false), f),
            Route::Moved { slot: 12182, to: 2 }
        );
    }

    #[test]
    fn migration_ask_tryagain_and_asking() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        let now = c.now;
        // Slot 5061 (tag `bar`) migrating from node 0 to node 1.
        let key = |s: &str| format!("{{bar}}{s}");
        let slot = key_hash_slot(key("").as_bytes());
        c.nodes[0].migrating.insert(slot, 1);
        c.nodes[1].importing.insert(slot, 0);
        let present = key("a");
        c.nodes[0].db.set(
            present.as_bytes(),
            crate::keyspace::Value::Str(b"v".to_vec()),
            None,
            false,
            now,
        );
        let f = ClientFlags::default();
        let asking = ClientFlags { asking: true, ..f };
        let (a, b) = (present.as_str(), key("b"));
        assert_eq!(
            at(&c, 0, &q(&[a], false), f),
            Route::Serve { slot: Some(slot) }
        );
        assert_eq!(at(&c, 0, &q(&[&b], false), f), Route::Ask { slot, to: 1 });
        assert_eq!(at(&c, 0, &q(&[a, &b], false), f), Route::TryAgain);
        // On the target: MOVED back without ASKING, served with it.
        assert_eq!(at(&c, 1, &q(&[&b], false), f), Route::Moved { slot, to: 0 });
        assert_eq!(
            at(&c, 1, &q(&[&b], false), asking),
            Route::Serve { slot: Some(slot) }
        );
        assert_eq!(at(&c, 1, &q(&[&b, a], false), asking), Route::TryAgain);
    }
}
