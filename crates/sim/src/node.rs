//! One Redis node: its own state, and nothing else — its ID, address and
//! settings, epochs, its slot table and open migrations, its view of every
//! peer (what it was told), its keyspace, replication offset, and bus timers
//! and counters. Its handlers (a bus message or cron tick: `bus`,
//! `replica_migration`; a command on a connection: `command`; a replication
//! entry: `replication`) are methods of `Node` that get the time,
//! randomness and a way out through [`Io`]: they cannot reach another
//! node's state. The world (`cluster`,
//! `world`) implements `Io`, delivers what nodes send, and runs the faults.

use std::collections::BTreeMap;

use crate::bus::Msg;
use crate::config::Config;
use crate::keyspace::Keyspace;
use crate::layout::Addr;
use crate::list_map::ListMap;
use crate::rng::Rng;
use crate::slot::{Slot, SLOT_COUNT};
use crate::trace::TraceEvent;

/// The names of the nodes a node knows (the simulation keeps one directory
/// instead of a copy per view; a node only asks about nodes it knows, and
/// never about itself: its own names are in `Node`).
pub trait Directory {
    /// A peer's ID, as its messages and gossip name it.
    fn id_of(&self, peer: NodeIdx) -> &str;
    /// A peer's client address, as its messages carry it.
    fn addr_of(&self, peer: NodeIdx) -> &Addr;
    /// A peer's cluster bus port.
    fn cport_of(&self, peer: NodeIdx) -> u16;
}

/// What a node's handlers can ask of the world around them: the time,
/// randomness, the wire, the log, and what its own sockets tell it.
/// Everything else they know is in `Node`.
pub trait Io: Directory {
    /// Simulated time, ms.
    fn now(&self) -> u64;
    /// The world's seeded RNG (one for the whole run: determinism).
    fn rng(&mut self) -> &mut Rng;
    /// Puts a message on the wire (the network decides when it arrives, or
    /// whether it does). The sender counts it in its own stats first.
    fn send(&mut self, to: NodeIdx, msg: Msg);
    /// Records what happened (the trace is the world's, for the UI and tests).
    fn trace(&mut self, event: TraceEvent);
    /// Whether a connection to `peer` is accepted right now: the process is
    /// up and the network lets it through — what `connect()` tells a node.
    fn can_connect(&self, peer: NodeIdx) -> bool;
    /// Whether the network lets packets through to `peer` (a link that is
    /// up; Redis checks `node->link`).
    fn reachable(&self, peer: NodeIdx) -> bool;
    /// The node listening on `ip:port`, if any: where a `connect()` to that
    /// address lands (CLUSTER MEET, MIGRATE).
    fn listening_at(&self, ip: &[u8], port: u16) -> Option<NodeIdx>;
    /// The replicas connected to this master's replication stream, in
    /// node order, each with the offset it last acknowledged (a replica
    /// acknowledges what it applies at once here: Redis's REPLCONF ACK
    /// every second, and GETACK before WAIT, are not timed).
    fn replica_links(&self) -> Vec<ReplicaLink>;
    /// This replica's connection to its master `master` (`server.master`).
    fn master_link(&self, master: NodeIdx) -> MasterLink;
    /// MIGRATE's own connection to `target`: `RESTORE-ASKING key ttl
    /// payload [REPLACE]`, answered before MIGRATE goes on (migrateCommand
    /// blocks the server while it talks to the target). Why the target
    /// refused, if it did.
    fn restore_asking(
        &mut self,
        target: NodeIdx,
        key: &[u8],
        entry: crate::keyspace::Entry,
        replace: bool,
    ) -> Result<(), crate::command::migrate::RestoreError>;
    /// Work that spans two nodes, done by the world after the handler.
    fn effect(&mut self, effect: Effect);
}

/// A node's directory with its own names in it (the world's directory
/// names only the others).
pub struct Names<'a> {
    pub me: &'a Node,
    pub others: &'a dyn Directory,
}

