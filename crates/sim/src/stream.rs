//! A Redis stream (t_stream.c in 7.0): entries with IDs `<ms>-<seq>` kept
//! in listpack nodes, and consumer groups with their pending entries.
//!
//! The nodes are modelled because they show: approximate trimming (`~`)
//! removes whole nodes only, and XINFO STREAM reports `radix-tree-keys`
//! (one per node) and `radix-tree-nodes`. A node takes new entries until
//! it holds `stream-node-max-entries` (100 by default) entries, deleted ones
//! included, or its listpack would reach `stream-node-max-bytes` (4096).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// `STREAM_LISTPACK_MAX_SIZE`: a node's listpack never grows past 1 GiB.
const LISTPACK_MAX_SIZE: usize = 1 << 30;
/// `STREAM_LISTPACK_MAX_PRE_ALLOCATE`: what a new node's listpack reserves.
const LISTPACK_MAX_PRE_ALLOCATE: usize = 4096;

/// When a node is full: the node's `stream-node-max-bytes` and
/// `stream-node-max-entries`, as streamAppendItem() reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeLimits {
    /// As configured; 0 means no limit (which is 1 GiB, see `max_bytes()`).
    pub bytes: u64,
    /// As configured; 0 means no limit on the number of entries.
    pub entries: u64,
}

impl Default for NodeLimits {
    fn default() -> Self {
        let d = crate::config::Encodings::default();
        NodeLimits::of(&d)
    }
}

impl NodeLimits {
    pub fn of(e: &crate::config::Encodings) -> Self {
        NodeLimits {
            bytes: e.stream_node_max_bytes,
            entries: e.stream_node_max_entries,
        }
    }

    /// "if (node_max_bytes == 0 || node_max_bytes > STREAM_LISTPACK_MAX_SIZE)
    /// node_max_bytes = STREAM_LISTPACK_MAX_SIZE;"
    fn max_bytes(self) -> usize {
        match usize::try_from(self.bytes) {
            Ok(b) if b > 0 && b <= LISTPACK_MAX_SIZE => b,
            _ => LISTPACK_MAX_SIZE,
        }
    }

    /// What a new node's listpack allocates: 4096 bytes, or less when
    /// stream-node-max-bytes is set below that.
    pub fn prealloc(self) -> usize {
        match usize::try_from(self.bytes) {
            Ok(b) if b > 0 && b < LISTPACK_MAX_PRE_ALLOCATE => b,
            _ => LISTPACK_MAX_PRE_ALLOCATE,
        }
    }

    /// XADD/XTRIM `~` without LIMIT: "args->limit = 100 *
    /// server.stream_node_max_entries; if (args->limit <= 0 ||
    /// args->limit > 10000) args->limit = 10000;"
    pub fn approx_trim_limit(self) -> u64 {
        match self.entries.saturating_mul(100) {
            0 => 10_000,
            l => l.min(10_000),
        }
    }
}

/// `SCG_INVALID_ENTRIES_READ`: a group's read counter that is not known.
pub const INVALID_ENTRIES_READ: i64 = -1;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    pub ms: u64,
    pub seq: u64,
}

impl StreamId {
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    pub fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// `streamIncrID()`: the next ID, or None past the last possible one.
    pub fn next(self) -> Option<StreamId> {
        if self.seq < u64::MAX {
            Some(StreamId::new(self.ms, self.seq + 1))
        } else if self.ms < u64::MAX {
            Some(StreamId::new(self.ms + 1, 0))
        } else {
            None
        }
    }

    /// `streamDecrID()`.
    pub fn prev(self) -> Option<StreamId> {
        if self.seq > 0 {
            Some(StreamId::new(self.ms, self.seq - 1))
        } else if self.ms > 0 {
            Some(StreamId::new(self.ms - 1, u64::MAX))
        } else {
            None
        }
    }

    pub fn is_zero(self) -> bool {
        self == StreamId::MIN
    }

    /// The 16 big-endian bytes Redis uses as the node's radix-tree key
    /// (and as a PEL's key, and for both in an RDB payload).
    pub(crate) fn key_bytes(self) -> [u8; 16] {
        let mut k = [0u8; 16];
        k[..8].copy_from_slice(&self.ms.to_be_bytes());
        k[8..].copy_from_slice(&self.seq.to_be_bytes());
        k
    }
}

