//! Set commands beyond SADD/SREM/SMEMBERS and the union/intersection in
//! data.rs (t_set.c in Redis 7.0).

use super::data::{drop_if_empty, err, set_reply, Argv, SYNTAX, WRONGTYPE};
use crate::keyspace::{parse_i64, Keyspace, Value};
use crate::reply::Reply;

pub fn run(name: &str, db: &mut Keyspace, now: u64, argv: &Argv) -> Option<Result<Reply, Reply>> {
    Some(match name {
        "smismember" => smismember(db, now, argv),
        "smove" => smove(db, now, argv),
        "sdiff" => sdiff(db, now, &argv[1..]).map(|m| Reply::Set(set_reply(&m))),
        "sdiffstore" => sdiff(db, now, &argv[2..]).map(|m| store(db, now, &argv[1], m)),
        "sintercard" => sintercard(db, now, argv),
        "sscan" => sscan(db, now, argv),
        _ => return None,
    })
}

fn members(db: &mut Keyspace, now: u64, key: &[u8]) -> Result<Option<Vec<Vec<u8>>>, Reply> {
    match db.get(key, now).map(|e| &e.value) {
        None => Ok(None),
        Some(Value::Set(s)) => Ok(Some(s.clone())),
        Some(_) => Err(err(WRONGTYPE)),
    }
}

fn smismember(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let set = members(db, now, &argv[1])?.unwrap_or_default();
    Ok(Reply::Array(
        argv[2..]
            .iter()
            .map(|m| Reply::Integer(i64::from(set.contains(m))))
            .collect(),
    ))
}

fn smove(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let (src, dst, member) = (&argv[1], &argv[2], &argv[3]);
    let Some(from) = members(db, now, src)? else {
        // The destination's type is still checked (`smoveCommand()`).
        members(db, now, dst)?;
        return Ok(Reply::Integer(0));
    };
    members(db, now, dst)?;
    if src == dst {
        return Ok(Reply::Integer(i64::from(from.contains(member))));
    }
    if !from.contains(member) {
        return Ok(Reply::Integer(0));
    }
    if let Some(Value::Set(s)) = db.get_mut(src, now).map(|e| &mut e.value) {
        s.retain(|m| m != member);
    }
    db.touch(src);
    drop_if_empty(db, now, src);
    if db.get(dst, now).is_none() {
        db.set(dst, Value::Set(Vec::new()), None, false, now);
    }
    if let Some(Value::Set(s)) = db.get_mut(dst, now).map(|e| &mut e.value) {
        if !s.contains(member) {
            s.push(member.clone());
        }
    }
    db.touch(dst);
    Ok(Reply::Integer(1))
}

fn sdiff(db: &mut Keyspace, now: u64, keys: &[Vec<u8>]) -> Result<Vec<Vec<u8>>, Reply> {
    let mut sets = Vec::new();
    for k in keys {
        sets.push(members(db, now, k)?.unwrap_or_default());
    }
    let mut result = sets.first().cloned().unwrap_or_default();
    for s in &sets[1..] {
        result.retain(|m| !s.contains(m));
    }
    Ok(result)
}

/// Stores `members` at `dst` (deleting it when empty); the count.
pub fn store(db: &mut Keyspace, now: u64, dst: &[u8], members: Vec<Vec<u8>>) -> Reply {
    let n = members.len();
    if n == 0 {
        db.remove(dst, now);
    } else {
        db.set(dst, Value::Set(members), None, false, now);
    }
    Reply::Integer(n as i64)
}

fn sintercard(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let numkeys = match parse_i64(&argv[1]) {
        Some(n) if n > 0 => n as usize,
        _ => return Err(err("ERR numkeys should be greater than 0")),
    };
    if numkeys > argv.len() - 2 {
        return Err(err(
            "ERR Number of keys can't be greater than number of args",
        ));
    }
    let mut limit = 0usize;
    let mut i = 2 + numkeys;
    while i < argv.len() {
        if argv[i].eq_ignore_ascii_case(b"limit") && i + 1 < argv.len() {
            limit = match parse_i64(&argv[i + 1]) {
                Some(n) if n >= 0 => n as usize,
                _ => return Err(err("ERR LIMIT can't be negative")),
            };
            i += 2;
        } else {
            return Err(err(SYNTAX));
        }
    }
    let mut sets = Vec::new();
    for k in &argv[2..2 + numkeys] {
        sets.push(members(db, now, k)?.unwrap_or_default());
    }
    let mut result = sets[0].clone();
    for s in &sets[1..] {
        result.retain(|m| s.contains(m));
    }
    let n = if limit > 0 {
        result.len().min(limit)
    } else {
        result.len()
    };
    Ok(Reply::Integer(n as i64))
}

/// SSCAN key cursor [MATCH p] [COUNT n]: a small set whole, cursor 0.
fn sscan(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    super::keys::cursor(&argv[2])?;
    let Some(set) = members(db, now, &argv[1])? else {
        return Ok(super::keys::empty_scan());
    };
    let options = super::keys::scan_options(argv, 3, false)?;
    let cursor = super::keys::cursor(&argv[2])?;
    // An intset is returned whole; a hashtable set bucket by bucket.
    let (next, members) = if super::data::encoding_of(db, now, &argv[1]) == "hashtable" {
        let (next, picked) =
            super::scan::scan(set.iter().map(|m| m.as_slice()), cursor, options.count);
        let members: Vec<Reply> = picked
            .into_iter()
            .map(|i| Reply::bulk(set[i].clone()))
            .collect();
        (next, members)
    } else {
        (0, set_reply(&set))
    };
    let picked: Vec<Reply> = members
        .into_iter()
        .filter(|m| match m {
            Reply::Bulk(b) => crate::glob::glob_match(&options.pattern, b),
            _ => false,
        })
        .collect();
    Ok(Reply::Array(vec![
        Reply::bulk(next.to_string()),
        Reply::Array(picked),
    ]))
}
