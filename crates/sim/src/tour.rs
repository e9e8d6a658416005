//! Guided tours: a teacher's file of steps, each with text, a setup, what to
//! highlight and optionally a challenge the simulation checks. The format is
//! plain lines a teacher edits without Rust (README: "Writing a tour"):
//!
//! ```text
//! # A comment
//! tour: slots
//! title: Key, slot, node
//! summary: Where a key lives, and why.
//!
//! step: The slot of a key
//! text: Every key hashes to one of 16,384 slots: try [[CLUSTER KEYSLOT user:1001]].
//! setup: topology 3 1
//! highlight: slot 5712
//! goal: reply-contains 5712
//! hint: CLUSTER KEYSLOT tells the slot of a key.
//! solution: console CLUSTER KEYSLOT user:1001
//! ```
//!
//! Every field is `name: value` on one line; a step's fields follow its
//! `step:` line, and `text:` lines make paragraphs. Text has small inline
//! markup — `` `code` ``, `*emphasis*` and `[[a command]]` the learner can
//! click to run — kept as plain parts, never HTML. Setup and solution
//! actions are the page's own gestures (`Action`s), so a tour drives the
//! simulation exactly as a learner's clicks do.

use crate::cluster::{Cluster, NodeIdx};
use crate::timeline::{Action, Outcome, Timeline};

/// A piece of a paragraph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Code(String),
    Emphasis(String),
    /// A console line the learner can click to run.
    Command(String),
}

