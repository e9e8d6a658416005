//! The tour panel rendered natively (Yew's server renderer): what a learner
//! reads, and a tour file's words kept as text, never markup.
#![cfg(not(target_arch = "wasm32"))]

use slotscope::components::tour_panel::{TourPanel, TourPanelProps};
use slotscope::msg::{update, Msg};
use slotscope::studio::Studio;
use slotscope::tour_player::{builtin, TourMsg};
use slotscope::view::slot_map::SlotMap;
use slotscope::view::tour::{index, step};
use yew::ServerRenderer;

fn render(s: &mut Studio) -> String {
    let observer = s.observer;
    let map = SlotMap::from_cluster(s.cluster(), observer);
    let (index, show_index, step, error) = (
        index(&builtin(), &s.tour_memory),
        s.tours_open,
        s.tour.as_ref().map(|p| step(p, &map)),
        s.tour_error.clone(),
    );
    let renderer = ServerRenderer::<TourPanel>::with_props(move || TourPanelProps {
        index,
        show_index,
        step,
        error,
        on_msg: Default::default(),
    })
    .hydratable(false);
    futures::executor::block_on(renderer.render())
}

fn studio() -> Studio {
    Studio::new(slotscope::msg::cluster_of(slotscope::msg::SHAPES[0]))
}

#[test]
fn the_index_lists_the_nine_tours() {
    let mut s = studio();
    s.tours_open = true;
    let html = render(&mut s);
    assert_eq!(html.matches("class=\"tour-card\"").count(), 9, "{html}");
    assert!(html.contains("Smart clients and MOVED"), "{html}");
    assert!(html.contains("Play your own tour file"));
}

#[test]
fn a_step_shows_its_counter_text_challenge_and_controls() {
    let mut s = studio();
    update(&mut s, Msg::StartTour("key-to-slot".into(), 0));
    let html = render(&mut s);
    let n = builtin()[0].steps.len();
    assert!(
        html.contains(&format!("class=\"counter\">1 / {n}</span>")),
        "{html}"
    );
    assert!(html.contains("Not yet"), "{html}");
    assert!(
        html.contains("disabled=\"disabled\" class=\"back\""),
        "Back is off at the first step: {html}"
    );
    assert!(html.contains("Skip →"), "unsolved, Next skips: {html}");
    // A clickable command is a button with the line as text.
    assert!(
        html.contains("class=\"run\"><code>CLUSTER KEYSLOT user:1001</code></button>"),
        "{html}"
    );
    update(&mut s, Msg::Tour(TourMsg::Solve));
    let html = render(&mut s);
    assert!(html.contains("Solved by the solution"), "{html}");
    assert!(html.contains("Next →"), "{html}");
}

#[test]
fn a_teachers_words_are_text_not_markup() {
    let mut s = studio();
    let file = "tour: t\ntitle: <b>bold</b>\nsummary: s\n\nstep: <img src=x onerror=alert(1)>\n\
text: Run [[GET <script>]] and `<i>` *<u>*\ngoal: reply-moved\nsolution: console GET foo\n";
    update(&mut s, Msg::LoadTour(file.into(), 0));
    assert!(s.tour_error.is_none(), "{:?}", s.tour_error);
    let html = render(&mut s);
    assert!(
        !html.contains("<b>")
            && !html.contains("<img")
            && !html.contains("<script>")
            && !html.contains("<u>"),
        "{html}"
    );
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{html}"
    );
    assert!(html.contains("(your file)"));
}

#[test]
fn a_malformed_file_is_named_by_line_and_field() {
    let mut s = studio();
    update(
        &mut s,
        Msg::LoadTour(
            "tour: t\ntitle: T\nsummary: s\n\nstep: one\ngoal: reply-sideways\n".into(),
            0,
        ),
    );
    let html = render(&mut s);
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(
        html.contains("This tour file could not be read: line 6: goal:"),
        "{html}"
    );
}
