//! Sorted-set commands (t_zset.c in Redis 7.0): every ZRANGE form through
//! one `zrangeGenericCommand()`-shaped function, ranges by rank, score and
//! lex, pops, removals by range, and the union/intersection/difference
//! algebra with its STORE forms. A sorted set is kept ordered by
//! (score, member), the order Redis keeps it in.

use super::data::{
    double_reply, err, format_double, index_range, int_arg, parse_double, Argv, NOT_FLOAT,
    NOT_INTEGER, SYNTAX, WRONGTYPE,
};
use crate::keyspace::{parse_i64, Keyspace, Value};
use crate::reply::{Protocol, Reply};

type ZSet = Vec<(f64, Vec<u8>)>;

pub fn run(
    name: &str,
    db: &mut Keyspace,
    now: u64,
    proto: Protocol,
    argv: &Argv,
) -> Option<Result<Reply, Reply>> {
    use Direction::*;
    use RangeType::*;
    Some(match name {
        "zrange" => zrange(db, now, proto, argv, 1, None, None, None),
        "zrangestore" => zrange(db, now, proto, argv, 2, None, None, Some(&argv[1])),
        "zrevrange" => zrange(db, now, proto, argv, 1, Some(Rank), Some(Reverse), None),
        "zrangebyscore" => zrange(db, now, proto, argv, 1, Some(Score), Some(Forward), None),
        "zrevrangebyscore" => zrange(db, now, proto, argv, 1, Some(Score), Some(Reverse), None),
        "zrangebylex" => zrange(db, now, proto, argv, 1, Some(Lex), Some(Forward), None),
        "zrevrangebylex" => zrange(db, now, proto, argv, 1, Some(Lex), Some(Reverse), None),
        "zincrby" => zincrby(db, now, proto, argv),
        "zrem" => zrem(db, now, argv),
        "zrank" | "zrevrank" => zrank(name == "zrevrank", db, now, argv),
        "zcount" => score_range(&argv[2], &argv[3])
            .and_then(|r| count(db, now, &argv[1], |s, _| r.contains(s))),
        "zlexcount" => lex_range(&argv[2], &argv[3]).and_then(|r| {
            let z = zset_at(db, now, &argv[1])?.unwrap_or_default();
            Ok(Reply::Integer(r.run(&z, false).len() as i64))
        }),
        "zpopmin" | "zpopmax" => zpop(name == "zpopmax", db, now, proto, argv),
        "zmscore" => zmscore(db, now, proto, argv),
        "zremrangebyrank" => zremrangebyrank(db, now, argv),
        "zremrangebyscore" => score_range(&argv[2], &argv[3])
            .and_then(|r| remove_where(db, now, &argv[1], |s, _| r.contains(s))),
        "zremrangebylex" => lex_range(&argv[2], &argv[3]).and_then(|r| {
            let Some(mut z) = zset_at(db, now, &argv[1])? else {
                return Ok(Reply::Integer(0));
            };
            let gone = r.run(&z, false);
            let mut i = 0;
            z.retain(|_| {
                i += 1;
                !gone.contains(&(i - 1))
            });
            if !gone.is_empty() {
                put(db, now, &argv[1], z, true);
            }
            Ok(Reply::Integer(gone.len() as i64))
        }),
        "zunion" | "zinter" | "zdiff" => algebra(name, db, now, proto, argv, None),
        "zunionstore" | "zinterstore" | "zdiffstore" => {
            algebra(name, db, now, proto, argv, Some(&argv[1]))
        }
        "zintercard" => algebra(name, db, now, proto, argv, None),
        "zmpop" => zmpop(db, now, proto, argv, 1),
        "bzmpop" => super::lists::timeout(&argv[1]).and_then(|_| zmpop(db, now, proto, argv, 2)),
        "bzpopmin" | "bzpopmax" => super::lists::timeout(&argv[argv.len() - 1])
            .and_then(|_| bzpop(name == "bzpopmax", db, now, proto, &argv[1..argv.len() - 1])),
        "zscan" => zscan(db, now, argv),
        _ => return None,
    })
}

