//! HyperLogLog (hyperloglog.c in Redis 7.0): PFADD, PFCOUNT, PFMERGE,
//! PFDEBUG and PFSELFTEST with Redis's hash (MurmurHash64A, seed
//! 0xadc83b19), its 16,384 6-bit registers and its estimator (the
//! histogram-based one of Ertl), so the counts are the real server's.
//!
//! A HyperLogLog is a string value laid out as Redis lays it out, byte for
//! byte: a 16-byte header ("HYLL", the encoding, three unused bytes, the
//! cached cardinality with its validity bit), then the registers, either
//! dense (6 bits each) or sparse (run-length opcodes ZERO, XZERO, VAL).
//! A new one is sparse; it turns dense for good when a register needs a
//! value over 32 or the sparse form would grow past
//! `hll-sparse-max-bytes`. The sds holding it grows as Redis grows it
//! (`sdsMakeRoomFor()` before each sparse update), which MEMORY USAGE shows.

use super::data::{err, Argv, WRONGTYPE};
use super::memory::{jemalloc, new_sds, sds_header, sds_type_max};
use crate::keyspace::{Entry, Keyspace, SdsAlloc, Value};
use crate::reply::Reply;

const P: u32 = 14;
const REGISTERS: usize = 1 << P;
const Q: u32 = 64 - P;
const HEADER: usize = 16;
const DENSE_SIZE: usize = HEADER + (REGISTERS * 6).div_ceil(8);
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;
const DENSE: u8 = 0;
const SPARSE: u8 = 1;
/// The largest value a sparse VAL opcode holds (`HLL_SPARSE_VAL_MAX_VALUE`).
const SPARSE_VAL_MAX_VALUE: u8 = 32;
const SPARSE_VAL_MAX_LEN: usize = 4;
const SPARSE_ZERO_MAX_LEN: usize = 64;
const SPARSE_XZERO_MAX_LEN: usize = 16_384;
const NOT_HLL: &str = "WRONGTYPE Key is not a valid HyperLogLog string value.";
const INVALID: &str = "INVALIDOBJ Corrupted HLL object detected";

pub fn run(name: &str, db: &mut Keyspace, now: u64, argv: &Argv) -> Option<Result<Reply, Reply>> {
    Some(match name {
        "pfadd" => pfadd(db, now, argv),
        "pfcount" => pfcount(db, now, &argv[1..]),
        "pfmerge" => pfmerge(db, now, argv),
        "pfdebug" => pfdebug(db, now, argv),
        // Redis's self test of its own HyperLogLog code passes.
        "pfselftest" => Ok(Reply::ok()),
        _ => return None,
    })
}

