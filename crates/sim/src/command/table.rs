//! The command table, as data: name, arity, whether the command writes, and
//! where its keys are — Redis's own `(first, last, step)` key positions
//! (`src/commands/*.json` in Redis 7.0). Arity errors, key extraction and the
//! cluster's CROSSSLOT check all come from here.

/// How to find a command's keys in its arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    None,
    /// Keys at `first`, `first + step`, ... up to `last` (negative counts from
    /// the end: -1 is the last argument).
    Range {
        first: i32,
        last: i32,
        step: i32,
    },
    /// EVAL / EVALSHA: `numkeys` at argument 2, then that many keys.
    Eval,
    /// MIGRATE: the key at argument 3, or the arguments after `KEYS`.
    Migrate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandSpec {
    /// Lower-case name, as in Redis's error texts (`'cluster|keyslot'`).
    pub name: &'static str,
    /// Positive: exactly that many arguments, name included. Negative: at least -arity.
    pub arity: i32,
    pub write: bool,
    pub keys: Keys,
    /// Subcommands, for containers such as CLUSTER and OBJECT.
    pub subcommands: &'static [CommandSpec],
}

const fn cmd(name: &'static str, arity: i32, write: bool, keys: Keys) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        write,
        keys,
        subcommands: &[],
    }
}

const NONE: Keys = Keys::None;
const K1: Keys = Keys::Range {
    first: 1,
    last: 1,
    step: 1,
};
const K12: Keys = Keys::Range {
    first: 1,
    last: 2,
    step: 1,
};
const KALL: Keys = Keys::Range {
    first: 1,
    last: -1,
    step: 1,
};
const KPAIRS: Keys = Keys::Range {
    first: 1,
    last: -1,
    step: 2,
};
const K2: Keys = Keys::Range {
    first: 2,
    last: 2,
    step: 1,
};
const R: bool = false;
const W: bool = true;

pub static CLUSTER_SUBCOMMANDS: &[CommandSpec] = &[
    cmd("cluster|addslots", -3, R, NONE),
    cmd("cluster|addslotsrange", -4, R, NONE),
    cmd("cluster|bumpepoch", 2, R, NONE),
    cmd("cluster|count-failure-reports", 3, R, NONE),
    cmd("cluster|countkeysinslot", 3, R, NONE),
    cmd("cluster|delslots", -3, R, NONE),
    cmd("cluster|delslotsrange", -4, R, NONE),
    cmd("cluster|failover", -2, R, NONE),
    cmd("cluster|flushslots", 2, R, NONE),
    cmd("cluster|forget", 3, R, NONE),
    cmd("cluster|getkeysinslot", 4, R, NONE),
    cmd("cluster|help", 2, R, NONE),
    cmd("cluster|info", 2, R, NONE),
    cmd("cluster|keyslot", 3, R, NONE),
    cmd("cluster|links", 2, R, NONE),
    cmd("cluster|meet", -4, R, NONE),
    cmd("cluster|myid", 2, R, NONE),
    cmd("cluster|nodes", 2, R, NONE),
    cmd("cluster|replicas", 3, R, NONE),
    cmd("cluster|replicate", 3, R, NONE),
    cmd("cluster|reset", -2, R, NONE),
    cmd("cluster|saveconfig", 2, R, NONE),
    cmd("cluster|set-config-epoch", 3, R, NONE),
    cmd("cluster|setslot", -4, R, NONE),
    cmd("cluster|shards", 2, R, NONE),
    cmd("cluster|slaves", 3, R, NONE),
    cmd("cluster|slots", 2, R, NONE),
];

pub static CONFIG_SUBCOMMANDS: &[CommandSpec] = &[
    cmd("config|get", -3, R, NONE),
    cmd("config|help", 2, R, NONE),
    cmd("config|resetstat", 2, R, NONE),
    cmd("config|rewrite", 2, R, NONE),
    cmd("config|set", -4, R, NONE),
];

pub static OBJECT_SUBCOMMANDS: &[CommandSpec] = &[
    cmd("object|encoding", 3, R, K2),
    cmd("object|freq", 3, R, K2),
    cmd("object|help", 2, R, NONE),
    cmd("object|idletime", 3, R, K2),
    cmd("object|refcount", 3, R, K2),
];