/// One action of a setup or a solution.
#[derive(Clone, Debug, PartialEq)]
pub enum TourAction {
    /// The page's own action (console line, kill, setting, failover, ...).
    Act(Action),
    /// Let simulated time pass.
    Advance(u64),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Highlight {
    Node(u16),
    Slot(u16),
    Console,
    /// A kind of bus message, e.g. FAIL.
    Message(String),
}

/// What the learner must bring about; checked after each of their actions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Goal {
    /// The last console reply contains a MOVED redirect.
    ReplyMoved,
    ReplyAsk,
    ReplyCrossSlot,
    ReplyTryAgain,
    ReplyClusterDown,
    /// The last console reply contains this text.
    ReplyContains(String),
    /// The last console command was served in one hop (a smart client's).
    OneHop,
    /// Slot S is MIGRATING on the first port and IMPORTING on the second.
    Migrating {
        slot: u16,
        from: u16,
        to: u16,
    },
    /// The node on this port is up and a master in every live node's view
    /// (its own included).
    MasterEverywhere(u16),
    /// Some live node reports cluster_state:fail.
    StateFail,
    /// The last console reply was WAIT's `(integer) N`.
    WaitReturned(i64),
    /// The key was written (acknowledged) by the console and is now missing.
    WriteLost(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Challenge {
    pub goal: Goal,
    pub hints: Vec<String>,
    pub solution: Vec<TourAction>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub title: String,
    pub paragraphs: Vec<Vec<Inline>>,
    pub setup: Vec<TourAction>,
    pub highlight: Vec<Highlight>,
    pub challenge: Option<Challenge>,
    /// The file's line of `step:` (for the validator's messages).
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Tour {
    pub id: String,
    pub title: String,
    pub summary: String,
    /// `topology M R` of the first step: masters and replicas per master.
    pub masters: usize,
    pub replicas: usize,
    pub steps: Vec<Step>,
}

/// An error in a tour file: the line (from 1), the field, and what was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TourError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for TourError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.message)
    }
}

/// Longest tour file read: a tour is text a person writes.
pub const MAX_TOUR_BYTES: usize = 256 * 1024;
const MAX_STEPS: usize = 100;
/// A setup may let at most this much simulated time pass in one action.
const MAX_ADVANCE_MS: u64 = 600_000;

const GOALS: &str = "reply-moved, reply-ask, reply-crossslot, reply-tryagain, \
reply-clusterdown, reply-contains TEXT, one-hop, migrating SLOT FROM TO, master PORT, \
state-fail, wait-returned N, write-lost KEY";
const ACTIONS: &str = "console LINE, advance MS, kill PORT, restart PORT, \
pause PORT MS, isolate PORT, heal, failover PORT [force|takeover], setting NAME VALUE, \
client raw|follow|smart, connect PORT, move-slot SLOT PORT, pause-operation, \
resume-operation, step-operation";

/// Parses a tour file.
pub fn parse(text: &str) -> Result<Tour, TourError> {
    let fail = |line: usize, field: &str, message: String| TourError {
        line,
        field: field.to_string(),
        message,
    };
    if text.len() > MAX_TOUR_BYTES {
        return Err(fail(
            1,
            "file",
            format!("the file is over {} KiB", MAX_TOUR_BYTES / 1024),
        ));
    }
    let mut tour = Tour {
        id: String::new(),
        title: String::new(),
        summary: String::new(),
        masters: 3,
        replicas: 1,
        steps: Vec::new(),
    };
    let mut topology_seen = false;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((field, value)) = trimmed.split_once(':') else {
            return Err(fail(
                line,
                "line",
                "expected `field: value` (e.g. `step: A title`)".into(),
            ));
        };
        let field = field.trim().to_ascii_lowercase();
        let value = value.trim();
        let need = |what: &str| -> Result<(), TourError> {
            if value.is_empty() {
                Err(fail(line, &field, format!("needs {what}")))
            } else {
                Ok(())
            }
        };
        let in_step = |tour: &mut Tour| -> Result<usize, TourError> {
            if tour.steps.is_empty() {
                Err(fail(
                    line,
                    &field,
                    "belongs to a step: put a `step:` line before it".into(),
                ))
            } else {
                Ok(tour.steps.len() - 1)
            }
        };
        match field.as_str() {
            "tour" => {
                need("an id (letters, digits, - and _)")?;
                if !value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                    || value.len() > 64
                {
                    return Err(fail(
                        line,
                        "tour",
                        format!("'{}' is not an id: use letters, digits, - and _ (at most 64)", clip(value)),
                    ));
                }
                tour.id = value.to_string();
            }
            "title" if tour.steps.is_empty() => {
                need("a title")?;
                tour.title = value.to_string();
            }
            "summary" => tour.summary = value.to_string(),
            "step" => {
                need("a title")?;
                if tour.steps.len() == MAX_STEPS {
                    return Err(fail(line, "step", format!("a tour has at most {MAX_STEPS} steps")));
                }
                tour.steps.push(Step {
                    title: value.to_string(),
                    paragraphs: Vec::new(),
                    setup: Vec::new(),
                    highlight: Vec::new(),
                    challenge: None,
                    line,
                });
            }
            "text" => {
                let s = in_step(&mut tour)?;
                need("some text")?;
                let inline = markup(value).map_err(|m| fail(line, "text", m))?;
                tour.steps[s].paragraphs.push(inline);
            }
            "setup" => {
                let s = in_step(&mut tour)?;
                need(&format!("an action ({ACTIONS}, or topology MASTERS REPLICAS)"))?;
                let words: Vec<&str> = value.split_whitespace().collect();
                if words[0].eq_ignore_ascii_case("topology") {
                    if s != 0 || !tour.steps[0].setup.is_empty() || topology_seen {
                        return Err(fail(
                            line,
                            "setup",
                            "topology is the first setup action of the first step".into(),
                        ));
                    }
                    let n = |w: Option<&&str>, what: &str, range: std::ops::RangeInclusive<usize>| {
                        w.and_then(|w| w.parse::<usize>().ok())
                            .filter(|n| range.contains(n))
                            .ok_or_else(|| {
                                fail(line, "setup", format!("topology needs {what} ({}..={})", range.start(), range.end()))
                            })
                    };
                    tour.masters = n(words.get(1), "a number of masters", 3..=10)?;
                    tour.replicas = n(words.get(2), "replicas per master", 0..=2)?;
                    topology_seen = true;
                    continue;
                }
                let a = action(value, tour.masters * (1 + tour.replicas))
                    .map_err(|m| fail(line, "setup", m))?;
                tour.steps[s].setup.push(a);
            }
            "highlight" => {
                let s = in_step(&mut tour)?;
                need("node PORT, slot S, console or message TYPE")?;
                let h = highlight(value).map_err(|m| fail(line, "highlight", m))?;
                tour.steps[s].highlight.push(h);
            }
            "goal" => {
                let s = in_step(&mut tour)?;
                need(&format!("a goal ({GOALS})"))?;
                if tour.steps[s].challenge.is_some() {
                    return Err(fail(line, "goal", "a step has one goal".into()));
                }
                let g = goal(value).map_err(|m| fail(line, "goal", m))?;
                tour.steps[s].challenge = Some(Challenge {
                    goal: g,
                    hints: Vec::new(),
                    solution: Vec::new(),
                });
            }
            "hint" | "solution" => {
                let s = in_step(&mut tour)?;
                need(if field == "hint" { "a hint" } else { "an action" })?;
                let nodes = tour.masters * (1 + tour.replicas);
                let Some(c) = tour.steps[s].challenge.as_mut() else {
                    return Err(fail(
                        line,
                        &field,
                        "belongs to a challenge: put the step's `goal:` line before it".into(),
                    ));
                };
                if field == "hint" {
                    c.hints.push(value.to_string());
                } else {
                    c.solution
                        .push(action(value, nodes).map_err(|m| fail(line, "solution", m))?);
                }
            }
            other => {
                return Err(fail(
                    line,
                    other,
                    "unknown field (tour, title, summary, step, text, setup, highlight, goal, hint, solution)".into(),
                ))
            }
        }
    }
    let last = text.lines().count().max(1);
    if tour.id.is_empty() {
        return Err(fail(
            last,
            "tour",
            "the file has no `tour:` line (its id)".into(),
        ));
    }
    if tour.title.is_empty() {
        return Err(fail(
            last,
            "title",
            "the file has no `title:` line before its steps".into(),
        ));
    }
    if tour.steps.is_empty() {
        return Err(fail(last, "step", "the tour has no steps".into()));
    }
    for step in &tour.steps {
        if let Some(c) = &step.challenge {
            if c.solution.is_empty() {
                return Err(fail(
                    step.line,
                    "solution",
                    format!(
                        "the challenge of step '{}' has no `solution:` line",
                        clip(&step.title)
                    ),
                ));
            }
        }
    }
    Ok(tour)
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// `code`, *emphasis* and [[command]] in a line of text.
fn markup(s: &str) -> Result<Vec<Inline>, String> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        let (close, make): (&str, fn(String) -> Inline) = if rest.starts_with("[[") {
            ("]]", Inline::Command)
        } else if c == '`' {
            ("`", Inline::Code)
        } else if c == '*' {
            ("*", Inline::Emphasis)
        } else {
            text.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        };
        let open = if close == "]]" { 2 } else { 1 };
        let body = &rest[open..];
        let Some(end) = body.find(close) else {
            return Err(format!("'{}' is not closed with '{close}'", &rest[..open]));
        };
        if end == 0 {
            return Err(format!("empty '{}{close}'", &rest[..open]));
        }
        if !text.is_empty() {
            out.push(Inline::Text(std::mem::take(&mut text)));
        }
        out.push(make(body[..end].to_string()));
        rest = &body[end + close.len()..];
    }
    if !text.is_empty() {
        out.push(Inline::Text(text));
    }
    Ok(out)
}

