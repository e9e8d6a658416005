//! Roles, slot ownership and config epochs as messages change them: a
//! sender's role from its header, slot claims rebound by configEpoch
//! (`clusterUpdateSlotsConfigWith`), UPDATE for stale claims, and
//! `clusterHandleConfigEpochCollision`.

use crate::cluster::{Cluster, NodeIdx, Role};
use crate::slot::{Slot, SLOT_COUNT};
use crate::trace::TraceEvent;

use super::*;

impl Cluster {
    /// The sender told us its role (master, or replica of `master`).
    pub(crate) fn learn_role(&mut self, v: NodeIdx, s: NodeIdx, master: Option<NodeIdx>) {
        let role = master.map_or(Role::Master, |m| Role::Replica { of: m });
        let old = self.nodes[v].view[s].role;
        if old == role {
            return;
        }
        if old == Role::Master {
            // A master turned into a replica: its slots are unassigned here
            // until their new owner claims them (`clusterDelNodeSlots`).
            for slot in 0..usize::from(SLOT_COUNT) {
                if self.nodes[v].slots[slot] == Some(s) {
                    self.nodes[v].slots.set(slot, None);
                }
            }
        }
        self.set_role(v, s, role);
    }

    pub(crate) fn set_role(&mut self, v: NodeIdx, n: NodeIdx, role: Role) {
        let old = self.nodes[v].view[n].role;
        match role {
            // A master that has (or took over from a master that had) a
            // replica is one that should keep having one.
            Role::Replica { of } => {
                add_once(&mut self.nodes[v].bus.migrate_to, of);
            }
            Role::Master if old != Role::Master && n != v => {
                add_once(&mut self.nodes[v].bus.migrate_to, n);
            }
            Role::Master | Role::ReplicaOfUnknown => {}
        }
        self.nodes[v].view[n].role = role;
        self.nodes[v].bus.view_changes += 1;
        let at = self.now;
        self.trace.push(TraceEvent::RoleChanged {
            at,
            observer: v,
            node: n,
            role,
        });
    }

    /// Slot claims in a PING/PONG: adopt newer ones, tell the sender (UPDATE)
    /// when it claims slots someone newer owns.
    pub(crate) fn check_claims(&mut self, v: NodeIdx, msg: &Msg) {
        let s = msg.sender;
        let sender_master = msg.master.unwrap_or(s);
        // Same count, and every claimed slot already owned by it here: same set.
        let table = &self.nodes[v].slots;
        let dirty = table.count_of(sender_master) != msg.claims.count() as usize
            || msg
                .claims
                .slots()
                .any(|slot| table[usize::from(slot)] != Some(sender_master));
        if !dirty {
            return;
        }
        if msg.master.is_none() {
            self.apply_claims(v, s, msg.config_epoch, &msg.claims);
        }
        for slot in msg.claims.slots() {
            let Some(owner) = self.nodes[v].slots[usize::from(slot)] else {
                continue;
            };
            if owner == s {
                continue;
            }
            let owner_epoch = self.nodes[v].view[owner].config_epoch;
            if owner_epoch > msg.config_epoch {
                let mut update = self.header(v, MsgKind::Update);
                update.about = Some(owner);
                update.update = Some((owner_epoch, self.nodes[v].slots.claims(owner)));
                self.send(v, s, update);
                break;
            }
        }
    }

    /// `clusterHandleConfigEpochCollision`: two masters with the same config
    /// epoch; the one with the smaller node ID takes a new epoch, so that
    /// every master ends up with its own.
    pub(crate) fn handle_config_epoch_collision(&mut self, v: NodeIdx, msg: &Msg) {
        let node = &self.nodes[v];
        if msg.master.is_some()
            || node.role(v) != Role::Master
            || msg.config_epoch != node.view[v].config_epoch
            || self.nodes[msg.sender].id <= node.id
        {
            return;
        }
        let node = &mut self.nodes[v];
        node.current_epoch += 1;
        node.view[v].config_epoch = node.current_epoch;
        let epoch = node.current_epoch;
        self.trace_epochs(v);
        self.log(
            v,
            format!(
                "WARNING: configEpoch collision with node {}. configEpoch set to {epoch}",
                self.short(msg.sender)
            ),
        );
    }

    /// `clusterUpdateSlotsConfigWith`: rebind the slots `claimant` claims
    /// with `epoch` wherever that beats the current owner; delete the keys
    /// of slots lost with keys left (dirty); follow the claimant if my
    /// master (or I) lost every slot to it.
    pub(crate) fn apply_claims(
        &mut self,
        v: NodeIdx,
        claimant: NodeIdx,
        epoch: u64,
        bits: &SlotBits,
    ) {
        if v == claimant {
            return;
        }
        let cur_master = self.nodes[v].role(v).master().unwrap_or(v);
        let had_slots = self.nodes[v].slots.count_of(cur_master) > 0;
        let mut dirty: Vec<Slot> = Vec::new();
        let mut moved_from_cur = 0usize;
        let now = self.now;
        for slot in bits.slots() {
            let i = usize::from(slot);
            let node = &self.nodes[v];
            if node.importing.contains_key(&slot) || node.slots[i] == Some(claimant) {
                continue;
            }
            let beats = match node.slots[i] {
                None => true,
                Some(o) => node.view[o].config_epoch < epoch,
            };
            if !beats {
                continue;
            }
            if node.slots[i] == Some(v) && node.db.count_in_slot(slot) > 0 {
                dirty.push(slot);
            }
            if node.slots[i] == Some(cur_master) {
                moved_from_cur += 1;
            }
            self.nodes[v].slots.set(i, Some(claimant));
        }
        let left_without = self.nodes[v].slots.count_of(cur_master) == 0;
        if had_slots && moved_from_cur > 0 && left_without {
            self.log(
                v,
                format!(
                    "Configuration change detected. Reconfiguring myself as a replica of {}",
                    self.short(claimant)
                ),
            );
            self.become_replica(v, claimant);
        } else {
            for slot in dirty {
                let keys: Vec<Vec<u8>> = self.nodes[v].db.keys_in_slot(slot).cloned().collect();
                for k in keys {
                    self.nodes[v].db.remove(&k, now);
                }
            }
        }
    }

    pub(crate) fn trace_epochs(&mut self, v: NodeIdx) {
        let at = self.now;
        let current = self.nodes[v].current_epoch;
        let config = self.nodes[v].view[v].config_epoch;
        self.trace.push(TraceEvent::Epochs {
            at,
            node: v,
            current,
            config,
        });
    }
}

/// Adds `n` to a small set kept as a list.
fn add_once(set: &mut Vec<NodeIdx>, n: NodeIdx) {
    if !set.contains(&n) {
        set.push(n);
    }
}
