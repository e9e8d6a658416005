//! The key inspector: type a key, see every step Redis takes to find its slot
//! and the master that owns it. The steps themselves come from
//! `slotscope_sim::explain`; this file only lays them out.

use std::rc::Rc;

use slotscope_sim::{explain, HashedPart, KeySlot, SLOT_MASK};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::slot_bar::SlotBar;
use crate::view::slot_map::SlotMap;

/// Keys a learner can try with one click: the lesson's examples and the
/// corner cases of the hash-tag rule.
const EXAMPLES: &[&str] = &[
    "mykey",
    "user:1001",
    "{user:1001}:profile",
    "{user:1001}:orders",
    "foo{}{bar}",
    "foo{{bar}}zap",
    "a{b",
    "héllo wörld",
    "🚀",
    "",
];

/// How many keys the comparison table keeps.
const MAX_PINNED: usize = 8;

/// How many hashed bytes are listed in hex before the list is cut short.
const MAX_HEX_BYTES: usize = 48;

#[derive(Properties, PartialEq)]
pub struct KeyInspectorProps {
    /// The live slots (as the observer node sees them).
    pub map: Rc<SlotMap>,
    /// Palette index of each owner of `map`.
    pub colours: Rc<Vec<usize>>,
    /// The key shown (the studio holds it: a console line can set it).
    pub value: AttrValue,
    /// The key typed, or an example clicked.
    pub on_key: Callback<String>,
}