fn port_of(w: Option<&str>, nodes: usize) -> Result<NodeIdx, String> {
    let w = w.ok_or("needs a port, e.g. 7000")?;
    let p: u16 = w
        .parse()
        .map_err(|_| format!("'{}' is not a port", clip(w)))?;
    let n = usize::from(p.wrapping_sub(crate::layout::FIRST_PORT));
    if p < crate::layout::FIRST_PORT || n >= nodes {
        return Err(format!(
            "no node listens on {p} (ports {}..{})",
            crate::layout::FIRST_PORT,
            usize::from(crate::layout::FIRST_PORT) + nodes - 1
        ));
    }
    Ok(n)
}

fn action(s: &str, nodes: usize) -> Result<TourAction, String> {
    let (verb, rest) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
    let rest = rest.trim();
    let words: Vec<&str> = rest.split_whitespace().collect();
    let port = |i: usize| port_of(words.get(i).copied(), nodes);
    let act = |a: Action| Ok(TourAction::Act(a));
    match verb.to_ascii_lowercase().as_str() {
        "console" if !rest.is_empty() => {
            crate::command::parse::split_args(rest.as_bytes())
                .map_err(|e| format!("console line: {e}"))?;
            act(Action::ConsoleLine(rest.to_string()))
        }
        "advance" => {
            let ms: u64 = words
                .first()
                .and_then(|w| w.parse().ok())
                .filter(|ms| *ms <= MAX_ADVANCE_MS)
                .ok_or(format!(
                    "advance needs simulated ms (at most {MAX_ADVANCE_MS})"
                ))?;
            Ok(TourAction::Advance(ms))
        }
        "kill" => act(Action::Kill(port(0)?)),
        "restart" => act(Action::Restart(port(0)?)),
        "pause" => {
            let ms: u64 = words
                .get(1)
                .and_then(|w| w.parse().ok())
                .filter(|ms| *ms <= MAX_ADVANCE_MS)
                .ok_or("pause needs a port and ms")?;
            act(Action::Pause(port(0)?, ms))
        }
        "isolate" => {
            let n = port(0)?;
            let others: Vec<NodeIdx> = (0..nodes).filter(|&i| i != n).collect();
            act(Action::Partition(vec![vec![n], others]))
        }
        "heal" => act(Action::Heal),
        "failover" => {
            let mut argv = vec![b"CLUSTER".to_vec(), b"FAILOVER".to_vec()];
            match words.get(1).map(|w| w.to_ascii_lowercase()) {
                None => {}
                Some(m) if m == "force" || m == "takeover" => {
                    argv.push(m.to_ascii_uppercase().into_bytes())
                }
                Some(m) => {
                    return Err(format!(
                        "failover mode '{}' is not force or takeover",
                        clip(&m)
                    ))
                }
            }
            act(Action::NodeCommand(port(0)?, argv))
        }
        "setting" => {
            let (name, value) = (words.first(), words.get(1));
            let (Some(name), Some(value)) = (name, value) else {
                return Err("setting needs a name and a value".into());
            };
            let mut config = crate::cluster::Config::default();
            crate::config::set_one(&mut config, name, value)
                .map_err(|e| crate::render::render_tty(&e))?;
            act(Action::SetConfig(name.to_string(), value.to_string()))
        }
        "client" => {
            use crate::console::ClientMode;
            let mode = match words.first().map(|w| w.to_ascii_lowercase()).as_deref() {
                Some("raw") => ClientMode::Raw,
                Some("follow") => ClientMode::Follow,
                Some("smart") => ClientMode::Smart,
                _ => return Err("client needs raw, follow or smart".into()),
            };
            act(Action::ConsoleMode(mode))
        }
        "connect" => act(Action::ConsoleNode(port(0)?)),
        // redis-cli --cluster moving one slot, paced (see operator.rs).
        "move-slot" => {
            let slot: u16 = words
                .first()
                .and_then(|w| w.parse().ok())
                .filter(|s| *s < crate::slot::SLOT_COUNT)
                .ok_or("move-slot needs a slot (0..16383) and a target port")?;
            act(Action::Operate(crate::operator::Request::MoveSlot {
                slot,
                target: port(1)?,
            }))
        }
        "pause-operation" => act(Action::PauseOperation(true)),
        "resume-operation" => act(Action::PauseOperation(false)),
        "step-operation" => act(Action::StepOperation),
        other => Err(format!(
            "unknown action '{}' (expected {ACTIONS})",
            clip(other)
        )),
    }
}

