//! The cluster: masters on top, each shard's replicas under its master, the
//! console's client below, and the messages in the air between them. Flags
//! and roles are drawn as the chosen observer node believes them; what the
//! node itself believes is in its card. Dead, paused and cut-off nodes
//! differ by outline and a word, not by colour alone.

use slotscope_sim::bus::MsgKind;
use slotscope_sim::NodeIdx;

pub use crate::view::cards::{cards, slot_ranges, NodeCard, Shape};
use yew::prelude::*;

use crate::studio::{flight_label, Flight, HopFlight};

/// Shards per band of the drawing: bigger clusters wrap into more bands.
const SHARDS_PER_BAND: usize = 10;

#[derive(Properties, PartialEq)]
pub struct ClusterViewProps {
    pub cards: Vec<NodeCard>,
    pub flights: Vec<Flight>,
    pub hops: Vec<HopFlight>,
    pub observer: NodeIdx,
    pub selected: Option<NodeIdx>,
    pub reduced_motion: bool,
    pub on_select: Callback<NodeIdx>,
    /// Clicking a message in the air shows its content.
    pub on_message: Callback<Flight>,
    /// Messages in the air not drawn (too many to draw).
    pub undrawn: usize,
    /// Links that are cut or slowed: (a, b, cut, extra ms).
    pub faults: Vec<crate::view::network::LinkFault>,
    /// Nodes a tour step points at (drawn with a halo).
    #[prop_or_default]
    pub highlighted: Vec<NodeIdx>,
    /// Message types a tour step points at (`FAIL`, ...).
    #[prop_or_default]
    pub highlight_messages: Vec<String>,
}

const COL_W: f64 = 190.0;
const ROW_H: f64 = 120.0;
const TOP: f64 = 70.0;

/// Where a node is drawn: its shard's column, its row in the shard, and
/// for big clusters the band of `SHARDS_PER_BAND` shards it falls in.
fn center(card: &NodeCard, rows: usize) -> (f64, f64) {
    let band = card.column / SHARDS_PER_BAND;
    (
        COL_W * ((card.column % SHARDS_PER_BAND) as f64 + 0.5),
        TOP + ROW_H * (card.row + band * rows) as f64,
    )
}

/// Half the width and height of a node's box and of the client's.
const NODE_HALF: (f64, f64) = (70.0, 34.0);
const CLIENT_HALF: (f64, f64) = (50.0, 16.0);

/// The part of the line between two box centres that lies outside both
/// boxes: messages leave one box's edge and reach the other's, so they never
/// cover a node's text. Boxes that touch keep the centre-to-centre line.
fn edge_to_edge(
    a: (f64, f64),
    a_half: (f64, f64),
    b: (f64, f64),
    b_half: (f64, f64),
) -> ((f64, f64), (f64, f64)) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    // The fraction of the line inside a box of that half-size: where it
    // crosses the box's nearer side, horizontal or vertical.
    let part = |half: f64, d: f64| {
        if d == 0.0 {
            f64::INFINITY
        } else {
            half / d.abs()
        }
    };
    let inside = |(hw, hh): (f64, f64)| part(hw, dx).min(part(hh, dy));
    let (sa, sb) = (inside(a_half), inside(b_half));
    if sa + sb >= 1.0 {
        return (a, b);
    }
    (
        (a.0 + dx * sa, a.1 + dy * sa),
        (b.0 - dx * sb, b.1 - dy * sb),
    )
}

/// Whether a label centred at `at` (about `half_w` wide each side, one line
/// of text) would cover the box centred at `c`.
fn covers(at: (f64, f64), half_w: f64, c: (f64, f64), (hw, hh): (f64, f64)) -> bool {
    (at.0 - c.0).abs() < hw + half_w && (at.1 - c.1).abs() < hh + 7.0
}

/// A box by its centre and half-size, in drawing units.
type Box2 = ((f64, f64), (f64, f64));