#[function_component(KeyInspector)]
pub fn key_inspector(props: &KeyInspectorProps) -> Html {
    let key: String = props.value.to_string();
    let pinned = use_state(Vec::<String>::new);

    let oninput = props.on_key.reform(|e: InputEvent| {
        let input: HtmlInputElement = e.target_unchecked_into();
        input.value()
    });
    let pin = {
        let key = key.clone();
        let pinned = pinned.clone();
        Callback::from(move |()| {
            let mut list = (*pinned).clone();
            if !list.contains(&key) {
                if list.len() == MAX_PINNED {
                    list.remove(0);
                }
                list.push(key.clone());
                pinned.set(list);
            }
        })
    };
    let onkeydown = {
        let pin = pin.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                pin.emit(());
            }
        })
    };
    let unpin = {
        let pinned = pinned.clone();
        Callback::from(move |gone: String| {
            pinned.set(pinned.iter().filter(|k| **k != gone).cloned().collect());
        })
    };

    let text: &str = &key;
    let ks = explain(text.as_bytes());
    let colour = |i: usize| owner_class(props.colours.get(i).copied().unwrap_or(i));
    let owner = props.map.owner_of(ks.slot);

    html! {
        <section class="inspector" aria-labelledby="inspector-title">
            <h2 id="inspector-title">{ "Where does a key live?" }</h2>
            <div class="key-entry">
                <label for="key-input">{ "Key" }</label>
                <input id="key-input" type="text" spellcheck="false" autocomplete="off"
                    placeholder="type a key, e.g. {user:1001}:orders"
                    value={text.to_string()} {oninput} {onkeydown}
                    aria-describedby="key-size" />
                <button type="button" class="pin" onclick={pin.reform(|_| ())}
                    title="Add this key to the comparison table (Enter)">{ "Compare" }</button>
                <span id="key-size" class="key-size" data-testid="key-size">
                    { byte_count(text.len()) }
                </span>
            </div>
            <div class="examples" role="group" aria-label="Example keys">
                <span class="examples-label">{ "Try:" }</span>
                { for EXAMPLES.iter().map(|&example| example_button(&key, example, &props.on_key)) }
            </div>

            <p class="answer" aria-live="polite" data-testid="answer">
                { "Slot " }<strong data-testid="slot">{ ks.slot }</strong>
                { match owner {
                    Some((i, m)) => html! { <>
                        { ", owned by master " }
                        <strong class={classes!("owner-name", colour(i))} data-testid="owner">
                            { m.addr.clone() }
                        </strong>
                    </> },
                    None => html! { { ", which no master owns" } },
                } }
            </p>

            <ol class="steps">
                <li class="step">
                    <h3>{ "Bytes hashed" }</h3>
                    <div class="key-view" data-testid="key-view">{ key_view(text, ks.hashed) }</div>
                    <p class="key-legend" aria-hidden="true">
                        <mark>{ "highlighted" }</mark>{ " bytes are hashed; grey ones are not" }
                    </p>
                    <p class="why" data-testid="why">{ why_these_bytes(text, ks) }</p>
                    <p class="hex">
                        <span class="label">{ "UTF-8 bytes hashed: " }</span>
                        <code data-testid="hashed-hex">{ hex_bytes(hashed_bytes(text, ks.hashed)) }</code>
                    </p>
                </li>
                <li class="step">
                    <h3>{ "CRC16" }</h3>
                    <p>
                        { "CRC-16/XMODEM of those bytes = " }
                        <code class="big" data-testid="crc">{ format!("0x{:04X}", ks.crc) }</code>
                        <span class="aside">{ format!(" (decimal {})", ks.crc) }</span>
                    </p>
                </li>
                <li class="step">
                    <h3>{ "Keep the low 14 bits" }</h3>
                    <p>
                        <code data-testid="mask">
                            { format!("0x{:04X} & 0x{:04X} ({}) = {}", ks.crc, SLOT_MASK, SLOT_MASK, ks.slot) }
                        </code>
                    </p>
                    <p class="bits" aria-label={format!("binary {:016b}; the top two bits are dropped", ks.crc)}>
                        <code>
                            <span class="dropped">{ format!("{:02b}", ks.crc >> 14) }</span>
                            <span class="kept">{ format!("{:014b}", ks.crc & SLOT_MASK) }</span>
                        </code>
                        <span class="aside">{ " the top two bits are dropped: 16384 slots, 0 to 16383" }</span>
                    </p>
                </li>
                <li class="step">
                    <h3>{ "Owner" }</h3>
                    <p data-testid="owner-line">
                        { format!("Slot {} is in ", ks.slot) }
                        { match owner {
                            Some((i, m)) => html! { <>
                                <span class={classes!("range", colour(i))}>{ m.ranges.clone() }</span>
                                { format!(", held by master {}", m.addr) }
                                { if props.map.seen_by.starts_with("redis") { String::from(".") } else { format!(" (as {} sees it).", props.map.seen_by) } }
                            </> },
                            None => html! { { "no master's range." } },
                        } }
                    </p>
                </li>
            </ol>

            <SlotBar map={Rc::clone(&props.map)} colours={Rc::clone(&props.colours)} marked={Some(ks.slot)} />

            { pinned_table(&pinned, &props.map, &props.colours, &unpin) }
        </section>
    }
}

fn example_button(key: &str, example: &'static str, on_key: &Callback<String>) -> Html {
    let label = if example.is_empty() {
        "empty key"
    } else {
        example
    };
    let onclick = { on_key.reform(move |_: MouseEvent| example.to_string()) };
    let pressed = key == example;
    html! {
        <button type="button" class="example" {onclick} aria-pressed={pressed.to_string()}>
            { label }
        </button>
    }
}

/// The CSS class that gives a master its colour (the palette has 8 entries).
pub fn owner_class(index: usize) -> String {
    format!("owner-{}", index % 8)
}

fn byte_count(n: usize) -> String {
    if n == 1 {
        "1 byte".to_string()
    } else {
        format!("{n} bytes")
    }
}

/// The key with its hashed bytes highlighted and the rest dimmed.
///
/// Slicing `key` at `open` and `close` cannot split a character: they are
/// the positions of the ASCII bytes `{` and `}`, which never occur inside a
/// multi-byte UTF-8 sequence.
fn key_view(key: &str, part: HashedPart) -> Html {
    if key.is_empty() {
        return html! { <span class="empty">{ "(the empty key: zero bytes)" }</span> };
    }
    match part {
        HashedPart::Tag { open, close } => html! {
            <>
                <span class="unhashed">{ &key[..open] }</span>
                <span class="brace">{ "{" }</span>
                <mark class="hashed" data-testid="hashed">{ &key[open + 1..close] }</mark>
                <span class="brace">{ "}" }</span>
                <span class="unhashed">{ &key[close + 1..] }</span>
            </>
        },
        _ => html! { <mark class="hashed whole" data-testid="hashed">{ key }</mark> },
    }
}

