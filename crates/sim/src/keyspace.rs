//! A node's db 0: keys, typed values, expiry in simulated milliseconds, and a
//! version per key so WATCH can tell whether a key changed.

use std::collections::{BTreeMap, VecDeque};

use crate::config::Encodings;
use crate::slot::{key_hash_slot, Slot};

/// The Unix time, in ms, at simulated time 0: 2026-01-01T00:00:00Z. A
/// fixed instant keeps runs reproducible; EXPIREAT, EXPIRETIME, SET EXAT
/// and TIME convert through it.
pub const UNIX_MS_AT_START: i64 = 1_767_225_600_000;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(Vec<u8>),
    List(VecDeque<Vec<u8>>),
    /// Field/value pairs in insertion order, as a small Redis hash (listpack) keeps them.
    Hash(Vec<(Vec<u8>, Vec<u8>)>),
    /// Members in insertion order; SMEMBERS orders them (see `Keyspace::set_members`).
    Set(Vec<Vec<u8>>),
    /// Members sorted by (score, member), as Redis orders a sorted set.
    ZSet(Vec<(f64, Vec<u8>)>),
    /// Boxed: a stream is much bigger than the other values' handles.
    Stream(Box<crate::stream::Stream>),
}

impl Value {
    /// The name TYPE prints.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    /// The encoding a value of this type takes once it is too big for the
    /// compact one.
    pub fn large_encoding(&self) -> &'static str {
        match self {
            Value::Str(_) => "raw",
            Value::List(_) => "quicklist",
            Value::Hash(_) | Value::Set(_) => "hashtable",
            Value::ZSet(_) => "skiplist",
            Value::Stream(_) => "stream",
        }
    }

    /// The encoding of a value held compactly: a string's by its content,
    /// a collection's small one (7.0 lists are always quicklists).
    pub fn compact_encoding(&self) -> &'static str {
        match self {
            Value::Str(s) => {
                let is_int = std::str::from_utf8(s)
                    .ok()
                    .and_then(|t| t.parse::<i64>().ok())
                    .is_some_and(|n| n.to_string().as_bytes() == s.as_slice());
                if is_int {
                    "int"
                } else if s.len() <= 44 {
                    "embstr"
                } else {
                    "raw"
                }
            }
            Value::List(_) => "quicklist",
            Value::Hash(_) | Value::ZSet(_) => "listpack",
            Value::Set(_) => "intset",
            Value::Stream(_) => "stream",
        }
    }

    /// Whether a hash, set or sorted set is within the limits of its compact
    /// encoding (`hash-max-listpack-entries`/`-value`,
    /// `set-max-intset-entries` with integers only,
    /// `zset-max-listpack-entries`/`-value`).
    pub fn fits_compact(&self, limits: &Encodings) -> bool {
        let short = |b: &[u8], max: u64| b.len() as u64 <= max;
        match self {
            Value::Hash(h) => {
                h.len() as u64 <= limits.hash_max_listpack_entries
                    && h.iter().all(|(f, v)| {
                        short(f, limits.hash_max_listpack_value)
                            && short(v, limits.hash_max_listpack_value)
                    })
            }
            Value::Set(m) => {
                m.len() as u64 <= limits.set_max_intset_entries
                    && m.iter().all(|x| parse_i64(x).is_some())
            }
            Value::ZSet(z) => {
                z.len() as u64 <= limits.zset_max_listpack_entries
                    && z.iter()
                        .all(|(_, m)| short(m, limits.zset_max_listpack_value))
            }
            Value::Str(_) | Value::List(_) | Value::Stream(_) => true,
        }
    }

    /// The encoding a new value gets under `limits` (OBJECT ENCODING).
    pub fn encoding(&self, limits: &Encodings) -> &'static str {
        if self.fits_compact(limits) {
            self.compact_encoding()
        } else {
            self.large_encoding()
        }
    }

    /// Fields, members or elements (a string's bytes).
    pub fn elements(&self) -> usize {
        match self {
            Value::Str(s) => s.len(),
            Value::List(l) => l.len(),
            Value::Hash(h) => h.len(),
            Value::Set(m) => m.len(),
            Value::ZSet(z) => z.len(),
            Value::Stream(s) => s.length as usize,
        }
    }
}

