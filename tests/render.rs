//! Renders the components natively with Yew's server renderer and checks what
//! a person would read on the page. No browser needed.
#![cfg(not(target_arch = "wasm32"))]

use std::rc::Rc;

use slotscope::components::key_inspector::{KeyInspector, KeyInspectorProps};
use slotscope::components::slot_bar::{SlotBar, SlotBarProps};
use slotscope::view::slot_map::SlotMap;
use slotscope::App;
use slotscope_sim::{Cluster, Layout};
use yew::ServerRenderer;

fn render_inspector(key: &str) -> String {
    let key = key.to_string();
    let renderer = ServerRenderer::<KeyInspector>::with_props(move || KeyInspectorProps {
        map: Rc::new(SlotMap::from_layout(&Layout::default())),
        colours: Rc::new(vec![0, 1, 2]),
        value: key.into(),
        on_key: yew::Callback::noop(),
    })
    .hydratable(false);
    futures::executor::block_on(renderer.render())
}

/// The text of the first element carrying `data-testid="{id}"`, tags stripped.
fn text_of(html: &str, id: &str) -> String {
    let marker = format!("data-testid=\"{id}\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {id} in {html}"));
    let body = &html[start..];
    let open_end = body.find('>').unwrap() + 1;
    // Walk to the matching close tag, counting nested elements.
    let mut depth = 1;
    let mut i = open_end;
    let mut text = String::new();
    while depth > 0 {
        let rest = &body[i..];
        let next = rest.find('<').unwrap();
        text.push_str(&rest[..next]);
        let tag_end = rest.find('>').unwrap();
        let tag = &rest[next..=tag_end];
        if tag.starts_with("</") {
            depth -= 1;
        } else if !tag.ends_with("/>") {
            depth += 1;
        }
        i += tag_end + 1;
    }
    text.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

#[test]
fn hash_tag_key_shows_tag_slot_and_owner() {
    let html = render_inspector("{user:1001}:orders");
    assert_eq!(text_of(&html, "slot"), "5712");
    assert_eq!(text_of(&html, "owner"), "127.0.0.1:7001");
    assert_eq!(text_of(&html, "hashed"), "user:1001");
    assert!(
        html.contains("class=\"hashed\">user:1001</mark>"),
        "only the tag is highlighted: {html}"
    );
    let why = text_of(&html, "why");
    assert!(
        why.starts_with("Hash tag: Redis hashes only user:1001"),
        "{why}"
    );
    assert!(
        why.contains("The key user:1001 and every key whose first tag is {user:1001}"),
        "{why}"
    );
    assert!(why.contains("slot 5712"), "{why}");
    assert_eq!(text_of(&html, "crc"), "0x5650");
    assert_eq!(text_of(&html, "mask"), "0x5650 & 0x3FFF (16383) = 5712");
    assert_eq!(
        text_of(&html, "hashed-hex"),
        "75 73 65 72 3a 31 30 30 31 (9 bytes)"
    );
    assert_eq!(text_of(&html, "key-size"), "18 bytes");
    assert_eq!(
        text_of(&html, "owner-line"),
        "Slot 5712 is in 5461-10922, held by master 127.0.0.1:7001."
    );
}

#[test]
fn plain_key_is_hashed_whole() {
    let html = render_inspector("user:1001");
    assert_eq!(text_of(&html, "slot"), "5712");
    assert_eq!(text_of(&html, "hashed"), "user:1001");
    assert!(
        html.contains("class=\"hashed whole\">user:1001</mark>"),
        "{html}"
    );
    assert!(text_of(&html, "why").contains("no { in the key"));
}

#[test]
fn lesson_and_edge_keys() {
    for (key, slot, owner) in [
        ("mykey", "14687", "127.0.0.1:7002"),
        ("foo", "12182", "127.0.0.1:7002"),
        ("bar", "5061", "127.0.0.1:7000"),
        ("{user:1001}:profile", "5712", "127.0.0.1:7001"),
    ] {
        let html = render_inspector(key);
        assert_eq!(text_of(&html, "slot"), slot, "{key}");
        assert_eq!(text_of(&html, "owner"), owner, "{key}");
    }
}

