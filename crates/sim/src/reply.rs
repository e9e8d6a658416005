//! Replies, as a Redis server sends them: a value of one of the RESP types,
//! encoded on the wire as RESP2 or RESP3 (after `HELLO 3`).
//!
//! The enum holds the RESP3 types; `encode(Protocol::Resp2)` downgrades them
//! the way Redis does (`networking.c`): a map becomes a flat array, a set an
//! array, a double a bulk string, a verbatim string a bulk string, and null
//! becomes `$-1` or `*-1`.

use serde::{Deserialize, Serialize};

/// The protocol a connection speaks: RESP2 until `HELLO 3`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Protocol {
    #[default]
    Resp2,
    Resp3,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    /// `+OK`
    Status(String),
    /// `-ERR ...`: the text after the `-`, e.g. `MOVED 12182 127.0.0.1:7002`.
    Error(String),
    /// `:1`
    Integer(i64),
    /// `$3\r\nfoo`
    Bulk(Vec<u8>),
    /// A missing value: `$-1` in RESP2, `_` in RESP3 (GET of a missing key).
    Nil,
    /// A missing array: `*-1` in RESP2, `_` in RESP3 (EXEC after WATCH fired).
    NilArray,
    Array(Vec<Reply>),
    /// RESP3 `%`; a flat array of keys and values in RESP2.
    Map(Vec<(Reply, Reply)>),
    /// RESP3 `~`; an array in RESP2.
    Set(Vec<Reply>),
    /// RESP3 `,`; a bulk string in RESP2. Kept as the text Redis prints.
    Double(String),
    /// RESP3 `#t`/`#f`; `:1`/`:0` in RESP2.
    Bool(bool),
    /// RESP3 `=`, e.g. CLUSTER NODES as `txt`; a bulk string in RESP2.
    Verbatim {
        format: String,
        text: Vec<u8>,
    },
    /// RESP3 `>`, e.g. pub/sub messages; an array in RESP2.
    Push(Vec<Reply>),
    /// Several replies to one command, one after the other on the wire:
    /// SUBSCRIBE a b confirms each channel with a reply of its own.
    Many(Vec<Reply>),
}

impl Reply {
    pub fn ok() -> Reply {
        Reply::Status("OK".to_string())
    }

    /// An error whose text starts with `ERR ` unless it already names a code,
    /// like `addReplyError()`: callers pass e.g. `"ERR Invalid slot"` or
    /// `"CROSSSLOT Keys in request don't hash to the same slot"`.
    pub fn error(text: impl Into<String>) -> Reply {
        Reply::Error(text.into())
    }

    pub fn bulk(bytes: impl Into<Vec<u8>>) -> Reply {
        Reply::Bulk(bytes.into())
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }

    /// The reply as a client speaking `proto` receives it: in RESP2 the
    /// RESP3-only types arrive as arrays, bulk strings and integers.
    pub fn as_seen(&self, proto: Protocol) -> Reply {
        if proto == Protocol::Resp3 {
            return self.clone();
        }
        match self {
            Reply::Array(items) | Reply::Set(items) | Reply::Push(items) => {
                Reply::Array(items.iter().map(|r| r.as_seen(proto)).collect())
            }
            Reply::Map(pairs) => Reply::Array(
                pairs
                    .iter()
                    .flat_map(|(k, v)| [k.as_seen(proto), v.as_seen(proto)])
                    .collect(),
            ),
            Reply::Double(text) => Reply::Bulk(text.clone().into_bytes()),
            Reply::Bool(b) => Reply::Integer(i64::from(*b)),
            Reply::Verbatim { text, .. } => Reply::Bulk(text.clone()),
            Reply::Many(items) => Reply::Many(items.iter().map(|r| r.as_seen(proto)).collect()),
            other => other.clone(),
        }
    }

