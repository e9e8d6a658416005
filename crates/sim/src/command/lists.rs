//! List commands beyond push/pop/range (t_list.c in Redis 7.0). The
//! blocking forms are served here when an element is already there, and
//! answer as a timeout otherwise; `Node::process` makes a client that may
//! block wait for a push in simulated time instead.

use std::collections::VecDeque;

use super::data::{drop_if_empty, err, int_arg, Argv, SYNTAX, WRONGTYPE};
use crate::keyspace::{parse_i64, Keyspace, Value};
use crate::reply::Reply;

pub fn run(name: &str, db: &mut Keyspace, now: u64, argv: &Argv) -> Option<Result<Reply, Reply>> {
    Some(match name {
        "lindex" => lindex(db, now, argv),
        "lset" => lset(db, now, argv),
        "linsert" => linsert(db, now, argv),
        "lrem" => lrem(db, now, argv),
        "ltrim" => ltrim(db, now, argv),
        "lpos" => lpos(db, now, argv),
        "lmove" => side(&argv[3])
            .and_then(|from| Ok((from, side(&argv[4])?)))
            .and_then(|(from, to)| lmove(db, now, &argv[1], &argv[2], from, to)),
        "rpoplpush" => lmove(db, now, &argv[1], &argv[2], Side::Right, Side::Left),
        "lmpop" => lmpop(db, now, argv, 1),
        // The blocking forms answer as a timeout when there is nothing yet
        // (as inside MULTI); `Node::process` makes a client that may block
        // wait in simulated time instead.
        "blmpop" => timeout(&argv[1]).and_then(|_| lmpop(db, now, argv, 2)),
        "blpop" | "brpop" => timeout(&argv[argv.len() - 1]).and_then(|_| {
            let left = name == "blpop";
            let keys = &argv[1..argv.len() - 1];
            bpop(db, now, keys, left)
        }),
        "blmove" => timeout(&argv[5]).and_then(|_| {
            let (from, to) = (side(&argv[3])?, side(&argv[4])?);
            lmove(db, now, &argv[1], &argv[2], from, to)
        }),
        "brpoplpush" => timeout(&argv[3])
            .and_then(|_| lmove(db, now, &argv[1], &argv[2], Side::Right, Side::Left)),
        _ => return None,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Left,
    Right,
}

fn side(arg: &[u8]) -> Result<Side, Reply> {
    if arg.eq_ignore_ascii_case(b"left") {
        Ok(Side::Left)
    } else if arg.eq_ignore_ascii_case(b"right") {
        Ok(Side::Right)
    } else {
        Err(err(SYNTAX))
    }
}

/// A blocking command's timeout in seconds (`getTimeoutFromObjectOrReply()`).
pub fn timeout(arg: &[u8]) -> Result<f64, Reply> {
    let t: f64 = std::str::from_utf8(arg)
        .ok()
        .filter(|s| !s.is_empty() && s.trim() == *s)
        .and_then(|s| s.parse().ok())
        .filter(|t: &f64| t.is_finite())
        .ok_or_else(|| err("ERR timeout is not a float or out of range"))?;
    if t < 0.0 {
        return Err(err("ERR timeout is negative"));
    }
    Ok(t)
}

fn list_at<'a>(
    db: &'a mut Keyspace,
    now: u64,
    key: &[u8],
) -> Result<Option<&'a mut VecDeque<Vec<u8>>>, Reply> {
    match db.get_mut(key, now).map(|e| &mut e.value) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(l)),
        Some(_) => Err(err(WRONGTYPE)),
    }
}

/// A list index, negative from the end, if it falls inside `len`.
fn at(index: i64, len: usize) -> Option<usize> {
    let i = if index < 0 { len as i64 + index } else { index };
    (0..len as i64).contains(&i).then_some(i as usize)
}

/// LINDEX and LSET look the key up before they read the index.
fn lindex(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let Some(l) = list_at(db, now, &argv[1])? else {
        return Ok(Reply::Nil);
    };
    let index = int_arg(&argv[2])?;
    Ok(at(index, l.len()).map_or(Reply::Nil, |i| Reply::bulk(l[i].clone())))
}

