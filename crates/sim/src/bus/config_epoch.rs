//! Roles, slot ownership and config epochs as messages change them: a
//! sender's role from its header, slot claims rebound by configEpoch
//! (`clusterUpdateSlotsConfigWith`), UPDATE for stale claims, and
//! `clusterHandleConfigEpochCollision`.

use crate::node::{Effect, Io, Node, NodeIdx, Role};
use crate::slot::{Slot, SLOT_COUNT};
use crate::trace::TraceEvent;

use super::*;

impl Node {
    /// The sender told us its role (master, or replica of `master`).
    pub(crate) fn learn_role(&mut self, io: &mut dyn Io, s: NodeIdx, master: Option<NodeIdx>) {
        let role = master.map_or(Role::Master, |m| Role::Replica { of: m });
        let old = self.view[s].role;
        if old == role {
            return;
        }
        if old == Role::Master {
            // A master turned into a replica: its slots are unassigned here
            // until their new owner claims them (`clusterDelNodeSlots`).
            for slot in 0..usize::from(SLOT_COUNT) {
                if self.slots[slot] == Some(s) {
                    self.slots.set(slot, None);
                }
            }
        }
        self.set_role(io, s, role);
    }

    pub(crate) fn set_role(&mut self, io: &mut dyn Io, n: NodeIdx, role: Role) {
        let old = self.view[n].role;
        match role {
            // A master that has (or took over from a master that had) a
            // replica is one that should keep having one.
            Role::Replica { of } => {
                add_once(&mut self.bus.migrate_to, of);
            }
            // (Redis sets CLUSTER_NODE_MIGRATE_TO when the node had a
            // known master; one learned from gossip as a replica had none.)
            Role::Master if matches!(old, Role::Replica { .. }) && n != self.me => {
                add_once(&mut self.bus.migrate_to, n);
            }
            Role::Master | Role::ReplicaOfUnknown => {}
        }
        self.view[n].role = role;
        self.bus.view_changes += 1;
        let at = io.now();
        io.trace(TraceEvent::RoleChanged {
            at,
            observer: self.me,
            node: n,
            role,
        });
    }

    /// Slot claims in a PING/PONG: adopt newer ones, tell the sender (UPDATE)
    /// when it claims slots someone newer owns.
    pub(crate) fn check_claims(&mut self, io: &mut dyn Io, msg: &Msg) {
        let s = msg.sender;
        let sender_master = msg.master.unwrap_or(s);
        // Same count, and every claimed slot already owned by it here: same set.
        let table = &self.slots;
        let dirty = table.count_of(sender_master) != msg.claims.count() as usize
            || msg
                .claims
                .slots()
                .any(|slot| table[usize::from(slot)] != Some(sender_master));
        if !dirty {
            return;
        }
        if msg.master.is_none() {
            self.apply_claims(io, s, msg.config_epoch, &msg.claims);
        }
        for slot in msg.claims.slots() {
            let Some(owner) = self.slots[usize::from(slot)] else {
                continue;
            };
            if owner == s {
                continue;
            }
            let owner_epoch = self.view[owner].config_epoch;
            if owner_epoch > msg.config_epoch {
                let mut update = self.header(MsgKind::Update);
                update.about = Some(owner);
                update.update = Some((owner_epoch, self.slots.claims(owner)));
                self.send(io, s, update);
                break;
            }
        }
    }

    /// `clusterHandleConfigEpochCollision`: two masters with the same config
    /// epoch; the one with the smaller node ID takes a new epoch, so that
    /// every master ends up with its own.
    pub(crate) fn handle_config_epoch_collision(&mut self, io: &mut dyn Io, msg: &Msg) {
        let node = &*self;
        if msg.master.is_some()
            || node.role(self.me) != Role::Master
            || msg.config_epoch != node.view[self.me].config_epoch
            || io.id_of(msg.sender) <= node.id.as_str()
        {
            return;
        }
        let me = self.me;
        let node = &mut *self;
        node.current_epoch += 1;
        node.view[me].config_epoch = node.current_epoch;
        let epoch = node.current_epoch;
        self.trace_epochs(io);
        {
            let text = format!(
                "WARNING: configEpoch collision with node {}. configEpoch set to {epoch}",
                self.short(io, msg.sender)
            );
            self.log(io, text);
        }
    }

    /// `clusterUpdateSlotsConfigWith`: rebind the slots `claimant` claims
    /// with `epoch` wherever that beats the current owner; delete the keys
    /// of slots lost with keys left (dirty); follow the claimant if my
    /// master (or I) lost every slot to it.
    pub(crate) fn apply_claims(
        &mut self,
        io: &mut dyn Io,
        claimant: NodeIdx,
        epoch: u64,
        bits: &SlotBits,
    ) {
        if self.me == claimant {
            return;
        }
        let cur_master = self.role(self.me).master().unwrap_or(self.me);
        let had_slots = self.slots.count_of(cur_master) > 0;
        let mut dirty: Vec<Slot> = Vec::new();
        let mut moved_from_cur = 0usize;
        let now = io.now();
        for slot in bits.slots() {
            let i = usize::from(slot);
            let node = &*self;
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
            if node.slots[i] == Some(self.me) && node.db.count_in_slot(slot) > 0 {
                dirty.push(slot);
            }
            if node.slots[i] == Some(cur_master) {
                moved_from_cur += 1;
            }
            self.slots.set(i, Some(claimant));
        }
        let left_without = self.slots.count_of(cur_master) == 0;
        if had_slots && moved_from_cur > 0 && left_without {
            {
                let text = format!(
                    "Configuration change detected. Reconfiguring myself as a replica of {}",
                    self.short(io, claimant)
                );
                self.log(io, text);
            }
            self.become_replica(io, claimant);
        } else {
            for slot in dirty {
                let keys: Vec<Vec<u8>> = self.db.keys_in_slot(slot).cloned().collect();
                for k in keys {
                    self.db.remove(&k, now);
                }
            }
        }
    }

    pub(crate) fn trace_epochs(&mut self, io: &mut dyn Io) {
        let at = io.now();
        let current = self.current_epoch;
        let config = self.view[self.me].config_epoch;
        io.trace(TraceEvent::Epochs {
            at,
            node: self.me,
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

impl Node {
    /// `clusterBumpConfigEpochWithoutConsensus`: take a fresh epoch unless
    /// mine is already the unique maximum this node knows of.
    pub(crate) fn bump_config_epoch_without_consensus(&mut self) {
        let me = self.me;
        let max_epoch = self
            .view
            .iter()
            .map(|p| p.config_epoch)
            .max()
            .unwrap_or(0)
            .max(self.current_epoch);
        let mine = self.view[me].config_epoch;
        if mine == 0 || mine != max_epoch {
            self.current_epoch += 1;
            self.view[me].config_epoch = self.current_epoch;
        }
    }

    /// `clusterSetMaster()`: this node follows `master`. Others learn it
    /// from its next messages; its data becomes a copy of the master's (a
    /// full sync, which the world carries out).
    pub(crate) fn become_replica(&mut self, io: &mut dyn Io, master: NodeIdx) {
        self.set_role(io, self.me, Role::Replica { of: master });
        self.migrating.clear();
        self.importing.clear();
        self.bus.master_last_io = io.now();
        io.effect(Effect::FullSync { master });
        // The resync is queued: the old link is not "broken" any more.
        self.bus.repl_broken = false;
        // A master in manual failover resumes its clients once demoted.
        self.reset_manual_failover();
    }
}