impl From<[u8; 16]> for StreamId {
    /// `streamDecodeID()`: the radix-tree key back to an ID.
    fn from(k: [u8; 16]) -> StreamId {
        let mut ms = [0u8; 8];
        let mut seq = [0u8; 8];
        ms.copy_from_slice(&k[..8]);
        seq.copy_from_slice(&k[8..]);
        StreamId::new(u64::from_be_bytes(ms), u64::from_be_bytes(seq))
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

pub type Fields = Vec<(Vec<u8>, Vec<u8>)>;

#[derive(Clone, Debug, PartialEq)]
pub struct StreamEntry {
    pub id: StreamId,
    pub fields: Fields,
    /// XDEL and exact trimming only flag an entry inside its node.
    pub deleted: bool,
}

/// One listpack node: its master entry's fields (an entry with the same
/// fields stores only its values) and its entries, deleted ones included.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamNode {
    pub master: StreamId,
    pub master_fields: Vec<Vec<u8>>,
    pub entries: Vec<StreamEntry>,
    /// The listpack's allocation in bytes (jemalloc's usable size), which
    /// MEMORY USAGE reports: it depends on how the node grew.
    pub alloc: usize,
}

impl StreamNode {
    pub fn live(&self) -> usize {
        self.entries.iter().filter(|e| !e.deleted).count()
    }

    /// The listpack's size in bytes, element by element as lpAppend lays
    /// them out (streamAppendItem): header, master entry, then per entry
    /// flags, ID deltas, fields or values, and the entry's element count.
    pub(crate) fn bytes(&self) -> usize {
        let mut n = self.master_bytes(self.live(), self.entries.len() - self.live());
        for e in &self.entries {
            n += self.entry_elements(e).iter().sum::<usize>();
        }
        n
    }

    /// Header, end byte and the master entry, with these counters.
    fn master_bytes(&self, live: usize, deleted: usize) -> usize {
        6 + 1
            + lp_int(live as i64)
            + lp_int(deleted as i64)
            + lp_int(self.master_fields.len() as i64)
            + self.master_fields.iter().map(|f| lp_str(f)).sum::<usize>()
            + lp_int(0)
    }

    /// The sizes of an entry's elements, in the order streamAppendItem
    /// appends them: flags, ID deltas, (field count), fields or values, and
    /// the entry's element count.
    fn entry_elements(&self, e: &StreamEntry) -> Vec<usize> {
        let same = self.same_fields(e);
        let mut out = vec![
            lp_int(if e.deleted { 1 } else { 0 } | if same { 2 } else { 0 }),
            lp_int(e.id.ms.wrapping_sub(self.master.ms) as i64),
            lp_int(e.id.seq.wrapping_sub(self.master.seq) as i64),
        ];
        let count = if same {
            out.extend(e.fields.iter().map(|(_, v)| lp_str(v)));
            e.fields.len() + 3
        } else {
            out.push(lp_int(e.fields.len() as i64));
            for (f, v) in &e.fields {
                out.push(lp_str(f));
                out.push(lp_str(v));
            }
            e.fields.len() * 2 + 4
        };
        out.push(lp_int(count as i64));
        out
    }

    /// Whether the entry is stored with STREAM_ITEM_FLAG_SAMEFIELDS: its
    /// fields are the master entry's, in order (streamAppendItem compares
    /// them one by one).
    pub(crate) fn same_fields(&self, e: &StreamEntry) -> bool {
        e.fields.len() == self.master_fields.len()
            && e.fields
                .iter()
                .zip(&self.master_fields)
                .all(|((f, _), m)| f == m)
    }

    /// The listpack's allocation after one lpInsert took it from `old` to
    /// `new` bytes: it grows to the allocator's size class when it no
    /// longer fits, and is reallocated to fit whenever it shrinks
    /// ("Realloc after: we need to free space").
    fn resized(&mut self, old: usize, new: usize) {
        if (new > old && new > self.alloc) || new < old {
            self.alloc = crate::command::memory::jemalloc(new);
        }
    }

    /// lpAppend of each element in turn, from a listpack of `bytes` bytes.
    fn append_elements(&mut self, mut bytes: usize, elements: &[usize]) {
        for &size in elements {
            self.resized(bytes, bytes + size);
            bytes += size;
        }
    }

    /// The entry's elements appended after the node's counters already
    /// count it.
    fn append_entry(&mut self, entry: StreamEntry) {
        let elements = self.entry_elements(&entry);
        self.entries.push(entry);
        let total: usize = elements.iter().sum();
        let before = self.bytes() - total;
        self.append_elements(before, &elements);
    }

