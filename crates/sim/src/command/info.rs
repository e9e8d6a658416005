//! INFO (server.c `genRedisInfoString()` in Redis 7.0): every section of a
//! 7.0.15 server, with its fields in the server's order. What the
//! simulation knows is real — the node's port, uptime in simulated time,
//! role and replication, the commands it ran and the errors it answered
//! (commandstats, errorstats), its keys and their memory (MEMORY USAGE's
//! model), expired keys; what belongs to a host the simulation does not
//! have (process ID, CPU seconds, allocator internals) is a fixed,
//! plausible value, so runs stay reproducible.

use std::collections::BTreeMap;

use crate::keyspace::UNIX_MS_AT_START;
use crate::node::{Io, Node};
use crate::reply::Reply;

/// What one node counted (`server.stat_*`, `commandstats`, `errorstats`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeStats {
    pub commands_processed: u64,
    /// calls, rejected (refused before running), failed (ran, answered an error).
    pub commands: BTreeMap<&'static str, (u64, u64, u64)>,
    /// Error replies by their first word (`ERR`, `MOVED`, `WRONGTYPE`…).
    pub errors: BTreeMap<String, u64>,
}

impl NodeStats {
    /// Counts one command and its reply. `rejected`: refused before it ran
    /// (arity, routing, CLUSTERDOWN…), which Redis counts apart.
    pub fn record(&mut self, name: Option<&'static str>, reply: Option<&Reply>, rejected: bool) {
        let error = match reply {
            Some(Reply::Error(e)) => Some(e.split(' ').next().unwrap_or("ERR").to_string()),
            _ => None,
        };
        if let Some(prefix) = &error {
            *self.errors.entry(prefix.clone()).or_default() += 1;
        }
        let Some(name) = name else {
            return;
        };
        let c = self.commands.entry(name).or_default();
        if rejected {
            c.1 += 1;
        } else {
            self.commands_processed += 1;
            c.0 += 1;
            if error.is_some() {
                c.2 += 1;
            }
        }
    }
}

/// Every section, in order (`all`, `everything`); the default leaves out
/// commandstats and latencystats.
const ALL: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "commandstats",
    "errorstats",
    "latencystats",
    "cluster",
    "keyspace",
];

fn human_bytes(n: u64) -> String {
    let n = n as f64;
    if n < 1024.0 {
        format!("{n}B")
    } else if n < 1024.0 * 1024.0 {
        format!("{:.2}K", n / 1024.0)
    } else if n < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}M", n / 1024.0 / 1024.0)
    } else {
        format!("{:.2}G", n / 1024.0 / 1024.0 / 1024.0)
    }
}

fn section(title: &str, lines: Vec<String>) -> String {
    let mut s = format!("# {title}\r\n");
    for l in lines {
        s.push_str(&l);
        s.push_str("\r\n");
    }
    s
}

/// What a node's process uses at start (7.0.15 on Linux, from a real one).
const USED_MEMORY_STARTUP: u64 = 1_455_464;

impl Node {
    /// INFO [section ...].
    pub(crate) fn info(&mut self, argv: &[Vec<u8>], io: &mut dyn Io) -> Reply {
        let asked: Vec<String> = argv[1..]
            .iter()
            .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
            .collect();
        let mut wanted: Vec<&str> = Vec::new();
        let default = ALL
            .iter()
            .filter(|s| !matches!(**s, "commandstats" | "latencystats"));
        if asked.is_empty() {
            wanted.extend(default.clone());
        }
        for a in &asked {
            match a.as_str() {
                "default" => wanted.extend(default.clone()),
                "all" | "everything" => wanted.extend(ALL),
                other => {
                    if let Some(s) = ALL.iter().find(|s| **s == other) {
                        wanted.push(s);
                    }
                }
            }
        }
        let now = io.now();
        self.db.expire_all(now);
        let parts: Vec<String> = ALL
            .iter()
            .filter(|s| wanted.contains(s))
            .map(|s| self.info_section(s, io))
            .collect();
        Reply::Verbatim {
            format: "txt".into(),
            text: parts.join("\r\n").into_bytes(),
        }
    }

