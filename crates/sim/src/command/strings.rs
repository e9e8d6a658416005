//! String and bitmap commands beyond GET/SET (t_string.c, bitops.c in Redis
//! 7.0): ranges, float increments, expiring variants, bits.

use super::data::{err, int_arg, value_mut, Argv, NOT_INTEGER, SYNTAX, WRONGTYPE};
use crate::keyspace::{parse_i64, Keyspace, Value};
use crate::long_double::{add_ld, ld2string_human, string2ld, LongDouble};
use crate::reply::{Protocol, Reply};

/// 512 MB, `proto-max-bulk-len`'s default: the longest string Redis builds.
const MAX_STRING: i64 = 512 * 1024 * 1024;

pub fn run(
    name: &str,
    db: &mut Keyspace,
    now: u64,
    _proto: Protocol,
    argv: &Argv,
) -> Option<Result<Reply, Reply>> {
    Some(match name {
        "incrbyfloat" => incr_by_float(db, now, argv),
        "setrange" => set_range(db, now, argv),
        "getrange" | "substr" => get_range(db, now, argv),
        "getex" => get_ex(db, now, argv),
        "setex" | "psetex" => set_ex(name, db, now, argv),
        "setbit" => set_bit(db, now, argv),
        "getbit" => get_bit(db, now, argv),
        "bitcount" => bit_count(db, now, argv),
        "bitop" => bit_op(db, now, argv),
        "lcs" => lcs(db, now, argv),
        _ => return None,
    })
}

/// The string at `key`: `None` if missing, WRONGTYPE for another type.
fn string_at(db: &mut Keyspace, now: u64, key: &[u8]) -> Result<Option<Vec<u8>>, Reply> {
    match db.get(key, now).map(|e| &e.value) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.clone())),
        Some(_) => Err(err(WRONGTYPE)),
    }
}

/// INCRBYFLOAT (t_string.c): both operands read by `string2ld()` (a missing
/// key is 0), summed in 80-bit long double, stored and answered as
/// `ld2string(LD_STR_HUMAN)` prints the sum. "inf" is a valid float; an
/// infinite sum is refused.
fn incr_by_float(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    const NOT_FLOAT: &str = "ERR value is not a valid float";
    let current = match string_at(db, now, &argv[1])? {
        None => LongDouble::ZERO,
        Some(s) => string2ld(&s).ok_or_else(|| err(NOT_FLOAT))?,
    };
    let by = string2ld(&argv[2]).ok_or_else(|| err(NOT_FLOAT))?;
    let value =
        add_ld(current, by).ok_or_else(|| err("ERR increment would produce NaN or Infinity"))?;
    let text = ld2string_human(value);
    db.set(
        &argv[1],
        Value::Str(text.clone().into_bytes()),
        None,
        true,
        now,
    );
    Ok(Reply::bulk(text))
}

fn set_range(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let offset = int_arg(&argv[2])?;
    if offset < 0 {
        return Err(err("ERR offset is out of range"));
    }
    let value = &argv[3];
    let existing = string_at(db, now, &argv[1])?;
    let Some(mut s) = existing.or_else(|| (!value.is_empty()).then(Vec::new)) else {
        // A missing key and nothing to write: nothing is created.
        return Ok(Reply::Integer(0));
    };
    if value.is_empty() {
        return Ok(Reply::Integer(s.len() as i64));
    }
    if offset + value.len() as i64 > MAX_STRING {
        return Err(err(
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
        ));
    }
    let end = offset as usize + value.len();
    if s.len() < end {
        s.resize(end, 0);
    }
    s[offset as usize..end].copy_from_slice(value);
    let len = s.len();
    // Written in place: a known allocation stays (while the length does).
    let sds = db.get(&argv[1], now).and_then(|e| e.sds);
    db.set(&argv[1], Value::Str(s), None, true, now);
    // Written in place (or created by SETRANGE): a raw string.
    db.mark_converted(&argv[1]);
    db.set_sds(&argv[1], sds);
    Ok(Reply::Integer(len as i64))
}

