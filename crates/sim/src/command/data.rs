//! Commands that read or change one node's keyspace: strings, keys, hashes,
//! lists, sets, sorted sets. They see only the db, the clock and the
//! protocol, so a replica applies a master's writes with the same code.
//! Error texts are Redis 7.0's, byte for byte.

use std::collections::VecDeque;

use crate::keyspace::{parse_i64, Keyspace, Value};
use crate::reply::{Protocol, Reply};

pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
pub const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
pub const NOT_FLOAT: &str = "ERR value is not a valid float";
pub const SYNTAX: &str = "ERR syntax error";
pub const OVERFLOW: &str = "ERR increment or decrement would overflow";

pub(super) type Argv = [Vec<u8>];

pub(super) fn err(text: &str) -> Reply {
    Reply::Error(text.to_string())
}

pub(super) fn int_arg(arg: &[u8]) -> Result<i64, Reply> {
    parse_i64(arg).ok_or_else(|| err(NOT_INTEGER))
}

pub(super) fn eq_ignore_case(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

/// Redis's `%.17g` rendering of a double (`addReplyDouble` in 7.0).
pub fn format_double(d: f64) -> String {
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if d == 0.0 {
        return if d.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{d:.16e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..17).contains(&exp) {
        let m = trim_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{m}e{sign}{:02}", exp.abs());
    }
    let decimals = (16 - exp).max(0) as usize;
    trim_zeros(&format!("{d:.decimals$}")).to_string()
}

pub(super) fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// A double argument (`getDoubleFromObject()`): no spaces, `inf`/`-inf`,
/// never NaN. Every command that takes a float reads it here.
pub(super) fn parse_double(arg: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(arg).ok()?;
    let d = match s.to_ascii_lowercase().as_str() {
        "inf" | "+inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        _ if s.is_empty() || s.trim() != s => return None,
        _ => s.parse().ok()?,
    };
    (!d.is_nan()).then_some(d)
}

pub(super) fn double_reply(d: f64, proto: Protocol) -> Reply {
    match proto {
        Protocol::Resp3 => Reply::Double(format_double(d)),
        Protocol::Resp2 => Reply::bulk(format_double(d)),
    }
}

/// The answer of a real command whose execution Slotscope does not model.
pub fn not_simulated(name: &str) -> Reply {
    Reply::Error(format!(
        "ERR Slotscope does not simulate '{name}' (a real Redis command; see the README's list)"
    ))
}

/// Runs a keyspace command. `name` is the table name (lower case).
pub fn run(name: &str, db: &mut Keyspace, now: u64, proto: Protocol, argv: &Argv) -> Reply {
    let result = match name {
        "get" => get(db, now, argv),
        "set" => set(db, now, argv),
        "setnx" => setnx(db, now, argv),
        "getset" => getset(db, now, argv),
        "getdel" => getdel(db, now, argv),
        "mget" => Ok(Reply::Array(
            argv[1..]
                .iter()
                .map(|k| match db.get(k, now) {
                    Some(e) => match &e.value {
                        Value::Str(s) => Reply::bulk(s.clone()),
                        _ => Reply::Nil,
                    },
                    None => Reply::Nil,
                })
                .collect(),
        )),
        "mset" | "msetnx" => mset(name, db, now, argv),
        "append" => append(db, now, argv),
        "strlen" => strlen(db, now, argv),
        "incr" => incr_by(db, now, &argv[1], 1),
        "decr" => incr_by(db, now, &argv[1], -1),
        "incrby" => int_arg(&argv[2]).and_then(|n| incr_by(db, now, &argv[1], n)),
        "decrby" => int_arg(&argv[2]).and_then(|n| match n.checked_neg() {
            Some(neg) => incr_by(db, now, &argv[1], neg),
            None => Err(err("ERR decrement would overflow")),
        }),
        // UNLINK frees memory in the background in Redis; here it is DEL.
        "del" | "unlink" => Ok(Reply::Integer(
            argv[1..]
                .iter()
                .filter(|k| db.remove(k, now).is_some())
                .count() as i64,
        )),
        // TOUCH only updates access times: it counts what exists, as EXISTS.
        "exists" | "touch" => Ok(Reply::Integer(
            argv[1..].iter().filter(|k| db.contains(k, now)).count() as i64,
        )),
        "type" => Ok(Reply::Status(
            db.get(&argv[1], now)
                .map_or("none", |e| e.value.type_name())
                .to_string(),
        )),
        "expire" | "pexpire" | "expireat" | "pexpireat" => expire(name, db, now, argv),
        "ttl" => Ok(ttl(db, now, &argv[1], 1000)),
        "pttl" => Ok(ttl(db, now, &argv[1], 1)),
        "persist" => Ok(persist(db, now, &argv[1])),
        "rename" | "renamenx" => rename(name == "renamenx", db, now, argv),
        "keys" => Ok(keys(db, now, &argv[1])),
        "scan" => scan(db, now, argv),
        "dbsize" => {
            db.expire_all(now);
            Ok(Reply::Integer(db.len() as i64))
        }
        "flushall" | "flushdb" => flush(db, argv),
        "object|encoding" => Ok(match db.peek_entry(&argv[2], now) {
            Some(e) => Reply::bulk(e.encoding()),
            None => Reply::Nil,
        }),
        "hset" => hset(db, now, argv),
        "hget" => with_hash(db, now, &argv[1], |h| {
            h.iter()
                .find(|(f, _)| *f == argv[2])
                .map_or(Reply::Nil, |(_, v)| Reply::bulk(v.clone()))
        }),
        "hmget" => with_hash(db, now, &argv[1], |h| {
            Reply::Array(
                argv[2..]
                    .iter()
                    .map(|f| {
                        h.iter()
                            .find(|(hf, _)| hf == f)
                            .map_or(Reply::Nil, |(_, v)| Reply::bulk(v.clone()))
                    })
                    .collect(),
            )
        }),
        "hgetall" => with_hash(db, now, &argv[1], |h| {
            Reply::Map(
                h.iter()
                    .map(|(f, v)| (Reply::bulk(f.clone()), Reply::bulk(v.clone())))
                    .collect(),
            )
        }),
        "hkeys" => with_hash(db, now, &argv[1], |h| {
            Reply::Array(h.iter().map(|(f, _)| Reply::bulk(f.clone())).collect())
        }),
        "hvals" => with_hash(db, now, &argv[1], |h| {
            Reply::Array(h.iter().map(|(_, v)| Reply::bulk(v.clone())).collect())
        }),
        "hlen" => with_hash(db, now, &argv[1], |h| Reply::Integer(h.len() as i64)),
        "hexists" => with_hash(db, now, &argv[1], |h| {
            Reply::Integer(i64::from(h.iter().any(|(f, _)| *f == argv[2])))
        }),
        "hdel" => hdel(db, now, argv),
        "lpush" | "rpush" => push(name == "lpush", true, db, now, argv),
        // The X forms push only onto a list that exists.
        "lpushx" | "rpushx" => push(name == "lpushx", false, db, now, argv),
        "lpop" | "rpop" => pop(name == "lpop", db, now, argv),
        "llen" => with_list(db, now, &argv[1], |l| Reply::Integer(l.len() as i64)),
        "lrange" => lrange(db, now, argv),
        "sadd" => sadd(db, now, argv),
        "srem" => srem(db, now, argv),
        "smembers" => with_set(db, now, &argv[1], |s| Reply::Set(set_reply(s))),
        "scard" => with_set(db, now, &argv[1], |s| Reply::Integer(s.len() as i64)),
        "sismember" => with_set(db, now, &argv[1], |s| {
            Reply::Integer(i64::from(s.contains(&argv[2])))
        }),
        "sinter" | "sunion" => {
            set_op(name == "sinter", db, now, &argv[1..]).map(|m| Reply::Set(set_reply(&m)))
        }
        "sinterstore" | "sunionstore" => {
            set_op(name == "sinterstore", db, now, &argv[2..]).map(|members| {
                let n = members.len() as i64;
                if members.is_empty() {
                    db.remove(&argv[1], now);
                } else {
                    db.set(&argv[1], Value::Set(members), None, false, now);
                }
                Reply::Integer(n)
            })
        }
        "zadd" => zadd(db, now, proto, argv),
        "zscore" => with_zset(db, now, &argv[1], |z| {
            z.iter()
                .find(|(_, m)| *m == argv[2])
                .map_or(Reply::Nil, |(s, _)| double_reply(*s, proto))
        }),
        "zcard" => with_zset(db, now, &argv[1], |z| Reply::Integer(z.len() as i64)),
        other => super::strings::run(other, db, now, proto, argv)
            .or_else(|| super::lists::run(other, db, now, argv))
            .or_else(|| super::hashes::run(other, db, now, proto, argv))
            .or_else(|| super::sets::run(other, db, now, argv))
            .or_else(|| super::sorted_sets::run(other, db, now, proto, argv))
            .or_else(|| super::keys::run(other, db, now, argv))
            .or_else(|| super::hyperloglog::run(other, db, now, argv))
            .or_else(|| super::geo::run(other, db, now, proto, argv))
            .or_else(|| super::streams::run(other, db, now, proto, argv))
            .or_else(|| super::random_picks::run(other, db, now, proto, argv))
            .or_else(|| super::bitmaps::run(other, db, now, argv))
            .or_else(|| super::dump::run(other, db, now, argv))
            .or_else(|| super::memory::run(other, db, now, argv))
            .unwrap_or_else(|| Err(not_simulated(other))),
    };
    result.unwrap_or_else(|e| e)
}

fn get(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    match db.get(&argv[1], now) {
        None => Ok(Reply::Nil),
        Some(e) => match &e.value {
            Value::Str(s) => Ok(Reply::bulk(s.clone())),
            _ => Err(err(WRONGTYPE)),
        },
    }
}

/// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL]
fn set(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let (mut nx, mut xx, mut want_get, mut keep_ttl) = (false, false, false, false);
    let mut expire: Option<(&str, &[u8])> = None;
    let mut i = 3;
    while i < argv.len() {
        let a = &argv[i];
        let has_next = i + 1 < argv.len();
        if eq_ignore_case(a, "nx") && !xx {
            nx = true;
        } else if eq_ignore_case(a, "xx") && !nx {
            xx = true;
        } else if eq_ignore_case(a, "get") {
            want_get = true;
        } else if eq_ignore_case(a, "keepttl") && expire.is_none() {
            keep_ttl = true;
        } else if let Some(unit) = ["ex", "px", "exat", "pxat"]
            .into_iter()
            .find(|u| eq_ignore_case(a, u))
            .filter(|_| has_next && expire.is_none() && !keep_ttl)
        {
            expire = Some((unit, &argv[i + 1]));
            i += 1;
        } else {
            return Err(err(SYNTAX));
        }
        i += 1;
    }
    let expire_at = match expire {
        None => None,
        Some((unit, arg)) => {
            let n = int_arg(arg)?;
            if n <= 0 {
                return Err(err("ERR invalid expire time in 'set' command"));
            }
            let at = match unit {
                "ex" => (now as i64).checked_add(n.saturating_mul(1000)),
                "px" => (now as i64).checked_add(n),
                "exat" => n
                    .checked_mul(1000)
                    .map(|ms| ms - crate::keyspace::UNIX_MS_AT_START),
                _ => Some(n - crate::keyspace::UNIX_MS_AT_START),
            };
            match at {
                Some(at) => Some(at.max(0) as u64),
                None => return Err(err("ERR invalid expire time in 'set' command")),
            }
        }
    };
    let old = match db.get(&argv[1], now) {
        None => None,
        Some(e) => match &e.value {
            Value::Str(s) => Some(s.clone()),
            _ if want_get => return Err(err(WRONGTYPE)),
            _ => Some(Vec::new()),
        },
    };
    let exists = old.is_some();
    if (nx && exists) || (xx && !exists) {
        return Ok(if want_get {
            old.map_or(Reply::Nil, Reply::Bulk)
        } else {
            Reply::Nil
        });
    }
    db.set(
        &argv[1],
        Value::Str(argv[2].clone()),
        expire_at,
        keep_ttl,
        now,
    );
    Ok(if want_get {
        old.map_or(Reply::Nil, Reply::Bulk)
    } else {
        Reply::ok()
    })
}

fn setnx(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    if db.contains(&argv[1], now) {
        return Ok(Reply::Integer(0));
    }
    db.set(&argv[1], Value::Str(argv[2].clone()), None, false, now);
    Ok(Reply::Integer(1))
}

fn getset(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let old = get(db, now, argv)?;
    db.set(&argv[1], Value::Str(argv[2].clone()), None, false, now);
    Ok(old)
}

fn getdel(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let old = get(db, now, argv)?;
    db.remove(&argv[1], now);
    Ok(old)
}

fn mset(name: &str, db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    if argv.len().is_multiple_of(2) {
        return Err(Reply::Error(format!(
            "ERR wrong number of arguments for '{name}' command"
        )));
    }
    let pairs: Vec<(&Vec<u8>, &Vec<u8>)> = argv[1..].chunks(2).map(|p| (&p[0], &p[1])).collect();
    if name == "msetnx" && pairs.iter().any(|(k, _)| db.contains(k, now)) {
        return Ok(Reply::Integer(0));
    }
    for (k, v) in pairs {
        db.set(k, Value::Str(v.clone()), None, false, now);
    }
    Ok(if name == "msetnx" {
        Reply::Integer(1)
    } else {
        Reply::ok()
    })
}

fn append(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let len = match db.get_mut(&argv[1], now) {
        Some(e) => match &mut e.value {
            Value::Str(s) => {
                s.extend_from_slice(&argv[2]);
                // `dbUnshareStringValue()`: appended to, the string is raw.
                e.converted = true;
                s.len()
            }
            _ => return Err(err(WRONGTYPE)),
        },
        None => {
            db.set(&argv[1], Value::Str(argv[2].clone()), None, false, now);
            argv[2].len()
        }
    };
    db.touch(&argv[1]);
    Ok(Reply::Integer(len as i64))
}

fn strlen(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    match db.get(&argv[1], now) {
        None => Ok(Reply::Integer(0)),
        Some(e) => match &e.value {
            Value::Str(s) => Ok(Reply::Integer(s.len() as i64)),
            _ => Err(err(WRONGTYPE)),
        },
    }
}

fn incr_by(db: &mut Keyspace, now: u64, key: &[u8], by: i64) -> Result<Reply, Reply> {
    let current = match db.get(key, now) {
        None => 0,
        Some(e) => match &e.value {
            Value::Str(s) => parse_i64(s).ok_or_else(|| err(NOT_INTEGER))?,
            _ => return Err(err(WRONGTYPE)),
        },
    };
    let next = current.checked_add(by).ok_or_else(|| err(OVERFLOW))?;
    db.set(
        key,
        Value::Str(next.to_string().into_bytes()),
        None,
        true,
        now,
    );
    Ok(Reply::Integer(next))
}

/// EXPIRE / PEXPIRE key time [NX|XX|GT|LT]
/// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (`expireGenericCommand()`).
fn expire(name: &str, db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let unit_ms: i64 = if name.starts_with('p') { 1 } else { 1000 };
    let base = if name.ends_with("at") {
        -crate::keyspace::UNIX_MS_AT_START
    } else {
        now as i64
    };
    let n = int_arg(&argv[2])?;
    let mut flag: Option<String> = None;
    for a in &argv[3..] {
        let typed = String::from_utf8_lossy(a);
        let a = typed.to_ascii_lowercase();
        if !matches!(a.as_str(), "nx" | "xx" | "gt" | "lt") {
            return Err(Reply::Error(format!("ERR Unsupported option {typed}")));
        }
        if flag.as_ref().is_some_and(|f| f != &a) {
            return Err(err(
                "ERR NX and XX, GT or LT options at the same time are not compatible",
            ));
        }
        flag = Some(a);
    }
    let Some(at) = n.checked_mul(unit_ms).and_then(|ms| ms.checked_add(base)) else {
        return Err(Reply::Error(format!(
            "ERR invalid expire time in '{name}' command"
        )));
    };
    let Some(entry) = db.get(&argv[1], now) else {
        return Ok(Reply::Integer(0));
    };
    let current = entry.expire_at;
    let allowed = match flag.as_deref() {
        Some("nx") => current.is_none(),
        Some("xx") => current.is_some(),
        // A key without a TTL counts as an infinite TTL for GT and LT.
        Some("gt") => current.is_some_and(|c| at > c as i64),
        Some("lt") => current.is_none_or(|c| at < c as i64),
        _ => true,
    };
    if !allowed {
        return Ok(Reply::Integer(0));
    }
    if at <= now as i64 {
        db.remove(&argv[1], now);
    } else if let Some(e) = db.get_mut(&argv[1], now) {
        e.expire_at = Some(at as u64);
        db.touch(&argv[1]);
    }
    Ok(Reply::Integer(1))
}

fn ttl(db: &mut Keyspace, now: u64, key: &[u8], unit_ms: u64) -> Reply {
    match db.get(key, now) {
        None => Reply::Integer(-2),
        Some(e) => match e.expire_at {
            None => Reply::Integer(-1),
            // ttlGenericCommand rounds seconds: (ttl + 500) / 1000.
            Some(at) if unit_ms == 1000 => Reply::Integer(((at - now + 500) / 1000) as i64),
            Some(at) => Reply::Integer((at - now) as i64),
        },
    }
}

fn persist(db: &mut Keyspace, now: u64, key: &[u8]) -> Reply {
    match db.get_mut(key, now) {
        Some(e) if e.expire_at.is_some() => {
            e.expire_at = None;
            db.touch(key);
            Reply::Integer(1)
        }
        _ => Reply::Integer(0),
    }
}

fn rename(nx: bool, db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let Some(entry) = db.get(&argv[1], now).cloned() else {
        return Err(err("ERR no such key"));
    };
    if argv[1] == argv[2] {
        return Ok(if nx { Reply::Integer(0) } else { Reply::ok() });
    }
    if nx && db.contains(&argv[2], now) {
        return Ok(Reply::Integer(0));
    }
    db.remove(&argv[1], now);
    // The object itself moves (RENAME) or is duplicated (COPY): its
    // encoding goes with it.
    let converted = entry.converted;
    db.set(&argv[2], entry.value, entry.expire_at, false, now);
    if converted {
        db.mark_converted(&argv[2]);
    }
    db.set_sds(&argv[2], entry.sds);
    Ok(if nx { Reply::Integer(1) } else { Reply::ok() })
}

pub use crate::glob::glob_match;

fn keys(db: &mut Keyspace, now: u64, pattern: &[u8]) -> Reply {
    db.expire_all(now);
    Reply::Array(
        db.keys()
            .filter(|k| glob_match(pattern, k))
            .map(|k| Reply::bulk(k.clone()))
            .collect(),
    )
}

/// SCAN cursor [MATCH pattern] [COUNT n] [TYPE t]: the simulator returns every
/// matching key in one call, with cursor 0 (a valid, if impatient, SCAN).
/// SCAN cursor [MATCH p] [COUNT n] [TYPE t]: a real cursor over the
/// keyspace's hash table (see `scan`); MATCH and TYPE filter what the
/// buckets visited gave, as Redis filters after collecting.
fn scan(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let cursor = super::keys::cursor(&argv[1])?;
    let options = super::keys::scan_options(argv, 2, true)?;
    db.expire_all(now);
    let entries: Vec<(&Vec<u8>, &crate::keyspace::Entry)> = db.entries().collect();
    let (next, picked) = super::scan::scan(
        entries.iter().map(|(k, _)| k.as_slice()),
        cursor,
        options.count,
    );
    let keys = picked
        .into_iter()
        .map(|i| entries[i])
        .filter(|(k, e)| {
            glob_match(&options.pattern, k)
                && options
                    .type_name
                    .as_deref()
                    .is_none_or(|t| t.eq_ignore_ascii_case(e.value.type_name()))
        })
        .map(|(k, _)| Reply::bulk(k.clone()))
        .collect();
    Ok(Reply::Array(vec![
        Reply::bulk(next.to_string()),
        Reply::Array(keys),
    ]))
}

fn flush(db: &mut Keyspace, argv: &Argv) -> Result<Reply, Reply> {
    match argv.get(1) {
        None => {}
        Some(a) if argv.len() == 2 && (eq_ignore_case(a, "sync") || eq_ignore_case(a, "async")) => {
        }
        Some(_) => return Err(err(SYNTAX)),
    }
    db.flush();
    Ok(Reply::ok())
}

/// The value at `key` if `pick` accepts its type, `None` if the key is
/// missing, WRONGTYPE if it holds another type.
pub(super) fn typed<'a, T: ?Sized>(
    db: &'a mut Keyspace,
    now: u64,
    key: &[u8],
    pick: fn(&Value) -> Option<&T>,
) -> Result<Option<&'a T>, Reply> {
    match db.get(key, now) {
        None => Ok(None),
        Some(e) => pick(&e.value).map(Some).ok_or_else(|| err(WRONGTYPE)),
    }
}