/// Where the label of a message drawn at `(x, y)` goes, as the text's
/// baseline offset from the dot: above it, or below it where above would
/// cover a box (any node's, or the client's: a label is never drawn over
/// one); None where both would.
fn label_offset((x, y): (f64, f64), text: &str, ends: &[Box2]) -> Option<f64> {
    // About 7.5 px per character of the 11–12 px monospace labels.
    let half_w = 3.75 * text.chars().count() as f64;
    // Baseline offsets, and where the line of text is then centred.
    [(-11.0, -14.0), (20.0, 16.0)]
        .into_iter()
        .find(|&(_, mid)| {
            !ends
                .iter()
                .any(|&(c, half)| covers((x, y + mid), half_w, c, half))
        })
        .map(|(baseline, _)| baseline)
}

/// The control point of a quadratic arc from `a` to `b`, bowed upwards
/// (rightwards for a vertical line) by a quarter of its length, at most
/// 100: enough to clear the boxes between two nodes of a row. Also the
/// arc's apex, half way along it, where its label goes.
fn arc_through(a: (f64, f64), b: (f64, f64)) -> ((f64, f64), (f64, f64)) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt();
    if len == 0.0 {
        return (a, a);
    }
    // A unit normal, pointing up (or right when the line is vertical).
    let (mut nx, mut ny) = (dy / len, -dx / len);
    if ny > 0.0 || (ny == 0.0 && nx < 0.0) {
        (nx, ny) = (-nx, -ny);
    }
    let bow = (len * 0.25).min(100.0);
    let mid = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
    (
        (mid.0 + nx * bow, mid.1 + ny * bow),
        (mid.0 + nx * bow / 2.0, mid.1 + ny * bow / 2.0),
    )
}

/// Short names on the wire (the full ones are in the message's title).
fn short_kind(kind: Option<MsgKind>) -> &'static str {
    match kind {
        Some(MsgKind::AuthRequest) => "AUTH_REQ",
        Some(MsgKind::AuthAck) => "AUTH_ACK",
        None => "REPL",
        k => flight_label(k),
    }
}

/// The drawing's size in its own units, and the shard rows it has.
pub struct Extent {
    pub width: f64,
    pub height: f64,
    rows: usize,
    bands: usize,
}

pub fn extent(cards: &[NodeCard]) -> Extent {
    let shards = cards.iter().map(|c| c.column + 1).max().unwrap_or(1);
    let rows = cards.iter().map(|c| c.row + 1).max().unwrap_or(1);
    let bands = shards.div_ceil(SHARDS_PER_BAND);
    let width = COL_W * shards.min(SHARDS_PER_BAND) as f64;
    let height = TOP + ROW_H * (rows * bands) as f64 + 60.0;
    Extent {
        width,
        height,
        rows,
        bands,
    }
}

/// Where node `n` is drawn, as fractions of the drawing's width and height
/// (for what the page places next to it), with its half-size.
pub fn anchor(cards: &[NodeCard], n: NodeIdx) -> Option<((f64, f64), (f64, f64))> {
    let e = extent(cards);
    let c = cards.get(n)?;
    let (x, y) = center(c, e.rows);
    Some((
        (x / e.width, y / e.height),
        (NODE_HALF.0 / e.width, NODE_HALF.1 / e.height),
    ))
}