/// GETRANGE's index rules (`getrangeCommand()`).
fn byte_range(start: i64, end: i64, len: i64) -> Option<(usize, usize)> {
    if start < 0 && end < 0 && start > end {
        return None;
    }
    let start = if start < 0 { len + start } else { start }.max(0);
    let end = if end < 0 { len + end } else { end }.max(0).min(len - 1);
    (start <= end && len > 0).then_some((start as usize, end as usize))
}

fn get_range(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let (start, end) = (int_arg(&argv[2])?, int_arg(&argv[3])?);
    let s = string_at(db, now, &argv[1])?.unwrap_or_default();
    Ok(match byte_range(start, end, s.len() as i64) {
        Some((a, b)) => Reply::bulk(s[a..=b].to_vec()),
        None => Reply::bulk(Vec::new()),
    })
}

/// An expiry argument as an absolute time in ms (`getExpireMillisecondsOrReply()`).
fn expire_at(command: &str, unit: &str, arg: &[u8], now: u64) -> Result<u64, Reply> {
    let n = parse_i64(arg).ok_or_else(|| err(NOT_INTEGER))?;
    let invalid = || Reply::Error(format!("ERR invalid expire time in '{command}' command"));
    let seconds = matches!(unit, "ex" | "exat");
    if n <= 0 || (seconds && n > i64::MAX / 1000) {
        return Err(invalid());
    }
    let ms = if seconds { n * 1000 } else { n };
    let at = if matches!(unit, "ex" | "px") {
        ms.checked_add(now as i64).ok_or_else(invalid)?
    } else {
        ms
    };
    Ok(at as u64)
}

fn get_ex(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let mut expire: Option<(&str, &[u8])> = None;
    let mut persist = false;
    let mut i = 2;
    while i < argv.len() {
        let opt = String::from_utf8_lossy(&argv[i]).to_ascii_lowercase();
        let has_next = i + 1 < argv.len();
        match opt.as_str() {
            "ex" | "px" | "exat" | "pxat" if has_next && !persist && expire.is_none() => {
                let unit = match opt.as_str() {
                    "ex" => "ex",
                    "px" => "px",
                    "exat" => "exat",
                    _ => "pxat",
                };
                expire = Some((unit, &argv[i + 1]));
                i += 1;
            }
            "persist" if !has_next && expire.is_none() => persist = true,
            _ => return Err(err(SYNTAX)),
        }
        i += 1;
    }
    let Some(value) = string_at(db, now, &argv[1])? else {
        return Ok(Reply::Nil);
    };
    let at = match expire {
        Some((unit, arg)) => Some(expire_at("getex", unit, arg, now)?),
        None => None,
    };
    if let Some(at) = at {
        if at <= now {
            db.remove(&argv[1], now);
        } else if let Some(e) = db.get_mut(&argv[1], now) {
            e.expire_at = Some(at);
            db.touch(&argv[1]);
        }
    } else if persist {
        if let Some(e) = db.get_mut(&argv[1], now) {
            if e.expire_at.take().is_some() {
                db.touch(&argv[1]);
            }
        }
    }
    Ok(Reply::bulk(value))
}

fn set_ex(name: &str, db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let unit = if name == "setex" { "ex" } else { "px" };
    let at = expire_at(name, unit, &argv[2], now)?;
    db.set(&argv[1], Value::Str(argv[3].clone()), Some(at), false, now);
    Ok(Reply::ok())
}

/// A bit offset: 0 ..= 2^32 - 1 (512 MB of bits).
fn bit_offset(arg: &[u8]) -> Result<u64, Reply> {
    match parse_i64(arg) {
        Some(n) if (0..(MAX_STRING * 8)).contains(&n) => Ok(n as u64),
        _ => Err(err("ERR bit offset is not an integer or out of range")),
    }
}

fn set_bit(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let offset = bit_offset(&argv[2])?;
    let on = match argv[3].as_slice() {
        b"0" => false,
        b"1" => true,
        _ => return Err(err("ERR bit is not an integer or out of range")),
    };
    let Value::Str(s) = value_mut(db, now, &argv[1], Value::Str(Vec::new()), |v| {
        matches!(v, Value::Str(_))
    })?
    else {
        unreachable!("value_mut checked the type")
    };
    let byte = (offset / 8) as usize;
    if s.len() <= byte {
        s.resize(byte + 1, 0);
    }
    let mask = 1u8 << (7 - (offset % 8));
    let old = s[byte] & mask != 0;
    if on {
        s[byte] |= mask;
    } else {
        s[byte] &= !mask;
    }
    db.touch(&argv[1]);
    db.mark_converted(&argv[1]);
    Ok(Reply::Integer(i64::from(old)))
}