pub(super) fn as_hash(v: &Value) -> Option<&[(Vec<u8>, Vec<u8>)]> {
    match v {
        Value::Hash(h) => Some(h),
        _ => None,
    }
}

pub(super) fn as_list(v: &Value) -> Option<&VecDeque<Vec<u8>>> {
    match v {
        Value::List(l) => Some(l),
        _ => None,
    }
}

pub(super) fn as_set(v: &Value) -> Option<&[Vec<u8>]> {
    match v {
        Value::Set(s) => Some(s),
        _ => None,
    }
}

pub(super) fn as_zset(v: &Value) -> Option<&[(f64, Vec<u8>)]> {
    match v {
        Value::ZSet(z) => Some(z),
        _ => None,
    }
}

/// Runs `f` on the hash at `key` (empty if missing), or WRONGTYPE.
pub(super) fn with_hash(
    db: &mut Keyspace,
    now: u64,
    key: &[u8],
    f: impl FnOnce(&[(Vec<u8>, Vec<u8>)]) -> Reply,
) -> Result<Reply, Reply> {
    Ok(f(typed(db, now, key, as_hash)?.unwrap_or(&[])))
}

pub(super) fn with_list(
    db: &mut Keyspace,
    now: u64,
    key: &[u8],
    f: impl FnOnce(&VecDeque<Vec<u8>>) -> Reply,
) -> Result<Reply, Reply> {
    Ok(f(typed(db, now, key, as_list)?.unwrap_or(&VecDeque::new())))
}