fn zset_at(db: &mut Keyspace, now: u64, key: &[u8]) -> Result<Option<ZSet>, Reply> {
    match db.get(key, now).map(|e| &e.value) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z.clone())),
        Some(_) => Err(err(WRONGTYPE)),
    }
}

fn sort(z: &mut ZSet) {
    crate::order::sort_by(z, |a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
}

/// Writes `z` back to `key` (deleting the key when it is empty).
fn put(db: &mut Keyspace, now: u64, key: &[u8], mut z: ZSet, keep_ttl: bool) {
    if z.is_empty() {
        db.remove(key, now);
        return;
    }
    sort(&mut z);
    // Changed in place (keep_ttl), a skiplist stays one; a STORE
    // destination is a new value.
    let converted = keep_ttl && db.peek_entry(key, now).is_some_and(|e| e.converted);
    db.set(key, Value::ZSet(z), None, keep_ttl, now);
    if converted {
        db.mark_converted(key);
    }
}

/// `zslParseRange()`: `1.5`, `(1.5` (exclusive), `-inf`, `+inf`.
struct ScoreRange {
    min: f64,
    min_ex: bool,
    max: f64,
    max_ex: bool,
}

impl ScoreRange {
    fn contains(&self, s: f64) -> bool {
        let above = if self.min_ex {
            s > self.min
        } else {
            s >= self.min
        };
        let below = if self.max_ex {
            s < self.max
        } else {
            s <= self.max
        };
        above && below
    }
}

fn score_bound(arg: &[u8]) -> Option<(f64, bool)> {
    match arg.strip_prefix(b"(") {
        Some(rest) => Some((parse_double(rest)?, true)),
        None => Some((parse_double(arg)?, false)),
    }
}

fn score_range(min: &[u8], max: &[u8]) -> Result<ScoreRange, Reply> {
    let bad = || err("ERR min or max is not a float");
    let (min, min_ex) = score_bound(min).ok_or_else(bad)?;
    let (max, max_ex) = score_bound(max).ok_or_else(bad)?;
    Ok(ScoreRange {
        min,
        min_ex,
        max,
        max_ex,
    })
}

/// `zslParseLexRange()`: `[a` inclusive, `(a` exclusive, `-` and `+`.
#[derive(Clone, PartialEq)]
enum LexBound {
    Minus,
    Plus,
    Incl(Vec<u8>),
    Excl(Vec<u8>),
}

struct LexRange {
    min: LexBound,
    max: LexBound,
}

impl LexRange {
    fn gte_min(&self, m: &[u8]) -> bool {
        match &self.min {
            LexBound::Minus => true,
            LexBound::Plus => false,
            LexBound::Incl(b) => m >= b.as_slice(),
            LexBound::Excl(b) => m > b.as_slice(),
        }
    }

    fn lte_max(&self, m: &[u8]) -> bool {
        match &self.max {
            LexBound::Minus => false,
            LexBound::Plus => true,
            LexBound::Incl(b) => m <= b.as_slice(),
            LexBound::Excl(b) => m < b.as_slice(),
        }
    }

    /// A range that can hold nothing (`zslIsInLexRange()`'s first test).
    fn always_empty(&self) -> bool {
        let rank = |b: &LexBound| match b {
            LexBound::Minus => (0, Vec::new()),
            LexBound::Plus => (2, Vec::new()),
            LexBound::Incl(v) | LexBound::Excl(v) => (1, v.clone()),
        };
        let (min, max) = (rank(&self.min), rank(&self.max));
        let exclusive =
            matches!(self.min, LexBound::Excl(_)) || matches!(self.max, LexBound::Excl(_));
        min > max || (min == max && exclusive)
    }

    /// The positions a lex range covers in `z` (ordered by score, then
    /// member), walked as Redis walks it: it assumes one score for all, so
    /// it starts at the first member ≥ min and stops at the first > max.
    /// With mixed scores that is not a filter, and Redis answers the same.
    fn run(&self, z: &ZSet, reverse: bool) -> Vec<usize> {
        let (Some(first), Some(last)) = (z.first(), z.last()) else {
            return Vec::new();
        };
        if self.always_empty() || !self.gte_min(&last.1) || !self.lte_max(&first.1) {
            return Vec::new();
        }
        let mut out = Vec::new();
        if reverse {
            let Some(start) = (0..z.len()).rev().find(|&i| self.lte_max(&z[i].1)) else {
                return out;
            };
            for i in (0..=start).rev() {
                if !self.gte_min(&z[i].1) {
                    break;
                }
                out.push(i);
            }
        } else {
            let Some(start) = (0..z.len()).find(|&i| self.gte_min(&z[i].1)) else {
                return out;
            };
            for (i, item) in z.iter().enumerate().skip(start) {
                if !self.lte_max(&item.1) {
                    break;
                }
                out.push(i);
            }
        }
        out
    }
}

fn lex_bound(arg: &[u8]) -> Option<LexBound> {
    match arg {
        b"-" => Some(LexBound::Minus),
        b"+" => Some(LexBound::Plus),
        [b'[', rest @ ..] => Some(LexBound::Incl(rest.to_vec())),
        [b'(', rest @ ..] => Some(LexBound::Excl(rest.to_vec())),
        _ => None,
    }
}

fn lex_range(min: &[u8], max: &[u8]) -> Result<LexRange, Reply> {
    let bad = || err("ERR min or max not valid string range item");
    Ok(LexRange {
        min: lex_bound(min).ok_or_else(bad)?,
        max: lex_bound(max).ok_or_else(bad)?,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeType {
    Rank,
    Score,
    Lex,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Forward,
    Reverse,
}

/// Members with scores as a reply: RESP2 a flat list with scores as bulk
/// strings; RESP3 pairs of [member, double].
fn with_scores_reply(items: &[(f64, Vec<u8>)], proto: Protocol) -> Reply {
    Reply::Array(match proto {
        Protocol::Resp3 => items
            .iter()
            .map(|(s, m)| Reply::Array(vec![Reply::bulk(m.clone()), double_reply(*s, proto)]))
            .collect(),
        Protocol::Resp2 => items
            .iter()
            .flat_map(|(s, m)| [Reply::bulk(m.clone()), Reply::bulk(format_double(*s))])
            .collect(),
    })
}

/// `zrangeGenericCommand()`: ZRANGE and its older forms, ZRANGESTORE.
#[allow(clippy::too_many_arguments)]
fn zrange(
    db: &mut Keyspace,
    now: u64,
    proto: Protocol,
    argv: &Argv,
    key_at: usize,
    fixed_type: Option<RangeType>,
    fixed_direction: Option<Direction>,
    store: Option<&Vec<u8>>,
) -> Result<Reply, Reply> {
    let (mut range_type, mut direction) = (fixed_type, fixed_direction);
    let (mut with_scores, mut limit): (bool, Option<(i64, i64)>) = (false, None);
    let mut j = key_at + 3;
    while j < argv.len() {
        let a = &argv[j];
        let left = argv.len() - j - 1;
        if a.eq_ignore_ascii_case(b"withscores") {
            with_scores = true;
        } else if a.eq_ignore_ascii_case(b"limit") && left >= 2 {
            limit = Some((int_arg(&argv[j + 1])?, int_arg(&argv[j + 2])?));
            j += 2;
        } else if direction.is_none() && a.eq_ignore_ascii_case(b"rev") {
            direction = Some(Direction::Reverse);
        } else if range_type.is_none() && a.eq_ignore_ascii_case(b"bylex") {
            range_type = Some(RangeType::Lex);
        } else if range_type.is_none() && a.eq_ignore_ascii_case(b"byscore") {
            range_type = Some(RangeType::Score);
        } else {
            return Err(err(SYNTAX));
        }
        j += 1;
    }
    let range_type = range_type.unwrap_or(RangeType::Rank);
    let reverse = direction == Some(Direction::Reverse);
    if limit.is_some() && range_type == RangeType::Rank {
        return Err(err(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if with_scores && range_type == RangeType::Lex {
        return Err(err(
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    // A reversed range by score or lex is given as max, min.
    let (mut min_at, mut max_at) = (key_at + 1, key_at + 2);
    if reverse && range_type != RangeType::Rank {
        std::mem::swap(&mut min_at, &mut max_at);
    }
    enum Picker {
        Rank(i64, i64),
        Score(ScoreRange),
        Lex(LexRange),
    }
    let picker = match range_type {
        RangeType::Rank => Picker::Rank(int_arg(&argv[min_at])?, int_arg(&argv[max_at])?),
        RangeType::Score => Picker::Score(score_range(&argv[min_at], &argv[max_at])?),
        RangeType::Lex => Picker::Lex(lex_range(&argv[min_at], &argv[max_at])?),
    };
    let Some(z) = zset_at(db, now, &argv[key_at])? else {
        return Ok(match store {
            Some(dst) => {
                db.remove(dst, now);
                Reply::Integer(0)
            }
            None => Reply::Array(Vec::new()),
        });
    };
    let lex: Option<Vec<usize>> = match &picker {
        Picker::Lex(r) => Some(r.run(&z, reverse)),
        _ => None,
    };
    let mut items: ZSet = z;
    if reverse {
        items.reverse();
    }
    let picked: ZSet = match picker {
        Picker::Rank(start, end) => match index_range(start, end, items.len()) {
            Some((a, b)) => items[a..=b].to_vec(),
            None => Vec::new(),
        },
        Picker::Score(r) => limited(items.into_iter().filter(|(s, _)| r.contains(*s)), limit),
        Picker::Lex(_) => {
            let mut z = items;
            if reverse {
                z.reverse();
            }
            let run: Vec<(f64, Vec<u8>)> = lex
                .unwrap_or_default()
                .into_iter()
                .map(|i| z[i].clone())
                .collect();
            limited(run.into_iter(), limit)
        }
    };
    if let Some(dst) = store {
        let n = picked.len();
        put(db, now, dst, picked, false);
        return Ok(Reply::Integer(n as i64));
    }
    Ok(if with_scores {
        with_scores_reply(&picked, proto)
    } else {
        Reply::Array(picked.into_iter().map(|(_, m)| Reply::Bulk(m)).collect())
    })
}

/// LIMIT offset count: a negative offset gives nothing, a negative count everything.
fn limited(items: impl Iterator<Item = (f64, Vec<u8>)>, limit: Option<(i64, i64)>) -> ZSet {
    match limit {
        None => items.collect(),
        Some((offset, _)) if offset < 0 => Vec::new(),
        Some((offset, count)) if count < 0 => items.skip(offset as usize).collect(),
        Some((offset, count)) => items.skip(offset as usize).take(count as usize).collect(),
    }
}

fn zincrby(db: &mut Keyspace, now: u64, proto: Protocol, argv: &Argv) -> Result<Reply, Reply> {
    let by = parse_double(&argv[2]).ok_or_else(|| err(NOT_FLOAT))?;
    let mut z = zset_at(db, now, &argv[1])?.unwrap_or_default();
    let score = match z.iter_mut().find(|(_, m)| *m == argv[3]) {
        Some(entry) => {
            let new = entry.0 + by;
            if new.is_nan() {
                return Err(err("ERR resulting score is not a number (NaN)"));
            }
            entry.0 = new;
            new
        }
        None => {
            z.push((by, argv[3].clone()));
            by
        }
    };
    put(db, now, &argv[1], z, true);
    Ok(double_reply(score, proto))
}

fn zrem(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let Some(mut z) = zset_at(db, now, &argv[1])? else {
        return Ok(Reply::Integer(0));
    };
    let before = z.len();
    z.retain(|(_, m)| !argv[2..].contains(m));
    let removed = before - z.len();
    if removed > 0 {
        put(db, now, &argv[1], z, true);
    }
    Ok(Reply::Integer(removed as i64))
}

fn zrank(rev: bool, db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let Some(z) = zset_at(db, now, &argv[1])? else {
        return Ok(Reply::Nil);
    };
    Ok(match z.iter().position(|(_, m)| *m == argv[2]) {
        Some(i) if rev => Reply::Integer((z.len() - 1 - i) as i64),
        Some(i) => Reply::Integer(i as i64),
        None => Reply::Nil,
    })
}

fn count(
    db: &mut Keyspace,
    now: u64,
    key: &[u8],
    keep: impl Fn(f64, &[u8]) -> bool,
) -> Result<Reply, Reply> {
    let z = zset_at(db, now, key)?.unwrap_or_default();
    Ok(Reply::Integer(
        z.iter().filter(|(s, m)| keep(*s, m)).count() as i64,
    ))
}

fn remove_where(
    db: &mut Keyspace,
    now: u64,
    key: &[u8],
    gone: impl Fn(f64, &[u8]) -> bool,
) -> Result<Reply, Reply> {
    let Some(mut z) = zset_at(db, now, key)? else {
        return Ok(Reply::Integer(0));
    };
    let before = z.len();
    z.retain(|(s, m)| !gone(*s, m));
    let removed = before - z.len();
    if removed > 0 {
        put(db, now, key, z, true);
    }
    Ok(Reply::Integer(removed as i64))
}

fn zremrangebyrank(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let (start, end) = (int_arg(&argv[2])?, int_arg(&argv[3])?);
    let Some(mut z) = zset_at(db, now, &argv[1])? else {
        return Ok(Reply::Integer(0));
    };
    let Some((a, b)) = index_range(start, end, z.len()) else {
        return Ok(Reply::Integer(0));
    };
    z.drain(a..=b);
    put(db, now, &argv[1], z, true);
    Ok(Reply::Integer((b - a + 1) as i64))
}

fn zpop(
    max: bool,
    db: &mut Keyspace,
    now: u64,
    proto: Protocol,
    argv: &Argv,
) -> Result<Reply, Reply> {
    if argv.len() > 3 {
        return Err(err(SYNTAX));
    }
    let count = match argv.get(2) {
        None => None,
        Some(a) => match parse_i64(a) {
            Some(n) if n >= 0 => Some(n as usize),
            Some(_) => return Err(err("ERR value is out of range, must be positive")),
            None => return Err(err(NOT_INTEGER)),
        },
    };
    let Some(mut z) = zset_at(db, now, &argv[1])? else {
        return Ok(Reply::Array(Vec::new()));
    };
    let popped = pop_n(&mut z, max, count.unwrap_or(1));
    if !popped.is_empty() {
        put(db, now, &argv[1], z, true);
    }
    // Without COUNT, RESP3 still answers one flat [member, score].
    if count.is_none() && proto == Protocol::Resp3 {
        return Ok(Reply::Array(
            popped
                .iter()
                .flat_map(|(s, m)| [Reply::bulk(m.clone()), double_reply(*s, proto)])
                .collect(),
        ));
    }
    Ok(with_scores_reply(&popped, proto))
}

fn zmscore(db: &mut Keyspace, now: u64, proto: Protocol, argv: &Argv) -> Result<Reply, Reply> {
    let z = zset_at(db, now, &argv[1])?.unwrap_or_default();
    Ok(Reply::Array(
        argv[2..]
            .iter()
            .map(|m| {
                z.iter()
                    .find(|(_, x)| x == m)
                    .map_or(Reply::Nil, |(s, _)| double_reply(*s, proto))
            })
            .collect(),
    ))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

/// `zunionInterDiffGenericCommand()`: ZUNION/ZINTER/ZDIFF, their STORE
/// forms and ZINTERCARD. Sets count as sorted sets with score 1.
fn algebra(
    name: &str,
    db: &mut Keyspace,
    now: u64,
    proto: Protocol,
    argv: &Argv,
    dst: Option<&Vec<u8>>,
) -> Result<Reply, Reply> {
    let op = &name[1..name.len() - if dst.is_some() { 5 } else { 0 }];
    let cardinality_only = name == "zintercard";
    let op = if cardinality_only { "inter" } else { op };
    let numkeys_at = if dst.is_some() { 2 } else { 1 };
    let setnum = int_arg(&argv[numkeys_at])?;
    if setnum < 1 {
        return Err(Reply::Error(format!(
            "ERR at least 1 input key is needed for '{name}' command"
        )));
    }
    if setnum > (argv.len() - numkeys_at - 1) as i64 {
        return Err(err(SYNTAX));
    }
    let setnum = setnum as usize;
    let mut sources: Vec<Option<ZSet>> = Vec::new();
    for key in &argv[numkeys_at + 1..numkeys_at + 1 + setnum] {
        sources.push(match db.get(key, now).map(|e| &e.value) {
            None => None,
            Some(Value::ZSet(z)) => Some(z.clone()),
            Some(Value::Set(s)) => Some(s.iter().map(|m| (1.0, m.clone())).collect()),
            Some(_) => return Err(err(WRONGTYPE)),
        });
    }
    let mut weights = vec![1.0; setnum];
    let (mut aggregate, mut with_scores, mut limit) = (Aggregate::Sum, false, 0usize);
    let mut j = numkeys_at + 1 + setnum;
    while j < argv.len() {
        let remaining = argv.len() - j;
        let a = &argv[j];
        if op != "diff"
            && !cardinality_only
            && remaining > setnum
            && a.eq_ignore_ascii_case(b"weights")
        {
            for (i, w) in weights.iter_mut().enumerate() {
                *w = parse_double(&argv[j + 1 + i])
                    .ok_or_else(|| err("ERR weight value is not a float"))?;
            }
            j += 1 + setnum;
        } else if op != "diff"
            && !cardinality_only
            && remaining >= 2
            && a.eq_ignore_ascii_case(b"aggregate")
        {
            let how = &argv[j + 1];
            aggregate = if how.eq_ignore_ascii_case(b"sum") {
                Aggregate::Sum
            } else if how.eq_ignore_ascii_case(b"min") {
                Aggregate::Min
            } else if how.eq_ignore_ascii_case(b"max") {
                Aggregate::Max
            } else {
                return Err(err(SYNTAX));
            };
            j += 2;
        } else if dst.is_none() && !cardinality_only && a.eq_ignore_ascii_case(b"withscores") {
            with_scores = true;
            j += 1;
        } else if cardinality_only && remaining >= 2 && a.eq_ignore_ascii_case(b"limit") {
            limit = match parse_i64(&argv[j + 1]) {
                Some(n) if n >= 0 => n as usize,
                _ => return Err(err("ERR LIMIT can't be negative")),
            };
            j += 2;
        } else {
            return Err(err(SYNTAX));
        }
    }
    let weigh = |s: f64, w: f64| {
        let v = s * w;
        if v.is_nan() {
            0.0
        } else {
            v
        }
    };
    let combine = |a: f64, b: f64| match aggregate {
        Aggregate::Sum => {
            let v = a + b;
            if v.is_nan() {
                0.0
            } else {
                v
            }
        }
        Aggregate::Min => a.min(b),
        Aggregate::Max => a.max(b),
    };
    let empty = ZSet::new();
    let mut result: ZSet = Vec::new();
    match op {
        "union" => {
            for (src, w) in sources.iter().zip(&weights) {
                for (s, m) in src.as_ref().unwrap_or(&empty) {
                    let v = weigh(*s, *w);
                    match result.iter_mut().find(|(_, x)| x == m) {
                        Some(e) => e.0 = combine(e.0, v),
                        None => result.push((v, m.clone())),
                    }
                }
            }
        }
        "inter" => {
            if sources.iter().all(Option::is_some) {
                let first = sources[0].as_ref().unwrap_or(&empty);
                'member: for (s, m) in first {
                    let mut v = weigh(*s, weights[0]);
                    for (src, w) in sources[1..].iter().zip(&weights[1..]) {
                        match src.as_ref().unwrap_or(&empty).iter().find(|(_, x)| x == m) {
                            Some((s2, _)) => v = combine(v, weigh(*s2, *w)),
                            None => continue 'member,
                        }
                    }
                    result.push((v, m.clone()));
                }
            }
        }
        _ => {
            // ZDIFF: the first set's members (with their scores) found in no other.
            for (s, m) in sources[0].as_ref().unwrap_or(&empty) {
                let elsewhere = sources[1..]
                    .iter()
                    .any(|src| src.as_ref().is_some_and(|z| z.iter().any(|(_, x)| x == m)));
                if !elsewhere {
                    result.push((*s, m.clone()));
                }
            }
        }
    }
    if cardinality_only {
        let n = if limit > 0 {
            result.len().min(limit)
        } else {
            result.len()
        };
        return Ok(Reply::Integer(n as i64));
    }
    sort(&mut result);
    if let Some(dst) = dst {
        let n = result.len();
        put(db, now, dst, result, false);
        return Ok(Reply::Integer(n as i64));
    }
    Ok(if with_scores {
        with_scores_reply(&result, proto)
    } else {
        Reply::Array(result.into_iter().map(|(_, m)| Reply::Bulk(m)).collect())
    })
}

/// Up to `n` members from the low end, or from the high end highest first.
fn pop_n(z: &mut ZSet, max: bool, n: usize) -> ZSet {
    let n = n.min(z.len());
    if max {
        let mut top: ZSet = z.drain(z.len() - n..).collect();
        top.reverse();
        top
    } else {
        z.drain(..n).collect()
    }
}

/// BZPOPMIN/BZPOPMAX's immediate case: one element of the first non-empty key.
fn bzpop(
    max: bool,
    db: &mut Keyspace,
    now: u64,
    proto: Protocol,
    keys: &[Vec<u8>],
) -> Result<Reply, Reply> {
    for key in keys {
        let Some(mut z) = zset_at(db, now, key)? else {
            continue;
        };
        let Some((score, member)) = pop_n(&mut z, max, 1).pop() else {
            continue;
        };
        put(db, now, key, z, true);
        let score = match proto {
            Protocol::Resp3 => double_reply(score, proto),
            Protocol::Resp2 => Reply::bulk(format_double(score)),
        };
        return Ok(Reply::Array(vec![
            Reply::bulk(key.clone()),
            Reply::Bulk(member),
            score,
        ]));
    }
    Ok(Reply::NilArray)
}

/// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]; `at` is where numkeys is.
fn zmpop(
    db: &mut Keyspace,
    now: u64,
    proto: Protocol,
    argv: &Argv,
    at: usize,
) -> Result<Reply, Reply> {
    let (keys, end, count) = super::lists::mpop_arguments(argv, at, ["min", "max"])?;
    let max = end == 1;
    for key in keys {
        let Some(mut z) = zset_at(db, now, key)? else {
            continue;
        };
        let popped = pop_n(&mut z, max, count);
        put(db, now, key, z, true);
        let items = popped
            .iter()
            .map(|(s, m)| Reply::Array(vec![Reply::bulk(m.clone()), double_reply(*s, proto)]))
            .collect();
        return Ok(Reply::Array(vec![
            Reply::bulk(key.clone()),
            Reply::Array(items),
        ]));
    }
    Ok(Reply::NilArray)
}

/// ZSCAN key cursor [MATCH p] [COUNT n]: a small sorted set whole, cursor 0.
fn zscan(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    super::keys::cursor(&argv[2])?;
    let Some(z) = zset_at(db, now, &argv[1])? else {
        return Ok(super::keys::empty_scan());
    };
    let options = super::keys::scan_options(argv, 3, false)?;
    let cursor = super::keys::cursor(&argv[2])?;
    // A listpack is returned whole; a skiplist's dict bucket by bucket.
    let (next, picked) = if super::data::encoding_of(db, now, &argv[1]) == "skiplist" {
        super::scan::scan(z.iter().map(|(_, m)| m.as_slice()), cursor, options.count)
    } else {
        (0, (0..z.len()).collect())
    };
    Ok(Reply::Array(vec![
        Reply::bulk(next.to_string()),
        Reply::Array(
            picked
                .into_iter()
                .map(|i| &z[i])
                .filter(|(_, m)| crate::glob::glob_match(&options.pattern, m))
                .flat_map(|(s, m)| [Reply::bulk(m.clone()), Reply::bulk(format_double(*s))])
                .collect(),
        ),
    ]))
}
