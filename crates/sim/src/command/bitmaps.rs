//! BITPOS and BITFIELD / BITFIELD_RO (bitops.c in Redis 7.0): bits are
//! numbered from the most significant bit of the first byte, a missing
//! key reads as zeros, and BITFIELD's overflow rules (WRAP, SAT, FAIL) are
//! Redis's, integer for integer.

use super::data::{eq_ignore_case, err, int_arg, value_mut, Argv, SYNTAX, WRONGTYPE};
use crate::keyspace::{parse_i64, Keyspace, Value};
use crate::reply::Reply;

/// 512 MB (`proto-max-bulk-len`), the longest string Redis builds.
const MAX_BYTES: i64 = 512 * 1024 * 1024;

pub fn run(name: &str, db: &mut Keyspace, now: u64, argv: &Argv) -> Option<Result<Reply, Reply>> {
    Some(match name {
        "bitpos" => bitpos(db, now, argv),
        "bitfield" | "bitfield_ro" => bitfield(name == "bitfield_ro", db, now, argv),
        _ => return None,
    })
}

fn string_at(db: &mut Keyspace, now: u64, key: &[u8]) -> Result<Option<Vec<u8>>, Reply> {
    match db.get(key, now).map(|e| &e.value) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.clone())),
        Some(_) => Err(err(WRONGTYPE)),
    }
}

fn bit(s: &[u8], at: u64) -> bool {
    s.get((at / 8) as usize)
        .is_some_and(|b| b & (0x80 >> (at % 8)) != 0)
}

/// BITPOS key bit [start [end [BYTE|BIT]]].
fn bitpos(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let wanted = int_arg(&argv[2])?;
    if wanted != 0 && wanted != 1 {
        return Err(err("ERR The bit argument must be 1 or 0."));
    }
    let wanted = wanted == 1;
    // A missing key is an endless run of zeros.
    let Some(s) = string_at(db, now, &argv[1])? else {
        return Ok(Reply::Integer(if wanted { -1 } else { 0 }));
    };
    let len = s.len() as i64;
    let (first, last, end_given) = match argv.len() {
        3 => (0, len * 8 - 1, false),
        4..=6 => {
            let start = int_arg(&argv[3])?;
            let by_bit = match argv.get(5) {
                None => false,
                Some(a) if eq_ignore_case(a, "bit") => true,
                Some(a) if eq_ignore_case(a, "byte") => false,
                Some(_) => return Err(err(SYNTAX)),
            };
            let end = match argv.get(4) {
                Some(a) => Some(int_arg(a)?),
                None => None,
            };
            let total = if by_bit { len * 8 } else { len };
            let norm = |i: i64| if i < 0 { (total + i).max(0) } else { i };
            let start = norm(start);
            let end = norm(end.unwrap_or(total - 1)).min(total - 1);
            if start > end {
                return Ok(Reply::Integer(-1));
            }
            if by_bit {
                (start, end, argv.len() >= 5)
            } else {
                (start * 8, end * 8 + 7, argv.len() >= 5)
            }
        }
        _ => return Err(err(SYNTAX)),
    };
    if first > last {
        return Ok(Reply::Integer(-1));
    }
    if let Some(at) = (first..=last).find(|&i| bit(&s, i as u64) == wanted) {
        return Ok(Reply::Integer(at));
    }
    // No clear bit in the string: the first one past it, unless the range
    // had an explicit end.
    Ok(Reply::Integer(if wanted || end_given {
        -1
    } else {
        last + 1
    }))
}

#[derive(Clone, Copy, PartialEq)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Get,
    Set(i64),
    IncrBy(i64),
}

struct Field {
    op: Op,
    signed: bool,
    bits: u32,
    offset: u64,
    overflow: Overflow,
}

/// `getBitfieldTypeFromArgument()`: i1..i64 or u1..u63.
fn field_type(arg: &[u8]) -> Result<(bool, u32), Reply> {
    let bad = || {
        err("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.")
    };
    let (signed, digits) = match arg.first() {
        Some(b'i' | b'I') => (true, &arg[1..]),
        Some(b'u' | b'U') => (false, &arg[1..]),
        _ => return Err(bad()),
    };
    let bits = parse_i64(digits).ok_or_else(bad)?;
    let max = if signed { 64 } else { 63 };
    if bits < 1 || bits > max {
        return Err(bad());
    }
    Ok((signed, bits as u32))
}

