//! The host page's API (postMessage), as plain data: what a lesson page
//! may ask (`Command`, decoded from a message's fields into a typed enum:
//! anything else is an error and changes nothing) and what the app tells it
//! (`Event`). The browser side (origins, posting) is in `host_bridge`.
//!
//! Every message is an object `{ slotscope: 1, type: "…", id?: … }`; `id`
//! (a string or number) is echoed in the answer.

use crate::msg::{Msg, NodeOp};

/// The protocol version (`slotscope` field).
pub const PROTOCOL: u32 = 1;

/// A message's fields, however they arrive (a JS object in the page, a
/// list in tests).
pub trait Fields {
    fn text(&self, name: &str) -> Option<String>;
    fn number(&self, name: &str) -> Option<f64>;
    /// Whether the field is there at all.
    fn has(&self, name: &str) -> bool;
}

/// What a host asks.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Console(String),
    /// Ctrl-C at the console.
    Interrupt,
    Load(String),
    Play,
    Pause,
    Seek(u64),
    /// Speed, as a multiple of real time.
    Speed(f64),
    /// On the node listening on this port.
    Node(u16, NodeOp),
    Key(String),
    /// Asks for the current link (`state` event).
    Link,
    /// Plays a tour from a step (from 0).
    Tour(TourSource, usize),
    /// Moves in the tour being played.
    Step(StepTo),
}

