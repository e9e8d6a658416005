//! Key → hash slot, exactly as Redis computes it.
//!
//! Redis hashes a key with CRC-16/XMODEM and keeps the low 14 bits
//! (`keyHashSlot()` in `src/cluster.h`). When the key contains a *hash tag*
//! only the tag is hashed, which is how an application puts several keys in
//! one slot on purpose. Everything here works on bytes, because Redis keys
//! are binary strings: a key typed as text is hashed as its UTF-8 bytes.

use std::ops::Range;

use serde::{Deserialize, Serialize};

/// Number of hash slots in a Redis Cluster (`CLUSTER_SLOTS = 1<<14`).
pub const SLOT_COUNT: u16 = 16384;

/// `slot = crc16 & SLOT_MASK`: the low 14 bits of the CRC.
pub const SLOT_MASK: u16 = SLOT_COUNT - 1;

/// A hash slot number, 0..=16383.
pub type Slot = u16;

/// CRC-16/XMODEM (polynomial 0x1021, initial value 0, no reflection), the
/// variant in Redis's `src/crc16.c`. Its check value for `123456789` is 0x31C3.
pub fn crc16(bytes: &[u8]) -> u16 {
    crc16::State::<crc16::XMODEM>::calculate(bytes)
}

/// Which bytes of a key Redis hashes, and why.
///
/// The rule (`keyHashSlot()`): find the first `{`; find the first `}` after
/// it; if both exist and the tag between them is not empty, hash only the tag.
/// Otherwise hash the whole key. The scan never looks past that first pair,
/// so `foo{}{bar}` is hashed whole and `foo{{bar}}` hashes `{bar`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HashedPart {
    /// There is no `{` in the key: the whole key is hashed.
    WholeNoOpenBrace,
    /// The first `{` is at byte `open`, but no `}` follows it: the whole key is hashed.
    WholeNoCloseBrace { open: usize },
    /// The first `{` at byte `open` is directly followed by `}`: an empty tag,
    /// so the whole key is hashed.
    WholeEmptyTag { open: usize },
    /// A hash tag: only the bytes strictly between `open` and `close` are hashed.
    Tag { open: usize, close: usize },
}

impl HashedPart {
    /// Finds the hashed part of `key` by Redis's rule.
    pub fn of(key: &[u8]) -> HashedPart {
        let Some(open) = key.iter().position(|&b| b == b'{') else {
            return HashedPart::WholeNoOpenBrace;
        };
        let Some(after) = key[open + 1..].iter().position(|&b| b == b'}') else {
            return HashedPart::WholeNoCloseBrace { open };
        };
        let close = open + 1 + after;
        if close == open + 1 {
            HashedPart::WholeEmptyTag { open }
        } else {
            HashedPart::Tag { open, close }
        }
    }

    /// The byte range of the key that is hashed, for a key of `key_len` bytes.
    pub fn range(self, key_len: usize) -> Range<usize> {
        match self {
            HashedPart::Tag { open, close } => open + 1..close,
            _ => 0..key_len,
        }
    }

    /// True when only a hash tag (not the whole key) is hashed.
    pub fn is_tag(self) -> bool {
        matches!(self, HashedPart::Tag { .. })
    }
}

/// The slot of a key: `crc16(hashed part) & 16383`.
pub fn key_hash_slot(key: &[u8]) -> Slot {
    explain(key).slot
}

/// Every step from a key to its slot, for showing the computation to a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySlot {
    /// Which bytes were hashed, and why.
    pub hashed: HashedPart,
    /// The CRC16 of the hashed bytes.
    pub crc: u16,
    /// `crc & 16383`.
    pub slot: Slot,
}

/// Computes the hashed part, the CRC16 and the slot of `key`.
pub fn explain(key: &[u8]) -> KeySlot {
    let hashed = HashedPart::of(key);
    let crc = crc16(&key[hashed.range(key.len())]);
    KeySlot {
        hashed,
        crc,
        slot: crc & SLOT_MASK,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc16_check_value() {
        // The catalogue check value of CRC-16/XMODEM, quoted in Redis's crc16.c.
        assert_eq!(crc16(b"123456789"), 0x31C3);
        assert_eq!(crc16(b""), 0);
    }

    #[test]
    fn hash_tag_rule_table() {
        // The spec's hash-tag examples (cluster-spec §"Hash tags") and the edge cases
        // that follow from "first `{`, then the first `}` after it".
        let cases: &[(&str, HashedPart, &str)] = &[
            ("foo", HashedPart::WholeNoOpenBrace, "foo"),
            ("", HashedPart::WholeNoOpenBrace, ""),
            (
                "{user1000}.following",
                HashedPart::Tag { open: 0, close: 9 },
                "user1000",
            ),
            (
                "foo{}{bar}",
                HashedPart::WholeEmptyTag { open: 3 },
                "foo{}{bar}",
            ),
            (
                "foo{{bar}}zap",
                HashedPart::Tag { open: 3, close: 8 },
                "{bar",
            ),
            (
                "foo{bar}{zap}",
                HashedPart::Tag { open: 3, close: 7 },
                "bar",
            ),
            ("a{b", HashedPart::WholeNoCloseBrace { open: 1 }, "a{b"),
            ("}{", HashedPart::WholeNoCloseBrace { open: 1 }, "}{"),
            ("{}", HashedPart::WholeEmptyTag { open: 0 }, "{}"),
            ("{{a}}", HashedPart::Tag { open: 0, close: 3 }, "{a"),
        ];
        for &(key, part, hashed) in cases {
            assert_eq!(HashedPart::of(key.as_bytes()), part, "{key:?}");
            let range = part.range(key.len());
            assert_eq!(&key.as_bytes()[range], hashed.as_bytes(), "{key:?}");
        }
    }

    #[test]
    fn known_slots() {
        // Slots confirmed by the real Redis 7.0.15 cluster (keyslot-vectors.tsv).
        assert_eq!(key_hash_slot(b"mykey"), 14687);
        assert_eq!(key_hash_slot(b"user:1001"), 5712);
        assert_eq!(key_hash_slot(b"{user:1001}:profile"), 5712);
        assert_eq!(key_hash_slot(b"foo"), 12182);
        assert_eq!(key_hash_slot(b"bar"), 5061);
        assert_eq!(key_hash_slot(b""), 0);
    }

    #[test]
    fn explain_shows_each_step() {
        let k = explain(b"123456789");
        assert_eq!(k.crc, 0x31C3);
        assert_eq!(k.slot, 0x31C3 & 0x3FFF);
        assert_eq!(k.slot, 12739);
    }
}
