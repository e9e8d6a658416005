//! A link that reproduces a moment: the whole situation in the URL's
//! fragment (never sent to a server), versioned and compact.
//!
//! `#v=1&c=0&p=20000&t=12345&o=1&n=3&d=log&k=user:1001&a=…`
//!
//! - `v` link version (this page writes and opens 1);
//! - `c` the cluster offered (index in `SHAPES`), created with the seed 1;
//! - `p` the present (how far the run went), `t` the moment shown, ms;
//! - `o` observer, `n` selected node (optional), `d` open drawer, `k` the key
//!   in the inspector, `s` speed (log10 × 100);
//! - `a` every action of the run with its simulated time, the timeline's
//!   own record, as `<Δms in base 36><op><args>` joined by `,` (see `Op`).
//!
//! Replaying the actions at their times rebuilds the same run (the core is
//! deterministic), console transcript included. A link is bounded — at most
//! `MAX_ACTIONS` actions, `MAX_MS` of simulated time, `MAX_LEN` characters —
//! and anything malformed, truncated or naming what does not exist is
//! refused with a message saying what was wrong; it never panics.

use slotscope_sim::console::ClientMode;
use slotscope_sim::operator::Request;
use slotscope_sim::timeline::Action;
use slotscope_sim::NodeIdx;

use crate::msg::{cluster_of, SHAPES};
use crate::studio::{Drawer, Studio};

/// The link version this page writes and opens.
pub const VERSION: u32 = 1;
/// At most this many actions in a link.
pub const MAX_ACTIONS: usize = 2_000;
/// At most this much simulated time (ms) a link may ask to run: one hour
/// of the 6-node cluster (about half a second to replay), ten minutes of
/// the 100-node one (about two seconds).
pub const MAX_MS: u64 = 3_600_000;
const MAX_MS_BIG: u64 = 600_000;
/// At most this many nodes a link may add (add-node).
pub const MAX_ADDED_NODES: usize = 50;
/// At most this many characters.
pub const MAX_LEN: usize = 200_000;
/// At most this long a console line or a command word in a link.
const MAX_TEXT: usize = 4_096;

/// What a link says (plain data: decoding does not run anything).
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub shape: usize,
    pub present: u64,
    pub moment: u64,
    pub observer: NodeIdx,
    pub selected: Option<NodeIdx>,
    pub drawer: Drawer,
    pub key: String,
    pub speed_log: f64,
    pub actions: Vec<(u64, Action)>,
}

/// Why a link was refused, in words for the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkError(pub String);

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn bad(why: impl Into<String>) -> LinkError {
    LinkError(why.into())
}

// ---------------------------------------------------------------- text

/// Bytes kept as they are in a link's strings; space becomes `+`, the
/// rest `%XX`.
fn plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~' | b':' | b'/' | b'*' | b'!')
}

fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if plain(b) {
            out.push(b as char);
        } else if b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `%XX` and `+` decoded, any other byte kept (a query's or fragment's
/// escapes; shared with `embed`).
pub fn percent_decode(text: &str) -> Result<Vec<u8>, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or("a %-escape is cut short or not hex")?;
                out.push(hex);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    Ok(out)
}

/// A link's text: only the characters `escape` writes, then decoded.
fn unescape(text: &str) -> Result<Vec<u8>, LinkError> {
    if let Some(b) = text
        .bytes()
        .find(|&b| !(plain(b) || b == b'+' || b == b'%'))
    {
        return Err(bad(format!(
            "the link holds a character it cannot contain ({:?})",
            b as char
        )));
    }
    let out = percent_decode(text).map_err(|e| bad(format!("{e} in the link")))?;
    if out.len() > MAX_TEXT {
        return Err(bad("a text in the link is too long"));
    }
    Ok(out)
}

fn unescape_string(text: &str) -> Result<String, LinkError> {
    String::from_utf8(unescape(text)?).map_err(|_| bad("a text in the link is not UTF-8"))
}

fn number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, LinkError> {
    text.parse()
        .map_err(|_| bad(format!("{what} is not a number: {:?}", clip(text))))
}

/// At most 40 characters of something quoted in a message.
fn clip(text: &str) -> String {
    text.chars().take(40).collect()
}