impl Entry {
    /// OBJECT ENCODING of the key: the large encoding once its value was
    /// converted (see `converted`), else the compact one.
    pub fn encoding(&self) -> &'static str {
        if self.converted {
            self.value.large_encoding()
        } else {
            self.value.compact_encoding()
        }
    }
}

pub fn parse_i64(bytes: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(bytes).ok()?;
    // Redis's string2ll: no leading '+', no spaces, no leading zeros.
    let n: i64 = s.parse().ok()?;
    (n.to_string() == s).then_some(n)
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub value: Value,
    /// Absolute simulated time in ms at which the key expires.
    pub expire_at: Option<u64>,
    /// When the key was created (not when last overwritten): Redis keeps
    /// each slot's keys in a list with the newest first, which is the order
    /// CLUSTER GETKEYSINSLOT answers in.
    pub created: u64,
    /// The value was converted to its large encoding (hashtable, skiplist,
    /// raw) and stays there: Redis never converts a hash, set or sorted
    /// set back to a listpack or intset when it shrinks, and APPEND,
    /// SETRANGE and SETBIT leave a string `raw` whatever its size. Cleared
    /// when the key gets a new value.
    pub converted: bool,
    /// The value's `elements()` at its last write: a write that adds to it is
    /// where Redis checks the encoding limits (see `Keyspace::touch`).
    pub len_at_write: usize,
    /// When a command last read or wrote the key (OBJECT IDLETIME). RESTORE
    /// IDLETIME can date it before time 0, so it is read with `wrapping_sub`.
    pub accessed: u64,
    /// The allocation of a raw string's sds where a command knows it
    /// exactly (the HyperLogLog commands grow it as `sdsMakeRoomFor()`
    /// does); MEMORY USAGE reads it while the string keeps that length.
    pub sds: Option<SdsAlloc>,
}

/// An sds allocation: the string length it was recorded at, the room the
/// sds says it has (its `alloc` field) and what jemalloc handed out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SdsAlloc {
    pub len: usize,
    pub alloc: usize,
    pub size: usize,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Keyspace {
    entries: BTreeMap<Vec<u8>, Entry>,
    /// For WATCH: the version of each key ever watched, bumped on every
    /// change of the key (including deletion and expiry). Only watched keys
    /// are tracked, as Redis only tracks watched keys; they are few, so a
    /// list (scanned on each write, usually empty).
    versions: Vec<(Vec<u8>, u64)>,
    next_version: u64,
    /// The form the last write is to reach replicas in, when it is not
    /// what the client sent (`rewriteClientCommandArgument()`): XADD with
    /// the ID it generated, an approximate trim made exact.
    propagate_as: Option<Vec<Vec<u8>>>,
    /// Whether the command being run is propagated, when its data changes
    /// decide it rather than its `write` flag (see `set_propagation`).
    propagation: Option<bool>,
    /// Keys removed because their time came (INFO's `expired_keys`).
    expired: u64,
    /// The state of the node's random picks (SPOP, SRANDMEMBER…; Redis
    /// uses the process's `random()`): fixed at start, so runs repeat.
    picks: u64,
    /// The node's encoding limits (its config's, set before each command).
    encodings: Encodings,
}

impl Keyspace {
    /// Sets how the command being run is propagated (see `propagate_as`).
    pub fn rewrite_propagated(&mut self, argv: Vec<Vec<u8>>) {
        self.propagate_as = Some(argv);
    }

    /// Marks `key`'s value as converted (a string made `raw` in place by
    /// APPEND, SETRANGE, SETBIT, BITFIELD, or BITOP's result).
    pub fn mark_converted(&mut self, key: &[u8]) {
        if let Some(entry) = self.entries.get_mut(key) {
            entry.converted = true;
        }
    }

    /// Records what `key`'s sds allocation is (see `Entry::sds`).
    pub fn set_sds(&mut self, key: &[u8], sds: Option<SdsAlloc>) {
        if let Some(entry) = self.entries.get_mut(key) {
            entry.sds = sds;
        }
    }

