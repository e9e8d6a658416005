//! Sorting with one compiled body. `slice::sort*` is generic: every element
//! type and comparison gets its own copy of a large, fast sort (2–5 KB of
//! WebAssembly each), and the page ships them all. The sorts here are small
//! and rare (GETKEYSINSLOT, SMEMBERS of integers, a sorted set's members,
//! redis-cli's reshard table), so a merge sort of indices with the
//! comparison behind `dyn` does them all with one body; only the last step,
//! putting elements in the new order, is per type, and it is tiny.
//!
//! Measured on 2026-12-01: with `slice::sort_by`/`sort_by_key` instead,
//! the page is 9.1 KiB (gzip -9) bigger — 261.7 KiB against 252.6 KiB.

use std::cmp::Ordering;

/// Stable sort by `cmp` (the order `slice::sort_by` gives).
pub fn sort_by<T>(v: &mut Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) {
    let order = sorted_indices(v.len(), &|a, b| cmp(&v[a], &v[b]));
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

/// Stable sort by a key (the order `slice::sort_by_key` gives).
pub fn sort_by_key<T, K: Ord>(v: &mut Vec<T>, key: impl Fn(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// Indices 0..n in the order `cmp` puts them, stable: a bottom-up merge sort.
fn sorted_indices(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut a: Vec<usize> = (0..n).collect();
    let mut b = vec![0; n];
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j) = (start, mid);
            for slot in &mut b[start..end] {
                // Take from the left run unless the right one is strictly smaller.
                if j >= end || (i < mid && cmp(a[j], a[i]) != Ordering::Less) {
                    *slot = a[i];
                    i += 1;
                } else {
                    *slot = a[j];
                    j += 1;
                }
            }
            start = end;
        }
        std::mem::swap(&mut a, &mut b);
        width *= 2;
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_order_as_the_standard_stable_sort() {
        let mut rng = crate::rng::Rng::new(5);
        for n in [0, 1, 2, 3, 7, 8, 9, 100, 1000] {
            let v: Vec<(u64, usize)> = (0..n).map(|i| (rng.below(10), i)).collect();
            let mut ours = v.clone();
            sort_by_key(&mut ours, |x| x.0);
            let mut std = v.clone();
            std.sort_by_key(|x| x.0);
            assert_eq!(ours, std, "n = {n}");
        }
    }
}
