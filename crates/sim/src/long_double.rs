//! The x87 80-bit `long double` of a Redis server on x86_64 Linux, as far as
//! INCRBYFLOAT and HINCRBYFLOAT use it: `string2ld()` (glibc `strtold`),
//! `+`, and `ld2string(LD_STR_HUMAN)` (glibc `%.17Lf`, zeros cut).
//!
//! The format: a 64-bit significand with an explicit integer bit and a
//! 15-bit exponent. Here a finite value is `m * 2^e` with `m < 2^64` and
//! `MIN_E <= e <= MAX_E`; normal values have bit 63 of `m` set, subnormals
//! have `e == MIN_E`. Every operation computes the exact result with small
//! big integers and rounds once, to nearest with ties to even (the default
//! x87 mode and what glibc's `strtold` and `printf` do).

/// `2^-16382` (the least normal) is `2^63 * 2^-16445`.
const MIN_E: i64 = -16445;
/// The greatest value is `(2^64 - 1) * 2^16320`, just below `2^16384`.
const MAX_E: i64 = 16320;
/// `MAX_LONG_DOUBLE_CHARS` (util.h): `string2ld()` refuses a string of this
/// length or more.
const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LongDouble {
    /// `m * 2^e`; zero is `m == 0` (with `e == MIN_E`), signed.
    Finite {
        neg: bool,
        m: u64,
        e: i64,
    },
    Inf {
        neg: bool,
    },
}

impl LongDouble {
    pub const ZERO: LongDouble = LongDouble::Finite {
        neg: false,
        m: 0,
        e: MIN_E,
    };

    pub fn is_finite(self) -> bool {
        matches!(self, LongDouble::Finite { .. })
    }

    /// An `i64` converts exactly: 64 bits of significand.
    pub fn from_i64(v: i64) -> LongDouble {
        round(v < 0, &from_u64(v.unsigned_abs()), 0).0
    }
}

// ---- small unsigned big integers: little-endian u32 limbs ----

type Big = Vec<u32>;

fn from_u64(v: u64) -> Big {
    vec![v as u32, (v >> 32) as u32]
}

fn trim(b: &mut Big) {
    while b.last() == Some(&0) {
        b.pop();
    }
}

fn bit_len(b: &[u32]) -> u64 {
    match b.iter().rposition(|&l| l != 0) {
        None => 0,
        Some(i) => i as u64 * 32 + u64::from(32 - b[i].leading_zeros()),
    }
}

fn bit(b: &[u32], i: u64) -> bool {
    let limb = (i / 32) as usize;
    limb < b.len() && b[limb] >> (i % 32) & 1 == 1
}

/// Whether any bit below bit `i` is set.
fn any_below(b: &[u32], i: u64) -> bool {
    let full = ((i / 32) as usize).min(b.len());
    if b[..full].iter().any(|&l| l != 0) {
        return true;
    }
    let rest = i % 32;
    full < b.len() && rest > 0 && b[full] & ((1u32 << rest) - 1) != 0
}

/// `b = b * mul + add`.
fn mul_add(b: &mut Big, mul: u32, add: u32) {
    let mut carry = u64::from(add);
    for l in b.iter_mut() {
        let v = u64::from(*l) * u64::from(mul) + carry;
        *l = v as u32;
        carry = v >> 32;
    }
    if carry > 0 {
        b.push(carry as u32);
    }
}

/// `b = b * 5^n` (the 5 part of `10^n`; the 2 part goes in the exponent).
fn mul_pow5(b: &mut Big, mut n: u64) {
    const FIVE13: u32 = 1_220_703_125; // 5^13, the greatest power in a u32
    while n >= 13 {
        mul_add(b, FIVE13, 0);
        n -= 13;
    }
    mul_add(b, 5u32.pow(n as u32), 0);
}

fn shl(b: &Big, n: u64) -> Big {
    let limbs = (n / 32) as usize;
    let bits = n % 32;
    let mut out = vec![0u32; limbs];
    let mut carry = 0u32;
    for &l in b {
        out.push(l << bits | carry);
        carry = if bits == 0 { 0 } else { l >> (32 - bits) };
    }
    out.push(carry);
    trim(&mut out);
    out
}

fn shr1(b: &mut Big) {
    let mut carry = 0u32;
    for l in b.iter_mut().rev() {
        let next = *l & 1;
        *l = *l >> 1 | carry << 31;
        carry = next;
    }
    trim(b);
}

