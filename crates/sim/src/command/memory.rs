//! MEMORY USAGE (object.c `objectComputeSize()` in Redis 7.0): what a key
//! costs, counted as Redis counts it — the structures' sizes on a 64-bit
//! build and what jemalloc hands out for each allocation (its size
//! classes: 8, then steps of 16 up to 128, then four classes per doubling).
//! Collections are measured from up to `samples` elements (5 by default)
//! and scaled, as Redis does.
//!
//! What it cannot know: the spare room an sds grew (APPEND, SETRANGE) or a
//! listpack kept; a skiplist node's random height (one level is assumed).

use super::data::{eq_ignore_case, err, Argv, SYNTAX};
use crate::keyspace::{Entry, Keyspace, SdsAlloc, Value};
use crate::reply::Reply;
use crate::stream::{rax_nodes_of, Stream};

const ROBJ: usize = 16;
/// In cluster mode each key's dict entry carries the links of its slot's
/// key list (`clusterDictEntryMetadata`: two pointers), counted too.
const CLUSTER_ENTRY_METADATA: usize = 16;
const DICT_ENTRY: usize = 24;
const DICT: usize = 56;
const QUICKLIST: usize = 40;
const QUICKLIST_NODE: usize = 40;
const ZSET: usize = 16;
const ZSKIPLIST: usize = 32;
/// A skiplist node with one level: element, score, backward, one level.
const ZSKIPLIST_NODE_1: usize = 24 + 16;
/// The header node: ZSKIPLIST_MAXLEVEL (32) levels.
const ZSKIPLIST_HEADER: usize = 24 + 32 * 16;
const STREAM: usize = 80;
/// `sizeof(streamCG)` in 7.0: last ID, entries read, PEL and consumers.
const STREAM_CG: usize = 40;
const STREAM_NACK: usize = 24;
/// `sizeof(streamConsumer)` in 7.0: seen time, name and PEL pointers (7.2
/// adds an active time).
const STREAM_CONSUMER: usize = 24;

pub fn run(name: &str, db: &mut Keyspace, now: u64, argv: &Argv) -> Option<Result<Reply, Reply>> {
    Some(match name {
        "memory|usage" => usage(db, now, argv),
        _ => return None,
    })
}

/// The allocation jemalloc makes for `n` bytes.
pub fn jemalloc(n: usize) -> usize {
    if n <= 8 {
        return 8;
    }
    if n <= 128 {
        return n.div_ceil(16) * 16;
    }
    let k = usize::BITS - 1 - (n - 1).leading_zeros();
    let step = 1usize << (k - 2);
    n.div_ceil(step) * step
}

/// An sds string of `len` bytes as `sdsnewlen` allocates it (header by
/// length, the bytes, a terminating zero).
pub fn sds(len: usize) -> usize {
    jemalloc(sds_header(len) + len + 1)
}

/// The header of the sds Redis makes for a string of `len` bytes
/// (`sdsReqType()`: type 5, 8, 16 or 64 by length).
pub(super) fn sds_header(len: usize) -> usize {
    match len {
        0..=31 => 1,
        32..=255 => 3,
        256..=65_535 => 5,
        _ => 9,
    }
}

/// The most an sds of this header can say it holds (`sdsTypeMaxSize()`).
pub(super) fn sds_type_max(header: usize) -> usize {
    match header {
        1 => 31,
        3 => 255,
        5 => 65_535,
        _ => usize::MAX,
    }
}

/// `sdsnewlen()` of `len` bytes as a record (see `Entry::sds`): the
/// allocation's spare bytes are its room, except in a type 5 header,
/// which records none.
pub fn new_sds(len: usize) -> SdsAlloc {
    let header = sds_header(len);
    let size = jemalloc(header + len + 1);
    let alloc = if header == 1 {
        len
    } else {
        (size - header - 1).min(sds_type_max(header))
    };
    SdsAlloc { len, alloc, size }
}

/// An sds grown in place (APPEND, SETRANGE, SETBIT: `sdsMakeRoomFor()`):
/// never the 1-byte header, and room for as much again below 1 MB — as
/// after one growth; more growths leave other spare room.
fn grown_sds(len: usize) -> usize {
    const MB: usize = 1024 * 1024;
    let room = if len < MB { len * 2 } else { len + MB };
    let header = match room {
        0..=255 => 3,
        256..=65_535 => 5,
        _ => 9,
    };
    jemalloc(header + room + 1)
}

/// MEMORY USAGE key [SAMPLES count].
fn usage(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let mut samples: i64 = 5;
    let mut j = 3;
    while j < argv.len() {
        if eq_ignore_case(&argv[j], "samples") && j + 1 < argv.len() {
            samples = super::data::int_arg(&argv[j + 1])?;
            if samples < 0 {
                return Err(err(SYNTAX));
            }
            if samples == 0 {
                samples = i64::MAX;
            }
            j += 2;
        } else {
            return Err(err(SYNTAX));
        }
    }
    let key = &argv[2];
    let fill = db.encodings().list_max_listpack_size;
    let Some(entry) = db.peek_entry(key, now) else {
        return Ok(Reply::Nil);
    };
    let size = entry_size(entry, samples as usize, fill)
        + sds(key.len())
        + DICT_ENTRY
        + CLUSTER_ENTRY_METADATA;
    Ok(Reply::Integer(size as i64))
}

/// What MEMORY USAGE answers for `key` (0 if it is missing).
pub fn key_usage(db: &mut Keyspace, now: u64, key: &[u8]) -> usize {
    let fill = db.encodings().list_max_listpack_size;
    match db.peek_entry(key, now) {
        None => 0,
        Some(e) => entry_size(e, 5, fill) + sds(key.len()) + DICT_ENTRY + CLUSTER_ENTRY_METADATA,
    }
}

