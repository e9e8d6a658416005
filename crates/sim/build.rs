//! Generates the command table and the command docs from what a real Redis
//! 7.0.15 answered to `COMMAND` and `COMMAND DOCS` (`data/redis/*.json`,
//! copied from the captured ground truth). The JSON stays the one source:
//! arity, flags, key specs, ACL categories, tips and docs are not typed in
//! by hand anywhere. The output is plain `static` data (no parsing at run
//! time, nothing allocated before the first command).

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/redis");
    let commands = dir.join("commands-7.0.15.json");
    let docs = dir.join("command-docs-7.0.15.json");
    // The `notes` of a dozen key specs, which the COMMAND capture left out:
    // taken from the same server version (7.0.15) as [command, spec index, note].
    let notes_file = dir.join("key-spec-notes-7.0.15.json");
    println!("cargo:rerun-if-changed={}", notes_file.display());
    let notes: Value =
        serde_json::from_str(&std::fs::read_to_string(&notes_file).expect("read")).expect("notes");
    println!("cargo:rerun-if-changed={}", commands.display());
    println!("cargo:rerun-if-changed={}", docs.display());
    println!("cargo:rerun-if-changed=build.rs");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));

    let table: Value = serde_json::from_str(&std::fs::read_to_string(&commands).expect("read"))
        .expect("commands JSON");
    let mut list: Vec<&Value> = table["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .collect();
    list.sort_by_key(|c| c["name"].as_str().unwrap_or_default().to_string());
    let mut src = String::from("pub static COMMANDS: &[CommandSpec] = &[\n");
    for c in list {
        command(&mut src, c, &notes);
    }
    src.push_str("];\n");
    std::fs::write(out.join("commands.rs"), src).expect("write commands.rs");

    // The docs stay JSON text (19 KB gzipped; as Rust statics they cost
    // twice that in the page), re-written compactly, fields in order.
    let docs: Value =
        serde_json::from_str(&std::fs::read_to_string(&docs).expect("read")).expect("docs JSON");
    std::fs::write(
        out.join("docs.min.json"),
        serde_json::to_string(&docs["docs"]).expect("docs"),
    )
    .expect("write docs.min.json");
}

fn strs(v: &Value) -> String {
    let items: Vec<String> = v
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| format!("{:?}", s.as_str().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    format!("&[{}]", items.join(", "))
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn note_of(notes: &Value, name: &str, index: usize) -> String {
    let found = notes
        .as_array()
        .into_iter()
        .flatten()
        .find(|n| n[0].as_str() == Some(name) && n[1].as_u64() == Some(index as u64));
    match found.and_then(|n| n[2].as_str()) {
        Some(text) => format!("Some({text:?})"),
        None => "None".to_string(),
    }
}

fn command(src: &mut String, c: &Value, notes: &Value) {
    let flags = &c["flags"];
    let write = flags
        .as_array()
        .is_some_and(|f| f.iter().any(|x| x == "write"));
    let _ = write!(
        src,
        "CommandSpec {{ name: {:?}, arity: {}, write: {write}, flags: {}, first_key: {}, last_key: {}, step: {}, acl_categories: {}, tips: {}, key_specs: &[",
        c["name"].as_str().unwrap_or_default(),
        int(&c["arity"]),
        strs(flags),
        int(&c["first_key"]),
        int(&c["last_key"]),
        int(&c["step"]),
        strs(&c["acl_categories"]),
        strs(&c["tips"]),
    );
    let name = c["name"].as_str().unwrap_or_default();
    for (index, ks) in c["key_specs"].as_array().into_iter().flatten().enumerate() {
        let bs = &ks["begin_search"];
        let begin = match bs["type"].as_str() {
            Some("index") => format!("BeginSearch::Index({})", int(&bs["spec"]["index"])),
            Some("keyword") => format!(
                "BeginSearch::Keyword {{ keyword: {:?}, startfrom: {} }}",
                bs["spec"]["keyword"].as_str().unwrap_or_default(),
                int(&bs["spec"]["startfrom"])
            ),
            _ => "BeginSearch::Unknown".to_string(),
        };
        let fk = &ks["find_keys"];
        let find = match fk["type"].as_str() {
            Some("range") => format!(
                "FindKeys::Range {{ lastkey: {}, keystep: {}, limit: {} }}",
                int(&fk["spec"]["lastkey"]),
                int(&fk["spec"]["keystep"]),
                int(&fk["spec"]["limit"])
            ),
            Some("keynum") => format!(
                "FindKeys::Keynum {{ keynumidx: {}, firstkey: {}, keystep: {} }}",
                int(&fk["spec"]["keynumidx"]),
                int(&fk["spec"]["firstkey"]),
                int(&fk["spec"]["keystep"])
            ),
            _ => "FindKeys::Unknown".to_string(),
        };
        let _ = write!(
            src,
            "KeySpec {{ notes: {}, flags: {}, begin_search: {begin}, find_keys: {find} }}, ",
            note_of(notes, name, index),
            strs(&ks["flags"])
        );
    }
    src.push_str("], subcommands: &[\n");
    let mut subs: Vec<&Value> = c["subcommands"].as_array().into_iter().flatten().collect();
    subs.sort_by_key(|c| c["name"].as_str().unwrap_or_default().to_string());
    for s in subs {
        command(src, s, notes);
    }
    src.push_str("] },\n");
}