fn get_bit(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let offset = bit_offset(&argv[2])?;
    let s = string_at(db, now, &argv[1])?.unwrap_or_default();
    let byte = (offset / 8) as usize;
    let bit = s
        .get(byte)
        .is_some_and(|b| b & (1u8 << (7 - (offset % 8))) != 0);
    Ok(Reply::Integer(i64::from(bit)))
}

fn bit_count(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    // Redis looks the key up first: a missing key is 0 whatever follows.
    let Some(s) = string_at(db, now, &argv[1])? else {
        return Ok(Reply::Integer(0));
    };
    let ones = |bytes: &[u8]| bytes.iter().map(|b| i64::from(b.count_ones())).sum::<i64>();
    match argv.len() {
        2 => Ok(Reply::Integer(ones(&s))),
        4 | 5 => {
            let (start, end) = (int_arg(&argv[2])?, int_arg(&argv[3])?);
            if start < 0 && end < 0 && start > end {
                return Ok(Reply::Integer(0));
            }
            let is_bit = match argv.get(4) {
                None => false,
                Some(a) if a.eq_ignore_ascii_case(b"bit") => true,
                Some(a) if a.eq_ignore_ascii_case(b"byte") => false,
                Some(_) => return Err(err(SYNTAX)),
            };
            let total = s.len() as i64 * if is_bit { 8 } else { 1 };
            let start = if start < 0 { total + start } else { start }.max(0);
            let end = if end < 0 { total + end } else { end }
                .max(0)
                .min(total - 1);
            if start > end || total == 0 {
                return Ok(Reply::Integer(0));
            }
            if !is_bit {
                return Ok(Reply::Integer(ones(&s[start as usize..=end as usize])));
            }
            let count = (start..=end)
                .filter(|&bit| s[(bit / 8) as usize] & (1u8 << (7 - bit % 8)) != 0)
                .count();
            Ok(Reply::Integer(count as i64))
        }
        _ => Err(err(SYNTAX)),
    }
}

fn bit_op(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let op = String::from_utf8_lossy(&argv[1]).to_ascii_lowercase();
    if !matches!(op.as_str(), "and" | "or" | "xor" | "not") {
        return Err(err(SYNTAX));
    }
    let sources = &argv[3..];
    if op == "not" && sources.len() != 1 {
        return Err(err(
            "ERR BITOP NOT must be called with a single source key.",
        ));
    }
    let mut values = Vec::new();
    for k in sources {
        values.push(string_at(db, now, k)?.unwrap_or_default());
    }
    let len = values.iter().map(Vec::len).max().unwrap_or(0);
    let mut out = vec![0u8; len];
    for (i, byte) in out.iter_mut().enumerate() {
        let at = |v: &Vec<u8>| v.get(i).copied().unwrap_or(0);
        *byte = match op.as_str() {
            "not" => !at(&values[0]),
            "and" => values.iter().map(at).fold(0xff, |a, b| a & b),
            "or" => values.iter().map(at).fold(0, |a, b| a | b),
            _ => values.iter().map(at).fold(0, |a, b| a ^ b),
        };
    }
    if out.is_empty() {
        db.remove(&argv[2], now);
    } else {
        db.set(&argv[2], Value::Str(out), None, false, now);
        // BITOP's result is a new raw string (`createObject()`).
        db.mark_converted(&argv[2]);
    }
    Ok(Reply::Integer(len as i64))
}

/// The LCS table Slotscope builds at most (cells of 4 bytes): 64 MiB, well
/// under Redis's own limit (proto-max-bulk-len), so a page never runs out.
const LCS_MAX_TABLE: u64 = 64 * 1024 * 1024;

