//! The tour panel, beside the console: the index of tours (and a teacher's
//! file to load), or the step being played with its text, its challenge and
//! the Back / Next controls. Every word of a tour is drawn as text nodes:
//! a tour file is data, never HTML.

use slotscope_sim::tour::Inline;
use yew::prelude::*;

use crate::msg::Msg;
use crate::tour_player::TourMsg;
use crate::view::tour::{GoalStatus, StepView, TourCard};

#[derive(Properties, PartialEq)]
pub struct TourPanelProps {
    pub index: Vec<TourCard>,
    /// The index is shown (else the step).
    pub show_index: bool,
    pub step: Option<StepView>,
    /// A tour that could not be opened or read, and why.
    pub error: Option<String>,
    pub on_msg: Callback<Msg>,
}

#[function_component(TourPanel)]
pub fn tour_panel(p: &TourPanelProps) -> Html {
    let error = p.error.as_ref().map(|why| {
        html! {
            <div class="tour-error" role="alert">
                { why.clone() }
                <button type="button" class="dismiss" aria-label="Dismiss"
                        onclick={p.on_msg.reform(|_: MouseEvent| Msg::DismissTourError)}>{ "✕" }</button>
            </div>
        }
    });
    let body = match (&p.step, p.show_index) {
        (Some(step), false) => player(step, &p.on_msg),
        _ => index(&p.index, p.step.as_ref(), &p.on_msg),
    };
    html! {
        <section class="tour panel" aria-label="Tour">
            { for error }
            { body }
        </section>
    }
}

fn index(cards: &[TourCard], playing: Option<&StepView>, on_msg: &Callback<Msg>) -> Html {
    let card = |c: &TourCard| {
        let id = c.id.clone();
        let start = on_msg.reform(move |_: MouseEvent| Msg::StartTour(id.clone(), 0));
        let solved = if c.solved == 0 {
            String::new()
        } else if c.solved == c.challenges {
            " · all solved ✓".to_string()
        } else {
            format!(" · {} of {} solved", c.solved, c.challenges)
        };
        html! {
            <li class="tour-card" data-tour={c.id.clone()}>
                <button type="button" class="start" onclick={start}>{ c.title.clone() }</button>
                <span class="summary">{ c.summary.clone() }</span>
                <span class="count">{ format!("{} steps{solved}", c.steps) }</span>
            </li>
        }
    };
    let back = playing.map(|st| {
        html! {
            <button type="button" class="resume" onclick={on_msg.reform(|_: MouseEvent| Msg::ShowTours(false))}>
                { format!("← Back to “{}”, step {}", st.tour_title, st.counter) }
            </button>
        }
    });
    let close = playing.is_none().then(|| {
        html! {
            <button type="button" class="close" aria-label="Close the tours"
                    onclick={on_msg.reform(|_: MouseEvent| Msg::ShowTours(false))}>{ "✕" }</button>
        }
    });
    html! {
        <>
            <div class="tour-head">
                <h2>{ "Tours" }</h2>
                { for close }
            </div>
            { for back }
            <ol class="tour-index">{ for cards.iter().map(card) }</ol>
            <TourFile on_msg={on_msg.clone()} />
        </>
    }
}

fn inline(i: &Inline, on_msg: &Callback<Msg>) -> Html {
    match i {
        Inline::Text(t) => html! { { t.clone() } },
        Inline::Code(t) => html! { <code>{ t.clone() }</code> },
        Inline::Emphasis(t) => html! { <em>{ t.clone() }</em> },
        Inline::Command(line) => {
            let l = line.clone();
            html! {
                <button type="button" class="run" title="Run it in the console"
                        onclick={on_msg.reform(move |_: MouseEvent| Msg::ConsoleLine(l.clone()))}>
                    <code>{ line.clone() }</code>
                </button>
            }
        }
    }
}