fn highlight(s: &str) -> Result<Highlight, String> {
    let words: Vec<&str> = s.split_whitespace().collect();
    let number = |what: &str| -> Result<u16, String> {
        words
            .get(1)
            .and_then(|w| w.parse().ok())
            .ok_or(format!("{} needs {what}", words[0]))
    };
    match words[0].to_ascii_lowercase().as_str() {
        "node" => Ok(Highlight::Node(number("a port")?)),
        "slot" => {
            let s = number("a slot")?;
            if s >= crate::slot::SLOT_COUNT {
                return Err(format!("slot {s} is not in 0..16383"));
            }
            Ok(Highlight::Slot(s))
        }
        "console" => Ok(Highlight::Console),
        "message" => Ok(Highlight::Message(
            words
                .get(1)
                .ok_or("message needs a type, e.g. FAIL")?
                .to_ascii_uppercase(),
        )),
        other => Err(format!(
            "unknown highlight '{}' (node PORT, slot S, console, message TYPE)",
            clip(other)
        )),
    }
}

fn goal(s: &str) -> Result<Goal, String> {
    let (name, rest) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
    let rest = rest.trim();
    let words: Vec<&str> = rest.split_whitespace().collect();
    let num = |i: usize, what: &str| -> Result<u16, String> {
        words
            .get(i)
            .and_then(|w| w.parse().ok())
            .ok_or(format!("{name} needs {what}"))
    };
    Ok(match name.to_ascii_lowercase().as_str() {
        "reply-moved" => Goal::ReplyMoved,
        "reply-ask" => Goal::ReplyAsk,
        "reply-crossslot" => Goal::ReplyCrossSlot,
        "reply-tryagain" => Goal::ReplyTryAgain,
        "reply-clusterdown" => Goal::ReplyClusterDown,
        "reply-contains" if !rest.is_empty() => Goal::ReplyContains(rest.to_string()),
        "one-hop" => Goal::OneHop,
        "migrating" => Goal::Migrating {
            slot: num(0, "a slot, a source port and a target port")?,
            from: num(1, "a source port")?,
            to: num(2, "a target port")?,
        },
        "master" => Goal::MasterEverywhere(num(0, "a port")?),
        "state-fail" => Goal::StateFail,
        "wait-returned" => Goal::WaitReturned(
            words
                .first()
                .and_then(|w| w.parse().ok())
                .ok_or("wait-returned needs a number")?,
        ),
        "write-lost" if !rest.is_empty() => Goal::WriteLost(rest.to_string()),
        other => return Err(format!("unknown goal '{}' (expected {GOALS})", clip(other))),
    })
}

