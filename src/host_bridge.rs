//! The host page's API in the browser: messages are accepted only from the
//! window that frames the app, at an origin the page was told to trust
//! (`origin=` in the URL's query, repeatable) or its own; they are read
//! field by field (never evaluated, never inserted as HTML), decoded by
//! `host::decode` and carried out as the same `Msg`s as the page's own
//! gestures. Events go only to the parent window, at that origin.

/// Origins whose messages are accepted: the app's own, and those named.
pub fn allowed_origins(query: &str, own: &str) -> Vec<String> {
    let mut out = vec![own.to_string()];
    for part in query.trim_start_matches('?').split('&') {
        if let Some(v) = part.strip_prefix("origin=") {
            let v = v
                .replace("%3A", ":")
                .replace("%3a", ":")
                .replace("%2F", "/")
                .replace("%2f", "/");
            if !v.is_empty() && !out.contains(&v) {
                out.push(v);
            }
        }
    }
    out
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use std::cell::RefCell;

    use wasm_bindgen::{closure::Closure, JsCast, JsValue};

    use crate::app::Shared;
    use crate::host::{decode, to_msg, Command, Event, Fields};
    use crate::msg::Msg;

    thread_local! {
        /// Where events go: the parent's origin once it is known.
        static TARGET: RefCell<Option<String>> = const { RefCell::new(None) };
        /// Markers already told to the host (for `failover` events).
        static TOLD: RefCell<usize> = const { RefCell::new(0) };
    }

    struct Data(JsValue);

    impl Fields for Data {
        fn text(&self, name: &str) -> Option<String> {
            js_sys::Reflect::get(&self.0, &name.into())
                .ok()?
                .as_string()
        }
        fn number(&self, name: &str) -> Option<f64> {
            js_sys::Reflect::get(&self.0, &name.into()).ok()?.as_f64()
        }
        fn has(&self, name: &str) -> bool {
            js_sys::Reflect::has(&self.0, &name.into()).unwrap_or(false)
        }
    }

    fn set(obj: &js_sys::Object, name: &str, value: JsValue) {
        let _ = js_sys::Reflect::set(obj, &name.into(), &value);
    }

    /// Posts an event to the parent window at its origin (if framed and
    /// the origin is known).
    pub fn post(event: &Event, id: Option<&str>) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let Ok(Some(parent)) = window.parent() else {
            return;
        };
        if js_sys::Object::is(&parent, &window) {
            return; // Not framed.
        }
        let Some(origin) = TARGET.with(|t| t.borrow().clone()) else {
            return;
        };
        let obj = js_sys::Object::new();
        set(&obj, "slotscope", JsValue::from(crate::host::PROTOCOL));
        set(&obj, "type", JsValue::from_str(event.kind()));
        if let Some(id) = id {
            set(&obj, "id", JsValue::from_str(id));
        }
        match event {
            Event::Ready => {}
            Event::Reply {
                line,
                printed,
                outcome,
            } => {
                set(&obj, "line", JsValue::from_str(line));
                set(&obj, "printed", JsValue::from_str(printed));
                set(&obj, "outcome", JsValue::from_str(outcome));
            }
            Event::Redirect { kind, slot, to } => {
                set(&obj, "kind", JsValue::from_str(kind));
                set(&obj, "slot", JsValue::from(*slot));
                set(&obj, "to", JsValue::from(*to));
            }
            Event::Failover {
                promoted,
                epoch,
                at,
            } => {
                set(&obj, "promoted", JsValue::from(*promoted));
                set(&obj, "epoch", JsValue::from(*epoch as f64));
                set(&obj, "at", JsValue::from(*at as f64));
            }
            Event::State { link } => set(&obj, "link", JsValue::from_str(link)),
            Event::Error { message } => set(&obj, "message", JsValue::from_str(message)),
            Event::Step {
                tour,
                step,
                steps,
                title,
            } => {
                set(&obj, "tour", JsValue::from_str(tour));
                set(&obj, "step", JsValue::from(*step as f64));
                set(&obj, "steps", JsValue::from(*steps as f64));
                set(&obj, "title", JsValue::from_str(title));
            }
            Event::Goal {
                tour,
                step,
                goal,
                by_solution,
            } => {
                set(&obj, "tour", JsValue::from_str(tour));
                set(&obj, "step", JsValue::from(*step as f64));
                set(&obj, "goal", JsValue::from_str(goal));
                set(&obj, "bySolution", JsValue::from(*by_solution));
            }
        }
        let _ = parent.post_message(&obj, &origin);
    }

    /// What the last console line printed, for `reply` and `redirect`.
    fn tell_reply(studio: &Shared, id: Option<&str>) {
        let s = studio.borrow();
        let Some(e) = s.console_log.last() else {
            return;
        };
        let ports: Vec<u16> = s
            .timeline
            .session
            .world
            .nodes
            .iter()
            .map(|n| n.addr.port)
            .collect();
        for o in &e.outcomes {
            use slotscope_sim::routing::HopOutcome as H;
            let (kind, slot, to) = match o {
                H::Moved { slot, to } => ("MOVED", *slot, *to),
                H::Ask { slot, to } => ("ASK", *slot, *to),
                _ => continue,
            };
            post(
                &Event::Redirect {
                    kind,
                    slot,
                    to: ports.get(to).copied().unwrap_or(0),
                },
                id,
            );
        }
        let outcome = e
            .outcomes
            .last()
            .map_or("served", crate::host::outcome_word);
        post(
            &Event::Reply {
                line: e.line.clone(),
                printed: e.printed.join("\n"),
                outcome,
            },
            id,
        );
    }

    /// Listens for the host's messages, and says `ready`.
    #[yew::hook]
    pub fn use_host(studio: Shared, dispatch: yew::Callback<Msg>) {
        yew::use_effect_with((), move |_| {
            let window = web_sys::window().expect("a browser window");
            let own = window.location().origin().unwrap_or_default();
            let allowed = super::allowed_origins(&crate::location::query(), &own);
            // The parent's origin: from the referrer if it is allowed;
            // otherwise known at its first message (nothing is posted to
            // an origin the page is not sure of).
            let referrer = window
                .document()
                .map(|d| d.referrer())
                .and_then(|r| web_sys::Url::new(&r).ok().map(|u| u.origin()));
            let first = referrer.filter(|o| allowed.contains(o));
            TARGET.with(|t| *t.borrow_mut() = first);
            let studio_for_events = studio.clone();
            let listener = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |e: web_sys::MessageEvent| {
                    let Some(window) = web_sys::window() else {
                        return;
                    };
                    // Only the framing window, at an allowed origin.
                    let from_parent = match (e.source(), window.parent()) {
                        (Some(src), Ok(Some(parent))) => js_sys::Object::is(&src, &parent),
                        _ => false,
                    };
                    if !from_parent || !allowed.contains(&e.origin()) {
                        return;
                    }
                    TARGET.with(|t| *t.borrow_mut() = Some(e.origin()));
                    let data = e.data();
                    if !data.is_object() {
                        post(
                            &Event::Error {
                                message: "a message must be an object".into(),
                            },
                            None,
                        );
                        return;
                    }
                    let request = match decode(&Data(data)) {
                        Ok(r) => r,
                        Err((id, message)) => {
                            post(&Event::Error { message }, id.as_deref());
                            return;
                        }
                    };
                    let id = request.id.as_deref();
                    let ports: Vec<u16> = studio_for_events.borrow().cluster_ports();
                    match to_msg(&request.command, &ports) {
                        Err(message) => post(&Event::Error { message }, id),
                        Ok(None) => {
                            let link = crate::link::encode(&studio_for_events.borrow());
                            post(&Event::State { link }, id);
                        }
                        Ok(Some(msg)) => {
                            dispatch.emit(msg);
                            if let Command::Console(_) = request.command {
                                tell_reply(&studio_for_events, id);
                            }
                            if let Command::Tour(..) = request.command {
                                if let Some(why) = studio_for_events.borrow().tour_error.clone() {
                                    post(&Event::Error { message: why }, id);
                                }
                            }
                            if let Command::Step(_) = request.command {
                                if studio_for_events.borrow().tour.is_none() {
                                    post(
                                        &Event::Error {
                                            message: "no tour is being played".into(),
                                        },
                                        id,
                                    );
                                }
                            }
                            if let Command::Load(_) = request.command {
                                if let Some(why) = studio_for_events.borrow().link_error.clone() {
                                    post(&Event::Error { message: why }, id);
                                }
                            }
                        }
                    }
                },
            );
            let _ = window
                .add_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
            listener.forget();
            post(&Event::Ready, None);
            || ()
        });
    }

    /// After each frame: the tour's steps and goals since the last frame,
    /// and a replica promoted since the last look, are told to the host.
    pub fn after_frame(studio: &mut crate::studio::Studio) {
        for e in std::mem::take(&mut studio.tour_events) {
            post(&Event::from(e), None);
        }
        let told = TOLD.with(|t| *t.borrow());
        let markers = studio.markers();
        if markers.len() < told {
            TOLD.with(|t| *t.borrow_mut() = markers.len());
            return;
        }
        let new: Vec<(u64, Option<usize>)> = markers[told..]
            .iter()
            .filter(|m| m.kind == crate::studio::MarkerKind::Promotion)
            .map(|m| (m.at, m.node))
            .collect();
        let count = markers.len();
        TOLD.with(|t| *t.borrow_mut() = count);
        for (at, node) in new {
            let Some(n) = node else { continue };
            let world = &studio.timeline.session.world;
            let Some(node) = world.nodes.get(n) else {
                continue;
            };
            post(
                &Event::Failover {
                    promoted: node.addr.port,
                    epoch: node.view[n].config_epoch,
                    at,
                },
                None,
            );
        }
    }
}

#[cfg(target_arch = "wasm32")]
pub use browser::{after_frame, post, use_host};

/// Natively there is no host page.
#[cfg(not(target_arch = "wasm32"))]
#[yew::hook]
pub fn use_host(_studio: crate::app::Shared, _dispatch: yew::Callback<crate::msg::Msg>) {}

#[cfg(not(target_arch = "wasm32"))]
pub fn after_frame(_studio: &mut crate::studio::Studio) {}

#[cfg(not(target_arch = "wasm32"))]
pub fn post(_event: &crate::host::Event, _id: Option<&str>) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_the_own_and_those_named() {
        assert_eq!(
            allowed_origins(
                "?embed&origin=http%3A%2F%2F127.0.0.1%3A9000&origin=https://school.example",
                "http://a"
            ),
            [
                "http://a",
                "http://127.0.0.1:9000",
                "https://school.example"
            ]
        );
        assert_eq!(allowed_origins("", "http://a"), ["http://a"]);
    }
}
