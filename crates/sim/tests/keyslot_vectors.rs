//! Every `CLUSTER KEYSLOT` answer captured from a real Redis 7.0.15 cluster
//! (`tests/data/keyslot-vectors.tsv`, copied from the project's ground truth)
//! must come out of our key → slot function unchanged.

use slotscope_sim::key_hash_slot;

const VECTORS: &str = include_str!("data/keyslot-vectors.tsv");

struct Vector {
    line: usize,
    text: String,
    slot: u16,
    bytes: Vec<u8>,
}

fn decode_hex(hex: &str) -> Vec<u8> {
    assert!(hex.len().is_multiple_of(2), "odd-length hex {hex:?}");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// Undoes the escaping of the file's `key` column: `\\`, `\t`, `\n`, `\r`, `\xNN`.
fn unescape(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        match bytes[i + 1] {
            b'\\' => out.push(b'\\'),
            b't' => out.push(b'\t'),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b'x' => {
                let hex = std::str::from_utf8(&bytes[i + 2..i + 4]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            other => panic!("unknown escape \\{} in {text:?}", other as char),
        }
        i += 2;
    }
    out
}

fn vectors() -> Vec<Vector> {
    VECTORS
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.starts_with('#'))
        .map(|(n, line)| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 3, "line {}: {line:?}", n + 1);
            Vector {
                line: n + 1,
                text: cols[0].to_string(),
                slot: cols[1].parse().expect("slot number"),
                bytes: decode_hex(cols[2]),
            }
        })
        .collect()
}

#[test]
fn every_vector_from_real_redis_matches() {
    let vectors = vectors();
    // The file holds 186 keys; a truncated copy must not pass quietly.
    assert_eq!(vectors.len(), 186);
    let wrong: Vec<String> = vectors
        .iter()
        .filter(|v| key_hash_slot(&v.bytes) != v.slot)
        .map(|v| {
            format!(
                "line {}: {:?} -> {} (Redis says {})",
                v.line,
                v.text,
                key_hash_slot(&v.bytes),
                v.slot
            )
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn escaped_key_column_agrees_with_key_hex() {
    // Guards the data file itself: the readable column and the bytes must agree.
    for v in vectors() {
        assert_eq!(unescape(&v.text), v.bytes, "line {}", v.line);
    }
}

#[test]
fn lesson_examples() {
    // The lesson claims user:1001 is slot 5244; the real cluster said 5712.
    assert_eq!(key_hash_slot(b"user:1001"), 5712);
    assert_eq!(key_hash_slot(b"{user:1001}:profile"), 5712);
    assert_eq!(key_hash_slot(b"mykey"), 14687);
}