pub(super) fn with_set(
    db: &mut Keyspace,
    now: u64,
    key: &[u8],
    f: impl FnOnce(&[Vec<u8>]) -> Reply,
) -> Result<Reply, Reply> {
    Ok(f(typed(db, now, key, as_set)?.unwrap_or(&[])))
}

pub(super) fn with_zset(
    db: &mut Keyspace,
    now: u64,
    key: &[u8],
    f: impl FnOnce(&[(f64, Vec<u8>)]) -> Reply,
) -> Result<Reply, Reply> {
    Ok(f(typed(db, now, key, as_zset)?.unwrap_or(&[])))
}

/// Gets the value at `key` for changing it, creating it with `empty` if
/// missing; WRONGTYPE if it holds another type (checked by `is_type`).
pub(super) fn value_mut<'a>(
    db: &'a mut Keyspace,
    now: u64,
    key: &[u8],
    empty: Value,
    is_type: fn(&Value) -> bool,
) -> Result<&'a mut Value, Reply> {
    if db.get(key, now).is_none() {
        db.set(key, empty, None, false, now);
    }
    match db.get_mut(key, now) {
        Some(e) if is_type(&e.value) => Ok(&mut e.value),
        _ => Err(err(WRONGTYPE)),
    }
}

/// OBJECT ENCODING of `key` ("" if missing).
pub(super) fn encoding_of(db: &mut Keyspace, now: u64, key: &[u8]) -> &'static str {
    db.peek_entry(key, now).map_or("", |e| e.encoding())
}

