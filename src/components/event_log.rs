//! The event log as a sequence diagram: a lane per node (and one for the
//! client), each message an arrow from its sender's lane to its receiver's,
//! in time order, newest at the bottom, ending at the moment shown (so it
//! follows the timeline). Categories can be hidden; clicking an arrow goes
//! to that moment and shows the message's content.

use yew::prelude::*;

use super::widgets::checkbox;
use crate::studio::{Category, LogRow};

#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    pub rows: Vec<LogRow>,
    /// Every node's port, by index.
    pub ports: Vec<u16>,
    pub filter: Vec<Category>,
    pub on_toggle: Callback<Category>,
    pub on_row: Callback<LogRow>,
}

const LANE_W: f64 = 64.0;
const ROW_H: f64 = 20.0;
const TIME_W: f64 = 64.0;
const HEAD_H: f64 = 22.0;

#[function_component(EventLog)]
pub fn event_log(p: &EventLogProps) -> Html {
    let lanes = p.ports.len() + 1;
    let x = |lane: Option<usize>| TIME_W + LANE_W * (lane.unwrap_or(p.ports.len()) as f64 + 0.5);
    let width = TIME_W + LANE_W * lanes as f64;
    let height = HEAD_H + ROW_H * (p.rows.len().max(1) as f64) + 6.0;
    let name = |lane: Option<usize>| match lane {
        Some(n) => format!(":{}", p.ports.get(n).copied().unwrap_or(0)),
        None => "client".to_string(),
    };
    let heads = (0..lanes).map(|i| {
        let lane = (i < p.ports.len()).then_some(i);
        let lx = x(lane);
        html! { <>
            <text class="lane-name" x={lx.to_string()} y="14" text-anchor="middle">{ name(lane) }</text>
            <line class="lane" x1={lx.to_string()} x2={lx.to_string()} y1={HEAD_H.to_string()} y2={height.to_string()} />
        </> }
    });
    let rows = p.rows.iter().enumerate().map(|(i, r)| {
        let y = HEAD_H + ROW_H * (i as f64 + 0.6);
        let (x1, x2) = (x(r.from), x(r.to));
        let dir = if x2 >= x1 { -1.0 } else { 1.0 };
        // Starts with the row's visible text (time, then what), as WCAG's
        // "label in name" asks; the texts end with an undrawn space so
        // that together they read the same.
        let label = format!(
            "{} {} — at {} ms, {} → {}",
            r.at,
            r.label,
            r.at,
            name(r.from),
            name(r.to)
        );
        let row = r.clone();
        let onclick = p.on_row.reform(move |_: MouseEvent| row.clone());
        let (on_row, row) = (p.on_row.clone(), r.clone());
        let onkeydown = Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                on_row.emit(row.clone());
            }
        });
        html! {
            <g class={classes!("row", format!("c-{}", r.category.label().to_ascii_lowercase()))} tabindex="0" role="button"
               aria-label={label} {onclick} {onkeydown}>
                <rect class="hit" x="0" y={(y - ROW_H * 0.6).to_string()} width={width.to_string()} height={ROW_H.to_string()} />
                <text class="time" x="4" y={(y + 4.0).to_string()}>{ format!("{} ", r.at) }</text>
                <line class="arrow" x1={x1.to_string()} y1={y.to_string()} x2={x2.to_string()} y2={y.to_string()} />
                <path class="head" d={format!("M {x2} {y} l {} -4 l 0 8 z", 7.0 * dir)} />
                <text class="what" x={((x1 + x2) / 2.0).to_string()} y={(y - 3.0).to_string()} text-anchor="middle">{ format!("{} ", r.label) }</text>
            </g>
        }
    });
    html! {
        <section class="event-log panel" aria-label="Event log">
            <div class="log-bar">
                <h2>{ "Event log" }</h2>
                <div role="group" aria-label="Show in the log">
                    { for Category::ALL.iter().map(|&c| checkbox(c.label(), p.filter.contains(&c), p.on_toggle.reform(move |()| c))) }
                </div>
            </div>
            <div class="log-scroll">
                <svg class="sequence" viewBox={format!("0 0 {width} {height}")} width={width.to_string()} role="group"
                     aria-label="Messages in time order, one lane per node">
                    { for heads }
                    { for rows }
                </svg>
                if p.rows.is_empty() {
                    <p class="hint">{ "Nothing yet in these categories up to this moment." }</p>
                }
            </div>
        </section>
    }
}