fn lset(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let Some(l) = list_at(db, now, &argv[1])? else {
        return Err(err("ERR no such key"));
    };
    let index = int_arg(&argv[2])?;
    let i = at(index, l.len()).ok_or_else(|| err("ERR index out of range"))?;
    l[i] = argv[3].clone();
    db.touch(&argv[1]);
    Ok(Reply::ok())
}

fn linsert(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let after = if argv[2].eq_ignore_ascii_case(b"after") {
        true
    } else if argv[2].eq_ignore_ascii_case(b"before") {
        false
    } else {
        return Err(err(SYNTAX));
    };
    let Some(l) = list_at(db, now, &argv[1])? else {
        return Ok(Reply::Integer(0));
    };
    let Some(pos) = l.iter().position(|e| *e == argv[3]) else {
        return Ok(Reply::Integer(-1));
    };
    l.insert(if after { pos + 1 } else { pos }, argv[4].clone());
    let len = l.len();
    db.touch(&argv[1]);
    Ok(Reply::Integer(len as i64))
}

fn lrem(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let count = int_arg(&argv[2])?;
    let Some(l) = list_at(db, now, &argv[1])? else {
        return Ok(Reply::Integer(0));
    };
    let limit = if count == 0 {
        usize::MAX
    } else {
        count.unsigned_abs() as usize
    };
    let mut removed = 0;
    if count >= 0 {
        let mut i = 0;
        while i < l.len() && removed < limit {
            if l[i] == argv[3] {
                l.remove(i);
                removed += 1;
            } else {
                i += 1;
            }
        }
    } else {
        let mut i = l.len();
        while i > 0 && removed < limit {
            i -= 1;
            if l[i] == argv[3] {
                l.remove(i);
                removed += 1;
            }
        }
    }
    if removed > 0 {
        db.touch(&argv[1]);
        drop_if_empty(db, now, &argv[1]);
    }
    Ok(Reply::Integer(removed as i64))
}

fn ltrim(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let (start, end) = (int_arg(&argv[2])?, int_arg(&argv[3])?);
    let Some(l) = list_at(db, now, &argv[1])? else {
        return Ok(Reply::ok());
    };
    match super::data::index_range(start, end, l.len()) {
        Some((a, b)) => {
            l.truncate(b + 1);
            l.drain(..a);
        }
        None => l.clear(),
    }
    db.touch(&argv[1]);
    drop_if_empty(db, now, &argv[1]);
    Ok(Reply::ok())
}