/// MurmurHash64A as Redis has it (little-endian reads).
pub fn murmur64a(key: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let mut chunks = key.chunks_exact(8);
    for chunk in &mut chunks {
        let mut k = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        for (i, &b) in rest.iter().enumerate() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// `hllPatLen()`: the register an element falls in and the length of its
/// run of zeros plus one.
fn pattern(element: &[u8]) -> (usize, u8) {
    let hash = murmur64a(element, 0xadc8_3b19);
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    let rest = (hash >> P) | (1u64 << Q);
    (index, (rest.trailing_zeros() + 1) as u8)
}

fn get_register(hll: &[u8], i: usize) -> u8 {
    let bit = i * 6;
    let (byte, shift) = (HEADER + bit / 8, bit % 8);
    let b0 = u16::from(hll[byte]);
    let b1 = u16::from(*hll.get(byte + 1).unwrap_or(&0));
    (((b0 >> shift) | (b1 << (8 - shift))) & 63) as u8
}

fn set_register(hll: &mut [u8], i: usize, value: u8) {
    let bit = i * 6;
    let (byte, shift) = (HEADER + bit / 8, bit % 8);
    let v = u16::from(value) << shift;
    let mask = !(63u16 << shift);
    hll[byte] = ((u16::from(hll[byte]) & mask) | v) as u8;
    if byte + 1 < hll.len() {
        let high = (mask >> 8) | 0xff00;
        hll[byte + 1] = ((u16::from(hll[byte + 1]) & high) | (v >> 8)) as u8;
    }
}

/// An sds allocation: the room its `alloc` field gives and what jemalloc
/// handed out (MEMORY USAGE counts the latter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Sds {
    alloc: usize,
    size: usize,
}

impl Sds {
    /// `sdsnewlen()`: exactly the length asked for.
    fn new(len: usize) -> Sds {
        let made = new_sds(len);
        Sds {
            alloc: made.alloc,
            size: made.size,
        }
    }

    /// A raw string as SET or RESTORE leave it: `tryObjectEncoding()`
    /// trims the room when "sdsavail(s) > len/10" (`sdsRemoveFreeSpace()`
    /// records no room; jemalloc keeps the size class).
    fn trimmed(len: usize) -> Sds {
        let mut sds = Sds::new(len);
        if sds.alloc - len > len / 10 {
            sds.alloc = len;
        }
        sds
    }

    /// `sdsMakeRoomFor()` (greedy): when fewer than `add` bytes are spare,
    /// room for twice the new length below 1 MB (1 MB more above), never
    /// in a type 5 header.
    fn make_room(&mut self, len: usize, add: usize) {
        const MAX_PREALLOC: usize = 1024 * 1024;
        if self.alloc.saturating_sub(len) >= add {
            return;
        }
        let needed = len + add;
        let room = if needed < MAX_PREALLOC {
            needed * 2
        } else {
            needed + MAX_PREALLOC
        };
        let header = sds_header(room).max(3);
        let size = jemalloc(header + room + 1);
        *self = Sds {
            alloc: (size - header - 1).min(sds_type_max(header)),
            size,
        };
    }
}

/// A HyperLogLog being worked on: its bytes and their sds.
struct Hll {
    bytes: Vec<u8>,
    sds: Sds,
}

impl Hll {
    /// `createHLLObject()`: sparse, every register in XZERO opcodes of at
    /// most 16,384 (so one), cache valid at 0.
    fn new() -> Hll {
        let mut bytes = Vec::with_capacity(HEADER + 2);
        bytes.extend_from_slice(b"HYLL");
        bytes.push(SPARSE);
        bytes.extend_from_slice(&[0; 11]);
        push_zeros(&mut bytes, REGISTERS);
        let sds = Sds::new(bytes.len());
        Hll { bytes, sds }
    }

    fn encoding(&self) -> u8 {
        self.bytes.get(4).copied().unwrap_or(DENSE)
    }

    fn invalidate_cache(&mut self) {
        if let Some(b) = self.bytes.get_mut(15) {
            *b |= 0x80;
        }
    }

    /// `hllSparseToDense()`: nothing to do for a dense one; `false` if the
    /// sparse form does not cover exactly the 16,384 registers.
    fn make_dense(&mut self) -> bool {
        if self.encoding() == DENSE {
            return true;
        }
        let Some(registers) = sparse_registers(&self.bytes) else {
            return false;
        };
        // The header is copied whole (magic and cached cardinality).
        let mut dense = vec![0u8; DENSE_SIZE];
        dense[..HEADER].copy_from_slice(self.bytes.get(..HEADER).unwrap_or(&[0; HEADER]));
        dense[4] = DENSE;
        for (i, &r) in registers.iter().enumerate() {
            if r != 0 {
                set_register(&mut dense, i, r);
            }
        }
        self.bytes = dense;
        self.sds = Sds::new(DENSE_SIZE);
        true
    }

    /// `hllDenseSet()`, `hllSparseSet()`: raises register `index` to
    /// `count` if it is lower.
    fn set(&mut self, index: usize, count: u8, max_bytes: u64) -> Update {
        if self.encoding() == DENSE {
            dense_set(&mut self.bytes, index, count)
        } else {
            self.sparse_set(index, count, max_bytes)
        }
    }

    /// `hllSparseSet()`: updates the opcode covering `index` in place,
    /// splitting it (a ZERO/XZERO into ZERO/XZERO-VAL-ZERO/XZERO, a VAL of
    /// several registers into VAL-VAL-VAL) and merging equal VALs around
    /// it; promotes to dense when "the count is too big to be
    /// representable by the sparse representation" or the split would
    /// make the string longer than `hll-sparse-max-bytes`.
    fn sparse_set(&mut self, index: usize, count: u8, max_bytes: u64) -> Update {
        if count > SPARSE_VAL_MAX_VALUE {
            return self.promote(index, count);
        }
        // "Enlarge the buffer for up to 3 bytes in the worst case (XZERO
        // split into XZERO-VAL-XZERO)": done before knowing if it is needed.
        self.sds.make_room(self.bytes.len(), 3);
        let end = self.bytes.len();
        let (mut p, mut first, mut prev, mut span) = (HEADER, 0usize, None, 0usize);
        while p < end {
            let (op, oplen) = opcode(&self.bytes, p);
            span = op.len();
            if index < first + span {
                break;
            }
            prev = Some(p);
            p += oplen;
            first += span;
        }
        if span == 0 || p >= end {
            return Update::Invalid;
        }
        let (op, oplen) = opcode(&self.bytes, p);
        match op {
            // "A VAL opcode already set to a value >= our 'count'": nothing.
            Op::Val(old, _) if old >= count => return Update::Unchanged,
            // A VAL or ZERO of this register alone: rewritten in place.
            Op::Val(_, 1) | Op::Zero(1) => {
                self.bytes[p] = val_opcode(count, 1);
                self.merge_vals(prev.unwrap_or(HEADER));
                return Update::Changed;
            }
            _ => {}
        }
        let last = first + span - 1;
        let mut seq = Vec::with_capacity(5);
        match op {
            Op::Val(current, _) => {
                if index != first {
                    seq.push(val_opcode(current, index - first));
                }
                seq.push(val_opcode(count, 1));
                if index != last {
                    seq.push(val_opcode(current, last - index));
                }
            }
            Op::Zero(_) | Op::XZero(_) => {
                if index != first {
                    push_zeros(&mut seq, index - first);
                }
                seq.push(val_opcode(count, 1));
                if index != last {
                    push_zeros(&mut seq, last - index);
                }
            }
        }
        let new_len = (end + seq.len()).saturating_sub(oplen);
        if seq.len() > oplen && new_len as u64 > max_bytes {
            return self.promote(index, count);
        }
        let mut bytes = Vec::with_capacity(new_len + 1);
        bytes.extend_from_slice(&self.bytes[..p]);
        bytes.extend_from_slice(&seq);
        bytes.extend_from_slice(self.bytes.get(p + oplen..).unwrap_or(&[]));
        // An XZERO cut short by the end of the string counted the sds
        // terminator as its second byte: the length moves by the
        // difference all the same.
        bytes.truncate(new_len);
        self.bytes = bytes;
        self.merge_vals(prev.unwrap_or(HEADER));
        Update::Changed
    }

    /// Step 4 of `hllSparseSet()`: "scan up to 5 opcodes starting from
    /// prev", merging two adjacent VALs of the same value whose lengths fit
    /// one VAL; the cache is then invalidated.
    fn merge_vals(&mut self, mut p: usize) {
        let mut scan = 5;
        while p < self.bytes.len() && scan > 0 {
            scan -= 1;
            let b = self.bytes[p];
            if b & 0xc0 == 0x40 {
                p += 2;
                continue;
            }
            if b & 0xc0 == 0 {
                p += 1;
                continue;
            }
            if let Some(&next) = self.bytes.get(p + 1) {
                if let (Op::Val(v1, l1), Op::Val(v2, l2)) = (decode(b, 0), decode(next, 0)) {
                    if v1 == v2 && l1 + l2 <= SPARSE_VAL_MAX_LEN {
                        self.bytes[p + 1] = val_opcode(v1, l1 + l2);
                        self.bytes.remove(p);
                        // Tried again at the same place, with what follows.
                        continue;
                    }
                }
            }
            p += 1;
        }
        self.invalidate_cache();
    }

    /// The promotion: dense, then the register set there (which changes it,
    /// or the sparse form would not have needed more room).
    fn promote(&mut self, index: usize, count: u8) -> Update {
        if !self.make_dense() {
            return Update::Invalid;
        }
        dense_set(&mut self.bytes, index, count);
        Update::Changed
    }
}

/// What a register update did (1, 0 and -1 in hyperloglog.c).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Update {
    Changed,
    Unchanged,
    Invalid,
}