impl Directory for Names<'_> {
    fn id_of(&self, peer: NodeIdx) -> &str {
        if peer == self.me.me {
            &self.me.id
        } else {
            self.others.id_of(peer)
        }
    }

    fn addr_of(&self, peer: NodeIdx) -> &Addr {
        if peer == self.me.me {
            &self.me.addr
        } else {
            self.others.addr_of(peer)
        }
    }

    fn cport_of(&self, peer: NodeIdx) -> u16 {
        if peer == self.me.me {
            self.me.cport
        } else {
            self.others.cport_of(peer)
        }
    }
}

impl Node {
    /// Every node's names as this node knows them, itself included.
    pub fn names<'a>(&'a self, others: &'a dyn Directory) -> Names<'a> {
        Names { me: self, others }
    }
}

/// A replica as its master's replication stream sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaLink {
    pub addr: Addr,
    /// The replication offset it last acknowledged.
    pub ack_offset: u64,
    /// When it last acknowledged (INFO's `lag=` is the seconds since).
    pub ack_at: u64,
}

/// A replica's replication connection to its master.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MasterLink {
    /// The connection is up (it breaks when the master's process dies).
    pub up: bool,
    /// The replication ID the master gave at the last sync: a replica
    /// shows its master's (`master_replid`).
    pub replid: String,
}

/// What a handler asks the world to do between nodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// A full resynchronisation from `master` (the RDB transfer).
    FullSync { master: NodeIdx },
    /// This replica took over from `old_master`: the writes the old master
    /// acknowledged that never reached it are lost (counted by the world).
    TookOver { old_master: NodeIdx },
    /// A master's replication PING (every repl-ping-replica-period) down
    /// the streams of the replicas connected to it.
    ReplicationPing,
    /// An entry this master appended to its replication stream (its offset
    /// already counts it), to carry to the replicas connected to it.
    Stream(crate::replication::StreamEntry),
    /// A published message for the client `client` (`client->id`) of this
    /// node: `message`/`pmessage`/`smessage` and its fields.
    Message { client: u64, fields: Vec<Vec<u8>> },
}

/// Index of a node in `Cluster::nodes`; stable for the life of the cluster.
pub type NodeIdx = usize;

/// Index of a client connection in `Cluster::conns`.
pub type ConnId = usize;

/// A node's slot table: the owner of each of the 16384 slots, with a count
/// of slots per owner kept alongside (as Redis keeps `numslots`), so that
/// `cluster_state` and `cluster_size` cost O(nodes), not O(slots).
#[derive(Clone, Debug)]
pub struct SlotTable {
    /// Shared until changed: every node starts with the same table, and the
    /// timeline's checkpoints copy the cluster often (100 nodes × 16384
    /// owners would be 26 MB per copy; shared, it costs a count).
    owners: std::rc::Rc<Vec<Option<NodeIdx>>>,
    /// Slots owned, per node index.
    counts: Vec<u32>,
    unassigned: usize,
    /// Bumped on every change, so a claim bitmap can be reused until then.
    version: u64,
    /// The last claim bitmap built: (owner, version, bitmap).
    claims_cache: std::cell::RefCell<Option<(NodeIdx, u64, std::rc::Rc<crate::bus::SlotBits>)>>,
}

impl PartialEq for SlotTable {
    fn eq(&self, other: &SlotTable) -> bool {
        self.owners == other.owners
    }
}

impl Eq for SlotTable {}

impl SlotTable {
    pub fn empty() -> SlotTable {
        SlotTable {
            owners: std::rc::Rc::new(vec![None; usize::from(SLOT_COUNT)]),
            counts: Vec::new(),
            unassigned: usize::from(SLOT_COUNT),
            version: 0,
            claims_cache: std::cell::RefCell::new(None),
        }
    }

    /// The slots `owner` holds, as the bitmap a message header carries.
    pub fn claims(&self, owner: NodeIdx) -> std::rc::Rc<crate::bus::SlotBits> {
        if let Some((o, v, bits)) = &*self.claims_cache.borrow() {
            if *o == owner && *v == self.version {
                return std::rc::Rc::clone(bits);
            }
        }
        let mut bits = crate::bus::SlotBits::empty();
        for (slot, o) in self.owners.iter().enumerate() {
            if *o == Some(owner) {
                bits.set(slot as Slot);
            }
        }
        let bits = std::rc::Rc::new(bits);
        *self.claims_cache.borrow_mut() = Some((owner, self.version, std::rc::Rc::clone(&bits)));
        bits
    }