/// `getBitOffsetFromArgument()`: a bit offset, or `#n` for n fields in.
fn field_offset(arg: &[u8], bits: u32) -> Result<u64, Reply> {
    let bad = || err("ERR bit offset is not an integer or out of range");
    let (hash, digits) = match arg.first() {
        Some(b'#') => (true, &arg[1..]),
        _ => (false, arg),
    };
    let mut n = parse_i64(digits).ok_or_else(bad)?;
    if hash {
        n = n.checked_mul(i64::from(bits)).ok_or_else(bad)?;
    }
    if n < 0 || (n >> 3) >= MAX_BYTES {
        return Err(bad());
    }
    Ok(n as u64)
}

fn get_unsigned(s: &[u8], offset: u64, bits: u32) -> u64 {
    (0..u64::from(bits)).fold(0, |v, i| (v << 1) | u64::from(bit(s, offset + i)))
}

fn get_signed(s: &[u8], offset: u64, bits: u32) -> i64 {
    let v = get_unsigned(s, offset, bits);
    if bits < 64 && v & (1 << (bits - 1)) != 0 {
        (v | (u64::MAX << bits)) as i64
    } else {
        v as i64
    }
}

fn set_unsigned(s: &mut [u8], offset: u64, bits: u32, value: u64) {
    for i in 0..u64::from(bits) {
        let on = value & (1 << (u64::from(bits) - 1 - i)) != 0;
        let at = offset + i;
        let mask = 0x80u8 >> (at % 8);
        let byte = &mut s[(at / 8) as usize];
        if on {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
    }
}

/// `checkUnsignedBitfieldOverflow()`: the value to store when `value +
/// incr` does not fit, if it does not.
fn unsigned_overflow(value: u64, incr: i64, bits: u32, how: Overflow) -> Option<u64> {
    let max = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let max_incr = max.wrapping_sub(value) as i64;
    let min_incr = (value as i64).wrapping_neg();
    let wrap = || value.wrapping_add(incr as u64) & !(u64::MAX << bits);
    if value > max || (incr > 0 && incr > max_incr) {
        Some(if how == Overflow::Wrap { wrap() } else { max })
    } else if incr < 0 && incr < min_incr {
        Some(if how == Overflow::Wrap { wrap() } else { 0 })
    } else {
        None
    }
}

/// `checkSignedBitfieldOverflow()`.
fn signed_overflow(value: i64, incr: i64, bits: u32, how: Overflow) -> Option<i64> {
    let max = if bits == 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let max_incr = (max as u64).wrapping_sub(value as u64) as i64;
    let min_incr = min.wrapping_sub(value);
    let wrap = || {
        let mut c = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            let mask = u64::MAX << bits;
            if c & (1 << (bits - 1)) != 0 {
                c |= mask;
            } else {
                c &= !mask;
            }
        }
        c as i64
    };
    if value > max || (bits != 64 && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr)
    {
        Some(if how == Overflow::Wrap { wrap() } else { max })
    } else if value < min
        || (bits != 64 && incr < min_incr)
        || (value < 0 && incr < 0 && incr < min_incr)
    {
        Some(if how == Overflow::Wrap { wrap() } else { min })
    } else {
        None
    }
}