fn hashed_bytes(key: &str, part: HashedPart) -> &[u8] {
    &key.as_bytes()[part.range(key.len())]
}

fn hex_bytes(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "none".to_string();
    }
    let shown: Vec<String> = bytes
        .iter()
        .take(MAX_HEX_BYTES)
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut text = shown.join(" ");
    if bytes.len() > MAX_HEX_BYTES {
        text.push_str(&format!(" … ({} in all)", byte_count(bytes.len())));
    } else {
        text.push_str(&format!(" ({})", byte_count(bytes.len())));
    }
    text
}

/// One sentence on why Redis hashed these bytes, following `keyHashSlot()`.
fn why_these_bytes(key: &str, ks: KeySlot) -> Html {
    match ks.hashed {
        HashedPart::WholeNoOpenBrace if key.is_empty() => html! {
            { "There is nothing to hash: the CRC16 of zero bytes is 0, so the empty key is in slot 0." }
        },
        HashedPart::WholeNoOpenBrace => html! {
            { "There is no { in the key, so there is no hash tag: Redis hashes the whole key." }
        },
        HashedPart::WholeNoCloseBrace { .. } => html! {
            { "The key has a { but no } after it, so there is no hash tag: Redis hashes the whole key." }
        },
        HashedPart::WholeEmptyTag { .. } => html! {
            { "The first { is followed at once by }: an empty tag does not count, and Redis looks no \
               further, so it hashes the whole key." }
        },
        HashedPart::Tag { open, close } => {
            let tag = &key[open + 1..close];
            html! {
                <>
                    { "Hash tag: Redis hashes only " }<code>{ tag }</code>
                    { ", the bytes between the first { and the first } after it. The key " }
                    <code>{ tag }</code>{ " and every key whose first tag is " }
                    <code>{ format!("{{{tag}}}") }</code>
                    { format!(" hash exactly these bytes, so they all land in slot {}, on the same \
                               master: that is how multi-key commands, transactions and scripts can \
                               use them together.", ks.slot) }
                </>
            }
        }
    }
}

fn pinned_table(
    pinned: &[String],
    map: &SlotMap,
    colours: &[usize],
    unpin: &Callback<String>,
) -> Html {
    if pinned.is_empty() {
        return html! {
            <p class="compare-hint">
                { "Press Enter or Compare to keep a key here and compare slots side by side." }
            </p>
        };
    }
    html! {
        <table class="compare" data-testid="compare">
            <caption>{ "Keys compared" }</caption>
            <thead>
                <tr><th scope="col">{ "Key" }</th><th scope="col">{ "Hashed" }</th>
                    <th scope="col">{ "Slot" }</th><th scope="col">{ "Master" }</th><th></th></tr>
            </thead>
            <tbody>
                { for pinned.iter().map(|k| {
                    let ks = explain(k.as_bytes());
                    let owner = map.owner_of(ks.slot);
                    let gone = k.clone();
                    let onclick = unpin.reform(move |_| gone.clone());
                    html! {
                        <tr>
                            <td><code>{ if k.is_empty() { "(empty)" } else { k.as_str() } }</code></td>
                            <td><code>{ String::from_utf8_lossy(hashed_bytes(k, ks.hashed)).into_owned() }</code></td>
                            <td class="num">{ ks.slot }</td>
                            <td>{ match owner {
                                Some((i, o)) => html! {
                                    <span class={classes!("range", owner_class(colours.get(i).copied().unwrap_or(i)))}>
                                        { o.addr.clone() }
                                    </span>
                                },
                                None => html! { "—" },
                            } }</td>
                            <td><button type="button" class="unpin" {onclick}
                                aria-label={format!("Remove {k} from the comparison")}>{ "×" }</button></td>
                        </tr>
                    }
                }) }
            </tbody>
        </table>
    }
}