    pub fn set(&mut self, slot: usize, owner: Option<NodeIdx>) {
        self.version += 1;
        let old = std::mem::replace(&mut std::rc::Rc::make_mut(&mut self.owners)[slot], owner);
        match old {
            Some(o) => self.counts[o] -= 1,
            None => self.unassigned -= 1,
        }
        match owner {
            Some(o) => {
                if self.counts.len() <= o {
                    self.counts.resize(o + 1, 0);
                }
                self.counts[o] += 1;
            }
            None => self.unassigned += 1,
        }
    }

    /// Number of slots `node` owns.
    /// Changes so far (any `set`).
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn count_of(&self, node: NodeIdx) -> usize {
        self.counts.get(node).map_or(0, |&c| c as usize)
    }

    pub fn contains(&self, owner: &Option<NodeIdx>) -> bool {
        match owner {
            Some(n) => self.count_of(*n) > 0,
            None => self.unassigned > 0,
        }
    }

    pub fn unassigned(&self) -> usize {
        self.unassigned
    }

    /// Nodes that own at least one slot.
    pub fn owners(&self) -> impl Iterator<Item = NodeIdx> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 0)
            .map(|(n, _)| n)
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Option<NodeIdx>> {
        self.owners.iter()
    }

    pub fn as_slice(&self) -> &[Option<NodeIdx>] {
        &self.owners
    }

    pub fn len(&self) -> usize {
        self.owners.len()
    }

    pub fn is_empty(&self) -> bool {
        self.owners.is_empty()
    }

    /// Gives every slot of `from` to `to`.
    pub fn replace_owner(&mut self, from: NodeIdx, to: NodeIdx) {
        for slot in 0..self.owners.len() {
            if self.owners[slot] == Some(from) {
                self.set(slot, Some(to));
            }
        }
    }
}

impl std::ops::Index<usize> for SlotTable {
    type Output = Option<NodeIdx>;

    fn index(&self, slot: usize) -> &Option<NodeIdx> {
        &self.owners[slot]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Master,
    Replica {
        of: NodeIdx,
    },
    /// A replica whose master this node has not been told: what a node
    /// learned from gossip looks like until it hears from the node itself
    /// (a gossip entry carries the flags, not the master; Redis creates the
    /// node with `slaveof` NULL).
    ReplicaOfUnknown,
}

impl Role {
    pub fn is_master(self) -> bool {
        self == Role::Master
    }

    /// The master, for a replica whose master is known.
    pub fn master(self) -> Option<NodeIdx> {
        match self {
            Role::Replica { of } => Some(of),
            Role::Master | Role::ReplicaOfUnknown => None,
        }
    }
}

/// What one node believes about another (or about itself).
///
/// Every message reads a hundred random entries of a view in a 1000-node
/// cluster, so the entry stays small (what is rarely read — failure reports,
/// votes, FAIL times — lives in `NodeBus`) and what gossip reads comes first
/// (`repr(C)` keeps this order), so that it mostly shares a cache line.
#[derive(Clone, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct PeerView {
    /// Whether this node knows the peer at all (met it, or heard of it).
    pub known: bool,
    /// `fail?`: this node has not heard from the peer for node_timeout.
    pub pfail: bool,
    /// `fail`: a majority of masters agreed the peer is down.
    pub fail: bool,
    /// Whether our bus connection to it is up (`node->link`), and since when
    /// (`link_since`). A node learned of has none until the next cron tick
    /// connects, and every new connection starts with a PING.
    pub link: bool,
    /// When its last PONG reached us. Signed: a cluster starts as if it
    /// had been running, with PONGs received before time 0.
    pub pong_received: i64,
    /// When our outstanding PING to it was sent (0: none outstanding).
    pub ping_sent: u64,
    pub role: Role,
    pub config_epoch: u64,
    /// When anything from it last reached us (any traffic is liveness).
    pub data_received: u64,
    /// Its replication offset, as it last told us.
    pub repl_offset: u64,
    pub link_since: u64,
}

