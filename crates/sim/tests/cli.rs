//! `slotscope-cli` as a user runs it: commands, time and faults on stdin.

use std::io::Write;
use std::process::{Command, Stdio};

fn run(args: &[&str], input: &str) -> (String, String, bool) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_slotscope-cli"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.success(),
    )
}

#[test]
fn kill_advance_and_restart_change_what_commands_see() {
    // GET foo on 7000 every 100 ms for 8 s after the kill.
    let mut script = String::from("@7002 SET foo bar\n:kill 7002\n@7002 GET foo\n");
    for _ in 0..80 {
        script.push_str("@7000 GET foo\n:advance 100\n");
    }
    script.push_str("@7005 GET foo\n:restart 7002\n:advance 300\n@7002 ROLE\nGET foo\n");
    let (out, err, ok) = run(&["--node-timeout", "2000"], &script);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "OK");
    assert_eq!(
        lines[1],
        "Could not connect to Redis at 127.0.0.1:7002: Connection refused"
    );
    // What the client saw while failure detection and the election ran.
    let mut polled: Vec<&str> = lines[2..82].to_vec();
    polled.dedup();
    assert_eq!(
        polled,
        [
            "(error) MOVED 12182 127.0.0.1:7002",
            "(error) CLUSTERDOWN The cluster is down",
            "(error) MOVED 12182 127.0.0.1:7005",
        ]
    );
    // 7005 took over with the data it had replicated.
    assert_eq!(lines[82], "\"bar\"");
    // The old master came back as a replica of its successor.
    assert_eq!(
        lines[83..86],
        ["1) \"slave\"", "2) \"127.0.0.1\"", "3) (integer) 7005"]
    );
    assert_eq!(lines.last(), Some(&"(error) MOVED 12182 127.0.0.1:7005"));
}

#[test]
fn default_node_timeout_is_15_seconds() {
    let (out, _, ok) = run(
        &[],
        "@7002 SET foo bar\n:kill 7002\n:advance 10000\n@7000 GET foo\n:advance 30000\nGET foo\n",
    );
    assert!(ok);
    assert_eq!(
        out,
        "OK\n(error) MOVED 12182 127.0.0.1:7002\n(error) MOVED 12182 127.0.0.1:7005\n"
    );
}

#[test]
fn partition_pause_and_heal() {
    let script = "\
:partition 7000
:advance 8000
@7001 CLUSTER INFO
@7000 GET bar
@7001 GET bar
:heal
:advance 3000
@7000 ROLE
:pause 7001 500
@7001 GET user:1001
";
    let (out, err, ok) = run(&["--node-timeout", "2000"], script);
    assert!(ok, "{err}");
    // The majority side failed 7000 over to 7003 and is fine.
    assert!(out.starts_with("cluster_state:ok\n"), "{out}");
    assert!(out.contains("cluster_current_epoch:7\n"), "{out}");
    assert!(out.contains("cluster_stats_messages_fail_sent:"), "{out}");
    // 7000, alone in its minority, stops serving; the others redirect to 7003.
    assert!(
        out.contains(
            "(error) CLUSTERDOWN The cluster is down\n(error) MOVED 5061 127.0.0.1:7003\n"
        ),
        "{out}"
    );
    // Healed, 7000 follows the new master.
    assert!(
        out.contains("1) \"slave\"\n2) \"127.0.0.1\"\n3) (integer) 7003\n"),
        "{out}"
    );
    // A paused node answers once it resumes.
    assert!(out.ends_with("(nil)\n"), "{out}");
}

#[test]
fn bad_directives_are_reported_with_their_line() {
    let (out, err, ok) = run(
        &[],
        ":advance soon\n:kill 9999\n:partition\n:pause 7000\nPING\n:advance 86400001\n",
    );
    assert!(!ok);
    assert!(
        err.contains("line 6: '86400001': at most 86400000 ms (one day) per line"),
        "{err}"
    );
    assert_eq!(out, "PONG\n");
    assert!(
        err.contains("line 1: 'soon' is not a number of milliseconds"),
        "{err}"
    );
    assert!(
        err.contains("line 2: no node listens on port '9999'"),
        "{err}"
    );
    assert!(
        err.contains("line 3: unknown or malformed directive ':partition'"),
        "{err}"
    );
    assert!(
        err.contains("line 4: unknown or malformed directive ':pause 7000'"),
        "{err}"
    );
}
