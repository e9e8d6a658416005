//! DUMP payloads in Redis 7.0.15's RDB format, both ways, with no I/O.
//!
//! A payload is what `createDumpPayload()` (cluster.c) writes: the object
//! type byte (`rdbSaveObjectType`), the object as `rdbSaveObject()` (rdb.c)
//! writes it, the RDB version as two bytes little endian, then a CRC64 of
//! everything before it, eight bytes little endian. `dump` makes the bytes a
//! real server makes for the same value wherever the server's own order is
//! deterministic (strings, lists, intsets, listpacks, skiplists, streams); a
//! hashtable set or hash is written in the simulator's (insertion) order,
//! where Redis's depends on its dict's random seed.
//!
//! `restore` is RESTORE's side: `verifyDumpPayload()`, then
//! `rdbLoadObject()` for every type a 7.0 server loads, old encodings
//! (zipmap, ziplist, quicklist of ziplists) included. It is stricter than a
//! 7.0 server with `sanitize-dump-payload no` (the default): it checks every
//! listpack, ziplist and intset entry as the deep sanitizer does, so a
//! payload damaged inside a listpack is refused at once, where the server
//! would accept it and might crash later.

use std::collections::BTreeSet;

use crate::config::Encodings;
use crate::keyspace::{parse_i64, Value};
use crate::stream::{Consumer, Group, Nack, Stream, StreamEntry, StreamId, StreamNode};

/// `RDB_VERSION` of Redis 7.0: the newest payload version it accepts.
pub const RDB_VERSION: u16 = 10;

// Object types (rdb.h). 6 and 7 are module values, 8 is not a type at all
// (`rdbIsObjectType`), and 7.0 knows nothing above 19.
const TYPE_STRING: u8 = 0;
const TYPE_LIST: u8 = 1;
const TYPE_SET: u8 = 2;
const TYPE_ZSET: u8 = 3;
const TYPE_HASH: u8 = 4;
const TYPE_ZSET_2: u8 = 5;
const TYPE_HASH_ZIPMAP: u8 = 9;
const TYPE_LIST_ZIPLIST: u8 = 10;
const TYPE_SET_INTSET: u8 = 11;
const TYPE_ZSET_ZIPLIST: u8 = 12;
const TYPE_HASH_ZIPLIST: u8 = 13;
const TYPE_LIST_QUICKLIST: u8 = 14;
const TYPE_STREAM_LISTPACKS: u8 = 15;
const TYPE_HASH_LISTPACK: u8 = 16;
const TYPE_ZSET_LISTPACK: u8 = 17;
const TYPE_LIST_QUICKLIST_2: u8 = 18;
const TYPE_STREAM_LISTPACKS_2: u8 = 19;

/// Quicklist node containers (quicklist.h): a node holding one element as
/// is, or a listpack of several.
const CONTAINER_PLAIN: u64 = 1;
const CONTAINER_PACKED: u64 = 2;

/// A value `dump` cannot write, or a payload `restore` will not load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RdbError {
    /// `verifyDumpPayload()` refused the footer: too short, a newer RDB
    /// version, or a CRC64 that does not match.
    VersionOrChecksum,
    /// `rdbLoadObject()` failed: malformed or truncated data, an empty
    /// collection, duplicates, an unknown type or a module value.
    BadData,
}

impl RdbError {
    /// The error reply, as `restoreCommand()` words it.
    pub fn message(self) -> String {
        match self {
            RdbError::VersionOrChecksum => "ERR DUMP payload version or checksum are wrong".into(),
            RdbError::BadData => "ERR Bad data format".into(),
        }
    }
}

type Load<T> = Result<T, RdbError>;

// ------------------------------------------------------------------ CRC64

/// CRC-64/Jones as crc64.c computes it: reflected polynomial
/// 0xad93d23594c935a9, initial value 0, no final xor.
const CRC64_TABLE: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u64;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x95ac_9329_ac4b_c9b5
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

pub fn crc64(crc: u64, data: &[u8]) -> u64 {
    data.iter().fold(crc, |crc, &b| {
        CRC64_TABLE[((crc ^ u64::from(b)) & 0xff) as usize] ^ (crc >> 8)
    })
}

// ------------------------------------------------------------------ LZF

/// lzf_compress() of Redis's lzf_c.c (liblzf 3.6) with its lzfP.h
/// settings: HLOG 16, VERY_FAST, not ULTRA_FAST, hash slots holding
/// offsets into the input (64-bit builds), 0 for none. Returns `None` when
/// the output would not fit in `out_len` bytes, as the C function returns 0.
///
/// The table starts zeroed here. In Redis it is left uninitialised
/// (INIT_HTAB 0) on the stack, so a slot this call has not written yet
/// holds whatever an earlier call left there; such a stale offset is used
/// if it happens to fall within the 8 KiB window behind and its three bytes
/// match, which can make the server's output for a string differ from this
/// one (rarely: the position must have been skipped inside an earlier match
/// of this call).
pub fn lzf_compress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    const HSIZE: usize = 1 << 16;
    const MAX_LIT: usize = 1 << 5;
    const MAX_OFF: usize = 1 << 13;
    const MAX_REF: usize = (1 << 8) + (1 << 3);
    let in_len = input.len();
    if in_len < 2 || out_len == 0 {
        return None;
    }
    // The hash of the three bytes at `p` (FRST, NEXT and IDX).
    let first = |p: usize| (u32::from(input[p]) << 8) | u32::from(input[p + 1]);
    let next = |h: u32, p: usize| (h << 8) | u32::from(input[p + 2]);
    let idx = |h: u32| ((h >> 8).wrapping_sub(h.wrapping_mul(5)) as usize) & (HSIZE - 1);
    let mut htab = vec![0u32; HSIZE];
    // One spare byte: a literal run's length byte is reserved ahead of it.
    let mut out = vec![0u8; out_len + 1];
    let (mut ip, mut op, mut lit) = (0usize, 1usize, 0usize);
    let mut hval = first(ip);
    while ip + 2 < in_len {
        hval = next(hval, ip);
        let slot = idx(hval);
        let r = htab[slot] as usize;
        htab[slot] = ip as u32;
        let off = ip.wrapping_sub(r).wrapping_sub(1);
        if r > 0 && off < MAX_OFF && input[r..r + 3] == input[ip..ip + 3] {
            // A back reference: close the literal run (or drop it if empty).
            let mut len = 2;
            let maxlen = (in_len - ip - len).min(MAX_REF);
            out[op - lit - 1] = (lit as u8).wrapping_sub(1);
            op -= usize::from(lit == 0);
            if op + 3 + 1 >= out_len {
                return None;
            }
            'matching: {
                if maxlen > 16 {
                    for _ in 0..16 {
                        len += 1;
                        if input[r + len] != input[ip + len] {
                            break 'matching;
                        }
                    }
                }
                loop {
                    len += 1;
                    if !(len < maxlen && input[r + len] == input[ip + len]) {
                        break;
                    }
                }
            }
            len -= 2; // the number of bytes copied, minus 2
            ip += 1;
            if len < 7 {
                out[op] = ((off >> 8) + (len << 5)) as u8;
                op += 1;
            } else {
                out[op] = ((off >> 8) + (7 << 5)) as u8;
                out[op + 1] = (len - 7) as u8;
                op += 2;
            }
            out[op] = off as u8;
            op += 2; // and a new literal run starts
            lit = 0;
            ip += len + 1;
            if ip + 2 >= in_len {
                break;
            }
            // VERY_FAST: hash the two positions before the new one.
            ip -= 2;
            hval = first(ip);
            for _ in 0..2 {
                hval = next(hval, ip);
                htab[idx(hval)] = ip as u32;
                ip += 1;
            }
        } else {
            if op >= out_len {
                return None;
            }
            lit += 1;
            out[op] = input[ip];
            op += 1;
            ip += 1;
            if lit == MAX_LIT {
                out[op - lit - 1] = (lit - 1) as u8;
                lit = 0;
                op += 1;
            }
        }
    }
    if op + 3 > out_len {
        return None;
    }
    while ip < in_len {
        lit += 1;
        out[op] = input[ip];
        op += 1;
        ip += 1;
        if lit == MAX_LIT {
            out[op - lit - 1] = (lit - 1) as u8;
            lit = 0;
            op += 1;
        }
    }
    out[op - lit - 1] = (lit as u8).wrapping_sub(1);
    op -= usize::from(lit == 0);
    out.truncate(op);
    Some(out)
}

/// lzf_decompress() of lzf_d.c (CHECK_INPUT on): the data, if it comes to
/// exactly `out_len` bytes, which is what `rdbLoadLzfStringObject()` asks.
/// The C function answers 0 for every error, so a claimed length of 0 is
/// always met.
pub fn lzf_decompress(input: &[u8], out_len: u64) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::new();
    let fits = |have: usize, more: usize| (have + more) as u64 <= out_len;
    let mut ip = 0;
    let ok = 'run: {
        while ip < input.len() {
            let ctrl = usize::from(input[ip]);
            ip += 1;
            if ctrl < 1 << 5 {
                // A run of ctrl + 1 literal bytes.
                let n = ctrl + 1;
                if !fits(out.len(), n) || ip + n > input.len() {
                    break 'run false;
                }
                out.extend_from_slice(&input[ip..ip + n]);
                ip += n;
            } else {
                // A copy of len + 2 bytes from `back` bytes behind.
                let mut len = ctrl >> 5;
                if ip >= input.len() {
                    break 'run false;
                }
                if len == 7 {
                    len += usize::from(input[ip]);
                    ip += 1;
                    if ip >= input.len() {
                        break 'run false;
                    }
                }
                let back = ((ctrl & 0x1f) << 8) + 1 + usize::from(input[ip]);
                ip += 1;
                if !fits(out.len(), len + 2) || back > out.len() {
                    break 'run false;
                }
                let from = out.len() - back;
                for i in 0..len + 2 {
                    out.push(out[from + i]);
                }
            }
        }
        true
    };
    if out_len == 0 {
        return Some(Vec::new());
    }
    (ok && out.len() as u64 == out_len).then_some(out)
}

// ------------------------------------------------------------------ writing

