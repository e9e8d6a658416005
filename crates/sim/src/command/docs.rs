//! `COMMAND DOCS` of Redis 7.0.15, for COMMAND DOCS itself and for the
//! console's `help`. The docs are carried as JSON text (build.rs copies
//! data/redis/command-docs-7.0.15.json compactly) and read on first use.
//!
//! Without the `embedded-docs` feature (the page's build) the text is not
//! in the binary: the page fetches the JSON file after its first render
//! and hands it to `install` — 19 KB gzipped that the first download does
//! not carry. Until then COMMAND DOCS and `help` say the docs are loading.

use std::sync::OnceLock;

use crate::json::Json;
use crate::reply::Reply;

/// A docs value in the shape the server sends it (RESP3 types).
#[derive(Clone, Debug, PartialEq)]
pub enum Doc {
    Text(String),
    Int(i64),
    List(Vec<Doc>),
    /// Flags (status replies) and history: a RESP3 set.
    Set(Vec<Doc>),
    Map(Vec<(String, Doc)>),
}

#[cfg(feature = "embedded-docs")]
const EMBEDDED: Option<&str> = Some(include_str!(concat!(env!("OUT_DIR"), "/docs.min.json")));
#[cfg(not(feature = "embedded-docs"))]
const EMBEDDED: Option<&str> = None;

static DOCS: OnceLock<Vec<(String, Doc)>> = OnceLock::new();

static FAILED: OnceLock<String> = OnceLock::new();

/// Why the docs are not there: still loading, or why loading failed.
pub fn missing() -> String {
    match FAILED.get() {
        Some(why) => format!("ERR Slotscope could not load the command docs: {why}"),
        None => "ERR Slotscope is still loading the command docs; try again in a moment".into(),
    }
}

/// Records that the docs could not be loaded (the page's fetch failed).
pub fn failed(why: &str) {
    let _ = FAILED.set(why.to_string());
}

/// The docs from JSON text: the captured file (`{"docs": {...}}`) or just
/// its `docs` object, as build.rs writes it.
fn parse(text: &str) -> Result<Vec<(String, Doc)>, String> {
    let json = crate::json::parse(text).map_err(|e| format!("the command docs: {e:?}"))?;
    let Json::Object(mut fields) = json else {
        return Err("the command docs are not a JSON object".into());
    };
    if let Some(i) = fields.iter().position(|(k, _)| k == "docs") {
        match fields.swap_remove(i).1 {
            Json::Object(inner) => fields = inner,
            _ => return Err("the command docs' \"docs\" is not an object".into()),
        }
    }
    let mut docs: Vec<(String, Doc)> = fields
        .into_iter()
        .map(|(name, v)| (name, from_json(None, v)))
        .collect();
    crate::order::sort_by(&mut docs, |a: &(String, Doc), b| a.0.cmp(&b.0));
    Ok(docs)
}

/// Installs the docs from JSON text (the page, once it fetched them);
/// returns how many commands they cover. A second install keeps the first.
pub fn install(text: &str) -> Result<usize, String> {
    let docs = parse(text)?;
    if docs.is_empty() {
        return Err("the command docs are empty".into());
    }
    Ok(DOCS.get_or_init(|| docs).len())
}

/// Every command's docs by name, in name order (empty while not loaded).
pub fn all() -> &'static [(String, Doc)] {
    if let Some(docs) = DOCS.get() {
        return docs;
    }
    match EMBEDDED {
        // Generated at build time from the captured JSON: a failure here
        // would be a build bug, answered with no docs.
        Some(text) => DOCS.get_or_init(|| parse(text).unwrap_or_default()),
        None => &[],
    }
}

/// Whether the docs are there (always, when embedded).
pub fn available() -> bool {
    !all().is_empty()
}

/// The JSON as RESP3 shapes it: objects are maps, `subcommands` is a map
/// (given flat in the JSON, as RESP2 sends it), `doc_flags`, an argument's
/// `flags` and `history` are sets; the rest keeps its JSON shape.
fn from_json(key: Option<&str>, v: Json) -> Doc {
    match v {
        Json::Str(s) => Doc::Text(s),
        Json::Int(n) => Doc::Int(n),
        Json::Float(f) => Doc::Text(f.to_string()),
        Json::Bool(b) => Doc::Int(i64::from(b)),
        Json::Null => Doc::Text(String::new()),
        Json::Object(fields) => Doc::Map(
            fields
                .into_iter()
                .map(|(k, v)| {
                    let d = from_json(Some(&k), v);
                    (k, d)
                })
                .collect(),
        ),
        Json::Array(items) if key == Some("subcommands") => {
            let mut pairs = Vec::new();
            let mut it = items.into_iter();
            while let (Some(name), Some(doc)) = (it.next(), it.next()) {
                pairs.push((
                    name.as_str().unwrap_or_default().to_string(),
                    from_json(None, doc),
                ));
            }
            Doc::Map(pairs)
        }
        Json::Array(items) => {
            let inner = items.into_iter().map(|i| from_json(None, i)).collect();
            if matches!(key, Some("doc_flags") | Some("flags") | Some("history")) {
                Doc::Set(inner)
            } else {
                Doc::List(inner)
            }
        }
    }
}

impl Doc {
    pub fn get(&self, field: &str) -> Option<&Doc> {
        match self {
            Doc::Map(pairs) => pairs.iter().find(|(k, _)| k == field).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            Doc::Text(t) => Some(t),
            _ => None,
        }
    }

    pub fn to_reply(&self) -> Reply {
        match self {
            Doc::Text(t) => Reply::bulk(t.as_bytes()),
            Doc::Int(n) => Reply::Integer(*n),
            Doc::List(items) => Reply::Array(items.iter().map(Doc::to_reply).collect()),
            Doc::Set(items) => Reply::Set(
                items
                    .iter()
                    .map(|d| match d {
                        // Flags are status replies (`addReplyCommandFlags()`).
                        Doc::Text(t) => Reply::Status(t.clone()),
                        other => other.to_reply(),
                    })
                    .collect(),
            ),
            Doc::Map(pairs) => Reply::Map(
                pairs
                    .iter()
                    .map(|(k, v)| (Reply::bulk(k.as_bytes()), v.to_reply()))
                    .collect(),
            ),
        }
    }
}

/// The docs of a command by its full name (`get`, `config|get`).
pub fn of(name: &str) -> Option<&'static Doc> {
    let name = name.to_ascii_lowercase();
    match name.split_once('|') {
        None => all().iter().find(|(n, _)| *n == name).map(|(_, d)| d),
        Some((parent, _)) => {
            let parent = all().iter().find(|(n, _)| n == parent)?;
            parent.1.get("subcommands")?.get(&name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_docs() {
        assert_eq!(all().len(), 240);
        for c in crate::command::table::COMMANDS {
            assert!(of(c.name).is_some(), "{}", c.name);
        }
        assert_eq!(
            of("get").and_then(|d| d.get("summary")).and_then(Doc::text),
            Some("Get the value of a key")
        );
        assert!(of("config|get").is_some());
    }
}