// ---------------------------------------------------------------- actions

/// One action as text: an op letter, then its arguments joined by `.`.
fn action_text(action: &Action) -> String {
    let words = |argv: &[Vec<u8>]| argv.iter().map(|w| escape(w)).collect::<Vec<_>>().join(".");
    match action {
        Action::Kill(n) => format!("K{n}"),
        Action::Restart(n) => format!("R{n}"),
        Action::Pause(n, ms) => format!("P{n}.{ms}"),
        Action::Partition(groups) => format!(
            "X{}",
            groups
                .iter()
                .map(|g| g
                    .iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join("-"))
                .collect::<Vec<_>>()
                .join("_")
        ),
        Action::Heal => "H".into(),
        Action::Connect(n) => format!("G{n}"),
        Action::Execute { conn, argv } => format!("E{conn}.{}", words(argv)),
        Action::SetConfig(name, value) => {
            format!("S{}.{}", escape(name.as_bytes()), escape(value.as_bytes()))
        }
        Action::ConsoleLine(line) => format!("L{}", escape(line.as_bytes())),
        Action::ConsoleInterrupt => "I".into(),
        Action::ConsoleMode(mode) => format!(
            "M{}",
            ClientMode::ALL.iter().position(|m| m == mode).unwrap_or(0)
        ),
        Action::ConsoleNode(n) => format!("N{n}"),
        Action::NodeCommand(n, argv) => format!("F{n}.{}", words(argv)),
        Action::CutLink(a, b) => format!("C{a}.{b}"),
        Action::RestoreLink(a, b) => format!("U{a}.{b}"),
        Action::SlowLink(a, b, ms) => format!("W{a}.{b}.{ms}"),
        Action::Operate(r) => match r {
            Request::Reshard {
                source,
                target,
                count,
            } => format!("Or{source}.{target}.{count}"),
            Request::MoveSlot { slot, target } => format!("Om{slot}.{target}"),
            Request::AddNode { replica } => format!("Oa{}", u8::from(*replica)),
            Request::DelNode(n) => format!("Od{n}"),
            Request::Rebalance => "Ob".into(),
            Request::Fix => "Of".into(),
        },
        Action::PauseOperation(p) => format!("Q{}", u8::from(*p)),
        Action::StepOperation => "T".into(),
        Action::AbandonOperation => "A".into(),
    }
}