#[function_component(ClusterView)]
pub fn cluster_view(p: &ClusterViewProps) -> Html {
    let Extent {
        width,
        height,
        rows,
        bands,
    } = extent(&p.cards);
    let client = (width / 2.0, TOP + ROW_H * (rows * bands) as f64 + 10.0);
    let center = |c: &NodeCard| center(c, rows);
    let pos = |n: NodeIdx| p.cards.get(n).map(center).unwrap_or((0.0, 0.0));
    // Every box a label must keep off.
    let boxes: Vec<Box2> = p
        .cards
        .iter()
        .map(|c| (center(c), NODE_HALF))
        .chain(std::iter::once((client, CLIENT_HALF)))
        .collect();

    // Each column is a shard (a master and its replicas): named above it,
    // so that shards are told apart by more than their colour.
    let mut columns: Vec<usize> = p.cards.iter().map(|c| c.column).collect();
    slotscope_sim::order::sort_by(&mut columns, Ord::cmp);
    columns.dedup();
    let shard_labels = columns.into_iter().map(|col| {
        let band = col / SHARDS_PER_BAND;
        let x = COL_W * ((col % SHARDS_PER_BAND) as f64 + 0.5);
        let y = TOP + ROW_H * (band * rows) as f64 - 56.0;
        html! { <text class="shard-label" x={x.to_string()} y={y.to_string()} text-anchor="middle">{ format!("shard {}", col + 1) }</text> }
    });

    // Replication links: replica → its master (as the replica says).
    let links = p.cards.iter().filter_map(|c| {
        let of = c.master_of?;
        let m = p.cards.iter().find(|m| m.port == of)?;
        let (x1, y1) = center(c);
        let (x2, y2) = center(m);
        Some(html! { <line class="link repl" x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} /> })
    });

    // Cut links dashed with a cross at the middle, slowed ones with their
    // delay. Drawn as arcs, so that a link between two nodes of a row does
    // not run behind the nodes between them (and its label stays visible).
    let faults = p.faults.iter().map(|f| {
        let (a, b, cut, extra) = (f.a, f.b, f.cut, f.extra_ms);
        let ((x1, y1), (x2, y2)) = (pos(a), pos(b));
        let ((cx, cy), (ax, ay)) = arc_through((x1, y1), (x2, y2));
        let label = if cut { "✕ cut".to_string() } else { format!("+{extra} ms") };
        html! {
            <g class={classes!("link-fault", if cut { "cut" } else { "slow" })}>
                <path d={format!("M{x1:.1} {y1:.1}Q{cx:.1} {cy:.1} {x2:.1} {y2:.1}")} />
                <text x={format!("{ax:.1}")} y={format!("{:.1}", ay - 4.0)} text-anchor="middle">{ label }</text>
            </g>
        }
    });

    let flights = p.flights.iter().map(|f| {
        let (a, b) = (pos(f.from), pos(f.to));
        let ((x1, y1), (x2, y2)) = edge_to_edge(a, NODE_HALF, b, NODE_HALF);
        let t = if p.reduced_motion { 0.5 } else { f.progress };
        let (x, y) = (x1 + (x2 - x1) * t, y1 + (y2 - y1) * t);
        let name = short_kind(f.kind);
        let label_y = label_offset((x, y), name, &boxes);
        let gossip = matches!(f.kind, Some(MsgKind::Ping | MsgKind::Pong | MsgKind::Meet));
        let pointed = p.highlight_messages.iter().any(|m| m.eq_ignore_ascii_case(flight_label(f.kind)));
        let class = classes!("msg", if gossip { "gossip" } else { "notable" }, format!("k-{}", name.to_ascii_lowercase()),
                             pointed.then_some("highlight"));
        let flight = f.clone();
        let onclick = p.on_message.reform(move |_: MouseEvent| flight.clone());
        // Messages other than gossip are also Tab stops (gossip would be
        // too many: the event log lists it).
        let (flight, open) = (f.clone(), p.on_message.clone());
        let onkeydown = Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                open.emit(flight.clone());
            }
        });
        let full = format!("{} {} → {}, sent at {} ms, arrives at {} ms", flight_label(f.kind), p.cards[f.from].port, p.cards[f.to].port, f.sent_at, f.arrives);
        // The accessible name starts with the short name drawn (label in name).
        let about = format!("{name} — {full}");
        html! {
            <g class={class} transform={format!("translate({x:.1},{y:.1})")} {onclick}
               tabindex={(!gossip).then_some("0")} role={(!gossip).then_some("button")}
               aria-label={(!gossip).then(|| about.clone())} onkeydown={(!gossip).then_some(onkeydown)}>
                <title>{ format!("{full} (click to see its content)") }</title>
                <circle r={if gossip { "5" } else { "8" }} />
                if let (false, Some(dy)) = (gossip, label_y) { <text y={dy.to_string()} text-anchor="middle">{ name }</text> }
            </g>
        }
    });

    let hops = p.hops.iter().map(|h| {
        let ((cx, cy), (nx, ny)) = edge_to_edge(client, CLIENT_HALF, pos(h.node), NODE_HALF);
        let t = if p.reduced_motion { 0.5 } else { h.progress };
        let (x, y) = if h.reply {
            (nx + (cx - nx) * t, ny + (cy - ny) * t)
        } else {
            (cx + (nx - cx) * t, cy + (ny - cy) * t)
        };
        let class = classes!("hop", if h.reply { "reply" } else { "request" }, hop_class(h));
        html! {
            <g class={class} transform={format!("translate({x:.1},{y:.1})")}>
                <line class="hop-path" x1={format!("{:.1}", cx - x)} y1={format!("{:.1}", cy - y)} x2={format!("{:.1}", nx - x)} y2={format!("{:.1}", ny - y)} />
                <rect x="-6" y="-6" width="12" height="12" rx="2" />
                if let Some(dy) = label_offset((x, y), &h.label, &boxes) {
                    <text y={dy.to_string()} text-anchor="middle">{ h.label.clone() }</text>
                }
            </g>
        }
    });

    let nodes = p.cards.iter().map(|c| {
        let (x, y) = center(c);
        let on_select = p.on_select.clone();
        let idx = c.idx;
        let onclick = Callback::from(move |_| on_select.emit(idx));
        let on_select = p.on_select.clone();
        let onkeydown = Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                on_select.emit(idx);
            }
        });
        let state = if !c.alive {
            "dead"
        } else if c.paused {
            "paused"
        } else if c.stranger {
            "unknown"
        } else if c.cut_off {
            "cut off"
        } else {
            ""
        };
        let seen = if c.seen_fail {
            "fail"
        } else if c.seen_pfail {
            "fail?"
        } else {
            ""
        };
        let class = classes!(
            "node",
            if c.seen_master { "master" } else { "replica" },
            format!("owner-{}", c.column % 8),
            (!c.alive).then_some("dead"),
            c.paused.then_some("paused"),
            c.cut_off.then_some("cut-off"),
            c.stranger.then_some("stranger"),
            c.seen_pfail.then_some("pfail"),
            c.seen_fail.then_some("failed"),
            (p.selected == Some(c.idx)).then_some("selected"),
            (p.observer == c.idx).then_some("observer"),
            p.highlighted.contains(&c.idx).then_some("highlight"),
        );
        let role = if c.seen_master { "master" } else { "replica" };
        // The accessible name starts with the card's visible text, in its
        // order (WCAG's "label in name"), then says in words what the
        // drawing shows by shape and outline.
        let fourth = card_fourth_line(c);
        let detail = card_detail(c);
        let visible: Vec<String> = [
            Some(format!(":{}", c.port)),
            Some(format!("{role} · epoch {}", c.config_epoch)),
            Some(detail.clone()),
            fourth.clone(),
            (!seen.is_empty()).then(|| seen.to_string()),
            (!state.is_empty()).then(|| state.to_string()),
        ]
        .into_iter()
        .flatten()
        .collect();
        let label = format!(
            "{}; 127.0.0.1:{}{}{}",
            visible.join(" "),
            c.port,
            if seen.is_empty() { String::new() } else { format!(", flagged {seen} by the observer") },
            if p.observer == c.idx { ", the observer" } else { "" },
        );
        html! {
            <g class={class} transform={format!("translate({x},{y})")} tabindex="0" role="button"
               aria-label={label} aria-pressed={(p.selected == Some(c.idx)).to_string()}
               data-port={c.port.to_string()} {onclick} {onkeydown}>
                if c.seen_master {
                    <rect class="shape" x="-70" y="-34" width="140" height="68" rx="6" />
                } else {
                    <rect class="shape" x="-70" y="-34" width="140" height="68" rx="30" />
                }
                // The words are the start of the node's accessible name, in
                // this order; each ends with a space (not drawn) so that
                // together they read as the name does.
                <text class="addr" y="-17" text-anchor="middle" aria-hidden="true">{ format!(":{} ", c.port) }</text>
                // (What these words mean is in the legend, "What the nodes show".)
                <text class="role" y="-2" text-anchor="middle" aria-hidden="true">{ format!("{role} · epoch {} ", c.config_epoch) }</text>
                <text class="detail" y="12" text-anchor="middle" aria-hidden="true"
                      textLength={(detail.chars().count() > 19).then_some("132")} lengthAdjust="spacingAndGlyphs">{ format!("{detail} ") }</text>
                if let Some(line) = fourth {
                    <text class={classes!("extra", c.watch.is_some().then_some("watch"))} y="26" text-anchor="middle" aria-hidden="true"
                          textLength={(line.chars().count() > 20).then_some("132")} lengthAdjust="spacingAndGlyphs">{ format!("{line} ") }</text>
                }
                if !seen.is_empty() {
                    <g class="flag"><rect x="30" y="-46" width="46" height="18" rx="9" /><text x="53" y="-33" text-anchor="middle" aria-hidden="true">{ format!("{seen} ") }</text></g>
                }
                if !state.is_empty() {
                    <g class="state"><rect x="-76" y="-46" width="58" height="18" rx="3" /><text x="-47" y="-33" text-anchor="middle" aria-hidden="true">{ format!("{state} ") }</text></g>
                }
                if !c.alive {
                    <path class="cross" d="M -60 -26 L 60 26 M -60 26 L 60 -26" />
                }
            </g>
        }
    });

    html! {
        <svg class="cluster-view" viewBox={format!("0 0 {width} {height}")} role="group"
             aria-label="Cluster nodes and the messages between them">
            <defs>
                <pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                    <line x1="0" y1="0" x2="0" y2="8" class="hatch-line" />
                </pattern>
            </defs>
            { for shard_labels }
            { for links }
            { for faults }
            <line class="link client" x1={client.0.to_string()} y1={client.1.to_string()} x2={client.0.to_string()} y2={client.1.to_string()} />
            { for nodes }
            <g class="client-box" transform={format!("translate({},{})", client.0, client.1)}>
                <rect x="-50" y="-16" width="100" height="32" rx="4" />
                <text y="5" text-anchor="middle">{ "client" }</text>
            </g>
            { for flights }
            if p.undrawn > 0 {
                <text class="undrawn" x="8" y={(height - 8.0).to_string()}>{ format!("+{} more messages in the air, not drawn", p.undrawn) }</text>
            }
            { for hops }
        </svg>
    }
}