/// A sparse opcode: a run of zero registers (ZERO: up to 64, XZERO: up
/// to 16,384) or of registers of one value (VAL: 1 to 32, up to 4 of them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Zero(usize),
    XZero(usize),
    Val(u8, usize),
}

impl Op {
    fn len(self) -> usize {
        match self {
            Op::Zero(n) | Op::XZero(n) | Op::Val(_, n) => n,
        }
    }
}

/// The opcode of first byte `b` (`second`: the byte after it).
fn decode(b: u8, second: u8) -> Op {
    match b & 0xc0 {
        0x00 => Op::Zero(usize::from(b & 0x3f) + 1),
        0x40 => Op::XZero(((usize::from(b & 0x3f) << 8) | usize::from(second)) + 1),
        _ => Op::Val(((b >> 2) & 0x1f) + 1, usize::from(b & 0x03) + 1),
    }
}

/// The opcode at `p` and its length in bytes. Past the end reads as 0, as
/// Redis reads the sds terminator.
fn opcode(bytes: &[u8], p: usize) -> (Op, usize) {
    let b = bytes.get(p).copied().unwrap_or(0);
    let op = decode(b, bytes.get(p + 1).copied().unwrap_or(0));
    let len = if matches!(op, Op::XZero(_)) { 2 } else { 1 };
    (op, len)
}

