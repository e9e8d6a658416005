//! `MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 user pw] [KEYS key...]`
//! (`migrateCommand` in Redis 7.0's cluster.c). The keys travel as
//! `RESTORE-ASKING`, which the target accepts on an importing slot without a
//! separate ASKING; the target's errors come back prefixed with
//! `ERR Target instance replied with error: `.

use crate::cluster::{Cluster, NodeIdx, Role};
use crate::keyspace::{parse_i64, Entry};
use crate::reply::Reply;
use crate::routing::{route, ClientFlags, Query, Route};

use super::data::{NOT_INTEGER, SYNTAX};

fn err(text: impl Into<String>) -> Reply {
    Reply::Error(text.into())
}

impl Cluster {
    pub(crate) fn migrate(&mut self, me: NodeIdx, argv: &[Vec<u8>]) -> Reply {
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
        let now = self.now;
        let present: Vec<(Vec<u8>, Entry)> = keys
            .iter()
            .filter_map(|k| {
                self.nodes[me]
                    .db
                    .get(k, now)
                    .cloned()
                    .map(|e| (k.clone(), e))
            })
            .collect();
        if present.is_empty() {
            return Reply::Status("NOKEY".into());
        }
        let target = std::str::from_utf8(&argv[2])
            .ok()
            .and_then(|p| p.parse::<u16>().ok())
            .and_then(|port| self.node_by_port(port))
            .filter(|&t| {
                self.nodes[t].alive && self.nodes[t].addr.ip.as_bytes() == argv[1].as_slice()
            });
        let Some(target) = target else {
            // The connect is non-blocking: a refused connection shows up as a
            // failed write (what Redis 7.0.15 answers for a closed port).
            return err("IOERR error or timeout writing to target instance");
        };
        let mut moved: Vec<Vec<u8>> = Vec::new();
        let mut failure: Option<String> = None;
        for (key, entry) in present {
            match self.restore_asking(target, &key, entry, replace) {
                Ok(()) => moved.push(key),
                Err(e) => {
                    failure.get_or_insert(e);
                }
            }
        }
        if !copy && !moved.is_empty() {
            for k in &moved {
                self.nodes[me].db.remove(k, now);
            }
            let mut del = vec![b"DEL".to_vec()];
            del.extend(moved.iter().cloned());
            self.replicate(me, &del);
        }
        match failure {
            Some(e) => err(format!("ERR Target instance replied with error: {e}")),
            None => Reply::ok(),
        }
    }

    /// `RESTORE-ASKING key ttl payload [REPLACE]` on `target`: routed with the
    /// ASKING flag, then BUSYKEY unless REPLACE. Returns the target's error text.
    fn restore_asking(
        &mut self,
        target: NodeIdx,
        key: &[u8],
        entry: Entry,
        replace: bool,
    ) -> Result<(), String> {
        let query = Query {
            keys: vec![key],
            write: true,
            ..Query::default()
        };
        let flags = ClientFlags {
            asking: true,
            readonly: false,
        };
        let r = route(self, target, &query, flags);
        if let Some(Reply::Error(e)) = r.error(self) {
            return Err(e);
        }
        debug_assert!(matches!(r, Route::Serve { .. }));
        let now = self.now;
        if !replace && self.nodes[target].db.contains(key, now) {
            return Err("BUSYKEY Target key name already exists.".into());
        }
        // The target applies it and replicates it to its own replicas.
        let replicas: Vec<NodeIdx> = (0..self.nodes.len())
            .filter(|&r| {
                self.nodes[r].alive && self.nodes[r].role(r) == (Role::Replica { of: target })
            })
            .collect();
        for n in std::iter::once(target).chain(replicas) {
            self.nodes[n]
                .db
                .set(key, entry.value.clone(), entry.expire_at, false, now);
        }
        Ok(())
    }
}