/// What the shapes and words of the drawing mean (opens over the stage).
pub fn legend() -> Html {
    const ITEMS: &[(&str, &str)] = &[
        (
            "click",
            "a node for its details, and to kill, pause or fail it over",
        ),
        (
            "square / round",
            "master / replica (as the observer believes)",
        ),
        ("dashed, crossed", "the process is dead (kill -9)"),
        ("dotted", "the process is paused"),
        ("hatched", "cut off from the observer by a partition"),
        ("faint", "not in the observer's node table"),
        (
            "underlined port",
            "the observer, whose flags and roles are drawn",
        ),
        (
            "fail?",
            "the observer got no PONG within node_timeout (PFAIL)",
        ),
        ("fail", "a majority of masters agreed it is down (FAIL)"),
        (
            "epoch N",
            "its config epoch: the version of its claim on its slots; the higher wins",
        ),
        (
            "in sync / N B behind",
            "a replica's replication: bytes of its master's stream not applied yet",
        ),
        (
            "MIGRATING / IMPORTING",
            "a slot moving away / arriving (CLUSTER SETSLOT)",
        ),
        (
            "no PONG 3.2/15 s",
            "how long the observer has waited, of node_timeout",
        ),
        (
            "reports 1/2, votes 1/2",
            "failure reports towards FAIL; an election's votes",
        ),
    ];
    html! {
        <details class="popup node-legend">
            <summary>{ "What the nodes show" }</summary>
            <dl>
                { for ITEMS.iter().map(|(what, means)| html! { <><dt>{ *what }</dt><dd>{ *means }</dd></> }) }
            </dl>
        </details>
    }
}