/// Removes `key` if its collection became empty, as Redis does.
pub(super) fn drop_if_empty(db: &mut Keyspace, now: u64, key: &[u8]) {
    let empty = db.get(key, now).is_some_and(|e| match &e.value {
        Value::List(l) => l.is_empty(),
        Value::Hash(h) => h.is_empty(),
        Value::Set(s) => s.is_empty(),
        Value::ZSet(z) => z.is_empty(),
        // An empty stream stays (its last ID and groups mean something).
        Value::Str(_) | Value::Stream(_) => false,
    });
    if empty {
        db.remove(key, now);
    }
}

fn hset(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    if !argv.len().is_multiple_of(2) {
        return Err(err("ERR wrong number of arguments for 'hset' command"));
    }
    let Value::Hash(h) = value_mut(db, now, &argv[1], Value::Hash(Vec::new()), |v| {
        matches!(v, Value::Hash(_))
    })?
    else {
        unreachable!("value_mut checked the type")
    };
    let mut added = 0;
    for pair in argv[2..].chunks(2) {
        match h.iter_mut().find(|(f, _)| *f == pair[0]) {
            Some((_, v)) => *v = pair[1].clone(),
            None => {
                h.push((pair[0].clone(), pair[1].clone()));
                added += 1;
            }
        }
    }
    db.touch(&argv[1]);
    Ok(Reply::Integer(added))
}

