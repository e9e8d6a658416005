//! A map kept as a list of pairs, for maps that hold a handful of entries
//! (failure times, votes, slowed links). Looking up a few entries in a
//! list is as fast as in a tree, and the page carries one small compiled
//! copy instead of a `BTreeMap`'s (about 6 KB of WebAssembly per key and
//! value type).
//!
//! Measured on 2026-12-01: with a `BTreeMap` inside instead (the same API),
//! the page is 5.5 KiB (gzip -9) bigger — 267.2 KiB against 261.7 KiB.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for ListMap<K, V> {
    fn default() -> Self {
        ListMap(Vec::new())
    }
}

impl<K: PartialEq + Copy, V: Copy> ListMap<K, V> {
    pub fn get(&self, k: K) -> Option<V> {
        self.0.iter().find(|(key, _)| *key == k).map(|(_, v)| *v)
    }

    pub fn insert(&mut self, k: K, v: V) {
        match self.0.iter_mut().find(|(key, _)| *key == k) {
            Some(entry) => entry.1 = v,
            None => self.0.push((k, v)),
        }
    }

    /// Inserts only when `k` has no value yet; returns the value.
    pub fn get_or_insert(&mut self, k: K, v: V) -> V {
        match self.get(k) {
            Some(old) => old,
            None => {
                self.0.push((k, v));
                v
            }
        }
    }

    pub fn remove(&mut self, k: K) {
        self.0.retain(|(key, _)| *key != k);
    }

    pub fn retain(&mut self, mut keep: impl FnMut(K) -> bool) {
        self.0.retain(|(k, _)| keep(*k));
    }

    pub fn iter(&self) -> impl Iterator<Item = (K, V)> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_as_a_map() {
        let mut m: ListMap<usize, u64> = ListMap::default();
        m.insert(3, 30);
        m.insert(1, 10);
        m.insert(3, 31);
        assert_eq!(m.get(3), Some(31));
        assert_eq!(m.get_or_insert(1, 99), 10);
        assert_eq!(m.get_or_insert(2, 20), 20);
        m.retain(|k| k != 1);
        m.remove(2);
        assert_eq!(m.iter().collect::<Vec<_>>(), [(3, 31)]);
        assert!(!m.is_empty());
    }
}