impl PeerView {
    /// What a node knows of a peer before any traffic: healthy, as if it had
    /// just answered (so nothing times out at once).
    pub fn new(known: bool, role: Role, config_epoch: u64, now: u64) -> PeerView {
        PeerView {
            known,
            role,
            config_epoch,
            pfail: false,
            fail: false,
            ping_sent: 0,
            pong_received: now as i64,
            data_received: now,
            repl_offset: INITIAL_REPL_OFFSET,
            link: false,
            link_since: 0,
        }
    }
}

/// A node's own failure-detection and election state (`clusterState` fields).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeBus {
    /// `clusterCron` ticks so far.
    pub cron_iter: u64,
    /// The cached `cluster_state` (what CLUSTER INFO shows and routing uses).
    pub state_ok: bool,
    /// When the node process started (None: part of the initial cluster).
    pub started_at: Option<u64>,
    /// Last time this master found itself in a minority partition.
    pub among_minority_time: Option<u64>,
    /// Election: when the (next) attempt starts, and its bookkeeping.
    pub failover_auth_time: Option<u64>,
    pub failover_auth_sent: bool,
    pub failover_auth_count: usize,
    pub failover_auth_epoch: u64,
    pub failover_auth_rank: usize,
    /// The epoch this master last voted in.
    pub last_vote_epoch: u64,
    /// The manual failover this node takes part in, if any (every
    /// transition is in `bus::manual_failover`).
    pub manual_failover: crate::bus::manual_failover::ManualFailover,
    /// Until when the whole process is stopped (SIGSTOP / `:pause`).
    pub paused_until: Option<u64>,
    /// Replica: last time anything arrived from the master (data age).
    pub master_last_io: u64,
    /// Replica: the last REPLCONF ACK sent to the master — the offset it
    /// reported and when. Replicas acknowledge once a second
    /// (`replicationCron`) and when the master asks (REPLCONF GETACK, sent
    /// when a WAIT has to block); the master counts WAIT from these.
    pub ack_sent: (u64, u64),
    /// Replica: the replication link broke (master unreachable, or an entry
    /// missed); it resyncs in full once the master is reachable again.
    pub repl_broken: bool,
    /// Bumped whenever this node changes a flag or role in its view.
    pub view_changes: u64,
    /// Failure reports received: (about, reporting master, when).
    pub fail_reports: Vec<(NodeIdx, NodeIdx, u64)>,
    /// When this master last voted for a replica of each master.
    pub voted_time: ListMap<NodeIdx, u64>,
    /// When each node was flagged FAIL here.
    pub fail_time: ListMap<NodeIdx, u64>,
    /// Bus messages sent and received, per type (`MsgKind as usize`), for
    /// CLUSTER INFO's `cluster_stats_messages_*`.
    pub stats_sent: [u64; crate::bus::MSG_KINDS],
    pub stats_received: [u64; crate::bus::MSG_KINDS],
    /// Masters known to have had replicas (`CLUSTER_NODE_MIGRATE_TO`): only
    /// those count as orphaned when they have none left.
    pub migrate_to: Vec<NodeIdx>,
    /// Since when each master has been seen orphaned.
    pub orphaned_since: ListMap<NodeIdx, u64>,
    /// Nodes forgotten with CLUSTER FORGET, and until when gossip about
    /// them is ignored (Redis's node blacklist, 60 s: the time an operator
    /// has to send FORGET to every node before the others re-teach it).
    pub forgotten_until: ListMap<NodeIdx, u64>,
    /// `CLUSTER MEET`s in progress (Redis's HANDSHAKE|MEET nodes): the node
    /// met, and when the handshake started. The node is not known until it
    /// answers the MEET with a PONG; a handshake not done within
    /// max(node_timeout, 1 s) is given up.
    pub handshakes: Vec<Handshake>,
    /// How many peers it flags PFAIL: every PING lists them, and with none
    /// (the usual case) the list need not be searched for.
    pub pfail_peers: usize,
    /// What `cluster_state` was last computed from (slot table version,
    /// `view_changes`, full-coverage setting): an ok state computed from
    /// the same inputs is still ok, so the check is skipped.
    pub state_inputs: Option<(u64, u64, bool)>,
}

