//! No input may make the core panic (a panic in WebAssembly kills the page):
//! thousands of random, malformed and hostile commands, on random nodes and
//! connections, in and out of MULTI, with random protocol switches. Every
//! reply must be a well-formed value that redis-cli rendering accepts.

use slotscope_sim::command::parse::split_args;
use slotscope_sim::command::table::COMMANDS;
use slotscope_sim::render::render_for;
use slotscope_sim::rng::Rng;
use slotscope_sim::{Cluster, Protocol};

const WORDS: &[&str] = &[
    "",
    "0",
    "1",
    "-1",
    "2",
    "3",
    "16383",
    "16384",
    "99999999999999999999",
    "-9223372036854775808",
    "9223372036854775807",
    "1.5",
    "nan",
    "inf",
    "-inf",
    "abc",
    "foo",
    "bar",
    "{user:1001}:a",
    "{",
    "}",
    "{}",
    "a{b}c",
    "\u{1F680}",
    "EX",
    "PX",
    "NX",
    "XX",
    "GET",
    "KEEPTTL",
    "EXAT",
    "PXAT",
    "GT",
    "LT",
    "CH",
    "INCR",
    "WITHSCORES",
    "REV",
    "MATCH",
    "COUNT",
    "TYPE",
    "KEYS",
    "COPY",
    "REPLACE",
    "AUTH",
    "AUTH2",
    "IMPORTING",
    "MIGRATING",
    "STABLE",
    "NODE",
    "127.0.0.1",
    "7000",
    "7001",
    "7002",
    "7005",
    "*",
    "?",
    "[",
    "[a-",
    "\\",
    "key:*",
    "ASYNC",
    "SYNC",
    "FORCE",
    "TAKEOVER",
    "HARD",
    "SOFT",
];

fn word(rng: &mut Rng, ids: &[String]) -> Vec<u8> {
    match rng.below(10) {
        0 => ids[rng.below(ids.len() as u64) as usize]
            .clone()
            .into_bytes(),
        1 => (0..rng.below(300)).map(|_| rng.below(256) as u8).collect(),
        _ => WORDS[rng.below(WORDS.len() as u64) as usize]
            .as_bytes()
            .to_vec(),
    }
}

fn random_argv(rng: &mut Rng, ids: &[String]) -> Vec<Vec<u8>> {
    let mut argv = Vec::new();
    let spec = &COMMANDS[rng.below(COMMANDS.len() as u64) as usize];
    match rng.below(12) {
        0 => argv.push(word(rng, ids)),
        1 => argv.push(spec.name.to_ascii_uppercase().into_bytes()),
        _ => argv.push(spec.name.as_bytes().to_vec()),
    }
    if !spec.subcommands.is_empty() && rng.below(6) != 0 {
        let sub = &spec.subcommands[rng.below(spec.subcommands.len() as u64) as usize];
        argv.push(sub.name.rsplit('|').next().unwrap().as_bytes().to_vec());
    }
    for _ in 0..rng.below(7) {
        argv.push(word(rng, ids));
    }
    argv
}

#[test]
fn random_commands_never_panic() {
    for seed in 0..12u64 {
        let mut rng = Rng::new(seed);
        let mut cluster = Cluster::create(3, 1, seed).unwrap();
        let ids: Vec<String> = cluster.nodes.iter().map(|n| n.id.clone()).collect();
        let mut conns: Vec<usize> = (0..cluster.nodes.len())
            .map(|n| cluster.connect(n))
            .collect();
        for _ in 0..2500 {
            let argv = random_argv(&mut rng, &ids);
            let c = conns[rng.below(conns.len() as u64) as usize];
            let reply = cluster.execute(c, &argv);
            for proto in [Protocol::Resp2, Protocol::Resp3] {
                let _ = reply.encode(proto);
                let _ = render_for(&argv, &reply, proto);
            }
            cluster.advance(rng.below(2000));
            if rng.below(200) == 0 {
                // A fresh connection now and then.
                let node = rng.below(cluster.nodes.len() as u64) as usize;
                conns[node] = cluster.connect(node);
            }
        }
    }
}

#[test]
fn malformed_lines_are_errors_not_panics() {
    let lines: &[&[u8]] = &[
        b"\"unterminated",
        b"'single",
        b"\"a\"b",
        b"\"\\x\"",
        b"\"\\xZZ\\",
        b"\"\\",
        b"\xff\xfe\x00 \"\\x00\"",
        b"    ",
    ];
    for line in lines {
        let _ = split_args(line);
    }
    let mut rng = Rng::new(99);
    for _ in 0..20_000 {
        const ALPHABET: &[u8] = b" \"'\\xaz{}\t\n0";
        let line: Vec<u8> = (0..rng.below(40))
            .map(|_| ALPHABET[rng.below(ALPHABET.len() as u64) as usize])
            .collect();
        let _ = split_args(&line);
    }
}

#[test]
fn empty_argv_is_an_error() {
    let mut cluster = Cluster::create(3, 1, 1).unwrap();
    let c = cluster.connect(0);
    assert!(cluster.execute(c, &[]).is_error());
}
