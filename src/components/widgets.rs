//! Buttons, drop-downs and check boxes, each built by one function. Every
//! `html!` element is compiled into its own code, so forty buttons written
//! out in place cost forty copies; built here, they cost forty calls. (The
//! page has a download budget, and this is most of what the UI weighs.)

use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// A button with its label; `title` explains it on hover.
#[inline(never)]
pub fn button(
    label: &str,
    title: Option<&str>,
    disabled: bool,
    onclick: Callback<MouseEvent>,
) -> Html {
    html! {
        <button type="button" title={title.map(|t| AttrValue::from(t.to_string()))} {disabled} {onclick}>
            { label.to_string() }
        </button>
    }
}

/// A drop-down named `name` (its accessible name): options as (value,
/// text), the one at `selected` chosen; `onchange` gets the value picked.
#[inline(never)]
pub fn select(
    name: &str,
    options: &[(String, String)],
    selected: Option<usize>,
    onchange: Callback<String>,
) -> Html {
    let onchange = onchange.reform(|e: Event| {
        let el: HtmlSelectElement = e.target_unchecked_into();
        el.value()
    });
    html! {
        <select aria-label={name.to_string()} {onchange}>
            { for options.iter().enumerate().map(|(i, (value, text))| html! {
                <option value={value.clone()} selected={Some(i) == selected}>{ text.clone() }</option>
            }) }
        </select>
    }
}

/// A labelled check box; `onchange` fires on each toggle.
#[inline(never)]
pub fn checkbox(label: &str, checked: bool, onchange: Callback<()>) -> Html {
    html! {
        <label><input type="checkbox" {checked} onchange={onchange.reform(|_: Event| ())} />{ format!(" {label}") }</label>
    }
}