/// `rdbSaveLen()`: 6 bits in one byte, 14 bits in two, else a marker byte
/// and 32 or 64 bits big endian.
fn save_len(out: &mut Vec<u8>, len: u64) {
    if len < 1 << 6 {
        out.push(len as u8);
    } else if len < 1 << 14 {
        out.extend_from_slice(&[0x40 | (len >> 8) as u8, len as u8]);
    } else if len <= u64::from(u32::MAX) {
        out.push(0x80);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

/// `rdbSaveRawString()`: a canonical integer of at most 11 characters that
/// fits 32 bits as RDB_ENC_INT8/16/32 (`rdbTryIntegerEncoding`); else, over
/// 20 bytes, LZF if it saves at least 4 bytes (`rdbSaveLzfStringObject`);
/// else the length and the bytes. An integer-encoded string object
/// (`rdbSaveLongLongAsStringObject`) comes to the same bytes.
fn save_string(out: &mut Vec<u8>, s: &[u8]) {
    if s.len() <= 11 {
        if let Some(n) = parse_i64(s) {
            if let Ok(n) = i8::try_from(n) {
                out.extend_from_slice(&[0xc0, n as u8]);
                return;
            } else if let Ok(n) = i16::try_from(n) {
                out.push(0xc1);
                out.extend_from_slice(&n.to_le_bytes());
                return;
            } else if let Ok(n) = i32::try_from(n) {
                out.push(0xc2);
                out.extend_from_slice(&n.to_le_bytes());
                return;
            }
        }
    }
    if s.len() > 20 {
        if let Some(packed) = lzf_compress(s, s.len() - 4) {
            out.push(0xc3);
            save_len(out, packed.len() as u64);
            save_len(out, s.len() as u64);
            out.extend_from_slice(&packed);
            return;
        }
    }
    save_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// A listpack (listpack.c) being built by appending, as `lpAppend()` does.
struct Listpack {
    bytes: Vec<u8>,
    count: usize,
}

impl Listpack {
    const HEADER: usize = 6;

    fn new() -> Listpack {
        Listpack {
            bytes: vec![0; Self::HEADER],
            count: 0,
        }
    }

    /// The size it has once closed (`lpBytes`): header, entries, 0xFF.
    fn size(&self) -> usize {
        self.bytes.len() + 1
    }

    /// One entry: a string that `lpStringToInt64` reads as an integer is
    /// stored as the smallest integer encoding (`lpEncodeGetType`), any
    /// other as a 6-, 12- or 32-bit length string; then its backlen.
    fn push(&mut self, ele: &[u8]) {
        let start = self.bytes.len();
        let b = &mut self.bytes;
        match parse_i64(ele) {
            Some(v @ 0..=127) => b.push(v as u8),
            Some(v @ -4096..=4095) => {
                let u = (v & 0x1fff) as u16;
                b.extend_from_slice(&[0xc0 | (u >> 8) as u8, u as u8]);
            }
            Some(v @ -32768..=32767) => {
                b.push(0xf1);
                b.extend_from_slice(&(v as i16).to_le_bytes());
            }
            Some(v @ -8_388_608..=8_388_607) => {
                b.push(0xf2);
                b.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
            }
            Some(v @ -2_147_483_648..=2_147_483_647) => {
                b.push(0xf3);
                b.extend_from_slice(&(v as i32).to_le_bytes());
            }
            Some(v) => {
                b.push(0xf4);
                b.extend_from_slice(&v.to_le_bytes());
            }
            None => {
                let n = ele.len();
                if n < 64 {
                    b.push(0x80 | n as u8);
                } else if n < 4096 {
                    b.extend_from_slice(&[0xe0 | (n >> 8) as u8, n as u8]);
                } else {
                    b.push(0xf0);
                    b.extend_from_slice(&(n as u32).to_le_bytes());
                }
                b.extend_from_slice(ele);
            }
        }
        let entry_len = (b.len() - start) as u64;
        encode_backlen(b, entry_len);
        self.count += 1;
    }

    /// The blob: total bytes (32 bits) and element count (16 bits, 65535
    /// meaning "too many to count": `LP_HDR_NUMELE_UNKNOWN`), little endian.
    fn finish(mut self) -> Vec<u8> {
        self.bytes.push(0xff);
        let total = self.bytes.len() as u32;
        let count = self.count.min(0xffff) as u16;
        self.bytes[..4].copy_from_slice(&total.to_le_bytes());
        self.bytes[4..6].copy_from_slice(&count.to_le_bytes());
        self.bytes
    }
}

/// `lpEncodeBacklen()`: an entry's length written so that it reads
/// backwards, 7 bits a byte, the high bit set on every byte but the first.
fn encode_backlen(out: &mut Vec<u8>, l: u64) {
    let bytes = match l {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    };
    for i in (0..bytes).rev() {
        let seven = ((l >> (7 * i)) & 127) as u8;
        out.push(if i == bytes - 1 { seven } else { seven | 128 });
    }
}

/// A score as `zzlInsertAt()` stores it in a listpack: an integral score
/// within ±2^62 (`double2ll`, which takes -0 for 0) as an integer entry,
/// any other as its `d2string()` text (`%.17g`, `inf`, `-inf`).
fn score_entry(score: f64) -> Vec<u8> {
    const LIMIT: f64 = 4_611_686_018_427_387_904.0; // (double)(LLONG_MAX/2)
    if (-LIMIT..=LIMIT).contains(&score) && score.fract() == 0.0 {
        (score as i64).to_string().into_bytes()
    } else {
        crate::command::data::format_double(score).into_bytes()
    }
}

/// quicklist.c's `optimization_level`: the node sizes a negative
/// `list-max-listpack-size` names (-1 is 4 KiB … -5 is 64 KiB).
const NODE_SIZE_CLASSES: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// `SIZE_SAFETY_LIMIT`: a node limited by count stops at 8 KiB all the same.
const NODE_SAFETY_BYTES: usize = 8192;
/// `SIZE_ESTIMATE_OVERHEAD` of quicklist.c: what one more entry may add
/// to a listpack beyond its bytes.
const NODE_ENTRY_OVERHEAD: usize = 8;
/// `packed_threshold`: an element of 1 GiB or more gets a plain node.
const PACKED_THRESHOLD: usize = 1 << 30;

/// `_quicklistNodeAllowInsert()`: whether a node of `size` bytes and
/// `count` entries takes one more of `element` bytes under `fill`
/// (`list-max-listpack-size`). A size class is checked first; otherwise
/// (a positive fill, or one below -5) the count, within the safety size.
fn node_takes(fill: i64, size: usize, count: usize, element: usize) -> bool {
    let new_size = size + element + NODE_ENTRY_OVERHEAD;
    let class = fill
        .checked_neg()
        .and_then(|n| usize::try_from(n - 1).ok())
        .and_then(|i| NODE_SIZE_CLASSES.get(i));
    match class {
        Some(&limit) if new_size <= limit => true,
        _ => new_size <= NODE_SAFETY_BYTES && (count as i64) < fill,
    }
}

/// The nodes a quicklist gets when its elements are pushed at the tail one
/// by one (`quicklistPushTail`) under `fill` (see `node_takes`); a huge
/// element is a plain node of its own. Lists built from the head (LPUSH)
/// or edited in the middle are laid out otherwise by a real server, and it
/// lays them out by the limit in force at each push, not at the DUMP.
fn quicklist_nodes(list: &std::collections::VecDeque<Vec<u8>>, fill: i64) -> Vec<(u64, Vec<u8>)> {
    let mut nodes: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut open: Option<(Listpack, usize)> = None;
    for e in list {
        if e.len() >= PACKED_THRESHOLD {
            if let Some((lp, _)) = open.take() {
                nodes.push((CONTAINER_PACKED, lp.finish()));
            }
            nodes.push((CONTAINER_PLAIN, e.clone()));
            continue;
        }
        match &mut open {
            Some((lp, count)) if node_takes(fill, lp.size(), *count, e.len()) => {
                lp.push(e);
                *count += 1;
            }
            _ => {
                if let Some((lp, _)) = open.take() {
                    nodes.push((CONTAINER_PACKED, lp.finish()));
                }
                let mut lp = Listpack::new();
                lp.push(e);
                open = Some((lp, 1));
            }
        }
    }
    if let Some((lp, _)) = open {
        nodes.push((CONTAINER_PACKED, lp.finish()));
    }
    nodes
}

/// Sizes for MEMORY USAGE (command/memory.rs), from the same layouts DUMP
/// writes: a listpack of these entries (`lpBytes`)...
pub(crate) fn listpack_len<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> usize {
    let mut lp = Listpack::new();
    for e in entries {
        lp.push(e);
    }
    lp.size()
}

/// ...the listpack (or plain element) of each quicklist node...
pub(crate) fn list_node_sizes(list: &std::collections::VecDeque<Vec<u8>>, fill: i64) -> Vec<usize> {
    quicklist_nodes(list, fill)
        .iter()
        .map(|(_, blob)| blob.len())
        .collect()
}

/// ...an intset's blob, and a score as a listpack stores it.
pub(crate) fn intset_len(members: &[Vec<u8>]) -> usize {
    intset_blob(members).len()
}

pub(crate) fn listpack_score_entry(score: f64) -> Vec<u8> {
    score_entry(score)
}

/// intset.c's blob: the width of the widest member (2, 4 or 8 bytes), the
/// count, then the members sorted, all little endian. (A real intset never
/// narrows: one that once held a wide member keeps its width.)
fn intset_blob(members: &[Vec<u8>]) -> Vec<u8> {
    let mut values: Vec<i64> = members.iter().filter_map(|m| parse_i64(m)).collect();
    crate::order::sort_by(&mut values, |a, b| a.cmp(b));
    let width: usize = if values.iter().all(|&v| i16::try_from(v).is_ok()) {
        2
    } else if values.iter().all(|&v| i32::try_from(v).is_ok()) {
        4
    } else {
        8
    };
    let mut blob = Vec::with_capacity(8 + width * values.len());
    blob.extend_from_slice(&(width as u32).to_le_bytes());
    blob.extend_from_slice(&(values.len() as u32).to_le_bytes());
    for v in values {
        blob.extend_from_slice(&v.to_le_bytes()[..width]);
    }
    blob
}

/// The type byte and the object as `rdbSaveObjectType()` and
/// `rdbSaveObject()` write them, for the encoding `Value::encoding` names.
fn save_object(
    out: &mut Vec<u8>,
    value: &Value,
    encoding: &str,
    limits: &Encodings,
) -> Result<(), RdbError> {
    match value {
        Value::Stream(stream) => {
            out.push(TYPE_STREAM_LISTPACKS_2);
            save_stream(out, stream);
        }
        Value::Str(s) => {
            out.push(TYPE_STRING);
            save_string(out, s);
        }
        // 7.0 lists are always quicklists: the node count, then each node's
        // container and its listpack (or element), saved as a string, so
        // LZF-compressed when that pays (list-compress-depth 0: no node is
        // kept compressed in memory).
        Value::List(l) => {
            out.push(TYPE_LIST_QUICKLIST_2);
            let nodes = quicklist_nodes(l, limits.list_max_listpack_size);
            save_len(out, nodes.len() as u64);
            for (container, blob) in nodes {
                save_len(out, container);
                save_string(out, &blob);
            }
        }
        Value::Set(members) if encoding == "intset" => {
            out.push(TYPE_SET_INTSET);
            save_string(out, &intset_blob(members));
        }
        Value::Set(members) => {
            out.push(TYPE_SET);
            save_len(out, members.len() as u64);
            for m in members {
                save_string(out, m);
            }
        }
        Value::Hash(fields) if encoding == "listpack" => {
            out.push(TYPE_HASH_LISTPACK);
            let mut lp = Listpack::new();
            for (f, v) in fields {
                lp.push(f);
                lp.push(v);
            }
            save_string(out, &lp.finish());
        }
        Value::Hash(fields) => {
            out.push(TYPE_HASH);
            save_len(out, fields.len() as u64);
            for (f, v) in fields {
                save_string(out, f);
                save_string(out, v);
            }
        }
        Value::ZSet(z) if encoding == "listpack" => {
            out.push(TYPE_ZSET_LISTPACK);
            let mut lp = Listpack::new();
            for (score, member) in z {
                lp.push(member);
                lp.push(&score_entry(*score));
            }
            save_string(out, &lp.finish());
        }
        // A skiplist is saved from the greatest element to the smallest
        // ("the next loaded element will always be the smaller"), scores
        // as binary doubles.
        Value::ZSet(z) => {
            out.push(TYPE_ZSET_2);
            save_len(out, z.len() as u64);
            for (score, member) in z.iter().rev() {
                save_string(out, member);
                out.extend_from_slice(&score.to_le_bytes());
            }
        }
    }
    Ok(())
}

/// A listpack integer element (`lpAppendInteger`): the same bytes as its
/// decimal text appended as a string.
fn push_int(lp: &mut Listpack, v: i64) {
    lp.push(v.to_string().as_bytes());
}

/// One stream node's listpack, element by element as streamAppendItem()
/// lays it out: the master entry (live count, deleted count, field count,
/// fields, a 0 terminator), then per entry its flags, the ID as deltas from
/// the master ID ("id.ms - master_id.ms", "id.seq - master_id.seq",
/// unsigned differences stored as signed integers), the field count and
/// fields (not with SAMEFIELDS, "we have just to populate the entry with
/// the values"), the values, and lp-count (the elements after the flags).
/// XDEL and trimming rewrite flags and counters in place, so a deleted
/// entry keeps its elements.
fn stream_listpack(node: &StreamNode) -> Vec<u8> {
    const DELETED: i64 = 1;
    const SAMEFIELDS: i64 = 2;
    let mut lp = Listpack::new();
    let live = node.live();
    push_int(&mut lp, live as i64);
    push_int(&mut lp, (node.entries.len() - live) as i64);
    push_int(&mut lp, node.master_fields.len() as i64);
    for f in &node.master_fields {
        lp.push(f);
    }
    push_int(&mut lp, 0);
    for e in &node.entries {
        let same = node.same_fields(e);
        let flags = if e.deleted { DELETED } else { 0 } | if same { SAMEFIELDS } else { 0 };
        push_int(&mut lp, flags);
        push_int(&mut lp, e.id.ms.wrapping_sub(node.master.ms) as i64);
        push_int(&mut lp, e.id.seq.wrapping_sub(node.master.seq) as i64);
        let n = e.fields.len() as i64;
        if same {
            for (_, v) in &e.fields {
                lp.push(v);
            }
            push_int(&mut lp, n + 3);
        } else {
            push_int(&mut lp, n);
            for (f, v) in &e.fields {
                lp.push(f);
                lp.push(v);
            }
            push_int(&mut lp, 2 * n + 4);
        }
    }
    lp.finish()
}

/// An ID as two lengths (ms, then seq).
fn save_id(out: &mut Vec<u8>, id: StreamId) {
    save_len(out, id.ms);
    save_len(out, id.seq);
}

/// RDB_TYPE_STREAM_LISTPACKS_2 as `rdbSaveObject()` writes it: the node
/// count, each node's radix-tree key (the master ID, 16 bytes big endian)
/// and listpack as strings (rdbSaveRawString: LZF when that pays); the
/// length, last ID, first ID, greatest deleted ID and entries-added
/// counter; then the groups in name order, each with its name, last ID,
/// entries-read counter (-1 saved as a 64-bit length), its PEL (raw IDs,
/// delivery time as 8 bytes little endian, delivery count) and its
/// consumers in name order (name, seen time, and only the IDs of their
/// PEL: "we'll lookup the ID in the consumer group global PEL").
fn save_stream(out: &mut Vec<u8>, s: &Stream) {
    save_len(out, s.nodes.len() as u64);
    for node in &s.nodes {
        save_string(out, &node.master.key_bytes());
        save_string(out, &stream_listpack(node));
    }
    save_len(out, s.length);
    save_id(out, s.last_id);
    save_id(out, s.first_id);
    save_id(out, s.max_deleted);
    save_len(out, s.entries_added);
    save_len(out, s.groups.len() as u64);
    for (name, g) in &s.groups {
        save_string(out, name);
        save_id(out, g.last_id);
        save_len(out, g.entries_read as u64);
        save_len(out, g.pel.len() as u64);
        for (id, nack) in &g.pel {
            out.extend_from_slice(&id.key_bytes());
            out.extend_from_slice(&nack.delivery_time.to_le_bytes());
            save_len(out, nack.delivery_count);
        }
        save_len(out, g.consumers.len() as u64);
        for (cname, c) in &g.consumers {
            save_string(out, cname);
            out.extend_from_slice(&c.seen_time.to_le_bytes());
            save_len(out, c.pel.len() as u64);
            for id in &c.pel {
                out.extend_from_slice(&id.key_bytes());
            }
        }
    }
}

/// The DUMP payload of `value` (`createDumpPayload()`), encoded as a new
/// value under the default limits.
pub fn dump(value: &Value) -> Result<Vec<u8>, RdbError> {
    let limits = Encodings::default();
    dump_encoded(value, value.encoding(&limits), &limits)
}

/// `dump` of a value held in `encoding` (a key's, which may be the large
/// one it was converted to: `Entry::encoding`).
pub fn dump_encoded(
    value: &Value,
    encoding: &str,
    limits: &Encodings,
) -> Result<Vec<u8>, RdbError> {
    let mut out = Vec::new();
    save_object(&mut out, value, encoding, limits)?;
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(out)
}

// ------------------------------------------------------------------ reading

/// The payload being read (`rioInitWithBuffer`): every read past the end
/// is an error, never a panic.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: u64) -> Load<&'a [u8]> {
        let left = (self.data.len() - self.pos) as u64;
        if n > left {
            return Err(RdbError::BadData);
        }
        let start = self.pos;
        self.pos += n as usize;
        Ok(&self.data[start..self.pos])
    }

    fn byte(&mut self) -> Load<u8> {
        Ok(self.take(1)?[0])
    }

    fn array<const N: usize>(&mut self) -> Load<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N as u64)?);
        Ok(a)
    }

    /// `rdbLoadLenByRef()`: a length, or (flag set) a special string
    /// encoding in the low 6 bits of a byte whose top bits are 11.
    fn len_or_encoding(&mut self) -> Load<(u64, bool)> {
        let b = self.byte()?;
        Ok(match b >> 6 {
            3 => (u64::from(b & 0x3f), true),
            0 => (u64::from(b & 0x3f), false),
            1 => ((u64::from(b & 0x3f) << 8) | u64::from(self.byte()?), false),
            _ if b == 0x80 => (u64::from(u32::from_be_bytes(self.array()?)), false),
            _ if b == 0x81 => (u64::from_be_bytes(self.array()?), false),
            _ => return Err(RdbError::BadData),
        })
    }

    /// `rdbLoadLen(rdb, NULL)`: a length, where (like Redis) an encoding
    /// byte passes for its low 6 bits.
    fn len(&mut self) -> Load<u64> {
        Ok(self.len_or_encoding()?.0)
    }

    /// `rdbGenericLoadStringObject()`: plain, integer-encoded or LZF.
    fn string(&mut self) -> Load<Vec<u8>> {
        let (len, encoded) = self.len_or_encoding()?;
        if !encoded {
            return Ok(self.take(len)?.to_vec());
        }
        let n: i64 = match len {
            0 => i64::from(self.byte()? as i8),
            1 => i64::from(i16::from_le_bytes(self.array()?)),
            2 => i64::from(i32::from_le_bytes(self.array()?)),
            3 => {
                let compressed_len = self.len()?;
                let len = self.len()?;
                let data = self.take(compressed_len)?;
                return lzf_decompress(data, len).ok_or(RdbError::BadData);
            }
            _ => return Err(RdbError::BadData),
        };
        Ok(n.to_string().into_bytes())
    }

    /// `rdbLoadDoubleValue()` (RDB_TYPE_ZSET): a length byte, 253/254/255
    /// for NaN/+inf/-inf, else that many characters read with `%lg`.
    fn text_double(&mut self) -> Load<f64> {
        let len = self.byte()?;
        match len {
            255 => Ok(f64::NEG_INFINITY),
            254 => Ok(f64::INFINITY),
            253 => Ok(f64::NAN),
            _ => strtod(self.take(u64::from(len))?).ok_or(RdbError::BadData),
        }
    }
}