fn parse_action(text: &str) -> Result<Action, LinkError> {
    let mut chars = text.chars();
    let op = chars.next().ok_or_else(|| bad("an action is empty"))?;
    let rest = chars.as_str();
    let args: Vec<&str> = if rest.is_empty() {
        Vec::new()
    } else {
        rest.split('.').collect()
    };
    let n = |i: usize| -> Result<NodeIdx, LinkError> {
        let a = args
            .get(i)
            .ok_or_else(|| bad(format!("action {:?} lacks an argument", clip(text))))?;
        number(a, "a node")
    };
    let ms = |i: usize| -> Result<u64, LinkError> {
        let a = args
            .get(i)
            .ok_or_else(|| bad(format!("action {:?} lacks an argument", clip(text))))?;
        number(a, "a time")
    };
    let count = |want: usize| -> Result<(), LinkError> {
        if args.len() == want {
            Ok(())
        } else {
            Err(bad(format!(
                "action {:?} has {} arguments, not {want}",
                clip(text),
                args.len()
            )))
        }
    };
    let argv = |from: usize| -> Result<Vec<Vec<u8>>, LinkError> {
        let words: Result<Vec<Vec<u8>>, LinkError> =
            args.iter().skip(from).map(|w| unescape(w)).collect();
        let words = words?;
        if words.is_empty() {
            return Err(bad(format!("action {:?} has no command", clip(text))));
        }
        Ok(words)
    };
    let action = match op {
        'K' => {
            count(1)?;
            Action::Kill(n(0)?)
        }
        'R' => {
            count(1)?;
            Action::Restart(n(0)?)
        }
        'P' => {
            count(2)?;
            Action::Pause(n(0)?, ms(1)?)
        }
        'X' => {
            let groups: Result<Vec<Vec<NodeIdx>>, LinkError> = rest
                .split('_')
                .map(|g| g.split('-').map(|x| number(x, "a node")).collect())
                .collect();
            Action::Partition(groups?)
        }
        'H' => {
            count(0)?;
            Action::Heal
        }
        'G' => {
            count(1)?;
            Action::Connect(n(0)?)
        }
        'E' => Action::Execute {
            conn: n(0)?,
            argv: argv(1)?,
        },
        'S' => {
            count(2)?;
            Action::SetConfig(unescape_string(args[0])?, unescape_string(args[1])?)
        }
        'L' => Action::ConsoleLine(unescape_string(rest)?),
        'I' => {
            count(0)?;
            Action::ConsoleInterrupt
        }
        'M' => {
            count(1)?;
            let i: usize = number(args[0], "a client mode")?;
            Action::ConsoleMode(
                *ClientMode::ALL
                    .get(i)
                    .ok_or_else(|| bad(format!("there is no client mode {i}")))?,
            )
        }
        'N' => {
            count(1)?;
            Action::ConsoleNode(n(0)?)
        }
        'F' => Action::NodeCommand(n(0)?, argv(1)?),
        'C' => {
            count(2)?;
            Action::CutLink(n(0)?, n(1)?)
        }
        'U' => {
            count(2)?;
            Action::RestoreLink(n(0)?, n(1)?)
        }
        'W' => {
            count(3)?;
            Action::SlowLink(n(0)?, n(1)?, ms(2)?)
        }
        'O' => {
            let kind = rest.chars().next().unwrap_or(' ');
            let args: Vec<&str> = if rest.len() > 1 {
                rest[1..].split('.').collect()
            } else {
                Vec::new()
            };
            let num = |i: usize| -> Result<usize, LinkError> {
                number(
                    args.get(i)
                        .ok_or_else(|| bad(format!("action {:?} lacks an argument", clip(text))))?,
                    "an operation's argument",
                )
            };
            Action::Operate(match kind {
                'r' => Request::Reshard {
                    source: num(0)?,
                    target: num(1)?,
                    count: num(2)?.min(usize::from(slotscope_sim::SLOT_COUNT)),
                },
                'm' => Request::MoveSlot {
                    slot: u16::try_from(num(0)?)
                        .ok()
                        .filter(|s| *s < slotscope_sim::SLOT_COUNT)
                        .ok_or_else(|| bad("a slot in the link is out of range"))?,
                    target: num(1)?,
                },
                'a' => Request::AddNode {
                    replica: num(0)? == 1,
                },
                'd' => Request::DelNode(num(0)?),
                'b' => Request::Rebalance,
                'f' => Request::Fix,
                _ => return Err(bad(format!("unknown operation in {:?}", clip(text)))),
            })
        }
        'Q' => {
            count(1)?;
            Action::PauseOperation(args[0] == "1")
        }
        'T' => Action::StepOperation,
        'A' => Action::AbandonOperation,
        _ => return Err(bad(format!("unknown action {:?}", clip(text)))),
    };
    Ok(action)
}

// ---------------------------------------------------------------- link

fn drawer_name(d: Drawer) -> &'static str {
    match d {
        Drawer::Key => "key",
        Drawer::Log => "log",
        Drawer::Operations => "ops",
    }
}

/// The link to what `studio` shows (the fragment, without `#`).
pub fn encode(studio: &Studio) -> String {
    // In one of the repo's tours, the link names the tour and the step
    // (from 1): it opens that step as it starts.
    if let Some(p) = studio.tour.as_ref().filter(|p| p.builtin) {
        return format!(
            "v={VERSION}&tour={}&step={}",
            p.tour.id,
            p.progress.step + 1
        );
    }
    let shape = SHAPES.iter().position(|s| *s == studio.shape).unwrap_or(0);
    let mut out = format!(
        "v={VERSION}&c={shape}&p={}&t={}&o={}",
        studio.timeline.now(),
        studio.now(),
        studio.observer
    );
    if let Some(n) = studio.selected {
        out.push_str(&format!("&n={n}"));
    }
    if studio.drawer != Drawer::Key {
        out.push_str(&format!("&d={}", drawer_name(studio.drawer)));
    }
    out.push_str(&format!("&k={}", escape(studio.inspector_key.as_bytes())));
    if studio.speed_log != 0.0 {
        out.push_str(&format!("&s={}", (studio.speed_log * 100.0).round() as i64));
    }
    let mut last = 0u64;
    let actions: Vec<String> = studio
        .timeline
        .actions()
        .iter()
        .map(|(at, a)| {
            let dt = at.saturating_sub(last);
            last = *at;
            format!("{}{}", base36(dt), action_text(a))
        })
        .collect();
    if !actions.is_empty() {
        out.push_str("&a=");
        out.push_str(&actions.join(","));
    }
    out
}