/// Every command the simulator knows, sorted by name.
pub static COMMANDS: &[CommandSpec] = &[
    cmd("append", 3, W, K1),
    cmd("asking", 1, R, NONE),
    CommandSpec {
        subcommands: CLUSTER_SUBCOMMANDS,
        ..cmd("cluster", -2, R, NONE)
    },
    CommandSpec {
        subcommands: CONFIG_SUBCOMMANDS,
        ..cmd("config", -2, R, NONE)
    },
    cmd("dbsize", 1, R, NONE),
    cmd("decr", 2, W, K1),
    cmd("decrby", 3, W, K1),
    cmd("del", -2, W, KALL),
    cmd("discard", 1, R, NONE),
    cmd("dump", 2, R, K1),
    cmd("echo", 2, R, NONE),
    cmd("eval", -3, R, Keys::Eval),
    cmd("evalsha", -3, R, Keys::Eval),
    cmd("exec", 1, R, NONE),
    cmd("exists", -2, R, KALL),
    cmd("expire", -3, W, K1),
    cmd("flushall", -1, W, NONE),
    cmd("flushdb", -1, W, NONE),
    cmd("get", 2, R, K1),
    cmd("getdel", 2, W, K1),
    cmd("getset", 3, W, K1),
    cmd("hdel", -3, W, K1),
    cmd("hello", -1, R, NONE),
    cmd("hexists", 3, R, K1),
    cmd("hget", 3, R, K1),
    cmd("hgetall", 2, R, K1),
    cmd("hkeys", 2, R, K1),
    cmd("hlen", 2, R, K1),
    cmd("hmget", -3, R, K1),
    cmd("hset", -4, W, K1),
    cmd("hvals", 2, R, K1),
    cmd("incr", 2, W, K1),
    cmd("incrby", 3, W, K1),
    cmd("info", -1, R, NONE),
    cmd("keys", 2, R, NONE),
    cmd("llen", 2, R, K1),
    cmd("lpop", -2, W, K1),
    cmd("lpush", -3, W, K1),
    cmd("lrange", 4, R, K1),
    cmd("mget", -2, R, KALL),
    cmd("migrate", -6, W, Keys::Migrate),
    cmd("move", 3, W, K1),
    cmd("mset", -3, W, KPAIRS),
    cmd("msetnx", -3, W, KPAIRS),
    cmd("multi", 1, R, NONE),
    CommandSpec {
        subcommands: OBJECT_SUBCOMMANDS,
        ..cmd("object", -2, R, NONE)
    },
    cmd("persist", 2, W, K1),
    cmd("pexpire", -3, W, K1),
    cmd("ping", -1, R, NONE),
    cmd("pttl", 2, R, K1),
    cmd("publish", 3, R, NONE),
    cmd("readonly", 1, R, NONE),
    cmd("readwrite", 1, R, NONE),
    cmd("rename", 3, W, K12),
    cmd("renamenx", 3, W, K12),
    cmd("role", 1, R, NONE),
    cmd("rpop", -2, W, K1),
    cmd("rpush", -3, W, K1),
    cmd("sadd", -3, W, K1),
    cmd("scan", -2, R, NONE),
    cmd("scard", 2, R, K1),
    cmd("select", 2, R, NONE),
    cmd("set", -3, W, K1),
    cmd("setnx", 3, W, K1),
    cmd("sinter", -2, R, KALL),
    cmd("sinterstore", -3, W, KALL),
    cmd("sismember", 3, R, K1),
    cmd("smembers", 2, R, K1),
    cmd("spublish", 3, R, K1),
    cmd("srem", -3, W, K1),
    cmd("strlen", 2, R, K1),
    cmd("sunion", -2, R, KALL),
    cmd("sunionstore", -3, W, KALL),
    cmd("swapdb", 3, W, NONE),
    cmd("ttl", 2, R, K1),
    cmd("type", 2, R, K1),
    cmd("unwatch", 1, R, NONE),
    cmd("wait", 3, R, NONE),
    cmd("watch", -2, R, KALL),
    cmd("zadd", -4, W, K1),
    cmd("zcard", 2, R, K1),
    cmd("zrange", -4, R, K1),
    cmd("zscore", 3, R, K1),
];

