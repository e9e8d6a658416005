//! The browser side of playback: a requestAnimationFrame loop that moves
//! the studio on and redraws while something moves, the keyboard shortcuts
//! (Space, ←, →, Esc), and `prefers-reduced-motion`.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen::{closure::Closure, JsCast};
use yew::prelude::*;

use crate::app::Shared;
#[cfg(target_arch = "wasm32")]
use crate::msg::{self, Msg};

/// The frame callback, shared with itself so that it can ask for the next.
#[cfg(target_arch = "wasm32")]
type FrameSlot = std::rc::Rc<std::cell::RefCell<Option<Closure<dyn FnMut(f64)>>>>;

#[cfg(target_arch = "wasm32")]
/// Whether a key press belongs to a form control (typing a key, a command,
/// moving a slider): shortcuts must not fire then.
/// (A focused button counts: Space presses it. Buttons clicked with a
/// pointer give their focus up, see `use_frames`.)
fn typing(e: &web_sys::KeyboardEvent) -> bool {
    let Some(el) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return false;
    };
    matches!(
        el.tag_name().to_ascii_uppercase().as_str(),
        "INPUT" | "TEXTAREA" | "SELECT" | "BUTTON" | "SUMMARY"
    ) || el.closest("[contenteditable]").ok().flatten().is_some()
}

/// Natively (server-side rendering in tests) nothing moves: no frames.
#[cfg(not(target_arch = "wasm32"))]
#[hook]
pub fn use_frames(_studio: Shared, _update: UseForceUpdateHandle) {}

#[cfg(target_arch = "wasm32")]
#[hook]
pub fn use_frames(studio: Shared, update: UseForceUpdateHandle) {
    use_effect_with((), move |_| {
        let window = web_sys::window().expect("a browser window");
        if let Ok(Some(q)) = window.match_media("(prefers-reduced-motion: reduce)") {
            studio.borrow_mut().reduced_motion = q.matches();
        }

        // The frame loop: one closure that schedules itself again.
        let frame: FrameSlot = Default::default();
        let again = frame.clone();
        let (s, u) = (studio.clone(), update.clone());
        let mut was_animating = false;
        // While it plays, the address's link follows about once a second
        // (a reload then comes back near the moment it left).
        let mut link_written = 0.0;
        *frame.borrow_mut() = Some(Closure::new(move |wall: f64| {
            let animating = {
                let mut st = s.borrow_mut();
                st.tick(wall);
                let animating = st.animating();
                if animating {
                    // A goal met as time plays (a FAIL, a promotion).
                    crate::tour_player::check(&mut st);
                }
                crate::host_bridge::after_frame(&mut st);
                if (animating || was_animating) && wall - link_written > 1_000.0 {
                    link_written = wall;
                    crate::location::set_fragment(&crate::link::encode(&st));
                }
                animating
            };
            // Draw while things move, and once more when they stop.
            if animating || was_animating {
                u.force_update();
            }
            was_animating = animating;
            if let (Some(w), Some(f)) = (web_sys::window(), again.borrow().as_ref()) {
                let _ = w.request_animation_frame(f.as_ref().unchecked_ref());
            }
        }));
        if let Some(f) = frame.borrow().as_ref() {
            let _ = window.request_animation_frame(f.as_ref().unchecked_ref());
        }

        let (s, u) = (studio.clone(), update.clone());
        let keys =
            Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
                if e.default_prevented() || e.ctrl_key() || e.meta_key() || e.alt_key() {
                    return;
                }
                let mut st = s.borrow_mut();
                let gesture = match e.key().as_str() {
                    // Esc closes a message's content wherever the focus is
                    // (its own Close button, say).
                    "Escape" if st.inspected.is_some() => Msg::CloseMessage,
                    // Then the node's details, beside the node.
                    "Escape" if st.selected.is_some() => Msg::CloseNode,
                    _ if typing(&e) => return,
                    " " => Msg::TogglePlay,
                    "ArrowRight" => Msg::Step { forward: true },
                    "ArrowLeft" => Msg::Step { forward: false },
                    _ => return,
                };
                msg::update(&mut st, gesture);
                drop(st);
                e.prevent_default();
                u.force_update();
            });
        // A button (or a summary) clicked with a pointer lets go of the focus. Otherwise it
        // keeps it, and the Space that follows (meaning "play") would press
        // it again, and it may read "Restart" now where it read "Kill -9".
        // Keyboard presses (a click of detail 0) keep the focus where it is.
        let clicks = Closure::<dyn FnMut(web_sys::UiEvent)>::new(|e: web_sys::UiEvent| {
            if e.detail() == 0 {
                return;
            }
            let button = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|el| el.closest("button, summary").ok().flatten())
                .and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(b) = button {
                let _ = b.blur();
            }
        });
        if let Some(doc) = window.document() {
            let _ = doc.add_event_listener_with_callback("keydown", keys.as_ref().unchecked_ref());
            let _ = doc.add_event_listener_with_callback("click", clicks.as_ref().unchecked_ref());
        }
        // The page lives as long as the app: the closures stay alive.
        keys.forget();
        clicks.forget();
        std::mem::forget(frame);
        || ()
    });
}