/// A VAL opcode (`value` 1..=32, `len` 1..=4).
fn val_opcode(value: u8, len: usize) -> u8 {
    0x80 | (value.saturating_sub(1) & 0x1f) << 2 | (len.saturating_sub(1) as u8 & 0x03)
}

/// A run of `len` zero registers as hllSparseSet writes one: XZERO over
/// 64, ZERO up to 64 (`createHLLObject()` uses XZEROs of at most 16,384).
fn push_zeros(out: &mut Vec<u8>, mut len: usize) {
    while len > 0 {
        if len > SPARSE_ZERO_MAX_LEN {
            let run = len.min(SPARSE_XZERO_MAX_LEN);
            let l = run - 1;
            out.push(0x40 | ((l >> 8) as u8 & 0x3f));
            out.push((l & 0xff) as u8);
            len -= run;
        } else {
            out.push((len - 1) as u8);
            len = 0;
        }
    }
}

/// The registers of a sparse HyperLogLog, if its opcodes cover exactly
/// 16,384 of them (`hllSparseToDense()`, `hllMerge()`,
/// `hllSparseRegHisto()`: a 7.0.15 server refuses a VAL past the last
/// register, even one after all 16,384).
fn sparse_registers(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut registers = vec![0u8; REGISTERS];
    let (mut p, mut idx) = (HEADER, 0usize);
    while p < bytes.len() {
        let (op, oplen) = opcode(bytes, p);
        match op {
            Op::Zero(n) | Op::XZero(n) => idx += n,
            Op::Val(v, n) => {
                if idx + n > REGISTERS {
                    return None;
                }
                registers[idx..idx + n].fill(v);
                idx += n;
            }
        }
        p += oplen;
    }
    (idx == REGISTERS).then_some(registers)
}

