//! The COMMAND command: the server describing its own command table
//! (`commandCommand()` and friends in Redis's server.c), answered from the
//! same generated table that drives arity, keys and routing.
//!
//! Where Redis walks a dict (COMMAND, COMMAND LIST, a container's
//! subcommands), its order depends on a hash seed chosen at start-up; we
//! answer in name order.

use super::docs;
use super::table::{
    by_name, key_positions, keys_from_specs, lookup, BeginSearch, CommandSpec, FindKeys, KeySpec,
    Lookup, COMMANDS,
};
use crate::reply::Reply;

fn statuses(items: &[&str]) -> Reply {
    Reply::Set(items.iter().map(|s| Reply::Status(s.to_string())).collect())
}

fn pair(name: &str, value: Reply) -> (Reply, Reply) {
    (Reply::bulk(name.as_bytes()), value)
}

fn key_spec(ks: &KeySpec) -> Reply {
    let begin = match ks.begin_search {
        BeginSearch::Index(i) => ("index", vec![pair("index", Reply::Integer(i64::from(i)))]),
        BeginSearch::Keyword { keyword, startfrom } => (
            "keyword",
            vec![
                pair("keyword", Reply::bulk(keyword.as_bytes())),
                pair("startfrom", Reply::Integer(i64::from(startfrom))),
            ],
        ),
        BeginSearch::Unknown => ("unknown", vec![]),
    };
    let find = match ks.find_keys {
        FindKeys::Range {
            lastkey,
            keystep,
            limit,
        } => (
            "range",
            vec![
                pair("lastkey", Reply::Integer(i64::from(lastkey))),
                pair("keystep", Reply::Integer(i64::from(keystep))),
                pair("limit", Reply::Integer(i64::from(limit))),
            ],
        ),
        FindKeys::Keynum {
            keynumidx,
            firstkey,
            keystep,
        } => (
            "keynum",
            vec![
                pair("keynumidx", Reply::Integer(i64::from(keynumidx))),
                pair("firstkey", Reply::Integer(i64::from(firstkey))),
                pair("keystep", Reply::Integer(i64::from(keystep))),
            ],
        ),
        FindKeys::Unknown => ("unknown", vec![]),
    };
    let typed = |(kind, spec): (&str, Vec<(Reply, Reply)>)| {
        Reply::Map(vec![
            pair("type", Reply::bulk(kind.as_bytes())),
            pair("spec", Reply::Map(spec)),
        ])
    };
    let mut fields = Vec::new();
    if let Some(notes) = ks.notes {
        fields.push(pair("notes", Reply::bulk(notes.as_bytes())));
    }
    fields.push(pair("flags", statuses(ks.flags)));
    fields.push(pair("begin_search", typed(begin)));
    fields.push(pair("find_keys", typed(find)));
    Reply::Map(fields)
}

/// One command as `COMMAND INFO` describes it (`addReplyCommandInfo()`).
pub fn info(spec: &CommandSpec) -> Reply {
    Reply::Array(vec![
        Reply::bulk(spec.name.as_bytes()),
        Reply::Integer(i64::from(spec.arity)),
        statuses(spec.flags),
        Reply::Integer(i64::from(spec.first_key)),
        Reply::Integer(i64::from(spec.last_key)),
        Reply::Integer(i64::from(spec.step)),
        statuses(spec.acl_categories),
        Reply::Set(
            spec.tips
                .iter()
                .map(|t| Reply::bulk(t.as_bytes()))
                .collect(),
        ),
        Reply::Set(spec.key_specs.iter().map(key_spec).collect()),
        // `addReplyCommandSubCommands()`: an empty set, or an array.
        if spec.subcommands.is_empty() {
            Reply::Set(Vec::new())
        } else {
            Reply::Array(spec.subcommands.iter().map(info).collect())
        },
    ])
}

fn docs_entry(spec: &CommandSpec) -> Option<(Reply, Reply)> {
    let doc = docs::of(spec.name)?;
    Some((Reply::bulk(spec.name.as_bytes()), doc.to_reply()))
}

fn every_name(out: &mut Vec<&'static CommandSpec>, table: &'static [CommandSpec]) {
    for c in table {
        out.push(c);
        every_name(out, c.subcommands);
    }
}