    /// Counters rewritten one after the other (live, then deleted), as
    /// streamIteratorRemoveEntry() and streamTrim() do, from the counts
    /// before the change to the node's counts now.
    fn recount(&mut self, live_before: usize, deleted_before: usize) {
        let live = self.live();
        let deleted = self.entries.len() - live;
        let rest = self.bytes() - self.master_bytes(live, deleted);
        let start = rest + self.master_bytes(live_before, deleted_before);
        let mid = rest + self.master_bytes(live, deleted_before);
        self.resized(start, mid);
        self.resized(mid, rest + self.master_bytes(live, deleted));
    }
}

/// Bytes of a listpack integer element: encoding plus back-length.
fn lp_int(v: i64) -> usize {
    let enc = match v {
        0..=127 => 1,
        -4096..=4095 => 2,
        -32768..=32767 => 3,
        -8_388_608..=8_388_607 => 4,
        -2_147_483_648..=2_147_483_647 => 5,
        _ => 9,
    };
    enc + backlen(enc)
}

/// Bytes of a listpack string element (an integer-looking one is stored
/// as an integer, `lpStringToInt64`).
fn lp_str(s: &[u8]) -> usize {
    if let Some(v) = crate::keyspace::parse_i64(s) {
        return lp_int(v);
    }
    let enc = match s.len() {
        0..=63 => 1 + s.len(),
        64..=4095 => 2 + s.len(),
        _ => 5 + s.len(),
    };
    enc + backlen(enc)
}

fn backlen(len: usize) -> usize {
    match len {
        0..=127 => 1,
        128..=16383 => 2,
        16384..=2_097_151 => 3,
        2_097_152..=268_435_455 => 4,
        _ => 5,
    }
}

/// A pending entry (`streamNACK`): delivered to `consumer`, not acknowledged.
#[derive(Clone, Debug, PartialEq)]
pub struct Nack {
    pub consumer: Vec<u8>,
    /// Unix time in ms of the last delivery.
    pub delivery_time: u64,
    pub delivery_count: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Consumer {
    /// Unix time in ms the consumer was last seen (read or claimed).
    pub seen_time: u64,
    pub pel: BTreeSet<StreamId>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub last_id: StreamId,
    pub entries_read: i64,
    pub pel: BTreeMap<StreamId, Nack>,
    /// Ordered by name, as Redis's radix tree orders them.
    pub consumers: BTreeMap<Vec<u8>, Consumer>,
}

impl Group {
    /// `streamLookupConsumer()` with creation; `refresh` updates seen-time.
    /// Returns whether it was created.
    pub fn consumer(&mut self, name: &[u8], now_unix: u64, refresh: bool) -> bool {
        match self.consumers.get_mut(name) {
            Some(c) => {
                if refresh {
                    c.seen_time = now_unix;
                }
                false
            }
            None => {
                let c = Consumer {
                    seen_time: now_unix,
                    pel: BTreeSet::new(),
                };
                self.consumers.insert(name.to_vec(), c);
                true
            }
        }
    }

    /// Gives the pending entry `id` to `consumer` (already created).
    pub fn assign(&mut self, id: StreamId, consumer: &[u8]) {
        if let Some(nack) = self.pel.get_mut(&id) {
            if nack.consumer != consumer {
                if let Some(old) = self.consumers.get_mut(&nack.consumer) {
                    old.pel.remove(&id);
                }
                nack.consumer = consumer.to_vec();
            }
        }
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.pel.insert(id);
        }
    }