/// What the learner did last at the console, for the goals about it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LastCommand {
    pub line: String,
    pub printed: Vec<String>,
    pub hops: usize,
}

/// The key a console line wrote, if the server acknowledged it: SET
/// answered OK, or INCR an integer (what `write-lost` counts as a write
/// the client was told had happened).
pub fn acknowledged_write(line: &str, printed: &[String]) -> Option<String> {
    let argv = crate::command::parse::split_args(line.as_bytes()).ok()?;
    let acknowledged = printed
        .last()
        .is_some_and(|p| p == "OK" || p.starts_with("(integer)"));
    let writes = argv
        .first()
        .is_some_and(|c| c.eq_ignore_ascii_case(b"set") || c.eq_ignore_ascii_case(b"incr"));
    match argv.get(1) {
        Some(k) if writes && acknowledged => Some(String::from_utf8_lossy(k).into_owned()),
        _ => None,
    }
}

impl Goal {
    /// What the learner is asked to bring about, in words for the page.
    pub fn describe(&self) -> String {
        match self {
            Goal::ReplyMoved => "Get a MOVED reply at the console.".into(),
            Goal::ReplyAsk => "Get an ASK reply at the console.".into(),
            Goal::ReplyCrossSlot => "Get a CROSSSLOT error at the console.".into(),
            Goal::ReplyTryAgain => "Get a TRYAGAIN error at the console.".into(),
            Goal::ReplyClusterDown => "Get a CLUSTERDOWN error at the console.".into(),
            Goal::ReplyContains(t) => format!("Run a command whose reply shows \"{t}\"."),
            Goal::OneHop => "Run a command the client serves in one hop.".into(),
            Goal::Migrating { slot, from, to } => {
                format!("Slot {slot} MIGRATING on {from} and IMPORTING on {to}.")
            }
            Goal::MasterEverywhere(p) => {
                format!("{p} is up and a master in every live node's view.")
            }
            Goal::StateFail => "Some live node reports cluster_state:fail.".into(),
            Goal::WaitReturned(n) => format!("WAIT answers (integer) {n}."),
            Goal::WriteLost(k) => {
                format!("A write of {k} is acknowledged, then lost: no live master has it.")
            }
        }
    }
}

impl std::fmt::Display for TourAction {
    /// The action as a tour file writes it (`parse` reads it back).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::console::ClientMode;
        let port = |n: &NodeIdx| usize::from(crate::layout::FIRST_PORT) + n;
        let a = match self {
            TourAction::Advance(ms) => return write!(f, "advance {ms}"),
            TourAction::Act(a) => a,
        };
        match a {
            Action::ConsoleLine(l) => write!(f, "console {l}"),
            Action::Kill(n) => write!(f, "kill {}", port(n)),
            Action::Restart(n) => write!(f, "restart {}", port(n)),
            Action::Pause(n, ms) => write!(f, "pause {} {ms}", port(n)),
            Action::Partition(groups) if groups.first().is_some_and(|g| g.len() == 1) => {
                write!(f, "isolate {}", port(&groups[0][0]))
            }
            Action::Heal => write!(f, "heal"),
            Action::NodeCommand(n, argv) => {
                let mode = argv
                    .get(2)
                    .map(|m| format!(" {}", String::from_utf8_lossy(m).to_ascii_lowercase()))
                    .unwrap_or_default();
                write!(f, "failover {}{mode}", port(n))
            }
            Action::SetConfig(name, value) => write!(f, "setting {name} {value}"),
            Action::ConsoleMode(m) => write!(
                f,
                "client {}",
                match m {
                    ClientMode::Raw => "raw",
                    ClientMode::Follow => "follow",
                    ClientMode::Smart => "smart",
                }
            ),
            Action::ConsoleNode(n) => write!(f, "connect {}", port(n)),
            Action::Operate(crate::operator::Request::MoveSlot { slot, target }) => {
                write!(f, "move-slot {slot} {}", port(target))
            }
            Action::PauseOperation(true) => write!(f, "pause-operation"),
            Action::PauseOperation(false) => write!(f, "resume-operation"),
            Action::StepOperation => write!(f, "step-operation"),
            // Not written by `parse`: shown as the simulator names it.
            other => write!(f, "{other:?}"),
        }
    }
}

