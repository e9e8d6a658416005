//! Differential test: every scenario in `tests/scenarios/*.txt` is played
//! against a real Redis 7 cluster started on loopback (Debian's
//! `redis-server`, 3 masters + 3 replicas, ports of its own choosing) and
//! against the simulator, and the replies are compared byte for byte after
//! mapping the real node IDs and ports to the simulated ones.
//!
//! Scenario lines are slotscope-cli input: `[@PORT] command`, `#` comments,
//! `${id:PORT}` for a node's ID, `${dump:KEY}` for an argument that is
//! each side's own DUMP of KEY. Each port has one connection for the whole
//! scenario, on both sides.
//!
//! Without `redis-server` on PATH the test is skipped with a message, unless
//! `SLOTSCOPE_REQUIRE_REDIS=1` (set by `make test`), which turns that into a
//! failure. Every server started is killed by PID when the test ends, even
//! when it fails.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use slotscope_sim::client::RedisCli;
use slotscope_sim::cluster::Role;
use slotscope_sim::command::parse::split_args;
use slotscope_sim::reply::{repr, Protocol, Reply};
use slotscope_sim::resharding::Operation;
use slotscope_sim::Cluster;

mod stream_gen;

/// The tests that start real clusters run one at a time: on two cores,
/// two clusters at once make the real side's timing (and the simulated
/// clock that follows it) unreliable.
static ONE_REAL_CLUSTER_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    ONE_REAL_CLUSTER_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

const NODES: u16 = 6;
const SIM_BASE: u16 = 7000;

// ---------------------------------------------------------------- RESP parsing

/// Parses one reply from `buf`: `Ok(None)` if more bytes are needed.
fn parse(buf: &[u8]) -> Result<Option<(Reply, usize)>, String> {
    let Some(end) = buf.windows(2).position(|w| w == b"\r\n") else {
        return Ok(None);
    };
    let line = std::str::from_utf8(&buf[1..end]).map_err(|e| e.to_string())?;
    let after = end + 2;
    let int = |s: &str| s.parse::<i64>().map_err(|e| format!("{s:?}: {e}"));
    let bulk = |len: i64| -> Option<(Vec<u8>, usize)> {
        let len = len as usize;
        (buf.len() >= after + len + 2).then(|| (buf[after..after + len].to_vec(), after + len + 2))
    };
    let aggregate = |n: usize| -> Result<Option<(Vec<Reply>, usize)>, String> {
        let mut items = Vec::with_capacity(n);
        let mut at = after;
        for _ in 0..n {
            match parse(&buf[at..])? {
                None => return Ok(None),
                Some((r, used)) => {
                    items.push(r);
                    at += used;
                }
            }
        }
        Ok(Some((items, at)))
    };
    Ok(match buf[0] {
        b'+' => Some((Reply::Status(line.to_string()), after)),
        b'-' => Some((Reply::Error(line.to_string()), after)),
        b':' => Some((Reply::Integer(int(line)?), after)),
        b',' => Some((Reply::Double(line.to_string()), after)),
        b'#' => Some((Reply::Bool(line == "t"), after)),
        b'_' => Some((Reply::Nil, after)),
        b'$' if line == "-1" => Some((Reply::Nil, after)),
        b'*' if line == "-1" => Some((Reply::NilArray, after)),
        b'$' => bulk(int(line)?).map(|(b, used)| (Reply::Bulk(b), used)),
        b'=' => bulk(int(line)?).map(|(b, used)| {
            let (format, text) = b.split_at(3.min(b.len()));
            let text = text.strip_prefix(b":").unwrap_or(text).to_vec();
            (
                Reply::Verbatim {
                    format: String::from_utf8_lossy(format).into_owned(),
                    text,
                },
                used,
            )
        }),
        b'*' | b'~' | b'>' => aggregate(int(line)? as usize)?.map(|(items, used)| {
            let r = match buf[0] {
                b'*' => Reply::Array(items),
                b'~' => Reply::Set(items),
                _ => Reply::Push(items),
            };
            (r, used)
        }),
        b'%' => aggregate(int(line)? as usize * 2)?.map(|(items, used)| {
            let mut pairs = Vec::new();
            let mut it = items.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                pairs.push((k, v));
            }
            (Reply::Map(pairs), used)
        }),
        other => return Err(format!("unknown RESP type byte {other:?}")),
    })
}

// ---------------------------------------------------------------- the real cluster

struct RealCluster {
    base: u16,
    dir: PathBuf,
    children: Vec<Child>,
    ids: Vec<String>,
    conns: HashMap<u16, (TcpStream, Vec<u8>)>,
}

