//! Hash commands beyond HSET/HGET (t_hash.c in Redis 7.0).

use super::data::{drop_if_empty, err, int_arg, value_mut, Argv, OVERFLOW, WRONGTYPE};
use crate::keyspace::{parse_i64, Keyspace, Value};
use crate::long_double::{add_ld, ld2string_human, string2ld, LongDouble};
use crate::reply::{Protocol, Reply};

type Fields = Vec<(Vec<u8>, Vec<u8>)>;

pub fn run(
    name: &str,
    db: &mut Keyspace,
    now: u64,
    _proto: Protocol,
    argv: &Argv,
) -> Option<Result<Reply, Reply>> {
    Some(match name {
        "hincrby" => hincrby(db, now, argv),
        "hincrbyfloat" => hincrbyfloat(db, now, argv),
        "hsetnx" => hsetnx(db, now, argv),
        "hstrlen" => hstrlen(db, now, argv),
        "hmset" => hmset(db, now, argv),
        "hscan" => hscan(db, now, argv),
        _ => return None,
    })
}

fn hash_mut<'a>(db: &'a mut Keyspace, now: u64, key: &[u8]) -> Result<&'a mut Fields, Reply> {
    match value_mut(db, now, key, Value::Hash(Vec::new()), |v| {
        matches!(v, Value::Hash(_))
    })? {
        Value::Hash(h) => Ok(h),
        _ => Err(err(WRONGTYPE)),
    }
}

fn put(h: &mut Fields, field: &[u8], value: Vec<u8>) {
    match h.iter_mut().find(|(f, _)| f == field) {
        Some((_, v)) => *v = value,
        None => h.push((field.to_vec(), value)),
    }
}

fn hincrby(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let by = int_arg(&argv[3])?;
    let h = hash_mut(db, now, &argv[1])?;
    let current = match h.iter().find(|(f, _)| *f == argv[2]) {
        None => 0,
        Some((_, v)) => parse_i64(v).ok_or_else(|| err("ERR hash value is not an integer"))?,
    };
    let Some(value) = current.checked_add(by) else {
        drop_if_empty(db, now, &argv[1]);
        return Err(err(OVERFLOW));
    };
    put(h, &argv[2], value.to_string().into_bytes());
    db.touch(&argv[1]);
    Ok(Reply::Integer(value))
}

/// HINCRBYFLOAT (t_hash.c): as INCRBYFLOAT, in 80-bit long double, but an
/// infinite increment is refused before the hash is looked at.
fn hincrbyfloat(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let by = string2ld(&argv[3]).ok_or_else(|| err("ERR value is not a valid float"))?;
    if !by.is_finite() {
        return Err(err("ERR value is NaN or Infinity"));
    }
    let h = hash_mut(db, now, &argv[1])?;
    let current = match h.iter().find(|(f, _)| *f == argv[2]) {
        None => LongDouble::ZERO,
        Some((_, v)) => string2ld(v).ok_or_else(|| err("ERR hash value is not a float"))?,
    };
    let Some(value) = add_ld(current, by) else {
        drop_if_empty(db, now, &argv[1]);
        return Err(err("ERR increment would produce NaN or Infinity"));
    };
    let text = ld2string_human(value);
    put(h, &argv[2], text.clone().into_bytes());
    db.touch(&argv[1]);
    Ok(Reply::bulk(text))
}

fn hsetnx(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let h = hash_mut(db, now, &argv[1])?;
    if h.iter().any(|(f, _)| *f == argv[2]) {
        return Ok(Reply::Integer(0));
    }
    h.push((argv[2].clone(), argv[3].clone()));
    db.touch(&argv[1]);
    Ok(Reply::Integer(1))
}

fn hstrlen(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    Ok(Reply::Integer(
        match db.get(&argv[1], now).map(|e| &e.value) {
            None => 0,
            Some(Value::Hash(h)) => h
                .iter()
                .find(|(f, _)| *f == argv[2])
                .map_or(0, |(_, v)| v.len() as i64),
            Some(_) => return Err(err(WRONGTYPE)),
        },
    ))
}

fn hmset(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    if !argv.len().is_multiple_of(2) {
        return Err(err("ERR wrong number of arguments for 'hmset' command"));
    }
    let h = hash_mut(db, now, &argv[1])?;
    for pair in argv[2..].chunks(2) {
        put(h, &pair[0], pair[1].clone());
    }
    db.touch(&argv[1]);
    Ok(Reply::ok())
}

/// HSCAN key cursor [MATCH p] [COUNT n]: a small (listpack) hash is
/// returned whole with cursor 0, as Redis does for compact encodings.
fn hscan(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    // The cursor, then the key, then the options, as hscanCommand() checks them.
    super::keys::cursor(&argv[2])?;
    let (h, encoding) = match db.get(&argv[1], now) {
        None => return Ok(super::keys::empty_scan()),
        Some(e) => match &e.value {
            Value::Hash(h) => (h.clone(), e.encoding()),
            _ => return Err(err(WRONGTYPE)),
        },
    };
    let options = super::keys::scan_options(argv, 3, false)?;
    let cursor = super::keys::cursor(&argv[2])?;
    // A hashtable-encoded hash is scanned bucket by bucket.
    let (next, picked) = if encoding == "hashtable" {
        super::scan::scan(h.iter().map(|(f, _)| f.as_slice()), cursor, options.count)
    } else {
        (0, (0..h.len()).collect())
    };
    let pairs: Vec<Reply> = picked
        .into_iter()
        .map(|i| &h[i])
        .filter(|(f, _)| crate::glob::glob_match(&options.pattern, f))
        .flat_map(|(f, v)| [Reply::bulk(f.clone()), Reply::bulk(v.clone())])
        .collect();
    Ok(Reply::Array(vec![
        Reply::bulk(next.to_string()),
        Reply::Array(pairs),
    ]))
}