/// What strtod/`%lg` read from the start of `text`: leading white space
/// skipped, then the longest prefix that is a number; `None` if none is.
fn strtod(text: &[u8]) -> Option<f64> {
    let start = text
        .iter()
        .position(|b| !b" \t\n\x0b\x0c\r".contains(b))
        .unwrap_or(text.len());
    let s = std::str::from_utf8(&text[start..]).ok().or_else(|| {
        // Only an ASCII prefix can be a number.
        let ascii = text[start..].iter().take_while(|b| b.is_ascii()).count();
        std::str::from_utf8(&text[start..start + ascii]).ok()
    })?;
    (1..=s.len().min(400))
        .rev()
        .filter(|&end| s.is_char_boundary(end))
        .find_map(|end| s[..end].parse::<f64>().ok())
}

/// `zzlStrtod()`: a listpack score string through strtod, 0 if it is no
/// number (the first 127 bytes only).
fn listpack_score(entry: &[u8]) -> f64 {
    strtod(&entry[..entry.len().min(127)]).unwrap_or(0.0)
}

fn bad<T>() -> Load<T> {
    Err(RdbError::BadData)
}

fn le_u32(b: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]))
}

/// `lpValidateIntegrity()` with deep checks, then every entry, integers
/// as their decimal strings (`lpGet`).
fn listpack_entries(lp: &[u8]) -> Load<Vec<Vec<u8>>> {
    let size = lp.len();
    if size < Listpack::HEADER + 1 || le_u32(lp, 0) != size as u64 || lp[size - 1] != 0xff {
        return bad();
    }
    let declared = u16::from_le_bytes([lp[4], lp[5]]);
    let mut entries = Vec::new();
    let mut p = Listpack::HEADER;
    let end = size - 1;
    while p < end {
        let b = lp[p];
        // (header bytes, data bytes) of the entry at p.
        let need = |n: usize| {
            if p.checked_add(n).is_some_and(|e| e <= end) {
                Ok(())
            } else {
                bad()
            }
        };
        let (head, data_len): (usize, usize) = match b {
            _ if b & 0x80 == 0 => (1, 0),
            _ if b & 0xc0 == 0x80 => (1, usize::from(b & 0x3f)),
            _ if b & 0xe0 == 0xc0 => (2, 0),
            _ if b & 0xf0 == 0xe0 => {
                need(2)?;
                (2, (usize::from(b & 0x0f) << 8) | usize::from(lp[p + 1]))
            }
            0xf0 => {
                need(5)?;
                (5, le_u32(lp, p + 1) as usize)
            }
            0xf1 => (3, 0),
            0xf2 => (4, 0),
            0xf3 => (5, 0),
            0xf4 => (9, 0),
            _ => return bad(), // 0xf5..0xfe; an 0xff before the end
        };
        let entry_len = head.checked_add(data_len).ok_or(RdbError::BadData)?;
        need(entry_len)?;
        let at = |i: usize| lp[p + i];
        let value: Vec<u8> = match b {
            _ if b & 0x80 == 0 => (b & 0x7f).to_string().into_bytes(),
            _ if b & 0xe0 == 0xc0 => {
                let u = (i64::from(b & 0x1f) << 8) | i64::from(at(1));
                let v = if u >= 1 << 12 { u - (1 << 13) } else { u };
                v.to_string().into_bytes()
            }
            0xf1 => i16::from_le_bytes([at(1), at(2)]).to_string().into_bytes(),
            0xf2 => {
                let u = i32::from_le_bytes([at(1), at(2), at(3), 0]);
                ((u << 8) >> 8).to_string().into_bytes()
            }
            0xf3 => i32::from_le_bytes([at(1), at(2), at(3), at(4)])
                .to_string()
                .into_bytes(),
            0xf4 => {
                let mut v = [0u8; 8];
                v.copy_from_slice(&lp[p + 1..p + 9]);
                i64::from_le_bytes(v).to_string().into_bytes()
            }
            _ => lp[p + head..p + entry_len].to_vec(),
        };
        // The backlen must read back the entry's length.
        let mut backlen = Vec::new();
        encode_backlen(&mut backlen, entry_len as u64);
        let q = p + entry_len;
        if q + backlen.len() > end || lp[q..q + backlen.len()] != backlen[..] {
            return bad();
        }
        entries.push(value);
        p = q + backlen.len();
    }
    if declared != 0xffff && usize::from(declared) != entries.len() {
        return bad();
    }
    Ok(entries)
}

