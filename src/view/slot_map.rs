//! The 16384 slots as one node sees them: who owns each (as runs of
//! consecutive slots), which slots are being migrated or imported, and how
//! many keys each slot holds on its owner. Plain data read from the core,
//! for the slot map and the key inspector to draw; nothing here decides
//! anything a node would decide.

use std::collections::BTreeMap;

use slotscope_sim::{Cluster, Layout, NodeIdx, Slot, SLOT_COUNT};

/// Consecutive slots with the same owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    pub first: Slot,
    pub last: Slot,
    /// Index into `SlotMap::owners`, None when no master serves them.
    pub owner: Option<usize>,
}

impl Run {
    pub fn len(&self) -> u32 {
        u32::from(self.last - self.first) + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

/// A master that serves slots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// The node (its colour follows it, so it does not change when others
    /// gain or lose slots).
    pub node: NodeIdx,
    pub addr: String,
    pub slots: u32,
    /// Its runs, as CLUSTER NODES lists them: `0-5460` or `0-99 5000-5460`.
    pub ranges: String,
}

/// A slot half way through a migration, as one node records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenSlot {
    pub slot: Slot,
    /// e.g. `127.0.0.1:7000 MIGRATING to 127.0.0.1:7001`.
    pub text: String,
    pub migrating: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotMap {
    pub runs: Vec<Run>,
    pub owners: Vec<Owner>,
    pub open: Vec<OpenSlot>,
    /// Keys per slot on the slot's owner (slots with none are left out).
    pub keys: BTreeMap<Slot, usize>,
    /// Whose view this is, e.g. `127.0.0.1:7000`.
    pub seen_by: String,
}

fn ranges(runs: &[Run], owner: usize) -> String {
    runs.iter()
        .filter(|r| r.owner == Some(owner))
        .map(|r| {
            if r.first == r.last {
                r.first.to_string()
            } else {
                format!("{}-{}", r.first, r.last)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl SlotMap {
    /// Builds the map from a slot → owner function.
    fn build(
        owner_at: impl Fn(Slot) -> Option<NodeIdx>,
        addr_of: impl Fn(NodeIdx) -> String,
        seen_by: String,
    ) -> SlotMap {
        let mut owners: Vec<Owner> = Vec::new();
        let mut runs: Vec<Run> = Vec::new();
        // Runs are long: look an owner up only when it changes.
        let mut last: Option<(NodeIdx, usize)> = None;
        for slot in 0..SLOT_COUNT {
            let owner = owner_at(slot).map(|node| match last {
                Some((n, i)) if n == node => i,
                _ => {
                    let i = match owners.iter().position(|o| o.node == node) {
                        Some(i) => i,
                        None => {
                            owners.push(Owner {
                                node,
                                addr: addr_of(node),
                                slots: 0,
                                ranges: String::new(),
                            });
                            owners.len() - 1
                        }
                    };
                    last = Some((node, i));
                    i
                }
            });
            if let Some(i) = owner {
                owners[i].slots += 1;
            }
            match runs.last_mut() {
                Some(r) if r.owner == owner => r.last = slot,
                _ => runs.push(Run {
                    first: slot,
                    last: slot,
                    owner,
                }),
            }
        }
        for (i, owner) in owners.iter_mut().enumerate() {
            owner.ranges = ranges(&runs, i);
        }
        SlotMap {
            runs,
            owners,
            open: Vec::new(),
            keys: BTreeMap::new(),
            seen_by,
        }
    }

    /// The default layout of `redis-cli --cluster create` (no live cluster).
    pub fn from_layout(layout: &Layout) -> SlotMap {
        SlotMap::build(
            |slot| layout.owner_of(slot),
            |i| layout.masters[i].addr.to_string(),
            "redis-cli --cluster create".into(),
        )
    }

    /// The slots as `observer` sees them, with every node's open slots and
    /// the key counts of each slot's owner.
    pub fn from_cluster(cluster: &Cluster, observer: NodeIdx) -> SlotMap {
        let table = &cluster.nodes[observer].slots;
        let addr = |n: NodeIdx| cluster.nodes[n].addr.to_string();
        let mut map = SlotMap::build(|slot| table[usize::from(slot)], addr, addr(observer));
        for (n, node) in cluster.nodes.iter().enumerate() {
            if !node.alive {
                continue;
            }
            for (&slot, &to) in &node.migrating {
                map.open.push(OpenSlot {
                    slot,
                    text: format!("{} MIGRATING to {}", addr(n), addr(to)),
                    migrating: true,
                });
            }
            for (&slot, &from) in &node.importing {
                map.open.push(OpenSlot {
                    slot,
                    text: format!("{} IMPORTING from {}", addr(n), addr(from)),
                    migrating: false,
                });
            }
            // Keys are counted where they are: on masters (a replica's
            // copies would count them twice).
            if node.role(n) == slotscope_sim::Role::Master {
                for key in node.db.keys() {
                    *map.keys
                        .entry(slotscope_sim::key_hash_slot(key))
                        .or_default() += 1;
                }
            }
        }
        slotscope_sim::order::sort_by_key(&mut map.open, |o| (o.slot, !o.migrating));
        map
    }

    pub fn owner_of(&self, slot: Slot) -> Option<(usize, &Owner)> {
        let i = self.runs.partition_point(|r| r.last < slot);
        let o = self.runs.get(i)?.owner?;
        Some((o, &self.owners[o]))
    }

    /// One line about a slot: its owner, keys and migration state.
    pub fn describe(&self, slot: Slot) -> String {
        let owner = match self.owner_of(slot) {
            Some((_, o)) => o.addr.clone(),
            None => "no owner".into(),
        };
        let keys = self.keys.get(&slot).copied().unwrap_or(0);
        let mut text = format!(
            "Slot {slot}: {owner}, {keys} key{}",
            if keys == 1 { "" } else { "s" }
        );
        for o in self.open.iter().filter(|o| o.slot == slot) {
            text.push_str("; ");
            text.push_str(&o.text);
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_owners_and_open_slots_follow_the_view() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        let map = SlotMap::from_cluster(&c, 0);
        assert_eq!(map, {
            let mut m = SlotMap::from_layout(&Layout::default());
            m.seen_by = "127.0.0.1:7000".into();
            m
        });
        assert_eq!(map.runs.len(), 3);
        assert_eq!(map.owners[1].ranges, "5461-10922");
        // Move slot 100 away, with a key in it, half way.
        let conn = c.connect(1);
        let run = |c: &mut Cluster, conn, line: &str| {
            let argv: Vec<Vec<u8>> = line.split(' ').map(|w| w.as_bytes().to_vec()).collect();
            c.execute(conn, &argv)
        };
        let id0 = c.nodes[0].id.clone();
        let id1 = c.nodes[1].id.clone();
        run(
            &mut c,
            conn,
            &format!("CLUSTER SETSLOT 100 IMPORTING {id0}"),
        );
        let conn0 = c.connect(0);
        run(
            &mut c,
            conn0,
            &format!("CLUSTER SETSLOT 100 MIGRATING {id1}"),
        );
        let key = "{user:1001}"; // a key of our own slot
        let slot = slotscope_sim::key_hash_slot(key.as_bytes());
        let owner = c.nodes[0].slots[usize::from(slot)].unwrap();
        let conn_owner = c.connect(owner);
        run(&mut c, conn_owner, &format!("SET {key} 1"));
        let map = SlotMap::from_cluster(&c, 0);
        assert_eq!(map.open.len(), 2);
        assert_eq!(
            map.describe(100),
            "Slot 100: 127.0.0.1:7000, 0 keys; 127.0.0.1:7000 MIGRATING to 127.0.0.1:7001; 127.0.0.1:7001 IMPORTING from 127.0.0.1:7000"
        );
        assert_eq!(map.keys.get(&slot), Some(&1));
        // Once 7000 gives the slot away, its view has four runs.
        run(&mut c, conn0, &format!("CLUSTER SETSLOT 100 NODE {id1}"));
        let map = SlotMap::from_cluster(&c, 0);
        assert_eq!(map.runs.len(), 5);
        assert_eq!(map.owners[1].ranges, "100 5461-10922");
        assert_eq!(map.owner_of(100).unwrap().1.addr, "127.0.0.1:7001");
    }
}