/// `hllDenseSet()`.
fn dense_set(hll: &mut [u8], index: usize, count: u8) -> Update {
    if hll.len() != DENSE_SIZE || index >= REGISTERS {
        return Update::Invalid;
    }
    if get_register(hll, index) < count {
        set_register(hll, index, count);
        Update::Changed
    } else {
        Update::Unchanged
    }
}

/// All registers of a valid HyperLogLog (`hllMerge()` into zeros).
fn all_registers(bytes: &[u8]) -> Option<Vec<u8>> {
    match bytes.get(4) {
        Some(&DENSE) if bytes.len() == DENSE_SIZE => {
            Some((0..REGISTERS).map(|i| get_register(bytes, i)).collect())
        }
        Some(&SPARSE) => sparse_registers(bytes),
        _ => None,
    }
}

/// `isHLLObjectOrReply()`: at least a header, "HYLL", a known encoding,
/// and a dense one of exactly its size.
fn check(value: &Value) -> Result<&[u8], Reply> {
    let Value::Str(s) = value else {
        return Err(err(WRONGTYPE));
    };
    let valid = s.len() >= HEADER
        && s.starts_with(b"HYLL")
        && match s.get(4) {
            Some(&DENSE) => s.len() == DENSE_SIZE,
            Some(&SPARSE) => true,
            _ => false,
        };
    if valid {
        Ok(s)
    } else {
        Err(err(NOT_HLL))
    }
}

/// The HyperLogLog at `key` to read (`None` if missing).
fn read(db: &mut Keyspace, now: u64, key: &[u8]) -> Result<Option<Vec<u8>>, Reply> {
    match db.get(key, now) {
        None => Ok(None),
        Some(e) => check(&e.value).map(|s| Some(s.to_vec())),
    }
}

/// The HyperLogLog at `key` to change (`None` if missing), with its sds:
/// `dbUnshareStringValue()` turns an embstr (or shared) string into a raw
/// one of exactly its length; a raw one keeps its allocation.
fn open(db: &mut Keyspace, now: u64, key: &[u8]) -> Result<Option<Hll>, Reply> {
    let Some(e) = db.get(key, now) else {
        return Ok(None);
    };
    let bytes = check(&e.value)?.to_vec();
    let sds = sds_of(e, bytes.len());
    Ok(Some(Hll { bytes, sds }))
}

fn sds_of(e: &Entry, len: usize) -> Sds {
    match e.sds {
        Some(a) if a.len == len && e.encoding() == "raw" => Sds {
            alloc: a.alloc,
            size: a.size,
        },
        // Grown by APPEND/SETRANGE: as MEMORY USAGE supposes, once.
        _ if e.converted => {
            let mut sds = Sds::new(len);
            sds.make_room(len, 1);
            sds
        }
        // `dbUnshareStringValue()` copies an embstr into a new raw string.
        _ if e.encoding() == "embstr" => Sds::new(len),
        _ => Sds::trimmed(len),
    }
}

/// Writes `hll` back as `key`'s value (a raw string). `modified`: whether
/// it counts as a change (`signalModifiedKey()`: WATCH sees it).
fn store(db: &mut Keyspace, now: u64, key: &[u8], hll: Hll, modified: bool) {
    let len = hll.bytes.len();
    match db.get_mut(key, now) {
        Some(e) => {
            e.value = Value::Str(hll.bytes);
            e.converted = true;
        }
        None => db.set(key, Value::Str(hll.bytes), None, false, now),
    }
    db.mark_converted(key);
    let alloc = SdsAlloc {
        len,
        alloc: hll.sds.alloc,
        size: hll.sds.size,
    };
    db.set_sds(key, Some(alloc));
    if modified {
        db.touch(key);
    }
}