/// `ziplistValidateIntegrity()` with deep checks (Redis always converts
/// ziplists, so it always checks them deeply), then every entry.
fn ziplist_entries(zl: &[u8]) -> Load<Vec<Vec<u8>>> {
    const HEADER: usize = 10;
    let size = zl.len();
    if size < HEADER + 1 || le_u32(zl, 0) != size as u64 || zl[size - 1] != 0xff {
        return bad();
    }
    let tail = le_u32(zl, 4) as usize;
    let declared = u16::from_le_bytes([zl[8], zl[9]]);
    let end = size - 1;
    let (mut p, mut prev_len, mut last) = (HEADER, 0usize, HEADER);
    let mut entries = Vec::new();
    while p < end {
        let need = |n: usize| {
            if p.checked_add(n).is_some_and(|e| e <= end) {
                Ok(())
            } else {
                bad()
            }
        };
        // The previous entry's length: one byte under 254, else 254 and 32 bits.
        let (prev_size, prev) = if zl[p] < 254 {
            (1, usize::from(zl[p]))
        } else if zl[p] == 254 {
            need(5)?;
            (5, le_u32(zl, p + 1) as usize)
        } else {
            return bad();
        };
        if prev != prev_len {
            return bad();
        }
        need(prev_size + 1)?;
        let e = p + prev_size;
        let b = zl[e];
        let (head, data_len): (usize, usize) = match b >> 6 {
            0 => (1, usize::from(b & 0x3f)),
            1 => {
                need(prev_size + 2)?;
                (2, (usize::from(b & 0x3f) << 8) | usize::from(zl[e + 1]))
            }
            2 if b == 0x80 => {
                need(prev_size + 5)?;
                let n = u32::from_be_bytes([zl[e + 1], zl[e + 2], zl[e + 3], zl[e + 4]]);
                (5, n as usize)
            }
            _ => match b {
                0xc0 => (1, 2),
                0xd0 => (1, 4),
                0xe0 => (1, 8),
                0xf0 => (1, 3),
                0xfe => (1, 1),
                0xf1..=0xfd => (1, 0),
                _ => return bad(),
            },
        };
        let entry_len = (prev_size + head)
            .checked_add(data_len)
            .ok_or(RdbError::BadData)?;
        need(entry_len)?;
        let d = &zl[e + head..p + entry_len];
        let value: Vec<u8> = match b {
            _ if b >> 6 != 3 => d.to_vec(),
            0xc0 => i16::from_le_bytes([d[0], d[1]]).to_string().into_bytes(),
            0xd0 => i32::from_le_bytes([d[0], d[1], d[2], d[3]])
                .to_string()
                .into_bytes(),
            0xe0 => {
                let mut v = [0u8; 8];
                v.copy_from_slice(d);
                i64::from_le_bytes(v).to_string().into_bytes()
            }
            0xf0 => ((i32::from_le_bytes([0, d[0], d[1], d[2]])) >> 8)
                .to_string()
                .into_bytes(),
            0xfe => (d[0] as i8).to_string().into_bytes(),
            _ => ((b & 0x0f) - 1).to_string().into_bytes(),
        };
        entries.push(value);
        last = p;
        prev_len = entry_len;
        p += entry_len;
    }
    if tail != last || (declared != 0xffff && usize::from(declared) != entries.len()) {
        return bad();
    }
    Ok(entries)
}

/// `zipmapValidateIntegrity()` (deep) and `zipmapNext()`: the field/value
/// pairs of a Redis 2.4 hash.
fn zipmap_pairs(zm: &[u8]) -> Load<Vec<(Vec<u8>, Vec<u8>)>> {
    let size = zm.len();
    if size < 2 || zm[size - 1] != 0xff {
        return bad();
    }
    let mut p = 1;
    let in_range = |q: usize| q >= 2 && q < size;
    // A length: one byte under 254, else (254 or 255) 32 bits after it.
    let length = |q: usize| -> Load<(usize, usize)> {
        if zm[q] < 254 {
            Ok((1, usize::from(zm[q])))
        } else if q + 5 <= size {
            Ok((5, le_u32(zm, q + 1) as usize))
        } else {
            bad()
        }
    };
    let mut pairs = Vec::new();
    while zm[p] != 0xff {
        let (s, l) = length(p)?;
        if !in_range(p + s) {
            return bad();
        }
        let (field, field_len) = (p + s, l);
        p = field.checked_add(l).ok_or(RdbError::BadData)?;
        if !in_range(p) {
            return bad();
        }
        let (s, l) = length(p)?;
        if !in_range(p + s) {
            return bad();
        }
        let free = usize::from(zm[p + s]);
        let value = p + s + 1;
        p = value
            .checked_add(l)
            .and_then(|q| q.checked_add(free))
            .ok_or(RdbError::BadData)?;
        if !in_range(p) {
            return bad();
        }
        pairs.push((
            zm[field..field + field_len].to_vec(),
            zm[value..value + l].to_vec(),
        ));
    }
    if pairs.is_empty() || (zm[0] != 254 && usize::from(zm[0]) != pairs.len()) {
        return bad();
    }
    Ok(pairs)
}

/// `intsetValidateIntegrity()` with deep checks: width 2, 4 or 8, the
/// size to match, not empty, sorted without duplicates.
fn intset_members(blob: &[u8]) -> Load<Vec<Vec<u8>>> {
    if blob.len() < 8 {
        return bad();
    }
    let width = le_u32(blob, 0) as usize;
    let count = le_u32(blob, 4) as usize;
    if !matches!(width, 2 | 4 | 8) || count == 0 || count.checked_mul(width) != Some(blob.len() - 8)
    {
        return bad();
    }
    let values: Vec<i64> = blob[8..]
        .chunks(width)
        .map(|c| match c.len() {
            2 => i64::from(i16::from_le_bytes([c[0], c[1]])),
            4 => i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            _ => i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]),
        })
        .collect();
    if values.windows(2).any(|w| w[0] >= w[1]) {
        return bad();
    }
    Ok(values
        .into_iter()
        .map(|v| v.to_string().into_bytes())
        .collect())
}

/// Pairs from a flat list of entries (hash and sorted-set listpacks and
/// ziplists): an even count, not empty.
fn pairs(entries: Vec<Vec<u8>>) -> Load<Vec<(Vec<u8>, Vec<u8>)>> {
    if entries.is_empty() || !entries.len().is_multiple_of(2) {
        return bad();
    }
    let mut out = Vec::with_capacity(entries.len() / 2);
    let mut it = entries.into_iter();
    while let (Some(a), Some(b)) = (it.next(), it.next()) {
        out.push((a, b));
    }
    Ok(out)
}

/// Refuses duplicates, as the dict a real server loads into would
/// ("Duplicate set members detected", "Hash with dup elements"...).
fn unique<'a>(items: impl Iterator<Item = &'a [u8]>) -> Load<()> {
    let mut seen = BTreeSet::new();
    for item in items {
        if !seen.insert(item) {
            return bad();
        }
    }
    Ok(())
}

fn hash(fields: Vec<(Vec<u8>, Vec<u8>)>) -> Load<Value> {
    unique(fields.iter().map(|(f, _)| f.as_slice()))?;
    Ok(Value::Hash(fields))
}

/// A sorted set in Redis's order, by (score, member); NaN is refused
/// ("Zset with NAN score detected").
fn zset(mut members: Vec<(f64, Vec<u8>)>) -> Load<Value> {
    if members.is_empty() || members.iter().any(|(s, _)| s.is_nan()) {
        return bad();
    }
    unique(members.iter().map(|(_, m)| m.as_slice()))?;
    crate::order::sort_by(&mut members, |a, b| {
        a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1))
    });
    Ok(Value::ZSet(members))
}

fn listpack_zset(entries: Vec<Vec<u8>>) -> Load<Value> {
    let members = pairs(entries)?
        .into_iter()
        .map(|(m, s)| (listpack_score(&s), m))
        .collect();
    zset(members)
}

fn list(items: Vec<Vec<u8>>) -> Load<Value> {
    if items.is_empty() {
        return bad();
    }
    Ok(Value::List(items.into()))
}

