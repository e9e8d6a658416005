//! DUMP, RESTORE and RESTORE-ASKING (`dumpCommand`, `restoreCommand` in
//! Redis 7.0's cluster.c), over the payloads of `crate::rdb`. RESTORE-ASKING
//! is RESTORE with the `asking` flag, which only routing looks at.

use super::data::{eq_ignore_case, err, int_arg, Argv, SYNTAX};
use crate::keyspace::{Keyspace, UNIX_MS_AT_START};
use crate::reply::Reply;

pub fn run(name: &str, db: &mut Keyspace, now: u64, argv: &Argv) -> Option<Result<Reply, Reply>> {
    Some(match name {
        "dump" => Ok({
            let limits = *db.encodings();
            match db.get(&argv[1], now) {
                None => Reply::Nil,
                Some(e) => match crate::rdb::dump_encoded(&e.value, e.encoding(), &limits) {
                    Ok(payload) => Reply::Bulk(payload),
                    Err(e) => Reply::Error(e.message()),
                },
            }
        }),
        "restore" | "restore-asking" => restore(db, now, argv),
        _ => return None,
    })
}

/// `RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]`, its
/// checks in `restoreCommand()`'s order: the options, the key (BUSYKEY),
/// the TTL, the payload's footer, then its data.
fn restore(db: &mut Keyspace, now: u64, argv: &Argv) -> Result<Reply, Reply> {
    let (mut replace, mut absttl) = (false, false);
    let (mut idle, mut freq) = (None, false);
    let mut j = 4;
    while j < argv.len() {
        let more = argv.len() - j - 1;
        let a = &argv[j];
        if eq_ignore_case(a, "replace") {
            replace = true;
        } else if eq_ignore_case(a, "absttl") {
            absttl = true;
        // IDLETIME and FREQ exclude each other: the second is a syntax error.
        } else if eq_ignore_case(a, "idletime") && more >= 1 && !freq {
            let seconds = int_arg(&argv[j + 1])?;
            if seconds < 0 {
                return Err(err("ERR Invalid IDLETIME value, must be >= 0"));
            }
            idle = Some(seconds);
            j += 1;
        } else if eq_ignore_case(a, "freq") && more >= 1 && idle.is_none() {
            let f = int_arg(&argv[j + 1])?;
            if !(0..=255).contains(&f) {
                return Err(err("ERR Invalid FREQ value, must be >= 0 and <= 255"));
            }
            freq = true;
            j += 1;
        } else {
            return Err(err(SYNTAX));
        }
        j += 1;
    }
    let key = &argv[1];
    if !replace && db.contains(key, now) {
        return Err(err("BUSYKEY Target key name already exists."));
    }
    let ttl = int_arg(&argv[2])?;
    if ttl < 0 {
        return Err(err("ERR Invalid TTL value, must be >= 0"));
    }
    let value = crate::rdb::restore(&argv[3]).map_err(|e| Reply::Error(e.message()))?;
    if replace {
        db.remove(key, now);
    }
    // 0 is no expiry; a relative TTL counts from now (wrapping like the C
    // sum); one already past leaves no key, and the answer is still OK.
    let unix_now = now as i64 + UNIX_MS_AT_START;
    let expire_at = match ttl {
        0 => None,
        _ => {
            let at = if absttl {
                ttl
            } else {
                ttl.wrapping_add(unix_now)
            };
            if at <= unix_now {
                return Ok(Reply::ok());
            }
            Some((at - UNIX_MS_AT_START) as u64)
        }
    };
    db.set(key, value, expire_at, false, now);
    // With maxmemory-policy noeviction (not an LFU policy) FREQ is accepted
    // and ignored; IDLETIME dates the last access back (`objectSetLRUOrLFU`).
    if let (Some(seconds), Some(e)) = (idle, db.get_mut(key, now)) {
        e.accessed = now.wrapping_sub((seconds as u64).wrapping_mul(1000));
    }
    Ok(Reply::ok())
}