fn lpos(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let (mut rank, mut count, mut maxlen) = (1i64, None::<i64>, 0i64);
    let mut i = 3;
    while i < argv.len() {
        let opt = &argv[i];
        let Some(value) = argv.get(i + 1) else {
            return Err(err(SYNTAX));
        };
        if opt.eq_ignore_ascii_case(b"rank") {
            rank = int_arg(value)?;
            if rank == 0 {
                return Err(err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"));
            }
            if rank == i64::MIN {
                return Err(err("ERR value is out of range"));
            }
        } else if opt.eq_ignore_ascii_case(b"count") {
            let n = int_arg(value)?;
            if n < 0 {
                return Err(err("ERR COUNT can't be negative"));
            }
            count = Some(n);
        } else if opt.eq_ignore_ascii_case(b"maxlen") {
            maxlen = int_arg(value)?;
            if maxlen < 0 {
                return Err(err("ERR MAXLEN can't be negative"));
            }
        } else {
            return Err(err(SYNTAX));
        }
        i += 2;
    }
    let Some(l) = list_at(db, now, &argv[1])? else {
        return Ok(if count.is_some() {
            Reply::Array(Vec::new())
        } else {
            Reply::Nil
        });
    };
    let len = l.len();
    let order: Box<dyn Iterator<Item = usize>> = if rank > 0 {
        Box::new(0..len)
    } else {
        Box::new((0..len).rev())
    };
    let scan = if maxlen == 0 { len } else { maxlen as usize };
    let mut skip = rank.unsigned_abs() - 1;
    let wanted = match count {
        Some(0) => usize::MAX,
        Some(n) => n as usize,
        None => 1,
    };
    let mut found = Vec::new();
    for idx in order.take(scan) {
        if l[idx] == argv[2] {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            found.push(Reply::Integer(idx as i64));
            if found.len() >= wanted {
                break;
            }
        }
    }
    Ok(match count {
        Some(_) => Reply::Array(found),
        None => found.into_iter().next().unwrap_or(Reply::Nil),
    })
}

fn pop_from(l: &mut VecDeque<Vec<u8>>, side: Side) -> Option<Vec<u8>> {
    match side {
        Side::Left => l.pop_front(),
        Side::Right => l.pop_back(),
    }
}

fn lmove(
    db: &mut Keyspace,
    now: u64,
    src: &[u8],
    dst: &[u8],
    from: Side,
    to: Side,
) -> Result<Reply, Reply> {
    if list_at(db, now, src)?.is_none() {
        return Ok(Reply::Nil);
    }
    // The destination's type is checked before anything is popped.
    list_at(db, now, dst)?;
    let Some(value) = list_at(db, now, src)?.and_then(|l| pop_from(l, from)) else {
        return Ok(Reply::Nil);
    };
    db.touch(src);
    drop_if_empty(db, now, src);
    if db.get(dst, now).is_none() {
        db.set(dst, Value::List(VecDeque::new()), None, false, now);
    }
    if let Some(l) = list_at(db, now, dst)? {
        match to {
            Side::Left => l.push_front(value.clone()),
            Side::Right => l.push_back(value.clone()),
        }
    }
    db.touch(dst);
    Ok(Reply::bulk(value))
}

/// The arguments LMPOP and ZMPOP share (`numkeys key... WHERE [COUNT n]`,
/// numkeys at `at`): the keys, which of the two words `ends` WHERE is (0 or
/// 1), and the count. Their errors are Redis's, in its order.
pub(super) fn mpop_arguments<'a>(
    argv: &'a Argv,
    at: usize,
    ends: [&str; 2],
) -> Result<(&'a [Vec<u8>], usize, usize), Reply> {
    let numkeys = match parse_i64(&argv[at]) {
        Some(n) if n > 0 => n as usize,
        _ => return Err(err("ERR numkeys should be greater than 0")),
    };
    let where_at = at + 1 + numkeys;
    if where_at >= argv.len() {
        return Err(err(SYNTAX));
    }
    let end = ends
        .iter()
        .position(|e| argv[where_at].eq_ignore_ascii_case(e.as_bytes()))
        .ok_or_else(|| err(SYNTAX))?;
    let mut count = 1;
    let mut i = where_at + 1;
    let mut seen_count = false;
    while i < argv.len() {
        if argv[i].eq_ignore_ascii_case(b"count") && i + 1 < argv.len() && !seen_count {
            count = match parse_i64(&argv[i + 1]) {
                Some(n) if n > 0 => n as usize,
                _ => return Err(err("ERR count should be greater than 0")),
            };
            seen_count = true;
            i += 2;
        } else {
            return Err(err(SYNTAX));
        }
    }
    Ok((&argv[at + 1..where_at], end, count))
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]; `at` is where numkeys is.
fn lmpop(db: &mut Keyspace, now: u64, argv: &Argv, at: usize) -> Result<Reply, Reply> {
    let (keys, end, count) = mpop_arguments(argv, at, ["left", "right"])?;
    let from = if end == 0 { Side::Left } else { Side::Right };
    for key in keys {
        let Some(l) = list_at(db, now, key)? else {
            continue;
        };
        let n = count.min(l.len());
        let popped: Vec<Reply> = (0..n)
            .filter_map(|_| pop_from(l, from))
            .map(Reply::Bulk)
            .collect();
        db.touch(key);
        drop_if_empty(db, now, key);
        return Ok(Reply::Array(vec![
            Reply::bulk(key.clone()),
            Reply::Array(popped),
        ]));
    }
    Ok(Reply::NilArray)
}

/// BLPOP/BRPOP's immediate case: the first non-empty list of `keys`.
fn bpop(db: &mut Keyspace, now: u64, keys: &[Vec<u8>], left: bool) -> Result<Reply, Reply> {
    for key in keys {
        let Some(l) = list_at(db, now, key)? else {
            continue;
        };
        let side = if left { Side::Left } else { Side::Right };
        if let Some(v) = pop_from(l, side) {
            db.touch(key);
            drop_if_empty(db, now, key);
            return Ok(Reply::Array(vec![Reply::bulk(key.clone()), Reply::Bulk(v)]));
        }
    }
    Ok(Reply::NilArray)
}
