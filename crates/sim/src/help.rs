//! The console's `help`, as redis-cli 7.0 answers it itself (it never
//! reaches the server): `help` alone, `help <command>` (every command whose
//! name starts with the words given) and `help @<group>`, each entry's
//! argument line built from COMMAND DOCS as redis-cli builds it. Printed as
//! plain text: redis-cli's colours are terminal escapes.

use crate::command::docs::{self, Doc};

/// redis-cli's own help screen.
fn banner() -> Vec<String> {
    [
        "redis-cli 7.0.15",
        "To get help about Redis commands type:",
        "      \"help @<group>\" to get a list of commands in <group>",
        "      \"help <command>\" for help on <command>",
        "      \"help <tab>\" to get a list of possible help topics",
        "      \"quit\" to exit",
        "",
        "To set redis-cli preferences:",
        "      \":set hints\" enable online hints",
        "      \":set nohints\" disable online hints",
        "Set your preferences in ~/.redisclirc",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// One help entry: `CLUSTER SETSLOT`, its argument line, and its docs.
struct Entry {
    name: String,
    params: String,
    summary: String,
    since: String,
    group: String,
}

fn field<'a>(doc: &'a Doc, name: &str) -> &'a str {
    doc.get(name).and_then(Doc::text).unwrap_or("")
}

fn flags(arg: &Doc) -> Vec<&str> {
    match arg.get("flags") {
        Some(Doc::Set(items)) | Some(Doc::List(items)) => {
            items.iter().filter_map(Doc::text).collect()
        }
        _ => Vec::new(),
    }
}

fn arguments(doc: &Doc) -> &[Doc] {
    match doc.get("arguments") {
        Some(Doc::List(items)) => items,
        _ => &[],
    }
}

/// `cliAddArgument()`: one argument of the grammar, as text.
fn argument(arg: &Doc) -> String {
    let kind = field(arg, "type");
    let repeat = match kind {
        "oneof" => join(arguments(arg), "|"),
        "block" => join(arguments(arg), " "),
        "pure-token" => String::new(),
        _ => field(arg, "name").to_string(),
    };
    let token = match (kind, field(arg, "token")) {
        // MIGRATE's empty key is a pure token "" (shown quoted).
        ("pure-token", "") => "\"\"",
        (_, t) => t,
    };
    let part = match (token.is_empty(), repeat.is_empty()) {
        (true, _) => repeat.clone(),
        (false, true) => token.to_string(),
        (false, false) => format!("{token} {repeat}"),
    };
    let flags = flags(arg);
    let mut text = part.clone();
    if flags.contains(&"multiple") {
        let again = if flags.contains(&"multiple_token") {
            part
        } else {
            repeat
        };
        text = format!("{text} [{again} ...]");
    }
    if flags.contains(&"optional") {
        text = format!("[{text}]");
    }
    text
}

fn join(args: &[Doc], separator: &str) -> String {
    args.iter()
        .map(argument)
        .collect::<Vec<_>>()
        .join(separator)
}

fn entry(full_name: &str, doc: &Doc) -> Entry {
    Entry {
        name: full_name.replace('|', " ").to_ascii_uppercase(),
        params: join(arguments(doc), " "),
        summary: field(doc, "summary").to_string(),
        since: field(doc, "since").to_string(),
        group: field(doc, "group").to_string(),
    }
}

/// Every help entry, sorted by name as redis-cli sorts them (built once:
/// the console asks for a hint at every keystroke).
fn entries() -> &'static [Entry] {
    static ENTRIES: std::sync::OnceLock<Vec<Entry>> = std::sync::OnceLock::new();
    // Not built from docs still loading (the page fetches them).
    if !docs::available() {
        return &[];
    }
    ENTRIES.get_or_init(build_entries)
}

fn build_entries() -> Vec<Entry> {
    let mut out = Vec::new();
    for (name, doc) in docs::all() {
        out.push(entry(name, doc));
        if let Some(Doc::Map(subs)) = doc.get("subcommands") {
            for (sub, sub_doc) in subs {
                out.push(entry(sub, sub_doc));
            }
        }
    }
    crate::order::sort_by(&mut out, |a, b| a.name.cmp(&b.name));
    out
}

fn print(e: &Entry, with_group: bool, out: &mut Vec<String>) {
    out.push(String::new());
    out.push(format!("  {} {}", e.name, e.params));
    out.push(format!("  summary: {}", e.summary));
    out.push(format!("  since: {}", e.since));
    if with_group {
        out.push(format!("  group: {}", e.group));
    }
}

/// What redis-cli prints for `help <args>`, line by line.
pub fn help(args: &[Vec<u8>]) -> Vec<String> {
    if args.is_empty() {
        return banner();
    }
    if !docs::available() {
        let why = docs::missing();
        return vec![why.strip_prefix("ERR ").unwrap_or(&why).to_string()];
    }
    let words: Vec<String> = args
        .iter()
        .map(|a| String::from_utf8_lossy(a).to_ascii_uppercase())
        .collect();
    let mut out = Vec::new();
    if let Some(group) = words[0].strip_prefix('@') {
        let group = group.to_ascii_lowercase();
        for e in entries().iter().filter(|e| e.group == group) {
            print(e, false, &mut out);
        }
    } else {
        for e in entries() {
            let names: Vec<&str> = e.name.split(' ').collect();
            if words.len() <= names.len() && words.iter().zip(&names).all(|(w, n)| w == n) {
                print(e, true, &mut out);
            }
        }
    }
    out.push(String::new());
    out
}

/// redis-cli's hint for a line being typed: the argument line of the
/// command named so far (`SET` → `key value [NX|XX] ...`), once the name
/// is complete and followed by a space; the longest match wins, so
/// `CLUSTER SETSLOT ` hints the subcommand's arguments.
pub fn hint(line: &str) -> Option<String> {
    if !line.ends_with(' ') {
        return None;
    }
    let typed: Vec<String> = line
        .split_whitespace()
        .map(str::to_ascii_uppercase)
        .collect();
    if typed.is_empty() || typed.len() > 2 {
        return None;
    }
    entries()
        .iter()
        .filter(|e| {
            let names: Vec<&str> = e.name.split(' ').collect();
            names.len() == typed.len() && names.iter().zip(&typed).all(|(n, t)| n == t)
        })
        .map(|e| e.params.clone())
        .next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_follow_the_name_typed() {
        assert_eq!(
            hint("set ").as_deref(),
            Some("key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]")
        );
        assert_eq!(hint("GET").as_deref(), None);
        assert_eq!(hint("cluster keyslot ").as_deref(), Some("key"));
        assert_eq!(hint("nosuch ").as_deref(), None);
        assert!(help(&[])
            .first()
            .is_some_and(|l| l.starts_with("redis-cli 7.0.15")));
    }
}
