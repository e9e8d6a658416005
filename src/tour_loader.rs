//! A teacher's tour file named by the page's address: `?tour-url=URL`
//! (with `&step=N`, from 1). The file is fetched only from the page's own
//! origin or one the page was told to trust (`origin=`, as for the host
//! API): a link cannot make the page fetch from anywhere it likes. Its
//! text goes to the tour parser, as a file picked by hand would.

/// The `tour-url` parameter, decoded, and the step (from 0). `Ok(None)`:
/// there is none.
pub fn requested(query: &str) -> Result<Option<(String, usize)>, String> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut url = None;
    let mut step = 0;
    for part in query.split('&') {
        let (name, value) = part.split_once('=').unwrap_or((part, ""));
        match name {
            "tour-url" => {
                let bytes =
                    crate::link::percent_decode(value).map_err(|e| format!("tour-url: {e}"))?;
                let text =
                    String::from_utf8(bytes).map_err(|_| "tour-url is not UTF-8".to_string())?;
                if text.is_empty() || text.len() > 2_000 {
                    return Err("tour-url must be an address of at most 2,000 characters".into());
                }
                url = Some(text);
            }
            "step" => {
                step = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| {
                        format!(
                            "step {:?} is not a step number",
                            value.chars().take(20).collect::<String>()
                        )
                    })?
                    - 1;
            }
            _ => {}
        }
    }
    Ok(url.map(|u| (u, step)))
}

/// Whether a file at `origin` may be fetched by a page that trusts
/// `allowed` (its own origin first).
pub fn may_fetch(origin: &str, allowed: &[String]) -> bool {
    // (An opaque origin, "null" — a data: or file: address — is never
    // trusted.)
    origin != "null" && allowed.iter().any(|a| a == origin)
}

#[cfg(target_arch = "wasm32")]
pub fn fetch(dispatch: yew::Callback<crate::msg::Msg>) {
    use crate::msg::Msg;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};

    let query = crate::location::query();
    let (url, step) = match requested(&query) {
        Ok(Some(r)) => r,
        Ok(None) => return,
        Err(why) => return dispatch.emit(Msg::TourFailed(why)),
    };
    let Some(window) = web_sys::window() else {
        return;
    };
    let href = window.location().href().unwrap_or_default();
    let Ok(address) = web_sys::Url::new_with_base(&url, &href) else {
        return dispatch.emit(Msg::TourFailed(format!(
            "tour-url {:?} is not an address",
            url.chars().take(80).collect::<String>()
        )));
    };
    let own = window.location().origin().unwrap_or_default();
    let allowed = crate::host_bridge::allowed_origins(&query, &own);
    if !may_fetch(&address.origin(), &allowed) {
        return dispatch.emit(Msg::TourFailed(format!(
            "the tour at {} is not fetched: its origin {} is neither this page's nor one named by origin= in the address",
            address.href().chars().take(120).collect::<String>(),
            address.origin()
        )));
    }
    let failed = dispatch.clone();
    let name = address.href();
    let on_response: Closure<dyn FnMut(JsValue)> = Closure::once(move |response: JsValue| {
        let response = match response.dyn_into::<web_sys::Response>() {
            Ok(r) if r.ok() => r,
            Ok(r) => {
                return dispatch.emit(Msg::TourFailed(format!(
                    "the tour at {name} could not be fetched: HTTP {}",
                    r.status()
                )))
            }
            Err(_) => return,
        };
        let Ok(text) = response.text() else {
            return;
        };
        let on_text: Closure<dyn FnMut(JsValue)> = Closure::once(move |text: JsValue| {
            dispatch.emit(Msg::LoadTour(text.as_string().unwrap_or_default(), step));
        });
        let _ = text.then(&on_text);
        on_text.forget();
    });
    let on_error: Closure<dyn FnMut(JsValue)> = Closure::once(move |_: JsValue| {
        failed.emit(Msg::TourFailed(
            "the tour file could not be fetched (offline, or its server does not allow this page to read it)".into(),
        ));
    });
    let _ = window
        .fetch_with_str(&address.href())
        .then2(&on_response, &on_error);
    on_response.forget();
    on_error.forget();
}

#[cfg(not(target_arch = "wasm32"))]
pub fn fetch(_dispatch: yew::Callback<crate::msg::Msg>) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_names_a_file_and_a_step() {
        assert_eq!(requested("embed&cluster=1"), Ok(None));
        assert_eq!(
            requested("?embed&tour-url=tours%2Fmine.tour&step=2"),
            Ok(Some(("tours/mine.tour".into(), 1)))
        );
        assert!(requested("tour-url=").is_err());
        assert!(requested("tour-url=a&step=0").unwrap_err().contains("step"));
        assert!(requested("tour-url=%ZZ").is_err());
    }

    #[test]
    fn only_trusted_origins_are_fetched() {
        let allowed = vec!["http://a".to_string(), "https://school.example".to_string()];
        assert!(may_fetch("http://a", &allowed));
        assert!(may_fetch("https://school.example", &allowed));
        assert!(!may_fetch("https://evil.example", &allowed));
        assert!(!may_fetch("null", &["null".to_string()]));
    }
}
