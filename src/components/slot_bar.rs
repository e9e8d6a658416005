//! All 16384 slots as one bar, coloured by owning master, with a pin on the
//! slot of interest. The bar is an SVG in slot units (`viewBox` 16384 wide)
//! so it scales to any width; text sits in HTML on top so it never stretches.

use std::rc::Rc;

use slotscope_sim::{Layout, Slot, SLOT_COUNT};
use yew::prelude::*;

use super::key_inspector::owner_class;

/// Height of the bar in SVG units; only the ratio to the CSS height matters.
const BAR_HEIGHT: u32 = 32;

/// A master's label is drawn inside its segment only when the segment is at
/// least this share of the bar, so that labels never overlap.
const MIN_LABEL_SHARE: f64 = 0.06;

#[derive(Properties, PartialEq)]
pub struct SlotBarProps {
    pub layout: Rc<Layout>,
    #[prop_or_default]
    pub marked: Option<Slot>,
}

/// Horizontal position of a slot boundary, in percent of the bar's width.
fn percent(slot_boundary: f64) -> f64 {
    slot_boundary / f64::from(SLOT_COUNT) * 100.0
}

#[function_component(SlotBar)]
pub fn slot_bar(props: &SlotBarProps) -> Html {
    let layout = &props.layout;
    let summary = layout
        .masters
        .iter()
        .map(|m| format!("{} holds {}", m.addr, m.slots))
        .collect::<Vec<_>>()
        .join("; ");
    let label = match props.marked {
        Some(slot) => format!("Hash slots 0 to 16383. {summary}. Marked: slot {slot}."),
        None => format!("Hash slots 0 to 16383. {summary}."),
    };

    html! {
        <figure class="slot-bar" data-testid="slot-bar">
            <figcaption>{ "The 16384 hash slots, coloured by the master that owns them" }</figcaption>
            <div class="bar-area">
                <svg class="bar" viewBox={format!("0 0 {SLOT_COUNT} {BAR_HEIGHT}")}
                    preserveAspectRatio="none" role="img" aria-label={label}>
                    { for layout.masters.iter().enumerate().map(|(i, m)| html! {
                        <rect class={owner_class(i)} x={m.slots.first.to_string()} y="0"
                            width={m.slots.slot_count().to_string()} height={BAR_HEIGHT.to_string()}>
                            <title>{ format!("{}: slots {} ({} slots)", m.addr, m.slots, m.slots.slot_count()) }</title>
                        </rect>
                    }) }
                    { for props.marked.map(|slot| html! {
                        <line class="marker-line" x1={(f64::from(slot) + 0.5).to_string()}
                            x2={(f64::from(slot) + 0.5).to_string()} y1="0" y2={BAR_HEIGHT.to_string()}
                            vector-effect="non-scaling-stroke" />
                    }) }
                </svg>
                { for layout.masters.iter().enumerate()
                    .filter(|(_, m)| f64::from(m.slots.slot_count()) / f64::from(SLOT_COUNT) >= MIN_LABEL_SHARE)
                    .map(|(i, m)| {
                        let left = percent(f64::from(m.slots.first));
                        let width = percent(f64::from(m.slots.slot_count()));
                        html! {
                            <span class={classes!("seg-label", owner_class(i))} aria-hidden="true"
                                style={format!("left:{left:.3}%;width:{width:.3}%")}>
                                <span class="chip">{ format!(":{}", m.addr.port) }</span>
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
            <ul class="legend">
                { for layout.masters.iter().enumerate().map(|(i, m)| html! {
                    <li>
                        <span class={classes!("swatch", owner_class(i))} aria-hidden="true"></span>
                        <span class="addr">{ m.addr.to_string() }</span>
                        <span class="slots">{ format!("{} · {} slots", m.slots, m.slots.slot_count()) }</span>
                    </li>
                }) }
            </ul>
        </figure>
    }
}
