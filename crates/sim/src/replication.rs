//! Replication, on a node's side: a master's stream of writes (offsets count
//! its RESP bytes), and a replica applying the entries that reach it. The
//! world carries the entries one link latency after the master replied
//! (`world::streams`): replication is asynchronous, so a master can
//! acknowledge a write its replica never gets (lost writes, counted there).
//! WAIT counts the acknowledgements a master has (`command`).

use std::rc::Rc;

use crate::node::{Effect, Io, Node, NodeIdx, ReplicaLink, Role};
use crate::reply::{Protocol, Reply};

/// One entry of a master's replication stream, on its way to the replicas.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamEntry {
    pub argv: Rc<[Vec<u8>]>,
    /// The stream offset at the end of this entry, and its size.
    pub end: u64,
    pub bytes: u64,
    /// A write (the master's PINGs change nothing but the offset).
    pub write: bool,
}

impl StreamEntry {
    /// `REPLCONF GETACK *`: the master asking its replicas for an ACK.
    pub fn is_getack(&self) -> bool {
        self.argv.len() == 3
            && self.argv[0].eq_ignore_ascii_case(b"replconf")
            && self.argv[1].eq_ignore_ascii_case(b"getack")
    }
}

/// The command a master puts in its stream when a WAIT blocks.
pub const GETACK: [&[u8]; 3] = [b"REPLCONF", b"GETACK", b"*"];

/// How many replicas acknowledged at least `offset` (`replicationCountAcksByOffset`).
pub fn acks_for(links: &[ReplicaLink], offset: u64) -> usize {
    links.iter().filter(|l| l.ack_offset >= offset).count()
}

impl Node {
    /// Appends a command to this master's replication stream and hands it
    /// to the world to carry to the replicas (after the master has replied:
    /// replication is asynchronous).
    pub(crate) fn propagate(&mut self, io: &mut dyn Io, argv: &[Vec<u8>]) {
        let entry = self.append_to_stream(argv, true);
        io.effect(Effect::Stream(entry));
    }

    /// Counts `argv` into the stream: the offset grows by its RESP size,
    /// and the recent history keeps which entries were writes (for the
    /// lost-write count when a replica takes over).
    pub(crate) fn append_to_stream(&mut self, argv: &[Vec<u8>], write: bool) -> StreamEntry {
        let bytes = Reply::Array(argv.iter().map(|a| Reply::bulk(a.clone())).collect())
            .encode(Protocol::Resp2)
            .len() as u64;
        let end = self.repl_offset + bytes;
        self.repl_offset = end;
        self.repl_history.push_back((end, write));
        if self.repl_history.len() > 10_000 {
            self.repl_history.pop_front();
        }
        StreamEntry {
            argv: argv.into(),
            end,
            bytes,
            write,
        }
    }

    /// A replication entry from `master` reaches this replica: applied if it
    /// is the next one of the stream (no gap), otherwise the link is taken
    /// as broken (a full resync follows once the master is reachable).
    pub(crate) fn apply_replicated(&mut self, now: u64, master: NodeIdx, entry: &StreamEntry) {
        if !self.alive
            || self.role(self.me) != (Role::Replica { of: master })
            || self.bus.repl_broken
        {
            return;
        }
        if self.repl_offset + entry.bytes != entry.end {
            self.bus.repl_broken = true;
            return;
        }
        if entry.is_getack() {
            // Answered with the offset before the GETACK itself (the master
            // client's reploff moves after the command is processed).
            self.bus.ack_sent = (self.repl_offset, now);
        }
        if entry.write && entry.argv[0].eq_ignore_ascii_case(b"function") {
            self.apply_function(&entry.argv);
        } else if entry.write {
            let argv = &entry.argv;
            let name = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
            // A replica lays values out by its own limits, as in Redis.
            self.db.set_encodings(self.config.encodings);
            crate::command::data::run(&name, &mut self.db, now, Protocol::Resp2, argv);
            // A replica propagates nothing further.
            self.db.take_propagated();
            self.db.take_propagation();
        }
        self.repl_offset = entry.end;
        self.bus.master_last_io = now;
    }
}