/// What looking a command up found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    Found(&'static CommandSpec),
    UnknownCommand,
    /// The container exists but not this subcommand (`CLUSTER FOO`).
    UnknownSubcommand(&'static CommandSpec),
    /// Wrong number of arguments for this command or subcommand.
    WrongArity(&'static CommandSpec),
}

fn find(table: &'static [CommandSpec], name: &[u8]) -> Option<&'static CommandSpec> {
    let lower = name.to_ascii_lowercase();
    table.iter().find(|c| {
        let short = c.name.rsplit('|').next().unwrap_or(c.name);
        short.as_bytes() == lower.as_slice()
    })
}

fn arity_ok(spec: &CommandSpec, argc: usize) -> bool {
    let argc = argc as i64;
    let arity = i64::from(spec.arity);
    if arity >= 0 {
        argc == arity
    } else {
        argc >= -arity
    }
}

/// Finds the command for `argv`, checking arity the way `processCommand()`
/// does: the container's arity first (`CLUSTER` alone), then the subcommand's.
pub fn lookup(argv: &[Vec<u8>]) -> Lookup {
    let Some(spec) = argv.first().and_then(|n| find(COMMANDS, n)) else {
        return Lookup::UnknownCommand;
    };
    if spec.subcommands.is_empty() {
        return if arity_ok(spec, argv.len()) {
            Lookup::Found(spec)
        } else {
            Lookup::WrongArity(spec)
        };
    }
    if argv.len() < 2 {
        return Lookup::WrongArity(spec);
    }
    match find(spec.subcommands, &argv[1]) {
        None => Lookup::UnknownSubcommand(spec),
        Some(sub) if arity_ok(sub, argv.len()) => Lookup::Found(sub),
        Some(sub) => Lookup::WrongArity(sub),
    }
}

/// The positions of the keys of `argv` for `spec` (arity already checked).
pub fn key_positions(spec: &CommandSpec, argv: &[Vec<u8>]) -> Vec<usize> {
    let argc = argv.len() as i32;
    match spec.keys {
        Keys::None => Vec::new(),
        Keys::Range { first, last, step } => {
            let last = if last < 0 {
                argc + last
            } else {
                last.min(argc - 1)
            };
            (first..=last)
                .step_by(step as usize)
                .map(|i| i as usize)
                .collect()
        }
        Keys::Eval => {
            // A bad numkeys is reported by the command itself; here it just means no keys.
            let numkeys = std::str::from_utf8(&argv[2])
                .ok()
                .and_then(|s| s.parse::<i64>().ok())
                .unwrap_or(0);
            if numkeys <= 0 || numkeys > i64::from(argc - 3) {
                return Vec::new();
            }
            (3..3 + numkeys as usize).collect()
        }
        Keys::Migrate => {
            // MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 u pw] [KEYS k...]
            if !argv[3].is_empty() {
                return vec![3];
            }
            let mut i = 6;
            while i < argv.len() {
                let opt = argv[i].to_ascii_lowercase();
                match opt.as_slice() {
                    b"keys" => return (i + 1..argv.len()).collect(),
                    b"auth" => i += 2,
                    b"auth2" => i += 3,
                    _ => i += 1,
                }
            }
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<Vec<u8>> {
        s.split(' ').map(|a| a.as_bytes().to_vec()).collect()
    }

    #[test]
    fn table_is_sorted_and_unique() {
        for w in COMMANDS.windows(2) {
            assert!(w[0].name < w[1].name, "{} before {}", w[0].name, w[1].name);
        }
        for w in CLUSTER_SUBCOMMANDS.windows(2) {
            assert!(w[0].name < w[1].name, "{} before {}", w[0].name, w[1].name);
        }
    }

    #[test]
    fn lookups() {
        assert!(matches!(lookup(&argv("GET foo")), Lookup::Found(c) if c.name == "get"));
        assert!(matches!(lookup(&argv("get")), Lookup::WrongArity(c) if c.name == "get"));
        assert!(matches!(lookup(&argv("FOOBAR a")), Lookup::UnknownCommand));
        assert!(matches!(lookup(&argv("CLUSTER")), Lookup::WrongArity(c) if c.name == "cluster"));
        assert!(matches!(
            lookup(&argv("CLUSTER FOO")),
            Lookup::UnknownSubcommand(_)
        ));
        assert!(
            matches!(lookup(&argv("cluster keyslot")), Lookup::WrongArity(c) if c.name == "cluster|keyslot")
        );
        assert!(matches!(
            lookup(&argv("CLUSTER KEYSLOT a")),
            Lookup::Found(_)
        ));
    }

    #[test]
    fn key_positions_follow_the_table() {
        let keys = |s: &str| {
            let a = argv(s);
            match lookup(&a) {
                Lookup::Found(spec) => key_positions(spec, &a),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(keys("MSET a 1 b 2"), [1, 3]);
        assert_eq!(keys("DEL a b c"), [1, 2, 3]);
        assert_eq!(keys("RENAME a b"), [1, 2]);
        assert_eq!(keys("EVAL s 2 a b c"), [3, 4]);
        assert_eq!(keys("EVAL s 0"), Vec::<usize>::new());
        assert_eq!(keys("MIGRATE h 1 k 0 10"), [3]);
        // Two spaces make an empty key argument: the KEYS form.
        assert_eq!(keys("MIGRATE h 1  0 10 COPY KEYS a b"), [8, 9]);
        assert_eq!(keys("OBJECT ENCODING k"), [2]);
        assert_eq!(keys("PING"), Vec::<usize>::new());
    }
}
