//! One line, in plain words, for each error a learner meets in the console:
//! what the node meant by it and what to do next. Keyed on the error's
//! first word (its code), as redis-cli prints it after `(error)`.

/// The explanation of an error reply's text (without the `(error) `
/// prefix), if it is one a learner should have explained.
pub fn explain(error: &str) -> Option<String> {
    let mut words = error.split_whitespace();
    let code = words.next()?;
    let second = words.next();
    let third = words.next();
    let text = match code {
        "MOVED" => {
            let slot = second.unwrap_or("?");
            let to = third.unwrap_or("?");
            format!(
                "This node does not serve slot {slot}: it answers with the address of the master that does ({to}). A cluster-aware client (redis-cli -c) sends the command again there and remembers the owner."
            )
        }
        "ASK" => {
            let slot = second.unwrap_or("?");
            let to = third.unwrap_or("?");
            format!(
                "Slot {slot} is being moved and this key is already at {to}: ask there once, with ASKING first. The slot's owner has not changed yet, so the client keeps its map."
            )
        }
        "TRYAGAIN" => "The keys of this multi-key command are split between the two nodes of a slot in migration: retry after the move, when they are all in one place.".into(),
        "CROSSSLOT" => "A command with several keys runs on one node, so all its keys must hash to one slot. Give them a common hash tag, e.g. {user:1}:a and {user:1}:b.".into(),
        "CLUSTERDOWN" => {
            if error.contains("only accepts read") {
                "The node thinks the cluster is down, and cluster-allow-reads-when-down lets it answer reads only.".into()
            } else if error.contains("Hash slot not served") {
                "No node serves this key's slot in this node's view: the slot has no owner.".into()
            } else {
                "This node thinks the cluster is down (cluster_state:fail): some slots have no reachable master, or it cannot reach a majority of masters. It refuses commands until that heals.".into()
            }
        }
        "READONLY" => "This is a replica: it takes no writes. Send writes to its master.".into(),
        "EXECABORT" => "A command queued after MULTI was refused (a wrong argument, or a redirect), so EXEC ran none of them.".into(),
        "NOSCRIPT" => "This node has not seen that script: each node has its own script cache. Send EVAL (or SCRIPT LOAD) to this node first.".into(),
        "WRONGTYPE" => "The key holds another kind of value (a list, a hash…) than this command works on.".into(),
        "BUSYKEY" => "The target already has a key with that name; MIGRATE … REPLACE overwrites it.".into(),
        "IOERR" => "The node could not reach the target instance (it is down, or a partition is in the way).".into(),
        "ERR" => {
            if error.contains("SELECT is not allowed in cluster mode") {
                "A cluster has one database, number 0: SELECT, MOVE and SWAPDB cannot pick another.".into()
            } else if error.contains("Could not connect") {
                "Nothing answers on that address: the node's process is not running. Restart it, or talk to another node.".into()
            } else if error.contains("unknown command") {
                "Not a Redis command (check the spelling); type help for the list.".into()
            } else if error.contains("wrong number of arguments") {
                "The command got too many or too few arguments; help COMMAND shows its syntax.".into()
            } else {
                return None;
            }
        }
        _ => return None,
    };
    Some(text)
}

/// The explanation for a line redis-cli printed, if it shows an error.
pub fn explain_printed(line: &str) -> Option<String> {
    let rest = line.trim_start();
    // redis-cli prints `(error) MOVED …`; in a transaction's reply the
    // line is numbered first (`2) (error) …`).
    if rest.starts_with("Could not connect") {
        return explain("ERR Could not connect");
    }
    let at = rest.find("(error) ")?;
    explain(&rest[at + "(error) ".len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_a_learner_meets_is_explained() {
        for error in [
            "MOVED 12182 127.0.0.1:7002",
            "ASK 5061 127.0.0.1:7001",
            "TRYAGAIN Multiple keys request during rehashing of slot",
            "CROSSSLOT Keys in request don't hash to the same slot",
            "CLUSTERDOWN The cluster is down",
            "CLUSTERDOWN The cluster is down and only accepts read commands",
            "CLUSTERDOWN Hash slot not served",
            "READONLY You can't write against a read only replica.",
            "EXECABORT Transaction discarded because of previous errors.",
            "ERR SELECT is not allowed in cluster mode",
        ] {
            assert!(explain(error).is_some(), "{error}");
        }
        assert!(explain("MOVED 12182 127.0.0.1:7002")
            .unwrap()
            .contains("slot 12182"));
        assert_eq!(explain("ERR syntax error"), None);
        assert_eq!(explain(""), None);
    }

    #[test]
    fn printed_lines_are_read_as_redis_cli_writes_them() {
        assert!(explain_printed("(error) MOVED 12182 127.0.0.1:7002").is_some());
        assert!(explain_printed(
            "2) (error) CROSSSLOT Keys in request don't hash to the same slot"
        )
        .is_some());
        assert!(explain_printed("\"bar\"").is_none());
        assert!(explain_printed(
            "Could not connect to Redis at 127.0.0.1:7000: Connection refused"
        )
        .is_some());
    }
}
