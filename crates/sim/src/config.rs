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
    /// The sizes that decide how values are laid out in memory.
    pub encodings: Encodings,
}

/// `redis.conf`'s limits of the compact encodings (a listpack or intset
/// holds a small value; past a limit Redis converts it, at the write that
/// crosses the limit, and never back) and of stream and list nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Encodings {
    pub hash_max_listpack_entries: u64,
    pub hash_max_listpack_value: u64,
    pub set_max_intset_entries: u64,
    pub zset_max_listpack_entries: u64,
    pub zset_max_listpack_value: u64,
    /// `list-max-listpack-size`: a quicklist node's limit, in entries when
    /// positive, in a size class when negative (-2 is 8 KiB).
    pub list_max_listpack_size: i64,
    pub stream_node_max_bytes: u64,
    pub stream_node_max_entries: u64,
    pub hll_sparse_max_bytes: u64,
}

impl Default for Encodings {
    /// Redis 7.0's defaults.
    fn default() -> Encodings {
        Encodings {
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            list_max_listpack_size: -2,
            stream_node_max_bytes: 4096,
            stream_node_max_entries: 100,
            hll_sparse_max_bytes: 3000,
        }
    }
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
            encodings: Encodings::default(),
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
    /// A signed integer in `min..=max`.
    Signed {
        min: i64,
        max: i64,
        get: fn(&Config) -> i64,
        set: fn(&mut Config, i64),
    },
    /// A size in bytes, also written with a unit (`4kb`, `1g`): Redis's
    /// `MEMORY_CONFIG`, read by `memtoull()`, up to `LONG_MAX`.
    Memory {
        get: fn(&Config) -> u64,
        set: fn(&mut Config, u64),
    },
    /// A setting Redis has that the simulation does not model: shown at
    /// Redis's default; `CONFIG SET` says it is not simulated.
    Unsimulated(&'static str),
    /// `can't set immutable config` (only at start-up in Redis too).
    Immutable(&'static str),
    /// `can't set protected config` (`enable-protected-configs no`).
    Protected(&'static str),
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
/// `LONG_MAX` on the 64-bit machines Redis runs on (the bound of its
/// `size_t` settings).
const LONG_MAX: u64 = LLONG_MAX;

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
    // `port` is the node's own (see `get`).
    Param {
        name: "port",
        kind: Kind::Immutable("6379"),
    },
    // Every other parameter of Redis 7.0.15, at its default (from a real
    // server's CONFIG GET *; `save` and `dir` as a packaged server has
    // them). The encoding limits (`*-max-listpack-*`, `set-max-intset-entries`,
    // `stream-node-*`, `hll-sparse-max-bytes`) are simulated; the effects of
    // the others are not, so CONFIG SET says so, and refuses the immutable
    // and protected ones as Redis does.
    Param {
        name: "acl-pubsub-default",
        kind: Kind::Unsimulated("resetchannels"),
    },
    Param {
        name: "aclfile",
        kind: Kind::Immutable(""),
    },
    Param {
        name: "acllog-max-len",
        kind: Kind::Unsimulated("128"),
    },
    Param {
        name: "active-defrag-cycle-max",
        kind: Kind::Unsimulated("25"),
    },
    Param {
        name: "active-defrag-cycle-min",
        kind: Kind::Unsimulated("1"),
    },
    Param {
        name: "active-defrag-ignore-bytes",
        kind: Kind::Unsimulated("104857600"),
    },
    Param {
        name: "active-defrag-max-scan-fields",
        kind: Kind::Unsimulated("1000"),
    },
    Param {
        name: "active-defrag-threshold-lower",
        kind: Kind::Unsimulated("10"),
    },
    Param {
        name: "active-defrag-threshold-upper",
        kind: Kind::Unsimulated("100"),
    },
    Param {
        name: "active-expire-effort",
        kind: Kind::Unsimulated("1"),
    },
    Param {
        name: "activedefrag",
        kind: Kind::Unsimulated("no"),
    },
    Param {
        name: "activerehashing",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "always-show-logo",
        kind: Kind::Immutable("no"),
    },
    Param {
        name: "aof-disable-auto-gc",
        kind: Kind::Unsimulated("no"),
    },
    Param {
        name: "aof-load-truncated",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "aof-rewrite-incremental-fsync",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "aof-timestamp-enabled",
        kind: Kind::Unsimulated("no"),
    },
    Param {
        name: "aof-use-rdb-preamble",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "aof_rewrite_cpulist",
        kind: Kind::Immutable(""),
    },
    Param {
        name: "appenddirname",
        kind: Kind::Immutable("appendonlydir"),
    },
    Param {
        name: "appendfilename",
        kind: Kind::Immutable("appendonly.aof"),
    },
    Param {
        name: "appendfsync",
        kind: Kind::Unsimulated("everysec"),
    },
    Param {
        name: "appendonly",
        kind: Kind::Unsimulated("no"),
    },
    Param {
        name: "auto-aof-rewrite-min-size",
        kind: Kind::Unsimulated("67108864"),
    },
    Param {
        name: "auto-aof-rewrite-percentage",
        kind: Kind::Unsimulated("100"),
    },
    Param {
        name: "bgsave_cpulist",
        kind: Kind::Immutable(""),
    },
    Param {
        name: "bind",
        kind: Kind::Unsimulated("* -::*"),
    },
    Param {
        name: "bind-source-addr",
        kind: Kind::Unsimulated(""),
    },
    Param {
        name: "bio_cpulist",
        kind: Kind::Immutable(""),
    },
    Param {
        name: "busy-reply-threshold",
        kind: Kind::Unsimulated("5000"),
    },
    Param {
        name: "client-output-buffer-limit",
        kind: Kind::Unsimulated(
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
        ),
    },
    Param {
        name: "client-query-buffer-limit",
        kind: Kind::Unsimulated("1073741824"),
    },
    Param {
        name: "crash-log-enabled",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "crash-memcheck-enabled",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "daemonize",
        kind: Kind::Immutable("no"),
    },
    Param {
        name: "databases",
        kind: Kind::Immutable("16"),
    },
    Param {
        name: "dbfilename",
        kind: Kind::Protected("dump.rdb"),
    },
    Param {
        name: "dir",
        kind: Kind::Protected("/var/lib/redis"),
    },
    Param {
        name: "disable-thp",
        kind: Kind::Immutable("yes"),
    },
    Param {
        name: "dynamic-hz",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "enable-debug-command",
        kind: Kind::Immutable("no"),
    },
    Param {
        name: "enable-module-command",
        kind: Kind::Immutable("no"),
    },
    Param {
        name: "enable-protected-configs",
        kind: Kind::Immutable("no"),
    },
    int(
        "hash-max-listpack-entries",
        LONG_MAX,
        |c| c.encodings.hash_max_listpack_entries,
        |c, v| c.encodings.hash_max_listpack_entries = v,
    ),
    int(
        "hash-max-listpack-value",
        LONG_MAX,
        |c| c.encodings.hash_max_listpack_value,
        |c, v| c.encodings.hash_max_listpack_value = v,
    ),
    int(
        "hash-max-ziplist-entries",
        LONG_MAX,
        |c| c.encodings.hash_max_listpack_entries,
        |c, v| c.encodings.hash_max_listpack_entries = v,
    ),
    int(
        "hash-max-ziplist-value",
        LONG_MAX,
        |c| c.encodings.hash_max_listpack_value,
        |c, v| c.encodings.hash_max_listpack_value = v,
    ),
    Param {
        name: "hll-sparse-max-bytes",
        kind: Kind::Memory {
            get: |c| c.encodings.hll_sparse_max_bytes,
            set: |c, v| c.encodings.hll_sparse_max_bytes = v,
        },
    },
    Param {
        name: "hz",
        kind: Kind::Unsimulated("10"),
    },
    Param {
        name: "ignore-warnings",
        kind: Kind::Unsimulated(""),
    },
    Param {
        name: "io-threads",
        kind: Kind::Immutable("1"),
    },
    Param {
        name: "io-threads-do-reads",
        kind: Kind::Immutable("no"),
    },
    Param {
        name: "jemalloc-bg-thread",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "latency-monitor-threshold",
        kind: Kind::Unsimulated("0"),
    },
    Param {
        name: "latency-tracking",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "latency-tracking-info-percentiles",
        kind: Kind::Unsimulated("50 99 99.9"),
    },
    Param {
        name: "lazyfree-lazy-eviction",
        kind: Kind::Unsimulated("no"),
    },
    Param {
        name: "lazyfree-lazy-expire",
        kind: Kind::Unsimulated("no"),
    },
    Param {
        name: "lazyfree-lazy-server-del",
        kind: Kind::Unsimulated("no"),
    },
    Param {
        name: "lazyfree-lazy-user-del",
        kind: Kind::Unsimulated("no"),
    },
    Param {
        name: "lazyfree-lazy-user-flush",
        kind: Kind::Unsimulated("no"),
    },
    Param {
        name: "lfu-decay-time",
        kind: Kind::Unsimulated("1"),
    },
    Param {
        name: "lfu-log-factor",
        kind: Kind::Unsimulated("10"),
    },
    Param {
        name: "list-compress-depth",
        kind: Kind::Unsimulated("0"),
    },
    Param {
        name: "list-max-listpack-size",
        kind: Kind::Signed {
            min: i32::MIN as i64,
            max: i32::MAX as i64,
            get: |c| c.encodings.list_max_listpack_size,
            set: |c, v| c.encodings.list_max_listpack_size = v,
        },
    },
    Param {
        name: "list-max-ziplist-size",
        kind: Kind::Signed {
            min: i32::MIN as i64,
            max: i32::MAX as i64,
            get: |c| c.encodings.list_max_listpack_size,
            set: |c, v| c.encodings.list_max_listpack_size = v,
        },
    },
    Param {
        name: "logfile",
        kind: Kind::Immutable(""),
    },
    Param {
        name: "loglevel",
        kind: Kind::Unsimulated("notice"),
    },
    Param {
        name: "lua-time-limit",
        kind: Kind::Unsimulated("5000"),
    },
    Param {
        name: "masterauth",
        kind: Kind::Unsimulated(""),
    },
    Param {
        name: "masteruser",
        kind: Kind::Unsimulated(""),
    },
    Param {
        name: "maxclients",
        kind: Kind::Unsimulated("10000"),
    },
    Param {
        name: "maxmemory",
        kind: Kind::Unsimulated("0"),
    },
    Param {
        name: "maxmemory-clients",
        kind: Kind::Unsimulated("0"),
    },
    Param {
        name: "maxmemory-eviction-tenacity",
        kind: Kind::Unsimulated("10"),
    },
    Param {
        name: "maxmemory-policy",
        kind: Kind::Unsimulated("noeviction"),
    },
    Param {
        name: "maxmemory-samples",
        kind: Kind::Unsimulated("5"),
    },
    Param {
        name: "min-replicas-max-lag",
        kind: Kind::Unsimulated("10"),
    },
    Param {
        name: "min-replicas-to-write",
        kind: Kind::Unsimulated("0"),
    },
    Param {
        name: "min-slaves-max-lag",
        kind: Kind::Unsimulated("10"),
    },
    Param {
        name: "min-slaves-to-write",
        kind: Kind::Unsimulated("0"),
    },
    Param {
        name: "no-appendfsync-on-rewrite",
        kind: Kind::Unsimulated("no"),
    },
    Param {
        name: "notify-keyspace-events",
        kind: Kind::Unsimulated(""),
    },
    Param {
        name: "oom-score-adj",
        kind: Kind::Unsimulated("no"),
    },
    Param {
        name: "oom-score-adj-values",
        kind: Kind::Unsimulated("0 200 800"),
    },
    Param {
        name: "pidfile",
        kind: Kind::Immutable(""),
    },
    Param {
        name: "proc-title-template",
        kind: Kind::Unsimulated("{title} {listen-addr} {server-mode}"),
    },
    Param {
        name: "propagation-error-behavior",
        kind: Kind::Unsimulated("ignore"),
    },
    Param {
        name: "protected-mode",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "proto-max-bulk-len",
        kind: Kind::Unsimulated("536870912"),
    },
    Param {
        name: "rdb-del-sync-files",
        kind: Kind::Unsimulated("no"),
    },
    Param {
        name: "rdb-save-incremental-fsync",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "rdbchecksum",
        kind: Kind::Immutable("yes"),
    },
    Param {
        name: "rdbcompression",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "repl-backlog-size",
        kind: Kind::Unsimulated("1048576"),
    },
    Param {
        name: "repl-backlog-ttl",
        kind: Kind::Unsimulated("3600"),
    },
    Param {
        name: "repl-disable-tcp-nodelay",
        kind: Kind::Unsimulated("no"),
    },
    Param {
        name: "repl-diskless-load",
        kind: Kind::Unsimulated("disabled"),
    },
    Param {
        name: "repl-diskless-sync",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "repl-diskless-sync-delay",
        kind: Kind::Unsimulated("5"),
    },
    Param {
        name: "repl-diskless-sync-max-replicas",
        kind: Kind::Unsimulated("0"),
    },
    Param {
        name: "repl-ping-replica-period",
        kind: Kind::Unsimulated("10"),
    },
    Param {
        name: "repl-ping-slave-period",
        kind: Kind::Unsimulated("10"),
    },
    Param {
        name: "repl-timeout",
        kind: Kind::Unsimulated("60"),
    },
    Param {
        name: "replica-announce-ip",
        kind: Kind::Unsimulated(""),
    },
    Param {
        name: "replica-announce-port",
        kind: Kind::Unsimulated("0"),
    },
    Param {
        name: "replica-announced",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "replica-ignore-disk-write-errors",
        kind: Kind::Unsimulated("no"),
    },
    Param {
        name: "replica-ignore-maxmemory",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "replica-lazy-flush",
        kind: Kind::Unsimulated("no"),
    },
    Param {
        name: "replica-priority",
        kind: Kind::Unsimulated("100"),
    },
    Param {
        name: "replica-read-only",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "replica-serve-stale-data",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "replicaof",
        kind: Kind::Immutable(""),
    },
    Param {
        name: "requirepass",
        kind: Kind::Unsimulated(""),
    },
    Param {
        name: "sanitize-dump-payload",
        kind: Kind::Unsimulated("no"),
    },
    Param {
        name: "save",
        kind: Kind::Unsimulated("3600 1 300 100 60 10000"),
    },
    Param {
        name: "server_cpulist",
        kind: Kind::Immutable(""),
    },
    int(
        "set-max-intset-entries",
        LONG_MAX,
        |c| c.encodings.set_max_intset_entries,
        |c, v| c.encodings.set_max_intset_entries = v,
    ),
    Param {
        name: "set-proc-title",
        kind: Kind::Immutable("yes"),
    },
    Param {
        name: "shutdown-on-sigint",
        kind: Kind::Unsimulated("default"),
    },
    Param {
        name: "shutdown-on-sigterm",
        kind: Kind::Unsimulated("default"),
    },
    Param {
        name: "shutdown-timeout",
        kind: Kind::Unsimulated("10"),
    },
    Param {
        name: "slave-announce-ip",
        kind: Kind::Unsimulated(""),
    },
    Param {
        name: "slave-announce-port",
        kind: Kind::Unsimulated("0"),
    },
    Param {
        name: "slave-ignore-maxmemory",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "slave-lazy-flush",
        kind: Kind::Unsimulated("no"),
    },
    Param {
        name: "slave-priority",
        kind: Kind::Unsimulated("100"),
    },
    Param {
        name: "slave-read-only",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "slave-serve-stale-data",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "slaveof",
        kind: Kind::Immutable(""),
    },
    Param {
        name: "slowlog-log-slower-than",
        kind: Kind::Unsimulated("10000"),
    },
    Param {
        name: "slowlog-max-len",
        kind: Kind::Unsimulated("128"),
    },
    Param {
        name: "socket-mark-id",
        kind: Kind::Immutable("0"),
    },
    Param {
        name: "stop-writes-on-bgsave-error",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "stream-node-max-bytes",
        kind: Kind::Memory {
            get: |c| c.encodings.stream_node_max_bytes,
            set: |c, v| c.encodings.stream_node_max_bytes = v,
        },
    },
    int(
        "stream-node-max-entries",
        LONG_MAX,
        |c| c.encodings.stream_node_max_entries,
        |c, v| c.encodings.stream_node_max_entries = v,
    ),
    Param {
        name: "supervised",
        kind: Kind::Immutable("no"),
    },
    Param {
        name: "syslog-enabled",
        kind: Kind::Immutable("no"),
    },
    Param {
        name: "syslog-facility",
        kind: Kind::Immutable("local0"),
    },
    Param {
        name: "syslog-ident",
        kind: Kind::Immutable("redis"),
    },
    Param {
        name: "tcp-backlog",
        kind: Kind::Immutable("511"),
    },
    Param {
        name: "tcp-keepalive",
        kind: Kind::Unsimulated("300"),
    },
    Param {
        name: "timeout",
        kind: Kind::Unsimulated("0"),
    },
    Param {
        name: "tls-auth-clients",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "tls-ca-cert-dir",
        kind: Kind::Unsimulated(""),
    },
    Param {
        name: "tls-ca-cert-file",
        kind: Kind::Unsimulated(""),
    },
    Param {
        name: "tls-cert-file",
        kind: Kind::Unsimulated(""),
    },
    Param {
        name: "tls-ciphers",
        kind: Kind::Unsimulated(""),
    },
    Param {
        name: "tls-ciphersuites",
        kind: Kind::Unsimulated(""),
    },
    Param {
        name: "tls-client-cert-file",
        kind: Kind::Unsimulated(""),
    },
    Param {
        name: "tls-client-key-file",
        kind: Kind::Unsimulated(""),
    },
    Param {
        name: "tls-client-key-file-pass",
        kind: Kind::Unsimulated(""),
    },
    Param {
        name: "tls-cluster",
        kind: Kind::Unsimulated("no"),
    },
    Param {
        name: "tls-dh-params-file",
        kind: Kind::Unsimulated(""),
    },
    Param {
        name: "tls-key-file",
        kind: Kind::Unsimulated(""),
    },
    Param {
        name: "tls-key-file-pass",
        kind: Kind::Unsimulated(""),
    },
    Param {
        name: "tls-port",
        kind: Kind::Unsimulated("0"),
    },
    Param {
        name: "tls-prefer-server-ciphers",
        kind: Kind::Unsimulated("no"),
    },
    Param {
        name: "tls-protocols",
        kind: Kind::Unsimulated(""),
    },
    Param {
        name: "tls-replication",
        kind: Kind::Unsimulated("no"),
    },
    Param {
        name: "tls-session-cache-size",
        kind: Kind::Unsimulated("20480"),
    },
    Param {
        name: "tls-session-cache-timeout",
        kind: Kind::Unsimulated("300"),
    },
    Param {
        name: "tls-session-caching",
        kind: Kind::Unsimulated("yes"),
    },
    Param {
        name: "tracking-table-max-keys",
        kind: Kind::Unsimulated("1000000"),
    },
    Param {
        name: "unixsocket",
        kind: Kind::Immutable(""),
    },
    Param {
        name: "unixsocketperm",
        kind: Kind::Immutable("0"),
    },
    int(
        "zset-max-listpack-entries",
        LONG_MAX,
        |c| c.encodings.zset_max_listpack_entries,
        |c, v| c.encodings.zset_max_listpack_entries = v,
    ),
    int(
        "zset-max-listpack-value",
        LONG_MAX,
        |c| c.encodings.zset_max_listpack_value,
        |c, v| c.encodings.zset_max_listpack_value = v,
    ),
    int(
        "zset-max-ziplist-entries",
        LONG_MAX,
        |c| c.encodings.zset_max_listpack_entries,
        |c, v| c.encodings.zset_max_listpack_entries = v,
    ),
    int(
        "zset-max-ziplist-value",
        LONG_MAX,
        |c| c.encodings.zset_max_listpack_value,
        |c, v| c.encodings.zset_max_listpack_value = v,
    ),
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
        Kind::Int { get, .. } | Kind::Memory { get, .. } => get(config).to_string(),
        Kind::Signed { get, .. } => get(config).to_string(),
        Kind::Unsimulated(v) | Kind::Immutable(v) | Kind::Protected(v) => v.to_string(),
    }
}

/// `CONFIG GET pattern [pattern ...]`: name/value pairs (a map in RESP3,
/// which `Reply::Map` renders as a flat array in RESP2). A name given
/// without glob characters is echoed as typed (`CONFIG GET CLUSTER-NODE-
/// TIMEOUT` answers with that spelling, as Redis does); a pattern lists the
/// canonical names. Each parameter appears once.
pub fn get(config: &Config, port: u16, patterns: &[Vec<u8>]) -> Reply {
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
            .map(|(name, param)| {
                let value = if param.name == "port" {
                    port.to_string()
                } else {
                    value_of(param, config)
                };
                (Reply::bulk(name), Reply::bulk(value))
            })
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
            Kind::Signed { min, max, set, .. } => {
                let Some(n) = parse_i64(value) else {
                    return Err(set_failed(
                        name,
                        "argument couldn't be parsed into an integer",
                    ));
                };
                if !(min..=max).contains(&n) {
                    return Err(set_failed(
                        name,
                        &format!("argument must be between {min} and {max} inclusive"),
                    ));
                }
                set(&mut changed, n);
            }
            Kind::Memory { set, .. } => {
                let Some(bytes) = memory_value(value) else {
                    return Err(set_failed(name, "argument must be a memory value"));
                };
                if bytes > u128::from(LONG_MAX) {
                    return Err(set_failed(
                        name,
                        &format!("argument must be between 0 and {LONG_MAX} inclusive"),
                    ));
                }
                set(&mut changed, bytes as u64);
            }
            Kind::Immutable(_) => return Err(set_failed(name, "can't set immutable config")),
            Kind::Protected(_) => return Err(set_failed(name, "can't set protected config")),
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

/// `memtoull()`: digits and an optional unit (`b`, `k` = 1000, `kb` = 1024,
/// `m`, `mb`, `g`, `gb`, any case). No digits count as 0, as there. Too big a
/// number comes back too big (Redis then reports the range), not as None.
fn memory_value(text: &[u8]) -> Option<u128> {
    let digits = text.iter().take_while(|b| b.is_ascii_digit()).count();
    let unit: u128 = match text[digits..].to_ascii_lowercase().as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    let mut n: u128 = 0;
    for &d in &text[..digits] {
        // Saturates: anything past u64 is out of range all the same.
        n = (n * 10 + u128::from(d - b'0')).min(u128::from(u64::MAX) + 1);
    }
    Some(n * unit)
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
            get(&c, 7000, &args(&["CLUSTER-NODE-TIMEOUT"])),
            Reply::Map(vec![(
                Reply::bulk("CLUSTER-NODE-TIMEOUT"),
                Reply::bulk("15000")
            )])
        );
        let Reply::Map(all) = get(&c, 7000, &args(&["cluster-*"])) else {
            panic!()
        };
        let cluster = PARAMS
            .iter()
            .filter(|p| p.name.starts_with("cluster-"))
            .count();
        assert_eq!((all.len(), cluster), (20, 20));
        let Reply::Map(every) = get(&c, 7000, &args(&["*"])) else {
            panic!()
        };
        // 7.0.15's CONFIG GET * lists 192 parameters.
        assert_eq!(every.len(), 192);
        assert_eq!(get(&c, 7000, &args(&["nosuch"])), Reply::Map(Vec::new()));
        // The port is the node's own.
        assert_eq!(
            get(&c, 7003, &args(&["port"])),
            Reply::Map(vec![(Reply::bulk("port"), Reply::bulk("7003"))])
        );
    }
}
