//! Jumping back in time: a state rebuilt from a checkpoint and the actions
//! since is exactly the state the cluster had, and memory stays bounded.

use slotscope_sim::session::Session;
use slotscope_sim::timeline::{Action, Outcome, Timeline};
use slotscope_sim::Cluster;

fn argv(s: &str) -> Vec<Vec<u8>> {
    s.split(' ').map(|w| w.as_bytes().to_vec()).collect()
}

/// The same cluster run from scratch with the same actions, to time `t`.
fn straight_run(actions: &[(u64, Action)], t: u64) -> Session {
    let mut fresh = Timeline::new(base());
    fresh.every_ms = u64::MAX / 2; // no checkpoints: a plain run
    for (at, a) in actions {
        if *at > t {
            break;
        }
        fresh.session.advance_to(*at);
        fresh.act(a.clone());
    }
    fresh.session.advance_to(t);
    fresh.session
}

fn base() -> Cluster {
    let mut c = Cluster::create(3, 1, 11).unwrap();
    c.set_config(|c| c.node_timeout = 2_000);
    c
}

fn same(a: &Session, b: &Session) -> bool {
    let (console, operator) = (a.console == b.console, a.operator == b.operator);
    let (a, b) = (&a.world, &b.world);
    console
        && operator
        && a.now == b.now
        && a.nodes == b.nodes
        && a.rng == b.rng
        && a.conns == b.conns
        && a.lost_writes == b.lost_writes
        && a.next_event_time() == b.next_event_time()
}

fn scripted() -> Timeline {
    let mut tl = Timeline::new(base());
    tl.max_checkpoints = 16;
    let Outcome::Conn(c) = tl.act(Action::Connect(0)) else {
        panic!("a connection")
    };
    tl.advance(3_000);
    tl.act(Action::Execute {
        conn: c,
        argv: argv("SET bar 1"),
    });
    tl.advance(2_000);
    tl.act(Action::Kill(0));
    tl.advance(10_000);
    tl.act(Action::Partition(vec![vec![1, 4]]));
    tl.advance(7_000);
    tl.act(Action::Heal);
    tl.act(Action::Restart(0));
    tl.advance(60_000);
    tl
}

#[test]
fn state_at_matches_a_straight_run() {
    let tl = scripted();
    assert!(tl.checkpoint_count() <= 16, "thinned to stay bounded");
    for t in [
        0,
        1,
        2_999,
        3_000,
        5_000,
        5_001,
        9_000,
        15_500,
        22_000,
        50_000,
        tl.now(),
    ] {
        let rebuilt = tl.state_at(t);
        let straight = straight_run(tl.actions(), t);
        assert!(same(&rebuilt, &straight), "t = {t}");
    }
    assert!(same(&tl.state_at(tl.now()), &tl.session));
}

#[test]
fn rewind_then_act_starts_a_new_branch() {
    let mut tl = scripted();
    tl.rewind(4_000);
    assert_eq!(tl.now(), 4_000);
    assert!(tl
        .session
        .world
        .trace
        .events
        .iter()
        .all(|e| e.at() <= 4_000));
    assert!(tl.session.world.nodes[0].alive, "the kill at 5 s is undone");
    tl.act(Action::Kill(2));
    tl.advance(10_000);
    assert!(tl.session.world.nodes[0].alive);
    assert!(!tl.session.world.nodes[2].alive);
    assert_eq!(
        tl.session.world.nodes[5].role(5),
        slotscope_sim::Role::Master
    );
    assert!(same(
        &tl.state_at(tl.now()),
        &straight_run(tl.actions(), tl.now())
    ));
}

#[test]
fn step_runs_to_the_next_event() {
    let mut tl = Timeline::new(base());
    tl.advance(1); // past the events due at 0
    let next = tl.session.world.next_event_time().unwrap();
    assert!(next > tl.now());
    assert_eq!(tl.step(10_000), next);
    // Never further than asked, even with an event due later.
    let before = tl.now();
    while tl.session.world.next_event_time() == Some(before) {
        tl.step(0);
    }
    assert_eq!(tl.step(0), before);
    let mut idle = Timeline::new(base());
    idle.session.world.kill(0);
    let mut steps = 0;
    while idle.now() < 1_000 {
        idle.step(1_000);
        steps += 1;
    }
    assert!(steps > 10, "one event at a time ({steps} steps)");
}

