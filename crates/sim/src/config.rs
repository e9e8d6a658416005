//! A node's own settings: what its `redis.conf` says and what `CONFIG SET`
//! changed since. Each node has its own (`CONFIG SET` on 7000 changes 7000
//! alone), as in Redis; nothing in the simulation reads a global setting.
//!
//! The parameters are a table (name, kind, range), as Redis's `config.c`
//! keeps them, so that `CONFIG GET`, `CONFIG SET` and their errors come out
//! of one place. Error texts and parsing rules were checked against a real
//! Redis 7.0.15 (`tests/scenarios/config.txt` in the differential test).

use crate::glob::glob_match;
use crate::keyspace::parse_i64;
use crate::reply::Reply;

/// The settings of `redis.conf` that change what a node does in a cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// `cluster-node-timeout`, ms.
    pub node_timeout: u64,
    /// `cluster-require-full-coverage`.
    pub require_full_coverage: bool,
    /// `cluster-allow-reads-when-down`.
    pub allow_reads_when_down: bool,
    /// `cluster-allow-pubsubshard-when-down`.
    pub allow_pubsubshard_when_down: bool,
    /// `cluster-migration-barrier`: replicas a master keeps before one may
    /// migrate to an orphaned master.
    pub migration_barrier: u64,
    /// `cluster-allow-replica-migration`.
    pub allow_replica_migration: bool,
    /// `cluster-replica-validity-factor`: a replica whose data is older than
    /// `node_timeout × factor` (plus the ping period) does not stand for
    /// election; 0 means it always may.
    pub replica_validity_factor: u64,
    /// `cluster-replica-no-failover`: never start an automatic failover
    /// (a manual CLUSTER FAILOVER still works).
    pub replica_no_failover: bool,
}

impl Default for Config {
    /// Redis 7.0's defaults (`config.c`).
    fn default() -> Config {
        Config {
            node_timeout: 15_000,
            require_full_coverage: true,
            allow_reads_when_down: false,
            allow_pubsubshard_when_down: true,
            migration_barrier: 1,
            allow_replica_migration: true,
            replica_validity_factor: 10,
            replica_no_failover: false,
        }
    }
}

