//! Server and connection commands a cluster user types (server.c,
//! networking.c, acl.c, latency.c, slowlog.c in Redis 7.0): CLIENT, AUTH,
//! ACL for the one default user, TIME, LASTSAVE, SLOWLOG, LATENCY, MODULE,
//! and the HELP texts of the containers, answered from the real server's
//! own words (data/redis/help-replies-7.0.15.json).

use std::sync::OnceLock;

use super::data::{err, SYNTAX};
use crate::connection::Conn;
use crate::json::Json;
use crate::keyspace::{parse_i64, UNIX_MS_AT_START};
use crate::reply::{Protocol, Reply};

const HELP_JSON: &str = include_str!("../../data/redis/help-replies-7.0.15.json");

/// `<CONTAINER> HELP` as the real server prints it.
pub fn help(name: &str) -> Option<Reply> {
    static HELP: OnceLock<Vec<(String, Vec<String>)>> = OnceLock::new();
    let all = HELP.get_or_init(|| match crate::json::parse(HELP_JSON) {
        Ok(Json::Object(fields)) => fields
            .into_iter()
            .map(|(k, v)| {
                let lines = match v {
                    Json::Array(items) => items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_string))
                        .collect(),
                    _ => Vec::new(),
                };
                (k, lines)
            })
            .collect(),
        _ => Vec::new(),
    });
    let (_, lines) = all.iter().find(|(k, _)| k == name)?;
    Some(Reply::Array(
        lines.iter().map(|l| Reply::Status(l.clone())).collect(),
    ))
}