/// Which tour a host asks for: one of the page's, or a tour file's text.
#[derive(Clone, Debug, PartialEq)]
pub enum TourSource {
    Id(String),
    Text(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum StepTo {
    /// Step n (from 0).
    Number(usize),
    Next,
    Back,
    Restart,
    Exit,
}

/// A command with the request id to echo.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub id: Option<String>,
    pub command: Command,
}

/// Reads a message. `Err((id, why))`: it is not one of the documented
/// shapes (answered with an `error` event).
pub fn decode(m: &dyn Fields) -> Result<Request, (Option<String>, String)> {
    let id = m
        .text("id")
        .or_else(|| m.number("id").map(|n| n.to_string()))
        .map(|s| s.chars().take(100).collect());
    let fail = |why: String| Err((id.clone(), why));
    match m.number("slotscope") {
        Some(v) if v == f64::from(PROTOCOL) => {}
        Some(v) => {
            return fail(format!(
                "protocol version {v} is not spoken here (this app speaks {PROTOCOL})"
            ))
        }
        None => return fail("a message needs slotscope: 1 (the protocol version)".into()),
    }
    let Some(kind) = m.text("type") else {
        return fail("a message needs a type".into());
    };
    let text = |name: &str, max: usize| -> Result<String, String> {
        match m.text(name) {
            Some(t) if t.len() <= max => Ok(t),
            Some(_) => Err(format!("{name} is longer than {max} bytes")),
            None => Err(format!("{kind} needs a text field {name}")),
        }
    };
    let port = || -> Result<u16, String> {
        m.number("node")
            .filter(|n| n.fract() == 0.0 && (1.0..=65535.0).contains(n))
            .map(|n| n as u16)
            .ok_or_else(|| format!("{kind} needs node: a port number, e.g. 7000"))
    };
    let command = match kind.as_str() {
        "console" => text("line", 4_096).map(Command::Console),
        "interrupt" => Ok(Command::Interrupt),
        "load" => text("link", crate::link::MAX_LEN).map(Command::Load),
        "play" => Ok(Command::Play),
        "pause" => Ok(Command::Pause),
        "seek" => m
            .number("ms")
            .filter(|ms| ms.is_finite() && *ms >= 0.0)
            .map(|ms| Command::Seek(ms.min(crate::link::MAX_MS as f64) as u64))
            .ok_or_else(|| "seek needs ms: a time in simulated ms".to_string()),
        "speed" => m
            .number("x")
            .filter(|x| x.is_finite() && *x > 0.0)
            .map(Command::Speed)
            .ok_or_else(|| "speed needs x: a positive multiple of real time".to_string()),
        "kill" => port().map(|p| Command::Node(p, NodeOp::Kill)),
        "restart" => port().map(|p| Command::Node(p, NodeOp::Restart)),
        "failover" => port().and_then(|p| {
            let op = match m.text("mode").as_deref() {
                None => NodeOp::Failover,
                Some("force") => NodeOp::FailoverForce,
                Some("takeover") => NodeOp::FailoverTakeover,
                Some(other) => {
                    return Err(format!(
                        "failover mode {:?} is not force or takeover",
                        other.chars().take(20).collect::<String>()
                    ))
                }
            };
            Ok(Command::Node(p, op))
        }),
        "key" => text("key", 512).map(Command::Key),
        "link" => Ok(Command::Link),
        "tour" => step_number(m, 0).and_then(|step| {
            let source = match (m.text("tour"), m.has("text")) {
                (Some(id), false) if id.len() <= 100 => TourSource::Id(id),
                (Some(_), false) => return Err("tour is longer than 100 bytes".into()),
                (None, true) => TourSource::Text(text("text", slotscope_sim::tour::MAX_TOUR_BYTES)?),
                _ => {
                    return Err(
                        "tour needs either tour: the id of one of the page's tours, or text: a tour file"
                            .into(),
                    )
                }
            };
            Ok(Command::Tour(source, step))
        }),
        "step" => match (m.has("step"), m.text("to").as_deref()) {
            (true, None) => step_number(m, 0).map(|n| Command::Step(StepTo::Number(n))),
            (false, Some("next")) => Ok(Command::Step(StepTo::Next)),
            (false, Some("back")) => Ok(Command::Step(StepTo::Back)),
            (false, Some("restart")) => Ok(Command::Step(StepTo::Restart)),
            (false, Some("exit")) => Ok(Command::Step(StepTo::Exit)),
            _ => Err("step needs either step: a step number (from 1), or to: next, back, restart or exit".into()),
        },
        other => Err(format!(
            "unknown type {:?}",
            other.chars().take(40).collect::<String>()
        )),
    };
    match command {
        Ok(command) => Ok(Request { id, command }),
        Err(why) => fail(why),
    }
}

/// The optional `step` field: a step number from 1 (as the URL's), given
/// back from 0; `default` when absent.
fn step_number(m: &dyn Fields, default: usize) -> Result<usize, String> {
    if !m.has("step") {
        return Ok(default);
    }
    m.number("step")
        .filter(|n| n.fract() == 0.0 && (1.0..=1000.0).contains(n))
        .map(|n| n as usize - 1)
        .ok_or_else(|| "step must be a step number, from 1".to_string())
}

/// The page's own message for a command (None: `link`, answered with the
/// state; a port no node listens on is an error).
pub fn to_msg(command: &Command, ports: &[u16]) -> Result<Option<Msg>, String> {
    Ok(Some(match command {
        Command::Console(line) => Msg::ConsoleLine(line.clone()),
        Command::Interrupt => Msg::ConsoleInterrupt,
        Command::Load(link) => Msg::OpenLink(link.clone()),
        Command::Play => Msg::SetPlaying(true),
        Command::Pause => Msg::SetPlaying(false),
        Command::Seek(ms) => Msg::Seek(*ms),
        Command::Speed(x) => Msg::SetSpeed(
            x.log10()
                .clamp(crate::studio::SPEED_LOG_MIN, crate::studio::SPEED_LOG_MAX),
        ),
        Command::Node(port, op) => {
            let n = ports
                .iter()
                .position(|p| p == port)
                .ok_or_else(|| format!("no node listens on port {port}"))?;
            Msg::NodeOpOn(n, *op)
        }
        Command::Key(k) => Msg::InspectKey(k.clone()),
        Command::Link => return Ok(None),
        Command::Tour(TourSource::Id(id), step) => Msg::StartTour(id.clone(), *step),
        Command::Tour(TourSource::Text(text), step) => Msg::LoadTour(text.clone(), *step),
        Command::Step(to) => {
            use crate::tour_player::TourMsg;
            Msg::Tour(match to {
                StepTo::Number(n) => TourMsg::Go(*n),
                StepTo::Next => TourMsg::Next,
                StepTo::Back => TourMsg::Back,
                StepTo::Restart => TourMsg::Restart,
                StepTo::Exit => TourMsg::Exit,
            })
        }
    }))
}

/// What the app tells the host.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Ready,
    /// A console line ran: what it printed, and what became of its last
    /// request (served, MOVED, ASK, TRYAGAIN, CROSSSLOT, CLUSTERDOWN, error,
    /// not connected).
    Reply {
        line: String,
        printed: String,
        outcome: &'static str,
    },
    /// A request of a console line was redirected.
    Redirect {
        kind: &'static str,
        slot: u16,
        to: u16,
    },
    /// A replica became a master.
    Failover {
        promoted: u16,
        epoch: u64,
        at: u64,
    },
    /// The link to the moment shown.
    State {
        link: String,
    },
    Error {
        message: String,
    },
    /// A tour's step started (numbered from 1).
    Step {
        tour: String,
        step: usize,
        steps: usize,
        title: String,
    },
    /// A tour step's challenge was met (by the learner, or by the solution
    /// they asked to replay).
    Goal {
        tour: String,
        step: usize,
        goal: String,
        by_solution: bool,
    },
}

