//! Generic keyspace commands beyond DEL/EXISTS/EXPIRE (db.c, expire.c,
//! object.c in Redis 7.0), and the SCAN-family option parsing.

use super::data::{err, int_arg, Argv, SYNTAX};
use crate::keyspace::{Keyspace, Value, UNIX_MS_AT_START};
use crate::reply::Reply;

pub fn run(name: &str, db: &mut Keyspace, now: u64, argv: &Argv) -> Option<Result<Reply, Reply>> {
    Some(match name {
        "copy" => copy(db, now, argv),
        "expiretime" | "pexpiretime" => Ok(expire_time(name == "pexpiretime", db, now, &argv[1])),
        "object|refcount" => Ok(match db.peek_entry(&argv[2], now) {
            None => Reply::Nil,
            Some(e) => Reply::Integer(refcount(&e.value)),
        }),
        "object|idletime" => Ok(match db.peek_entry(&argv[2], now) {
            None => Reply::Nil,
            Some(e) => Reply::Integer((now.wrapping_sub(e.accessed) / 1000) as i64),
        }),
        "object|freq" => Ok(match db.peek_entry(&argv[2], now) {
            None => Reply::Nil,
            // maxmemory-policy is noeviction by default: no LFU counters.
            Some(_) => Reply::Error("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.".into()),
        }),
        "object|help" => Ok(object_help()),
        "sort" | "sort_ro" => sort(name == "sort_ro", db, now, argv),
        _ => return None,
    })
}

/// SORT / SORT_RO (sort.c): numeric or ALPHA, ASC/DESC, LIMIT, STORE; BY
/// and GET with a pattern read other keys, which a cluster refuses.
fn sort(read_only: bool, db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let (mut desc, mut alpha, mut dont_sort) = (false, false, false);
    let mut limit: Option<(i64, i64)> = None;
    let mut store: Option<Vec<u8>> = None;
    let mut j = 2;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let a = &argv[j];
        if a.eq_ignore_ascii_case(b"asc") {
            desc = false;
        } else if a.eq_ignore_ascii_case(b"desc") {
            desc = true;
        } else if a.eq_ignore_ascii_case(b"alpha") {
            alpha = true;
        } else if a.eq_ignore_ascii_case(b"limit") && left >= 2 {
            limit = Some((int_arg(&argv[j + 1])?, int_arg(&argv[j + 2])?));
            j += 2;
        } else if a.eq_ignore_ascii_case(b"store") && left >= 1 && !read_only {
            store = Some(argv[j + 1].clone());
            j += 1;
        } else if a.eq_ignore_ascii_case(b"by") && left >= 1 {
            if !argv[j + 1].contains(&b'*') {
                dont_sort = true;
            } else {
                return Err(err("ERR BY option of SORT denied in Cluster mode."));
            }
            j += 1;
        } else if a.eq_ignore_ascii_case(b"get") && left >= 1 {
            return Err(err("ERR GET option of SORT denied in Cluster mode."));
        } else {
            return Err(err(SYNTAX));
        }
        j += 1;
    }
    let (mut items, is_set): (Vec<Vec<u8>>, bool) = match db.get(&argv[1], now).map(|e| &e.value) {
        None => (Vec::new(), false),
        Some(Value::List(l)) => (l.iter().cloned().collect(), false),
        // A set in its own order: an intset is sorted (set_reply).
        Some(Value::Set(s)) => (
            super::data::set_reply(s)
                .into_iter()
                .filter_map(|r| match r {
                    Reply::Bulk(b) => Some(b),
                    _ => None,
                })
                .collect(),
            true,
        ),
        Some(Value::ZSet(z)) => (z.iter().map(|(_, m)| m.clone()).collect(), false),
        Some(_) => return Err(err(super::data::WRONGTYPE)),
    };
    // A set stored or sorted "by nothing" is sorted anyway, for determinism.
    if dont_sort && is_set && store.is_some() {
        dont_sort = false;
        alpha = true;
    }
    if !dont_sort {
        if alpha {
            crate::order::sort_by(&mut items, Ord::cmp);
        } else {
            let mut scored = Vec::with_capacity(items.len());
            for item in items {
                let score = std::str::from_utf8(&item)
                    .ok()
                    .filter(|t| !t.is_empty() && t.trim() == *t)
                    .and_then(|t| t.parse::<f64>().ok())
                    .filter(|d| !d.is_nan())
                    .ok_or_else(|| err("ERR One or more scores can't be converted into double"))?;
                scored.push((score, item));
            }
            crate::order::sort_by(&mut scored, |a, b| {
                a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1))
            });
            items = scored.into_iter().map(|(_, i)| i).collect();
        }
        if desc {
            items.reverse();
        }
    }
    if let Some((start, count)) = limit {
        let len = items.len() as i64;
        let mut start = start.max(0);
        let mut end = if count < 0 {
            len - 1
        } else {
            start + count - 1
        };
        if start >= len {
            start = len - 1;
            end = len - 2;
        }
        end = end.min(len - 1);
        items = if start <= end && start >= 0 {
            items[start as usize..=end as usize].to_vec()
        } else {
            Vec::new()
        };
    }
    if let Some(dst) = store {
        let n = items.len();
        if n == 0 {
            db.remove(&dst, now);
        } else {
            db.set(
                &dst,
                Value::List(items.into_iter().collect()),
                None,
                false,
                now,
            );
        }
        return Ok(Reply::Integer(n as i64));
    }
    Ok(Reply::Array(items.into_iter().map(Reply::Bulk).collect()))
}