    fn info_section(&mut self, name: &str, io: &mut dyn Io) -> String {
        let now = io.now();
        let up_ms = now.saturating_sub(self.bus.started_at.unwrap_or(0));
        let used = self.used_memory(now);
        match name {
            "server" => section(
                "Server",
                vec![
                    "redis_version:7.0.15".into(),
                    "redis_git_sha1:00000000".into(),
                    "redis_git_dirty:0".into(),
                    "redis_build_id:5a1f8f3b1e8c0d2a".into(),
                    "redis_mode:cluster".into(),
                    "os:Linux (simulated by Slotscope) x86_64".into(),
                    "arch_bits:64".into(),
                    "monotonic_clock:POSIX clock_gettime".into(),
                    "multiplexing_api:epoll".into(),
                    "atomicvar_api:c11-builtin".into(),
                    "gcc_version:12.2.0".into(),
                    format!("process_id:{}", 10_000 + u32::from(self.addr.port) % 50_000),
                    "process_supervised:no".into(),
                    format!("run_id:{}", crate::script::sha1_hex(format!("{}:{}", self.id, self.runs).as_bytes())),
                    format!("tcp_port:{}", self.addr.port),
                    format!(
                        "server_time_usec:{}",
                        (UNIX_MS_AT_START as u64 + now) * 1000
                    ),
                    format!("uptime_in_seconds:{}", up_ms / 1000),
                    format!("uptime_in_days:{}", up_ms / 86_400_000),
                    "hz:10".into(),
                    "configured_hz:10".into(),
                    format!("lru_clock:{}", ((UNIX_MS_AT_START as u64 + now) / 1000) & 0xff_ffff),
                    "executable:/usr/bin/redis-server".into(),
                    format!("config_file:/etc/redis/{}.conf", self.addr.port),
                    "io_threads_active:0".into(),
                ],
            ),
            "clients" => section(
                "Clients",
                vec![
                    "connected_clients:1".into(),
                    format!(
                        "cluster_connections:{}",
                        2 * self.view.len().saturating_sub(1)
                    ),
                    "maxclients:10000".into(),
                    "client_recent_max_input_buffer:20480".into(),
                    "client_recent_max_output_buffer:0".into(),
                    "blocked_clients:0".into(),
                    "tracking_clients:0".into(),
                    "clients_in_timeout_table:0".into(),
                ],
            ),
            "memory" => {
                let dataset = used - USED_MEMORY_STARTUP;
                let lua = 31_744u64;
                section(
                    "Memory",
                    vec![
                        format!("used_memory:{used}"),
                        format!("used_memory_human:{}", human_bytes(used)),
                        format!("used_memory_rss:{}", used + 6_000_000),
                        format!("used_memory_rss_human:{}", human_bytes(used + 6_000_000)),
                        format!("used_memory_peak:{used}"),
                        format!("used_memory_peak_human:{}", human_bytes(used)),
                        "used_memory_peak_perc:100.00%".into(),
                        format!("used_memory_overhead:{USED_MEMORY_STARTUP}"),
                        format!("used_memory_startup:{USED_MEMORY_STARTUP}"),
                        format!("used_memory_dataset:{dataset}"),
                        format!(
                            "used_memory_dataset_perc:{:.2}%",
                            100.0 * dataset as f64 / used.max(1) as f64
                        ),
                        format!("allocator_allocated:{}", used + 400_000),
                        format!("allocator_active:{}", used + 800_000),
                        format!("allocator_resident:{}", used + 3_600_000),
                        "total_system_memory:25275990016".into(),
                        "total_system_memory_human:23.54G".into(),
                        format!("used_memory_lua:{lua}"),
                        format!("used_memory_vm_eval:{lua}"),
                        format!("used_memory_lua_human:{}", human_bytes(lua)),
                        "used_memory_scripts_eval:0".into(),
                        format!("number_of_cached_scripts:{}", self.scripts.len()),
                        format!(
                            "number_of_functions:{}",
                            self.functions.iter().map(|l| l.functions.len()).sum::<usize>()
                        ),
                        format!("number_of_libraries:{}", self.functions.len()),
                        "used_memory_vm_functions:32768".into(),
                        "used_memory_vm_total:64512".into(),
                        "used_memory_vm_total_human:63.00K".into(),
                        "used_memory_functions:184".into(),
                        "used_memory_scripts:184".into(),
                        "used_memory_scripts_human:184B".into(),
                        "maxmemory:0".into(),
                        "maxmemory_human:0B".into(),
                        "maxmemory_policy:noeviction".into(),
                        "allocator_frag_ratio:1.19".into(),
                        "allocator_frag_bytes:400000".into(),
                        "allocator_rss_ratio:2.01".into(),
                        "allocator_rss_bytes:2800000".into(),
                        "rss_overhead_ratio:1.36".into(),
                        "rss_overhead_bytes:2400000".into(),
                        format!(
                            "mem_fragmentation_ratio:{:.2}",
                            (used + 6_000_000) as f64 / used.max(1) as f64
                        ),
                        "mem_fragmentation_bytes:6000000".into(),
                        "mem_not_counted_for_evict:0".into(),
                        "mem_replication_backlog:1048592".into(),
                        "mem_total_replication_buffers:1048576".into(),
                        "mem_clients_slaves:0".into(),
                        "mem_clients_normal:1800".into(),
                        format!("mem_cluster_links:{}", 10_720 * self.view.len().saturating_sub(1)),
                        "mem_aof_buffer:0".into(),
                        "mem_allocator:jemalloc-5.3.0".into(),
                        "active_defrag_running:0".into(),
                        "lazyfree_pending_objects:0".into(),
                        "lazyfreed_objects:0".into(),
                    ],
                )
            }
            "persistence" => section(
                "Persistence",
                vec![
                    "loading:0".into(),
                    "async_loading:0".into(),
                    "current_cow_peak:0".into(),
                    "current_cow_size:0".into(),
                    "current_cow_size_age:0".into(),
                    "current_fork_perc:0.00".into(),
                    "current_save_keys_processed:0".into(),
                    "current_save_keys_total:0".into(),
                    format!("rdb_changes_since_last_save:{}", self.stats.commands_processed),
                    "rdb_bgsave_in_progress:0".into(),
                    format!(
                        "rdb_last_save_time:{}",
                        (UNIX_MS_AT_START as u64 + self.bus.started_at.unwrap_or(0)) / 1000
                    ),
                    "rdb_last_bgsave_status:ok".into(),
                    "rdb_last_bgsave_time_sec:-1".into(),
                    "rdb_current_bgsave_time_sec:-1".into(),
                    "rdb_saves:0".into(),
                    "rdb_last_cow_size:0".into(),
                    "rdb_last_load_keys_expired:0".into(),
                    "rdb_last_load_keys_loaded:0".into(),
                    "aof_enabled:0".into(),
                    "aof_rewrite_in_progress:0".into(),
                    "aof_rewrite_scheduled:0".into(),
                    "aof_last_rewrite_time_sec:-1".into(),
                    "aof_current_rewrite_time_sec:-1".into(),
                    "aof_last_bgrewrite_status:ok".into(),
                    "aof_rewrites:0".into(),
                    "aof_rewrites_consecutive_failures:0".into(),
                    "aof_last_write_status:ok".into(),
                    "aof_last_cow_size:0".into(),
                    "module_fork_in_progress:0".into(),
                    "module_fork_last_cow_size:0".into(),
                ],
            ),
            "stats" => {
                let errors: u64 = self.stats.errors.values().sum();
                let (channels, patterns, shard) = self.pubsub.counts();
                section(
                    "Stats",
                    vec![
                        // Connections belong to the world; the node sees one at a time.
                        "total_connections_received:1".into(),
                        format!("total_commands_processed:{}", self.stats.commands_processed),
                        "instantaneous_ops_per_sec:0".into(),
                        "total_net_input_bytes:0".into(),
                        "total_net_output_bytes:0".into(),
                        "total_net_repl_input_bytes:0".into(),
                        format!("total_net_repl_output_bytes:{}", self.repl_offset),
                        "instantaneous_input_kbps:0.00".into(),
                        "instantaneous_output_kbps:0.00".into(),
                        "instantaneous_input_repl_kbps:0.00".into(),
                        "instantaneous_output_repl_kbps:0.00".into(),
                        "rejected_connections:0".into(),
                        "sync_full:0".into(),
                        "sync_partial_ok:0".into(),
                        "sync_partial_err:0".into(),
                        format!("expired_keys:{}", self.db.expired_count()),
                        "expired_stale_perc:0.00".into(),
                        "expired_time_cap_reached_count:0".into(),
                        "expire_cycle_cpu_milliseconds:0".into(),
                        "evicted_keys:0".into(),
                        "evicted_clients:0".into(),
                        "total_eviction_exceeded_time:0".into(),
                        "current_eviction_exceeded_time:0".into(),
                        "keyspace_hits:0".into(),
                        "keyspace_misses:0".into(),
                        format!("pubsub_channels:{channels}"),
                        format!("pubsub_patterns:{patterns}"),
                        format!("pubsubshard_channels:{shard}"),
                        "latest_fork_usec:0".into(),
                        "total_forks:0".into(),
                        "migrate_cached_sockets:0".into(),
                        "slave_expires_tracked_keys:0".into(),
                        "active_defrag_hits:0".into(),
                        "active_defrag_misses:0".into(),
                        "active_defrag_key_hits:0".into(),
                        "active_defrag_key_misses:0".into(),
                        "total_active_defrag_time:0".into(),
                        "current_active_defrag_time:0".into(),
                        "tracking_total_keys:0".into(),
                        "tracking_total_items:0".into(),
                        "tracking_total_prefixes:0".into(),
                        "unexpected_error_replies:0".into(),
                        format!("total_error_replies:{errors}"),
                        "dump_payload_sanitizations:0".into(),
                        format!("total_reads_processed:{}", self.stats.commands_processed),
                        format!("total_writes_processed:{}", self.stats.commands_processed),
                        "io_threaded_reads_processed:0".into(),
                        "io_threaded_writes_processed:0".into(),
                        "reply_buffer_shrinks:0".into(),
                        "reply_buffer_expands:0".into(),
                    ],
                )
            }
            "replication" => self.info_replication(io),
            "cpu" => {
                let secs = up_ms as f64 / 1000.0;
                section(
                    "CPU",
                    vec![
                        format!("used_cpu_sys:{:.6}", secs * 0.001),
                        format!("used_cpu_user:{:.6}", secs * 0.001),
                        "used_cpu_sys_children:0.000000".into(),
                        "used_cpu_user_children:0.000000".into(),
                        format!("used_cpu_sys_main_thread:{:.6}", secs * 0.001),
                        format!("used_cpu_user_main_thread:{:.6}", secs * 0.001),
                    ],
                )
            }
            "modules" => section("Modules", Vec::new()),
            "commandstats" => section(
                "Commandstats",
                self.stats
                    .commands
                    .iter()
                    .map(|(name, (calls, rejected, failed))| {
                        format!(
                            "cmdstat_{name}:calls={calls},usec={calls},usec_per_call={:.2},rejected_calls={rejected},failed_calls={failed}",
                            if *calls > 0 { 1.0 } else { 0.0 }
                        )
                    })
                    .collect(),
            ),
            "errorstats" => section(
                "Errorstats",
                self.stats
                    .errors
                    .iter()
                    .map(|(prefix, n)| format!("errorstat_{prefix}:count={n}"))
                    .collect(),
            ),
            "latencystats" => section(
                "Latencystats",
                self.stats
                    .commands
                    .iter()
                    .filter(|(_, (calls, _, _))| *calls > 0)
                    .map(|(name, _)| {
                        format!("latency_percentiles_usec_{name}:p50=1.003,p99=1.003,p99.9=1.003")
                    })
                    .collect(),
            ),
            "cluster" => section("Cluster", vec!["cluster_enabled:1".into()]),
            _ => {
                let db = &self.db;
                let mut lines = Vec::new();
                if !db.is_empty() {
                    lines.push(format!(
                        "db0:keys={},expires={},avg_ttl=0",
                        db.len(),
                        db.expires_count()
                    ));
                }
                section("Keyspace", lines)
            }
        }
    }

    /// `used_memory`: the process at start plus every key as MEMORY USAGE
    /// counts it.
    fn used_memory(&mut self, now: u64) -> u64 {
        let keys: Vec<Vec<u8>> = self.db.keys().cloned().collect();
        let data: u64 = keys
            .iter()
            .map(|k| super::memory::key_usage(&mut self.db, now, k) as u64)
            .sum();
        USED_MEMORY_STARTUP + data
    }
}