    /// The exact bytes on the wire.
    pub fn encode(&self, proto: Protocol) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(proto, &mut out);
        out
    }

    fn encode_into(&self, proto: Protocol, out: &mut Vec<u8>) {
        let resp3 = proto == Protocol::Resp3;
        match self {
            Reply::Status(s) => line(out, b'+', s.as_bytes()),
            Reply::Error(s) => line(out, b'-', s.as_bytes()),
            Reply::Integer(n) => line(out, b':', n.to_string().as_bytes()),
            Reply::Bulk(b) => bulk(out, b'$', b),
            Reply::Nil if resp3 => out.extend_from_slice(b"_\r\n"),
            Reply::Nil => out.extend_from_slice(b"$-1\r\n"),
            Reply::NilArray if resp3 => out.extend_from_slice(b"_\r\n"),
            Reply::NilArray => out.extend_from_slice(b"*-1\r\n"),
            Reply::Array(items) => aggregate(out, b'*', items, proto),
            Reply::Set(items) => aggregate(out, if resp3 { b'~' } else { b'*' }, items, proto),
            Reply::Push(items) => aggregate(out, if resp3 { b'>' } else { b'*' }, items, proto),
            Reply::Map(pairs) => {
                if resp3 {
                    line(out, b'%', pairs.len().to_string().as_bytes());
                } else {
                    line(out, b'*', (pairs.len() * 2).to_string().as_bytes());
                }
                for (k, v) in pairs {
                    k.encode_into(proto, out);
                    v.encode_into(proto, out);
                }
            }
            Reply::Double(text) if resp3 => line(out, b',', text.as_bytes()),
            Reply::Double(text) => bulk(out, b'$', text.as_bytes()),
            Reply::Bool(b) if resp3 => line(out, b'#', if *b { b"t" } else { b"f" }),
            Reply::Bool(b) => line(out, b':', if *b { b"1" } else { b"0" }),
            Reply::Verbatim { format, text } if resp3 => {
                let mut body = format.as_bytes().to_vec();
                body.push(b':');
                body.extend_from_slice(text);
                bulk(out, b'=', &body);
            }
            Reply::Verbatim { text, .. } => bulk(out, b'$', text),
            Reply::Many(items) => {
                for item in items {
                    item.encode_into(proto, out);
                }
            }
        }
    }
}

fn line(out: &mut Vec<u8>, prefix: u8, body: &[u8]) {
    out.push(prefix);
    out.extend_from_slice(body);
    out.extend_from_slice(b"\r\n");
}

fn bulk(out: &mut Vec<u8>, prefix: u8, body: &[u8]) {
    line(out, prefix, body.len().to_string().as_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(b"\r\n");
}

fn aggregate(out: &mut Vec<u8>, prefix: u8, items: &[Reply], proto: Protocol) {
    line(out, prefix, items.len().to_string().as_bytes());
    for item in items {
        item.encode_into(proto, out);
    }
}

/// Escapes bytes the way Redis's `sdscatrepr()` does, as in the transcripts'
/// `resp:` lines: `"` and `\` escaped, `\n \r \t \a \b` named, other
/// non-printable bytes as `\xNN`, the whole wrapped in double quotes.
pub fn repr(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() + 2);
    s.push('"');
    for &b in bytes {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x07 => s.push_str("\\a"),
            0x08 => s.push_str("\\b"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(r: &Reply, p: Protocol) -> String {
        repr(&r.encode(p))
    }

    #[test]
    fn resp2_encodings_from_the_transcripts() {
        use Protocol::Resp2;
        assert_eq!(
            wire(&Reply::error("MOVED 12182 127.0.0.1:7002"), Resp2),
            r#""-MOVED 12182 127.0.0.1:7002\r\n""#
        );
        assert_eq!(wire(&Reply::ok(), Resp2), r#""+OK\r\n""#);
        assert_eq!(wire(&Reply::Nil, Resp2), r#""$-1\r\n""#);
        assert_eq!(wire(&Reply::NilArray, Resp2), r#""*-1\r\n""#);
        assert_eq!(wire(&Reply::Integer(-2), Resp2), r#"":-2\r\n""#);
        assert_eq!(
            wire(&Reply::Array(vec![Reply::bulk("a"), Reply::Nil]), Resp2),
            r#""*2\r\n$1\r\na\r\n$-1\r\n""#
        );
        assert_eq!(
            wire(
                &Reply::Map(vec![(Reply::bulk("k"), Reply::Integer(1))]),
                Resp2
            ),
            r#""*2\r\n$1\r\nk\r\n:1\r\n""#
        );
    }

    #[test]
    fn resp3_encodings() {
        use Protocol::Resp3;
        assert_eq!(wire(&Reply::Nil, Resp3), r#""_\r\n""#);
        assert_eq!(
            wire(
                &Reply::Map(vec![(Reply::bulk("k"), Reply::Integer(1))]),
                Resp3
            ),
            r#""%1\r\n$1\r\nk\r\n:1\r\n""#
        );
        assert_eq!(
            wire(
                &Reply::Verbatim {
                    format: "txt".into(),
                    text: b"x\n".to_vec()
                },
                Resp3
            ),
            r#""=6\r\ntxt:x\n\r\n""#
        );
        assert_eq!(wire(&Reply::Double("1.5".into()), Resp3), r#"",1.5\r\n""#);
        assert_eq!(wire(&Reply::Bool(true), Resp3), r##""#t\r\n""##);
    }

    #[test]
    fn repr_escapes_like_sdscatrepr() {
        assert_eq!(repr(b"a\"b\\c\x00\xff\x07"), r#""a\"b\\c\x00\xff\a""#);
    }
}