fn player(st: &StepView, on_msg: &Callback<Msg>) -> Html {
    let tour = |m: TourMsg| on_msg.reform(move |_: MouseEvent| Msg::Tour(m.clone()));
    let dots = st.completed.iter().enumerate().map(|(i, done)| {
        let here = st.counter.starts_with(&format!("{} /", i + 1));
        html! {
            <span class={classes!("dot", done.then_some("done"), here.then_some("here"))}
                  title={format!("Step {}{}", i + 1, if *done { ", solved" } else { "" })}></span>
        }
    });
    let challenge = st.challenge.as_ref().map(|c| {
        let status = match c.status {
            GoalStatus::Open => "open",
            GoalStatus::Met | GoalStatus::SolvedBefore => "met",
            GoalStatus::MetBySolution => "solution",
        };
        html! {
            <div class={classes!("challenge", status)}>
                <p class="goal"><strong>{ "Challenge: " }</strong>{ c.goal.clone() }</p>
                <p class="status" role="status" aria-live="polite">{ c.status.words() }</p>
                if !c.hints.is_empty() {
                    <ul class="hints">{ for c.hints.iter().map(|h| html! { <li>{ h.clone() }</li> }) }</ul>
                }
                <div class="challenge-buttons">
                    if c.more_hints {
                        <button type="button" class="hint" onclick={tour(TourMsg::Hint)}>{ "Hint" }</button>
                    }
                    if c.solution.is_none() {
                        <button type="button" class="show-solution" onclick={tour(TourMsg::ShowSolution)}>{ "Show the solution" }</button>
                    }
                </div>
                if let Some(sol) = &c.solution {
                    <div class="solution">
                        <pre>{ sol.join("\n") }</pre>
                        if c.status == GoalStatus::Open || c.status == GoalStatus::SolvedBefore {
                            <button type="button" class="solve" onclick={tour(TourMsg::Solve)}>{ "Replay the solution" }</button>
                        }
                    </div>
                }
            </div>
        }
    });
    html! {
        <>
            <div class="tour-head">
                <h2>{ st.tour_title.clone() }{ if st.custom { " (your file)" } else { "" } }</h2>
                <span class="counter" aria-label={format!("Step {}", st.counter)}>{ st.counter.clone() }</span>
                <button type="button" class="all-tours" onclick={on_msg.reform(|_: MouseEvent| Msg::ShowTours(true))}>{ "All tours" }</button>
            </div>
            <div class="dots" aria-hidden="true">{ for dots }</div>
            <h3 class="step-title">{ st.title.clone() }</h3>
            { for st.paragraphs.iter().map(|para| html! { <p>{ for para.iter().map(|i| inline(i, on_msg)) }</p> }) }
            if !st.slots.is_empty() {
                <ul class="slots">{ for st.slots.iter().map(|s| html! { <li>{ s.clone() }</li> }) }</ul>
            }
            { for challenge }
            <div class="tour-nav">
                <button type="button" class="back" disabled={st.first} onclick={tour(TourMsg::Back)}
                        title="Back to where the previous step started">{ "← Back" }</button>
                <button type="button" class="restart" onclick={tour(TourMsg::Restart)}>{ "Restart" }</button>
                <button type="button" class="exit" onclick={tour(TourMsg::Exit)}>{ "Exit" }</button>
                <button type="button" class="next" onclick={tour(TourMsg::Next)}
                        title={(st.skips && !st.last).then_some("Plays this step's solution, then goes on")}>
                    { if st.last { "Finish" } else if st.skips { "Skip →" } else { "Next →" } }
                </button>
            </div>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct TourFileProps {
    on_msg: Callback<Msg>,
}

/// A teacher's tour file: chosen from the disk, or pasted.
#[function_component(TourFile)]
fn tour_file(p: &TourFileProps) -> Html {
    let text = use_node_ref();
    let load = {
        let (text, on_msg) = (text.clone(), p.on_msg.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(el) = text.cast::<web_sys::HtmlTextAreaElement>() {
                on_msg.emit(Msg::LoadTour(el.value(), 0));
            }
        })
    };
    let on_file = {
        let on_msg = p.on_msg.clone();
        Callback::from(move |e: Event| read_file(&e, on_msg.clone()))
    };
    html! {
        <details class="tour-file">
            <summary>{ "Play your own tour file" }</summary>
            <label>{ "A file: " }<input type="file" accept=".tour,.txt,text/plain" onchange={on_file} /></label>
            <label class="paste">{ "or its text:" }
                <textarea ref={text} rows="4" spellcheck="false" placeholder={"tour: my-tour\ntitle: …"} />
            </label>
            <button type="button" class="load" onclick={load}>{ "Play it" }</button>
        </details>
    }
}

/// Reads the chosen file's text and hands it over as `Msg::LoadTour`.
#[cfg(target_arch = "wasm32")]
fn read_file(e: &Event, on_msg: Callback<Msg>) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    let Some(file) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|i| i.files())
        .and_then(|f| f.get(0))
    else {
        return;
    };
    // (A file over the limit is read only that far: the parser then
    // says it is too long, rather than the page holding all of it.)
    let limit = slotscope_sim::tour::MAX_TOUR_BYTES as f64 + 1.0;
    let blob: web_sys::Blob = if file.size() > limit {
        match file.slice_with_f64_and_f64(0.0, limit) {
            Ok(b) => b,
            Err(_) => return,
        }
    } else {
        file.into()
    };
    let on_text: Closure<dyn FnMut(JsValue)> = Closure::once(move |text: JsValue| {
        on_msg.emit(Msg::LoadTour(text.as_string().unwrap_or_default(), 0));
    });
    let _ = blob.text().then(&on_text);
    on_text.forget();
}

#[cfg(not(target_arch = "wasm32"))]
fn read_file(_: &Event, _: Callback<Msg>) {}