/// `clientSetNameOrReply()`: printable ASCII without spaces.
pub fn set_name(client: &mut Conn, name: &[u8]) -> Result<(), Reply> {
    if name.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
        return Err(err(
            "ERR Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    client.name = name.to_vec();
    Ok(())
}

/// AUTH's check against the one user there is: `default`, `nopass`, so
/// any password is right for it and no other user exists.
pub fn authenticate(user: &[u8], _password: &[u8]) -> Result<(), Reply> {
    if user == b"default" {
        Ok(())
    } else {
        Err(err(
            "WRONGPASS invalid username-password pair or user is disabled.",
        ))
    }
}

/// The line CLIENT INFO / CLIENT LIST prints for `client` (`catClientInfoString()`).
/// Memory figures are those of an idle connection; the address is the
/// client's side of a loopback connection.
fn info_line(client: &Conn, node_port: u16, last_command: &str) -> String {
    let mut flags = String::new();
    if client.readonly {
        flags.push('r');
    }
    if client.multi.is_some() {
        flags.push('x');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let multi = client.multi.as_ref().map_or(-1, |q| q.len() as i64);
    format!(
        "id={} addr=127.0.0.1:{} laddr=127.0.0.1:{node_port} fd={} name={} age=0 idle=0 flags={flags} db=0 sub=0 psub=0 ssub=0 multi={multi} qbuf=26 qbuf-free=20448 argv-mem=10 multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=0 omem=0 tot-mem=37658 events=r cmd={last_command} user=default redir=-1 resp={}\n",
        client.id,
        40_000 + client.id,
        7 + client.id,
        String::from_utf8_lossy(&client.name),
        if client.proto == Protocol::Resp3 { 3 } else { 2 },
    )
}

fn verbatim(text: String) -> Reply {
    Reply::Verbatim {
        format: "txt".into(),
        text: text.into_bytes(),
    }
}

/// CLIENT subcommands on the calling connection. Other connections to the
/// node are not listed (the node holds only the caller's state here).
pub fn client(name: &str, client: &mut Conn, node_port: u16, argv: &[Vec<u8>]) -> Reply {
    match name {
        "client|id" => Reply::Integer(client.id as i64),
        "client|getname" => {
            if client.name.is_empty() {
                Reply::Nil
            } else {
                Reply::bulk(client.name.clone())
            }
        }
        "client|setname" => match set_name(client, &argv[2]) {
            Ok(()) => Reply::ok(),
            Err(e) => e,
        },
        "client|info" => verbatim(info_line(client, node_port, "client|info")),
        "client|list" => {
            let mut i = 2;
            while i < argv.len() {
                let Some(value) = argv.get(i + 1) else {
                    return err(SYNTAX);
                };
                if argv[i].eq_ignore_ascii_case(b"type") {
                    let t = String::from_utf8_lossy(value).to_ascii_lowercase();
                    if !matches!(t.as_str(), "normal" | "master" | "replica" | "slave" | "pubsub") {
                        return Reply::Error(format!(
                            "ERR Unknown client type '{}'",
                            String::from_utf8_lossy(value)
                        ));
                    }
                    i += 2;
                } else if argv[i].eq_ignore_ascii_case(b"id") {
                    if argv[i + 1..].iter().any(|a| parse_i64(a).is_none_or(|n| n <= 0)) {
                        return err("ERR Invalid client ID");
                    }
                    break;
                } else {
                    return err(SYNTAX);
                }
            }
            verbatim(info_line(client, node_port, "client|list"))
        }
        "client|kill" => {
            if argv.len() == 3 {
                return err("ERR No such client");
            }
            if !(argv.len() - 2).is_multiple_of(2) {
                return err(SYNTAX);
            }
            for pair in argv[2..].chunks(2) {
                let opt = String::from_utf8_lossy(&pair[0]).to_ascii_lowercase();
                match opt.as_str() {
                    "id" => {
                        if parse_i64(&pair[1]).is_none_or(|n| n <= 0) {
                            return err("ERR client-id should be greater than 0");
                        }
                    }
                    "type" | "addr" | "laddr" | "user" | "skipme" => {}
                    _ => return err(SYNTAX),
                }
            }
            // Only other connections could match; none is listed here.
            Reply::Integer(0)
        }
        "client|getredir" => Reply::Integer(-1),
        "client|trackinginfo" => Reply::Map(vec![
            (Reply::bulk("flags"), Reply::Set(vec![Reply::bulk("off")])),
            (Reply::bulk("redirect"), Reply::Integer(-1)),
            (Reply::bulk("prefixes"), Reply::Array(Vec::new())),
        ]),
        "client|no-evict" => {
            if argv[2].eq_ignore_ascii_case(b"on") || argv[2].eq_ignore_ascii_case(b"off") {
                Reply::ok()
            } else {
                err(SYNTAX)
            }
        }
        "client|unblock" => {
            if parse_i64(&argv[2]).is_none() {
                return err("ERR value is not an integer or out of range");
            }
            if let Some(reason) = argv.get(3) {
                if !reason.eq_ignore_ascii_case(b"timeout") && !reason.eq_ignore_ascii_case(b"error")
                {
                    return err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
                }
            }
            Reply::Integer(0)
        }
        "client|caching" => err("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"),
        "client|help" => help(name).unwrap_or_else(|| err(SYNTAX)),
        other => super::data::not_simulated(other),
    }
}

/// AUTH [username] password.
pub fn auth(argv: &[Vec<u8>]) -> Reply {
    if argv.len() > 3 {
        return err(SYNTAX);
    }
    if argv.len() == 2 {
        return err("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
    }
    match authenticate(&argv[1], &argv[2]) {
        Ok(()) => Reply::ok(),
        Err(e) => e,
    }
}

/// ACL, for the single `default` user every Redis starts with.
pub fn acl(name: &str, argv: &[Vec<u8>]) -> Reply {
    let text = |s: &str| Reply::bulk(s.as_bytes());
    match name {
        "acl|whoami" => text("default"),
        "acl|users" => Reply::Array(vec![text("default")]),
        "acl|list" => Reply::Array(vec![text("user default on nopass ~* &* +@all")]),
        "acl|getuser" => {
            if argv[2] != b"default" {
                return Reply::Nil;
            }
            Reply::Map(vec![
                (
                    text("flags"),
                    Reply::Array(vec![text("on"), text("nopass")]),
                ),
                (text("passwords"), Reply::Array(Vec::new())),
                (text("commands"), text("+@all")),
                (text("keys"), text("~*")),
                (text("channels"), text("&*")),
                (text("selectors"), Reply::Array(Vec::new())),
            ])
        }
        "acl|cat" => {
            if let Some(cat) = argv.get(2) {
                let cat = format!("@{}", String::from_utf8_lossy(cat).to_ascii_lowercase());
                let mut names: Vec<&str> = Vec::new();
                for c in super::table::COMMANDS {
                    if c.subcommands.is_empty() {
                        if c.acl_categories.contains(&cat.as_str()) {
                            names.push(c.name);
                        }
                    } else {
                        names.extend(
                            c.subcommands
                                .iter()
                                .filter(|s| s.acl_categories.contains(&cat.as_str()))
                                .map(|s| s.name),
                        );
                    }
                }
                if names.is_empty() && !CATEGORIES.contains(&&cat[1..]) {
                    return Reply::Error(format!(
                        "ERR Unknown category '{}'",
                        String::from_utf8_lossy(&argv[2])
                    ));
                }
                return Reply::Array(names.into_iter().map(text).collect());
            }
            Reply::Array(CATEGORIES.iter().map(|c| text(c)).collect())
        }
        "acl|dryrun" => {
            if argv[2] != b"default" {
                return Reply::Error(format!(
                    "ERR User '{}' not found",
                    String::from_utf8_lossy(&argv[2])
                ));
            }
            match super::table::lookup(&argv[3..]) {
                super::table::Lookup::Found(_) => Reply::ok(),
                super::table::Lookup::WrongArity(_) => err("ERR wrong number of arguments"),
                _ => Reply::Error(format!(
                    "ERR Command '{}' not found",
                    String::from_utf8_lossy(&argv[3])
                )),
            }
        }
        "acl|help" => help(name).unwrap_or_else(|| err(SYNTAX)),
        other => super::data::not_simulated(other),
    }
}

/// ACL categories in the order ACL CAT lists them.
const CATEGORIES: &[&str] = &[
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

/// TIME: seconds and microseconds of the simulated clock's Unix time.
pub fn time(now: u64) -> Reply {
    let unix_ms = UNIX_MS_AT_START + now as i64;
    Reply::Array(vec![
        Reply::bulk((unix_ms / 1000).to_string()),
        Reply::bulk(((unix_ms % 1000) * 1000).to_string()),
    ])
}

/// LASTSAVE: nodes without persistence last "saved" when they started.
pub fn lastsave() -> Reply {
    Reply::Integer(UNIX_MS_AT_START / 1000)
}

/// SLOWLOG, LATENCY and MODULE: nothing is slow in the simulation, latency
/// monitoring is off (Redis's default), and no module is loaded.
pub fn monitoring(name: &str, argv: &[Vec<u8>]) -> Reply {
    match name {
        "slowlog|get" => {
            if let Some(n) = argv.get(2) {
                match parse_i64(n) {
                    Some(n) if n >= -1 => {}
                    _ => return err("ERR count should be greater than or equal to -1"),
                }
            }
            Reply::Array(Vec::new())
        }
        "slowlog|len" => Reply::Integer(0),
        "slowlog|reset" => Reply::ok(),
        "latency|latest" | "latency|history" => Reply::Array(Vec::new()),
        "latency|reset" => Reply::Integer(0),
        "latency|doctor" => verbatim("I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n".into()),
        "module|list" => Reply::Array(Vec::new()),
        _ => help(name).unwrap_or_else(|| super::data::not_simulated(name)),
    }
}
