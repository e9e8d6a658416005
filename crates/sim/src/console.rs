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

/// A message the console read, as redis-cli prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadMessage {
    /// When it arrived, simulated ms.
    pub at: u64,
    /// Its number in the world (`Cluster::messages_delivered`).
    pub seq: u64,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Console {
    pub mode: ClientMode,
    cli: RedisCli,
    /// Connected (CLUSTER SLOTS loaded) on its first command.
    smart: Option<SmartClient>,
    /// Since when (simulated ms) the client reads messages: redis-cli, once
    /// it has sent SUBSCRIBE, PSUBSCRIBE or SSUBSCRIBE, reads replies until
    /// Ctrl-C and takes no input.
    reading: Option<u64>,
    /// Lines typed while this one reads messages run in a second client on
    /// the same node, as a second terminal would (to PUBLISH, say).
    second: Option<Box<Console>>,
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
            reading: None,
            second: None,
        }
    }

    /// Whether the client is reading messages (and typed lines go to the
    /// second client).
    pub fn reading(&self) -> bool {
        self.reading.is_some()
    }

    /// The node the next command goes to (for the smart client: its seed).
    pub fn node(&self) -> NodeIdx {
        match (&self.smart, self.mode) {
            (Some(s), ClientMode::Smart) => s.seed,
            _ => self.cli.current,
        }
    }

    /// Switches mode; the session starts afresh (as a new program would),
    /// on the node it was on. The old program's connections close.
    pub fn set_mode(&mut self, cluster: &mut Cluster, mode: ClientMode) {
        let node = self.node();
        self.close(cluster);
        *self = Console::new(mode, node);
    }

    /// Points the session at another node (redis-cli `-p PORT`).
    pub fn set_node(&mut self, cluster: &mut Cluster, node: NodeIdx) {
        self.close(cluster);
        *self = Console::new(self.mode, node);
    }

    /// The program exits: every connection it (and its second client) held
    /// closes, and the nodes drop their subscriptions.
    fn close(&mut self, cluster: &mut Cluster) {
        for c in self.own_connections() {
            cluster.disconnect(c);
        }
        if let Some(second) = self.second.as_mut() {
            second.close(cluster);
        }
    }

    /// The prompt: redis-cli's (`127.0.0.1:7000>`, `127.0.0.1:7000(TX)>`,
    /// `not connected>`), or `smart>` for the library, which has no
    /// current node.
    pub fn prompt(&self, cluster: &Cluster) -> String {
        if self.reading.is_some() {
            return match &self.second {
                Some(second) => second.prompt(cluster),
                None => Console::new(self.mode, self.node()).prompt(cluster),
            };
        }
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
        if self.reading.is_some() {
            let node = self.node();
            let mode = self.mode;
            let second = self
                .second
                .get_or_insert_with(|| Box::new(Console::new(mode, node)));
            return second.run(cluster, line);
        }
        // redis-cli enters its reading mode on the command's name, before
        // the reply: "Reading messages..." comes first even when the reply
        // is an error, and an error (only) ends the mode at once. A
        // SUBSCRIBE queued in MULTI leaves it reading too.
        let name = argv[0].to_ascii_lowercase();
        let subscribes = matches!(
            name.as_slice(),
            b"subscribe" | b"psubscribe" | b"ssubscribe"
        );
        let mut outcome = self.send(cluster, &argv);
        if subscribes {
            outcome
                .printed
                .insert(0, "Reading messages... (press Ctrl-C to quit)".into());
            let refused = outcome
                .printed
                .last()
                .is_some_and(|p| p.starts_with("(error)"));
            if !refused {
                self.reading = Some(cluster.now);
            }
        }
        // Messages are not printed here: they arrive in simulated time,
        // and whoever shows the console reads them as they come
        // (`take_messages`).
        outcome
    }

    /// Ctrl-C. While reading messages, redis-cli 7.0 stops, reconnects to
    /// the same node (the old connection closes, so the node drops its
    /// subscriptions, and a MULTI with it) and prints how long the
    /// command ran when that was 500 ms or more; a shorter wait leaves
    /// only the echoed `^C`. A reading second client is interrupted first.
    /// Otherwise nothing happens.
    pub fn interrupt(&mut self, cluster: &mut Cluster) -> Outcome {
        if let Some(second) = self.second.as_mut().filter(|s| s.reading()) {
            return second.interrupt(cluster);
        }
        let Some(since) = self.reading.take() else {
            return Outcome {
                hops: Vec::new(),
                printed: Vec::new(),
            };
        };
        let elapsed = cluster.now.saturating_sub(since);
        let printed = if elapsed >= 500 {
            format!("^C({:.2}s)", elapsed as f64 / 1000.0)
        } else {
            "^C".to_string()
        };
        for c in self.own_connections() {
            cluster.disconnect(c);
        }
        let node = self.node();
        self.cli = RedisCli::new(node, self.mode == ClientMode::Follow);
        if let Some(smart) = self.smart.as_mut() {
            smart.forget_connections();
        }
        Outcome {
            hops: Vec::new(),
            printed: vec![printed],
        }
    }

    fn own_connections(&self) -> Vec<crate::cluster::ConnId> {
        let mut conns = self.cli.connections();
        if let Some(smart) = &self.smart {
            conns.extend(smart.connections());
        }
        conns
    }

    /// Messages published to this console's connections (and its second
    /// client's) since last read, with when each arrived, oldest first, as
    /// redis-cli prints them.
    pub fn take_messages(&mut self, cluster: &mut Cluster) -> Vec<ReadMessage> {
        let mut printed = Vec::new();
        for c in self.own_connections() {
            let proto = cluster.conns[c].proto;
            for d in std::mem::take(&mut cluster.conns[c].inbox) {
                printed.push(ReadMessage {
                    at: d.at,
                    seq: d.seq,
                    text: crate::render::render_tty(&d.message.as_seen(proto)),
                });
            }
        }
        if let Some(second) = self.second.as_mut() {
            printed.extend(second.take_messages(cluster));
        }
        printed.sort_by_key(|m| m.seq);
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
        let read: Vec<String> = listener
            .take_messages(&mut c)
            .into_iter()
            .map(|m| m.text)
            .collect();
        assert_eq!(read, ["1) \"message\"\n2) \"news\"\n3) \"hello\""]);
    }

    #[test]
    fn a_subscribed_console_reads_until_ctrl_c_and_types_into_a_second_client() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        let mut con = Console::new(ClientMode::Raw, 2);
        // An error ends the reading mode at once (after its banner).
        assert_eq!(
            con.run(&mut c, "SUBSCRIBE").printed,
            [
                "Reading messages... (press Ctrl-C to quit)",
                "(error) ERR wrong number of arguments for 'subscribe' command"
            ]
        );
        assert!(!con.reading());
        con.run(&mut c, "SUBSCRIBE news");
        assert!(con.reading());
        // Typed while reading: a second client on 7002 runs it.
        assert_eq!(con.prompt(&c), "127.0.0.1:7002>");
        assert_eq!(con.run(&mut c, "PUBLISH news hi").printed, ["(integer) 1"]);
        let read = con.take_messages(&mut c);
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].text, "1) \"message\"\n2) \"news\"\n3) \"hi\"");
        assert_eq!(read[0].at, c.now);
        c.advance(1_234);
        assert_eq!(con.interrupt(&mut c).printed, ["^C(1.23s)"]);
        assert!(!con.reading());
        // The old connection closed: 7002 has no subscriber left.
        assert_eq!(
            con.run(&mut c, "PUBLISH news again").printed,
            ["(integer) 0"]
        );
        assert!(con.take_messages(&mut c).is_empty());
        assert!(
            con.interrupt(&mut c).printed.is_empty(),
            "not reading: nothing"
        );
        // A SUBSCRIBE queued in MULTI leaves redis-cli reading too.
        con.run(&mut c, "MULTI");
        let out = con.run(&mut c, "SUBSCRIBE x");
        assert_eq!(
            out.printed,
            ["Reading messages... (press Ctrl-C to quit)", "QUEUED"]
        );
        assert!(con.reading());
        assert_eq!(con.interrupt(&mut c).printed, ["^C"]);
        // Reconnected: the transaction went with the old connection.
        assert_eq!(con.prompt(&c), "127.0.0.1:7002>");
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
        con.set_node(&mut c, 1);
        assert_eq!(con.prompt(&c), "127.0.0.1:7001>");
        con.set_mode(&mut c, ClientMode::Smart);
        assert_eq!(con.node(), 1);
        assert_eq!(con.prompt(&c), "smart>");
    }
}