fn base36(mut n: u64) -> String {
    if n == 0 {
        return "0".into();
    }
    let mut digits = Vec::new();
    while n > 0 {
        digits.push(char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
        n /= 36;
    }
    digits.iter().rev().collect()
}

/// A tour link's tour id and step (from 0): `tour=ID` and optionally
/// `step=N` (from 1), in a fragment or a query. None: not a tour link.
/// Err: a tour link that cannot be read.
pub fn tour_of(text: &str) -> Result<Option<(String, usize)>, LinkError> {
    let text = text.trim_start_matches(['#', '?']);
    let mut tour = None;
    let mut step = 1usize;
    for part in text.split('&') {
        let (name, value) = part.split_once('=').unwrap_or((part, ""));
        match name {
            "tour" => {
                if value.is_empty()
                    || value.len() > 64
                    || !value
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    return Err(bad(format!("{:?} is not a tour's id", clip(value))));
                }
                tour = Some(value.to_string());
            }
            "step" => {
                step = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| bad(format!("step {:?} is not a step number", clip(value))))?;
            }
            _ => {}
        }
    }
    Ok(tour.map(|t| (t, step - 1)))
}

/// Reads a fragment (with or without its `#`). Nothing runs yet.
pub fn decode(fragment: &str) -> Result<Link, LinkError> {
    let text = fragment.strip_prefix('#').unwrap_or(fragment);
    if text.len() > MAX_LEN {
        return Err(bad(format!(
            "the link is {} characters long; at most {MAX_LEN} are opened",
            text.len()
        )));
    }
    let mut link = Link {
        shape: 0,
        present: 0,
        moment: 0,
        observer: 0,
        selected: None,
        drawer: Drawer::Key,
        key: crate::app::START_KEY.to_string(),
        speed_log: 0.0,
        actions: Vec::new(),
    };
    let mut version = None;
    let mut seen: Vec<&str> = Vec::new();
    for part in text.split('&') {
        let (name, value) = part
            .split_once('=')
            .ok_or_else(|| bad(format!("{:?} is not a name=value pair", clip(part))))?;
        if seen.contains(&name) {
            return Err(bad(format!("{name:?} is given twice")));
        }
        seen.push(name);
        match name {
            "v" => version = Some(number::<u32>(value, "the link version")?),
            "c" => link.shape = number(value, "the cluster")?,
            "p" => link.present = number(value, "the present")?,
            "t" => link.moment = number(value, "the moment")?,
            "o" => link.observer = number(value, "the observer")?,
            "n" => link.selected = Some(number(value, "the selected node")?),
            "d" => {
                link.drawer = match value {
                    "key" => Drawer::Key,
                    "log" => Drawer::Log,
                    "ops" => Drawer::Operations,
                    _ => return Err(bad(format!("there is no panel {:?}", clip(value)))),
                }
            }
            "k" => link.key = unescape_string(value)?,
            "s" => {
                let s: i64 = number(value, "the speed")?;
                link.speed_log = (s as f64 / 100.0)
                    .clamp(crate::studio::SPEED_LOG_MIN, crate::studio::SPEED_LOG_MAX);
            }
            "a" => {
                let mut at = 0u64;
                for (i, item) in value.split(',').enumerate() {
                    if i >= MAX_ACTIONS {
                        return Err(bad(format!("the link has more than {MAX_ACTIONS} actions")));
                    }
                    let digits = item
                        .find(|c: char| !c.is_ascii_alphanumeric() || c.is_ascii_uppercase())
                        .unwrap_or(item.len());
                    let dt = u64::from_str_radix(&item[..digits], 36)
                        .map_err(|_| bad(format!("action {} has no time", i + 1)))?;
                    at = at.saturating_add(dt);
                    let action = parse_action(&item[digits..])
                        .map_err(|e| bad(format!("action {}: {e}", i + 1)))?;
                    link.actions.push((at, action));
                }
            }
            _ => {
                return Err(bad(format!(
                    "the link has an unknown part {:?}",
                    clip(name)
                )))
            }
        }
    }
    match version {
        None => return Err(bad("the link does not say its version (v=)")),
        Some(VERSION) => {}
        Some(v) => {
            return Err(bad(format!(
                "the link is version {v}; this Slotscope opens version {VERSION} links"
            )))
        }
    }
    if link.shape >= SHAPES.len() {
        return Err(bad(format!("there is no cluster {}", link.shape)));
    }
    let last = link.actions.last().map_or(0, |(t, _)| *t);
    link.present = link.present.max(last).max(link.moment);
    let max_ms = max_ms(link.shape);
    if link.present > max_ms {
        return Err(bad(format!(
            "the link asks for {} s of simulated time; at most {} s are run",
            link.present / 1000,
            max_ms / 1000
        )));
    }
    let added = link
        .actions
        .iter()
        .filter(|(_, a)| matches!(a, Action::Operate(Request::AddNode { .. })))
        .count();
    if added > MAX_ADDED_NODES {
        return Err(bad(format!(
            "the link adds {added} nodes; at most {MAX_ADDED_NODES} are added"
        )));
    }
    Ok(link)
}

