//! Every command of Redis 7.0's table is known to the simulator; the ones
//! whose execution is not simulated answer so plainly, and the README lists
//! exactly those (between its `not-simulated` markers).

use slotscope_sim::command::table::COMMANDS;
use slotscope_sim::reply::Reply;
use slotscope_sim::Cluster;

/// The commands that answer "Slotscope does not simulate", found by sending
/// each with its minimum number of arguments to the node that owns "x".
fn not_simulated() -> Vec<String> {
    let mut out = Vec::new();
    for c in COMMANDS {
        let specs: Vec<_> = if c.subcommands.is_empty() {
            vec![c]
        } else {
            c.subcommands.iter().collect()
        };
        for spec in specs {
            // A fresh cluster each time: some commands change it.
            let mut sim = Cluster::create(3, 1, 1).unwrap();
            let conn = sim.connect(2);
            let mut argv: Vec<Vec<u8>> = spec
                .name
                .split('|')
                .map(|w| w.as_bytes().to_vec())
                .collect();
            while (argv.len() as i32) < spec.arity.abs() {
                argv.push(b"x".to_vec());
            }
            if let Reply::Error(e) = sim.execute(conn, &argv) {
                if e.contains("Slotscope does not simulate") {
                    out.push(spec.name.replace('|', " ").to_ascii_uppercase());
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_readme_lists_every_command_not_simulated() {
    let readme = include_str!("../../../README.md");
    let start = readme
        .find("<!-- not-simulated -->")
        .expect("README: <!-- not-simulated --> marker");
    let end = readme
        .find("<!-- /not-simulated -->")
        .expect("README: <!-- /not-simulated --> marker");
    let listed: Vec<String> = readme[start..end]
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    let actual = not_simulated();
    assert_eq!(
        listed,
        actual,
        "README's list of commands not simulated is out of date; it should be:\n{}",
        actual
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    // Most of the table runs.
    let total: usize = COMMANDS.iter().map(|c| c.subcommands.len().max(1)).sum();
    assert!(
        actual.len() * 3 < total,
        "{} of {total} not simulated",
        actual.len()
    );
}
