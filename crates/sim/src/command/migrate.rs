//! `MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 user pw] [KEYS key...]`
//! (`migrateCommand` in Redis 7.0's cluster.c). The keys travel as
//! `RESTORE-ASKING`, which the target accepts on an importing slot without a
//! separate ASKING; the target's errors come back prefixed with
//! `ERR Target instance replied with error: `.

use crate::keyspace::{parse_i64, Entry};
use crate::node::{Io, Node};
use crate::reply::Reply;
use crate::routing::{route, ClientFlags, Query, Route};

use super::data::{NOT_INTEGER, SYNTAX};

/// Why the target of a MIGRATE refused a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestoreError {
    /// The connection could not be made or broke.
    Unreachable,
    /// Its router said no (MOVED, CLUSTERDOWN...).
    Refused(Route),
    /// The key exists there and REPLACE was not given.
    BusyKey,
}

fn err(text: impl Into<String>) -> Reply {
    Reply::Error(text.into())
}

impl Node {
    pub(crate) fn migrate(&mut self, argv: &[Vec<u8>], io: &mut dyn Io) -> Reply {
        let (mut copy, mut replace) = (false, false);
        let mut keys: Vec<Vec<u8>> = vec![argv[3].clone()];
        let mut i = 6;
        while i < argv.len() {
            let opt = argv[i].to_ascii_lowercase();
            match opt.as_slice() {
                b"copy" => copy = true,
                b"replace" => replace = true,
                b"auth" if i + 1 < argv.len() => i += 1,
                b"auth2" if i + 2 < argv.len() => i += 2,
                b"keys" => {
                    if !argv[3].is_empty() {
                        return err(
                            "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string",
                        );
                    }
                    keys = argv[i + 1..].to_vec();
                    break;
                }
                _ => return err(SYNTAX),
            }
            i += 1;
        }
        if parse_i64(&argv[5]).is_none() || parse_i64(&argv[4]).is_none() {
            return err(NOT_INTEGER);
        }
        let now = io.now();
        let present: Vec<(Vec<u8>, Entry)> = keys
            .iter()
            .filter_map(|k| self.db.get(k, now).cloned().map(|e| (k.clone(), e)))
            .collect();
        if present.is_empty() {
            return Reply::Status("NOKEY".into());
        }
        let target = std::str::from_utf8(&argv[2])
            .ok()
            .and_then(|p| p.parse::<u16>().ok())
            .and_then(|port| io.listening_at(&argv[1], port))
            .filter(|&t| io.can_connect(t));
        let Some(target) = target else {
            // The connect is non-blocking: a refused connection shows up as a
            // failed write (what Redis 7.0.15 answers for a closed port).
            return err("IOERR error or timeout writing to target instance");
        };
        let mut moved: Vec<Vec<u8>> = Vec::new();
        let mut failure: Option<String> = None;
        for (key, entry) in present {
            match io.restore_asking(target, &key, entry, replace) {
                Ok(()) => moved.push(key),
                Err(e) => {
                    failure.get_or_insert(match e {
                        RestoreError::Unreachable => {
                            return err("IOERR error or timeout writing to target instance")
                        }
                        RestoreError::BusyKey => "BUSYKEY Target key name already exists.".into(),
                        RestoreError::Refused(r) => match r.error(&self.names(&*io)) {
                            Some(Reply::Error(e)) => e,
                            _ => "ERR".into(),
                        },
                    });
                }
            }
        }
        if !copy && !moved.is_empty() {
            for k in &moved {
                self.db.remove(k, now);
            }
            let mut del = vec![b"DEL".to_vec()];
            del.extend(moved.iter().cloned());
            self.propagate(io, &del);
        }
        match failure {
            Some(e) => err(format!("ERR Target instance replied with error: {e}")),
            None => Reply::ok(),
        }
    }

    /// `RESTORE-ASKING key ttl payload [REPLACE]` arriving here from a
    /// MIGRATE: routed with the ASKING flag, then BUSYKEY unless REPLACE.
    /// (Its replicas get the key from the world: `restore_on_replicas`.)
    pub(crate) fn restore_asking(
        &mut self,
        now: u64,
        key: &[u8],
        entry: Entry,
        replace: bool,
    ) -> Result<(), RestoreError> {
        let query = Query {
            keys: vec![key],
            write: true,
            ..Query::default()
        };
        let flags = ClientFlags {
            asking: true,
            readonly: false,
        };
        let r = route(self, now, &query, flags);
        if !matches!(r, Route::Serve { .. }) {
            return Err(RestoreError::Refused(r));
        }
        if !replace && self.db.contains(key, now) {
            return Err(RestoreError::BusyKey);
        }
        self.db.set(key, entry.value, entry.expire_at, false, now);
        Ok(())
    }
}