/// Console lines are actions: rebuilding an earlier moment brings back the
/// session as it was then (the node `redis-cli -c` had moved to, the
/// smart client's map), and the data its commands wrote.
#[test]
fn console_sessions_replay() {
    use slotscope_sim::console::ClientMode;
    let mut tl = Timeline::new(Cluster::create(3, 1, 1).unwrap());
    tl.act(Action::ConsoleMode(ClientMode::Follow));
    tl.advance(500);
    let Outcome::Console(out) = tl.act(Action::ConsoleLine("SET foo bar".into())) else {
        panic!("a console line prints");
    };
    assert_eq!(out.printed.last().unwrap(), "OK");
    tl.advance(500);
    let prompt_then = tl.session.console.prompt(&tl.session.world);
    assert_eq!(prompt_then, "127.0.0.1:7002>");
    tl.act(Action::ConsoleMode(ClientMode::Smart));
    tl.act(Action::ConsoleLine("GET foo".into()));
    tl.advance(2_000);
    let past = tl.state_at(700);
    assert_eq!(past.console.prompt(&past.world), "127.0.0.1:7002>");
    assert_eq!(past.console, {
        let mut straight = Timeline::new(Cluster::create(3, 1, 1).unwrap());
        straight.act(Action::ConsoleMode(ClientMode::Follow));
        straight.advance(500);
        straight.act(Action::ConsoleLine("SET foo bar".into()));
        straight.advance(200);
        straight.session.console
    });
    let before = tl.state_at(400);
    assert_eq!(before.console.prompt(&before.world), "127.0.0.1:7000>");
    assert_eq!(tl.state_at(3_000).console.mode, ClientMode::Smart);
}

#[test]
fn an_operation_replays_and_a_half_way_slot_gives_ask_and_tryagain() {
    use slotscope_sim::operator::Request;
    let mut tl = Timeline::new(Cluster::create(3, 1, 1).unwrap());
    let slot = slotscope_sim::key_hash_slot(b"{t}a");
    let owner = tl.session.world.nodes[0].slots[usize::from(slot)].unwrap();
    tl.act(Action::ConsoleNode(owner));
    tl.act(Action::ConsoleLine("SET {t}a 1".into()));
    let target = (owner + 1) % 3;
    tl.advance(10);
    tl.act(Action::Operate(Request::MoveSlot { slot, target }));
    // IMPORTING at +100, MIGRATING at +200: pause there.
    tl.advance(250);
    tl.act(Action::PauseOperation(true));
    assert!(tl.session.world.nodes[owner].migrating.contains_key(&slot));
    let printed = |o: Outcome| match o {
        Outcome::Console(o) => o.printed,
        other => panic!("{other:?}"),
    };
    // A key that is not there yet: ASK. One there, one not: TRYAGAIN.
    let port = tl.session.world.nodes[target].addr.port;
    assert_eq!(
        printed(tl.act(Action::ConsoleLine("GET {t}b".into()))),
        [format!("(error) ASK {slot} 127.0.0.1:{port}")]
    );
    assert_eq!(
        printed(tl.act(Action::ConsoleLine("MGET {t}a {t}b".into()))),
        ["(error) TRYAGAIN Multiple keys request during rehashing of slot"]
    );
    tl.advance(1_000);
    tl.act(Action::PauseOperation(false));
    tl.advance(5_000);
    assert_eq!(
        tl.session.world.nodes[target].slots[usize::from(slot)],
        Some(target)
    );
    // The past is rebuilt with the operation where it was.
    let half = tl.state_at(300);
    assert!(half.world.nodes[owner].migrating.contains_key(&slot));
    assert!(half.operator.paused);
    let before = tl.state_at(5);
    assert!(before.operator.op.is_none());
    assert_eq!(tl.state_at(tl.now()).operator, tl.session.operator);
}

#[test]
fn a_forgotten_node_stays_forgotten_for_a_minute_then_gossip_brings_it_back() {
    // FORGET 7005 everywhere but on 7004: 7004's gossip may not re-teach it
    // for 60 s (Redis's blacklist), then it does.
    let mut c = Cluster::create(3, 1, 1).unwrap();
    let id = c.nodes[5].id.clone();
    for n in [0, 1, 3] {
        let conn = c.connect(n);
        let argv: Vec<Vec<u8>> = ["CLUSTER", "FORGET", &id]
            .iter()
            .map(|w| w.as_bytes().to_vec())
            .collect();
        assert_eq!(c.execute(conn, &argv), slotscope_sim::Reply::ok());
    }
    c.advance(50_000);
    assert!(!c.nodes[0].view[5].known && !c.nodes[1].view[5].known);
    c.advance(30_000);
    assert!(
        c.nodes[0].view[5].known,
        "learned again from gossip after the minute"
    );
}