/// `rdbLoadObject()` for one object of type `t`.
fn load_object(r: &mut Reader, t: u8) -> Load<Value> {
    match t {
        TYPE_STRING => Ok(Value::Str(r.string()?)),
        TYPE_LIST => {
            let n = r.len()?;
            let items = (0..n).map(|_| r.string()).collect::<Load<Vec<_>>>()?;
            list(items)
        }
        TYPE_SET => {
            let n = r.len()?;
            let members = (0..n).map(|_| r.string()).collect::<Load<Vec<_>>>()?;
            if members.is_empty() {
                return bad();
            }
            unique(members.iter().map(Vec::as_slice))?;
            Ok(Value::Set(members))
        }
        TYPE_ZSET | TYPE_ZSET_2 => {
            let n = r.len()?;
            let mut members = Vec::new();
            for _ in 0..n {
                let member = r.string()?;
                let score = if t == TYPE_ZSET_2 {
                    f64::from_le_bytes(r.array()?)
                } else {
                    r.text_double()?
                };
                members.push((score, member));
            }
            zset(members)
        }
        TYPE_HASH => {
            let n = r.len()?;
            let fields = (0..n)
                .map(|_| Ok((r.string()?, r.string()?)))
                .collect::<Load<Vec<_>>>()?;
            if fields.is_empty() {
                return bad();
            }
            hash(fields)
        }
        // Nodes of ziplists (14) or, from 7.0, listpacks and plain
        // elements (18); empty nodes are skipped, an empty list refused.
        TYPE_LIST_QUICKLIST | TYPE_LIST_QUICKLIST_2 => {
            let nodes = r.len()?;
            if nodes == 0 {
                return bad();
            }
            let mut items = Vec::new();
            for _ in 0..nodes {
                let container = if t == TYPE_LIST_QUICKLIST_2 {
                    r.len()?
                } else {
                    CONTAINER_PACKED
                };
                if container != CONTAINER_PACKED && container != CONTAINER_PLAIN {
                    return bad();
                }
                let blob = r.string()?;
                if blob.is_empty() {
                    return bad();
                }
                if container == CONTAINER_PLAIN {
                    items.push(blob);
                } else if t == TYPE_LIST_QUICKLIST_2 {
                    items.extend(listpack_entries(&blob)?);
                } else {
                    items.extend(ziplist_entries(&blob)?);
                }
            }
            list(items)
        }
        TYPE_HASH_ZIPMAP | TYPE_LIST_ZIPLIST | TYPE_SET_INTSET | TYPE_ZSET_ZIPLIST
        | TYPE_ZSET_LISTPACK | TYPE_HASH_ZIPLIST | TYPE_HASH_LISTPACK => {
            let blob = r.string()?;
            match t {
                TYPE_HASH_ZIPMAP => hash(zipmap_pairs(&blob)?),
                TYPE_LIST_ZIPLIST => list(ziplist_entries(&blob)?),
                TYPE_SET_INTSET => Ok(Value::Set(intset_members(&blob)?)),
                TYPE_ZSET_ZIPLIST => listpack_zset(ziplist_entries(&blob)?),
                TYPE_ZSET_LISTPACK => listpack_zset(listpack_entries(&blob)?),
                TYPE_HASH_ZIPLIST => hash(pairs(ziplist_entries(&blob)?)?),
                _ => hash(pairs(listpack_entries(&blob)?)?),
            }
        }
        TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 => load_stream(r, t),
        // Module values (6, 7: no module is loaded), and what is no type.
        _ => bad(),
    }
}

/// `RDB_LENERR`: what rdbLoadLen() answers on an error, so a count that
/// reads as it is refused where the loader checks for it.
const LEN_ERR: u64 = u64::MAX;

/// A count the stream loader checks against RDB_LENERR.
fn count(r: &mut Reader) -> Load<u64> {
    match r.len()? {
        LEN_ERR => bad(),
        n => Ok(n),
    }
}

fn load_id(r: &mut Reader) -> Load<StreamId> {
    Ok(StreamId::new(r.len()?, r.len()?))
}

/// `rdbLoadMillisecondTime()`: 8 bytes little endian.
fn millis(r: &mut Reader) -> Load<u64> {
    Ok(u64::from_le_bytes(r.array()?))
}

/// A stream listpack element that must be an integer
/// (`lpGetIntegerIfValid`).
fn lp_integer(it: &mut std::vec::IntoIter<Vec<u8>>) -> Load<i64> {
    it.next()
        .as_deref()
        .and_then(parse_i64)
        .ok_or(RdbError::BadData)
}

/// A count in a stream listpack: an integer, not negative.
fn lp_count(it: &mut std::vec::IntoIter<Vec<u8>>) -> Load<u64> {
    u64::try_from(lp_integer(it)?).map_err(|_| RdbError::BadData)
}

fn lp_element(it: &mut std::vec::IntoIter<Vec<u8>>) -> Load<Vec<u8>> {
    it.next().ok_or(RdbError::BadData)
}

/// One node from its radix-tree key and listpack. A 7.0 server with
/// `sanitize-dump-payload no` checks only the listpack's header and that
/// it is not empty ("Empty listpack inside stream"), and may crash later
/// on a bad entry; this reads the whole node as
/// streamValidateListpackIntegrity() does in its deep mode, and also
/// refuses what the model cannot hold: flags other than DELETED (1) and
/// SAMEFIELDS (2), counters that disagree with the flags, entries out of
/// order or below the master ID.
fn load_stream_node(master: StreamId, lp: &[u8]) -> Load<StreamNode> {
    let mut it = listpack_entries(lp)?.into_iter();
    let live = lp_count(&mut it)?;
    let deleted = lp_count(&mut it)?;
    let nfields = lp_count(&mut it)?;
    let mut master_fields = Vec::new();
    for _ in 0..nfields {
        master_fields.push(lp_element(&mut it)?);
    }
    if lp_integer(&mut it)? != 0 {
        return bad(); // the master entry's terminator
    }
    let total = live.checked_add(deleted).ok_or(RdbError::BadData)?;
    let mut node = StreamNode {
        master,
        master_fields,
        entries: Vec::new(),
        alloc: crate::command::memory::jemalloc(lp.len()),
    };
    for _ in 0..total {
        let flags = lp_integer(&mut it)?;
        if !(0..=3).contains(&flags) {
            return bad();
        }
        let id = StreamId::new(
            master.ms.wrapping_add(lp_integer(&mut it)? as u64),
            master.seq.wrapping_add(lp_integer(&mut it)? as u64),
        );
        let after_last = node.entries.last().is_none_or(|e| id > e.id);
        if id < master || !after_last {
            return bad();
        }
        let mut fields = Vec::new();
        let want: i64 = if flags & 2 != 0 {
            for f in &node.master_fields {
                fields.push((f.clone(), lp_element(&mut it)?));
            }
            node.master_fields.len() as i64 + 3
        } else {
            let n = lp_count(&mut it)?;
            for _ in 0..n {
                fields.push((lp_element(&mut it)?, lp_element(&mut it)?));
            }
            2 * fields.len() as i64 + 4
        };
        if lp_integer(&mut it)? != want {
            return bad(); // lp-count
        }
        node.entries.push(StreamEntry {
            id,
            fields,
            deleted: flags & 1 != 0,
        });
    }
    if it.next().is_some() || node.live() as u64 != live {
        return bad();
    }
    Ok(node)
}

/// `rdbLoadObject()` for RDB_TYPE_STREAM_LISTPACKS (15, Redis 5 and 6)
/// and RDB_TYPE_STREAM_LISTPACKS_2 (19, 7.0). Type 15 has no first ID,
/// greatest deleted ID, entries-added or entries-read counters: the server
/// takes the first live entry's ID (UINT64_MAX-UINT64_MAX when there is
/// none, streamGetEdgeID), 0-0, the length, and the group's distance
/// from the first entry (streamEstimateDistanceFromFirstEverEntry).
///
/// Refused as the server refuses them: a node key that is not 16 bytes, a
/// listpack whose header is wrong or that is empty, a key seen twice, a
/// length with no nodes, a group or consumer seen twice, a PEL ID seen
/// twice, a consumer's ID missing from its group's PEL. Refused here only
/// (the server, not sanitizing, keeps them and may crash later): bad
/// listpack entries (see `load_stream_node`), a length that is not the
/// number of live entries, entries above the last ID, a pending entry no
/// consumer owns (as the deep sanitizer refuses "Stream CG PEL entry
/// without consumer") and one that two consumers own.
fn load_stream(r: &mut Reader, t: u8) -> Load<Value> {
    let mut s = Stream::default();
    let nodes = count(r)?;
    // The last ID so far (an entry's, or a node's master ID).
    let mut prev: Option<StreamId> = None;
    for _ in 0..nodes {
        let key: [u8; 16] = r.string()?.try_into().map_err(|_| RdbError::BadData)?;
        let lp = r.string()?;
        // lpValidateIntegrity(lp, size, 0): the header's size and the end
        // byte; then lpFirst() must find an element.
        let header_ok = lp.len() > Listpack::HEADER
            && le_u32(&lp, 0) == lp.len() as u64
            && lp.last() == Some(&0xff);
        if !header_ok || lp.get(Listpack::HEADER) == Some(&0xff) {
            return bad();
        }
        let master = StreamId::from(key);
        // A key seen twice is refused ("Listpack re-added with existing
        // key"). The server's radix tree would put nodes out of order back
        // in order; a server writes them in order, so here they must be.
        if prev.is_some_and(|p| master <= p) {
            return bad();
        }
        let node = load_stream_node(master, &lp)?;
        prev = Some(node.entries.last().map_or(master, |e| e.id));
        s.nodes.push(node);
    }
    s.length = r.len()?;
    s.last_id = load_id(r)?;
    if t == TYPE_STREAM_LISTPACKS_2 {
        s.first_id = load_id(r)?;
        s.max_deleted = load_id(r)?;
        s.entries_added = r.len()?;
    } else {
        s.entries_added = s.length;
        s.first_id = s
            .range(StreamId::MIN, StreamId::MAX, false)
            .first()
            .map_or(StreamId::MAX, |e| e.id);
    }
    // "Stream length inconsistent with rax entries".
    if s.length > 0 && s.nodes.is_empty() {
        return bad();
    }
    let live: u64 = s.nodes.iter().map(|n| n.live() as u64).sum();
    let last_entry = s.nodes.last().and_then(|n| n.entries.last());
    if live != s.length || last_entry.is_some_and(|e| e.id > s.last_id) {
        return bad();
    }
    let groups = count(r)?;
    for _ in 0..groups {
        let name = r.string()?;
        let last_id = load_id(r)?;
        let entries_read = if t == TYPE_STREAM_LISTPACKS_2 {
            r.len()? as i64
        } else {
            s.distance_from_first(last_id)
        };
        if s.groups.contains_key(&name) {
            return bad(); // "Duplicated consumer group name"
        }
        let mut pel = std::collections::BTreeMap::new();
        for _ in 0..count(r)? {
            let id = StreamId::from(r.array::<16>()?);
            let nack = Nack {
                consumer: Vec::new(), // named by the consumer that lists it
                delivery_time: millis(r)?,
                delivery_count: r.len()?,
            };
            if pel.insert(id, nack).is_some() {
                return bad(); // "Duplicated global PEL entry"
            }
        }
        let mut owned = std::collections::BTreeSet::new();
        let mut consumers = std::collections::BTreeMap::new();
        for _ in 0..count(r)? {
            let cname = r.string()?;
            if consumers.contains_key(&cname) {
                return bad(); // "Duplicate stream consumer detected."
            }
            let seen_time = millis(r)?;
            let mut own = std::collections::BTreeSet::new();
            for _ in 0..count(r)? {
                let id = StreamId::from(r.array::<16>()?);
                // "Consumer entry not found in group global PEL". An entry
                // a second consumer names is refused here only: 7.0.15
                // hands the NACK over and crashes when it frees the
                // stream; and "Duplicated consumer PEL entry" frees the
                // NACK twice there.
                let nack = pel.get_mut(&id).ok_or(RdbError::BadData)?;
                if !owned.insert(id) {
                    return bad();
                }
                nack.consumer = cname.clone();
                own.insert(id);
            }
            consumers.insert(
                cname,
                Consumer {
                    seen_time,
                    pel: own,
                },
            );
        }
        if owned.len() != pel.len() {
            return bad();
        }
        let group = Group {
            last_id,
            entries_read,
            pel,
            consumers,
        };
        s.groups.insert(name, group);
    }
    Ok(Value::Stream(Box::new(s)))
}

