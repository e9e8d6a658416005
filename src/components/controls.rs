//! Playback controls: play/pause, step back and forward, speed on a log
//! scale (0.01× to 100×), the simulated clock, and the timeline with its
//! markers (click one to jump there; drag the slider to scrub).

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::studio::{Marker, MarkerKind, Pace, SPEED_LOG_MAX, SPEED_LOG_MIN};

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    pub playing: bool,
    pub now_ms: u64,
    pub present_ms: u64,
    pub speed_log: f64,
    pub markers: Vec<Marker>,
    pub branches: usize,
    pub pace: Pace,
    pub on_play: Callback<()>,
    pub on_step: Callback<bool>,
    pub on_speed: Callback<f64>,
    pub on_seek: Callback<u64>,
    /// A marker clicked: its index in the markers given.
    pub on_marker: Callback<usize>,
    pub on_branch: Callback<()>,
    /// Embed mode: the full page at this moment ("Open in Slotscope").
    #[prop_or_default]
    pub open_full: Option<String>,
}

/// What the speed display adds to the speed chosen.
pub fn pace_note(pace: Pace) -> Option<&'static str> {
    match pace {
        Pace::Paused | Pace::AsSet => None,
        Pace::SlowedForMessages => Some("slowed to follow a message"),
        Pace::CommandInFlight => Some("time stands still while the command travels"),
    }
}

/// `12.345 s`
pub fn clock(ms: u64) -> String {
    format!("{}.{:03} s", ms / 1000, ms % 1000)
}

/// `0.01×`, `1×`, `31.6×`
pub fn speed_label(speed_log: f64) -> String {
    let s = 10f64.powf(speed_log);
    if s < 0.1 {
        format!("{s:.3}×")
    } else if s < 10.0 {
        format!("{s:.2}×")
    } else {
        format!("{s:.0}×")
    }
}

/// How much of the timeline's width one marker takes, in percent (a 16 px
/// tag on the 750–960 px track of an 800 px embed or a 1024 px page).
const MARKER_WIDTH_PCT: f64 = 2.2;

/// At most this many markers are drawn, the latest ones.
const MARKERS_DRAWN: usize = 60;

/// A group shows at most this many markers, one of each kind; the rest are
/// counted ("+9"): the many steps of a reshard fall within a few pixels of
/// each other, and a FAIL among them must still show.
const GROUP_SHOWN: usize = 4;

/// Markers close in time, drawn side by side from `left` (percent of the
/// track), each with its index in the list given.
#[derive(Debug)]
pub struct MarkerGroup<'a> {
    pub left: f64,
    pub shown: Vec<(usize, &'a Marker)>,
    /// Markers in the group not shown (listed when "+N" is opened).
    pub hidden: Vec<(usize, &'a Marker)>,
}

/// Markers side by side instead of on top of each other: consecutive
/// markers closer than the tags are wide share one group. Each shown keeps
/// its own button, so each can still be clicked (an election and the
/// promotion just after it, say).
pub fn marker_groups(markers: &[Marker], span_ms: f64) -> Vec<MarkerGroup<'_>> {
    let first = markers.len().saturating_sub(MARKERS_DRAWN);
    let mut groups: Vec<MarkerGroup> = Vec::new();
    for (i, m) in markers.iter().enumerate().skip(first) {
        let at = m.at as f64 / span_ms.max(1.0) * 100.0;
        match groups.last_mut() {
            // The group reaches as far as its tags (and its "+N") are wide.
            Some(g) if at < g.left + (g.shown.len() + 1) as f64 * MARKER_WIDTH_PCT => {
                if g.shown.len() < GROUP_SHOWN && g.shown.iter().all(|(_, s)| s.kind != m.kind) {
                    g.shown.push((i, m));
                } else {
                    g.hidden.push((i, m));
                }
            }
            _ => groups.push(MarkerGroup {
                left: at,
                shown: vec![(i, m)],
                hidden: Vec::new(),
            }),
        }
    }
    groups
}