/// The card's third line: a master's keys, how far a replica is behind.
pub fn card_detail(c: &NodeCard) -> String {
    let lag = c.lag_s.unwrap_or(0);
    match c.behind {
        None => format!("{} keys", c.keys),
        Some(0) => format!("lag {lag} s · in sync"),
        Some(b) => format!("lag {lag} s · {b} B behind"),
    }
}

/// The card's fourth line: what to watch (a PONG awaited, reports, votes),
/// else an open migration.
pub fn card_fourth_line(c: &NodeCard) -> Option<String> {
    if let Some(w) = &c.watch {
        return Some(w.short());
    }
    // Mid-failover the observer may not have heard yet what the node now
    // says of itself (the lines above are the node's own: its offset).
    if c.alive && !c.stranger && c.master != c.seen_master {
        return Some(format!(
            "says it is a {}",
            if c.master { "master" } else { "replica" }
        ));
    }
    let one = |word: &str, list: &[(slotscope_sim::Slot, u16)], arrow: &str| match list {
        [] => None,
        [(slot, port)] => Some(format!("{word} {slot} {arrow} :{port}")),
        [(_, port), ..] => Some(format!("{word} {} slots {arrow} :{port}", list.len())),
    };
    one("MIGRATING", &c.migrating, "→").or_else(|| one("IMPORTING", &c.importing, "←"))
}

