//! Replies as redis-cli 7.0 prints them on a terminal (`cliFormatReplyTTY`),
//! or raw for the commands redis-cli always prints raw (INFO, CLUSTER NODES,
//! CLUSTER INFO). Each rendering ends without a trailing newline.

use crate::reply::{repr, Protocol, Reply};

/// Whether redis-cli prints the reply to `argv` raw (`cliSendCommand`).
pub fn prints_raw(argv: &[Vec<u8>]) -> bool {
    let is = |i: usize, word: &str| {
        argv.get(i)
            .is_some_and(|a| a.eq_ignore_ascii_case(word.as_bytes()))
    };
    is(0, "info")
        || (argv.len() == 2 && is(0, "cluster") && (is(1, "nodes") || is(1, "info")))
        || (argv.len() >= 2 && is(0, "client") && (is(1, "list") || is(1, "info")))
}

/// The reply to `argv`, received over `proto`, as redis-cli shows it.
pub fn render_for(argv: &[Vec<u8>], reply: &Reply, proto: Protocol) -> String {
    let seen = reply.as_seen(proto);
    if prints_raw(argv) {
        render_raw(&seen)
    } else {
        render_tty(&seen)
    }
}

/// Raw output: strings as they are. The `\r` of `\r\n` line ends is dropped,
/// as in the transcripts.
pub fn render_raw(reply: &Reply) -> String {
    match reply {
        Reply::Bulk(b) | Reply::Verbatim { text: b, .. } => {
            let text = String::from_utf8_lossy(b).replace("\r\n", "\n");
            text.strip_suffix('\n').unwrap_or(&text).to_string()
        }
        other => render_tty(other),
    }
}

pub fn render_tty(reply: &Reply) -> String {
    let mut out = String::new();
    format_tty(reply, "", &mut out);
    if out.ends_with('\n') {
        out.pop();
    }
    out
}

fn format_tty(reply: &Reply, prefix: &str, out: &mut String) {
    match reply {
        // Each reply printed in turn, as redis-cli reads them.
        Reply::Many(items) => {
            for item in items {
                format_tty(item, prefix, out);
            }
        }
        Reply::Error(e) => {
            out.push_str("(error) ");
            out.push_str(e);
            out.push('\n');
        }
        Reply::Status(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Reply::Integer(n) => out.push_str(&format!("(integer) {n}\n")),
        Reply::Double(d) => out.push_str(&format!("(double) {d}\n")),
        Reply::Bulk(b) => {
            out.push_str(&repr(b));
            out.push('\n');
        }
        Reply::Verbatim { text, .. } => {
            out.push_str(&String::from_utf8_lossy(text));
            out.push('\n');
        }
        Reply::Nil | Reply::NilArray => out.push_str("(nil)\n"),
        Reply::Bool(b) => out.push_str(if *b { "(true)\n" } else { "(false)\n" }),
        Reply::Array(items) | Reply::Push(items) | Reply::Set(items) => {
            let (empty, sep) = match reply {
                Reply::Set(_) => ("(empty set)", '~'),
                Reply::Push(_) => ("(empty push)", ')'),
                _ => ("(empty array)", ')'),
            };
            if items.is_empty() {
                out.push_str(empty);
                out.push('\n');
                return;
            }
            let idxlen = items.len().to_string().len();
            let child_prefix = format!("{prefix}{}", " ".repeat(idxlen + 2));
            for (i, item) in items.iter().enumerate() {
                let lead = if i == 0 { "" } else { prefix };
                out.push_str(&format!("{lead}{:>idxlen$}{sep} ", i + 1));
                format_tty(item, &child_prefix, out);
            }
        }
        Reply::Map(pairs) => {
            if pairs.is_empty() {
                out.push_str("(empty hash)\n");
                return;
            }
            let idxlen = pairs.len().to_string().len();
            let child_prefix = format!("{prefix}{}", " ".repeat(idxlen + 2));
            for (i, (k, v)) in pairs.iter().enumerate() {
                let lead = if i == 0 { "" } else { prefix };
                out.push_str(&format!("{lead}{:>idxlen$}# ", i + 1));
                format_tty(k, &child_prefix, out);
                // The key's newline gives way to " => " and the value; a
                // non-empty aggregate value starts on a line of its own.
                out.pop();
                out.push_str(" => ");
                let nested = match v {
                    Reply::Array(x) | Reply::Set(x) | Reply::Push(x) => !x.is_empty(),
                    Reply::Map(x) => !x.is_empty(),
                    _ => false,
                };
                if nested {
                    out.push('\n');
                    out.push_str(&child_prefix);
                }
                format_tty(v, &child_prefix, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars() {
        assert_eq!(
            render_tty(&Reply::error("MOVED 1 127.0.0.1:7000")),
            "(error) MOVED 1 127.0.0.1:7000"
        );
        assert_eq!(render_tty(&Reply::Integer(3)), "(integer) 3");
        assert_eq!(render_tty(&Reply::Nil), "(nil)");
        assert_eq!(render_tty(&Reply::bulk("a\"b")), r#""a\"b""#);
        assert_eq!(render_tty(&Reply::ok()), "OK");
        assert_eq!(render_tty(&Reply::Array(vec![])), "(empty array)");
    }

    #[test]
    fn nested_arrays_as_in_cluster_slots() {
        let node = Reply::Array(vec![
            Reply::bulk("127.0.0.1"),
            Reply::Integer(7000),
            Reply::bulk("id"),
            Reply::Array(vec![]),
        ]);
        let r = Reply::Array(vec![Reply::Array(vec![
            Reply::Integer(0),
            Reply::Integer(5460),
            node,
        ])]);
        assert_eq!(
            render_tty(&r),
            "1) 1) (integer) 0\n   2) (integer) 5460\n   3) 1) \"127.0.0.1\"\n      2) (integer) 7000\n      3) \"id\"\n      4) (empty array)"
        );
    }

    #[test]
    fn wide_index_pads() {
        let r = Reply::Array((0..10).map(Reply::Integer).collect());
        let text = render_tty(&r);
        assert!(text.starts_with(" 1) (integer) 0\n 2) "), "{text}");
        assert!(text.ends_with("10) (integer) 9"), "{text}");
    }

    #[test]
    fn maps_as_real_redis_cli_prints_them() {
        // From the CLUSTER SHARDS transcript, and `redis-cli -3 --no-raw` 7.0.15
        // on a map holding an array and an empty array.
        let r = Reply::Array(vec![Reply::Map(vec![(
            Reply::bulk("slots"),
            Reply::Array(vec![Reply::Integer(1), Reply::Integer(2)]),
        )])]);
        assert_eq!(
            render_tty(&r),
            "1) 1# \"slots\" => \n      1) (integer) 1\n      2) (integer) 2"
        );
        let r = Reply::Map(vec![
            (
                Reply::bulk("a"),
                Reply::Array(vec![Reply::Integer(1), Reply::Integer(2)]),
            ),
            (Reply::bulk("b"), Reply::Array(vec![])),
        ]);
        assert_eq!(
            render_tty(&r),
            "1# \"a\" => \n   1) (integer) 1\n   2) (integer) 2\n2# \"b\" => (empty array)"
        );
        assert_eq!(
            render_tty(&Reply::Set(vec![Reply::bulk("y"), Reply::bulk("x")])),
            "1~ \"y\"\n2~ \"x\""
        );
        assert_eq!(render_tty(&Reply::Set(vec![])), "(empty set)");
        assert_eq!(render_tty(&Reply::Map(vec![])), "(empty hash)");
        assert_eq!(render_tty(&Reply::Double("1.5".into())), "(double) 1.5");
    }
}