fn hdel(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let removed = match db.get_mut(&argv[1], now) {
        None => return Ok(Reply::Integer(0)),
        Some(e) => match &mut e.value {
            Value::Hash(h) => {
                let before = h.len();
                h.retain(|(f, _)| !argv[2..].contains(f));
                before - h.len()
            }
            _ => return Err(err(WRONGTYPE)),
        },
    };
    if removed > 0 {
        db.touch(&argv[1]);
        drop_if_empty(db, now, &argv[1]);
    }
    Ok(Reply::Integer(removed as i64))
}

fn push(
    left: bool,
    create: bool,
    db: &mut Keyspace,
    now: u64,
    argv: &Argv,
) -> Result<Reply, Reply> {
    if !create && db.get(&argv[1], now).is_none() {
        return Ok(Reply::Integer(0));
    }
    let Value::List(l) = value_mut(db, now, &argv[1], Value::List(VecDeque::new()), |v| {
        matches!(v, Value::List(_))
    })?
    else {
        unreachable!("value_mut checked the type")
    };
    for v in &argv[2..] {
        if left {
            l.push_front(v.clone());
        } else {
            l.push_back(v.clone());
        }
    }
    let len = l.len();
    db.touch(&argv[1]);
    Ok(Reply::Integer(len as i64))
}