fn cmp(a: &[u32], b: &[u32]) -> std::cmp::Ordering {
    let (la, lb) = (bit_len(a), bit_len(b));
    if la != lb {
        return la.cmp(&lb);
    }
    let n = la.div_ceil(32) as usize;
    for i in (0..n).rev() {
        match a[i].cmp(&b[i]) {
            std::cmp::Ordering::Equal => {}
            o => return o,
        }
    }
    std::cmp::Ordering::Equal
}

/// `a - b` for `a >= b`.
fn sub(a: &[u32], b: &[u32]) -> Big {
    let mut out = Vec::with_capacity(a.len());
    let mut borrow = 0i64;
    for (i, &l) in a.iter().enumerate() {
        let v = i64::from(l) - i64::from(b.get(i).copied().unwrap_or(0)) - borrow;
        borrow = i64::from(v < 0);
        out.push(v.rem_euclid(1 << 32) as u32);
    }
    trim(&mut out);
    out
}

fn add(a: &[u32], b: &[u32]) -> Big {
    let mut out = Vec::with_capacity(a.len().max(b.len()) + 1);
    let mut carry = 0u64;
    for i in 0..a.len().max(b.len()) {
        let v = u64::from(a.get(i).copied().unwrap_or(0))
            + u64::from(b.get(i).copied().unwrap_or(0))
            + carry;
        out.push(v as u32);
        carry = v >> 32;
    }
    out.push(carry as u32);
    trim(&mut out);
    out
}

/// Rounds the exact `big * 2^exp2` to the format: to nearest, ties to even,
/// with gradual underflow. The flag says the result is out of range
/// (`strtold`'s ERANGE with ±HUGE_VAL or 0, which `string2ld()` refuses):
/// an overflow to infinity, or a nonzero value rounded to zero.
fn round(neg: bool, big: &[u32], exp2: i64) -> (LongDouble, bool) {
    let n = bit_len(big) as i64;
    if n == 0 {
        return (
            LongDouble::Finite {
                neg,
                m: 0,
                e: MIN_E,
            },
            false,
        );
    }
    // Keep 64 bits, or fewer where the exponent would fall below MIN_E.
    let shift = (n - 64).max(MIN_E.saturating_sub(exp2));
    let mut e = exp2.saturating_add(shift);
    let mut m: u64;
    if shift <= 0 {
        // n <= 64 and -shift <= 64 - n: exact, no bit lost.
        m = (u64::from(big.first().copied().unwrap_or(0))
            | u64::from(big.get(1).copied().unwrap_or(0)) << 32)
            << (-shift);
    } else {
        let s = shift as u64;
        m = 0;
        for i in 0..64 {
            if bit(big, s + i) {
                m |= 1 << i;
            }
        }
        let half = bit(big, s - 1);
        let rest = any_below(big, s - 1);
        if half && (rest || m & 1 == 1) {
            match m.checked_add(1) {
                Some(v) => m = v,
                None => {
                    m = 1 << 63;
                    e += 1;
                }
            }
        }
    }
    if m == 0 {
        return (
            LongDouble::Finite {
                neg,
                m: 0,
                e: MIN_E,
            },
            true,
        );
    }
    if e > MAX_E {
        return (LongDouble::Inf { neg }, true);
    }
    (LongDouble::Finite { neg, m, e }, false)
}

/// C's `isspace()` in the C locale.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Digits of `s` from `i` that `is_digit` accepts: their end.
fn digits_end(s: &[u8], i: usize, is_digit: fn(&u8) -> bool) -> usize {
    i + s[i..].iter().take_while(|c| is_digit(c)).count()
}

