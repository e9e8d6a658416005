//! The random picks (t_set.c, t_hash.c, t_zset.c in Redis 7.0): SPOP,
//! SRANDMEMBER, HRANDFIELD, ZRANDMEMBER. Which elements come out is the
//! node's own random stream; what is Redis's: the argument checks, a
//! negative count picking with repetition, a count at least the size
//! giving the whole value in its stored order, and SPOP reaching replicas
//! as the SREM of what it popped (`alsoPropagate`), so they stay equal.

use super::data::{eq_ignore_case, err, set_reply, Argv, SYNTAX, WRONGTYPE};
use crate::keyspace::{Keyspace, Value};
use crate::reply::{Protocol, Reply};

pub fn run(
    name: &str,
    db: &mut Keyspace,
    now: u64,
    proto: Protocol,
    argv: &Argv,
) -> Option<Result<Reply, Reply>> {
    Some(match name {
        "spop" => spop(db, now, proto, argv),
        "srandmember" => srandmember(db, now, argv),
        "hrandfield" => hrandfield(db, now, proto, argv),
        "zrandmember" => zrandmember(db, now, proto, argv),
        _ => return None,
    })
}

/// `getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX)`.
fn signed_count(arg: &[u8]) -> Result<i64, Reply> {
    let n = super::data::int_arg(arg)?;
    if n == i64::MIN {
        return Err(err(
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    Ok(n)
}

/// Which of `len` elements a count picks: a negative count `|count|`
/// picks with repetition, a count ≥ len every one in order, else that
/// many distinct ones.
fn pick(db: &mut Keyspace, len: usize, count: i64) -> Vec<usize> {
    if count < 0 {
        let n = count.unsigned_abs();
        return (0..n)
            .map(|_| db.random_below(len as u64) as usize)
            .collect();
    }
    let count = count as usize;
    if count >= len {
        return (0..len).collect();
    }
    let mut left: Vec<usize> = (0..len).collect();
    (0..count)
        .map(|_| left.swap_remove(db.random_below(left.len() as u64) as usize))
        .collect()
}

fn members(db: &mut Keyspace, now: u64, key: &[u8]) -> Result<Option<Vec<Vec<u8>>>, Reply> {
    match db.get(key, now).map(|e| &e.value) {
        None => Ok(None),
        Some(Value::Set(s)) => Ok(Some(s.clone())),
        Some(_) => Err(err(WRONGTYPE)),
    }
}

/// The set in the order SMEMBERS gives (an intset sorted).
fn in_order(set: &[Vec<u8>]) -> Vec<Vec<u8>> {
    set_reply(set)
        .into_iter()
        .filter_map(|r| match r {
            Reply::Bulk(b) => Some(b),
            _ => None,
        })
        .collect()
}

fn many(proto: Protocol, items: Vec<Reply>, as_set: bool) -> Reply {
    if as_set && proto == Protocol::Resp3 {
        Reply::Set(items)
    } else {
        Reply::Array(items)
    }
}

fn spop(db: &mut Keyspace, now: u64, proto: Protocol, argv: &Argv) -> Result<Reply, Reply> {
    if argv.len() > 3 {
        return Err(err(SYNTAX));
    }
    let key = &argv[1];
    let count = match argv.get(2) {
        None => None,
        Some(arg) => {
            let n = super::data::int_arg(arg)
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| err("ERR value is out of range, must be positive"))?;
            Some(n)
        }
    };
    let Some(set) = members(db, now, key)? else {
        return Ok(match count {
            None => Reply::Nil,
            Some(_) => many(proto, Vec::new(), true),
        });
    };
    let ordered = in_order(&set);
    let popped: Vec<Vec<u8>> = match count {
        Some(0) => return Ok(many(proto, Vec::new(), true)),
        Some(n) => pick(db, ordered.len(), n)
            .into_iter()
            .map(|i| ordered[i].clone())
            .collect(),
        None => vec![ordered[db.random_below(ordered.len() as u64) as usize].clone()],
    };
    let left: Vec<Vec<u8>> = set.into_iter().filter(|m| !popped.contains(m)).collect();
    if left.is_empty() {
        db.remove(key, now);
    } else if let Some(e) = db.get_mut(key, now) {
        e.value = Value::Set(left);
        db.touch(key);
    }
    let mut srem = vec![b"SREM".to_vec(), key.clone()];
    srem.extend(popped.iter().cloned());
    db.rewrite_propagated(srem);
    Ok(match count {
        None => Reply::bulk(popped[0].clone()),
        Some(_) => many(proto, popped.into_iter().map(Reply::Bulk).collect(), true),
    })
}

fn srandmember(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    if argv.len() > 3 {
        return Err(err(SYNTAX));
    }
    let count = argv.get(2).map(|a| signed_count(a)).transpose()?;
    let Some(set) = members(db, now, &argv[1])? else {
        return Ok(if count.is_some() {
            Reply::Array(Vec::new())
        } else {
            Reply::Nil
        });
    };
    let ordered = in_order(&set);
    let Some(count) = count else {
        let i = db.random_below(ordered.len() as u64) as usize;
        return Ok(Reply::bulk(ordered[i].clone()));
    };
    let picked = pick(db, ordered.len(), count)
        .into_iter()
        .map(|i| Reply::bulk(ordered[i].clone()))
        .collect();
    Ok(Reply::Array(picked))
}

/// HRANDFIELD / ZRANDMEMBER's optional `count [WITHVALUES|WITHSCORES]`.
fn count_and_with(argv: &Argv, word: &str) -> Result<Option<(i64, bool)>, Reply> {
    let Some(arg) = argv.get(2) else {
        return Ok(None);
    };
    let count = signed_count(arg)?;
    if argv.len() > 4 || (argv.len() == 4 && !eq_ignore_case(&argv[3], word)) {
        return Err(err(SYNTAX));
    }
    Ok(Some((count, argv.len() == 4)))
}

/// Pairs as RESP3 shows them (an array of 2-element arrays) or flat.
fn pairs(proto: Protocol, items: Vec<(Reply, Reply)>, with: bool) -> Reply {
    Reply::Array(match (with, proto) {
        (false, _) => items.into_iter().map(|(k, _)| k).collect(),
        (true, Protocol::Resp3) => items
            .into_iter()
            .map(|(k, v)| Reply::Array(vec![k, v]))
            .collect(),
        (true, Protocol::Resp2) => items.into_iter().flat_map(|(k, v)| [k, v]).collect(),
    })
}

fn hrandfield(db: &mut Keyspace, now: u64, proto: Protocol, argv: &Argv) -> Result<Reply, Reply> {
    let opts = count_and_with(argv, "withvalues")?;
    let hash = match db.get(&argv[1], now).map(|e| &e.value) {
        None => None,
        Some(Value::Hash(h)) => Some(h.clone()),
        Some(_) => return Err(err(WRONGTYPE)),
    };
    let Some(h) = hash else {
        return Ok(if opts.is_some() {
            Reply::Array(Vec::new())
        } else {
            Reply::Nil
        });
    };
    let Some((count, with)) = opts else {
        let i = db.random_below(h.len() as u64) as usize;
        return Ok(Reply::bulk(h[i].0.clone()));
    };
    let items = pick(db, h.len(), count)
        .into_iter()
        .map(|i| (Reply::bulk(h[i].0.clone()), Reply::bulk(h[i].1.clone())))
        .collect();
    Ok(pairs(proto, items, with))
}

fn zrandmember(db: &mut Keyspace, now: u64, proto: Protocol, argv: &Argv) -> Result<Reply, Reply> {
    let opts = count_and_with(argv, "withscores")?;
    let zset = match db.get(&argv[1], now).map(|e| &e.value) {
        None => None,
        Some(Value::ZSet(z)) => Some(z.clone()),
        Some(_) => return Err(err(WRONGTYPE)),
    };
    let Some(mut z) = zset else {
        return Ok(if opts.is_some() {
            Reply::Array(Vec::new())
        } else {
            Reply::Nil
        });
    };
    let Some((count, with)) = opts else {
        let i = db.random_below(z.len() as u64) as usize;
        return Ok(Reply::bulk(z[i].1.clone()));
    };
    // The whole sorted set comes out from its tail (highest score first).
    if count >= z.len() as i64 {
        z.reverse();
    }
    let items = pick(db, z.len(), count)
        .into_iter()
        .map(|i| {
            let score = super::data::double_reply(z[i].0, proto);
            (Reply::bulk(z[i].1.clone()), score)
        })
        .collect();
    Ok(pairs(proto, items, with))
}