fn pop(left: bool, db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    if argv.len() > 3 {
        return Err(err(SYNTAX));
    }
    let count = match argv.get(2) {
        None => None,
        Some(a) => match parse_i64(a) {
            Some(n) if n >= 0 => Some(n as usize),
            _ => return Err(err("ERR value is out of range, must be positive")),
        },
    };
    let popped: Vec<Vec<u8>> = match db.get_mut(&argv[1], now) {
        None => {
            return Ok(if count.is_some() {
                Reply::NilArray
            } else {
                Reply::Nil
            })
        }
        Some(e) => match &mut e.value {
            Value::List(l) => {
                let n = count.unwrap_or(1).min(l.len());
                (0..n)
                    .filter_map(|_| if left { l.pop_front() } else { l.pop_back() })
                    .collect()
            }
            _ => return Err(err(WRONGTYPE)),
        },
    };
    if !popped.is_empty() {
        db.touch(&argv[1]);
        drop_if_empty(db, now, &argv[1]);
    }
    Ok(match count {
        None => popped.into_iter().next().map_or(Reply::Nil, Reply::Bulk),
        Some(_) => Reply::Array(popped.into_iter().map(Reply::Bulk).collect()),
    })
}

/// Turns Redis's start/stop (negative from the end) into a range of `len`.
pub(super) fn index_range(start: i64, stop: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    let stop = if stop < 0 {
        len + stop
    } else {
        stop.min(len - 1)
    };
    (start <= stop && start < len).then_some((start as usize, stop as usize))
}