#[test]
fn empty_tag_and_unclosed_brace_hash_the_whole_key() {
    let html = render_inspector("foo{}{bar}");
    assert_eq!(text_of(&html, "slot"), "8363");
    assert!(text_of(&html, "why").contains("an empty tag does not count"));
    let html = render_inspector("a{b");
    assert!(text_of(&html, "why").contains("no } after it"));
    let html = render_inspector("foo{{bar}}zap");
    assert_eq!(text_of(&html, "hashed"), "{bar");
    assert_eq!(text_of(&html, "slot"), "4015");
}

#[test]
fn empty_key_is_slot_zero() {
    let html = render_inspector("");
    assert_eq!(text_of(&html, "slot"), "0");
    assert_eq!(text_of(&html, "owner"), "127.0.0.1:7000");
    assert_eq!(text_of(&html, "key-size"), "0 bytes");
    assert_eq!(text_of(&html, "hashed-hex"), "none");
    assert!(text_of(&html, "key-view").contains("the empty key"));
}

#[test]
fn unicode_and_emoji_are_hashed_as_utf8_bytes() {
    let html = render_inspector("🚀");
    assert_eq!(text_of(&html, "hashed-hex"), "f0 9f 9a 80 (4 bytes)");
    assert_eq!(text_of(&html, "key-size"), "4 bytes");
    let html = render_inspector("héllo {wörld}");
    assert_eq!(text_of(&html, "hashed"), "wörld");
    assert_eq!(text_of(&html, "hashed-hex"), "77 c3 b6 72 6c 64 (6 bytes)");
}

#[test]
fn long_keys_cut_the_hex_listing() {
    let key = "k".repeat(300);
    let html = render_inspector(&key);
    assert!(text_of(&html, "hashed-hex").ends_with("… (300 bytes in all)"));
}

#[test]
fn slot_bar_draws_each_master_and_the_pin() {
    let renderer = ServerRenderer::<SlotBar>::with_props(|| SlotBarProps {
        map: Rc::new(SlotMap::from_layout(&Layout::default())),
        colours: Rc::new(vec![0, 1, 2]),
        marked: Some(5712),
    })
    .hydratable(false);
    let html = futures::executor::block_on(renderer.render());
    assert_eq!(html.matches("<rect").count(), 3);
    assert!(html.contains("x=\"5461\""), "{html}");
    assert!(html.contains("width=\"5462\""), "{html}");
    assert_eq!(text_of(&html, "slot-pin"), "5712");
    assert!(html.contains("127.0.0.1:7002 holds 10923-16383"));
    assert_eq!(
        text_of(&html, "slot-probe"),
        "Slot 5712: 127.0.0.1:7001, 0 keys"
    );
}

#[test]
fn live_slot_bar_marks_a_slot_half_way_and_counts_keys() {
    let mut c = Cluster::create(3, 1, 1).unwrap();
    let run = |c: &mut Cluster, node: usize, line: &str| {
        let conn = c.connect(node);
        let argv: Vec<Vec<u8>> = line.split(' ').map(|w| w.as_bytes().to_vec()).collect();
        c.execute(conn, &argv)
    };
    run(&mut c, 1, "SET user:1001 x");
    let id0 = c.nodes[0].id.clone();
    let id1 = c.nodes[1].id.clone();
    run(&mut c, 0, &format!("CLUSTER SETSLOT 5712 IMPORTING {id1}"));
    run(&mut c, 1, &format!("CLUSTER SETSLOT 5712 MIGRATING {id0}"));
    let map = SlotMap::from_cluster(&c, 2);
    let renderer = ServerRenderer::<SlotBar>::with_props(move || SlotBarProps {
        map: Rc::new(map),
        colours: Rc::new(vec![0, 1, 2]),
        marked: Some(5712),
    })
    .hydratable(false);
    let html = futures::executor::block_on(renderer.render());
    assert_eq!(
        text_of(&html, "slot-probe"),
        "Slot 5712: 127.0.0.1:7001, 1 key; 127.0.0.1:7001 MIGRATING to 127.0.0.1:7000; 127.0.0.1:7000 IMPORTING from 127.0.0.1:7001"
    );
    assert_eq!(html.matches("data-testid=\"open-slot\"").count(), 2);
    assert!(
        html.contains("as <span class=\"seen-by\">127.0.0.1:7002</span> sees them"),
        "{html}"
    );
}

