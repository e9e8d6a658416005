//! `slotscope-cli`: the simulated cluster from a terminal, for engineers and
//! tests. Reads one command per line (redis-cli syntax) from a file or stdin
//! and prints each reply exactly as redis-cli prints it, nothing else.
//!
//!     slotscope-cli [--seed N] [--masters N] [--replicas N] [-c] [FILE]
//!     slotscope-cli --check-tour FILE   (checks a guided tour: see tour.rs)
//!
//! A line may start with `@PORT ` to send it to 127.0.0.1:PORT; otherwise it
//! goes to the node used last (7000 at start). Each port keeps one connection
//! for the whole run, so READONLY, MULTI and ASKING carry over as in one
//! redis-cli session per node. With `-c`, MOVED and ASK are followed as
//! `redis-cli -c` follows them: a note `-> Redirected to slot [S] located at
//! IP:PORT`, a fresh connection to that node (ASKING first for ASK), and later
//! lines go there. Blank lines and lines starting with `#` are skipped.
//! `${id:PORT}` in a line stands for the ID of the node on PORT, so scripts
//! can name nodes whose IDs depend on the seed.
//!
//! The cluster lives in simulated time (`--node-timeout MS`, 15000 by
//! default as in Redis). Between two commands a millisecond passes, as a
//! loopback round trip would. Lines starting with `:` drive time and faults
//! and print nothing:
//!
//!     :advance MS              let MS milliseconds of simulated time pass
//!     :kill PORT               kill -9 the node
//!     :restart PORT            start it again (same nodes.conf, empty data)
//!     :pause PORT MS           SIGSTOP it for MS milliseconds
//!     :partition P,P.. [P,P..] cut the listed groups of nodes off from each
//!                              other and from the nodes not listed
//!     :heal                    end every partition
//!
//! Input errors go to stderr with their line number.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use slotscope_sim::client::RedisCli;
use slotscope_sim::command::parse::split_args;
use slotscope_sim::Cluster;

struct Options {
    seed: u64,
    node_timeout: u64,
    masters: usize,
    replicas: usize,
    follow: bool,
    file: Option<String>,
}

fn parse_options() -> Result<Options, String> {
    let mut o = Options {
        seed: 1,
        node_timeout: 15_000,
        masters: 3,
        replicas: 1,
        follow: false,
        file: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut number = |name: &str| -> Result<u64, String> {
            let v = args.next().ok_or_else(|| format!("{name} needs a value"))?;
            v.parse()
                .map_err(|_| format!("{name}: '{v}' is not a number"))
        };
        match a.as_str() {
            "--seed" => o.seed = number("--seed")?,
            "--node-timeout" => o.node_timeout = number("--node-timeout")?.max(1),
            "--masters" => o.masters = number("--masters")? as usize,
            "--replicas" => o.replicas = number("--replicas")? as usize,
            "-c" => o.follow = true,
            "-h" | "--help" => {
                return Err(
                    "usage: slotscope-cli [--seed N] [--masters N] [--replicas N] [--node-timeout MS] [-c] [FILE]"
                        .into(),
                )
            }
            _ if o.file.is_none() && !a.starts_with('-') => o.file = Some(a),
            _ => return Err(format!("unknown option '{a}' (try --help)")),
        }
    }
    if o.masters < 3 {
        return Err(format!(
            "--masters {}: Redis Cluster requires at least 3 master nodes",
            o.masters
        ));
    }
    Ok(o)
}

/// Replaces each `${id:PORT}` with the ID of the node on PORT.
fn expand_ids(text: &[u8], cluster: &Cluster) -> Result<Vec<u8>, String> {
    const OPEN: &[u8] = b"${id:";
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.windows(OPEN.len()).position(|w| w == OPEN) {
        out.extend_from_slice(&rest[..at]);
        let after = &rest[at + OPEN.len()..];
        let close = after
            .iter()
            .position(|&b| b == b'}')
            .ok_or("unclosed ${id:PORT}")?;
        let port = String::from_utf8_lossy(&after[..close]).into_owned();
        let node = port
            .parse::<u16>()
            .ok()
            .and_then(|p| cluster.node_by_port(p))
            .ok_or_else(|| format!("${{id:{port}}}: no node listens on that port"))?;
        out.extend_from_slice(cluster.nodes[node].id.as_bytes());
        rest = &after[close + 1..];
    }
    out.extend_from_slice(rest);
    Ok(out)
}

/// The longest `:advance` or `:pause`, ms.
const MAX_MS: u64 = 86_400_000;