/// `COMMAND`, `COMMAND <subcommand> ...`.
pub fn run(spec: &CommandSpec, argv: &[Vec<u8>]) -> Reply {
    match spec.name {
        "command" => Reply::Array(COMMANDS.iter().map(info).collect()),
        "command|count" => Reply::Integer(COMMANDS.len() as i64),
        "command|info" => {
            if argv.len() == 2 {
                return Reply::Array(COMMANDS.iter().map(info).collect());
            }
            Reply::Array(
                argv[2..]
                    .iter()
                    .map(|n| by_name(&String::from_utf8_lossy(n)).map_or(Reply::Nil, info))
                    .collect(),
            )
        }
        "command|docs" => {
            if !docs::available() {
                return Reply::Error(docs::missing());
            }
            if argv.len() == 2 {
                return Reply::Map(COMMANDS.iter().filter_map(docs_entry).collect());
            }
            Reply::Map(
                argv[2..]
                    .iter()
                    .filter_map(|n| by_name(&String::from_utf8_lossy(n)))
                    .filter_map(docs_entry)
                    .collect(),
            )
        }
        "command|list" => list(argv),
        "command|getkeys" | "command|getkeysandflags" => {
            getkeys(spec.name == "command|getkeysandflags", &argv[2..])
        }
        "command|help" => help(),
        _ => Reply::Error(format!("ERR unknown subcommand '{}'", spec.name)),
    }
}

fn list(argv: &[Vec<u8>]) -> Reply {
    let mut all = Vec::new();
    every_name(&mut all, COMMANDS);
    let names = |keep: &dyn Fn(&CommandSpec) -> bool| {
        Reply::Array(
            all.iter()
                .filter(|c| keep(c))
                .map(|c| Reply::bulk(c.name.as_bytes()))
                .collect(),
        )
    };
    if argv.len() == 2 {
        return names(&|_| true);
    }
    let filter_by = argv.len() == 5 && argv[2].eq_ignore_ascii_case(b"filterby");
    if !filter_by {
        return Reply::Error("ERR syntax error".into());
    }
    let arg = String::from_utf8_lossy(&argv[4]).into_owned();
    match argv[3].to_ascii_lowercase().as_slice() {
        b"module" => Reply::Array(Vec::new()),
        b"aclcat" => {
            let cat = format!("@{}", arg.to_ascii_lowercase());
            names(&|c| c.acl_categories.contains(&cat.as_str()))
        }
        b"pattern" => {
            let pattern = arg.to_ascii_lowercase();
            names(&|c| crate::glob::glob_match(pattern.as_bytes(), c.name.as_bytes()))
        }
        _ => Reply::Error("ERR syntax error".into()),
    }
}

/// `getKeysSubcommandImpl()`.
fn getkeys(with_flags: bool, argv: &[Vec<u8>]) -> Reply {
    let spec = match lookup(argv) {
        Lookup::Found(spec) => spec,
        Lookup::WrongArity(_) => {
            return Reply::Error("ERR Invalid number of arguments specified for command".into())
        }
        _ => return Reply::Error("ERR Invalid command specified".into()),
    };
    let has_keys = spec.key_specs.iter().any(|k| !k.flags.contains(&"not_key"));
    if !has_keys {
        return Reply::Error("ERR The command has no key arguments".into());
    }
    // Key specs first, unless their flags depend on the arguments (SET):
    // then, or when they do not fit, the command's own key function.
    let varflags = spec
        .key_specs
        .iter()
        .any(|k| k.flags.contains(&"variable_flags"));
    let from_specs = if varflags {
        Vec::new()
    } else {
        keys_from_specs(spec, argv)
            .into_iter()
            .filter(|&(_, flags)| !flags.contains(&"not_key"))
            .collect()
    };
    let keys: Vec<(usize, &[&str])> = if from_specs.is_empty() {
        key_positions(spec, argv)
            .into_iter()
            .map(|i| (i, fallback_flags(spec, argv)))
            .collect()
    } else {
        from_specs
    };
    if keys.is_empty() {
        if spec.has_flag("no_mandatory_keys") {
            return Reply::Array(Vec::new());
        }
        return Reply::Error("ERR Invalid arguments specified for command".into());
    }
    Reply::Array(
        keys.into_iter()
            .map(|(i, flags)| {
                let key = Reply::bulk(argv[i].clone());
                if with_flags {
                    Reply::Array(vec![key, statuses(flags)])
                } else {
                    key
                }
            })
            .collect(),
    )
}

/// The flags a key function gives a key: SET's depend on GET
/// (`setGetKeys()`); otherwise the first key spec's (an approximation:
/// Redis's key functions set flags per key, e.g. ZUNIONSTORE's sources RO).
fn fallback_flags(spec: &CommandSpec, argv: &[Vec<u8>]) -> &'static [&'static str] {
    if spec.name == "set" {
        let get = argv[3..].iter().any(|a| a.eq_ignore_ascii_case(b"get"));
        return if get {
            &["RW", "access", "update"]
        } else {
            &["OW", "update"]
        };
    }
    spec.key_specs.first().map_or(&[], |k| k.flags)
}

fn help() -> Reply {
    let lines = [
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
        "HELP",
        "    Prints this help.",
    ];
    Reply::Array(lines.iter().map(|l| Reply::Status(l.to_string())).collect())
}