/// Whether `goal` holds now.
pub fn met(goal: &Goal, cluster: &Cluster, last: Option<&LastCommand>, written: &[String]) -> bool {
    let printed = || last.map(|l| l.printed.join("\n")).unwrap_or_default();
    let node = |port: u16| cluster.nodes.iter().position(|n| n.addr.port == port);
    match goal {
        Goal::ReplyMoved => printed().contains("MOVED "),
        Goal::ReplyAsk => printed().contains("ASK "),
        Goal::ReplyCrossSlot => printed().contains("CROSSSLOT"),
        Goal::ReplyTryAgain => printed().contains("TRYAGAIN"),
        Goal::ReplyClusterDown => printed().contains("CLUSTERDOWN"),
        Goal::ReplyContains(t) => printed().contains(t.as_str()),
        Goal::OneHop => last.is_some_and(|l| l.hops == 1),
        Goal::Migrating { slot, from, to } => match (node(*from), node(*to)) {
            (Some(a), Some(b)) => {
                cluster.nodes[a].migrating.get(slot) == Some(&b)
                    && cluster.nodes[b].importing.get(slot) == Some(&a)
            }
            _ => false,
        },
        // A dead master stays "master,fail" in the others' views, and one
        // that restarts calls itself master until it hears who took its
        // slots: the node must be up, and in every live node's view
        // (its own included) a master that owns slots, not flagged.
        Goal::MasterEverywhere(port) => node(*port).is_some_and(|p| {
            cluster.nodes[p].alive
                && cluster.nodes.iter().filter(|n| n.alive).all(|n| {
                    n.view
                        .get(p)
                        .is_some_and(|v| v.role.is_master() && !v.pfail && !v.fail)
                        && n.slots.owners().any(|o| o == p)
                })
        }),
        Goal::StateFail => {
            (0..cluster.nodes.len()).any(|i| cluster.nodes[i].alive && !cluster.state_ok(i))
        }
        Goal::WaitReturned(n) => last.is_some_and(|l| {
            l.line.trim_start().to_ascii_lowercase().starts_with("wait")
                && l.printed
                    .last()
                    .is_some_and(|p| *p == format!("(integer) {n}"))
        }),
        Goal::WriteLost(key) => {
            // Lost: acknowledged, and the master now serving its slot (up,
            // and the owner in its own view) does not have it: the replica
            // promoted in place of the master that took it never got it.
            // (While no master serves the slot, nothing is lost yet.)
            let slot = usize::from(crate::slot::key_hash_slot(key.as_bytes()));
            written.iter().any(|k| k == key)
                && cluster.nodes.iter().enumerate().any(|(i, n)| {
                    n.alive
                        && n.role(i).is_master()
                        && n.slots[slot] == Some(i)
                        && !n.db.peek(key.as_bytes(), cluster.now)
                })
        }
    }
}

/// Where a learner is in a tour played on a timeline: the step, where each
/// step started (a moment and how many recorded actions: Back returns
/// there exactly, dropping what was done since), and the steps completed.
/// The player applies a step's setup itself, through the same actions as
/// any gesture, then calls `started`.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    pub step: usize,
    starts: Vec<(u64, usize)>,
    pub completed: Vec<bool>,
}

impl Progress {
    pub fn new(tour: &Tour) -> Progress {
        Progress {
            step: 0,
            starts: Vec::new(),
            completed: vec![false; tour.steps.len()],
        }
    }

    /// The current step's setup has been applied: this is where it starts.
    pub fn started(&mut self, timeline: &Timeline) {
        self.starts.truncate(self.step);
        self.starts.push((timeline.now(), timeline.actions().len()));
    }

    /// On to the next step (its setup is the caller's to apply); false at
    /// the last one.
    pub fn forward(&mut self) -> bool {
        if self.step + 1 < self.completed.len() {
            self.step += 1;
            true
        } else {
            false
        }
    }

    /// Back to the previous step, restored as it started (what was done
    /// since is dropped from the timeline); false at the first.
    pub fn back(&mut self, timeline: &mut Timeline) -> bool {
        if self.step == 0 || self.starts.len() < self.step {
            return false;
        }
        self.step -= 1;
        let (t, done) = self.starts[self.step];
        timeline.rewind_after(t, done);
        self.starts.truncate(self.step + 1);
        true
    }

    /// Marks the current step's challenge solved (remembered for the session).
    pub fn complete(&mut self) {
        if let Some(c) = self.completed.get_mut(self.step) {
            *c = true;
        }
    }

    /// "3 / 9".
    pub fn counter(&self) -> String {
        format!("{} / {}", self.step + 1, self.completed.len())
    }
}

/// A tour being played natively: a timeline, the last console command and
/// the keys the console wrote (acknowledged with OK or an integer).
pub struct Play {
    pub timeline: Timeline,
    pub last: Option<LastCommand>,
    pub written: Vec<String>,
}