/// The class of a console hop by what the core said became of it (a
/// MOVED or ASK reply is drawn as such; the request leg is plain).
fn hop_class(h: &crate::studio::HopFlight) -> Option<&'static str> {
    use slotscope_sim::routing::HopOutcome;
    if !h.reply {
        return None;
    }
    match h.outcome {
        HopOutcome::Moved { .. } => Some("moved"),
        HopOutcome::Ask { .. } => Some("ask"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_run_from_edge_to_edge_and_keep_labels_off_the_boxes() {
        // A master straight above its replica: the message leaves the
        // master's bottom edge and reaches the replica's top edge.
        let (m, r) = ((95.0, 70.0), (95.0, 190.0));
        assert_eq!(
            edge_to_edge(m, NODE_HALF, r, NODE_HALF),
            ((95.0, 104.0), (95.0, 156.0))
        );
        // Sideways, the box's width counts.
        let side = edge_to_edge((0.0, 0.0), NODE_HALF, (190.0, 0.0), NODE_HALF);
        assert_eq!(side, ((70.0, 0.0), (120.0, 0.0)));
        // Boxes that overlap keep the centre line.
        let near = edge_to_edge((0.0, 0.0), NODE_HALF, (10.0, 10.0), NODE_HALF);
        assert_eq!(near, ((0.0, 0.0), (10.0, 10.0)));
        // Just past the master's edge the label goes below the dot (above
        // would cover the master); half way and near the replica, above.
        let ends = [(m, NODE_HALF), (r, NODE_HALF)];
        assert_eq!(label_offset((95.0, 106.0), "FAIL", &ends), Some(20.0));
        assert_eq!(label_offset((95.0, 130.0), "FAIL", &ends), Some(-11.0));
        assert_eq!(label_offset((95.0, 150.0), "FAIL", &ends), Some(-11.0));
        // Boxes too close for either: no label.
        let tight = [((0.0, 0.0), NODE_HALF), ((0.0, 80.0), NODE_HALF)];
        assert_eq!(label_offset((0.0, 40.0), "FAIL", &tight), None);
        // A third box near the way counts too.
        let third = [(m, NODE_HALF), (r, NODE_HALF), ((160.0, 130.0), NODE_HALF)];
        assert_eq!(label_offset((95.0, 130.0), "REPLICATION", &third), None);
    }

    #[test]
    fn fault_links_bow_over_the_nodes_between() {
        // :7000 to :7002 in the top row: the arc rises 95 above the row,
        // its apex (and label) half that, clear of :7001's box (34 high).
        let (control, apex) = arc_through((95.0, 70.0), (475.0, 70.0));
        assert_eq!(control, (285.0, -25.0));
        assert_eq!(apex, (285.0, 22.5));
        // Either way round, the same arc.
        assert_eq!(arc_through((475.0, 70.0), (95.0, 70.0)).0, control);
        // A master and its replica: bowed to the right.
        let (control, _) = arc_through((95.0, 70.0), (95.0, 190.0));
        assert_eq!(control, (125.0, 130.0));
    }
}
