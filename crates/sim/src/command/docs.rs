//! `COMMAND DOCS` of Redis 7.0.15, for COMMAND DOCS itself and for the
//! console's `help`. The docs are carried as JSON text (build.rs copies
//! data/redis/command-docs-7.0.15.json compactly) and read on first use.

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

const DOCS_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/docs.min.json"));

/// Every command's docs by name, in name order.
pub fn all() -> &'static [(String, Doc)] {
    static DOCS: OnceLock<Vec<(String, Doc)>> = OnceLock::new();
    DOCS.get_or_init(|| {
        // The text is generated from the captured JSON at build time; a
        // failure here would be a build bug, answered with no docs.
        let mut docs = match crate::json::parse(DOCS_JSON) {
            Ok(Json::Object(fields)) => fields
                .into_iter()
                .map(|(name, v)| (name, from_json(None, v)))
                .collect(),
            _ => Vec::new(),
        };
        docs.sort_by(|a: &(String, Doc), b| a.0.cmp(&b.0));
        docs
    })
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