/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN] (`lcsCommand()`):
/// the dynamic-programming table, walked back from the end as Redis walks
/// it, so IDX reports the same ranges in the same order.
fn lcs(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let not_strings = || err("ERR The specified keys must contain string values");
    let a = string_at(db, now, &argv[1]).map_err(|_| not_strings())?;
    let b = string_at(db, now, &argv[2]).map_err(|_| not_strings())?;
    let (a, b) = (a.unwrap_or_default(), b.unwrap_or_default());
    let (mut get_len, mut get_idx, mut with_len) = (false, false, false);
    let mut min_len: i64 = 0;
    let mut j = 3;
    while j < argv.len() {
        let o = &argv[j];
        if o.eq_ignore_ascii_case(b"idx") {
            get_idx = true;
        } else if o.eq_ignore_ascii_case(b"len") {
            get_len = true;
        } else if o.eq_ignore_ascii_case(b"withmatchlen") {
            with_len = true;
        } else if o.eq_ignore_ascii_case(b"minmatchlen") && j + 1 < argv.len() {
            min_len = int_arg(&argv[j + 1])?.max(0);
            j += 1;
        } else {
            return Err(err(SYNTAX));
        }
        j += 1;
    }
    if get_idx && get_len {
        return Err(err(
            "ERR If you want both the length and indexes, please just use IDX.",
        ));
    }
    let (alen, blen) = (a.len(), b.len());
    let cells = (alen as u64 + 1) * (blen as u64 + 1);
    if cells * 4 > MAX_STRING as u64 {
        return Err(err(
            "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        ));
    }
    if cells * 4 > LCS_MAX_TABLE {
        return Err(err(
            "ERR Slotscope computes LCS with a table of at most 64 MiB (Redis allows up to proto-max-bulk-len)",
        ));
    }
    let w = blen + 1;
    let mut t = vec![0u32; (alen + 1) * w];
    for i in 1..=alen {
        for k in 1..=blen {
            t[i * w + k] = if a[i - 1] == b[k - 1] {
                t[(i - 1) * w + k - 1] + 1
            } else {
                t[(i - 1) * w + k].max(t[i * w + k - 1])
            };
        }
    }
    let total = t[alen * w + blen];
    if get_len {
        return Ok(Reply::Integer(i64::from(total)));
    }
    let mut result = vec![0u8; total as usize];
    let mut idx = total as usize;
    let mut matches = Vec::new();
    // `alen` as a start means no range is open.
    let (mut a_start, mut a_end, mut b_start, mut b_end) = (alen, 0, 0, 0);
    let (mut i, mut k) = (alen, blen);
    while i > 0 && k > 0 {
        let mut emit = false;
        if a[i - 1] == b[k - 1] {
            result[idx - 1] = a[i - 1];
            if a_start == alen {
                (a_start, a_end, b_start, b_end) = (i - 1, i - 1, k - 1, k - 1);
            } else if a_start == i && b_start == k {
                a_start -= 1;
                b_start -= 1;
            } else {
                emit = true;
            }
            if a_start == 0 || b_start == 0 {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            k -= 1;
        } else {
            if t[(i - 1) * w + k] > t[i * w + k - 1] {
                i -= 1;
            } else {
                k -= 1;
            }
            if a_start != alen {
                emit = true;
            }
        }
        let match_len = a_end as i64 - a_start as i64 + 1;
        if emit {
            if min_len == 0 || match_len >= min_len {
                let pair = |x: usize, y: usize| {
                    Reply::Array(vec![Reply::Integer(x as i64), Reply::Integer(y as i64)])
                };
                let mut m = vec![pair(a_start, a_end), pair(b_start, b_end)];
                if with_len {
                    m.push(Reply::Integer(match_len));
                }
                matches.push(Reply::Array(m));
            }
            a_start = alen;
        }
    }
    if !get_idx {
        return Ok(Reply::Bulk(result));
    }
    Ok(Reply::Map(vec![
        (Reply::bulk("matches"), Reply::Array(matches)),
        (Reply::bulk("len"), Reply::Integer(i64::from(total))),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(byte_range(0, -1, 5), Some((0, 4)));
        assert_eq!(byte_range(-3, -1, 5), Some((2, 4)));
        assert_eq!(byte_range(-1, -3, 5), None);
        assert_eq!(byte_range(10, 20, 5), None);
        assert_eq!(byte_range(0, 0, 0), None);
    }
}