/// The value's size: a raw string's sds as recorded where it is known
/// (see `Entry::sds`), else as its encoding and history imply.
fn entry_size(e: &Entry, samples: usize, fill: i64) -> usize {
    match (&e.value, e.sds) {
        (Value::Str(s), Some(alloc)) if alloc.len == s.len() && e.encoding() == "raw" => {
            ROBJ + alloc.size
        }
        _ => object_size(&e.value, e.encoding(), e.converted, samples, fill),
    }
}

/// Average of `f` over the first `samples` of `items`, times their count.
fn sampled<T>(items: &[T], samples: usize, f: impl Fn(&T) -> usize) -> usize {
    let n = items.len().min(samples);
    if n == 0 {
        return 0;
    }
    let total: usize = items[..n].iter().map(f).sum();
    (total as f64 / n as f64 * items.len() as f64) as usize
}

/// The buckets of a dict holding `n` entries (a power of two, at least 4).
fn dict_slots(n: usize) -> usize {
    super::scan::table_size(n) as usize
}

/// `fill`: `list-max-listpack-size`, which lays out a list's nodes.
fn object_size(value: &Value, encoding: &str, converted: bool, samples: usize, fill: i64) -> usize {
    match value {
        Value::Str(s) => match encoding {
            "int" => ROBJ,
            // The object and its sds in one allocation.
            "embstr" => jemalloc(ROBJ + 3 + s.len() + 1),
            _ if converted => ROBJ + grown_sds(s.len()),
            _ => ROBJ + sds(s.len()),
        },
        Value::List(items) => {
            let nodes = crate::rdb::list_node_sizes(items, fill);
            ROBJ + QUICKLIST + sampled(&nodes, samples, |bytes| QUICKLIST_NODE + jemalloc(*bytes))
        }
        Value::Hash(pairs) if encoding == "listpack" => {
            ROBJ + jemalloc(crate::rdb::listpack_len(
                pairs.iter().flat_map(|(f, v)| [f.as_slice(), v.as_slice()]),
            ))
        }
        Value::Hash(pairs) => {
            ROBJ + DICT
                + 8 * dict_slots(pairs.len())
                + sampled(pairs, samples, |(f, v)| {
                    DICT_ENTRY + sds(f.len()) + sds(v.len())
                })
        }
        Value::Set(members) if encoding == "intset" => {
            ROBJ + jemalloc(crate::rdb::intset_len(members))
        }
        Value::Set(members) => {
            ROBJ + DICT
                + 8 * dict_slots(members.len())
                + sampled(members, samples, |m| DICT_ENTRY + sds(m.len()))
        }
        Value::ZSet(z) if encoding == "listpack" => {
            let scores: Vec<Vec<u8>> = z
                .iter()
                .map(|(s, _)| crate::rdb::listpack_score_entry(*s))
                .collect();
            let flat = z
                .iter()
                .zip(&scores)
                .flat_map(|((_, m), s)| [m.as_slice(), s.as_slice()]);
            ROBJ + jemalloc(crate::rdb::listpack_len(flat))
        }
        Value::ZSet(z) => {
            ROBJ + ZSET
                + ZSKIPLIST
                + DICT
                + 8 * dict_slots(z.len())
                + jemalloc(ZSKIPLIST_HEADER)
                + sampled(z, samples, |(_, m)| {
                    sds(m.len()) + DICT_ENTRY + jemalloc(ZSKIPLIST_NODE_1)
                })
        }
        Value::Stream(s) => ROBJ + STREAM + stream_size(s, samples),
    }
}

/// `streamRadixTreeMemoryUsage()`: Redis's own estimate of a radix tree.
fn rax_usage(elements: usize, nodes: usize) -> usize {
    elements * 16 + nodes * 4 + nodes * 8 * 30
}

fn stream_size(s: &Stream, samples: usize) -> usize {
    let mut size = rax_usage(s.rax_keys(), s.rax_nodes());
    // "The last listpack is often non complete, so we estimate the size of
    // the first N listpacks, and use the average to compute the size of the
    // first N-1 listpacks, and finally add the real size of the last node."
    // Sizes are allocations: a new node is over-provisioned.
    let n = s.nodes.len().min(samples);
    let sum: usize = s.nodes[..n].iter().map(|node| node.alloc).sum();
    if s.nodes.len() <= n {
        size += sum;
    } else if let Some(last) = s.nodes.last() {
        size += sum / n.max(1) * (s.nodes.len() - 1) + last.alloc;
    }
    for g in s.groups.values() {
        size += STREAM_CG;
        size += rax_usage(g.pel.len(), rax_nodes_of(g.pel.keys().copied()));
        size += STREAM_NACK * g.pel.len();
        for (name, c) in &g.consumers {
            // "asize += sdslen(consumer->name);": the bytes, not the sds.
            size += STREAM_CONSUMER + name.len();
            size += rax_usage(c.pel.len(), rax_nodes_of(c.pel.iter().copied()));
        }
    }
    size
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jemalloc_classes() {
        let got: Vec<usize> = [1, 8, 9, 17, 25, 33, 128, 129, 161, 257, 513, 4096, 4097]
            .iter()
            .map(|&n| jemalloc(n))
            .collect();
        assert_eq!(
            got,
            [8, 8, 16, 32, 32, 48, 128, 160, 192, 320, 640, 4096, 5120]
        );
    }
}