impl From<crate::tour_player::TourEvent> for Event {
    fn from(e: crate::tour_player::TourEvent) -> Event {
        use crate::tour_player::TourEvent as T;
        match e {
            T::Step {
                tour,
                step,
                steps,
                title,
            } => Event::Step {
                tour,
                step,
                steps,
                title,
            },
            T::Goal {
                tour,
                step,
                goal,
                by_solution,
            } => Event::Goal {
                tour,
                step,
                goal,
                by_solution,
            },
        }
    }
}

impl Event {
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Ready => "ready",
            Event::Reply { .. } => "reply",
            Event::Redirect { .. } => "redirect",
            Event::Failover { .. } => "failover",
            Event::State { .. } => "state",
            Event::Error { .. } => "error",
            Event::Step { .. } => "step",
            Event::Goal { .. } => "goal",
        }
    }
}

/// The word for a hop's outcome.
pub fn outcome_word(o: &slotscope_sim::routing::HopOutcome) -> &'static str {
    use slotscope_sim::routing::HopOutcome as H;
    match o {
        H::Served => "served",
        H::Moved { .. } => "MOVED",
        H::Ask { .. } => "ASK",
        H::TryAgain => "TRYAGAIN",
        H::CrossSlot => "CROSSSLOT",
        H::ClusterDown => "CLUSTERDOWN",
        H::Error => "error",
        H::NotConnected => "not connected",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct M(Vec<(&'static str, &'static str)>);

    impl Fields for M {
        fn text(&self, name: &str) -> Option<String> {
            self.0
                .iter()
                .find(|(k, _)| *k == name)
                .filter(|(_, v)| v.parse::<f64>().is_err())
                .map(|(_, v)| v.to_string())
        }
        fn number(&self, name: &str) -> Option<f64> {
            self.0
                .iter()
                .find(|(k, _)| *k == name)
                .and_then(|(_, v)| v.parse().ok())
        }
        fn has(&self, name: &str) -> bool {
            self.0.iter().any(|(k, _)| *k == name)
        }
    }

    fn command(fields: Vec<(&'static str, &'static str)>) -> Result<Command, String> {
        let mut all = vec![("slotscope", "1")];
        all.extend(fields);
        decode(&M(all)).map(|r| r.command).map_err(|(_, e)| e)
    }

    #[test]
    fn tours_and_steps_decode_with_steps_from_one() {
        assert_eq!(
            command(vec![("type", "tour"), ("tour", "failover")]),
            Ok(Command::Tour(TourSource::Id("failover".into()), 0))
        );
        assert_eq!(
            command(vec![("type", "tour"), ("tour", "failover"), ("step", "3")]),
            Ok(Command::Tour(TourSource::Id("failover".into()), 2))
        );
        assert_eq!(
            command(vec![("type", "tour"), ("text", "tour: t")]),
            Ok(Command::Tour(TourSource::Text("tour: t".into()), 0))
        );
        assert_eq!(
            command(vec![("type", "step"), ("step", "2")]),
            Ok(Command::Step(StepTo::Number(1)))
        );
        assert_eq!(
            command(vec![("type", "step"), ("to", "back")]),
            Ok(Command::Step(StepTo::Back))
        );
        for (m, why) in [
            (vec![("type", "tour")], "tour needs either"),
            (
                vec![("type", "tour"), ("tour", "a"), ("text", "b")],
                "tour needs either",
            ),
            (
                vec![("type", "tour"), ("tour", "a"), ("step", "0")],
                "from 1",
            ),
            (
                vec![("type", "tour"), ("tour", "a"), ("step", "1.5")],
                "from 1",
            ),
            (vec![("type", "step")], "step needs either"),
            (
                vec![("type", "step"), ("to", "sideways")],
                "step needs either",
            ),
        ] {
            let e = command(m.clone()).expect_err("refused");
            assert!(e.contains(why), "{m:?}: {e}");
        }
        assert_eq!(
            to_msg(&Command::Step(StepTo::Number(4)), &[]),
            Ok(Some(Msg::Tour(crate::tour_player::TourMsg::Go(4))))
        );
    }

    #[test]
    fn documented_shapes_decode_and_the_rest_is_refused() {
        let ok = decode(&M(vec![
            ("slotscope", "1"),
            ("type", "console"),
            ("line", "SET foo bar"),
            ("id", "r1"),
        ]))
        .unwrap();
        assert_eq!(ok.command, Command::Console("SET foo bar".into()));
        assert_eq!(ok.id.as_deref(), Some("r1"));
        assert_eq!(
            decode(&M(vec![
                ("slotscope", "1"),
                ("type", "kill"),
                ("node", "7000")
            ]))
            .unwrap()
            .command,
            Command::Node(7000, NodeOp::Kill)
        );
        for (m, why) in [
            (vec![("type", "play")], "slotscope: 1"),
            (vec![("slotscope", "2"), ("type", "play")], "version 2"),
            (vec![("slotscope", "1")], "needs a type"),
            (
                vec![("slotscope", "1"), ("type", "eval"), ("id", "7")],
                "unknown type",
            ),
            (
                vec![("slotscope", "1"), ("type", "console")],
                "needs a text field line",
            ),
            (
                vec![("slotscope", "1"), ("type", "kill"), ("node", "x")],
                "port number",
            ),
            (
                vec![("slotscope", "1"), ("type", "seek"), ("ms", "-4")],
                "needs ms",
            ),
            (
                vec![
                    ("slotscope", "1"),
                    ("type", "failover"),
                    ("node", "7003"),
                    ("mode", "now"),
                ],
                "not force",
            ),
        ] {
            match decode(&M(m.clone())) {
                Err((_, e)) => assert!(e.contains(why), "{m:?}: {e}"),
                Ok(r) => panic!("{m:?} gave {r:?}"),
            }
        }
        assert_eq!(
            to_msg(&Command::Node(7009, NodeOp::Kill), &[7000, 7001]),
            Err("no node listens on port 7009".into())
        );
    }

    /// Random messages: never a panic; only the documented types decode.
    #[test]
    fn random_messages_never_panic() {
        struct R(Vec<(String, String)>);
        impl Fields for R {
            fn text(&self, name: &str) -> Option<String> {
                self.0
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            }
            fn number(&self, name: &str) -> Option<f64> {
                self.0
                    .iter()
                    .find(|(k, _)| k == name)
                    .and_then(|(_, v)| v.parse().ok())
            }
            fn has(&self, name: &str) -> bool {
                self.0.iter().any(|(k, _)| k == name)
            }
        }
        const NAMES: [&str; 10] = [
            "slotscope",
            "type",
            "id",
            "line",
            "link",
            "ms",
            "x",
            "node",
            "mode",
            "key",
        ];
        const VALUES: [&str; 14] = [
            "1", "2", "console", "kill", "seek", "-1", "NaN", "1e308", "7000", "force", "", "<b>",
            "eval", "link",
        ];
        let mut rng = slotscope_sim::rng::Rng::new(3);
        let mut decoded = 0;
        for _ in 0..5_000 {
            let fields = (0..rng.below(6))
                .map(|_| {
                    (
                        NAMES[rng.below(10) as usize].to_string(),
                        VALUES[rng.below(14) as usize].to_string(),
                    )
                })
                .collect();
            if let Ok(r) = decode(&R(fields)) {
                decoded += 1;
                let _ = to_msg(&r.command, &[7000, 7001]);
            }
        }
        assert!(decoded > 0 && decoded < 5_000);
    }
}