impl Drop for RealCluster {
    fn drop(&mut self) {
        // Kill exactly the servers this test started, by PID.
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn port_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

fn on_path(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

impl RealCluster {
    /// Starts 6 nodes and makes them the cluster of the transcripts, or
    /// returns `None` when Redis is not installed.
    fn start() -> Option<RealCluster> {
        if !on_path("redis-server") || !on_path("redis-cli") {
            assert!(
                std::env::var("SLOTSCOPE_REQUIRE_REDIS").is_err(),
                "redis-server/redis-cli not found but SLOTSCOPE_REQUIRE_REDIS is set (apt-get install redis-server redis-tools)"
            );
            eprintln!("differential test skipped: redis-server and redis-cli are not installed");
            return None;
        }
        // Four-digit ports, so node addresses keep their length; bus ports too.
        let base = (7100..9900)
            .step_by(10)
            .find(|&b| (b..b + NODES).all(|p| port_free(p) && port_free(p + 10_000)))
            .expect("no free ports for a test cluster");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/real-redis")
            .join(format!("{}-{base}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut cluster = RealCluster {
            base,
            dir: dir.clone(),
            children: Vec::new(),
            ids: Vec::new(),
            conns: HashMap::new(),
        };
        for port in base..base + NODES {
            let node_dir = dir.join(port.to_string());
            std::fs::create_dir_all(&node_dir).unwrap();
            let child = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--cluster-enabled", "yes", "--cluster-node-timeout", "2000"])
                .args([
                    "--cluster-config-file",
                    "nodes.conf",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ])
                // Replicas sync at once instead of after the default 5 s.
                .args(["--repl-diskless-sync-delay", "0"])
                .args([
                    "--dir",
                    node_dir.to_str().unwrap(),
                    "--logfile",
                    "redis.log",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start redis-server");
            cluster.children.push(child);
        }
        for port in base..base + NODES {
            cluster.wait_until(port, |c, p| c.try_command(p, &["PING"]).is_some());
        }
        let addrs: Vec<String> = (base..base + NODES)
            .map(|p| format!("127.0.0.1:{p}"))
            .collect();
        let out = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&addrs)
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .output()
            .expect("redis-cli --cluster create");
        assert!(
            out.status.success(),
            "cluster create failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        for port in base..base + NODES {
            let id = cluster.text(port, &["CLUSTER", "MYID"]);
            cluster.ids.push(id);
        }
        // redis-cli pairs replicas at random on one host: fix 3→0, 4→1, 5→2.
        for i in 3..NODES {
            let master = cluster.ids[usize::from(i - 3)].clone();
            cluster.wait_until(base + i, |c, p| {
                c.text(p, &["CLUSTER", "NODES"]).lines().count() == usize::from(NODES)
            });
            let reply = cluster.command(base + i, &["CLUSTER", "REPLICATE", &master]);
            assert_eq!(reply, Reply::ok(), "CLUSTER REPLICATE on {}", base + i);
        }
        // A write on each master, so every replica has a non-zero offset (a
        // replica at offset 0 shows as "loading" until a PING replicates).
        // (bar, user:1001 and foo live on the first, second and third master.)
        let keys = ["bar", "user:1001", "foo"];
        for (i, key) in keys.iter().enumerate() {
            // Right after CLUSTER REPLICATE the state may be down for a moment.
            cluster.wait_until(base + i as u16, |c, p| {
                c.command(p, &["SET", key, "x"]) == Reply::ok()
            });
        }
        cluster.wait_until_settled();
        for (i, key) in keys.iter().enumerate() {
            cluster.command(base + i as u16, &["DEL", key]);
        }
        Some(cluster)
    }

    fn wait_until(&mut self, port: u16, mut ok: impl FnMut(&mut RealCluster, u16) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !ok(self, port) {
            assert!(
                Instant::now() < deadline,
                "real cluster did not settle (port {port})"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every node agrees on the 6 nodes and their roles, the state is ok,
    /// every replica has synced (health online in CLUSTER SHARDS) and is
    /// advertised in CLUSTER SLOTS — on all nodes in the same pass, since
    /// replica offsets reach the other nodes by gossip.
    fn wait_until_settled(&mut self) {
        let mut expected: Vec<String> = (0..NODES)
            .map(|i| {
                let role = if i < 3 {
                    "master".to_string()
                } else {
                    format!("slave {}", self.ids[usize::from(i - 3)])
                };
                format!("{} {role}", self.ids[usize::from(i)])
            })
            .collect();
        expected.sort();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let settled = (self.base..self.base + NODES).all(|p| self.settled_on(p, &expected));
            if settled {
                return;
            }
            assert!(Instant::now() < deadline, "real cluster did not settle");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn settled_on(&mut self, port: u16, expected: &[String]) -> bool {
        let info = self.text(port, &["CLUSTER", "INFO"]);
        let nodes = self.text(port, &["CLUSTER", "NODES"]);
        let mut seen: Vec<String> = nodes
            .lines()
            .map(|l| {
                let cols: Vec<&str> = l.split(' ').collect();
                let role = if cols[2].contains("slave") {
                    format!("slave {}", cols[3])
                } else {
                    "master".into()
                };
                format!("{} {role}", cols[0])
            })
            .collect();
        seen.sort();
        let shards = self.command(port, &["CLUSTER", "SHARDS"]);
        let slots_ok = match self.command(port, &["CLUSTER", "SLOTS"]) {
            Reply::Array(ranges) => {
                ranges.len() == 3
                    && ranges
                        .iter()
                        .all(|r| matches!(r, Reply::Array(x) if x.len() == 4))
            }
            _ => false,
        };
        info.contains("cluster_state:ok")
            && seen == expected
            && slots_ok
            && !format!("{shards:?}").contains("loading")
            && !nodes.contains("handshake")
    }

    /// Waits until every node shows the same roles, masters, config epochs
    /// and slots for every node, and says `cluster_state:ok`.
    fn wait_until_agreed(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let mut views = Vec::new();
            let mut ok = true;
            for p in self.base..self.base + NODES {
                ok &= self
                    .text(p, &["CLUSTER", "INFO"])
                    .contains("cluster_state:ok");
                views.push(configuration(&self.text(p, &["CLUSTER", "NODES"])));
            }
            if ok && views.windows(2).all(|w| w[0] == w[1]) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the real cluster did not agree on its configuration"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn real_port(&self, sim_port: u16) -> u16 {
        sim_port - SIM_BASE + self.base
    }

    /// Sends a command on the port's persistent connection; raw reply bytes.
    fn send_raw(&mut self, port: u16, argv: &[Vec<u8>]) -> Vec<u8> {
        self.try_send_raw(port, argv)
            .unwrap_or_else(|e| panic!("real node {port}: {e}"))
    }

    fn try_send_raw(&mut self, port: u16, argv: &[Vec<u8>]) -> Result<Vec<u8>, String> {
        if let std::collections::hash_map::Entry::Vacant(slot) = self.conns.entry(port) {
            let s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            slot.insert((s, Vec::new()));
        }
        let (stream, _) = self.conns.get_mut(&port).unwrap();
        let request = Reply::Array(argv.iter().map(|a| Reply::Bulk(a.clone())).collect())
            .encode(Protocol::Resp2);
        stream.write_all(&request).map_err(|e| e.to_string())?;
        self.read_one(port)
    }

    /// The next reply on the port's connection, without sending anything:
    /// a second confirmation of SUBSCRIBE a b, a published message.
    fn read_one(&mut self, port: u16) -> Result<Vec<u8>, String> {
        let (stream, pending) = self.conns.get_mut(&port).ok_or("no connection")?;
        let mut chunk = [0u8; 65536];
        loop {
            if let Some((_, used)) = parse(pending)? {
                let reply: Vec<u8> = pending.drain(..used).collect();
                return Ok(reply);
            }
            let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("connection closed".into());
            }
            pending.extend_from_slice(&chunk[..n]);
        }
    }

    fn try_command(&mut self, port: u16, args: &[&str]) -> Option<Reply> {
        let argv: Vec<Vec<u8>> = args.iter().map(|a| a.as_bytes().to_vec()).collect();
        let raw = self.try_send_raw(port, &argv).ok()?;
        parse(&raw).ok()?.map(|(r, _)| r)
    }

    fn command(&mut self, port: u16, args: &[&str]) -> Reply {
        let argv: Vec<Vec<u8>> = args.iter().map(|a| a.as_bytes().to_vec()).collect();
        let raw = self.send_raw(port, &argv);
        parse(&raw).unwrap().unwrap().0
    }

    fn text(&mut self, port: u16, args: &[&str]) -> String {
        match self.command(port, args) {
            Reply::Bulk(b) | Reply::Verbatim { text: b, .. } => {
                String::from_utf8_lossy(&b).into_owned()
            }
            other => panic!("{args:?} on {port}: {other:?}"),
        }
    }
}

// ---------------------------------------------------------------- comparing

/// Rewrites a real reply in the simulator's terms: node IDs and ports.
struct Mapping {
    pairs: Vec<(String, String)>,
    ports: HashMap<i64, i64>,
}

impl Mapping {
    fn text(&self, s: &str) -> String {
        let mut s = s.to_string();
        for (real, sim) in &self.pairs {
            s = s.replace(real, sim);
        }
        s
    }

    fn reply(&self, r: Reply, port_context: bool) -> Reply {
        // Names and ports are text; binary values (SETBIT's) pass untouched.
        let bytes = |b: Vec<u8>| match String::from_utf8(b) {
            Ok(text) => self.text(&text).into_bytes(),
            Err(e) => e.into_bytes(),
        };
        match r {
            Reply::Status(s) => Reply::Status(self.text(&s)),
            Reply::Error(s) => Reply::Error(self.text(&s)),
            Reply::Integer(n) if port_context => Reply::Integer(*self.ports.get(&n).unwrap_or(&n)),
            Reply::Bulk(b)
                if port_context
                    && self
                        .ports
                        .keys()
                        .any(|p| p.to_string().as_bytes() == b.as_slice()) =>
            {
                let n: i64 = String::from_utf8_lossy(&b).parse().unwrap();
                Reply::Bulk(self.ports[&n].to_string().into_bytes())
            }
            Reply::Bulk(b) => Reply::Bulk(bytes(b)),
            Reply::Verbatim { format, text } => Reply::Verbatim {
                format,
                text: bytes(text),
            },
            Reply::Array(items) => Reply::Array(
                items
                    .into_iter()
                    .map(|i| self.reply(i, port_context))
                    .collect(),
            ),
            Reply::Set(items) => Reply::Set(
                items
                    .into_iter()
                    .map(|i| self.reply(i, port_context))
                    .collect(),
            ),
            Reply::Push(items) => Reply::Push(
                items
                    .into_iter()
                    .map(|i| self.reply(i, port_context))
                    .collect(),
            ),
            Reply::Map(pairs) => Reply::Map(
                pairs
                    .into_iter()
                    .map(|(k, v)| (self.reply(k, port_context), self.reply(v, port_context)))
                    .collect(),
            ),
            other => other,
        }
    }
}

fn upper_words(argv: &[Vec<u8>], n: usize) -> String {
    argv.iter()
        .take(n)
        .map(|a| String::from_utf8_lossy(a).to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join(" ")
}

fn sort_items(r: Reply) -> Reply {
    let key = |x: &Reply| x.encode(Protocol::Resp3);
    match r {
        Reply::Array(mut items) => {
            items.sort_by_key(key);
            Reply::Array(items)
        }
        Reply::Set(mut items) => {
            items.sort_by_key(key);
            Reply::Set(items)
        }
        other => other,
    }
}

/// Sorts the name/value pairs of a CONFIG GET reply: Redis lists them in
/// the order of a dict seeded at random when the server starts.
fn sort_pairs(r: Reply) -> Reply {
    let key = |p: &(Reply, Reply)| p.0.encode(Protocol::Resp3);
    match r {
        Reply::Map(mut pairs) => {
            pairs.sort_by_key(key);
            Reply::Map(pairs)
        }
        Reply::Array(items) if items.len().is_multiple_of(2) => {
            let mut pairs: Vec<(Reply, Reply)> = items
                .chunks(2)
                .map(|c| (c[0].clone(), c[1].clone()))
                .collect();
            pairs.sort_by_key(key);
            Reply::Array(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect())
        }
        other => other,
    }
}

/// Blanks the ping-sent and pong-received columns of CLUSTER NODES lines.
fn zero_node_times(text: &str, sort: bool) -> String {
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| {
            let mut cols: Vec<&str> = l.split(' ').collect();
            if cols.len() > 5 {
                cols[4] = "0";
                cols[5] = "0";
            }
            cols.join(" ")
        })
        .collect();
    if sort {
        lines.sort();
    }
    lines.join("\n")
}

/// Removes what legitimately differs between two runs: times, counters,
/// hash-table order. Applied to both sides.
fn normalise(argv: &[Vec<u8>], r: Reply) -> Reply {
    let two = upper_words(argv, 2);
    let one = upper_words(argv, 1);
    let text_of = |r: &Reply| match r {
        Reply::Bulk(b) | Reply::Verbatim { text: b, .. } => {
            Some(String::from_utf8_lossy(b).into_owned())
        }
        _ => None,
    };
    match (one.as_str(), two.as_str()) {
        (_, "CONFIG GET") => sort_pairs(r),
        (_, "CLUSTER NODES") => {
            text_of(&r).map_or(r, |t| Reply::Bulk(zero_node_times(&t, true).into_bytes()))
        }
        (_, "CLUSTER REPLICAS") | (_, "CLUSTER SLAVES") => match r {
            Reply::Array(items) => sort_items(Reply::Array(
                items
                    .into_iter()
                    .map(|i| {
                        text_of(&i)
                            .map_or(i, |t| Reply::Bulk(zero_node_times(&t, false).into_bytes()))
                    })
                    .collect(),
            )),
            other => other,
        },
        (_, "CLUSTER INFO") => text_of(&r).map_or(r, |t| {
            Reply::Bulk(
                t.lines()
                    .filter(|l| !l.starts_with("cluster_stats_messages"))
                    .collect::<Vec<_>>()
                    .join("\n")
                    .into_bytes(),
            )
        }),
        (_, "CLUSTER SHARDS") => {
            let zero_offsets = |r: Reply| -> Reply {
                fn walk(r: Reply) -> Reply {
                    match r {
                        Reply::Map(pairs) => Reply::Map(
                            pairs
                                .into_iter()
                                .map(|(k, v)| {
                                    if k == Reply::bulk("replication-offset") {
                                        (k, Reply::Integer(0))
                                    } else {
                                        (k, walk(v))
                                    }
                                })
                                .collect(),
                        ),
                        Reply::Array(items) => {
                            // RESP2 maps are flat arrays: key at even positions.
                            let mut out = Vec::new();
                            let mut zero_next = false;
                            for i in items {
                                if zero_next {
                                    out.push(Reply::Integer(0));
                                    zero_next = false;
                                    continue;
                                }
                                zero_next = i == Reply::bulk("replication-offset");
                                out.push(walk(i));
                            }
                            Reply::Array(out)
                        }
                        other => other,
                    }
                }
                walk(r)
            };
            sort_items(zero_offsets(r))
        }
        ("ROLE", _) => match r {
            Reply::Array(mut items) if items.len() == 3 => {
                items[1] = Reply::Integer(0);
                if let Reply::Array(rs) = &mut items[2] {
                    for rep in rs.iter_mut() {
                        if let Reply::Array(f) = rep {
                            if f.len() == 3 {
                                f[2] = Reply::bulk("0");
                            }
                        }
                    }
                }
                Reply::Array(items)
            }
            Reply::Array(mut items) if items.len() == 5 => {
                items[4] = Reply::Integer(0);
                Reply::Array(items)
            }
            other => other,
        },
        // Replication IDs, offsets, lag and the sampled average TTL vary by run;
        // the host's sections (process, memory, CPU, counters) are compared by
        // their fields, in order, not their values; the per-command and
        // per-error lines depend on each server's whole history.
        ("INFO", _) => text_of(&r).map_or(r, |t| {
            let host = [
                "# Server",
                "# Clients",
                "# Memory",
                "# Persistence",
                "# Stats",
                "# CPU",
            ];
            let history = ["# Commandstats", "# Errorstats", "# Latencystats"];
            let stable = [
                "redis_version:",
                "redis_mode:",
                "arch_bits:",
                "maxmemory_policy:",
                "aof_enabled:",
                "mem_allocator:",
                "maxclients:",
            ];
            let mut section = "";
            let t: String = t
                .split("\r\n")
                .filter_map(|l| {
                    if l.starts_with('#') {
                        section = if host.contains(&l) {
                            "host"
                        } else if history.contains(&l) {
                            "history"
                        } else {
                            ""
                        };
                        return Some(l.to_string());
                    }
                    match section {
                        "history" if !l.is_empty() => None,
                        "host" if !stable.iter().any(|k| l.starts_with(k)) => Some(
                            l.split_once(':')
                                .map_or(l.to_string(), |(k, _)| format!("{k}:N")),
                        ),
                        _ => Some(l.to_string()),
                    }
                })
                .collect::<Vec<_>>()
                .join("\r\n");
            let vary = [
                "master_replid:",
                "master_repl_offset:",
                "slave_repl_offset:",
                "slave_read_repl_offset:",
                "repl_backlog_histlen:",
                "repl_backlog_first_byte_offset:",
                "master_last_io_seconds_ago:",
            ];
            let lines: Vec<String> = t
                .split("\r\n")
                .map(|l| {
                    if let Some(key) = vary.iter().find(|k| l.starts_with(**k)) {
                        format!("{key}N")
                    } else if l.starts_with("slave") && l.contains(",offset=") {
                        let cut = l.find(",offset=").unwrap();
                        format!("{},offset=N", &l[..cut])
                    } else if let Some(cut) = l.find(",avg_ttl=") {
                        format!("{},avg_ttl=N", &l[..cut])
                    } else {
                        l.to_string()
                    }
                })
                .collect();
            Reply::Bulk(lines.join("\r\n").into_bytes())
        }),
        // The client id depends on how many connections the server has seen.
        ("HELLO", _) => match r {
            Reply::Map(pairs) => Reply::Map(
                pairs
                    .into_iter()
                    .map(|(k, v)| {
                        if k == Reply::bulk("id") {
                            (k, Reply::Integer(0))
                        } else {
                            (k, v)
                        }
                    })
                    .collect(),
            ),
            Reply::Array(mut items) => {
                if let Some(i) = items.iter().position(|x| *x == Reply::bulk("id")) {
                    if i + 1 < items.len() {
                        items[i + 1] = Reply::Integer(0);
                    }
                }
                Reply::Array(items)
            }
            other => other,
        },
        // Milliseconds left depend on when the reply was made: 10 ms resolution.
        ("PTTL", _) => match r {
            Reply::Integer(ms) if ms > 0 => Reply::Integer((ms + 5) / 10 * 10),
            other => other,
        },
        // A connection's ID, port, age and memory depend on the server's history.
        ("CLIENT", "CLIENT ID") => match r {
            Reply::Integer(_) => Reply::Integer(0),
            other => other,
        },
        ("CLIENT", "CLIENT INFO") | ("CLIENT", "CLIENT LIST") => text_of(&r).map_or(r, |t| {
            let vary = [
                "id=",
                "addr=",
                "fd=",
                "age=",
                "idle=",
                "qbuf=",
                "qbuf-free=",
                "argv-mem=",
                "tot-mem=",
                "rbs=",
                "rbp=",
                "multi-mem=",
            ];
            // The caller's own line (CLIENT LIST also shows the replicas' links).
            let line = t
                .lines()
                .find(|l| l.contains("cmd=client|"))
                .unwrap_or_default();
            let fields: Vec<String> = line
                .split(' ')
                .map(|f| match vary.iter().find(|v| f.starts_with(**v)) {
                    Some(v) => format!("{v}N"),
                    None => f.to_string(),
                })
                .collect();
            Reply::Bulk(fields.join(" ").into_bytes())
        }),
        ("ACL", "ACL CAT") if argv.len() > 2 => sort_items(r),
        // Unsubscribing from everything walks the client's channel dict
        // (hash-seed order): compare the names in order, counts in place.
        ("UNSUBSCRIBE", _) | ("PUNSUBSCRIBE", _) | ("SUNSUBSCRIBE", _) if argv.len() == 1 => {
            match r {
                Reply::Many(mut items) => {
                    let name = |i: &Reply| match i {
                        Reply::Array(f) | Reply::Push(f) => f.get(1).cloned(),
                        _ => None,
                    };
                    let mut names: Vec<Reply> = items.iter().filter_map(name).collect();
                    names.sort_by_key(|n| n.encode(Protocol::Resp3));
                    for (item, n) in items.iter_mut().zip(names) {
                        if let Reply::Array(f) | Reply::Push(f) = item {
                            f[1] = n;
                        }
                    }
                    Reply::Many(items)
                }
                other => other,
            }
        }
        // Wall-clock times.
        ("TIME", _) => Reply::Array(Vec::new()),
        ("LASTSAVE", _) => Reply::Integer(0),
        // Redis walks its command dict, whose order depends on a hash seed.
        ("COMMAND", _) => command_table_order(&two, r),
        ("KEYS", _) | ("SMEMBERS", _) | ("SINTER", _) | ("SUNION", _) => sort_items(r),
        ("SCAN", _) => match r {
            Reply::Array(mut items) if items.len() == 2 => {
                items[1] = sort_items(items[1].clone());
                Reply::Array(items)
            }
            other => other,
        },
        _ => r,
    }
}

/// COMMAND's replies in name order: the whole table, COMMAND LIST, and
/// every container's subcommands (in COMMAND INFO and in COMMAND DOCS).
fn command_table_order(two: &str, r: Reply) -> Reply {
    fn walk(r: Reply) -> Reply {
        match r {
            Reply::Map(pairs) => Reply::Map(
                pairs
                    .into_iter()
                    .map(|(k, v)| {
                        let v = walk(v);
                        if k == Reply::bulk("subcommands") {
                            (k, sort_pairs(v))
                        } else {
                            (k, v)
                        }
                    })
                    .collect(),
            ),
            Reply::Array(items) => {
                let info_entry = items.len() == 10
                    && matches!(items[0], Reply::Bulk(_))
                    && matches!(items[1], Reply::Integer(_));
                let mut out: Vec<Reply> = Vec::with_capacity(items.len());
                let mut subcommands_next = false;
                for i in items {
                    let i = walk(i);
                    out.push(if subcommands_next { sort_pairs(i) } else { i });
                    subcommands_next = out.last() == Some(&Reply::bulk("subcommands"));
                }
                if info_entry {
                    out[9] = sort_items(out[9].clone());
                }
                Reply::Array(out)
            }
            other => other,
        }
    }
    let r = walk(r);
    match two {
        "COMMAND" | "COMMAND LIST" => sort_items(r),
        "COMMAND DOCS" => sort_pairs(r),
        "COMMAND INFO" => match &r {
            // COMMAND INFO with no names: the whole table.
            Reply::Array(items) if items.len() > 200 => sort_items(r),
            _ => r,
        },
        _ => r,
    }
}

/// Commands after which the real cluster needs a moment for the change to
/// spread (by gossip) before the next line may look at another node.
fn settles(argv: &[Vec<u8>]) -> bool {
    let two = upper_words(argv, 2);
    two == "CLUSTER SETSLOT" || two == "CLUSTER ADDSLOTS" || two == "CLUSTER DELSLOTS"
}

fn expand(line: &str, ids: &[String], base: u16) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("${id:") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 5..];
        let close = after.find('}').ok_or("unclosed ${id:")?;
        let port: u16 = after[..close].parse().map_err(|_| "bad port")?;
        let i = port
            .checked_sub(base)
            .filter(|i| *i < NODES)
            .ok_or("no such node")?;
        out.push_str(&ids[usize::from(i)]);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `!reshard FROM TO COUNT`, `!rebalance`, `!failover PORT [FORCE|TAKEOVER]`,
/// `!settle`: the same operation on both sides — real `redis-cli --cluster`
/// against the real cluster, `Operation` against the simulator — after which
/// the real cluster is given time to agree with itself.
fn run_directive(
    name: &str,
    line: usize,
    directive: &str,
    real: &mut RealCluster,
    sim: &mut Cluster,
) {
    let words: Vec<&str> = directive.split_whitespace().collect();
    let sim_node = |port: &str| -> usize {
        let p: u16 = port
            .parse()
            .unwrap_or_else(|_| panic!("{name}:{line}: bad port {port}"));
        sim.node_by_port(p)
            .unwrap_or_else(|| panic!("{name}:{line}: no node {port}"))
    };
    let real_id = |real: &RealCluster, port: &str| -> String {
        let p: u16 = port.parse().unwrap();
        real.ids[usize::from(p - SIM_BASE)].clone()
    };
    let entry = format!("127.0.0.1:{}", real.base);
    let redis_cli = |args: &[String]| {
        let out = Command::new("redis-cli")
            .args(args)
            .output()
            .expect("redis-cli");
        assert!(
            out.status.success(),
            "{name}:{line}: redis-cli {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    };
    match words.as_slice() {
        ["reshard", from, to, count] => {
            let count: usize = count.parse().unwrap();
            redis_cli(&[
                "--cluster".into(),
                "reshard".into(),
                entry.clone(),
                "--cluster-from".into(),
                real_id(real, from),
                "--cluster-to".into(),
                real_id(real, to),
                "--cluster-slots".into(),
                count.to_string(),
                "--cluster-yes".into(),
            ]);
            let (from, to) = (sim_node(from), sim_node(to));
            Operation::reshard(sim, &[from], to, count)
                .and_then(|mut op| op.run(sim))
                .unwrap_or_else(|e| panic!("{name}:{line}: {e}"));
        }
        ["rebalance"] => {
            redis_cli(&["--cluster".into(), "rebalance".into(), entry.clone()]);
            match Operation::rebalance(sim, 0, 2.0, false) {
                Ok(mut op) => op.run(sim).unwrap_or_else(|e| panic!("{name}:{line}: {e}")),
                Err(e) if e.contains("No rebalancing needed") => {}
                Err(e) => panic!("{name}:{line}: {e}"),
            }
        }
        ["failover", port, opts @ ..] => {
            let mut args = vec![b"CLUSTER".to_vec(), b"FAILOVER".to_vec()];
            args.extend(opts.iter().map(|o| o.as_bytes().to_vec()));
            let p: u16 = port.parse().unwrap();
            let raw = real.send_raw(real.real_port(p), &args);
            assert_eq!(raw, b"+OK\r\n", "{name}:{line}: real CLUSTER FAILOVER");
            // The failover itself is asynchronous (FORCE waits for the next cron
            // tick): wait for the replica to call itself master first.
            let rp = real.real_port(p);
            real.wait_until(rp, |c, p| {
                matches!(c.command(p, &["ROLE"]), Reply::Array(r) if r.first() == Some(&Reply::bulk("master")))
            });
            let node = sim_node(port);
            let conn = sim.connect(node);
            assert_eq!(
                sim.execute(conn, &args),
                Reply::ok(),
                "{name}:{line}: simulated CLUSTER FAILOVER"
            );
            // Same on this side: the election takes simulated time, and the
            // views agree (on the old configuration) until it is won.
            let deadline = sim.now + 30_000;
            while sim.nodes[node].role(node) != Role::Master {
                assert!(sim.now < deadline, "{name}:{line}: no simulated failover");
                sim.advance(10);
            }
        }
        ["settle"] => {}
        // Real time passes on both sides (a state recomputed by the cron).
        ["sleep", ms] => {
            let ms: u64 = ms.parse().unwrap();
            std::thread::sleep(Duration::from_millis(ms));
            sim.advance(ms);
            return;
        }
        // kill -9 of these nodes on both sides, then wait until every other
        // node has flagged each of them FAIL (the cluster may be down: no
        // agreement to wait for).
        ["kill", ports @ ..] => {
            let ports: Vec<u16> = ports.iter().map(|p| p.parse().unwrap()).collect();
            let dead: Vec<usize> = ports.iter().map(|p| sim_node(&p.to_string())).collect();
            for &p in &ports {
                let i = usize::from(p - SIM_BASE);
                let _ = real.children[i].kill();
                let _ = real.children[i].wait();
                let rp = real.real_port(p);
                real.conns.remove(&rp);
            }
            for &d in &dead {
                sim.kill(d);
            }
            let dead_ids: Vec<String> = ports
                .iter()
                .map(|p| real_id(real, &p.to_string()))
                .collect();
            for live in (SIM_BASE..SIM_BASE + NODES).filter(|p| !ports.contains(p)) {
                let rp = real.real_port(live);
                real.wait_until(rp, |c, port| {
                    let nodes = c.text(port, &["CLUSTER", "NODES"]);
                    dead_ids.iter().all(|id| {
                        nodes.lines().any(|l| {
                            let cols: Vec<&str> = l.split(' ').collect();
                            cols.len() > 2
                                && cols[0] == id.as_str()
                                && cols[2].split(',').any(|f| f == "fail")
                        })
                    })
                });
            }
            let deadline = sim.now + 60_000;
            while !(0..sim.nodes.len())
                .filter(|v| !dead.contains(v))
                .all(|v| dead.iter().all(|&d| sim.nodes[v].view[d].fail))
            {
                assert!(
                    sim.now < deadline,
                    "{name}:{line}: the simulation never flagged FAIL"
                );
                sim.advance(10);
            }
            // The cluster state follows the flags on the next tick.
            std::thread::sleep(Duration::from_millis(300));
            sim.advance(300);
            return;
        }
        _ => panic!("{name}:{line}: unknown directive !{directive}"),
    }
    real.wait_until_agreed();
    // Both sides are compared once each has converged: gossip timing differs
    // run by run, the agreed configuration does not.
    let deadline = sim.now + 30_000;
    while !sim_agreed(sim) {
        assert!(
            sim.now < deadline,
            "{name}:{line}: the simulated cluster did not agree"
        );
        sim.advance(10);
    }
}

/// The simulated counterpart of `RealCluster::wait_until_agreed`.
fn sim_agreed(sim: &Cluster) -> bool {
    let first = configuration(&sim.cluster_nodes(0));
    (0..sim.nodes.len()).all(|v| sim.state_ok(v) && configuration(&sim.cluster_nodes(v)) == first)
}

/// What must agree between two CLUSTER NODES outputs once a cluster has
/// settled: per node its ID, role, master, config epoch and slots (not
/// ping times, link state, or migrating/importing marks), sorted.
fn configuration(cluster_nodes: &str) -> Vec<String> {
    let mut lines: Vec<String> = cluster_nodes
        .lines()
        .map(|l| {
            let c: Vec<&str> = l.split(' ').collect();
            let role = if c[2].contains("slave") {
                "slave"
            } else {
                "master"
            };
            let slots: Vec<&str> = c[8..]
                .iter()
                .copied()
                .filter(|s| !s.starts_with('['))
                .collect();
            format!("{} {role} {} {} {}", c[0], c[3], c[6], slots.join(" "))
        })
        .collect();
    lines.sort();
    lines
}

/// Plays one scenario on both sides; returns the differences.
fn play(name: &str, text: &str, real: &mut RealCluster) -> (usize, Vec<String>) {
    let mut sim = Cluster::create(3, 1, 1).unwrap();
    // The same configuration as the real nodes (--cluster-node-timeout 2000).
    sim.set_config(|c| c.node_timeout = 2_000);
    let sim_ids: Vec<String> = sim.nodes.iter().map(|n| n.id.clone()).collect();
    let mut mapping = Mapping {
        pairs: Vec::new(),
        ports: HashMap::new(),
    };
    for i in 0..NODES {
        let (rp, sp) = (real.base + i, SIM_BASE + i);
        mapping.pairs.push((
            real.ids[usize::from(i)].clone(),
            sim_ids[usize::from(i)].clone(),
        ));
        mapping
            .pairs
            .push((format!("127.0.0.1:{rp}"), format!("127.0.0.1:{sp}")));
        mapping
            .pairs
            .push((format!("@{}", rp + 10_000), format!("@{}", sp + 10_000)));
        // INFO replication names ports in its own way.
        mapping
            .pairs
            .push((format!(",port={rp},"), format!(",port={sp},")));
        mapping
            .pairs
            .push((format!("master_port:{rp}\r"), format!("master_port:{sp}\r")));
        mapping.ports.insert(i64::from(rp), i64::from(sp));
    }
    let mut cli = RedisCli::new(0, false);
    let mut port = SIM_BASE;
    let mut protos: HashMap<u16, Protocol> = HashMap::new();
    let mut diffs = Vec::new();
    let mut compared = 0;
    let started = Instant::now();
    for (n, raw_line) in text.lines().enumerate() {
        let mut line = raw_line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(directive) = line.strip_prefix('!') {
            let elapsed = started.elapsed().as_millis() as u64;
            run_directive(name, n + 1, directive, real, &mut sim);
            // The real operation took real time; keep the clocks together.
            let now = elapsed.max(started.elapsed().as_millis() as u64);
            if now > sim.now {
                sim.advance(now - sim.now);
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix('@') {
            let (p, cmd) = rest.split_once(' ').unwrap_or((rest, ""));
            port = p
                .parse()
                .unwrap_or_else(|_| panic!("{name}:{}: bad @port", n + 1));
            line = cmd;
        }
        let sim_line = expand(line, &sim_ids, SIM_BASE).unwrap();
        let real_line = expand(line, &real.ids, SIM_BASE).unwrap();
        let mut sim_argv = split_args(sim_line.as_bytes()).unwrap();
        let mut real_argv = split_args(real_line.as_bytes()).unwrap();
        // A node named by its port in the command (MIGRATE host port ...).
        if upper_words(&real_argv, 1) == "MIGRATE" && real_argv.len() > 2 {
            if let Ok(p) = String::from_utf8_lossy(&real_argv[2]).parse::<u16>() {
                if (SIM_BASE..SIM_BASE + NODES).contains(&p) {
                    real_argv[2] = real.real_port(p).to_string().into_bytes();
                }
            }
        }
        if sim_argv.is_empty() {
            continue;
        }
        // Simulated time follows the real run, so expiry and TTLs compare.
        let elapsed = started.elapsed().as_millis() as u64;
        if elapsed > sim.now {
            sim.advance(elapsed - sim.now);
        }
        cli.current = sim.node_by_port(port).unwrap();
        // Messages published to this connection since its last command come
        // first on the wire: compare them one by one.
        let subscribed = sim.conns.iter().any(|c| c.subscribed());
        if subscribed {
            sim.advance(5);
            std::thread::sleep(Duration::from_millis(5));
        }
        let conn = cli.conn(&mut sim, cli.current);
        for delivered in std::mem::take(&mut sim.conns[conn].inbox) {
            let message = delivered.message;
            let proto = *protos.get(&port).unwrap_or(&Protocol::Resp2);
            let theirs = real
                .read_one(real.real_port(port))
                .ok()
                .and_then(|b| parse(&b).ok().flatten())
                .map(|(r, _)| mapping.reply(r, false));
            compared += 1;
            let (a, b) = (
                theirs.map_or("(nothing)".to_string(), |t| repr(&t.encode(proto))),
                repr(&message.encode(proto)),
            );
            if a != b {
                diffs.push(format!(
                    "{name}:{} @{port} (a published message before this line)\n    real Redis: {a}\n    simulator:  {b}",
                    n + 1
                ));
            }
        }

        // `${dump:KEY}` as an argument: each side's own DUMP of KEY on this
        // port, itself not compared (a stream's PEL and consumers hold
        // wall-clock times), so that RESTORE of it compares what a DUMP
        // keeps.
        for i in 0..sim_argv.len() {
            let Some(key) = sim_argv[i]
                .strip_prefix(b"${dump:")
                .and_then(|k| k.strip_suffix(b"}"))
                .map(<[u8]>::to_vec)
            else {
                continue;
            };
            let dump = [b"DUMP".to_vec(), key];
            // No key: an empty argument (not a payload).
            sim_argv[i] = match cli.send(&mut sim, &dump).hops.pop().unwrap().reply {
                Reply::Bulk(b) => b,
                Reply::Nil => Vec::new(),
                other => panic!("{name}:{}: simulated DUMP: {other:?}", n + 1),
            };
            let raw = real.send_raw(real.real_port(port), &dump);
            real_argv[i] = match parse(&raw).unwrap().unwrap().0 {
                Reply::Bulk(b) => b,
                Reply::Nil => Vec::new(),
                other => panic!("{name}:{}: real DUMP: {other:?}", n + 1),
            };
        }
        let ours = cli.send(&mut sim, &sim_argv).hops.pop().unwrap().reply;
        // A loopback round trip (replication keeps up as on the real side):
        // 1 ms of simulated time a command, and the real run waits until its
        // clock has caught up, so that the two clocks never drift apart
        // (TTLs are compared to the second).

        sim.advance(1);
        let real_now = started.elapsed().as_millis() as u64;
        if sim.now > real_now {
            std::thread::sleep(Duration::from_millis(sim.now - real_now));
        }
        let real_bytes = real.send_raw(real.real_port(port), &real_argv);
        if settles(&real_argv) {
            std::thread::sleep(Duration::from_millis(300));
        }
        match upper_words(&sim_argv, 2).as_str() {
            "HELLO 3" => protos.insert(port, Protocol::Resp3),
            "HELLO 2" => protos.insert(port, Protocol::Resp2),
            _ => None,
        };
        let proto = *protos.get(&port).unwrap_or(&Protocol::Resp2);
        let (mut theirs, _) = parse(&real_bytes).unwrap().unwrap();
        // Several replies to one command (SUBSCRIBE a b): read the rest.
        if let Reply::Many(items) = &ours {
            let mut all = vec![theirs];
            for _ in 1..items.len() {
                match real
                    .read_one(real.real_port(port))
                    .ok()
                    .and_then(|b| parse(&b).ok().flatten())
                {
                    Some((r, _)) => all.push(r),
                    None => break,
                }
            }
            theirs = Reply::Many(all);
        }
        let one = upper_words(&sim_argv, 1);
        let port_context = matches!(
            upper_words(&sim_argv, 2).as_str(),
            "CLUSTER SLOTS" | "CLUSTER SHARDS"
        ) || one == "ROLE";
        let theirs = normalise(&sim_argv, mapping.reply(theirs, port_context));
        let ours = normalise(&sim_argv, ours);
        compared += 1;
        let (a, b) = (repr(&theirs.encode(proto)), repr(&ours.encode(proto)));
        if a != b {
            diffs.push(format!(
                "{name}:{} @{port} {line}\n    real Redis: {a}\n    simulator:  {b}\n    (simulated {} ms, real {} ms since the start)",
                n + 1,
                sim.now,
                started.elapsed().as_millis()
            ));
        }
    }
    (compared, diffs)
}

#[test]
fn scenarios_match_real_redis() {
    let _only = exclusive();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        // SLOTSCOPE_SCENARIO=name plays only the scenarios whose file name contains it.
        .filter(|p| {
            std::env::var("SLOTSCOPE_SCENARIO")
                .map_or(true, |only| p.to_string_lossy().contains(&only))
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenarios in {}", dir.display());
    let mut all = Vec::new();
    let mut total = 0;
    for file in files {
        // A fresh cluster per scenario: migrations change ownership for good.
        let Some(mut real) = RealCluster::start() else {
            return;
        };
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&file).unwrap();
        let (compared, diffs) = play(&name, &text, &mut real);
        eprintln!(
            "{name}: {compared} replies compared, {} differ",
            diffs.len()
        );
        total += compared;
        all.extend(diffs);
    }
    assert!(total > 0);
    assert!(
        all.is_empty(),
        "{} replies differ from real Redis:\n{}",
        all.len(),
        all.join("\n")
    );
}

#[test]
fn resp_parser_round_trips() {
    for bytes in [
        &b"+OK\r\n"[..],
        b"-MOVED 1 127.0.0.1:7000\r\n",
        b":-5\r\n",
        b"$3\r\nfoo\r\n",
        b"$-1\r\n",
        b"*-1\r\n",
        b"*2\r\n$1\r\na\r\n:1\r\n",
        b"%1\r\n$1\r\nk\r\n~1\r\n,1.5\r\n",
        b"=7\r\ntxt:abc\r\n",
        b"#t\r\n",
    ] {
        let (r, used) = parse(bytes).unwrap().unwrap();
        assert_eq!(used, bytes.len());
        let proto = if bytes[0] == b'%' || bytes[0] == b'=' || bytes[0] == b'#' {
            Protocol::Resp3
        } else {
            Protocol::Resp2
        };
        assert_eq!(r.encode(proto), bytes, "{r:?}");
    }
    assert_eq!(parse(b"$3\r\nfo").unwrap(), None);
    assert_eq!(parse(b"*2\r\n:1\r\n").unwrap(), None);
}

/// Commands not sent with placeholder arguments: they would stop a node,
/// block the connection, change its mode (MULTI, SUBSCRIBE, MONITOR),
/// reconfigure the cluster, or reach out to other hosts.
const NOT_FILLED: &[&str] = &[
    "shutdown",
    "monitor",
    "sync",
    "psync",
    "debug",
    "failover",
    "quit",
    "reset",
    "multi",
    "subscribe",
    "psubscribe",
    "ssubscribe",
    "unsubscribe",
    "punsubscribe",
    "sunsubscribe",
    "replicaof",
    "slaveof",
    "save",
    "bgsave",
    "bgrewriteaof",
    "migrate",
    "blpop",
    "brpop",
    "blmove",
    "brpoplpush",
    "blmpop",
    "bzpopmin",
    "bzpopmax",
    "bzmpop",
    "wait",
    "xread",
    "xreadgroup",
    "client|kill",
    "client|pause",
    "client|unpause",
    "client|reply",
    "client|no-evict",
    "client|tracking",
    "client|setname",
    "config|set",
    "config|rewrite",
    "config|resetstat",
    "acl|setuser",
    "acl|deluser",
    "acl|load",
    "acl|save",
    "acl|log",
    "module|load",
    "module|loadex",
    "module|unload",
    "script|kill",
    "script|flush",
    "function|flush",
    "function|kill",
    "function|delete",
    "function|restore",
    "function|load",
    "flushall",
    "flushdb",
    "swapdb",
    "latency|reset",
    "slowlog|reset",
    "memory|purge",
    // Runs for most of a second on a real server: SLOWLOG would show it.
    "pfselftest",
    "readonly",
    "readwrite",
    "asking",
    "hello",
    "auth",
    "select",
    "restore-asking",
    "replconf",
    "lastsave",
    "time",
    "info",
    "role",
    "dbsize",
    "randomkey",
    "keys",
    "scan",
    "cluster",
    // "x" is not Lua: the real server answers its compiler's error, which
    // the simulator's Lua subset does not reproduce (README: limits).
    "script|load",
];

/// The CLUSTER subcommands that only read: the others would reshape the
/// real cluster under the rest of the test.
const CLUSTER_READS: &[&str] = &[
    "cluster|info",
    "cluster|myid",
    "cluster|nodes",
    "cluster|slots",
    "cluster|shards",
    "cluster|keyslot",
    "cluster|countkeysinslot",
    "cluster|getkeysinslot",
    "cluster|help",
    "cluster|count-failure-reports",
    "cluster|replicas",
    "cluster|slaves",
];

/// Every command and subcommand of `COMMAND`, sent bare and with its
/// minimum number of placeholder arguments ("x", whose slot 16287 belongs
/// to 7002): arity errors, MOVED and argument errors must be the real
/// server's. A command whose execution is not simulated answers that
/// plainly; those are counted and listed, and the README names them.
#[test]
fn every_command_bare_and_with_placeholder_arguments() {
    let _only = exclusive();
    use slotscope_sim::command::table::COMMANDS;
    let Some(mut real) = RealCluster::start() else {
        return;
    };
    let mut lines = Vec::new();
    for c in COMMANDS {
        let mut specs: Vec<_> = vec![c];
        specs.extend(c.subcommands.iter());
        for spec in specs {
            let words: Vec<String> = spec
                .name
                .split('|')
                .map(|w| w.to_ascii_uppercase())
                .collect();
            let base = words.len() as i32;
            let fixed = spec.arity > 0;
            let min = spec.arity.abs();
            // Bare: only where that is an arity error (or harmless).
            if (fixed && min != base) || (!fixed && min > base) {
                lines.push(words.join(" "));
            }
            let cluster_change = c.name == "cluster" && !CLUSTER_READS.contains(&spec.name);
            if NOT_FILLED.contains(&spec.name)
                || (NOT_FILLED.contains(&c.name) && spec.name == c.name)
                || cluster_change
            {
                continue;
            }
            // A command of no arguments beyond its name: run it.
            if min == base && spec.subcommands.is_empty() {
                lines.push(words.join(" "));
            }
            let mut filled = words.clone();
            while (filled.len() as i32) < min {
                filled.push("x".into());
            }
            if filled.len() as i32 > base {
                lines.push(filled.join(" "));
            }
            // One argument too many for a fixed arity.
            if fixed {
                filled.push("x".into());
                lines.push(filled.join(" "));
            }
        }
    }
    let text = lines.join("\n");
    let (compared, diffs) = play("every-command", &text, &mut real);
    let (unsimulated, wrong): (Vec<&String>, Vec<&String>) = diffs
        .iter()
        .partition(|d| d.contains("Slotscope does not simulate"));
    eprintln!(
        "every command: {compared} replies compared, {} differ ({} of them commands not simulated)",
        diffs.len(),
        unsimulated.len()
    );
    for d in &unsimulated {
        eprintln!("not simulated: {}", d.lines().next().unwrap_or_default());
    }
    assert!(compared > 300);
    assert!(
        wrong.is_empty(),
        "{} replies differ from real Redis:\n{}",
        wrong.len(),
        wrong
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// `SLOTSCOPE_SEEDS` ("1,2,3" or "1-20") and `SLOTSCOPE_N` (commands per
/// seed): `make test` plays 3 seeds of 1,000; `make differential` as many
/// as asked.
fn stream_settings() -> (Vec<u64>, usize) {
    let seeds = std::env::var("SLOTSCOPE_SEEDS").unwrap_or_else(|_| "1,2,3".into());
    let mut list = Vec::new();
    for part in seeds.split(',').filter(|p| !p.trim().is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u64, u64) = (a.trim().parse().unwrap(), b.trim().parse().unwrap());
                list.extend(a..=b);
            }
            None => list.push(part.trim().parse().expect("SLOTSCOPE_SEEDS: numbers")),
        }
    }
    let n = std::env::var("SLOTSCOPE_N")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000);
    (list, n)
}

/// The 1-based line number a difference report starts with (`name:N ...`).
fn diff_line(report: &str) -> Option<usize> {
    report.split_once(':')?.1.split_once(' ')?.0.parse().ok()
}

/// A shorter stream that may still fail: the lines that touch the failing
/// line's keys, and the connection-state commands (MULTI, EXEC, READONLY...)
/// on its port.
fn shorten(lines: &[String], failing: usize) -> Vec<String> {
    let words = |l: &str| -> Vec<String> { l.split(' ').map(str::to_string).collect() };
    let target = &lines[failing];
    let port = target.split(' ').next().unwrap_or_default().to_string();
    let keys: Vec<String> = words(target)
        .into_iter()
        .skip(2)
        .filter(|w| !w.chars().all(|c| c.is_ascii_uppercase()))
        .collect();
    lines[..=failing]
        .iter()
        .filter(|l| {
            let w = words(l);
            let state = w.len() == 2
                && w[0] == port
                && matches!(
                    w[1].as_str(),
                    "MULTI" | "EXEC" | "DISCARD" | "READONLY" | "READWRITE"
                );
            state || w.iter().skip(2).any(|x| keys.contains(x)) || l.as_str() == target
        })
        .cloned()
        .collect()
}

/// Seeded random streams of commands of every simulated group, good and
/// bad, against a fresh real cluster and the simulator, reply by reply. On
/// a difference: the seed, the first failing line, and a shortened prefix
/// that still fails (replayed on another fresh cluster to make sure).
#[test]
fn random_streams_match_real_redis() {
    let _only = exclusive();
    let (seeds, n) = stream_settings();
    let mut failures = Vec::new();
    let mut total = 0;
    for seed in seeds {
        let Some(mut real) = RealCluster::start() else {
            return;
        };
        let lines = stream_gen::Gen::new(seed).stream(n);
        // SLOTSCOPE_PRINT_STREAM=1: the generated lines, numbered, to read a failure.
        if std::env::var("SLOTSCOPE_PRINT_STREAM").is_ok() {
            for (i, l) in lines.iter().enumerate() {
                eprintln!("{}: {l}", i + 1);
            }
        }
        let name = format!("seed-{seed}");
        let (compared, diffs) = play(&name, &lines.join("\n"), &mut real);
        drop(real);
        total += compared;
        eprintln!(
            "random stream seed {seed}: {compared} replies compared, {} differ",
            diffs.len()
        );
        let Some(first) = diffs.first() else {
            continue;
        };
        let at = diff_line(first).unwrap_or(lines.len()) - 1;
        let short = shorten(&lines, at);
        let confirmed = RealCluster::start()
            .is_some_and(|mut again| !play(&name, &short.join("\n"), &mut again).1.is_empty());
        let prefix = if confirmed {
            format!(
                "shortened prefix ({} lines, still failing):\n{}",
                short.len(),
                short.join("\n")
            )
        } else {
            let from = at.saturating_sub(30);
            format!("last lines before it:\n{}", lines[from..=at].join("\n"))
        };
        failures.push(format!(
            "seed {seed}: {} of {compared} replies differ; first:\n{first}\n{prefix}\n(replay: SLOTSCOPE_SEEDS={seed} SLOTSCOPE_N={n} make differential)",
            diffs.len()
        ));
    }
    assert!(total > 0 || std::env::var("SLOTSCOPE_REQUIRE_REDIS").is_err());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The console's `help`, `help <command>` and `help @<group>` print what
/// redis-cli 7.0 prints (it answers them itself, from COMMAND DOCS), colour
/// escapes and carriage returns aside.
#[test]
fn help_matches_redis_cli() {
    let _only = exclusive();
    let Some(real) = RealCluster::start() else {
        return;
    };
    let groups = [
        "@generic",
        "@string",
        "@list",
        "@set",
        "@sorted-set",
        "@hash",
        "@pubsub",
        "@transactions",
        "@connection",
        "@server",
        "@scripting",
        "@hyperloglog",
        "@cluster",
        "@geo",
        "@stream",
        "@bitmap",
    ];
    let mut topics: Vec<Vec<&str>> = vec![vec![]];
    topics.extend(groups.iter().map(|g| vec![*g]));
    for t in [
        "set",
        "GET",
        "cluster",
        "cluster setslot",
        "client kill",
        "migrate",
        "xadd",
        "nosuch",
        "config get",
        "zadd",
    ] {
        topics.push(t.split(' ').collect());
    }
    let strip = |text: &str| -> String {
        let mut out = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                for d in chars.by_ref() {
                    if d == 'm' {
                        break;
                    }
                }
            } else if c != '\r' {
                out.push(c);
            }
        }
        out
    };
    let mut diffs = Vec::new();
    for topic in &topics {
        let output = Command::new("redis-cli")
            .arg("-p")
            .arg(real.base.to_string())
            .arg("help")
            .args(topic)
            .output()
            .expect("redis-cli");
        let theirs = strip(&String::from_utf8_lossy(&output.stdout));
        let argv: Vec<Vec<u8>> = topic.iter().map(|w| w.as_bytes().to_vec()).collect();
        let ours = slotscope_sim::help::help(&argv).join("\n") + "\n";
        if theirs != ours {
            let line = theirs
                .lines()
                .zip(ours.lines())
                .find(|(a, b)| a != b)
                .map(|(a, b)| format!("real: {a:?}\n    ours: {b:?}"))
                .unwrap_or_else(|| format!("lengths {} vs {}", theirs.len(), ours.len()));
            diffs.push(format!("help {}: {line}", topic.join(" ")));
        }
    }
    eprintln!(
        "help: {} topics compared with redis-cli, {} differ",
        topics.len(),
        diffs.len()
    );
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}