/// `verifyDumpPayload()`: at least the version and CRC, a version this
/// server knows, and a CRC64 of all before the CRC that matches.
fn verify(payload: &[u8]) -> Load<()> {
    if payload.len() < 10 {
        return Err(RdbError::VersionOrChecksum);
    }
    let footer = payload.len() - 10;
    let version = u16::from_le_bytes([payload[footer], payload[footer + 1]]);
    let mut crc = [0u8; 8];
    crc.copy_from_slice(&payload[footer + 2..]);
    if version > RDB_VERSION || crc64(0, &payload[..footer + 2]) != u64::from_le_bytes(crc) {
        return Err(RdbError::VersionOrChecksum);
    }
    Ok(())
}

/// `RDB_OPCODE_FUNCTION2`: one library's code in a FUNCTION DUMP payload.
const OPCODE_FUNCTION2: u8 = 245;
/// `RDB_OPCODE_FUNCTION`: the format of 7.0's release candidates.
const OPCODE_FUNCTION_PRE_GA: u8 = 246;

/// FUNCTION DUMP (`rdbSaveFunctions()`): each library's code after its
/// opcode, then the version and CRC64 footer of any DUMP payload.
pub fn dump_functions<'a>(codes: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for code in codes {
        out.push(OPCODE_FUNCTION2);
        save_string(&mut out, code);
    }
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// FUNCTION RESTORE's reading (`functionRestoreCommand()`): the footer
/// checked, then libraries read "until reaching last 10 bytes", each
/// handed to `load` as it comes (it compiles the library: its error stops
/// the reading). The error is the reply's text, without "ERR ".
pub fn restore_functions(
    payload: &[u8],
    mut load: impl FnMut(&[u8]) -> Result<(), String>,
) -> Result<(), String> {
    verify(payload).map_err(|_| "DUMP payload version or checksum are wrong".to_string())?;
    let mut r = Reader {
        data: payload,
        pos: 0,
    };
    while payload.len() - r.pos.min(payload.len()) > 10 {
        let Ok(t) = r.byte() else {
            return Err("can not read data type".into());
        };
        // A string may run on into the footer, as the server reads it.
        let string = |r: &mut Reader, what: &str| {
            r.string()
                .map_err(|_| format!("Failed loading library {what}"))
        };
        let code = match t {
            OPCODE_FUNCTION2 => string(&mut r, "payload")?,
            // The release candidates' layout: name, engine, an optional
            // description (dropped), and the bare code, which becomes a
            // library with a shebang made of the first two.
            OPCODE_FUNCTION_PRE_GA => {
                let name = string(&mut r, "name")?;
                let engine = r
                    .string()
                    .map_err(|_| "Failed loading engine name".to_string())?;
                let has_description = r
                    .len()
                    .map_err(|_| "Failed loading library description".to_string())?;
                if has_description != 0 {
                    string(&mut r, "description")?;
                }
                let blob = string(&mut r, "blob")?;
                let mut code = b"#!".to_vec();
                code.extend_from_slice(&engine);
                code.extend_from_slice(b" name=");
                code.extend_from_slice(&name);
                code.push(b'\n');
                code.extend_from_slice(&blob);
                code
            }
            _ => return Err("given type is not a function".into()),
        };
        load(&code)?;
    }
    Ok(())
}