    /// A random number below `n` (n > 0) from the node's own stream.
    pub fn random_below(&mut self, n: u64) -> u64 {
        let mut rng = crate::rng::Rng::new(self.picks);
        let v = rng.below(n);
        self.picks = rng.next_u64();
        v
    }

    /// Takes the rewritten form of the command just run, if it has one.
    pub fn take_propagated(&mut self) -> Option<Vec<Vec<u8>>> {
        self.propagate_as.take()
    }

    /// Drops `key` if its time has come, as Redis does lazily on access.
    pub fn expire_if_needed(&mut self, key: &[u8], now: u64) {
        let expired = self
            .entries
            .get(key)
            .and_then(|e| e.expire_at)
            .is_some_and(|at| at <= now);
        if expired {
            self.entries.remove(key);
            self.touch(key);
            self.expired += 1;
        }
    }

    pub fn get(&mut self, key: &[u8], now: u64) -> Option<&Entry> {
        self.get_mut(key, now).map(|e| &*e)
    }

    /// The live entry for `key`, to change it; the caller must call `touch`.
    pub fn get_mut(&mut self, key: &[u8], now: u64) -> Option<&mut Entry> {
        self.expire_if_needed(key, now);
        let entry = self.entries.get_mut(key)?;
        entry.accessed = now;
        Some(entry)
    }

    /// The live entry without counting as an access (Redis's
    /// `LOOKUP_NOTOUCH`, used by OBJECT).
    pub fn peek_entry(&mut self, key: &[u8], now: u64) -> Option<&Entry> {
        self.expire_if_needed(key, now);
        self.entries.get(key)
    }

    /// Whether `key` exists at `now`, without expiring it (for routing checks).
    pub fn peek(&self, key: &[u8], now: u64) -> bool {
        self.entries
            .get(key)
            .is_some_and(|e| e.expire_at.is_none_or(|at| at > now))
    }

    pub fn contains(&mut self, key: &[u8], now: u64) -> bool {
        self.get(key, now).is_some()
    }

    /// Sets a key, replacing any value and any expiry unless `keep_ttl`.
    pub fn set(
        &mut self,
        key: &[u8],
        value: Value,
        expire_at: Option<u64>,
        keep_ttl: bool,
        now: u64,
    ) {
        self.expire_if_needed(key, now);
        let old = self.entries.get(key);
        let expire_at = if keep_ttl {
            old.and_then(|e| e.expire_at)
        } else {
            expire_at
        };
        let created = match old {
            Some(e) => e.created,
            None => {
                self.next_version += 1;
                self.next_version
            }
        };
        let entry = Entry {
            value,
            expire_at,
            created,
            converted: false,
            len_at_write: 0,
            accessed: now,
            sds: None,
        };
        self.entries.insert(key.to_vec(), entry);
        self.touch(key);
    }

    pub fn remove(&mut self, key: &[u8], now: u64) -> Option<Entry> {
        self.expire_if_needed(key, now);
        let removed = self.entries.remove(key);
        if removed.is_some() {
            self.touch(key);
        }
        removed
    }

    /// Records that `key` changed.
    pub fn touch(&mut self, key: &[u8]) {
        let limits = self.encodings;
        if let Some(entry) = self.entries.get_mut(key) {
            // Redis checks a collection's limits where a write adds to it
            // (hashTypeSet, setTypeAdd, zsetAdd) and converts it for good;
            // removals never convert. HSET checks after updating a field too,
            // which shows once a limit is lowered below a hash's size.
            let len = entry.value.elements();
            let added = len > entry.len_at_write
                || (len == entry.len_at_write && matches!(entry.value, Value::Hash(_)));
            if !entry.converted && added && !entry.value.fits_compact(&limits) {
                entry.converted = true;
            }
            entry.len_at_write = len;
        }
        self.next_version += 1;
        let next = self.next_version;
        if let Some(entry) = self.versions.iter_mut().find(|(k, _)| k == key) {
            entry.1 = next;
        }
    }

    /// Sets whether the command being run reaches replicas regardless of
    /// its table flags (Redis propagates by `server.dirty`: a PFADD that
    /// changed nothing is not propagated, a PFCOUNT that cached the count is).
    pub fn set_propagation(&mut self, propagate: bool) {
        self.propagation = Some(propagate);
    }