impl Play {
    pub fn new(tour: &Tour, seed: u64) -> Result<Play, String> {
        let world =
            Cluster::create(tour.masters, tour.replicas, seed).map_err(|e| e.to_string())?;
        Ok(Play {
            timeline: Timeline::new(world),
            last: None,
            written: Vec::new(),
        })
    }

    pub fn apply(&mut self, action: &TourAction) {
        match action {
            TourAction::Advance(ms) => {
                let to = self.timeline.now() + ms;
                self.timeline.advance_to(to);
            }
            TourAction::Act(a) => {
                let outcome = self.timeline.act(a.clone());
                if let (Action::ConsoleLine(line), Outcome::Console(o)) = (a, outcome) {
                    if let Some(k) = acknowledged_write(line, &o.printed) {
                        self.written.push(k);
                    }
                    self.last = Some(LastCommand {
                        line: line.clone(),
                        printed: o.printed,
                        hops: o.hops.len(),
                    });
                }
            }
        }
    }

    /// Applies the step's setup. The goals about "the last command" are
    /// about the learner's: the setup's console lines do not count.
    pub fn start_step(&mut self, step: &Step) {
        for a in &step.setup {
            self.apply(a);
        }
        self.last = None;
    }

    pub fn met(&self, goal: &Goal) -> bool {
        met(
            goal,
            self.timeline.cluster(),
            self.last.as_ref(),
            &self.written,
        )
    }
}