/// The simulated time a link of cluster `shape` may run.
fn max_ms(shape: usize) -> u64 {
    if SHAPES[shape].nodes > 6 {
        MAX_MS_BIG
    } else {
        MAX_MS
    }
}

/// The nodes an action names, to check before it runs.
fn nodes_named(action: &Action) -> Vec<NodeIdx> {
    match action {
        Action::Kill(n)
        | Action::Restart(n)
        | Action::Pause(n, _)
        | Action::Connect(n)
        | Action::ConsoleNode(n)
        | Action::NodeCommand(n, _) => vec![*n],
        Action::Partition(groups) => groups.iter().flatten().copied().collect(),
        Action::CutLink(a, b) | Action::RestoreLink(a, b) | Action::SlowLink(a, b, _) => {
            vec![*a, *b]
        }
        Action::Operate(Request::Reshard { source, target, .. }) => vec![*source, *target],
        Action::Operate(Request::MoveSlot { target, .. }) => vec![*target],
        Action::Operate(Request::DelNode(n)) => vec![*n],
        _ => Vec::new(),
    }
}

/// Runs what a link describes: a new studio at its moment.
pub fn open(link: &Link) -> Result<Studio, LinkError> {
    let mut studio = Studio::new(cluster_of(SHAPES[link.shape]));
    for (i, (at, action)) in link.actions.iter().enumerate() {
        studio.seek(*at as f64);
        let nodes = studio.cluster().nodes.len();
        if let Some(n) = nodes_named(action).into_iter().find(|&n| n >= nodes) {
            return Err(bad(format!(
                "action {} names node {n}, and the cluster has {nodes} then",
                i + 1
            )));
        }
        if let Action::Execute { conn, .. } = action {
            if *conn >= studio.cluster().conns.len() {
                return Err(bad(format!(
                    "action {} uses a connection that was never opened",
                    i + 1
                )));
            }
        }
        if let Action::SetConfig(name, value) = action {
            // Checked as CONFIG SET checks it, on a copy.
            let mut config = slotscope_sim::cluster::Config::default();
            if let Err(e) = slotscope_sim::config::set_one(&mut config, name, value) {
                return Err(bad(format!(
                    "action {}: {}",
                    i + 1,
                    slotscope_sim::render::render_tty(&e)
                )));
            }
        }
        match action {
            Action::ConsoleLine(line) => studio.console_line(line),
            Action::ConsoleInterrupt => studio.console_interrupt(),
            other => {
                studio.act(other.clone());
            }
        }
        // A command can block (WAIT) and run the clock on: a link cannot
        // make the page run past its limit that way either.
        if studio.timeline.now() > max_ms(link.shape) {
            return Err(bad(format!(
                "action {} runs the cluster past {} s of simulated time",
                i + 1,
                max_ms(link.shape) / 1000
            )));
        }
    }
    studio.finish_animation();
    studio.seek(link.present as f64);
    studio.seek(link.moment.min(link.present) as f64);
    let nodes = studio.cluster().nodes.len();
    if link.observer >= nodes {
        return Err(bad(format!(
            "there is no node {} to observe from",
            link.observer
        )));
    }
    studio.observer = link.observer;
    studio.selected = link.selected.filter(|&n| n < nodes);
    studio.drawer = link.drawer;
    studio.inspector_key = link.key.clone();
    studio.speed_log = link.speed_log;
    studio.branch_notice = None;
    Ok(studio)
}