/// A CLUSTER MEET in progress, on the side of the node that was told to meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handshake {
    pub node: NodeIdx,
    pub since: u64,
    /// The MEET went out (on the first cron tick that could connect).
    pub meet_sent: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Its index in the world's node list: how peers and messages refer to
    /// it (the simulation's name for the node; `id` is Redis's).
    pub me: NodeIdx,
    pub id: String,
    /// This node's settings, as CONFIG GET shows them.
    pub config: Config,
    /// What its redis.conf says: the settings it has after a restart
    /// (CONFIG SET is forgotten then, unless CONFIG REWRITE saved it).
    pub conf_file: Config,
    pub addr: Addr,
    /// Cluster bus port: `port + 10000`.
    pub cport: u16,
    /// False after kill -9: the process is gone.
    pub alive: bool,
    /// Restarts so far: which run of the process is the current one.
    pub runs: u32,
    pub current_epoch: u64,
    /// This node's slot table: who it believes owns each slot.
    pub slots: SlotTable,
    /// Slots this node is migrating away, and to whom (`migrating_slots_to`).
    pub migrating: BTreeMap<Slot, NodeIdx>,
    /// Slots this node is importing, and from whom (`importing_slots_from`).
    pub importing: BTreeMap<Slot, NodeIdx>,
    /// This node's view of every node, itself included.
    pub view: Vec<PeerView>,
    /// Bytes of replication stream produced (master) or applied (replica).
    pub repl_offset: u64,
    pub db: Keyspace,
    /// Replication ID (`master_replid`), 40 hex characters.
    pub replid: String,
    /// Scripts this node has seen (EVAL) by SHA1, for EVALSHA.
    /// The script cache, by SHA1 (a list: a node holds a few).
    pub scripts: Vec<(String, Vec<u8>)>,
    /// Libraries loaded with FUNCTION LOAD (a list: a node holds a few).
    pub functions: Vec<crate::function::Library>,
    /// What INFO's stats, commandstats and errorstats count.
    pub stats: crate::command::info::NodeStats,
    /// Which of its clients listen to which channels (`server.pubsub_*`).
    pub pubsub: crate::command::pubsub::PubSub,
    pub bus: NodeBus,
    /// Recent replication stream entries: (offset at their end, is a write).
    pub repl_history: std::collections::VecDeque<(u64, bool)>,
    /// The nodes whose `view` entry is `known`, in index order: the bus
    /// walks this list many times per simulated second, so it is kept
    /// rather than filtered out of `view` each time (`refresh_known`).
    pub(crate) known_list: Vec<NodeIdx>,
}

impl NodeBus {
    /// Drops reports about `n` older than `max_age` (`clusterNodeCleanupFailureReports`)
    /// and counts the rest.
    pub fn failure_reports(&mut self, n: NodeIdx, now: u64, max_age: u64) -> usize {
        self.fail_reports
            .retain(|&(about, _, at)| about != n || now - at <= max_age);
        self.fail_reports.iter().filter(|r| r.0 == n).count()
    }

    pub fn has_failure_reports(&self, n: NodeIdx) -> bool {
        self.fail_reports.iter().any(|r| r.0 == n)
    }
}

impl Node {
    /// The nodes this node knows, itself included, in index order.
    pub fn known(&self) -> impl Iterator<Item = NodeIdx> + '_ {
        self.known_list.iter().copied()
    }

    /// Masters that own at least one slot in this node's view (`cluster_size`).
    pub fn cluster_size(&self) -> usize {
        self.slots.owners().count()
    }

    /// The config epoch this node shows for `node`: a replica shows its master's.
    pub fn shown_config_epoch(&self, node: NodeIdx) -> u64 {
        match self.view[node].role {
            Role::Master | Role::ReplicaOfUnknown => self.view[node].config_epoch,
            Role::Replica { of } => self.view[of].config_epoch,
        }
    }
}

impl Node {
    /// Rebuilds `known_list`; call after any change of a `known` flag.
    pub(crate) fn refresh_known(&mut self) {
        self.known_list = (0..self.view.len())
            .filter(|&n| self.view[n].known)
            .collect();
    }

    /// The role this node believes it has.
    pub fn role(&self, me: NodeIdx) -> Role {
        self.view[me].role
    }
}

/// `*1\r\n$4\r\nPING\r\n`: the replication stream of a fresh shard.
pub const INITIAL_REPL_OFFSET: u64 = 14;
