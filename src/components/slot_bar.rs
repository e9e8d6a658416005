//! The slot map: all 16384 slots as one bar, coloured by owning master as a
//! chosen node sees them, with slots half way through a migration marked
//! and a pin on the slot of interest. Hovering the bar, or moving the
//! "Slot" slider under it with the keyboard, tells a slot's number, owner,
//! key count and migration state. The bar is an SVG in slot units
//! (`viewBox` 16384 wide) so it scales to any width; text sits in HTML on
//! top so it never stretches.

use std::rc::Rc;

use slotscope_sim::{Slot, SLOT_COUNT};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::key_inspector::owner_class;
use crate::view::slot_map::SlotMap;

/// Height of the bar in SVG units; only the ratio to the CSS height matters.
const BAR_HEIGHT: u32 = 32;

/// A master's label is drawn inside its segment only when the segment is at
/// least this share of the bar, so that labels never overlap.
const MIN_LABEL_SHARE: f64 = 0.06;

#[derive(Properties, PartialEq)]
pub struct SlotBarProps {
    pub map: Rc<SlotMap>,
    /// The colour (palette index) of each owner, by `SlotMap::owners` index.
    pub colours: Rc<Vec<usize>>,
    #[prop_or_default]
    pub marked: Option<Slot>,
}

/// Slot ranges cut short: a rebalanced owner can hold dozens of runs.
fn short(ranges: &str) -> String {
    const MAX: usize = 40;
    match ranges.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &ranges[..i]),
        None => ranges.to_string(),
    }
}

/// Horizontal position of a slot boundary, in percent of the bar's width.
fn percent(slot_boundary: f64) -> f64 {
    slot_boundary / f64::from(SLOT_COUNT) * 100.0
}

#[function_component(SlotBar)]
pub fn slot_bar(props: &SlotBarProps) -> Html {
    let probe = use_state(|| None::<Slot>);
    let area = use_node_ref();
    let map = &props.map;
    let colour = |i: usize| owner_class(props.colours.get(i).copied().unwrap_or(i));
    let summary = map
        .owners
        .iter()
        .map(|o| format!("{} holds {}", o.addr, short(&o.ranges)))
        .collect::<Vec<_>>()
        .join("; ");
    let label = match props.marked {
        Some(slot) => format!("Hash slots 0 to 16383. {summary}. Marked: slot {slot}."),
        None => format!("Hash slots 0 to 16383. {summary}."),
    };

    let onmousemove = {
        let (probe, area) = (probe.clone(), area.clone());
        Callback::from(move |e: MouseEvent| {
            let Some(el) = area.cast::<web_sys::Element>() else {
                return;
            };
            let rect = el.get_bounding_client_rect();
            if rect.width() > 0.0 {
                let x = (f64::from(e.client_x()) - rect.left()) / rect.width();
                let slot = (x * f64::from(SLOT_COUNT)).clamp(0.0, f64::from(SLOT_COUNT - 1));
                probe.set(Some(slot as Slot));
            }
        })
    };
    let onmouseleave = {
        let probe = probe.clone();
        Callback::from(move |_: MouseEvent| probe.set(None))
    };
    let oninput = {
        let probe = probe.clone();
        Callback::from(move |e: InputEvent| {
            let el: HtmlInputElement = e.target_unchecked_into();
            if let Ok(slot) = el.value().parse::<Slot>() {
                probe.set(Some(slot.min(SLOT_COUNT - 1)));
            }
        })
    };
    let shown = (*probe).or(props.marked).unwrap_or(0);

    html! {
        <figure class="slot-bar" data-testid="slot-bar">
            <figcaption>
                { "The 16384 hash slots, coloured by owner, as " }
                <span class="seen-by">{ map.seen_by.clone() }</span>{ " sees them" }
            </figcaption>
            <div class="bar-area" ref={area} {onmousemove} {onmouseleave}>
                <svg class="bar" viewBox={format!("0 0 {SLOT_COUNT} {BAR_HEIGHT}")}
                    preserveAspectRatio="none" role="img" aria-label={label}>
                    { for map.runs.iter().map(|r| html! {
                        <rect class={match r.owner { Some(i) => colour(i), None => "unowned".to_string() }}
                            x={r.first.to_string()} y="0"
                            width={r.len().to_string()} height={BAR_HEIGHT.to_string()} />
                    }) }
                    { for map.open.iter().map(|o| html! {
                        <rect class={classes!("open-slot", if o.migrating { "migrating" } else { "importing" })}
                            x={o.slot.saturating_sub(80).to_string()} width="161"
                            y={if o.migrating { "0" } else { "16" }} height="16"
                            vector-effect="non-scaling-stroke" />
                    }) }
                    { for props.marked.map(|slot| html! {
                        <line class="marker-line" x1={(f64::from(slot) + 0.5).to_string()}
                            x2={(f64::from(slot) + 0.5).to_string()} y1="0" y2={BAR_HEIGHT.to_string()}
                            vector-effect="non-scaling-stroke" />
                    }) }
                    { for (*probe).map(|slot| html! {
                        <line class="probe-line" x1={(f64::from(slot) + 0.5).to_string()}
                            x2={(f64::from(slot) + 0.5).to_string()} y1="0" y2={BAR_HEIGHT.to_string()}
                            vector-effect="non-scaling-stroke" />
                    }) }
                </svg>
                { for map.runs.iter()
                    .filter(|r| f64::from(r.len()) / f64::from(SLOT_COUNT) >= MIN_LABEL_SHARE)
                    .filter_map(|r| r.owner.map(|i| (r, i)))
                    .map(|(r, i)| {
                        let left = percent(f64::from(r.first));
                        let width = percent(f64::from(r.len()));
                        let port = map.owners[i].addr.rsplit(':').next().unwrap_or_default().to_string();
                        html! {
                            <span class={classes!("seg-label", colour(i))} aria-hidden="true"
                                style={format!("left:{left:.3}%;width:{width:.3}%")}>
                                <span class="chip">{ format!(":{port}") }</span>
                            </span>
                        }
                    }) }
                { for props.marked.map(|slot| html! {
                    <span class="pin-marker" aria-hidden="true" data-testid="slot-pin"
                        style={format!("left:{:.3}%", percent(f64::from(slot) + 0.5))}>
                        { slot }
                    </span>
                }) }
            </div>
            <div class="slot-probe">
                <label>{ "Slot " }
                    <input type="range" min="0" max={(SLOT_COUNT - 1).to_string()} value={shown.to_string()}
                        {oninput} aria-describedby="slot-probe-text" />
                </label>
                <output id="slot-probe-text" data-testid="slot-probe" aria-live="polite">{ map.describe(shown) }</output>
            </div>
            <ul class="legend">
                { for map.owners.iter().enumerate().map(|(i, o)| html! {
                    <li>
                        <span class={classes!("swatch", colour(i))} aria-hidden="true"></span>
                        <span class="addr">{ o.addr.clone() }</span>
                        <span class="slots">{ format!("{} · {} slots", short(&o.ranges), o.slots) }</span>
                    </li>
                }) }
                { for map.open.iter().map(|o| html! {
                    <li class="open-note" data-testid="open-slot">
                        <span class={classes!("swatch", "open-slot", if o.migrating { "migrating" } else { "importing" })} aria-hidden="true"></span>
                        { format!("slot {}: {}", o.slot, o.text) }
                    </li>
                }) }
            </ul>
        </figure>
    }
}
