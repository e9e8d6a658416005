//! Embed mode (`?embed`), for a lesson page's frame: no page chrome, the
//! panels the lesson asks for, and where the run starts. Read from the
//! URL's query (the fragment keeps the link to the moment):
//!
//! `?embed&panels=cluster,console,inspector,log,ops&key=user:1001&topology=3x1&node_timeout=2000&speed=0.5&autoplay`
//!
//! Unknown or malformed parameters are refused with a message (shown over
//! the page), never run.

use crate::studio::Drawer;

/// What an embedding page asked for (plain data).
#[derive(Clone, Debug, PartialEq)]
pub struct Embed {
    pub cluster: bool,
    pub console: bool,
    /// The drawers shown below, in the order given.
    pub drawers: Vec<Drawer>,
    pub key: Option<String>,
    /// Index in `SHAPES`.
    pub shape: Option<usize>,
    pub node_timeout: Option<u64>,
    /// log10 of the speed.
    pub speed_log: Option<f64>,
    pub autoplay: bool,
}

impl Default for Embed {
    fn default() -> Embed {
        Embed {
            cluster: true,
            console: true,
            drawers: Vec::new(),
            key: None,
            shape: None,
            node_timeout: None,
            speed_log: None,
            autoplay: false,
        }
    }
}

/// A parameter's value, decoded.
fn unescape(text: &str) -> Result<String, String> {
    String::from_utf8(crate::link::percent_decode(text)?)
        .map_err(|_| "a parameter is not UTF-8".to_string())
}

/// Reads a query string (with or without its `?`). `Ok(None)`: not
/// embedded (no `embed` parameter).
pub fn parse(query: &str) -> Result<Option<Embed>, String> {
    let query = query.strip_prefix('?').unwrap_or(query);
    // The full page ignores its query (a link from elsewhere may carry
    // tracking parameters); only an embedding page's parameters are read.
    let embedded = query
        .split('&')
        .any(|p| p == "embed" || p.starts_with("embed="));
    if !embedded {
        return Ok(None);
    }
    if query.len() > 4_096 {
        return Err("the page's parameters are too long".into());
    }
    let mut embed = Embed::default();
    for part in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = part.split_once('=').unwrap_or((part, ""));
        let value = unescape(value)?;
        let clip: String = value.chars().take(40).collect();
        match name {
            "embed" => {}
            "autoplay" => embed.autoplay = value.is_empty() || value == "1" || value == "true",
            "panels" => {
                embed.cluster = false;
                embed.console = false;
                embed.drawers.clear();
                for panel in value.split(',') {
                    match panel {
                        "cluster" => embed.cluster = true,
                        "console" => embed.console = true,
                        "inspector" | "key" => embed.drawers.push(Drawer::Key),
                        "log" => embed.drawers.push(Drawer::Log),
                        "ops" | "operations" | "settings" => embed.drawers.push(Drawer::Operations),
                        other => {
                            return Err(format!(
                                "there is no panel {:?} (cluster, console, inspector, log, ops)",
                                other.chars().take(40).collect::<String>()
                            ))
                        }
                    }
                }
                embed.drawers.dedup();
            }
            "key" => embed.key = Some(value.chars().take(512).collect()),
            "topology" => {
                let shape = match value.as_str() {
                    "3x1" | "6" => 0,
                    "50x1" | "100" => 1,
                    _ => {
                        return Err(format!(
                        "there is no topology {clip:?} (3x1: 3 masters with a replica each; 50x1)"
                    ))
                    }
                };
                embed.shape = Some(shape);
            }
            "node_timeout" => {
                let ms: u64 = value
                    .parse()
                    .ok()
                    .filter(|ms| (100..=600_000).contains(ms))
                    .ok_or(format!(
                        "node_timeout must be 100 to 600000 ms, not {clip:?}"
                    ))?;
                embed.node_timeout = Some(ms);
            }
            "speed" => {
                let x: f64 = value
                    .parse()
                    .ok()
                    .filter(|x: &f64| x.is_finite() && *x > 0.0)
                    .ok_or(format!("speed must be a positive number, not {clip:?}"))?;
                embed.speed_log = Some(
                    x.log10()
                        .clamp(crate::studio::SPEED_LOG_MIN, crate::studio::SPEED_LOG_MAX),
                );
            }
            // Named by the host API (`origin=`, repeatable): read there.
            "origin" => {}
            // A tour to open (`link::tour_of`, `tour_loader`).
            "tour" | "step" | "tour-url" => {}
            other => {
                return Err(format!(
                    "the page has no parameter {:?}",
                    other.chars().take(40).collect::<String>()
                ))
            }
        }
    }
    Ok(Some(embed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_choose_panels_and_the_start() {
        assert_eq!(parse(""), Ok(None));
        assert_eq!(parse("?key=a"), Ok(None));
        assert_eq!(parse("?utm_source=lesson&bogus"), Ok(None));
        let e = parse("?embed&panels=cluster,inspector,log&key=user%3A1001&topology=3x1&node_timeout=2000&speed=0.1&autoplay")
            .unwrap()
            .unwrap();
        assert!(e.cluster && !e.console);
        assert_eq!(e.drawers, [Drawer::Key, Drawer::Log]);
        assert_eq!(e.key.as_deref(), Some("user:1001"));
        assert_eq!((e.shape, e.node_timeout), (Some(0), Some(2_000)));
        assert!((e.speed_log.unwrap() + 1.0).abs() < 1e-9 && e.autoplay);
        assert_eq!(parse("?embed").unwrap().unwrap(), Embed::default());
    }

    #[test]
    fn bad_parameters_are_named() {
        for (q, why) in [
            ("?embed&panels=cluster,chat", "no panel \"chat\""),
            ("?embed&topology=9x9", "no topology"),
            ("?embed&node_timeout=5", "100 to 600000"),
            ("?embed&speed=-1", "positive number"),
            ("?embed&speed=NaN", "positive number"),
            ("?embed&bogus=1", "no parameter \"bogus\""),
            ("?embed&key=%ZZ", "not hex"),
        ] {
            match parse(q) {
                Err(e) => assert!(e.contains(why), "{q}: {e}"),
                Ok(e) => panic!("{q} gave {e:?}"),
            }
        }
    }
}