/// The sentence the page shows for a refused link.
pub fn refused(e: &LinkError) -> String {
    format!("This link could not be opened: {e}. The default page is shown.")
}

/// `open(decode(fragment))`.
pub fn studio_from(fragment: &str) -> Result<Studio, LinkError> {
    open(&decode(fragment)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msg::{update, Msg, NodeOp};

    fn sample() -> Studio {
        let mut s = Studio::new(cluster_of(SHAPES[0]));
        update(&mut s, Msg::SetNodeTimeout(2_000));
        update(&mut s, Msg::Seek(0));
        s.seek(1_000.0);
        update(
            &mut s,
            Msg::ConsoleLine("SET {user:1}:a \"hello, world\" EX 100".into()),
        );
        s.finish_animation();
        update(&mut s, Msg::SelectNode(0));
        update(&mut s, Msg::NodeOp(NodeOp::Kill));
        s.seek(9_000.0);
        update(&mut s, Msg::ConsoleLine("GET foo".into()));
        s.finish_animation();
        s.seek(6_500.0);
        s.observer = 1;
        s.inspector_key = "{user:1}:a".into();
        s.drawer = Drawer::Log;
        s
    }

    #[test]
    fn a_link_reopens_the_same_moment() {
        let mut s = sample();
        let text = encode(&s);
        let mut back = studio_from(&text).expect(&text);
        assert_eq!(back.now(), s.now());
        assert_eq!(back.timeline.now(), s.timeline.now());
        assert_eq!(back.observer, 1);
        assert_eq!(back.selected, Some(0));
        assert_eq!(back.drawer, Drawer::Log);
        assert_eq!(back.inspector_key, "{user:1}:a");
        assert_eq!(back.console_log, s.console_log);
        let a = slotscope_sim::session::Session::clone(s.session());
        let b = back.session();
        assert_eq!(a.world.cluster_nodes(1), b.world.cluster_nodes(1));
        assert_eq!(back.markers().to_vec(), s.markers().to_vec());
        // And the link of the reopened page is the same link.
        assert_eq!(encode(&back), text);
    }

    /// What a moment looks like, to compare a reopened link with.
    pub fn summary(s: &mut Studio) -> String {
        let mut out = format!(
            "clock {} present {} observer {} selected {:?} key {}\n",
            s.now(),
            s.timeline.now(),
            s.observer,
            s.selected,
            s.inspector_key
        );
        let (observer, shape) = (s.observer, s.shape);
        let cards = crate::view::cards::cards(&s.session().world, observer, shape);
        for c in cards {
            out.push_str(&format!(
                ":{} seen master {} pfail {} fail {} alive {} epoch {} offset {}\n",
                c.port, c.seen_master, c.seen_pfail, c.seen_fail, c.alive, c.config_epoch, c.offset
            ));
        }
        for e in &s.console_log {
            out.push_str(&format!(
                "{} {}\n{}\n",
                e.prompt,
                e.line,
                e.printed.join("\n")
            ));
        }
        for m in s.markers() {
            out.push_str(&format!("marker {} {} {}\n", m.at, m.kind.label(), m.text));
        }
        out
    }

    /// Prints a link and its moment, to make a fixture:
    /// `cargo test --lib print_a_fixture -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn print_a_fixture() {
        let mut s = sample();
        println!("{}", encode(&s));
        println!("{}", summary(&mut s));
    }

    /// A link made on 2026-12-01 (version 1): every later version must open
    /// it at the same moment (clock, cards as the observer sees them,
    /// console, markers), or refuse it naming its version.
    #[test]
    fn the_committed_v1_link_opens_the_same_moment() {
        let link = include_str!("../tests/data/link-v1.txt").trim();
        let expected = include_str!("../tests/data/link-v1.moment.txt");
        let mut s = studio_from(link).expect("the v1 link opens");
        assert_eq!(summary(&mut s).trim_end(), expected.trim_end());
    }

    #[test]
    fn the_link_is_compact() {
        // A 10-minute session with 50 actions.
        let mut s = Studio::new(cluster_of(SHAPES[0]));
        for i in 0..50u64 {
            s.seek((i * 12_000) as f64);
            match i % 5 {
                0 => s.console_line(&format!("SET user:{i} value-{i}")),
                1 => s.console_line(&format!("GET user:{}", i - 1)),
                2 => {
                    s.act(Action::Kill((i % 3) as usize));
                }
                3 => {
                    s.act(Action::Restart((i % 3) as usize));
                }
                _ => s.console_line("CLUSTER INFO"),
            }
            s.finish_animation();
        }
        s.seek(600_000.0);
        let text = encode(&s);
        eprintln!(
            "a 10-minute session with 50 actions: {} characters",
            text.len()
        );
        assert!(text.len() <= 2_000, "{} characters: {text}", text.len());
    }

    #[test]
    fn bad_links_say_what_is_wrong() {
        let cases = [
            ("", "is not a name=value pair"),
            ("c=0", "does not say its version"),
            ("v=2&c=0", "version 2; this Slotscope opens version 1"),
            ("v=1&c=7", "there is no cluster 7"),
            ("v=1&c=0&t=abc", "the moment is not a number"),
            ("v=1&v=1", "given twice"),
            ("v=1&zz=1", "unknown part"),
            ("v=1&a=0K99", "action 1 names node 99"),
            ("v=1&a=0Z", "unknown action"),
            ("v=1&a=0K", "has 0 arguments, not 1"),
            ("v=1&p=99999999999", "at most 3600 s"),
            ("v=1&c=1&p=700000", "at most 600 s"),
            // WAIT on a partitioned replica blocks for an hour each time.
            ("v=1&a=0X3,0LSET+bar+1,0LWAIT+1+0,0LWAIT+1+0", "past 3600 s"),
            ("v=1&k=%4", "cut short"),
            ("v=1&k=<b>", "cannot contain"),
            ("v=1&a=0Scluster-node-timeout.abc", "action 1"),
            ("v=1&a=0E5.GET.foo", "never opened"),
            ("v=1&o=40", "no node 40"),
        ];
        for (text, why) in cases {
            match studio_from(text) {
                Ok(_) => panic!("{text:?} opened"),
                Err(e) => assert!(e.0.contains(why), "{text:?}: {e}"),
            }
        }
    }

    #[test]
    fn random_and_mangled_links_never_panic() {
        let good = encode(&sample());
        let mut rng = slotscope_sim::rng::Rng::new(7);
        let mut opened = 0;
        for round in 0..3_000u64 {
            let mut bytes = good.clone().into_bytes();
            match round % 4 {
                // Truncated anywhere.
                0 => bytes.truncate(rng.below(bytes.len() as u64 + 1) as usize),
                // A few bytes changed to anything printable.
                1 => {
                    for _ in 0..1 + rng.below(4) {
                        let i = rng.below(bytes.len() as u64) as usize;
                        bytes[i] = 32 + rng.below(95) as u8;
                    }
                }
                // A part duplicated or dropped.
                2 => {
                    let i = rng.below(bytes.len() as u64) as usize;
                    let j = rng.below(bytes.len() as u64) as usize;
                    let (a, b) = (i.min(j), i.max(j));
                    let piece = bytes[a..b].to_vec();
                    bytes.splice(a..a, piece);
                }
                // Noise.
                _ => {
                    bytes = (0..rng.below(200))
                        .map(|_| 32 + rng.below(95) as u8)
                        .collect();
                }
            }
            let text = String::from_utf8_lossy(&bytes);
            if studio_from(&text).is_ok() {
                opened += 1;
            }
        }
        // Most mangled links are refused; some still describe a run.
        assert!(opened < 3_000);
    }
}