/// An exponent `[+-]digits` at `s[i..]`, which must run to the end of `s`
/// (else `strtold` stops before the 'e' and `string2ld()` sees trailing
/// garbage). Saturated: beyond 10^8 every value over- or underflows anyway.
fn exponent(s: &[u8], mut i: usize) -> Option<i64> {
    let neg = s.get(i) == Some(&b'-');
    if matches!(s.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let end = digits_end(s, i, u8::is_ascii_digit);
    if end == i || end != s.len() {
        return None;
    }
    let mut v: i64 = 0;
    for &c in &s[i..end] {
        v = (v * 10 + i64::from(c - b'0')).min(100_000_000);
    }
    Some(if neg { -v } else { v })
}

/// `string2ld()` of Redis 7.0 (util.c): `strtold` over the whole string,
/// refusing an empty or over-long string, a leading space, trailing bytes,
/// NaN, and an overflow or underflow (ERANGE). "inf" and hex floats
/// ("0x10", "0x.8p1") are accepted, as glibc's `strtold` reads them.
pub fn string2ld(s: &[u8]) -> Option<LongDouble> {
    if s.is_empty() || s.len() >= MAX_LONG_DOUBLE_CHARS || is_c_space(s[0]) {
        return None;
    }
    let (neg, body) = match s[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        return Some(LongDouble::Inf { neg });
    }
    let hex = body.len() > 1 && body[0] == b'0' && (body[1] | 0x20) == b'x';
    let (value, range_error) = if hex {
        parse_hex(neg, &body[2..])?
    } else {
        parse_decimal(neg, body)?
    };
    (!range_error).then_some(value)
}

/// `digits[.digits][e[+-]digits]`, at least one digit.
fn parse_decimal(neg: bool, s: &[u8]) -> Option<(LongDouble, bool)> {
    let int_end = digits_end(s, 0, u8::is_ascii_digit);
    let (frac_start, frac_end) = if s.get(int_end) == Some(&b'.') {
        (int_end + 1, digits_end(s, int_end + 1, u8::is_ascii_digit))
    } else {
        (int_end, int_end)
    };
    if int_end == 0 && frac_end == frac_start {
        return None; // no digit: strtold converts nothing
    }
    let exp10 = match s.get(frac_end) {
        None => 0,
        Some(b'e' | b'E') => exponent(s, frac_end + 1)?,
        Some(_) => return None,
    };
    // The significant digits and the power of ten of the last one.
    let digits = s[..int_end].iter().chain(&s[frac_start..frac_end]);
    let all: Vec<u8> = digits.copied().collect();
    let first = all.iter().position(|&c| c != b'0').unwrap_or(all.len());
    let last = all
        .iter()
        .rposition(|&c| c != b'0')
        .map_or(first, |i| i + 1);
    let sig = &all[first..last];
    if sig.is_empty() {
        return Some((
            LongDouble::Finite {
                neg,
                m: 0,
                e: MIN_E,
            },
            false,
        ));
    }
    let scale = exp10 - (frac_end - frac_start) as i64 + (all.len() - last) as i64;
    // The value lies in [10^(mag-1), 10^mag): far out of range is decided
    // without big numbers (greatest ~1.19e4932, least ~3.65e-4951).
    let mag = sig.len() as i64 + scale;
    if mag > 4940 {
        return Some((LongDouble::Inf { neg }, true));
    }
    if mag < -4960 {
        return Some((
            LongDouble::Finite {
                neg,
                m: 0,
                e: MIN_E,
            },
            true,
        ));
    }
    let mut big: Big = Vec::with_capacity(sig.len() / 9 + 2);
    for chunk in sig.chunks(9) {
        let v = chunk
            .iter()
            .fold(0u32, |v, &c| v * 10 + u32::from(c - b'0'));
        mul_add(&mut big, 10u32.pow(chunk.len() as u32), v);
    }
    trim(&mut big);
    if scale >= 0 {
        // sig * 10^scale = sig * 5^scale * 2^scale, exactly.
        mul_pow5(&mut big, scale as u64);
        trim(&mut big);
        return Some(round(neg, &big, scale));
    }
    // sig / 10^d = (sig * 2^k / (5^d * 2^j)) * 2^(j-k-d), with k or j
    // chosen so that the quotient has 68 or 69 bits; the remainder then
    // becomes a sticky bit below it.
    let d = scale.unsigned_abs();
    let mut five: Big = vec![1];
    mul_pow5(&mut five, d);
    trim(&mut five);
    let (bb, bf) = (bit_len(&big), bit_len(&five));
    let k = (bf + 68).saturating_sub(bb);
    let j = bb.saturating_sub(bf + 68);
    let mut num = shl(&big, k);
    // bit_len(num) - bit_len(five << j) == 68: the quotient is below 2^69.
    const QBITS: u64 = 69;
    let mut div = shl(&five, j + QBITS);
    let mut q: u128 = 0;
    for i in (0..=QBITS).rev() {
        if cmp(&num, &div) != std::cmp::Ordering::Less {
            num = sub(&num, &div);
            q |= 1 << i;
        }
        shr1(&mut div);
    }
    let sticky = u128::from(bit_len(&num) > 0);
    let q = q << 1 | sticky;
    let qb = vec![
        q as u32,
        (q >> 32) as u32,
        (q >> 64) as u32,
        (q >> 96) as u32,
    ];
    Some(round(neg, &qb, j as i64 - k as i64 - d as i64 - 1))
}

/// After "0x": `hexdigits[.hexdigits][p[+-]digits]`, at least one digit.
fn parse_hex(neg: bool, s: &[u8]) -> Option<(LongDouble, bool)> {
    let int_end = digits_end(s, 0, u8::is_ascii_hexdigit);
    let (frac_start, frac_end) = if s.get(int_end) == Some(&b'.') {
        (
            int_end + 1,
            digits_end(s, int_end + 1, u8::is_ascii_hexdigit),
        )
    } else {
        (int_end, int_end)
    };
    if int_end == 0 && frac_end == frac_start {
        return None; // "0x" alone: strtold reads "0" and stops at 'x'
    }
    let exp2 = match s.get(frac_end) {
        None => 0,
        Some(b'p' | b'P') => exponent(s, frac_end + 1)?,
        Some(_) => return None,
    };
    let mut big: Big = Vec::new();
    for &c in s[..int_end].iter().chain(&s[frac_start..frac_end]) {
        let v = (c as char).to_digit(16).unwrap_or(0);
        mul_add(&mut big, 16, v);
    }
    trim(&mut big);
    Some(round(neg, &big, exp2 - 4 * (frac_end - frac_start) as i64))
}

/// `a + b`, correctly rounded; `None` for NaN or an infinity (the
/// "increment would produce NaN or Infinity" of Redis).
pub fn add_ld(a: LongDouble, b: LongDouble) -> Option<LongDouble> {
    let (
        LongDouble::Finite {
            neg: na,
            m: ma,
            e: ea,
        },
        LongDouble::Finite {
            neg: nb,
            m: mb,
            e: eb,
        },
    ) = (a, b)
    else {
        return None;
    };
    // Both exponents are in [MIN_E, MAX_E]: the shifts stay under 33000 bits.
    let e = ea.min(eb);
    let x = shl(&from_u64(ma), (ea - e) as u64);
    let y = shl(&from_u64(mb), (eb - e) as u64);
    let (neg, sum) = if na == nb {
        (na, add(&x, &y))
    } else {
        match cmp(&x, &y) {
            std::cmp::Ordering::Greater => (na, sub(&x, &y)),
            std::cmp::Ordering::Less => (nb, sub(&y, &x)),
            // x + (-x) is +0 when rounding to nearest.
            std::cmp::Ordering::Equal => (false, Vec::new()),
        }
    };
    let (v, _) = round(neg, &sum, e);
    v.is_finite().then_some(v)
}

/// `ld2string(buf, MAX_LONG_DOUBLE_CHARS, v, LD_STR_HUMAN)` of Redis 7.0:
/// `snprintf("%.17Lf")` (glibc prints the exact binary value rounded to 17
/// decimals, ties to even), then trailing zeros and a trailing '.' cut, and
/// "-0" turned into "0". The longest finite value prints 4952 bytes, so the
/// "no room" error of the 5120-byte buffer never happens.
pub fn ld2string_human(v: LongDouble) -> String {
    let (neg, m, e) = match v {
        LongDouble::Inf { neg } => return if neg { "-inf" } else { "inf" }.to_string(),
        LongDouble::Finite { neg, m, e } => (neg, m, e),
    };
    const TEN17: u128 = 100_000_000_000_000_000;
    let mut text = if e >= 0 {
        // An integer: its decimal digits, then ".00000000000000000" (cut).
        let mut big = shl(&from_u64(m), e as u64);
        let mut chunks = Vec::new();
        while !big.is_empty() {
            let mut rem = 0u64;
            for l in big.iter_mut().rev() {
                let cur = rem << 32 | u64::from(*l);
                *l = (cur / 1_000_000_000) as u32;
                rem = cur % 1_000_000_000;
            }
            trim(&mut big);
            chunks.push(rem);
        }
        let mut s = chunks.last().map_or("0".to_string(), |c| c.to_string());
        for c in chunks.iter().rev().skip(1) {
            s.push_str(&format!("{c:09}"));
        }
        s
    } else {
        // m * 2^e < 2^63: m * 10^17 < 2^121 fits a u128; shift it down by
        // -e bits, rounding to nearest, ties to even.
        let x = u128::from(m) * TEN17;
        let s = e.unsigned_abs();
        let q = if s >= 122 {
            0 // x / 2^s < 1/2
        } else {
            let q = x >> s;
            let r = x & ((1u128 << s) - 1);
            let half = 1u128 << (s - 1);
            if r > half || (r == half && q & 1 == 1) {
                q + 1
            } else {
                q
            }
        };
        let frac = format!("{:017}", q % TEN17);
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            (q / TEN17).to_string()
        } else {
            format!("{}.{frac}", q / TEN17)
        }
    };
    if neg && text != "0" {
        text.insert(0, '-');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ld(s: &str) -> LongDouble {
        string2ld(s.as_bytes()).expect(s)
    }

    fn sum(a: &str, b: &str) -> String {
        ld2string_human(add_ld(ld(a), ld(b)).expect("finite"))
    }

    #[test]
    fn parses_like_strtold() {
        assert_eq!(ld("1"), LongDouble::from_i64(1));
        assert_eq!(ld("0x10"), LongDouble::from_i64(16));
        assert_eq!(ld("0x.8p1"), LongDouble::from_i64(1));
        assert_eq!(ld("-Infinity"), LongDouble::Inf { neg: true });
        assert_eq!(ld("1."), ld(".1e1"));
        assert_eq!(ld("0e999999999999999999"), LongDouble::ZERO);
        for bad in [
            "", " 1", "1 ", "nan", "-nan", ".", "1e", "1e+", "0x", "0x1p", "1e5000", "1e-5000",
            "--1", "+", "infin", "1\0",
        ] {
            assert_eq!(string2ld(bad.as_bytes()), None, "{bad:?}");
        }
        // Subnormal: accepted (nonzero), prints as 0.
        assert_eq!(ld2string_human(ld("1e-4940")), "0");
        // The least subnormal is 2^-16445, about 3.6e-4951; half of it rounds
        // to even (zero): refused as an underflow.
        assert!(string2ld(b"3.7e-4951").is_some());
        assert!(string2ld(b"1.8e-4951").is_none());
        assert!(string2ld(&vec![b'1'; MAX_LONG_DOUBLE_CHARS]).is_none());
        assert!(string2ld(&vec![b'1'; MAX_LONG_DOUBLE_CHARS - 1]).is_none()); // overflow
    }

    #[test]
    fn rounds_ties_to_even() {
        // 2^64 + 1 is a tie between 2^64 and 2^64 + 2: even is 2^64.
        assert_eq!(ld("18446744073709551617"), ld("18446744073709551616"));
        // 2^64 + 3 ties between 2^64 + 2 (odd significand) and 2^64 + 4.
        assert_eq!(ld("18446744073709551619"), ld("18446744073709551620"));
        // Just above the tie rounds up.
        assert_eq!(
            ld("18446744073709551617.000000000000000000000000001"),
            ld("18446744073709551618")
        );
        assert_eq!(sum("18446744073709551616", "1"), "18446744073709551616");
        // Printing: 0.5 * 2^-56 = 2^-57 ~ 6.9e-18 rounds to 0.00000000000000001.
        assert_eq!(ld2string_human(ld("0x1p-57")), "0.00000000000000001");
        // 2^-58 ~ 3.5e-18 rounds to zero; a negative one prints "0" too.
        assert_eq!(ld2string_human(ld("-0x1p-58")), "0");
    }

    #[test]
    fn prints_like_redis() {
        assert_eq!(sum("0.1", "0.2"), "0.3");
        assert_eq!(sum("10.6", "5000"), "5010.60000000000000009");
        assert_eq!(sum("-0", "-0"), "0");
        assert_eq!(sum("1.5", "-1.5"), "0");
        assert_eq!(sum("0", "-2.25"), "-2.25");
        assert_eq!(sum("0", "1e300"), "1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144");
        // The long double nearest 1e4000 is 9999999999999999999965...: 4000 digits.
        assert_eq!(ld2string_human(ld("1e4000")).len(), 4000);
        assert_eq!(add_ld(ld("1e4932"), ld("1e4932")), None);
        assert_eq!(add_ld(ld("inf"), ld("0")), None);
    }
}
