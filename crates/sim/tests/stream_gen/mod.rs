//! Seeded random command streams for the differential test: good and bad
//! commands of every simulated group — strings, bitmaps, lists, hashes,
//! sets, sorted sets, HyperLogLog, geo, generic keyspace, blocking pops,
//! transactions, scripts, pub/sub — sent to the
//! right master, a wrong master, or a replica with and without READONLY,
//! with wrong types, wrong arity and cross-slot keys. Each line is
//! slotscope-cli input (`@PORT command`), as the hand-written scenarios.
//!
//! What a real server answers at random (SPOP, RANDOMKEY...) or by its
//! wall clock (TTL near a second's edge, OBJECT IDLETIME) is left out; a
//! replica is read only for keys not written in the last few commands, so
//! that loopback replication has arrived on the real side too.

use slotscope_sim::slot::key_hash_slot;

/// xorshift64*: small, seeded, and the same on every machine.
pub struct Gen {
    state: u64,
}

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        }
    }

    fn next(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Keys: three hash tags (so multi-key commands often share a slot) and
/// plain keys spread over the three masters.
const KEYS: &[&str] = &[
    "{u}a", "{u}b", "{u}c", "{b}x", "{b}y", "{q}1", "{q}2", "foo", "bar", "k1", "k2", "k3",
    "user:1", "n",
];
const VALUES: &[&str] = &["v", "hello", "0", "1", "42", "-7", "3.5", "", "x y", "100"];
const INTS: &[&str] = &["0", "1", "2", "-1", "-2", "3", "5", "10", "x", "-100"];
const FIELDS: &[&str] = &["f", "g", "h", "1"];
const MEMBERS: &[&str] = &["a", "b", "c", "1", "2", "10"];
const SCORES: &[&str] = &["1", "2", "2.5", "-1", "0", "inf", "-inf", "(1", "nan", "x"];
const LEX: &[&str] = &["-", "+", "[a", "(b", "[c", "a"];

/// Which master serves a key on the default 3-master layout.
fn master_port(key: &str) -> u16 {
    match key_hash_slot(key.as_bytes()) {
        0..=5460 => 7000,
        5461..=10922 => 7001,
        _ => 7002,
    }
}

fn quote(arg: &str) -> String {
    if arg.is_empty() || arg.contains(' ') {
        format!("\"{arg}\"")
    } else {
        arg.to_string()
    }
}

/// One command with its key(s): the words, and whether it writes.
struct Cmd {
    words: Vec<String>,
    keys: Vec<String>,
    write: bool,
}

/// `!OPT ARGS` is an option (split into words), `!` alone no option.
fn cmd(words: &[&str], keys: &[&str], write: bool) -> Cmd {
    let mut out = Vec::new();
    for w in words {
        match w.strip_prefix('!') {
            Some(option) => out.extend(option.split_whitespace().map(str::to_string)),
            None => out.push(quote(w)),
        }
    }
    Cmd {
        words: out,
        keys: keys.iter().map(|k| k.to_string()).collect(),
        write,
    }
}

impl Gen {
    fn key(&mut self) -> &'static str {
        self.pick(KEYS)
    }

    /// A second key: half the time one of the same hash tag.
    fn key2(&mut self, first: &str) -> &'static str {
        if self.chance(50) {
            if let Some(tag_end) = first.find('}') {
                let tag = &first[..=tag_end];
                let same: Vec<&'static str> = KEYS
                    .iter()
                    .copied()
                    .filter(|k| k.starts_with(tag))
                    .collect();
                return self.pick(&same);
            }
        }
        self.key()
    }

    fn command(&mut self) -> Cmd {
        let k = self.key();
        let k2 = self.key2(k);
        let v = self.pick(VALUES);
        let i = self.pick(INTS);
        let j = self.pick(INTS);
        let f = self.pick(FIELDS);
        let m = self.pick(MEMBERS);
        let s = self.pick(SCORES);
        let s2 = self.pick(SCORES);
        let l1 = self.pick(LEX);
        let l2 = self.pick(LEX);
        let h = self.pick(&["{h}1", "{h}2", "{h}3"]);
        let h2 = self.pick(&["{h}1", "{h}2", "{h}3"]);
        let e = self.pick(&["a", "b", "c", "d", "hello", "1", "2", "x y"]);
        let g = self.pick(&["{g}1", "{g}2"]);
        let lon = self.pick(&["13.361389", "15.087269", "-122.4", "0", "181", "x"]);
        let lat = self.pick(&["38.115556", "37.502669", "37.77", "0", "86", "-85.05"]);
        let place = self.pick(&["Palermo", "Catania", "SF", "Zero"]);
        let place2 = self.pick(&["Palermo", "Catania", "SF", "Zero", "None"]);
        let x = self.pick(&["{x}1", "{x}2"]);
        let id = self.pick(&["1-1", "2", "3-*", "5-0", "7-2", "0-1", "9-9", "x"]);
        let id2 = self.pick(&["-", "+", "3", "(2-0", "5-0", "9"]);
        match self.below(84) {
            // strings and bitmaps
            0 => cmd(&["SET", k, v], &[k], true),
            1 => cmd(&["GET", k], &[k], false),
            2 => cmd(&["INCR", k], &[k], true),
            3 => cmd(&["INCRBY", k, i], &[k], true),
            4 => cmd(&["APPEND", k, v], &[k], true),
            5 => cmd(&["STRLEN", k], &[k], false),
            6 => cmd(&["GETRANGE", k, i, j], &[k], false),
            7 => cmd(&["SETRANGE", k, i, v], &[k], true),
            8 => cmd(&["MSET", k, v, k2, v], &[k, k2], true),
            9 => cmd(&["MGET", k, k2], &[k, k2], false),
            10 => cmd(&["GETDEL", k], &[k], true),
            11 => cmd(&["SETNX", k, v], &[k], true),
            12 => cmd(
                &["INCRBYFLOAT", k, self.pick(&["0.5", "1.25", "-2", "x"])],
                &[k],
                true,
            ),
            13 => cmd(
                &[
                    "SETBIT",
                    k,
                    self.pick(&["0", "7", "9", "-1"]),
                    self.pick(&["0", "1", "2"]),
                ],
                &[k],
                true,
            ),
            14 => cmd(&["BITCOUNT", k], &[k], false),
            15 => cmd(
                &[
                    "GETEX",
                    k,
                    self.pick(&["!PERSIST", "!EX", "!PX 100000", "!EX 0"]),
                ],
                &[k],
                true,
            ),
            // generic keyspace
            16 => cmd(&["DEL", k, k2], &[k, k2], true),
            17 => cmd(&["EXISTS", k, k2], &[k, k2], false),
            18 => cmd(&["TYPE", k], &[k], false),
            19 => cmd(
                &[
                    "EXPIRE",
                    k,
                    self.pick(&["100", "0", "-1", "x"]),
                    self.pick(&["!", "!NX", "!XX", "!GT", "!LT"]),
                ],
                &[k],
                true,
            ),
            20 => cmd(&["TTL", k], &[k], false),
            21 => cmd(&["PERSIST", k], &[k], true),
            22 => cmd(&["RENAME", k, k2], &[k, k2], true),
            23 => cmd(
                &["COPY", k, k2, self.pick(&["!", "!REPLACE"])],
                &[k, k2],
                true,
            ),
            24 => cmd(&["UNLINK", k], &[k], true),
            25 => cmd(&["TOUCH", k, k2], &[k, k2], false),
            // lists
            26 => cmd(&["RPUSH", k, m, v], &[k], true),
            27 => cmd(&["LPUSH", k, m], &[k], true),
            28 => cmd(&["LPOP", k, self.pick(&["!", "!2"])], &[k], true),
            29 => cmd(&["LRANGE", k, i, j], &[k], false),
            30 => cmd(&["LINDEX", k, i], &[k], false),
            31 => cmd(&["LREM", k, i, m], &[k], true),
            32 => cmd(
                &[
                    "LMOVE",
                    k,
                    k2,
                    self.pick(&["LEFT", "RIGHT"]),
                    self.pick(&["LEFT", "RIGHT", "UP"]),
                ],
                &[k, k2],
                true,
            ),
            33 => cmd(
                &["LPOS", k, m, self.pick(&["!", "!RANK -1", "!COUNT 0"])],
                &[k],
                false,
            ),
            34 => cmd(&["LTRIM", k, i, j], &[k], true),
            // hashes
            35 => cmd(&["HSET", k, f, v], &[k], true),
            36 => cmd(&["HGET", k, f], &[k], false),
            37 => cmd(&["HGETALL", k], &[k], false),
            38 => cmd(&["HINCRBY", k, f, i], &[k], true),
            39 => cmd(&["HDEL", k, f], &[k], true),
            40 => cmd(&["HLEN", k], &[k], false),
            41 => cmd(&["HSETNX", k, f, v], &[k], true),
            // sets
            42 => cmd(&["SADD", k, m, self.pick(MEMBERS)], &[k], true),
            43 => cmd(&["SREM", k, m], &[k], true),
            44 => cmd(&["SMEMBERS", k], &[k], false),
            45 => cmd(&["SISMEMBER", k, m], &[k], false),
            46 => cmd(&["SCARD", k], &[k], false),
            47 => cmd(&["SINTER", k, k2], &[k, k2], false),
            48 => cmd(&["SUNIONSTORE", k, k, k2], &[k, k2], true),
            // sorted sets
            49 => cmd(
                &[
                    "ZADD",
                    k,
                    self.pick(&["!", "!NX", "!XX", "!GT", "!CH"]),
                    s,
                    m,
                ],
                &[k],
                true,
            ),
            50 => cmd(
                &["ZRANGE", k, i, j, self.pick(&["!", "!WITHSCORES", "!REV"])],
                &[k],
                false,
            ),
            51 => cmd(
                &[
                    "ZRANGE",
                    k,
                    s,
                    s2,
                    "BYSCORE",
                    self.pick(&["!", "!LIMIT 0 2", "!WITHSCORES"]),
                ],
                &[k],
                false,
            ),
            52 => cmd(&["ZRANGEBYLEX", k, l1, l2], &[k], false),
            53 => cmd(&["ZINCRBY", k, s, m], &[k], true),
            54 => cmd(&["ZREM", k, m], &[k], true),
            55 => cmd(&["ZRANK", k, m], &[k], false),
            56 => cmd(&["ZCOUNT", k, s, s2], &[k], false),
            57 => cmd(&["ZPOPMIN", k, self.pick(&["!", "!2"])], &[k], true),
            58 => cmd(
                &[
                    "ZUNIONSTORE",
                    k,
                    "2",
                    k,
                    k2,
                    self.pick(&["!", "!AGGREGATE MAX", "!WEIGHTS 2 1"]),
                ],
                &[k, k2],
                true,
            ),
            59 => cmd(&["ZSCORE", k, m], &[k], false),
            // scripts
            60 => cmd(
                &[
                    "EVAL",
                    self.pick(&[
                        "return redis.call('get', KEYS[1])",
                        "return redis.call('set', KEYS[1], ARGV[1])",
                        "return redis.call('incr', KEYS[1])",
                        "return redis.pcall('lpush', KEYS[1], ARGV[1])",
                        "return redis.call('get', 'foo')",
                    ]),
                    "1",
                    k,
                    v,
                ],
                &[k],
                true,
            ),
            // blocking, with timeouts short enough to wait out
            61 => cmd(
                &["BLPOP", k, self.pick(&["0.01", "0.02", "x", "-1"])],
                &[k],
                true,
            ),
            62 => cmd(&["BRPOP", k, k2, "0.01"], &[k, k2], true),
            63 => cmd(&["BLMOVE", k, k2, "LEFT", "RIGHT", "0.01"], &[k, k2], true),
            64 => cmd(&["BZPOPMIN", k, "0.01"], &[k], true),
            // HyperLogLog, on keys of their own (a real server keeps small
            // ones sparse: their bytes are not compared)
            65 => cmd(&["PFADD", h, e, self.pick(MEMBERS)], &[h], true),
            66 => cmd(&["PFCOUNT", h, h2], &[h, h2], false),
            67 => cmd(&["PFMERGE", h, h2], &[h, h2], true),
            68 => cmd(&["PFADD", h], &[h], true),
            // geo, on keys of their own
            69 => cmd(
                &[
                    "GEOADD",
                    g,
                    self.pick(&["!", "!NX", "!XX CH"]),
                    lon,
                    lat,
                    place,
                ],
                &[g],
                true,
            ),
            70 => cmd(&["GEOPOS", g, place, place2], &[g], false),
            71 => cmd(
                &[
                    "GEODIST",
                    g,
                    place,
                    place2,
                    self.pick(&["!", "!km", "!mi", "!yd"]),
                ],
                &[g],
                false,
            ),
            72 => cmd(&["GEOHASH", g, place, place2], &[g], false),
            // streams, on keys of their own, with explicit IDs (`*` reads
            // the clock)
            73 => cmd(
                &[
                    "XADD",
                    x,
                    self.pick(&["!", "!MAXLEN 3", "!MAXLEN ~ 2", "!MINID 4", "!NOMKSTREAM"]),
                    id,
                    f,
                    v,
                ],
                &[x],
                true,
            ),
            74 => cmd(
                &["XRANGE", x, id2, self.pick(&["+", "5", "(9-9"])],
                &[x],
                false,
            ),
            75 => cmd(&["XREVRANGE", x, "+", id2, "COUNT", "2"], &[x], false),
            76 => cmd(&["XDEL", x, id], &[x], true),
            77 => cmd(&["XLEN", x], &[x], false),
            78 => cmd(
                &[
                    "XTRIM",
                    x,
                    self.pick(&["MAXLEN", "MINID"]),
                    self.pick(&["1", "3", "5-0"]),
                ],
                &[x],
                true,
            ),
            79 => cmd(
                &[
                    "XREAD",
                    "COUNT",
                    "2",
                    "STREAMS",
                    x,
                    self.pick(&["0", "3", "$"]),
                ],
                &[x],
                false,
            ),
            80 => cmd(&["XINFO", "STREAM", x], &[x], false),
            81 => cmd(
                &[
                    "GEOSEARCH",
                    g,
                    self.pick(&[
                        "!FROMMEMBER Palermo",
                        "!FROMLONLAT 15 37",
                        "!FROMLONLAT 0 0",
                    ]),
                    self.pick(&["!BYRADIUS 200 km", "!BYBOX 400 300 km", "!BYRADIUS 0 m"]),
                    self.pick(&[
                        "!",
                        "!ASC",
                        "!DESC WITHDIST",
                        "!COUNT 1",
                        "!COUNT 1 ANY WITHCOORD",
                    ]),
                ],
                &[g],
                false,
            ),
            82 => cmd(
                &[
                    "GEORADIUS",
                    g,
                    lon,
                    lat,
                    self.pick(&["100", "500", "-1"]),
                    "km",
                    self.pick(&["!", "!WITHDIST ASC", "!STORE {g}2"]),
                ],
                &[g],
                true,
            ),
            // The RDB payload of a stream: its nodes' listpacks byte for byte.
            83 => cmd(&["DUMP", x], &[x], false),
            // arity errors
            _ => cmd(
                &[
                    self.pick(&["SET", "GET", "HSET", "ZADD", "LPUSH", "EXPIRE", "MSET"]),
                    k,
                ],
                &[k],
                false,
            ),
        }
    }

    /// A stream of `n` lines.
    pub fn stream(&mut self, n: usize) -> Vec<String> {
        let mut lines = Vec::new();
        let mut written: Vec<(usize, String)> = Vec::new();
        let mut readonly = [false; 3];
        while lines.len() < n {
            // A transaction now and then: MULTI, commands, EXEC or DISCARD.
            if self.chance(4) {
                let port = 7000 + self.below(3) as u16;
                lines.push(format!("@{port} MULTI"));
                for _ in 0..1 + self.below(3) {
                    let c = self.command();
                    written.extend(c.keys.iter().map(|k| (lines.len(), k.clone())));
                    lines.push(format!("@{port} {}", c.words.join(" ")));
                }
                let end = if self.chance(85) { "EXEC" } else { "DISCARD" };
                lines.push(format!("@{port} {end}"));
                continue;
            }
            // Pub/sub now and then: a subscriber on one node, a publisher on
            // another, the message read, the subscription dropped.
            if self.chance(2) {
                let (sub, publ) = (7000 + self.below(6) as u16, 7000 + self.below(6) as u16);
                let ch = self.pick(&["news", "sport"]);
                lines.push(format!("@{sub} SUBSCRIBE {ch} other"));
                lines.push(format!(
                    "@{publ} PUBLISH {ch} {}",
                    self.pick(VALUES).replace(' ', "_")
                ));
                lines.push(format!("@{sub} PING"));
                lines.push(format!("@{sub} GET foo"));
                lines.push(format!("@{sub} UNSUBSCRIBE"));
                continue;
            }
            let c = self.command();
            let own = master_port(&c.keys[0]);
            let port = match self.below(100) {
                0..=74 => own,
                75..=84 => 7000 + self.below(3) as u16,
                // A replica of the key's master (7003 follows 7000...).
                _ => {
                    let recent = written
                        .iter()
                        .rev()
                        .take_while(|(at, _)| lines.len() - at < 6)
                        .any(|(_, k)| c.keys.contains(k));
                    if recent || c.write {
                        own
                    } else {
                        let replica = own + 3;
                        let r = usize::from(replica - 7003);
                        if self.chance(30) {
                            let flag = if readonly[r] { "READWRITE" } else { "READONLY" };
                            readonly[r] = !readonly[r];
                            lines.push(format!("@{replica} {flag}"));
                        }
                        replica
                    }
                }
            };
            if c.write {
                written.extend(c.keys.iter().map(|k| (lines.len(), k.clone())));
            }
            lines.push(format!("@{port} {}", c.words.join(" ")));
        }
        lines
    }
}