    /// Takes what `set_propagation` said for the command just run.
    pub fn take_propagation(&mut self) -> Option<bool> {
        self.propagation.take()
    }

    /// The node's encoding limits, as its config has them.
    pub fn encodings(&self) -> &Encodings {
        &self.encodings
    }

    /// Takes the node's current limits (CONFIG SET may have changed them).
    pub fn set_encodings(&mut self, limits: Encodings) {
        self.encodings = limits;
    }

    /// Starts tracking `key` (WATCH), and returns its version now.
    pub fn watch(&mut self, key: &[u8]) -> u64 {
        if let Some(&(_, v)) = self.versions.iter().find(|(k, _)| k == key) {
            return v;
        }
        self.next_version += 1;
        self.versions.push((key.to_vec(), self.next_version));
        self.next_version
    }

    /// The version of a watched key (0 for a key never watched).
    pub fn version(&self, key: &[u8]) -> u64 {
        self.versions
            .iter()
            .find(|(k, _)| k == key)
            .map_or(0, |(_, v)| *v)
    }

    /// Removes every key; WATCHed keys that existed count as changed.
    pub fn flush(&mut self) {
        let keys: Vec<Vec<u8>> = self.entries.keys().cloned().collect();
        for k in keys {
            self.touch(&k);
        }
        self.entries.clear();
    }

    /// Drops every key whose expiry has passed (used before counting keys).
    pub fn expire_all(&mut self, now: u64) {
        let dead: Vec<Vec<u8>> = self
            .entries
            .iter()
            .filter(|(_, e)| e.expire_at.is_some_and(|at| at <= now))
            .map(|(k, _)| k.clone())
            .collect();
        for k in dead {
            self.entries.remove(&k);
            self.touch(&k);
            self.expired += 1;
        }
    }

    /// How many keys expired so far.
    pub fn expired_count(&self) -> u64 {
        self.expired
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn expires_count(&self) -> usize {
        self.entries
            .values()
            .filter(|e| e.expire_at.is_some())
            .count()
    }

    pub fn keys(&self) -> impl Iterator<Item = &Vec<u8>> {
        self.entries.keys()
    }

    pub fn entries(&self) -> impl Iterator<Item = (&Vec<u8>, &Entry)> {
        self.entries.iter()
    }

    /// The keys of `slot`, newest first, as Redis lists them.
    pub fn keys_in_slot(&self, slot: Slot) -> impl Iterator<Item = &Vec<u8>> {
        let mut keys: Vec<(&Vec<u8>, u64)> = self
            .entries
            .iter()
            .filter(|(k, _)| key_hash_slot(k) == slot)
            .map(|(k, e)| (k, e.created))
            .collect();
        crate::order::sort_by_key(&mut keys, |k| std::cmp::Reverse(k.1));
        keys.into_iter().map(|(k, _)| k)
    }

    pub fn count_in_slot(&self, slot: Slot) -> usize {
        self.keys_in_slot(slot).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_is_lazy_and_bumps_the_version() {
        let mut ks = Keyspace::default();
        ks.set(b"k", Value::Str(b"v".to_vec()), Some(100), false, 0);
        let v = ks.watch(b"k");
        assert!(ks.contains(b"k", 99));
        assert!(!ks.contains(b"k", 100));
        assert!(ks.version(b"k") > v);
    }

    #[test]
    fn encodings() {
        let limits = Encodings::default();
        assert_eq!(Value::Str(b"123".to_vec()).encoding(&limits), "int");
        assert_eq!(Value::Str(b"0123".to_vec()).encoding(&limits), "embstr");
        assert_eq!(Value::Str(vec![b'x'; 45]).encoding(&limits), "raw");
        // Hashes stay listpacks up to 512 fields (7.0's default), sorted sets to 128.
        let hash = |n: usize| {
            Value::Hash(
                (0..n)
                    .map(|i| (i.to_string().into_bytes(), b"v".to_vec()))
                    .collect(),
            )
        };
        assert_eq!(hash(512).encoding(&limits), "listpack");
        assert_eq!(hash(513).encoding(&limits), "hashtable");
    }
}
