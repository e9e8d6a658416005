//! The console the UI shows: one client session bound to a client mode and
//! a node, fed one typed line at a time. It lives in the `Session`, beside
//! the world, so that its lines are recorded actions that replay exactly
//! when the timeline rebuilds an earlier moment — a smart client's slot
//! map, the node redis-cli moved to after a redirect, an open MULTI all
//! come back.

use crate::client::{Outcome, RedisCli, SmartClient};
use crate::cluster::{Cluster, NodeIdx};
use crate::command::parse::split_args;

/// How the console's client behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientMode {
    /// `redis-cli`: shows MOVED and ASK as errors.
    Raw,
    /// `redis-cli -c`: follows MOVED and ASK, printing the redirect.
    Follow,
    /// A cluster-aware library (redis-py, Jedis): keeps a slot map and
    /// sends each command straight to the owner.
    Smart,
}

impl ClientMode {
    pub const ALL: [ClientMode; 3] = [ClientMode::Raw, ClientMode::Follow, ClientMode::Smart];

    /// How the mode is named where the user picks it.
    pub fn label(self) -> &'static str {
        match self {
            ClientMode::Raw => "redis-cli",
            ClientMode::Follow => "redis-cli -c",
            ClientMode::Smart => "smart client",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Console {
    pub mode: ClientMode,
    cli: RedisCli,
    /// Connected (CLUSTER SLOTS loaded) on its first command.
    smart: Option<SmartClient>,
}

impl Default for Console {
    fn default() -> Console {
        Console::new(ClientMode::Raw, 0)
    }
}

impl Console {
    pub fn new(mode: ClientMode, node: NodeIdx) -> Console {
        Console {
            mode,
            cli: RedisCli::new(node, mode == ClientMode::Follow),
            smart: None,
        }
    }

    /// The node the next command goes to (for the smart client: its seed).
    pub fn node(&self) -> NodeIdx {
        match (&self.smart, self.mode) {
            (Some(s), ClientMode::Smart) => s.seed,
            _ => self.cli.current,
        }
    }

    /// Switches mode; the session starts afresh (as a new program would),
    /// on the node it was on.
    pub fn set_mode(&mut self, mode: ClientMode) {
        *self = Console::new(mode, self.node());
    }

    /// Points the session at another node (redis-cli `-p PORT`).
    pub fn set_node(&mut self, node: NodeIdx) {
        *self = Console::new(self.mode, node);
    }

    /// The prompt: redis-cli's (`127.0.0.1:7000>`, `127.0.0.1:7000(TX)>`,
    /// `not connected>`), or `smart>` for the library, which has no
    /// current node.
    pub fn prompt(&self, cluster: &Cluster) -> String {
        match self.mode {
            ClientMode::Smart => "smart>".into(),
            _ => self.cli.prompt(cluster),
        }
    }

    /// Runs one typed line. A blank line does nothing (as in redis-cli); a
    /// line that cannot be split prints redis-cli's complaint.
    pub fn run(&mut self, cluster: &mut Cluster, line: &str) -> Outcome {
        let argv = match split_args(line.as_bytes()) {
            Ok(argv) => argv,
            Err(e) => {
                return Outcome {
                    hops: Vec::new(),
                    printed: vec![e.to_string()],
                }
            }
        };
        if argv.is_empty() {
            return Outcome {
                hops: Vec::new(),
                printed: Vec::new(),
            };
        }
        // redis-cli answers `help` (and `?`) itself, from COMMAND DOCS.
        if argv[0].eq_ignore_ascii_case(b"help") || argv[0] == b"?" {
            return Outcome {
                hops: Vec::new(),
                printed: crate::help::help(&argv[1..]),
            };
        }
        let mut outcome = self.send(cluster, &argv);
        // Subscribed, redis-cli says it now reads messages; messages
        // published to this console's connections are printed as they are read.
        let name = argv[0].to_ascii_lowercase();
        if matches!(
            name.as_slice(),
            b"subscribe" | b"psubscribe" | b"ssubscribe"
        ) && !outcome.printed.iter().any(|p| p.starts_with("(error)"))
        {
            outcome
                .printed
                .insert(0, "Reading messages... (press Ctrl-C to quit)".into());
        }
        outcome.printed.extend(self.take_messages(cluster));
        outcome
    }

    /// Messages published to this console's connections since last read,
    /// as redis-cli prints them.
    pub fn take_messages(&mut self, cluster: &mut Cluster) -> Vec<String> {
        let mut conns = self.cli.connections();
        if let Some(smart) = &self.smart {
            conns.extend(smart.connections());
        }
        let mut printed = Vec::new();
        for c in conns {
            let proto = cluster.conns[c].proto;
            for message in std::mem::take(&mut cluster.conns[c].inbox) {
                printed.push(crate::render::render_tty(&message.as_seen(proto)));
            }
        }
        printed
    }

    fn send(&mut self, cluster: &mut Cluster, argv: &[Vec<u8>]) -> Outcome {
        match self.mode {
            ClientMode::Raw | ClientMode::Follow => self.cli.send(cluster, argv),
            ClientMode::Smart => {
                let mut hops = Vec::new();
                if self.smart.is_none() {
                    let (client, first) = SmartClient::connect(cluster, self.cli.current);
                    hops = first;
                    self.smart = Some(client);
                }
                let client = self.smart.as_mut().expect("connected just above");
                let mut outcome = client.send(cluster, argv);
                hops.append(&mut outcome.hops);
                outcome.hops = hops;
                outcome
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_messages_reach_a_subscribed_console_over_the_bus() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        let mut listener = Console::new(ClientMode::Raw, 1);
        let out = listener.run(&mut c, "SUBSCRIBE news");
        assert_eq!(
            out.printed,
            [
                "Reading messages... (press Ctrl-C to quit)",
                "1) \"subscribe\"\n2) \"news\"\n3) (integer) 1"
            ]
        );
        let mut publisher = Console::new(ClientMode::Raw, 0);
        assert_eq!(
            publisher.run(&mut c, "PUBLISH news hello").printed,
            ["(integer) 0"]
        );
        // The message crosses the bus from 7000 to 7001.
        let sent = c.trace.events.iter().any(|e| {
            matches!(
                e,
                crate::trace::TraceEvent::Sent {
                    kind: crate::bus::msg::MsgKind::Publish,
                    to: 1,
                    ..
                }
            )
        });
        assert!(sent, "a PUBLISH bus message to 7001");
        c.advance(50);
        assert_eq!(
            listener.take_messages(&mut c),
            ["1) \"message\"\n2) \"news\"\n3) \"hello\""]
        );
    }

    #[test]
    fn each_mode_answers_set_foo_bar_from_7000_as_its_client_would() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        let mut raw = Console::new(ClientMode::Raw, 0);
        let out = raw.run(&mut c, "SET foo bar");
        assert_eq!(out.printed, ["(error) MOVED 12182 127.0.0.1:7002"]);
        assert_eq!(out.hops.len(), 1);

        let mut follow = Console::new(ClientMode::Follow, 0);
        let out = follow.run(&mut c, "SET foo bar");
        assert_eq!(
            out.printed,
            [
                "-> Redirected to slot [12182] located at 127.0.0.1:7002",
                "OK"
            ]
        );
        assert_eq!(follow.prompt(&c), "127.0.0.1:7002>");

        let mut smart = Console::new(ClientMode::Smart, 0);
        let out = smart.run(&mut c, "SET foo bar");
        assert_eq!(out.printed, ["OK"]);
        // CLUSTER SLOTS once, then the command straight to its owner.
        let nodes: Vec<NodeIdx> = out.hops.iter().map(|h| h.node).collect();
        assert_eq!(nodes, [0, 2]);
        let out = smart.run(&mut c, "GET foo");
        assert_eq!(out.printed, ["\"bar\""]);
        assert_eq!(out.hops.len(), 1, "one hop once the map is loaded");
    }

    #[test]
    fn bad_and_blank_lines() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        let mut con = Console::default();
        assert!(con.run(&mut c, "   ").printed.is_empty());
        assert_eq!(
            con.run(&mut c, "SET \"foo bar").printed,
            ["Invalid argument(s): unbalanced quotes"]
        );
        con.set_node(1);
        assert_eq!(con.prompt(&c), "127.0.0.1:7001>");
        con.set_mode(ClientMode::Smart);
        assert_eq!(con.node(), 1);
        assert_eq!(con.prompt(&c), "smart>");
    }
}