/// How a parameter's value is read and written.
#[derive(Clone, Copy)]
enum Kind {
    Bool {
        get: fn(&Config) -> bool,
        set: fn(&mut Config, bool),
    },
    /// An integer in `min..=max`.
    Int {
        min: u64,
        max: u64,
        get: fn(&Config) -> u64,
        set: fn(&mut Config, u64),
    },
    /// A setting Redis has that the simulation does not model: shown at
    /// Redis's default; `CONFIG SET` says it is not simulated.
    Unsimulated(&'static str),
    /// `can't set immutable config` (only at start-up in Redis too).
    Immutable(&'static str),
}

#[derive(Clone, Copy)]
struct Param {
    name: &'static str,
    kind: Kind,
}

const fn boolean(
    name: &'static str,
    get: fn(&Config) -> bool,
    set: fn(&mut Config, bool),
) -> Param {
    Param {
        name,
        kind: Kind::Bool { get, set },
    }
}

const fn int(
    name: &'static str,
    max: u64,
    get: fn(&Config) -> u64,
    set: fn(&mut Config, u64),
) -> Param {
    Param {
        name,
        kind: Kind::Int {
            min: 0,
            max,
            get,
            set,
        },
    }
}

/// `INT_MAX` and `LLONG_MAX`, the upper bounds Redis gives these settings.
const INT_MAX: u64 = i32::MAX as u64;
const LLONG_MAX: u64 = i64::MAX as u64;

/// Every `cluster-*` parameter of Redis 7.0, in the order a real server
/// lists them for `CONFIG GET cluster-*` (its dict order; aliases included,
/// as there). `cluster-slave-*` are the old names of `cluster-replica-*`.
static PARAMS: &[Param] = &[
    int(
        "cluster-slave-validity-factor",
        INT_MAX,
        |c| c.replica_validity_factor,
        |c, v| c.replica_validity_factor = v,
    ),
    int(
        "cluster-migration-barrier",
        INT_MAX,
        |c| c.migration_barrier,
        |c, v| c.migration_barrier = v,
    ),
    boolean(
        "cluster-allow-replica-migration",
        |c| c.allow_replica_migration,
        |c, v| c.allow_replica_migration = v,
    ),
    Param {
        name: "cluster-announce-tls-port",
        kind: Kind::Unsimulated("0"),
    },
    Param {
        name: "cluster-announce-ip",
        kind: Kind::Unsimulated(""),
    },
    boolean(
        "cluster-allow-pubsubshard-when-down",
        |c| c.allow_pubsubshard_when_down,
        |c, v| c.allow_pubsubshard_when_down = v,
    ),
    boolean(
        "cluster-replica-no-failover",
        |c| c.replica_no_failover,
        |c, v| c.replica_no_failover = v,
    ),
    Param {
        name: "cluster-link-sendbuf-limit",
        kind: Kind::Unsimulated("0"),
    },
    Param {
        name: "cluster-preferred-endpoint-type",
        kind: Kind::Unsimulated("ip"),
    },
    Param {
        name: "cluster-announce-hostname",
        kind: Kind::Unsimulated(""),
    },
    boolean(
        "cluster-require-full-coverage",
        |c| c.require_full_coverage,
        |c, v| c.require_full_coverage = v,
    ),
    int(
        "cluster-node-timeout",
        LLONG_MAX,
        |c| c.node_timeout,
        |c, v| c.node_timeout = v,
    ),
    int(
        "cluster-replica-validity-factor",
        INT_MAX,
        |c| c.replica_validity_factor,
        |c, v| c.replica_validity_factor = v,
    ),
    Param {
        name: "cluster-port",
        kind: Kind::Immutable("0"),
    },
    Param {
        name: "cluster-enabled",
        kind: Kind::Immutable("yes"),
    },
    boolean(
        "cluster-allow-reads-when-down",
        |c| c.allow_reads_when_down,
        |c, v| c.allow_reads_when_down = v,
    ),
    Param {
        name: "cluster-announce-bus-port",
        kind: Kind::Unsimulated("0"),
    },
    Param {
        name: "cluster-config-file",
        kind: Kind::Immutable("nodes.conf"),
    },
    boolean(
        "cluster-slave-no-failover",
        |c| c.replica_no_failover,
        |c, v| c.replica_no_failover = v,
    ),
    Param {
        name: "cluster-announce-port",
        kind: Kind::Unsimulated("0"),
    },
];

fn find(name: &[u8]) -> Option<&'static Param> {
    PARAMS
        .iter()
        .find(|p| p.name.as_bytes().eq_ignore_ascii_case(name))
}

fn value_of(param: &Param, config: &Config) -> String {
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    match param.kind {
        Kind::Bool { get, .. } => yes_no(get(config)),
        Kind::Int { get, .. } => get(config).to_string(),
        Kind::Unsimulated(v) | Kind::Immutable(v) => v.to_string(),
    }
}

/// `CONFIG GET pattern [pattern ...]`: name/value pairs (a map in RESP3,
/// which `Reply::Map` renders as a flat array in RESP2). A name given
/// without glob characters is echoed as typed (`CONFIG GET CLUSTER-NODE-
/// TIMEOUT` answers with that spelling, as Redis does); a pattern lists the
/// canonical names. Each parameter appears once.
pub fn get(config: &Config, patterns: &[Vec<u8>]) -> Reply {
    let mut found: Vec<(String, &'static Param)> = Vec::new();
    // Redis collects the matches in a dict, then lists them in the dict's
    // order: patterns first in table order, whatever order they were asked in.
    for param in PARAMS {
        for pattern in patterns {
            let is_glob = pattern.iter().any(|b| matches!(b, b'*' | b'?' | b'['));
            let matched = if is_glob {
                glob_match(&pattern.to_ascii_lowercase(), param.name.as_bytes())
            } else {
                param.name.as_bytes().eq_ignore_ascii_case(pattern)
            };
            if matched && !found.iter().any(|(_, p)| std::ptr::eq(*p, param)) {
                let shown = if is_glob {
                    param.name.to_string()
                } else {
                    String::from_utf8_lossy(pattern).into_owned()
                };
                found.push((shown, param));
            }
        }
    }
    Reply::Map(
        found
            .into_iter()
            .map(|(name, param)| (Reply::bulk(name), Reply::bulk(value_of(param, config))))
            .collect(),
    )
}

fn set_failed(name: &[u8], why: &str) -> Reply {
    Reply::Error(format!(
        "ERR CONFIG SET failed (possibly related to argument '{}') - {why}",
        String::from_utf8_lossy(name)
    ))
}

/// `CONFIG SET name value [name value ...]`: every pair is checked before
/// any is applied, so a bad one leaves the node as it was (Redis 7.0 sets
/// them all or none).
pub fn set(config: &mut Config, pairs: &[Vec<u8>]) -> Result<(), Reply> {
    if !pairs.len().is_multiple_of(2) {
        return Err(Reply::Error("ERR syntax error".into()));
    }
    let mut changed = config.clone();
    let mut seen: Vec<&'static str> = Vec::new();
    for pair in pairs.chunks(2) {
        let (name, value) = (&pair[0], &pair[1]);
        let Some(param) = find(name) else {
            return Err(Reply::Error(format!(
                "ERR Unknown option or number of arguments for CONFIG SET - '{}'",
                String::from_utf8_lossy(name)
            )));
        };
        // An alias and its name count as two parameters here, as in Redis.
        if seen.contains(&param.name) {
            return Err(set_failed(name, "duplicate parameter"));
        }
        seen.push(param.name);
        match param.kind {
            Kind::Bool { set, .. } => {
                let on = if value.eq_ignore_ascii_case(b"yes") {
                    true
                } else if value.eq_ignore_ascii_case(b"no") {
                    false
                } else {
                    return Err(set_failed(name, "argument must be 'yes' or 'no'"));
                };
                set(&mut changed, on);
            }
            Kind::Int { min, max, set, .. } => {
                let Some(n) = parse_i64(value) else {
                    return Err(set_failed(
                        name,
                        "argument couldn't be parsed into an integer",
                    ));
                };
                let in_range = u64::try_from(n).is_ok_and(|n| (min..=max).contains(&n));
                if !in_range {
                    return Err(set_failed(
                        name,
                        &format!("argument must be between {min} and {max} inclusive"),
                    ));
                }
                set(&mut changed, n as u64);
            }
            Kind::Immutable(_) => return Err(set_failed(name, "can't set immutable config")),
            Kind::Unsimulated(_) => {
                return Err(Reply::Error(format!(
                    "ERR the Slotscope simulator does not simulate '{}' (CONFIG SET)",
                    param.name
                )))
            }
        }
    }
    *config = changed;
    Ok(())
}

/// `CONFIG HELP`, as Redis 7.0 prints it.
pub fn help() -> Reply {
    Reply::Array(
        [
            "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
            "HELP",
            "    Prints this help.",
        ]
        .iter()
        .map(|l| Reply::Status(l.to_string()))
        .collect(),
    )
}

/// The parameters the page can change on every node, by name and value as
/// `CONFIG SET` takes them.
pub fn set_one(config: &mut Config, name: &str, value: &str) -> Result<(), Reply> {
    set(
        config,
        &[name.as_bytes().to_vec(), value.as_bytes().to_vec()],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<Vec<u8>> {
        words.iter().map(|w| w.as_bytes().to_vec()).collect()
    }

    #[test]
    fn set_checks_like_redis() {
        let mut c = Config::default();
        assert_eq!(
            set(&mut c, &args(&["cluster-node-timeout", "abc"])),
            Err(Reply::Error("ERR CONFIG SET failed (possibly related to argument 'cluster-node-timeout') - argument couldn't be parsed into an integer".into()))
        );
        assert_eq!(
            set(&mut c, &args(&["cluster-migration-barrier", "-1"])),
            Err(Reply::Error("ERR CONFIG SET failed (possibly related to argument 'cluster-migration-barrier') - argument must be between 0 and 2147483647 inclusive".into()))
        );
        // All or nothing.
        assert!(set(
            &mut c,
            &args(&[
                "cluster-node-timeout",
                "100",
                "cluster-migration-barrier",
                "x"
            ])
        )
        .is_err());
        assert_eq!(c.node_timeout, 15_000);
        // Old names are aliases of the same setting.
        set(&mut c, &args(&["cluster-slave-no-failover", "YES"])).unwrap();
        assert!(c.replica_no_failover);
        assert_eq!(
            set(&mut c, &args(&["cluster-enabled", "no"])),
            Err(Reply::Error("ERR CONFIG SET failed (possibly related to argument 'cluster-enabled') - can't set immutable config".into()))
        );
    }

    #[test]
    fn get_echoes_names_and_expands_patterns() {
        let c = Config::default();
        assert_eq!(
            get(&c, &args(&["CLUSTER-NODE-TIMEOUT"])),
            Reply::Map(vec![(
                Reply::bulk("CLUSTER-NODE-TIMEOUT"),
                Reply::bulk("15000")
            )])
        );
        let Reply::Map(all) = get(&c, &args(&["cluster-*"])) else {
            panic!()
        };
        assert_eq!(all.len(), PARAMS.len());
        assert_eq!(get(&c, &args(&["nosuch"])), Reply::Map(Vec::new()));
    }
}