/// Integers 0..9999 are shared objects in Redis (`OBJ_SHARED_INTEGERS`),
/// whose refcount is pinned at INT_MAX.
fn refcount(value: &Value) -> i64 {
    match value {
        Value::Str(s) => match crate::keyspace::parse_i64(s) {
            Some(n) if (0..10_000).contains(&n) => i64::from(i32::MAX),
            _ => 1,
        },
        _ => 1,
    }
}

fn copy(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let mut replace = false;
    let mut other_db = false;
    let mut j = 3;
    while j < argv.len() {
        if argv[j].eq_ignore_ascii_case(b"replace") {
            replace = true;
        } else if argv[j].eq_ignore_ascii_case(b"db") && j + 1 < argv.len() {
            match crate::keyspace::parse_i64(&argv[j + 1]) {
                Some(n) if (0..16).contains(&n) => other_db |= n != 0,
                _ => return Err(err("ERR DB index is out of range")),
            }
            j += 1;
        } else {
            return Err(err(SYNTAX));
        }
        j += 1;
    }
    if other_db {
        return Err(err(
            "ERR Copying to another database is not allowed in cluster mode",
        ));
    }
    if argv[1] == argv[2] {
        return Err(err("ERR source and destination objects are the same"));
    }
    let Some(entry) = db.get(&argv[1], now).cloned() else {
        return Ok(Reply::Integer(0));
    };
    if db.contains(&argv[2], now) {
        if !replace {
            return Ok(Reply::Integer(0));
        }
        db.remove(&argv[2], now);
    }
    // The object itself moves (RENAME) or is duplicated (COPY): its
    // encoding goes with it.
    let converted = entry.converted;
    // `dupStringObject()` copies a raw string into an sds of exactly its
    // length, whatever room the original had grown.
    let copied_sds = match &entry.value {
        Value::Str(s) => Some(super::memory::new_sds(s.len())),
        _ => None,
    };
    db.set(&argv[2], entry.value, entry.expire_at, false, now);
    if converted {
        db.mark_converted(&argv[2]);
    }
    db.set_sds(&argv[2], copied_sds);
    Ok(Reply::Integer(1))
}

/// EXPIRETIME / PEXPIRETIME: the absolute Unix time of expiry.
fn expire_time(ms: bool, db: &mut Keyspace, now: u64, key: &[u8]) -> Reply {
    match db.get(key, now) {
        None => Reply::Integer(-2),
        Some(e) => match e.expire_at {
            None => Reply::Integer(-1),
            Some(at) => {
                let unix = at as i64 + UNIX_MS_AT_START;
                Reply::Integer(if ms { unix } else { (unix + 500) / 1000 })
            }
        },
    }
}

fn object_help() -> Reply {
    let lines = [
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    ];
    Reply::Array(lines.iter().map(|l| Reply::Status(l.to_string())).collect())
}

/// A SCAN cursor (`parseScanCursorOrReply()`).
pub fn cursor(arg: &[u8]) -> Result<u64, Reply> {
    std::str::from_utf8(arg)
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or_else(|| err("ERR invalid cursor"))
}

/// `[ "0", [] ]`: what HSCAN and friends answer for a missing key.
pub fn empty_scan() -> Reply {
    Reply::Array(vec![Reply::bulk("0"), Reply::Array(Vec::new())])
}

pub struct ScanOptions {
    pub pattern: Vec<u8>,
    pub count: i64,
    pub type_name: Option<String>,
}

/// SCAN's options from `start` (`scanGenericCommand()`): COUNT n (≥ 1),
/// MATCH pattern, and TYPE t for the keyspace only.
pub fn scan_options(argv: &Argv, start: usize, allow_type: bool) -> Result<ScanOptions, Reply> {
    let mut options = ScanOptions {
        pattern: b"*".to_vec(),
        count: 10,
        type_name: None,
    };
    let mut i = start;
    while i < argv.len() {
        let two = i + 1 < argv.len();
        if argv[i].eq_ignore_ascii_case(b"count") && two {
            options.count = int_arg(&argv[i + 1])?;
            if options.count < 1 {
                return Err(err(SYNTAX));
            }
        } else if argv[i].eq_ignore_ascii_case(b"match") && two {
            options.pattern = argv[i + 1].clone();
        } else if argv[i].eq_ignore_ascii_case(b"type") && allow_type && two {
            options.type_name = Some(String::from_utf8_lossy(&argv[i + 1]).into_owned());
        } else {
            return Err(err(SYNTAX));
        }
        i += 2;
    }
    Ok(options)
}
