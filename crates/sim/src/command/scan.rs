//! The SCAN cursor (`dictScan()` in dict.c): a hash table's buckets are
//! visited in reverse-binary order of their index, so a scan that started
//! before the table grew or shrank still sees every element that was there
//! all along, and a cursor is just a bucket index (0 again at the end).
//!
//! Redis hashes with SipHash and a seed drawn at start-up, so a real
//! server's order is not reproducible anyway; Slotscope hashes with fixed
//! FNV-1a, which keeps runs deterministic. What is Redis's: the table size
//! (a power of two, at least 4, that holds every element: it doubles when
//! full), the cursor arithmetic, and COUNT as the work done per call.

/// Buckets of a table holding `len` elements that has only grown.
pub fn table_size(len: usize) -> u64 {
    (len.max(4) as u64).next_power_of_two()
}

fn hash(key: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in key {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // A final mix: FNV's low bits alone are weak for similar keys.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

/// The cursor after bucket `v` (`v |= ~mask; v = rev(v); v++; v = rev(v)`).
fn next_cursor(v: u64, mask: u64) -> u64 {
    let v = v | !mask;
    (v.reverse_bits().wrapping_add(1)).reverse_bits()
}

/// One SCAN call from `cursor` over `keys`: the positions of the elements
/// it returns (before MATCH/TYPE filtering, which Redis applies after) and
/// the next cursor. Buckets are visited until `count` elements are found,
/// at most `count * 10` empty buckets in a row (`scanGenericCommand()`).
pub fn scan<'a>(
    keys: impl Iterator<Item = &'a [u8]>,
    cursor: u64,
    count: i64,
) -> (u64, Vec<usize>) {
    let keys: Vec<&[u8]> = keys.collect();
    let size = table_size(keys.len());
    let mask = size - 1;
    let mut buckets: Vec<Vec<usize>> = vec![Vec::new(); size as usize];
    for (i, k) in keys.iter().enumerate() {
        buckets[(hash(k) & mask) as usize].push(i);
    }
    let mut picked = Vec::new();
    let mut v = cursor;
    let mut iterations = count.saturating_mul(10);
    loop {
        picked.extend(&buckets[(v & mask) as usize]);
        v = next_cursor(v, mask);
        iterations -= 1;
        if v == 0 || iterations < 0 || picked.len() as i64 >= count {
            break;
        }
    }
    (v, picked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| format!("key:{i}").into_bytes()).collect()
    }

    #[test]
    fn a_full_scan_returns_every_key_once() {
        for n in [0, 1, 5, 64, 1000] {
            let ks = keys(n);
            let mut seen = Vec::new();
            let mut cursor = 0;
            loop {
                let (next, picked) = scan(ks.iter().map(|k| k.as_slice()), cursor, 10);
                seen.extend(picked);
                cursor = next;
                if cursor == 0 {
                    break;
                }
            }
            seen.sort();
            assert_eq!(seen, (0..n).collect::<Vec<_>>(), "{n} keys");
        }
    }

    #[test]
    fn keys_there_all_along_are_seen_when_the_table_grows_mid_scan() {
        let mut ks = keys(100);
        let (mut cursor, mut seen) = scan(ks.iter().map(|k| k.as_slice()), 0, 10);
        ks.extend((100..700).map(|i| format!("key:{i}").into_bytes()));
        while cursor != 0 {
            let (next, picked) = scan(ks.iter().map(|k| k.as_slice()), cursor, 10);
            seen.extend(picked);
            cursor = next;
        }
        for i in 0..100 {
            assert!(seen.contains(&i), "key {i} missed");
        }
    }

    #[test]
    fn count_is_the_work_per_call() {
        let ks = keys(1000);
        let (cursor, picked) = scan(ks.iter().map(|k| k.as_slice()), 0, 10);
        assert_ne!(cursor, 0);
        assert!((10..30).contains(&picked.len()), "{}", picked.len());
        let (cursor, picked) = scan(ks.iter().map(|k| k.as_slice()), 0, 5000);
        assert_eq!((cursor, picked.len()), (0, 1000));
    }
}