#[test]
fn app_opens_on_the_lesson_key() {
    let html = futures::executor::block_on(ServerRenderer::<App>::new().hydratable(false).render());
    assert!(html.contains("Slotscope"));
    assert_eq!(text_of(&html, "slot"), "5712");
}

#[test]
fn operations_offer_only_masters_and_fall_back_when_one_is_gone() {
    use slotscope::components::operations::{OpStatus, Operations, OperationsProps};
    // 7000 (index 0, the default source) is dead: the other masters are
    // offered, and the source falls back to one that is not the target (7001).
    let renderer = ServerRenderer::<Operations>::with_props(|| OperationsProps {
        status: OpStatus::default(),
        ports: vec![7000, 7001, 7002, 7003],
        masters: vec![1, 2, 3],
        full_coverage: true,
        reads_when_down: false,
        disagreements: vec![
            "cluster-allow-reads-when-down is no on most nodes, but :7000 has yes".into(),
        ],
        on_action: Default::default(),
    })
    .hydratable(false);
    let html = futures::executor::block_on(renderer.render());
    assert!(html.contains("<p class=\"disagree\">cluster-allow-reads-when-down is no on most nodes, but :7000 has yes</p>"), "{html}");
    let source = &html[html.find("aria-label=\"Source master\"").unwrap()..];
    let source = &source[..source.find("</select>").unwrap()];
    assert!(!source.contains(":7000"), "{source}");
    assert!(source.contains("<option value=\"2\" selected"), "{source}");
    let target = &html[html.find("aria-label=\"Target master\"").unwrap()..];
    let target = &target[..target.find("</select>").unwrap()];
    assert!(target.contains("<option value=\"1\" selected"), "{target}");
}

#[test]
fn the_banner_says_why_the_cluster_is_down_and_text_is_never_html() {
    use slotscope::components::state_banner::{StateBanner, StateBannerProps};
    use slotscope::view::cluster_state::StateBanner as Banner;
    let renderer = ServerRenderer::<StateBanner>::with_props(|| StateBannerProps {
        banner: Banner {
            ok: false,
            observer_port: 7000,
            reasons: vec!["slots 10923–16383 have no reachable master <b>".into()],
        },
        branch_at: Some(2_500),
        branches: 1,
        on_dismiss: Default::default(),
        on_branch: Default::default(),
    })
    .hydratable(false);
    let html = futures::executor::block_on(renderer.render());
    assert!(
        html.contains("cluster_state:fail as :7000 sees it"),
        "{html}"
    );
    assert!(
        html.contains("slots 10923–16383 have no reachable master &lt;b&gt;"),
        "{html}"
    );
    assert!(
        html.contains("You acted at 2.500 s: a new branch starts there."),
        "{html}"
    );
    assert!(html.contains(">go back to it</button>"), "{html}");
}

#[test]
fn the_console_explains_errors_and_waits_for_the_reply() {
    use slotscope::components::console::{Console, ConsoleProps};
    use slotscope::studio::{ConsoleEntry, EntryKind, EntryState};
    let entry = |line: &str, printed: &str, keys: &[&str]| ConsoleEntry {
        kind: EntryKind::Typed,
        at: 0,
        prompt: "127.0.0.1:7000>".into(),
        line: line.into(),
        printed: vec![printed.into()],
        hops: 1,
        keys: keys.iter().map(|k| k.to_string()).collect(),
        outcomes: Vec::new(),
    };
    let renderer = ServerRenderer::<Console>::with_props(move || ConsoleProps {
        entries: vec![
            (
                entry("GET foo", "(error) MOVED 12182 127.0.0.1:7002", &["foo"]),
                EntryState::Done,
            ),
            (entry("GET bar", "\"1\"", &["bar"]), EntryState::Waiting),
            (entry("PING", "PONG", &[]), EntryState::Future),
        ],
        prompt: "127.0.0.1:7000>".into(),
        highlight: false,
        history: vec![],
        mode: slotscope_sim::console::ClientMode::Raw,
        ports: vec![7000, 7001, 7002],
        node: 0,
        on_line: Default::default(),
        reading: false,
        on_interrupt: Default::default(),
        on_mode: Default::default(),
        on_node: Default::default(),
        on_inspect: Default::default(),
    })
    .hydratable(false);
    let html = futures::executor::block_on(renderer.render());
    assert!(!html.contains("Ctrl-C"), "not reading: {html}");
    assert!(
        html.contains("<p class=\"why\">This node does not serve slot 12182"),
        "{html}"
    );
    assert!(html.contains(">where does foo live?</button>"), "{html}");
    // The second reply is still on its way: not printed yet.
    assert!(html.contains("… the reply is on its way"), "{html}");
    assert!(!html.contains("&quot;1&quot;"), "{html}");
    assert!(html.contains("class=\"entry future\""), "{html}");
    assert!(html.contains("in this branch's future"), "{html}");
}