#[function_component(Controls)]
pub fn controls(p: &ControlsProps) -> Html {
    let on_play = p.on_play.reform(|_: MouseEvent| ());
    let back = p.on_step.reform(|_: MouseEvent| false);
    let fwd = p.on_step.reform(|_: MouseEvent| true);
    let on_speed = p.on_speed.reform(|e: InputEvent| {
        let el: HtmlInputElement = e.target_unchecked_into();
        el.value().parse::<f64>().unwrap_or(0.0)
    });
    let on_seek = p.on_seek.reform(|e: InputEvent| {
        let el: HtmlInputElement = e.target_unchecked_into();
        el.value().parse::<f64>().unwrap_or(0.0) as u64
    });
    let span = p.present_ms.max(1) as f64;
    let marker_button = |(i, m): (usize, &Marker)| {
        let at = m.at;
        html! {
            <button class={classes!("marker", format!("m-{}", m.kind.label().to_ascii_lowercase()))}
                    title={format!("{} — {}", clock(at), m.text)}
                    aria-label={format!("{} at {}: {}", m.kind.label(), clock(at), m.text)}
                    onclick={p.on_marker.reform(move |_: MouseEvent| i)}>
                { m.kind.symbol() }
            </button>
        }
    };
    html! {
        <section class="controls panel" aria-label="Playback">
            <div class="buttons">
                <button onclick={back} class="step" title="Step back to the previous event (←)" aria-label="Step back">{ "◂ step" }</button>
                <button onclick={on_play} class="play" title="Play / pause (Space)"
                        aria-label={if p.playing { "Pause" } else { "Play" }}>{ if p.playing { "⏸" } else { "▶" } }</button>
                <button onclick={fwd} class="step" title="Step forward to the next event (→)" aria-label="Step forward">{ "step ▸" }</button>
                <output class="clock" aria-label="Simulated time">{ clock(p.now_ms) }</output>
                <label class="speed"><span class="wide-only">{ "Speed " }</span>
                    <input type="range" min={SPEED_LOG_MIN.to_string()} max={SPEED_LOG_MAX.to_string()} step="0.05"
                           value={p.speed_log.to_string()} oninput={on_speed} aria-label="Speed"
                           aria-valuetext={speed_label(p.speed_log)} />
                    <output>{ speed_label(p.speed_log) }</output>
                </label>
                if let Some(note) = pace_note(p.pace) {
                    <output class="pace" aria-live="polite">{ note }</output>
                }
                if p.branches > 0 {
                    <button onclick={p.on_branch.reform(|_: MouseEvent| ())} title="Go back to the future you left by acting in the past">
                        { format!("Other branch ({})", p.branches) }
                    </button>
                }
                // The legend and the shortcuts open over the page, as
                // RaftScope's "?" does (nothing moves).
                if let Some(href) = p.open_full.clone() {
                    <a class="open-full" href={href} target="_blank" rel="noopener">{ "Open in Slotscope ↗" }</a>
                }
                <details class="popup keys-help">
                    <summary>{ "Legend" }<span class="wide-only">{ " & shortcuts" }</span></summary>
                    <dl>
                        { for MarkerKind::ALL.iter().map(|k| html! { <>
                            <dt><span class={classes!("legend-marker", format!("m-{}", k.label().to_ascii_lowercase()))}>{ k.symbol() }</span></dt>
                            <dd>{ format!("{}: {}", k.label(), k.meaning()) }</dd>
                        </> }) }
                        <dt class="heading">{ "Shortcuts" }</dt><dd></dd>
                        <dt>{ "Space" }</dt><dd>{ "play / pause" }</dd>
                        <dt>{ "→ ←" }</dt><dd>{ "next event / step back" }</dd>
                        <dt>{ "Tab, Enter" }</dt><dd>{ "choose a node, a marker, a log row" }</dd>
                        <dt>{ "Esc" }</dt><dd>{ "close a message or a node's details" }</dd>
                        <dt>{ "↑ ↓" }</dt><dd>{ "console history" }</dd>
                    </dl>
                </details>
            </div>
            <div class="timeline">
                <div class="markers">
                    // A group moves left by as much of its own width as it
                    // stands along the track: it never sticks out at either end.
                    { for marker_groups(&p.markers, span).into_iter().map(|g| html! {
                        <span class="marker-group" style={format!("left: {0:.2}%; transform: translateX(-{0:.2}%)", g.left)}>
                            if !g.hidden.is_empty() {
                                <details class="marker-more">
                                    <summary title="Show the markers of this group">{ format!("+{}", g.hidden.len()) }</summary>
                                    <div class="marker-list">
                                        { for g.hidden.iter().take(40).map(|&(i, m)| {
                                            let at = m.at;
                                            html! {
                                                <button onclick={p.on_marker.reform(move |_: MouseEvent| i)}>
                                                    { format!("{} {} — {}", m.kind.symbol(), clock(at), m.text) }
                                                </button>
                                            }
                                        }) }
                                        if g.hidden.len() > 40 {
                                            <span>{ format!("and {} more", g.hidden.len() - 40) }</span>
                                        }
                                    </div>
                                </details>
                            }
                            { for g.shown.into_iter().map(marker_button) }
                        </span>
                    }) }
                </div>
                <input type="range" class="scrub" min="0" max={p.present_ms.to_string()} step="1"
                       value={p.now_ms.to_string()} oninput={on_seek} aria-label="Timeline"
                       aria-valuetext={clock(p.now_ms)} />
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::studio::MarkerKind;

    fn marker(at: u64, kind: MarkerKind) -> Marker {
        Marker {
            at,
            kind,
            text: String::new(),
            node: None,
        }
    }

    #[test]
    fn markers_close_in_time_stand_side_by_side() {
        // Over 1 s a tag is 22 ms wide: the election and the promotion 5 ms
        // later share a group; a MOVED 30 ms after the group's start still
        // joins it (it reaches three tags: two and the room for "+N"); the
        // FAIL well after stands alone.
        let ms = [
            marker(100, MarkerKind::Election),
            marker(105, MarkerKind::Promotion),
            marker(130, MarkerKind::Moved),
            marker(500, MarkerKind::Fail),
        ];
        let groups = marker_groups(&ms, 1000.0);
        let shape: Vec<(i64, usize, usize)> = groups
            .iter()
            .map(|g| {
                (
                    (g.left * 10.0).round() as i64,
                    g.shown.len(),
                    g.hidden.len(),
                )
            })
            .collect();
        assert_eq!(shape, vec![(100, 3, 0), (500, 1, 0)]);
        // Only the latest markers are drawn.
        let many: Vec<Marker> = (0..100)
            .map(|i| marker(i * 100, MarkerKind::Action))
            .collect();
        let groups = marker_groups(&many, 10_000.0);
        let drawn: usize = groups.iter().map(|g| g.shown.len() + g.hidden.len()).sum();
        assert_eq!(drawn, MARKERS_DRAWN);
        assert_eq!(groups[0].shown[0].1.at, 4_000);
        assert_eq!(groups[0].shown[0].0, 40, "its index in the list");
    }

    #[test]
    fn a_crowded_group_shows_one_marker_of_each_kind() {
        // A reshard's steps 1 ms apart, and a node failing among them: one
        // group showing the action, a migration step and the FAIL; the
        // other steps are counted.
        let mut ms = vec![marker(5_000, MarkerKind::Action)];
        ms.extend((1..30).map(|i| marker(5_000 + i, MarkerKind::Migration)));
        ms.insert(20, marker(5_019, MarkerKind::Fail));
        let groups = marker_groups(&ms, 10_000.0);
        assert_eq!(groups.len(), 1);
        let kinds: Vec<MarkerKind> = groups[0].shown.iter().map(|m| m.1.kind).collect();
        assert_eq!(
            kinds,
            [MarkerKind::Action, MarkerKind::Migration, MarkerKind::Fail]
        );
        assert_eq!(groups[0].hidden.len(), 28);
    }
}