/// Runs a `:` line (time and faults); an error says what is wrong with it.
fn run_directive(cluster: &mut Cluster, line: &str) -> Result<(), String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let node = |port: &str| -> Result<usize, String> {
        port.parse::<u16>()
            .ok()
            .and_then(|p| cluster.node_by_port(p))
            .ok_or_else(|| format!("no node listens on port '{port}'"))
    };
    let ms = |v: &str| -> Result<u64, String> {
        // At most a simulated day per line: more would keep a large
        // cluster busy for a long time with nothing to show for it.
        match v.parse::<u64>() {
            Ok(m) if m <= MAX_MS => Ok(m),
            Ok(_) => Err(format!("'{v}': at most {MAX_MS} ms (one day) per line")),
            Err(_) => Err(format!("'{v}' is not a number of milliseconds")),
        }
    };
    match words.as_slice() {
        [":advance", t] => cluster.advance(ms(t)?),
        [":kill", p] => {
            let n = node(p)?;
            cluster.kill(n);
        }
        [":restart", p] => {
            let n = node(p)?;
            cluster.restart(n);
        }
        [":pause", p, t] => {
            let (n, t) = (node(p)?, ms(t)?);
            cluster.pause(n, t);
        }
        [":partition", groups @ ..] if !groups.is_empty() => {
            let mut sets = Vec::new();
            for g in groups {
                sets.push(g.split(',').map(node).collect::<Result<Vec<_>, _>>()?);
            }
            cluster.partition(&sets);
        }
        [":heal"] => cluster.heal(),
        _ => {
            return Err(format!(
                "unknown or malformed directive '{line}' (:advance MS, :kill PORT, :restart PORT, :pause PORT MS, :partition PORT[,PORT...], :heal)"
            ))
        }
    }
    Ok(())
}

/// `--check-tour FILE`: parses a tour, plays it, proves its challenges.
fn check_tour(path: &str) -> ExitCode {
    let text = match std::fs::read(path) {
        Ok(bytes) if bytes.len() > slotscope_sim::tour::MAX_TOUR_BYTES => {
            eprintln!(
                "{path}: the file is over {} KiB",
                slotscope_sim::tour::MAX_TOUR_BYTES / 1024
            );
            return ExitCode::from(1);
        }
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => {
                eprintln!("{path}: not UTF-8 text");
                return ExitCode::from(1);
            }
        },
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(1);
        }
    };
    let checked = slotscope_sim::tour::parse(&text)
        .and_then(|tour| slotscope_sim::tour::check(&tour, 1).map(|r| (tour, r)));
    match checked {
        Ok((tour, report)) => {
            // A closed pipe (`| head`) is not an error worth a panic.
            let mut out = io::stdout().lock();
            let _ = writeln!(
                out,
                "{path}: tour '{}' ({} steps) is valid",
                tour.id,
                tour.steps.len()
            );
            for line in report {
                let _ = writeln!(out, "  {line}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{path}: {e}");
            ExitCode::from(1)
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--check-tour") {
        let Some(path) = args.get(2) else {
            eprintln!("slotscope-cli: --check-tour needs a FILE");
            return ExitCode::from(2);
        };
        return check_tour(path);
    }
    let options = match parse_options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("slotscope-cli: {e}");
            return ExitCode::from(2);
        }
    };
    let cluster = match Cluster::create(options.masters, options.replicas, options.seed) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("slotscope-cli: {e}");
            return ExitCode::from(2);
        }
    };
    let input: Box<dyn BufRead> = match &options.file {
        None => Box::new(io::stdin().lock()),
        Some(path) => match std::fs::File::open(path) {
            Ok(f) => Box::new(io::BufReader::new(f)),
            Err(e) => {
                eprintln!("slotscope-cli: {path}: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let mut cluster = cluster;
    cluster.set_config(|c| c.node_timeout = options.node_timeout);
    let mut cli = RedisCli::new(0, options.follow);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut input_errors = 0;
    for (n, line) in input.split(b'\n').enumerate() {
        let lineno = n + 1;
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                eprintln!("slotscope-cli: reading input: {e}");
                return ExitCode::from(2);
            }
        };
        let mut text: &[u8] = line.strip_suffix(b"\r").unwrap_or(&line);
        let trimmed = text.trim_ascii_start();
        if trimmed.is_empty() || trimmed.starts_with(b"#") {
            continue;
        }
        if trimmed.starts_with(b":") {
            let directive = String::from_utf8_lossy(trimmed);
            if let Err(e) = run_directive(&mut cluster, directive.trim_end()) {
                eprintln!("line {lineno}: {e}");
                input_errors += 1;
            }
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix(b"@") {
            let (port, cmd) = rest.split_at(
                rest.iter()
                    .position(|b| b.is_ascii_whitespace())
                    .unwrap_or(rest.len()),
            );
            let node = std::str::from_utf8(port)
                .ok()
                .and_then(|p| p.parse::<u16>().ok())
                .and_then(|p| cluster.node_by_port(p));
            match node {
                Some(node) => cli.current = node,
                None => {
                    eprintln!(
                        "line {lineno}: no node listens on port '{}'",
                        String::from_utf8_lossy(port)
                    );
                    input_errors += 1;
                    continue;
                }
            }
            text = cmd;
        }
        let expanded = match expand_ids(text, &cluster) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("line {lineno}: {e}");
                input_errors += 1;
                continue;
            }
        };
        let argv = match split_args(&expanded) {
            Ok(a) if a.is_empty() => continue,
            Ok(a) => a,
            Err(e) => {
                eprintln!("line {lineno}: {e}");
                input_errors += 1;
                continue;
            }
        };
        let outcome = cli.send(&mut cluster, &argv);
        // A loopback round trip: about a millisecond of simulated time.
        cluster.advance(1);
        for printed in outcome.printed {
            if writeln!(out, "{printed}").is_err() {
                return ExitCode::from(1);
            }
        }
    }
    if input_errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