fn lrange(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let (start, stop) = (int_arg(&argv[2])?, int_arg(&argv[3])?);
    with_list(db, now, &argv[1], |l| {
        Reply::Array(match index_range(start, stop, l.len()) {
            Some((a, b)) => l.range(a..=b).map(|v| Reply::bulk(v.clone())).collect(),
            None => Vec::new(),
        })
    })
}

fn sadd(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let Value::Set(s) = value_mut(db, now, &argv[1], Value::Set(Vec::new()), |v| {
        matches!(v, Value::Set(_))
    })?
    else {
        unreachable!("value_mut checked the type")
    };
    let mut added = 0;
    for m in &argv[2..] {
        if !s.contains(m) {
            s.push(m.clone());
            added += 1;
        }
    }
    db.touch(&argv[1]);
    Ok(Reply::Integer(added))
}

fn srem(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let removed = match db.get_mut(&argv[1], now) {
        None => return Ok(Reply::Integer(0)),
        Some(e) => match &mut e.value {
            Value::Set(s) => {
                let before = s.len();
                s.retain(|m| !argv[2..].contains(m));
                before - s.len()
            }
            _ => return Err(err(WRONGTYPE)),
        },
    };
    if removed > 0 {
        db.touch(&argv[1]);
        drop_if_empty(db, now, &argv[1]);
    }
    Ok(Reply::Integer(removed as i64))
}

/// Members as SMEMBERS lists them. A small all-integer set is an intset in
/// Redis, sorted by value; other sets come out in insertion order here (a
/// real hashtable set has no stable order).
pub(super) fn set_reply(members: &[Vec<u8>]) -> Vec<Reply> {
    let mut ints: Vec<(i64, &Vec<u8>)> = Vec::new();
    for m in members {
        match parse_i64(m) {
            Some(n) => ints.push((n, m)),
            None => return members.iter().map(|m| Reply::bulk(m.clone())).collect(),
        }
    }
    crate::order::sort_by(&mut ints, |a, b| a.cmp(b));
    ints.into_iter()
        .map(|(_, m)| Reply::bulk(m.clone()))
        .collect()
}

pub(super) fn set_op(
    inter: bool,
    db: &mut Keyspace,
    now: u64,
    keys: &[Vec<u8>],
) -> Result<Vec<Vec<u8>>, Reply> {
    let mut sets = Vec::new();
    for k in keys {
        match db.get(k, now).map(|e| &e.value) {
            None => sets.push(Vec::new()),
            Some(Value::Set(s)) => sets.push(s.clone()),
            Some(_) => return Err(err(WRONGTYPE)),
        }
    }
    let mut result: Vec<Vec<u8>> = sets.first().cloned().unwrap_or_default();
    for s in &sets[1..] {
        if inter {
            result.retain(|m| s.contains(m));
        } else {
            for m in s {
                if !result.contains(m) {
                    result.push(m.clone());
                }
            }
        }
    }
    Ok(result)
}

/// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
fn zadd(db: &mut Keyspace, now: u64, proto: Protocol, argv: &Argv) -> Result<Reply, Reply> {
    let (mut nx, mut xx, mut gt, mut lt, mut ch, mut incr) =
        (false, false, false, false, false, false);
    let mut i = 2;
    while i < argv.len() {
        let a = String::from_utf8_lossy(&argv[i]).to_ascii_lowercase();
        match a.as_str() {
            "nx" => nx = true,
            "xx" => xx = true,
            "gt" => gt = true,
            "lt" => lt = true,
            "ch" => ch = true,
            "incr" => incr = true,
            _ => break,
        }
        i += 1;
    }
    let rest = &argv[i..];
    if rest.is_empty() || !rest.len().is_multiple_of(2) {
        return Err(err(SYNTAX));
    }
    if nx && xx {
        return Err(err(
            "ERR XX and NX options at the same time are not compatible",
        ));
    }
    if ((gt || lt) && nx) || (gt && lt) {
        return Err(err(
            "ERR GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if incr && rest.len() > 2 {
        return Err(err(
            "ERR INCR option supports a single increment-element pair",
        ));
    }
    let mut pairs = Vec::new();
    for p in rest.chunks(2) {
        pairs.push((
            parse_double(&p[0]).ok_or_else(|| err(NOT_FLOAT))?,
            p[1].clone(),
        ));
    }
    // WRONGTYPE comes before XX's early return on a missing key.
    if xx && typed(db, now, &argv[1], as_zset)?.is_none() {
        return Ok(if incr { Reply::Nil } else { Reply::Integer(0) });
    }
    let Value::ZSet(z) = value_mut(db, now, &argv[1], Value::ZSet(Vec::new()), |v| {
        matches!(v, Value::ZSet(_))
    })?
    else {
        unreachable!("value_mut checked the type")
    };
    let (mut added, mut changed) = (0, 0);
    let mut incr_result = None;
    for (score, member) in pairs {
        match z.iter().position(|(_, m)| *m == member) {
            Some(pos) => {
                if nx {
                    continue;
                }
                let old = z[pos].0;
                let new = if incr { old + score } else { score };
                if new.is_nan() {
                    return Err(err("ERR resulting score is not a number (NaN)"));
                }
                if (gt && new <= old) || (lt && new >= old) {
                    continue;
                }
                incr_result = Some(new);
                if new != old {
                    z[pos].0 = new;
                    changed += 1;
                }
            }
            None => {
                if xx {
                    continue;
                }
                z.push((score, member));
                incr_result = Some(score);
                added += 1;
            }
        }
    }
    crate::order::sort_by(z, |a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    db.touch(&argv[1]);
    drop_if_empty(db, now, &argv[1]);
    if incr {
        return Ok(incr_result.map_or(Reply::Nil, |d| double_reply(d, proto)));
    }
    Ok(Reply::Integer(if ch { added + changed } else { added }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_print_like_percent_17g() {
        assert_eq!(format_double(1.0), "1");
        assert_eq!(format_double(1.5), "1.5");
        assert_eq!(format_double(0.1), "0.10000000000000001");
        assert_eq!(format_double(-2.25), "-2.25");
        assert_eq!(format_double(1e20), "1e+20");
        assert_eq!(format_double(1.5e-5), "1.5e-05");
        assert_eq!(format_double(3.0e-5), "3.0000000000000001e-05");
        assert_eq!(format_double(123456.0), "123456");
    }

    #[test]
    fn globs() {
        assert!(glob_match(b"*", b"anything"));
        assert!(glob_match(b"key:*", b"key:12"));
        assert!(!glob_match(b"key:?", b"key:12"));
        assert!(glob_match(b"h[ae]llo", b"hallo"));
        assert!(!glob_match(b"h[^e]llo", b"hello"));
        assert!(glob_match(b"h[a-c]llo", b"hbllo"));
        assert!(glob_match(b"a\\*b", b"a*b"));
        assert!(glob_match(b"", b""));
        assert!(!glob_match(b"", b"x"));
    }

    fn run_s(db: &mut Keyspace, s: &str) -> Reply {
        let argv: Vec<Vec<u8>> = s.split(' ').map(|a| a.as_bytes().to_vec()).collect();
        let name = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
        run(&name, db, 0, Protocol::Resp2, &argv)
    }

    #[test]
    fn string_errors_match_redis() {
        let mut db = Keyspace::default();
        assert_eq!(
            run_s(&mut db, "SET foo v EX 0"),
            err("ERR invalid expire time in 'set' command")
        );
        assert_eq!(run_s(&mut db, "SET foo v NX XX"), err(SYNTAX));
        assert_eq!(run_s(&mut db, "SET foo string"), Reply::ok());
        assert_eq!(run_s(&mut db, "INCR foo"), err(NOT_INTEGER));
        assert_eq!(run_s(&mut db, "LPUSH foo x"), err(WRONGTYPE));
        assert_eq!(run_s(&mut db, "RPUSH a x y"), Reply::Integer(2));
        assert_eq!(run_s(&mut db, "GET a"), err(WRONGTYPE));
        assert_eq!(run_s(&mut db, "EXPIRE foo abc"), err(NOT_INTEGER));
    }
}
