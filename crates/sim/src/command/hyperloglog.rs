//! HyperLogLog (hyperloglog.c in Redis 7.0): PFADD, PFCOUNT, PFMERGE with
//! Redis's hash (MurmurHash64A, seed 0xadc83b19), its 16,384 6-bit
//! registers and its estimator (the histogram-based one of Ertl), so the
//! counts are the real server's. A HyperLogLog is a string value in
//! Redis's dense layout ("HYLL" header, cached cardinality, registers);
//! a real server keeps small ones sparse, so GET of one shows other bytes.

use super::data::{err, Argv, WRONGTYPE};
use crate::keyspace::{Keyspace, Value};
use crate::reply::Reply;

const P: u32 = 14;
const REGISTERS: usize = 1 << P;
const Q: u32 = 64 - P;
const HEADER: usize = 16;
const DENSE_SIZE: usize = HEADER + (REGISTERS * 6).div_ceil(8);
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;
const NOT_HLL: &str = "WRONGTYPE Key is not a valid HyperLogLog string value.";

pub fn run(name: &str, db: &mut Keyspace, now: u64, argv: &Argv) -> Option<Result<Reply, Reply>> {
    Some(match name {
        "pfadd" => pfadd(db, now, argv),
        "pfcount" => pfcount(db, now, &argv[1..]),
        "pfmerge" => pfmerge(db, now, argv),
        _ => return None,
    })
}

/// MurmurHash64A as Redis has it (little-endian reads).
pub fn murmur64a(key: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let mut chunks = key.chunks_exact(8);
    for chunk in &mut chunks {
        let mut k = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        for (i, &b) in rest.iter().enumerate() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// `hllPatLen()`: the register an element falls in and the length of its
/// run of zeros plus one.
fn pattern(element: &[u8]) -> (usize, u8) {
    let hash = murmur64a(element, 0xadc8_3b19);
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    let rest = (hash >> P) | (1u64 << Q);
    (index, (rest.trailing_zeros() + 1) as u8)
}

fn get_register(hll: &[u8], i: usize) -> u8 {
    let bit = i * 6;
    let (byte, shift) = (HEADER + bit / 8, bit % 8);
    let b0 = u16::from(hll[byte]);
    let b1 = u16::from(*hll.get(byte + 1).unwrap_or(&0));
    (((b0 >> shift) | (b1 << (8 - shift))) & 63) as u8
}

fn set_register(hll: &mut [u8], i: usize, value: u8) {
    let bit = i * 6;
    let (byte, shift) = (HEADER + bit / 8, bit % 8);
    let v = u16::from(value) << shift;
    let mask = !(63u16 << shift);
    hll[byte] = ((u16::from(hll[byte]) & mask) | v) as u8;
    if byte + 1 < hll.len() {
        let high = (mask >> 8) | 0xff00;
        hll[byte + 1] = ((u16::from(hll[byte + 1]) & high) | (v >> 8)) as u8;
    }
}

fn empty() -> Vec<u8> {
    let mut hll = vec![0u8; DENSE_SIZE];
    hll[..4].copy_from_slice(b"HYLL");
    hll
}

fn invalidate_cache(hll: &mut [u8]) {
    hll[15] |= 0x80;
}

/// The HyperLogLog at `key`: `None` if missing; WRONGTYPE for another type
/// or a string that is not one. A sparse one (from a real server, via a
/// pasted SET) is not read: it counts as not valid here.
fn hll_at(db: &mut Keyspace, now: u64, key: &[u8]) -> Result<Option<Vec<u8>>, Reply> {
    match db.get(key, now).map(|e| &e.value) {
        None => Ok(None),
        Some(Value::Str(s)) => {
            if s.len() == DENSE_SIZE && s.starts_with(b"HYLL") && s[4] == 0 {
                Ok(Some(s.clone()))
            } else {
                Err(err(NOT_HLL))
            }
        }
        Some(_) => Err(err(WRONGTYPE)),
    }
}

fn pfadd(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let existing = hll_at(db, now, &argv[1])?;
    let created = existing.is_none();
    let mut hll = existing.unwrap_or_else(empty);
    let mut changed = created;
    for element in &argv[2..] {
        let (i, count) = pattern(element);
        if get_register(&hll, i) < count {
            set_register(&mut hll, i, count);
            changed = true;
        }
    }
    if changed {
        invalidate_cache(&mut hll);
        db.set(&argv[1], Value::Str(hll), None, true, now);
    }
    Ok(Reply::Integer(i64::from(changed)))
}

/// `hllSigma()` and `hllTau()`: the corrections of the estimator.
fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let prev = z;
        z += x * y;
        y += y;
        if prev == z {
            return z;
        }
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let prev = z;
        y *= 0.5;
        z -= (1.0 - x).powi(2) * y;
        if prev == z {
            return z / 3.0;
        }
    }
}

/// `hllCount()` from the registers' histogram.
fn estimate(registers: &[u8]) -> u64 {
    let mut histogram = [0u32; 64];
    for &r in registers {
        histogram[usize::from(r)] += 1;
    }
    let m = REGISTERS as f64;
    let mut z = m * tau((m - f64::from(histogram[Q as usize + 1])) / m);
    for j in (1..=Q as usize).rev() {
        z += f64::from(histogram[j]);
        z *= 0.5;
    }
    z += m * sigma(f64::from(histogram[0]) / m);
    (ALPHA_INF * m * m / z).round() as u64
}

fn registers(hll: &[u8]) -> Vec<u8> {
    (0..REGISTERS).map(|i| get_register(hll, i)).collect()
}

fn pfcount(db: &mut Keyspace, now: u64, keys: &[Vec<u8>]) -> Result<Reply, Reply> {
    let mut max = vec![0u8; REGISTERS];
    for key in keys {
        if let Some(hll) = hll_at(db, now, key)? {
            for (m, r) in max.iter_mut().zip(registers(&hll)) {
                *m = (*m).max(r);
            }
        }
    }
    Ok(Reply::Integer(estimate(&max) as i64))
}

fn pfmerge(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let mut max = vec![0u8; REGISTERS];
    for key in &argv[1..] {
        if let Some(hll) = hll_at(db, now, key)? {
            for (m, r) in max.iter_mut().zip(registers(&hll)) {
                *m = (*m).max(r);
            }
        }
    }
    let mut hll = empty();
    for (i, &r) in max.iter().enumerate() {
        set_register(&mut hll, i, r);
    }
    invalidate_cache(&mut hll);
    db.set(&argv[1], Value::Str(hll), None, true, now);
    Ok(Reply::ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registers_round_trip() {
        let mut hll = empty();
        for i in [0, 1, 2, 3, 7, 100, REGISTERS - 1] {
            set_register(&mut hll, i, (i % 63) as u8 + 1);
        }
        for i in [0, 1, 2, 3, 7, 100, REGISTERS - 1] {
            assert_eq!(get_register(&hll, i), (i % 63) as u8 + 1, "register {i}");
        }
        assert_eq!(get_register(&hll, 4), 0);
    }

    #[test]
    fn counts_are_close_and_small_ones_exact() {
        let mut max = vec![0u8; REGISTERS];
        assert_eq!(estimate(&max), 0);
        for i in 0..1000u32 {
            let (r, c) = pattern(format!("e{i}").as_bytes());
            max[r] = max[r].max(c);
        }
        let n = estimate(&max);
        assert!((980..1020).contains(&n), "{n}");
    }
}