    /// Drops the pending entry `id` from the group and its consumer.
    pub fn ack(&mut self, id: StreamId) -> bool {
        match self.pel.remove(&id) {
            Some(nack) => {
                if let Some(c) = self.consumers.get_mut(&nack.consumer) {
                    c.pel.remove(&id);
                }
                true
            }
            None => false,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stream {
    pub nodes: Vec<StreamNode>,
    pub length: u64,
    pub last_id: StreamId,
    /// `first_id` ("recorded-first-entry-id"): 0-0 when empty.
    pub first_id: StreamId,
    pub max_deleted: StreamId,
    pub entries_added: u64,
    pub groups: BTreeMap<Vec<u8>, Group>,
}

/// Why an append failed.
#[derive(Debug, PartialEq)]
pub enum AppendError {
    /// `EDOM`: the ID is not greater than the stream's last ID.
    NotGreater,
    /// `<ms>-*` when the last ID of that millisecond has the largest
    /// sequence: 7.0 answers it as it answers an entry too large.
    SeqExhausted,
}

impl Stream {
    /// `streamAppendItem()`: `id` is None for `*`; `Some((id, false))` for
    /// `<ms>-*` (the sequence is generated), `Some((id, true))` for a full ID.
    pub fn append(
        &mut self,
        fields: Fields,
        id: Option<(StreamId, bool)>,
        now_unix: u64,
        limits: NodeLimits,
    ) -> Result<StreamId, AppendError> {
        let id = match id {
            Some((id, true)) => id,
            Some((id, false)) if id.ms == self.last_id.ms => {
                if self.last_id.seq == u64::MAX {
                    return Err(AppendError::SeqExhausted);
                }
                StreamId::new(id.ms, self.last_id.seq + 1)
            }
            Some((id, false)) => id,
            // `streamNextID()`: the clock, or one more than the last ID if
            // the clock is behind it.
            None if self.last_id.ms >= now_unix => {
                self.last_id.next().ok_or(AppendError::NotGreater)?
            }
            None => StreamId::new(now_unix, 0),
        };
        if id <= self.last_id {
            return Err(AppendError::NotGreater);
        }
        let total: usize = fields.iter().map(|(f, v)| f.len() + v.len()).sum();
        // Deleted entries count too: "Count both live entries and deleted ones."
        let full = self.nodes.last().is_none_or(|node| {
            node.bytes() + total >= limits.max_bytes()
                || (limits.entries > 0 && node.entries.len() as u64 >= limits.entries)
        });
        let entry = StreamEntry {
            id,
            fields,
            deleted: false,
        };
        if full {
            // "Shrink extra pre-allocated memory" of the node now complete.
            if let Some(done) = self.nodes.last_mut() {
                done.alloc = crate::command::memory::jemalloc(done.bytes());
            }
            // lpNew(prealloc), then the master entry element by element:
            // counts (1 live, 0 deleted), field count, fields, terminator.
            let mut node = StreamNode {
                master: id,
                master_fields: entry.fields.iter().map(|(f, _)| f.clone()).collect(),
                entries: Vec::new(),
                alloc: crate::command::memory::jemalloc(limits.prealloc().max(7)),
            };
            let mut elements = vec![lp_int(1), lp_int(0)];
            elements.push(lp_int(node.master_fields.len() as i64));
            elements.extend(node.master_fields.iter().map(|f| lp_str(f)));
            elements.push(lp_int(0));
            node.append_elements(7, &elements);
            node.append_entry(entry);
            self.nodes.push(node);
        } else if let Some(node) = self.nodes.last_mut() {
            // The live count goes up by one first (lpReplaceInteger).
            let live = node.live();
            let deleted = node.entries.len() - live;
            let before = node.bytes();
            let after =
                before - node.master_bytes(live, deleted) + node.master_bytes(live + 1, deleted);
            node.resized(before, after);
            node.append_entry(entry);
        }
        self.length += 1;
        self.entries_added += 1;
        self.last_id = id;
        if self.length == 1 {
            self.first_id = id;
        }
        Ok(id)
    }

    /// Live entries with `start <= id <= end`, in order (or reversed).
    pub fn range(&self, start: StreamId, end: StreamId, rev: bool) -> Vec<&StreamEntry> {
        let mut out: Vec<&StreamEntry> = self
            .nodes
            .iter()
            .flat_map(|n| n.entries.iter())
            .filter(|e| !e.deleted && e.id >= start && e.id <= end)
            .collect();
        if rev {
            out.reverse();
        }
        out
    }

    pub fn get(&self, id: StreamId) -> Option<&StreamEntry> {
        self.range(id, id, false).into_iter().next()
    }

    /// `streamLastValidID()`: the last live entry's ID (0-0 when empty).
    pub fn last_valid_id(&self) -> StreamId {
        self.range(StreamId::MIN, StreamId::MAX, true)
            .first()
            .map_or(StreamId::MIN, |e| e.id)
    }

    fn first_valid_id(&self) -> StreamId {
        self.range(StreamId::MIN, StreamId::MAX, false)
            .first()
            .map_or(StreamId::MIN, |e| e.id)
    }

    /// `streamDeleteItem()`: flags the entry; a node left with no live
    /// entry goes. XDEL then records the tombstone and the first ID.
    pub fn delete(&mut self, id: StreamId) -> bool {
        let Some(n) = self
            .nodes
            .iter()
            .position(|n| n.entries.iter().any(|e| e.id == id && !e.deleted))
        else {
            return false;
        };
        let node = &mut self.nodes[n];
        let (live, deleted) = (node.live(), node.entries.len() - node.live());
        if let Some(e) = node.entries.iter_mut().find(|e| e.id == id) {
            e.deleted = true;
        }
        if node.live() == 0 {
            self.nodes.remove(n);
        } else {
            node.recount(live, deleted);
        }
        self.length -= 1;
        if id > self.max_deleted {
            self.max_deleted = id;
        }
        if self.length == 0 {
            self.first_id = StreamId::MIN;
        } else if id == self.first_id {
            self.first_id = self.first_valid_id();
        }
        true
    }

    /// `streamTrim()`: whole nodes while they can go; then, unless
    /// approximate, entries inside the first node that must stay in part.
    /// `limit` (0 = none) caps the entries removed, node by node.
    pub fn trim(&mut self, strategy: Trim, approx: bool, limit: u64) -> u64 {
        let mut deleted = 0u64;
        while let Some(node) = self.nodes.first() {
            if let Trim::MaxLen(max) = strategy {
                if self.length <= max {
                    break;
                }
            }
            let entries = node.live() as u64;
            if limit > 0 && deleted + entries > limit {
                break;
            }
            let remove_node = match strategy {
                Trim::MaxLen(max) => self.length - entries >= max,
                Trim::MinId(min) => node.entries.last().is_some_and(|e| e.id < min),
            };
            if remove_node {
                self.nodes.remove(0);
                self.length -= entries;
                deleted += entries;
                continue;
            }
            if approx {
                break;
            }
            let mut length = self.length;
            let node = &mut self.nodes[0];
            let (live, dead) = (node.live(), node.entries.len() - node.live());
            for e in &mut node.entries {
                let stop = match strategy {
                    Trim::MaxLen(max) => length <= max,
                    Trim::MinId(min) => e.id >= min,
                };
                if stop {
                    break;
                }
                if !e.deleted {
                    e.deleted = true;
                    length -= 1;
                    deleted += 1;
                }
            }
            node.recount(live, dead);
            self.length = length;
            break;
        }
        if deleted > 0 {
            self.first_id = if self.length == 0 {
                StreamId::MIN
            } else {
                self.first_valid_id()
            };
        }
        deleted
    }

    /// `radix-tree-keys`: one key per node.
    pub fn rax_keys(&self) -> usize {
        self.nodes.len()
    }

    /// `radix-tree-nodes`: the nodes of the radix tree holding the node
    /// keys (16-byte big-endian IDs), counted as rax builds it: a
    /// compressed node for a run shared by every key below, a branching
    /// node where they differ, and an empty node where a key ends.
    pub fn rax_nodes(&self) -> usize {
        rax_nodes_of(self.nodes.iter().map(|n| n.master))
    }

    /// `streamEstimateDistanceFromFirstEverEntry()`: how many entries were
    /// added up to `id`, when that can be known (else INVALID).
    pub fn distance_from_first(&self, id: StreamId) -> i64 {
        if self.entries_added == 0 {
            return 0;
        }
        if self.length == 0 && id <= self.last_id {
            return self.entries_added as i64;
        }
        if id == self.last_id {
            return self.entries_added as i64;
        } else if id > self.last_id {
            return INVALID_ENTRIES_READ;
        }
        if self.max_deleted.is_zero() || self.max_deleted < self.first_id {
            if id < self.first_id {
                return (self.entries_added - self.length) as i64;
            } else if id == self.first_id {
                return (self.entries_added - self.length + 1) as i64;
            }
        }
        INVALID_ENTRIES_READ
    }

    /// `streamRangeHasTombstones()` from `start` to the end.
    pub fn has_tombstones_from(&self, start: StreamId) -> bool {
        if self.length == 0 || self.max_deleted.is_zero() {
            return false;
        }
        if self.first_id > self.max_deleted {
            return false;
        }
        start <= self.max_deleted
    }

    /// The lag XINFO reports for a group (`streamReplyWithCGLag()`).
    pub fn lag(&self, group: &Group) -> Option<i64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if group.entries_read != INVALID_ENTRIES_READ && !self.has_tombstones_from(group.last_id) {
            return Some(self.entries_added as i64 - group.entries_read);
        }
        let read = self.distance_from_first(group.last_id);
        (read != INVALID_ENTRIES_READ).then(|| self.entries_added as i64 - read)
    }

    /// A group moves past `id` as it delivers it (`streamReplyWithRange()`
    /// with a group): its read counter follows when it can.
    pub fn advance_group(&mut self, group: &[u8], id: StreamId) {
        let tombstones = self.has_tombstones_from(id);
        let estimate = self.distance_from_first(id);
        let added = self.entries_added;
        let Some(g) = self.groups.get_mut(group) else {
            return;
        };
        if id > g.last_id {
            if g.entries_read != INVALID_ENTRIES_READ && !tombstones {
                g.entries_read += 1;
            } else if added > 0 {
                g.entries_read = estimate;
            }
            g.last_id = id;
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Trim {
    MaxLen(u64),
    MinId(StreamId),
}

/// The nodes of a radix tree of these IDs as keys (a node tree's, or a
/// PEL's), an empty tree being its head node alone.
pub fn rax_nodes_of(ids: impl Iterator<Item = StreamId>) -> usize {
    let keys: Vec<[u8; 16]> = ids.map(StreamId::key_bytes).collect();
    let all: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
    if all.is_empty() {
        1
    } else {
        rax_count(&all)
    }
}

/// Nodes of a radix tree over `keys` (distinct, none a prefix of another,
/// or empty for a key ending here).
fn rax_count(keys: &[&[u8]]) -> usize {
    if keys.len() == 1 && keys[0].is_empty() {
        return 1;
    }
    let first = keys[0].first();
    if keys.iter().all(|k| !k.is_empty() && k.first() == first) {
        // A compressed node: the run every key shares.
        let shared = (0..)
            .take_while(|&i| keys.iter().all(|k| k.len() > i && k[i] == keys[0][i]))
            .count();
        let rest: Vec<&[u8]> = keys.iter().map(|k| &k[shared..]).collect();
        return 1 + rax_count(&rest);
    }
    // A branching node, one child per first byte.
    let mut sorted: Vec<&[u8]> = keys.to_vec();
    crate::order::sort_by(&mut sorted, Ord::cmp);
    let mut total = 1;
    let mut i = 0;
    while i < sorted.len() {
        let b = sorted[i].first().copied();
        let j = (i..sorted.len())
            .find(|&j| sorted[j].first().copied() != b)
            .unwrap_or(sorted.len());
        let rest: Vec<&[u8]> = sorted[i..j].iter().map(|k| &k[1.min(k.len())..]).collect();
        total += rax_count(&rest);
        i = j;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(a, b)| (a.as_bytes().to_vec(), b.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn ids_grow_and_nodes_fill_at_100_entries() {
        let mut s = Stream::default();
        for i in 1..=250 {
            s.append(
                f(&[("a", "1")]),
                Some((StreamId::new(i, 0), true)),
                0,
                NodeLimits::default(),
            )
            .unwrap();
        }
        assert_eq!(s.rax_keys(), 3);
        assert_eq!(s.length, 250);
        assert_eq!(
            s.append(
                f(&[("a", "1")]),
                Some((StreamId::new(5, 0), true)),
                0,
                NodeLimits::default()
            ),
            Err(AppendError::NotGreater)
        );
        // `<ms>-*` continues the sequence of the same millisecond.
        let id = s.append(
            f(&[("a", "1")]),
            Some((StreamId::new(250, 0), false)),
            0,
            NodeLimits::default(),
        );
        assert_eq!(id, Ok(StreamId::new(250, 1)));
    }

    #[test]
    fn approximate_trim_removes_whole_nodes_only() {
        let mut s = Stream::default();
        for i in 1..=250 {
            s.append(
                f(&[("a", "1")]),
                Some((StreamId::new(i, 0), true)),
                0,
                NodeLimits::default(),
            )
            .unwrap();
        }
        assert_eq!(s.trim(Trim::MaxLen(180), true, 10_000), 0);
        assert_eq!(s.trim(Trim::MaxLen(140), true, 10_000), 100);
        assert_eq!(s.trim(Trim::MaxLen(140), false, 0), 10);
        assert_eq!(s.length, 140);
        assert_eq!(s.first_id, StreamId::new(111, 0));
    }

    #[test]
    fn radix_tree_nodes_of_one_and_two_keys() {
        assert_eq!(rax_count(&[b"abcd"]), 2);
        // "ab" shared, then a branch, then "d" / "e" runs and two leaves.
        assert_eq!(rax_count(&[b"abcd", b"abde"]), 6);
    }
}