fn pfadd(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let key = &argv[1];
    let max_bytes = db.encodings().hll_sparse_max_bytes;
    let (mut hll, mut updated) = match open(db, now, key)? {
        Some(hll) => (hll, false),
        None => (Hll::new(), true),
    };
    for element in &argv[2..] {
        let (index, count) = pattern(element);
        match hll.set(index, count, max_bytes) {
            Update::Changed => updated = true,
            Update::Unchanged => {}
            Update::Invalid => {
                // What was set before stays, unannounced (no dirty).
                store(db, now, key, hll, false);
                return Err(err(INVALID));
            }
        }
    }
    if updated {
        hll.invalidate_cache();
    }
    store(db, now, key, hll, updated);
    db.set_propagation(updated);
    Ok(Reply::Integer(i64::from(updated)))
}

fn pfcount(db: &mut Keyspace, now: u64, keys: &[Vec<u8>]) -> Result<Reply, Reply> {
    if keys.len() > 1 {
        // Several keys: the union's count, cached nowhere.
        let mut max = vec![0u8; REGISTERS];
        for key in keys {
            if let Some(bytes) = read(db, now, key)? {
                let registers = all_registers(&bytes).ok_or_else(|| err(INVALID))?;
                for (m, r) in max.iter_mut().zip(registers) {
                    *m = (*m).max(r);
                }
            }
        }
        return Ok(Reply::Integer(estimate(&max) as i64));
    }
    let Some(key) = keys.first() else {
        return Ok(Reply::Integer(0));
    };
    let Some(mut hll) = open(db, now, key)? else {
        return Ok(Reply::Integer(0));
    };
    let mut card = [0u8; 8];
    card.copy_from_slice(hll.bytes.get(8..HEADER).unwrap_or(&[0; 8]));
    // "Check if the cached cardinality is valid": card[7]'s top bit clear.
    if card[7] & 0x80 == 0 {
        store(db, now, key, hll, false);
        return Ok(Reply::Integer(u64::from_le_bytes(card) as i64));
    }
    let registers = if hll.encoding() == DENSE {
        all_registers(&hll.bytes)
    } else {
        sparse_registers(&hll.bytes)
    };
    let Some(registers) = registers else {
        store(db, now, key, hll, false);
        return Err(err(INVALID));
    };
    let n = estimate(&registers);
    if let Some(cache) = hll.bytes.get_mut(8..HEADER) {
        cache.copy_from_slice(&n.to_le_bytes());
    }
    // "Given that the HLL is a Redis string we need to propagate the
    // change": a key modified and `server.dirty++`, read-only or not.
    store(db, now, key, hll, true);
    db.set_propagation(true);
    Ok(Reply::Integer(n as i64))
}

fn pfmerge(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let max_bytes = db.encodings().hll_sparse_max_bytes;
    let mut max = vec![0u8; REGISTERS];
    // "If at least one involved HLL is dense, use the dense representation
    // as target"; the destination is one of the sources.
    let mut use_dense = false;
    for key in &argv[1..] {
        if let Some(bytes) = read(db, now, key)? {
            use_dense |= bytes.get(4) == Some(&DENSE);
            let registers = all_registers(&bytes).ok_or_else(|| err(INVALID))?;
            for (m, r) in max.iter_mut().zip(registers) {
                *m = (*m).max(r);
            }
        }
    }
    let key = &argv[1];
    let mut hll = open(db, now, key)?.unwrap_or_else(Hll::new);
    if use_dense && !hll.make_dense() {
        return Err(err(INVALID));
    }
    for (i, &r) in max.iter().enumerate() {
        if r != 0 {
            // Register by register, sparse while it fits.
            hll.set(i, r, max_bytes);
        }
    }
    hll.invalidate_cache();
    store(db, now, key, hll, true);
    Ok(Reply::ok())
}

/// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key.
fn pfdebug(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let (sub, key) = (&argv[1], &argv[2]);
    db.set_propagation(false);
    let Some(mut hll) = open(db, now, key)? else {
        return Err(err("ERR The specified key does not exist"));
    };
    let sub_name = String::from_utf8_lossy(sub).to_ascii_lowercase();
    let reply = match sub_name.as_str() {
        "getreg" | "todense" => {
            let sparse = hll.encoding() == SPARSE;
            if !hll.make_dense() {
                store(db, now, key, hll, false);
                return Err(err(INVALID));
            }
            // "Force propagation on encoding change."
            db.set_propagation(sparse);
            if sub_name == "todense" {
                Ok(Reply::Integer(i64::from(sparse)))
            } else {
                Ok(Reply::Array(
                    (0..REGISTERS)
                        .map(|i| Reply::Integer(i64::from(get_register(&hll.bytes, i))))
                        .collect(),
                ))
            }
        }
        "decode" if hll.encoding() != SPARSE => Err(err("ERR HLL encoding is not sparse")),
        "decode" => Ok(Reply::bulk(decode_text(&hll.bytes))),
        "encoding" => Ok(Reply::Status(
            if hll.encoding() == SPARSE {
                "sparse"
            } else {
                "dense"
            }
            .into(),
        )),
        _ => Err(err(&format!(
            "ERR Unknown PFDEBUG subcommand '{}'",
            String::from_utf8_lossy(sub)
        ))),
    };
    store(db, now, key, hll, false);
    reply
}

/// PFDEBUG DECODE's text: "z:len", "Z:len", "v:value,len", by spaces.
fn decode_text(bytes: &[u8]) -> String {
    let mut words = Vec::new();
    let mut p = HEADER;
    while p < bytes.len() {
        let (op, oplen) = opcode(bytes, p);
        words.push(match op {
            Op::Zero(n) => format!("z:{n}"),
            Op::XZero(n) => format!("Z:{n}"),
            Op::Val(v, n) => format!("v:{v},{n}"),
        });
        p += oplen;
    }
    words.join(" ")
}

/// `hllSigma()` and `hllTau()`: the corrections of the estimator.
fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let prev = z;
        z += x * y;
        y += y;
        if prev == z {
            return z;
        }
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let prev = z;
        y *= 0.5;
        z -= (1.0 - x).powi(2) * y;
        if prev == z {
            return z / 3.0;
        }
    }
}