/// BITFIELD key [GET type offset] [SET type offset value]
/// [INCRBY type offset increment] [OVERFLOW WRAP|SAT|FAIL] …
fn bitfield(read_only: bool, db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let mut fields = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut j = 2;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let sub = &argv[j];
        let op = if eq_ignore_case(sub, "get") && left >= 2 {
            Op::Get
        } else if eq_ignore_case(sub, "set") && left >= 3 {
            Op::Set(0)
        } else if eq_ignore_case(sub, "incrby") && left >= 3 {
            Op::IncrBy(0)
        } else if eq_ignore_case(sub, "overflow") && left >= 1 {
            overflow = match argv[j + 1].to_ascii_lowercase().as_slice() {
                b"wrap" => Overflow::Wrap,
                b"sat" => Overflow::Sat,
                b"fail" => Overflow::Fail,
                _ => return Err(err("ERR Invalid OVERFLOW type specified")),
            };
            j += 2;
            continue;
        } else {
            return Err(err(SYNTAX));
        };
        let (signed, bits) = field_type(&argv[j + 1])?;
        let offset = field_offset(&argv[j + 2], bits)?;
        let op = match op {
            Op::Get => Op::Get,
            Op::Set(_) => Op::Set(int_arg(&argv[j + 3])?),
            Op::IncrBy(_) => Op::IncrBy(int_arg(&argv[j + 3])?),
        };
        j += if op == Op::Get { 3 } else { 4 };
        fields.push(Field {
            op,
            signed,
            bits,
            offset,
            overflow,
        });
    }
    let writes = fields.iter().any(|f| f.op != Op::Get);
    if !writes {
        let s = string_at(db, now, &argv[1])?.unwrap_or_default();
        return Ok(Reply::Array(
            fields.iter().map(|f| Reply::Integer(read(&s, f))).collect(),
        ));
    }
    if read_only {
        return Err(err("ERR BITFIELD_RO only supports the GET subcommand"));
    }
    // The string grows to hold the farthest bit written.
    let highest = fields
        .iter()
        .filter(|f| f.op != Op::Get)
        .map(|f| f.offset + u64::from(f.bits) - 1)
        .max()
        .unwrap_or(0);
    let Value::Str(s) = value_mut(db, now, &argv[1], Value::Str(Vec::new()), |v| {
        matches!(v, Value::Str(_))
    })?
    else {
        return Err(err(WRONGTYPE));
    };
    let need = (highest / 8 + 1) as usize;
    if s.len() < need {
        s.resize(need, 0);
    }
    let replies = fields.iter().map(|f| apply(s, f)).collect();
    db.touch(&argv[1]);
    db.mark_converted(&argv[1]);
    Ok(Reply::Array(replies))
}

fn read(s: &[u8], f: &Field) -> i64 {
    if f.signed {
        get_signed(s, f.offset, f.bits)
    } else {
        get_unsigned(s, f.offset, f.bits) as i64
    }
}

/// One SET or INCRBY (GET reads): the reply, with the string changed
/// unless OVERFLOW FAIL refused the result.
fn apply(s: &mut [u8], f: &Field) -> Reply {
    let (stored, reply) = match (f.op, f.signed) {
        (Op::Get, _) => return Reply::Integer(read(s, f)),
        (Op::Set(v), true) => {
            let old = get_signed(s, f.offset, f.bits);
            let over = signed_overflow(v, 0, f.bits, f.overflow);
            (over.map(|w| (w, over)).unwrap_or((v, None)), old)
        }
        (Op::IncrBy(by), true) => {
            let old = get_signed(s, f.offset, f.bits);
            let over = signed_overflow(old, by, f.bits, f.overflow);
            let new = over.unwrap_or(old.wrapping_add(by));
            ((new, over), new)
        }
        (Op::Set(v), false) => {
            let old = get_unsigned(s, f.offset, f.bits);
            let over = unsigned_overflow(v as u64, 0, f.bits, f.overflow);
            let new = over.unwrap_or(v as u64);
            ((new as i64, over.map(|o| o as i64)), old as i64)
        }
        (Op::IncrBy(by), false) => {
            let old = get_unsigned(s, f.offset, f.bits);
            let over = unsigned_overflow(old, by, f.bits, f.overflow);
            let new = over.unwrap_or(old.wrapping_add(by as u64));
            ((new as i64, over.map(|o| o as i64)), new as i64)
        }
    };
    let (new, over) = stored;
    if over.is_some() && f.overflow == Overflow::Fail {
        return Reply::Nil;
    }
    set_unsigned(s, f.offset, f.bits, new as u64);
    Reply::Integer(reply)
}