/// The value a RESTORE of `payload` creates. Like `restoreCommand()`, it
/// reads the type byte and one object from the start of the whole payload:
/// what lies after the object is ignored, and an object that runs on into
/// the footer reads the footer's bytes as its own.
pub fn restore(payload: &[u8]) -> Result<Value, RdbError> {
    verify(payload)?;
    let mut r = Reader {
        data: payload,
        pos: 0,
    };
    let t = r.byte()?;
    load_object(&mut r, t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::INVALID_ENTRIES_READ;
    use std::collections::VecDeque;

    fn s(text: &str) -> Vec<u8> {
        text.as_bytes().to_vec()
    }

    /// The object part of a payload (type byte and footer removed).
    fn body(value: &Value) -> Vec<u8> {
        let p = dump(value).unwrap();
        p[1..p.len() - 10].to_vec()
    }

    fn entry(ele: &[u8]) -> Vec<u8> {
        let mut lp = Listpack::new();
        lp.push(ele);
        lp.bytes[Listpack::HEADER..].to_vec()
    }

    /// A ziplist (ziplist.c's layout) of short strings and of integers,
    /// 0..=12 immediate, others 16-bit.
    fn ziplist(entries: &[&str]) -> Vec<u8> {
        let mut body = Vec::new();
        let (mut prev, mut tail) = (0usize, 10usize);
        for e in entries {
            let start = body.len();
            tail = 10 + start;
            body.push(prev as u8);
            match e.parse::<i16>() {
                Ok(n @ 0..=12) => body.push(0xf1 + n as u8),
                Ok(n) => {
                    body.push(0xc0);
                    body.extend_from_slice(&n.to_le_bytes());
                }
                Err(_) => {
                    body.push(e.len() as u8);
                    body.extend_from_slice(e.as_bytes());
                }
            }
            prev = body.len() - start;
        }
        let mut zl = Vec::new();
        zl.extend_from_slice(&((body.len() + 11) as u32).to_le_bytes());
        zl.extend_from_slice(&(tail as u32).to_le_bytes());
        zl.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        zl.extend(body);
        zl.push(0xff);
        zl
    }

    /// A type byte and a blob saved as a string: an encoded object's body.
    fn encoded(t: u8, blob: &[u8]) -> Vec<u8> {
        let mut p = vec![t];
        save_string(&mut p, blob);
        p
    }

    fn seal(mut body: Vec<u8>) -> Vec<u8> {
        body.extend_from_slice(&RDB_VERSION.to_le_bytes());
        let crc = crc64(0, &body);
        body.extend_from_slice(&crc.to_le_bytes());
        body
    }

    #[test]
    fn crc64_is_jones() {
        assert_eq!(crc64(0, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
        assert_eq!(crc64(0, b""), 0);
    }

    #[test]
    fn real_payloads_of_small_strings() {
        // DUMP of SET k hello / SET k 1 / SET k 1000 / SET k "" on 7.0.15.
        assert_eq!(
            dump(&Value::Str(s("hello"))).unwrap(),
            b"\x00\x05hello\n\x00cr\xdfve4 \n"
        );
        assert_eq!(body(&Value::Str(s("1"))), b"\xc0\x01");
        assert_eq!(body(&Value::Str(s("-129"))), b"\xc1\x7f\xff");
        assert_eq!(body(&Value::Str(s("100000"))), b"\xc2\xa0\x86\x01\x00");
        assert_eq!(body(&Value::Str(s("4294967296"))), b"\x0a4294967296");
        assert_eq!(body(&Value::Str(s("01"))), b"\x0201");
        assert_eq!(body(&Value::Str(Vec::new())), b"\x00");
    }

    #[test]
    fn lengths_at_each_width() {
        let mut out = Vec::new();
        for len in [63u64, 64, 16383, 16384, u64::from(u32::MAX), 1 << 32] {
            out.clear();
            save_len(&mut out, len);
            let mut r = Reader { data: &out, pos: 0 };
            assert_eq!(r.len().unwrap(), len);
            assert_eq!(r.pos, out.len());
        }
        out.clear();
        save_len(&mut out, 16384);
        assert_eq!(out, b"\x80\x00\x00\x40\x00");
    }

    #[test]
    fn lzf_round_trips_and_refuses_what_does_not_shrink() {
        let text = b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let packed = lzf_compress(text, text.len() - 4).unwrap();
        assert!(packed.len() < 10);
        assert_eq!(lzf_decompress(&packed, text.len() as u64).unwrap(), text);
        assert_eq!(lzf_decompress(&packed, text.len() as u64 + 1), None);
        let mut seed = 7u64;
        let noise: Vec<u8> = (0..200)
            .map(|_| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                (seed >> 33) as u8
            })
            .collect();
        assert_eq!(lzf_compress(&noise, noise.len() - 4), None);
        for n in [3usize, 21, 40, 300, 9000] {
            let data: Vec<u8> = (0..n)
                .map(|i| b"abcabcabd"[i % 9] ^ (i / 500) as u8)
                .collect();
            if let Some(p) = lzf_compress(&data, data.len() + 64) {
                assert_eq!(lzf_decompress(&p, n as u64).unwrap(), data, "{n}");
            }
        }
        // A copy from before the start is refused.
        assert_eq!(lzf_decompress(b"\x20\x05", 3), None);
        assert_eq!(lzf_decompress(b"", 0), Some(Vec::new()));
    }

    #[test]
    fn listpack_integers_at_each_boundary() {
        assert_eq!(entry(b"0"), b"\x00\x01");
        assert_eq!(entry(b"127"), b"\x7f\x01");
        assert_eq!(entry(b"128"), b"\xc0\x80\x02");
        assert_eq!(entry(b"-1"), b"\xdf\xff\x02");
        assert_eq!(entry(b"4095"), b"\xcf\xff\x02");
        assert_eq!(entry(b"-4096"), b"\xd0\x00\x02");
        assert_eq!(entry(b"4096"), b"\xf1\x00\x10\x03");
        assert_eq!(entry(b"-32768"), b"\xf1\x00\x80\x03");
        assert_eq!(entry(b"32768"), b"\xf2\x00\x80\x00\x04");
        assert_eq!(entry(b"-8388609"), b"\xf3\xff\xff\x7f\xff\x05");
        assert_eq!(entry(b"8388608"), b"\xf3\x00\x00\x80\x00\x05");
        assert_eq!(
            entry(b"2147483648"),
            b"\xf4\x00\x00\x00\x80\x00\x00\x00\x00\x09"
        );
        // Not canonical integers: strings.
        assert_eq!(entry(b"01"), b"\x8201\x03");
        assert_eq!(entry(b"-0"), b"\x82-0\x03");
        assert_eq!(entry(b"+1"), b"\x82+1\x03");
    }

    #[test]
    fn listpack_strings_and_backlens_at_each_boundary() {
        for (n, head, back) in [
            (63usize, vec![0xbf], vec![64]),
            (64, vec![0xe0, 64], vec![66]),
            (125, vec![0xe0, 125], vec![127]),
            (126, vec![0xe0, 126], vec![1, 0x80]),
            (4095, vec![0xef, 0xff], vec![32, 0x81]),
            (4096, vec![0xf0, 0, 0x10, 0, 0], vec![32, 0x85]),
            (16377, vec![0xf0, 0xf9, 0x3f, 0, 0], vec![127, 0xfe]),
            (16378, vec![0xf0, 0xfa, 0x3f, 0, 0], vec![0, 0xff, 0xff]),
        ] {
            let ele = vec![b'x'; n];
            let mut want = head;
            want.extend_from_slice(&ele);
            want.extend(back);
            assert_eq!(entry(&ele), want, "{n}");
            let mut lp = Listpack::new();
            lp.push(&ele);
            assert_eq!(listpack_entries(&lp.finish()).unwrap(), vec![ele]);
        }
        let mut lp = Listpack::new();
        for e in ["a", "-5000", "70000", "-9223372036854775808", "12"] {
            lp.push(e.as_bytes());
        }
        let blob = lp.finish();
        assert_eq!(&blob[..6], &[blob.len() as u8, 0, 0, 0, 5, 0]);
        let back: Vec<String> = listpack_entries(&blob)
            .unwrap()
            .into_iter()
            .map(|e| String::from_utf8(e).unwrap())
            .collect();
        assert_eq!(back, ["a", "-5000", "70000", "-9223372036854775808", "12"]);
    }

    #[test]
    fn intsets_take_the_narrowest_width() {
        let set = |m: &[&str]| Value::Set(m.iter().map(|x| s(x)).collect());
        assert_eq!(
            body(&set(&["3", "-2", "1"])),
            b"\x0e\x02\x00\x00\x00\x03\x00\x00\x00\xfe\xff\x01\x00\x03\x00"
        );
        assert_eq!(intset_blob(&[s("32768")])[0], 4);
        assert_eq!(intset_blob(&[s("-32769"), s("1")])[0], 4);
        assert_eq!(intset_blob(&[s("2147483648")])[0], 8);
        assert_eq!(intset_blob(&[s("-32768"), s("32767")])[0], 2);
        for members in [&["5"][..], &["1", "70000"], &["-1", "9223372036854775807"]] {
            let v = set(members);
            let mut sorted = v.clone();
            if let Value::Set(m) = &mut sorted {
                crate::order::sort_by(m, |a, b| parse_i64(a).unwrap().cmp(&parse_i64(b).unwrap()));
            }
            assert_eq!(restore(&dump(&v).unwrap()).unwrap(), sorted);
        }
    }

    #[test]
    fn every_value_round_trips() {
        let long: VecDeque<Vec<u8>> = (0..3000)
            .map(|i| format!("item-{i}").into_bytes())
            .collect();
        let values = vec![
            Value::Str(vec![b'z'; 100]),
            Value::Str((0..=255u8).cycle().take(700).collect()),
            Value::List(long),
            Value::List(vec![s("1"), s("x"), vec![b'y'; 5000]].into()),
            Value::Set((0..600).map(|i| i.to_string().into_bytes()).collect()),
            Value::Set(vec![s("a"), s("b")]),
            Value::Hash(vec![(s("f"), s("1")), (s("g"), vec![b'v'; 30])]),
            Value::Hash(
                (0..600)
                    .map(|i| (format!("f{i}").into_bytes(), s("v")))
                    .collect(),
            ),
            Value::ZSet(vec![
                (f64::NEG_INFINITY, s("a")),
                (-2.5, s("b")),
                (0.0, s("c")),
                (1.0, s("d")),
                (1e300, s("e")),
                (f64::INFINITY, s("f")),
            ]),
            Value::ZSet(
                (0..300)
                    .map(|i| (f64::from(i) / 3.0, format!("m{i}").into_bytes()))
                    .collect(),
            ),
        ];
        for v in values {
            let payload = dump(&v).unwrap();
            assert_eq!(restore(&payload).unwrap(), v);
        }
    }

    #[test]
    fn a_long_list_is_split_into_8k_nodes() {
        let list: VecDeque<Vec<u8>> = (0..200).map(|_| vec![b'a'; 100]).collect();
        let nodes = quicklist_nodes(&list, -2);
        assert!(nodes.len() > 2);
        for (container, blob) in &nodes {
            assert_eq!(*container, CONTAINER_PACKED);
            assert!(blob.len() <= NODE_SIZE_CLASSES[1]);
        }
    }

    #[test]
    fn old_encodings_load() {
        // A ziplist of "a", 5 and 300 as a list (RDB_TYPE_LIST_ZIPLIST).
        let p = seal(encoded(TYPE_LIST_ZIPLIST, &ziplist(&["a", "5", "300"])));
        assert_eq!(
            restore(&p).unwrap(),
            Value::List(vec![s("a"), s("5"), s("300")].into())
        );
        // A zipmap {f: v} (RDB_TYPE_HASH_ZIPMAP), one free byte after the value.
        assert_eq!(
            zipmap_pairs(b"\x01\x01f\x01\x01v\x00\xff").unwrap(),
            vec![(s("f"), s("v"))]
        );
        // RDB_TYPE_ZSET scores are text.
        let mut r = Reader {
            data: b"\x041.5x\xfe",
            pos: 0,
        };
        assert_eq!(r.text_double().unwrap(), 1.5);
        assert_eq!(r.text_double().unwrap(), f64::INFINITY);
    }

    #[test]
    fn footers_and_bad_data() {
        let good = dump(&Value::Str(s("hello"))).unwrap();
        assert_eq!(restore(&good[..9]), Err(RdbError::VersionOrChecksum));
        let mut newer = good.clone();
        newer[7] = 11;
        assert_eq!(restore(&newer), Err(RdbError::VersionOrChecksum));
        let mut flipped = good.clone();
        flipped[3] ^= 1;
        assert_eq!(restore(&flipped), Err(RdbError::VersionOrChecksum));
        for bad_body in [
            &b""[..],
            b"\x08\x01a",          // 8 is no object type
            b"\x07\x01",           // a module value
            b"\x00\x0ehel",        // runs past the footer
            b"\x01\x00",           // an empty list
            b"\x02\x02\x01a\x01a", // a duplicate member
            b"\x00\xc4",           // an unknown string encoding
        ] {
            assert_eq!(
                restore(&seal(bad_body.to_vec())),
                Err(RdbError::BadData),
                "{bad_body:?}"
            );
        }
        // No nodes, then the footer read as the length (10): "Stream length
        // inconsistent with rax entries".
        assert_eq!(restore(&seal(b"\x13\x00".to_vec())), Err(RdbError::BadData));
        // 7.2's RDB_TYPE_STREAM_LISTPACKS_3 is no type to 7.0.
        assert_eq!(
            restore(&seal(
                b"\x15\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00".to_vec()
            )),
            Err(RdbError::BadData)
        );
        // Bytes between the object and the footer are ignored.
        assert_eq!(
            restore(&seal(b"\x00\x01ajunk".to_vec())),
            Ok(Value::Str(s("a")))
        );
        // A string cut short reads on into the footer, as on 7.0.15 (whose
        // GET then answers "hel\n\0").
        assert_eq!(
            restore(&seal(b"\x00\x05hel".to_vec())),
            Ok(Value::Str(s("hel\n\0")))
        );
    }

    fn fields(pairs: &[(&str, &str)]) -> crate::stream::Fields {
        pairs.iter().map(|(f, v)| (s(f), s(v))).collect()
    }

    /// A stream of `ids` appended under the default node limits, every
    /// entry with `a` and `b` but the one at 2-0 with `c`.
    fn appended(ids: &[(u64, u64)]) -> Stream {
        let mut st = Stream::default();
        for &(ms, seq) in ids {
            let f = if (ms, seq) == (2, 0) {
                fields(&[("c", "x")])
            } else {
                fields(&[("a", "1"), ("b", "2")])
            };
            st.append(
                f,
                Some((StreamId::new(ms, seq), true)),
                0,
                crate::stream::NodeLimits::default(),
            )
            .unwrap();
        }
        st
    }

    /// What a RESTORE holds: each node allocated to its listpack's size.
    fn as_loaded(mut st: Stream) -> Value {
        for n in &mut st.nodes {
            n.alloc = crate::command::memory::jemalloc(n.bytes());
        }
        Value::Stream(Box::new(st))
    }

    #[test]
    fn a_stream_dumps_as_7_0_15_does() {
        // XADD s 1-1 a 1 b 2; XADD s 1-2 a 3 b 4; XADD s 2-0 c x on 7.0.15.
        let mut st = appended(&[(1, 1), (1, 2), (2, 0)]);
        st.nodes[0].entries[1].fields = fields(&[("a", "3"), ("b", "4")]);
        let real = b"\x13\x01\x10\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01>>\x00\x00\x00\x19\x00\x03\x01\x00\x01\x02\x01\x81a\x02\x81b\x02\x00\x01\x02\x01\x00\x01\x00\x01\x01\x01\x02\x01\x05\x01\x02\x01\x00\x01\x01\x01\x03\x01\x04\x01\x05\x01\x00\x01\x01\x01\xdf\xff\x02\x01\x01\x81c\x02\x81x\x02\x06\x01\xff\x03\x02\x00\x01\x01\x00\x00\x03\x00\n\x00\x8a\xdfr0\"\xe6\xda\xa9";
        let v = Value::Stream(Box::new(st.clone()));
        assert_eq!(dump(&v).unwrap(), real);
        assert_eq!(restore(real).unwrap(), as_loaded(st));
        // XGROUP CREATE e g $ MKSTREAM: entries-read -1 as a 64-bit length.
        assert_eq!(
            dump(&restore(b"\x13\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x01g\x00\x00\x81\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\n\x00\xa0\x1a\x95=\xfb\x9c\xdd\xde").unwrap()).unwrap()[..],
            b"\x13\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x01g\x00\x00\x81\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\n\x00\xa0\x1a\x95=\xfb\x9c\xdd\xde"[..]
        );
    }

    /// The listpack DUMP writes is the size the node model computes for
    /// MEMORY USAGE and for when a node is full.
    #[test]
    fn stream_listpacks_are_the_modelled_size() {
        let ids: Vec<(u64, u64)> = (1..=250).map(|i| (i * 1000, i % 3)).collect();
        let mut st = appended(&ids);
        st.delete(StreamId::new(5000, 2));
        st.trim(crate::stream::Trim::MaxLen(180), false, 0);
        for node in &st.nodes {
            assert_eq!(stream_listpack(node).len(), node.bytes());
        }
        let v = Value::Stream(Box::new(st.clone()));
        assert_eq!(restore(&dump(&v).unwrap()).unwrap(), as_loaded(st));
    }

    fn grouped() -> Stream {
        let mut st = appended(&[(1, 0), (2, 0), (3, 0), (4, 0)]);
        st.delete(StreamId::new(1, 0));
        let mut g = Group {
            last_id: StreamId::new(3, 0),
            entries_read: 3,
            pel: std::collections::BTreeMap::new(),
            consumers: std::collections::BTreeMap::new(),
        };
        g.consumer(b"bob", 1_700_000_000_123, false);
        g.consumer(b"42", 1_700_000_000_456, false);
        g.consumer(b"alice", 1_700_000_000_789, false);
        for (id, who) in [(1, "bob"), (2, "alice"), (3, "bob")] {
            let id = StreamId::new(id, 0);
            g.pel.insert(
                id,
                Nack {
                    consumer: s(who),
                    delivery_time: 1_700_000_000_000 + id.ms,
                    delivery_count: id.ms * 100,
                },
            );
            g.consumers.get_mut(who.as_bytes()).unwrap().pel.insert(id);
        }
        st.groups.insert(s("g1"), g);
        let empty = Group {
            last_id: StreamId::MAX,
            entries_read: INVALID_ENTRIES_READ,
            pel: std::collections::BTreeMap::new(),
            consumers: std::collections::BTreeMap::new(),
        };
        st.groups.insert(s("12345"), empty);
        st
    }

    #[test]
    fn groups_pels_and_consumers_round_trip() {
        let st = grouped();
        let v = Value::Stream(Box::new(st.clone()));
        let p = dump(&v).unwrap();
        assert_eq!(restore(&p).unwrap(), as_loaded(st.clone()));
        // A group or consumer name that is an integer is saved as one.
        assert!(p.windows(3).any(|w| w == b"\xc1\x39\x30"));
        // Empty streams, and one with nothing but deleted entries, too.
        let mut gone = appended(&[(7, 7)]);
        gone.delete(StreamId::new(7, 7));
        for st in [Stream::default(), gone] {
            let v = Value::Stream(Box::new(st));
            assert_eq!(restore(&dump(&v).unwrap()).unwrap(), v);
        }
    }

    /// The body of a type-19 payload as type 15 writes it: no first ID,
    /// greatest deleted ID, entries-added or entries-read counters.
    #[test]
    fn old_streams_load_with_derived_counters() {
        // No nodes, length 0, last ID 5-0, no groups.
        let Value::Stream(st) = restore(&seal(b"\x0f\x00\x00\x05\x00\x00".to_vec())).unwrap()
        else {
            panic!("not a stream");
        };
        assert_eq!(
            (st.first_id, st.last_id),
            (StreamId::MAX, StreamId::new(5, 0))
        );
        let mut body = vec![TYPE_STREAM_LISTPACKS, 1];
        let st = appended(&[(1, 0), (2, 0)]);
        save_string(&mut body, &st.nodes[0].master.key_bytes());
        save_string(&mut body, &stream_listpack(&st.nodes[0]));
        body.extend_from_slice(b"\x02\x02\x00\x01\x01g\x01\x00\x00\x00");
        let Value::Stream(got) = restore(&seal(body)).unwrap() else {
            panic!("not a stream");
        };
        assert_eq!((got.entries_added, got.first_id), (2, StreamId::new(1, 0)));
        assert_eq!(got.groups[&s("g")].entries_read, 1);
    }

    #[test]
    fn bad_streams_are_refused() {
        let good = {
            let d = dump(&Value::Stream(Box::new(grouped()))).unwrap();
            d[..d.len() - 10].to_vec()
        };
        assert!(restore(&seal(good.clone())).is_ok());
        let st = appended(&[(1, 0)]);
        let lp = stream_listpack(&st.nodes[0]);
        let node = |key: &[u8], lp: &[u8]| {
            let mut b = vec![TYPE_STREAM_LISTPACKS_2, 1];
            save_string(&mut b, key);
            save_string(&mut b, lp);
            b.extend_from_slice(b"\x01\x01\x00\x01\x00\x00\x00\x01\x00");
            b
        };
        let key = st.nodes[0].master.key_bytes();
        assert!(restore(&seal(node(&key, &lp))).is_ok());
        let mut short_header = lp.clone();
        short_header[0] += 1;
        let mut bad_count = lp.clone();
        bad_count[6] = 2; // two live entries claimed
        for body in [
            node(&key[..15], &lp),
            node(&key, &short_header),
            node(&key, b"\x07\x00\x00\x00\x00\x00\xff"), // empty listpack
            node(&key, &bad_count),
            node(&StreamId::new(2, 0).key_bytes(), &lp), // entry below its master
        ] {
            assert_eq!(restore(&seal(body)), Err(RdbError::BadData));
        }
        // The same node twice.
        let mut twice = vec![TYPE_STREAM_LISTPACKS_2, 2];
        for _ in 0..2 {
            save_string(&mut twice, &key);
            save_string(&mut twice, &lp);
        }
        twice.extend_from_slice(b"\x01\x01\x00\x01\x00\x00\x00\x01\x00");
        assert_eq!(restore(&seal(twice)), Err(RdbError::BadData));
        // Nodes out of key order.
        let limits = crate::stream::NodeLimits {
            entries: 1,
            ..Default::default()
        };
        let mut split = Stream::default();
        for ms in [1, 2] {
            let f = fields(&[("a", "1")]);
            split
                .append(f, Some((StreamId::new(ms, 0), true)), 0, limits)
                .unwrap();
        }
        assert_eq!(split.nodes.len(), 2);
        let mut swapped = vec![TYPE_STREAM_LISTPACKS_2, 2];
        for n in split.nodes.iter().rev() {
            save_string(&mut swapped, &n.master.key_bytes());
            save_string(&mut swapped, &stream_listpack(n));
        }
        swapped.extend_from_slice(b"\x02\x02\x00\x01\x00\x00\x00\x02\x00");
        assert_eq!(restore(&seal(swapped)), Err(RdbError::BadData));
        // A pending entry two consumers own, or none.
        let mut st = grouped();
        let g = st.groups.get_mut(&s("g1")).unwrap();
        g.consumers
            .get_mut(&s("alice")[..])
            .unwrap()
            .pel
            .insert(StreamId::new(1, 0));
        assert_eq!(
            restore(&dump(&Value::Stream(Box::new(st))).unwrap()),
            Err(RdbError::BadData)
        );
        let mut st = grouped();
        let g = st.groups.get_mut(&s("g1")).unwrap();
        g.consumers.get_mut(&s("alice")[..]).unwrap().pel.clear();
        assert_eq!(
            restore(&dump(&Value::Stream(Box::new(st))).unwrap()),
            Err(RdbError::BadData)
        );
    }

    /// Every truncation and many byte flips of valid payloads (CRC fixed
    /// up, so the loader sees them) give a value or an error, not a panic.
    #[test]
    fn damaged_payloads_never_panic() {
        let values = [
            Value::Str(s("hello")),
            Value::Str(vec![b'q'; 64]),
            Value::List((0..400).map(|i| format!("{i}-{i}").into_bytes()).collect()),
            Value::Set(vec![s("1"), s("300"), s("70000")]),
            Value::Set(vec![s("a"), s("b")]),
            Value::Hash(vec![(s("f"), s("1")), (s("g"), vec![b'v'; 30])]),
            Value::Hash(
                (0..600)
                    .map(|i| (format!("f{i}").into_bytes(), s("v")))
                    .collect(),
            ),
            Value::ZSet(vec![(1.5, s("a")), (2.0, s("b"))]),
            Value::Stream(Box::new(grouped())),
            Value::Stream(Box::new(appended(
                &(1..=130).map(|i| (i * 7, i % 2)).collect::<Vec<_>>(),
            ))),
            Value::ZSet(
                (0..130)
                    .map(|i| (f64::from(i), format!("m{i}").into_bytes()))
                    .collect(),
            ),
        ];
        let mut bodies: Vec<Vec<u8>> = values
            .iter()
            .map(|v| {
                let d = dump(v).unwrap();
                d[..d.len() - 10].to_vec()
            })
            .collect();
        let mut lp = Listpack::new();
        lp.push(b"c");
        lp.push(b"5");
        let mut plain = vec![TYPE_LIST_QUICKLIST_2, 2, 1];
        save_string(&mut plain, b"a plain node");
        plain.push(2);
        save_string(&mut plain, &lp.finish());
        let mut quicklist = vec![TYPE_LIST_QUICKLIST, 2];
        save_string(&mut quicklist, &ziplist(&["a", "1"]));
        save_string(&mut quicklist, &ziplist(&["bcd", "300"]));
        bodies.extend([
            plain,
            quicklist,
            encoded(TYPE_LIST_ZIPLIST, &ziplist(&["a", "5", "300", "xyz"])),
            encoded(TYPE_ZSET_ZIPLIST, &ziplist(&["m", "1.5", "n", "2"])),
            encoded(TYPE_HASH_ZIPLIST, &ziplist(&["f", "v", "g", "7"])),
            encoded(
                TYPE_HASH_ZIPMAP,
                b"\x02\x01f\x01\x01v\x00\x01g\x02\x00ab\xff",
            ),
            b"\x01\x02\x01a\xc0\x05".to_vec(),
            b"\x03\x02\x01a\x031.5\x01b\xfe".to_vec(),
        ]);
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rand = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for b in &bodies {
            assert!(restore(&seal(b.clone())).is_ok(), "{b:?}");
            for cut in 0..b.len() {
                let _ = restore(&seal(b[..cut].to_vec()));
            }
            for _ in 0..2000 {
                let mut damaged = b.clone();
                for _ in 0..1 + rand() % 3 {
                    let at = (rand() as usize) % damaged.len();
                    damaged[at] = rand() as u8;
                }
                let _ = restore(&seal(damaged));
            }
        }
        for _ in 0..3000 {
            let len = (rand() % 40) as usize;
            let junk: Vec<u8> = (0..len).map(|_| rand() as u8).collect();
            let _ = restore(&seal(junk));
        }
    }
}