/// `hllCount()` from the registers' histogram.
fn estimate(registers: &[u8]) -> u64 {
    let mut histogram = [0u32; 64];
    for &r in registers {
        histogram[usize::from(r)] += 1;
    }
    let m = REGISTERS as f64;
    let mut z = m * tau((m - f64::from(histogram[Q as usize + 1])) / m);
    for j in (1..=Q as usize).rev() {
        z += f64::from(histogram[j]);
        z *= 0.5;
    }
    z += m * sigma(f64::from(histogram[0]) / m);
    (ALPHA_INF * m * m / z).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add_all(hll: &mut Hll, elements: &[&str], max_bytes: u64) -> bool {
        let mut changed = false;
        for e in elements {
            let (i, c) = pattern(e.as_bytes());
            changed |= hll.set(i, c, max_bytes) == Update::Changed;
        }
        if changed {
            hll.invalidate_cache();
        }
        changed
    }

    #[test]
    fn registers_round_trip() {
        let mut hll = vec![0u8; DENSE_SIZE];
        for i in [0, 1, 2, 3, 7, 100, REGISTERS - 1] {
            set_register(&mut hll, i, (i % 63) as u8 + 1);
        }
        for i in [0, 1, 2, 3, 7, 100, REGISTERS - 1] {
            assert_eq!(get_register(&hll, i), (i % 63) as u8 + 1, "register {i}");
        }
        assert_eq!(get_register(&hll, 4), 0);
    }

    #[test]
    fn counts_are_close_and_small_ones_exact() {
        let mut max = vec![0u8; REGISTERS];
        assert_eq!(estimate(&max), 0);
        for i in 0..1000u32 {
            let (r, c) = pattern(format!("e{i}").as_bytes());
            max[r] = max[r].max(c);
        }
        let n = estimate(&max);
        assert!((980..1020).contains(&n), "{n}");
    }

    #[test]
    fn a_new_one_is_one_xzero() {
        let hll = Hll::new();
        assert_eq!(hll.bytes.len(), 18);
        assert_eq!(&hll.bytes[16..], &[0x7f, 0xff]);
        assert_eq!(decode_text(&hll.bytes), "Z:16384");
        // sdsnewlen(18): a type 5 header, 20 bytes in a 32-byte class.
        assert_eq!(
            hll.sds,
            Sds {
                alloc: 18,
                size: 32
            }
        );
    }

    #[test]
    fn sparse_bytes_are_the_real_servers() {
        // PFADD h a b c on Redis 7.0.15, then GET h and PFDEBUG DECODE h.
        let mut hll = Hll::new();
        assert!(add_all(&mut hll, &["a", "b", "c"], 3000));
        let mut want = b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80".to_vec();
        want.extend_from_slice(b"`\xf3\x80P\xb1\x84K\xfb\x80BZ");
        assert_eq!(hll.bytes, want);
        assert_eq!(
            decode_text(&hll.bytes),
            "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"
        );
        // One growth from type 5: (18 + 3) * 2 in a type 8 header, 48 bytes.
        assert_eq!(
            hll.sds,
            Sds {
                alloc: 44,
                size: 48
            }
        );
        assert!(!add_all(&mut hll, &["a", "b"], 3000));
    }

    #[test]
    fn splits_and_merges_keep_every_register() {
        let mut hll = Hll::new();
        let mut want = vec![0u8; REGISTERS];
        // Neighbouring registers, so VALs split and merge.
        for (i, v) in [
            (5, 3),
            (6, 3),
            (7, 3),
            (4, 3),
            (8, 3),
            (6, 5),
            (6, 3),
            (0, 1),
            (63, 2),
            (64, 2),
            (65, 2),
        ] {
            hll.set(i, v, 3000);
            want[i] = want[i].max(v);
            assert_eq!(sparse_registers(&hll.bytes).as_deref(), Some(&want[..]));
        }
        assert_eq!(
            decode_text(&hll.bytes),
            "v:1,1 z:3 v:3,2 v:5,1 v:3,2 z:54 v:2,3 Z:16318"
        );
    }

    #[test]
    fn promotion_by_value_and_by_size() {
        let mut hll = Hll::new();
        assert_eq!(hll.set(10, 33, 3000), Update::Changed);
        assert_eq!(hll.encoding(), DENSE);
        assert_eq!(hll.bytes.len(), DENSE_SIZE);
        assert_eq!(get_register(&hll.bytes, 10), 33);

        let mut hll = Hll::new();
        let elements: Vec<String> = (0..40).map(|i| format!("x{i}")).collect();
        let refs: Vec<&str> = elements.iter().map(|s| s.as_str()).collect();
        add_all(&mut hll, &refs, 30);
        assert_eq!(hll.encoding(), DENSE);
        assert_eq!(hll.sds, Sds::new(DENSE_SIZE));
    }

    #[test]
    fn corrupted_sparse_forms_are_refused() {
        let mut short = Hll::new();
        short.bytes.truncate(17);
        assert_eq!(sparse_registers(&short.bytes), None);
        // Runs past the last register.
        let mut long = Hll::new();
        long.bytes.push(0x80);
        assert_eq!(sparse_registers(&long.bytes), None);
        let mut empty = Hll::new();
        empty.bytes.truncate(HEADER);
        assert_eq!(empty.set(3, 1, 3000), Update::Invalid);
        assert!(!empty.make_dense());
    }
}