/// `--check-tour`: plays every step's setup, and for each challenge proves
/// that it is not met before the learner acts and that its solution meets
/// it (the state then goes on to the next step, as after a learner who
/// solved it). The report says what each step did.
pub fn check(tour: &Tour, seed: u64) -> Result<Vec<String>, TourError> {
    let mut play = Play::new(tour, seed).map_err(|m| TourError {
        line: 1,
        field: "setup".into(),
        message: m,
    })?;
    let mut report = Vec::new();
    for (i, step) in tour.steps.iter().enumerate() {
        play.start_step(step);
        let Some(c) = &step.challenge else {
            report.push(format!("step {} '{}': no challenge", i + 1, step.title));
            continue;
        };
        if play.met(&c.goal) {
            return Err(TourError {
                line: step.line,
                field: "goal".into(),
                message: format!(
                    "step {} '{}': the goal is already met before the learner acts",
                    i + 1,
                    clip(&step.title)
                ),
            });
        }
        for a in &c.solution {
            play.apply(a);
        }
        if !play.met(&c.goal) {
            let said = play
                .last
                .as_ref()
                .map(|l| l.printed.join(" / "))
                .unwrap_or_default();
            return Err(TourError {
                line: step.line,
                field: "solution".into(),
                message: format!(
                    "step {} '{}': the solution does not reach the goal (last console output: {})",
                    i + 1,
                    clip(&step.title),
                    clip(&said)
                ),
            });
        }
        report.push(format!(
            "step {} '{}': goal not met at first, met by the solution at {} ms",
            i + 1,
            step.title,
            play.timeline.now()
        ));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "tour: t1\ntitle: A tour\nsummary: s\n\
step: One\ntext: Try [[GET foo]] or `x` *now*.\nsetup: topology 3 1\n\
goal: reply-moved\nhint: GET a key of another node.\nsolution: console GET foo\n\
step: Two\ntext: Smart.\nsetup: client smart\ngoal: one-hop\nsolution: console GET foo\nsolution: console GET foo\n";

    #[test]
    fn a_tour_parses_and_its_challenges_are_proved() {
        let t = parse(SMALL).unwrap();
        assert_eq!(t.steps.len(), 2);
        assert_eq!(
            t.steps[0].paragraphs[0],
            [
                Inline::Text("Try ".into()),
                Inline::Command("GET foo".into()),
                Inline::Text(" or ".into()),
                Inline::Code("x".into()),
                Inline::Text(" ".into()),
                Inline::Emphasis("now".into()),
                Inline::Text(".".into()),
            ]
        );
        let report = check(&t, 1).unwrap();
        assert_eq!(report.len(), 2, "{report:?}");
    }

    #[test]
    fn errors_name_the_line_and_the_field() {
        let e = parse("tour: x\ntitle: T\nstep: s\ngoal: fly\n").unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (4, "goal"));
        assert!(e.message.contains("unknown goal 'fly'"), "{e}");
        let e = parse("tour: x\ntitle: T\ntext: hi\n").unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (3, "text"));
        let e = parse("tour: x\ntitle: T\nstep: s\nsetup: kill 9000\n").unwrap_err();
        assert!(e.message.contains("no node listens on 9000"), "{e}");
        let e = parse("tour: x\ntitle: T\nstep: s\ntext: an `open\n").unwrap_err();
        assert_eq!(e.field, "text");
        let e = parse("tour: x\ntitle: T\nstep: s\ngoal: one-hop\n").unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (3, "solution"));
        let e = parse("no colon here").unwrap_err();
        assert_eq!(e.line, 1);
        let e = parse("tour: x\ntitle: T\nstep: s\nsetup: setting cluster-node-timeout abc\n")
            .unwrap_err();
        assert_eq!(e.field, "setup");
    }

    #[test]
    fn back_restores_the_previous_step_as_it_started() {
        let t = parse(SMALL).unwrap();
        let mut play = Play::new(&t, 1).unwrap();
        let mut progress = Progress::new(&t);
        play.start_step(&t.steps[0]);
        progress.started(&play.timeline);
        let at_start = play.timeline.state_at(play.timeline.now());
        // The learner acts (all in the same millisecond), then goes on.
        play.apply(&TourAction::Act(Action::ConsoleLine("SET foo bar".into())));
        play.apply(&TourAction::Act(Action::Kill(2)));
        assert!(progress.forward());
        play.start_step(&t.steps[1]);
        progress.started(&play.timeline);
        assert_eq!(progress.counter(), "2 / 2");
        assert!(progress.back(&mut play.timeline));
        assert_eq!(progress.counter(), "1 / 2");
        let world = play.timeline.cluster();
        assert!(world.nodes[2].alive, "the kill is undone");
        assert_eq!(world.now, at_start.world.now);
        assert_eq!(play.timeline.actions().len(), 0);
        assert!(
            !progress.back(&mut play.timeline),
            "no step before the first"
        );
    }

    #[test]
    fn actions_print_as_the_file_writes_them() {
        for line in [
            "console GET {user:1001}:k1",
            "advance 250",
            "kill 7002",
            "restart 7000",
            "pause 7001 3000",
            "isolate 7003",
            "heal",
            "failover 7003",
            "failover 7003 takeover",
            "setting cluster-node-timeout 2000",
            "client smart",
            "connect 7001",
            "move-slot 5712 7000",
            "pause-operation",
            "resume-operation",
            "step-operation",
        ] {
            let a = action(line, 6).unwrap();
            assert_eq!(a.to_string(), line);
        }
        assert_eq!(
            acknowledged_write("set foo bar", &["OK".into()]).as_deref(),
            Some("foo")
        );
        assert_eq!(
            acknowledged_write("SET foo bar", &["(error) MOVED 1 x".into()]),
            None
        );
        assert_eq!(acknowledged_write("GET foo", &["OK".into()]), None);
    }

    #[test]
    fn a_goal_met_before_the_learner_acts_is_refused() {
        let t = parse("tour: x\ntitle: T\nstep: s\ngoal: master 7000\nsolution: console PING\n")
            .unwrap();
        let e = check(&t, 1).unwrap_err();
        assert!(e.message.contains("already met"), "{e}");
    }

    /// A master that restarts after its replica took over calls itself
    /// master until it hears otherwise, and the others still list it as a
    /// (failed, slot-less) master: that is not "master everywhere".
    #[test]
    fn a_restarted_old_master_is_not_master_everywhere() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        c.set_config(|conf| conf.node_timeout = 2_000);
        c.kill(0);
        c.advance(8_000);
        let master = |c: &Cluster, port| met(&Goal::MasterEverywhere(port), c, None, &[]);
        assert!(master(&c, 7003));
        c.restart(0);
        assert!(!master(&c, 7000), "just restarted");
        c.advance(3_000);
        assert!(!master(&c, 7000), "rejoined as a replica");
        assert!(master(&c, 7003));
    }

    /// A write is lost once the replica promoted without it serves the
    /// slot, not while the slot has no live master at all.
    #[test]
    fn a_write_is_lost_only_once_a_master_without_it_serves_its_slot() {
        let mut c = Cluster::create(3, 1, 1).unwrap();
        c.set_config(|conf| conf.node_timeout = 2_000);
        let lost = |c: &Cluster| met(&Goal::WriteLost("foo".into()), c, None, &["foo".into()]);
        // foo's slot 12182 is on 7002 (index 2); the key is not there (the
        // write was never replicated, say), and 7002 is down.
        c.kill(2);
        assert!(!lost(&c), "no master serves the slot yet");
        c.advance(8_000);
        assert!(lost(&c), "7005 serves it, without foo");
    }
}