#[test]
fn a_reading_console_shows_messages_without_a_prompt_and_offers_ctrl_c() {
    use slotscope::components::console::{Console, ConsoleProps};
    use slotscope::studio::{ConsoleEntry, EntryKind, EntryState};
    let entry = |kind: EntryKind, line: &str, printed: &str| ConsoleEntry {
        kind,
        at: 0,
        prompt: "127.0.0.1:7000>".into(),
        line: line.into(),
        printed: vec![printed.into()],
        hops: 1,
        keys: Vec::new(),
        outcomes: Vec::new(),
    };
    let renderer = ServerRenderer::<Console>::with_props(move || ConsoleProps {
        entries: vec![
            (
                entry(
                    EntryKind::Typed,
                    "SUBSCRIBE news",
                    "Reading messages... (press Ctrl-C to quit)",
                ),
                EntryState::Done,
            ),
            (
                entry(EntryKind::SecondClient, "PUBLISH news hi", "(integer) 1"),
                EntryState::Done,
            ),
            (
                entry(
                    EntryKind::Read,
                    "",
                    "1) \"message\"\n2) \"news\"\n3) \"hi\"",
                ),
                EntryState::Done,
            ),
        ],
        prompt: "127.0.0.1:7000>".into(),
        highlight: false,
        history: vec![],
        mode: slotscope_sim::console::ClientMode::Raw,
        ports: vec![7000, 7001, 7002],
        node: 0,
        on_line: Default::default(),
        reading: true,
        on_interrupt: Default::default(),
        on_mode: Default::default(),
        on_node: Default::default(),
        on_inspect: Default::default(),
    })
    .hydratable(false);
    let html = futures::executor::block_on(renderer.render());
    assert!(html.contains(">Ctrl-C</button>"), "{html}");
    assert!(html.contains("2nd client"), "{html}");
    assert_eq!(
        html.matches("class=\"typed\"").count(),
        2,
        "a message has no typed line: {html}"
    );
    assert!(html.contains("class=\"entry read\""), "{html}");
}

#[test]
fn the_node_panel_shows_migrations_and_what_to_watch() {
    use slotscope::components::node_panel::{NodePanel, NodePanelProps};
    use slotscope::view::cards::{cards, Shape};
    let mut c = Cluster::create(3, 1, 1).unwrap();
    c.set_config(|c| c.node_timeout = 2_000);
    c.advance(1_000);
    c.kill(0);
    // Until 7001 flags 7000 PFAIL: reports towards FAIL.
    while !c.nodes[1].view[0].pfail {
        c.advance(10);
    }
    let mut card = cards(&c, 1, Shape::of_new(&c))[0].clone();
    card.migrating = vec![(5061, 7001)];
    let renderer = ServerRenderer::<NodePanel>::with_props(move || NodePanelProps {
        card: Some(card.clone()),
        is_observer: false,
        observer_port: 7001,
        partitioned: false,
        ports: vec![7000, 7001, 7002, 7003, 7004, 7005],
        on_op: Default::default(),
    })
    .hydratable(false);
    let html = futures::executor::block_on(renderer.render());
    assert!(html.contains("slot 5061 to :7001"), "{html}");
    assert!(
        html.contains(":7001 holds 1 failure report(s) of the 2 it needs")
            || html.contains(":7001 holds 2 failure report(s) of the 2 it needs"),
        "{html}"
    );
}

#[test]
fn the_console_hint_is_the_argument_line_redis_cli_shows() {
    // The hint itself is the core's (help::hint, compared with redis-cli);
    // here: what a line being typed gives.
    assert_eq!(
        slotscope_sim::help::hint("ZADD ").as_deref(),
        Some("key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]")
    );
}
