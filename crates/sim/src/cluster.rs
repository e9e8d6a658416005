//! The cluster: its nodes, each with its *own* view of the others (slot
//! table, roles, epochs, flags), and the client connections to them.
//!
//! Views start identical, as after `redis-cli --cluster create` has settled,
//! and diverge when one node learns something first (a SETSLOT, a failure).

use std::collections::BTreeMap;

use crate::keyspace::Keyspace;
use crate::layout::{split_slots, Addr, LayoutError, FIRST_PORT};
use crate::list_map::ListMap;
use crate::reply::Protocol;
use crate::rng::Rng;
use crate::slot::{Slot, SLOT_COUNT};

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

pub use crate::config::Config;

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
    /// Manual failover: deadline, and (replica side) whether to go now.
    pub mf_end: Option<u64>,
    pub mf_can_start: bool,
    /// The master's offset when it paused (replica side), if told.
    pub mf_master_offset: Option<u64>,
    /// The replica running a manual failover with me (master side).
    pub mf_replica: Option<NodeIdx>,
    /// FORCE / TAKEOVER of the pending manual failover.
    pub mf_force: bool,
    /// Until when client writes are held (a master during manual failover).
    pub clients_paused_until: Option<u64>,
    /// Until when the whole process is stopped (SIGSTOP / `:pause`).
    pub paused_until: Option<u64>,
    /// Replica: last time anything arrived from the master (data age).
    pub master_last_io: u64,
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

/// Per-connection client state, as `client` flags in Redis.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conn {
    pub node: NodeIdx,
    pub proto: Protocol,
    /// READONLY: reads of its master's slots are served by a replica.
    pub readonly: bool,
    /// ASKING: the next command may touch an importing slot.
    pub asking: bool,
    /// Commands queued since MULTI, if in a transaction.
    pub multi: Option<Vec<Vec<Vec<u8>>>>,
    /// A queued command was refused: EXEC must abort (`CLIENT_DIRTY_EXEC`).
    pub multi_dirty: bool,
    /// WATCHed keys and the version each had when watched.
    pub watched: Vec<(Vec<u8>, u64)>,
}

/// `*1\r\n$4\r\nPING\r\n`: the replication stream of a fresh shard.
pub const INITIAL_REPL_OFFSET: u64 = 14;

#[derive(Clone, Debug)]
pub struct Cluster {
    pub nodes: Vec<Node>,
    /// The redis.conf a node started later (add-node) is given.
    pub redis_conf: Config,
    /// Simulated time, ms.
    pub now: u64,
    pub rng: Rng,
    pub conns: Vec<Conn>,
    /// Events to come (cron ticks, messages in flight), in time order.
    pub(crate) queue: std::collections::BinaryHeap<crate::bus::Scheduled>,
    /// Tie-break for events at the same millisecond: scheduling order.
    pub(crate) seq: u64,
    pub network: crate::network::Network,
    pub trace: crate::trace::Trace,
    /// Writes acknowledged by a master and lost when a replica took over.
    pub lost_writes: u64,
    /// The UI's console session (a client of the cluster, part of the world
    /// so that replaying its lines rebuilds it).
    pub console: crate::console::Console,
    /// The UI's `redis-cli --cluster` operation, paced in simulated time.
    pub operator: crate::operator::Operator,
}

impl Cluster {
    /// A cluster as `redis-cli --cluster create --cluster-replicas R` leaves
    /// it: masters on ports 7000.., slots split as redis-cli splits them,
    /// replica `masters + i` following master `i % masters`, config epochs
    /// 1..N (`CLUSTER SET-CONFIG-EPOCH`), current epoch N everywhere.
    pub fn create(
        masters: usize,
        replicas_per_master: usize,
        seed: u64,
    ) -> Result<Cluster, LayoutError> {
        let ranges = split_slots(masters)?;
        let total = masters * (1 + replicas_per_master);
        if total > usize::from(u16::MAX - FIRST_PORT - 10_000) {
            return Err(LayoutError::MasterCount(masters));
        }
        let mut rng = Rng::new(seed);
        let mut table = SlotTable::empty();
        for (m, r) in ranges.iter().enumerate() {
            for s in r.first..=r.last {
                table.set(usize::from(s), Some(m));
            }
        }
        let view: Vec<PeerView> = (0..total)
            .map(|i| {
                let role = if i < masters {
                    Role::Master
                } else {
                    Role::Replica { of: i % masters }
                };
                PeerView {
                    link: true,
                    ..PeerView::new(true, role, i as u64 + 1, 0)
                }
            })
            .collect();
        let nodes = (0..total)
            .map(|i| {
                let port = FIRST_PORT + i as u16;
                Node {
                    id: rng.node_id(),
                    config: Config::default(),
                    conf_file: Config::default(),
                    addr: Addr::loopback(port),
                    cport: port + 10_000,
                    alive: true,
                    runs: 0,
                    current_epoch: total as u64,
                    slots: table.clone(),
                    migrating: BTreeMap::new(),
                    importing: BTreeMap::new(),
                    view: view.clone(),
                    // The master's first replication PING (14 bytes) has
                    // gone through, as in the transcripts taken after creation.
                    repl_offset: INITIAL_REPL_OFFSET,
                    db: Keyspace::default(),
                    replid: String::new(),
                    scripts: Vec::new(),
                    bus: NodeBus {
                        state_ok: true,
                        migrate_to: if replicas_per_master > 0 {
                            (0..masters).collect()
                        } else {
                            Vec::new()
                        },
                        ..NodeBus::default()
                    },
                    repl_history: std::collections::VecDeque::new(),
                    known_list: (0..total).collect(),
                }
            })
            .collect();
        let mut nodes: Vec<Node> = nodes;
        for n in &mut nodes {
            n.replid = rng.node_id();
        }
        // The cluster has been up a while (with Redis's default node
        // timeout): each node last heard a PONG from each peer at some point
        // of the last node_timeout/2, as the NT/2 ping rule keeps it. Were
        // they all equal, every node would ping every other in the same
        // instant node_timeout/2 from now, and those bursts would recur —
        // a 1000-node cluster would spend its time in them.
        let half_timeout = Config::default().node_timeout / 2;
        for (v, node) in nodes.iter_mut().enumerate() {
            // Processes started at different times: their once-a-second
            // random PINGs (every 10th cron tick) do not fall together.
            node.bus.cron_iter = rng.below(10);
            for (p, peer) in node.view.iter_mut().enumerate() {
                if p != v {
                    peer.pong_received = -(rng.below(half_timeout) as i64);
                }
            }
        }
        let mut cluster = Cluster {
            nodes,
            redis_conf: Config::default(),
            now: 0,
            rng,
            conns: Vec::new(),
            queue: std::collections::BinaryHeap::new(),
            seq: 0,
            network: crate::network::Network::default(),
            trace: crate::trace::Trace::default(),
            lost_writes: 0,
            console: crate::console::Console::default(),
            operator: Default::default(),
        };
        for n in 0..cluster.nodes.len() {
            cluster.schedule_first_cron(n);
        }
        Ok(cluster)
    }

    /// Changes a setting everywhere, as an operator who edits every node's
    /// redis.conf and sends CONFIG SET to each would: every node (alive or
    /// not), what each keeps after a restart, and what new nodes start with.
    pub fn set_config(&mut self, change: impl Fn(&mut Config)) {
        change(&mut self.redis_conf);
        for node in &mut self.nodes {
            change(&mut node.config);
            change(&mut node.conf_file);
        }
    }

    /// Sets `name` to `value` as `CONFIG SET name value` would, on every
    /// node and in every redis.conf: the page's settings take this path, so
    /// they obey the same parsing and limits as the command.
    pub fn config_set_everywhere(&mut self, name: &str, value: &str) -> Result<(), crate::Reply> {
        crate::config::set_one(&mut self.redis_conf, name, value)?;
        for node in &mut self.nodes {
            crate::config::set_one(&mut node.config, name, value)?;
            crate::config::set_one(&mut node.conf_file, name, value)?;
        }
        Ok(())
    }

    pub fn node_by_port(&self, port: u16) -> Option<NodeIdx> {
        self.nodes.iter().position(|n| n.addr.port == port)
    }

    pub fn node_by_id(&self, id: &[u8]) -> Option<NodeIdx> {
        self.nodes.iter().position(|n| n.id.as_bytes() == id)
    }

    /// The node with this ID, if `viewer` knows it (`clusterLookupNode`).
    pub fn known_by(&self, viewer: NodeIdx, id: &[u8]) -> Option<NodeIdx> {
        self.node_by_id(id)
            .filter(|&n| self.nodes[viewer].view[n].known)
    }

    /// The nodes `viewer` knows, itself included, in index order.
    pub fn known(&self, viewer: NodeIdx) -> impl Iterator<Item = NodeIdx> + '_ {
        self.nodes[viewer].known_list.iter().copied()
    }

    /// Starts a new, empty Redis node on 127.0.0.1:`port` that knows only
    /// itself (as `redis-server --cluster-enabled yes` starts), ready for
    /// CLUSTER MEET or `redis-cli --cluster add-node`.
    pub fn spawn_node(&mut self, port: u16) -> Result<NodeIdx, String> {
        if port > u16::MAX - 10_000 || self.node_by_port(port).is_some() {
            return Err(format!("port {port} is taken or out of range"));
        }
        let me = self.nodes.len();
        let stranger = PeerView::new(false, Role::Master, 0, self.now);
        for node in &mut self.nodes {
            node.view.push(stranger.clone());
        }
        let mut view = vec![stranger; me + 1];
        view[me].known = true;
        self.nodes.push(Node {
            id: self.rng.node_id(),
            config: self.redis_conf.clone(),
            conf_file: self.redis_conf.clone(),
            addr: Addr::loopback(port),
            cport: port + 10_000,
            alive: true,
            runs: 0,
            current_epoch: 0,
            slots: SlotTable::empty(),
            migrating: BTreeMap::new(),
            importing: BTreeMap::new(),
            view,
            repl_offset: 0,
            db: Keyspace::default(),
            replid: self.rng.node_id(),
            scripts: Vec::new(),
            bus: NodeBus {
                started_at: Some(self.now),
                ..NodeBus::default()
            },
            repl_history: std::collections::VecDeque::new(),
            known_list: vec![me],
        });
        self.schedule_first_cron(me);
        Ok(me)
    }

    /// Opens a new client connection to `node`, in the default state.
    pub fn connect(&mut self, node: NodeIdx) -> ConnId {
        self.conns.push(Conn {
            node,
            ..Conn::default()
        });
        self.conns.len() - 1
    }

    /// The config epoch `viewer` shows for `node`: a replica shows its master's.
    pub fn shown_config_epoch(&self, viewer: NodeIdx, node: NodeIdx) -> u64 {
        let v = &self.nodes[viewer].view;
        match v[node].role {
            Role::Master | Role::ReplicaOfUnknown => v[node].config_epoch,
            Role::Replica { of } => v[of].config_epoch,
        }
    }

    /// Masters that own at least one slot, in `viewer`'s view (`cluster_size`).
    pub fn cluster_size(&self, viewer: NodeIdx) -> usize {
        self.nodes[viewer].slots.owners().count()
    }

    /// `cluster_state:ok` as `viewer` last computed it (`clusterUpdateState`,
    /// run on every cron tick and after every message and command).
    pub fn state_ok(&self, viewer: NodeIdx) -> bool {
        self.nodes[viewer].bus.state_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_like_redis_cli() {
        let c = Cluster::create(3, 1, 1).unwrap();
        assert_eq!(c.nodes.len(), 6);
        assert_eq!(c.nodes[3].addr.to_string(), "127.0.0.1:7003");
        assert_eq!(c.nodes[0].role(0), Role::Master);
        assert_eq!(c.nodes[4].role(4), Role::Replica { of: 1 });
        assert_eq!(c.nodes[0].slots[5460], Some(0));
        assert_eq!(c.nodes[5].slots[5461], Some(1));
        assert_eq!(c.nodes[2].slots[16383], Some(2));
        assert_eq!(c.nodes[0].current_epoch, 6);
        assert_eq!(c.shown_config_epoch(0, 3), 1);
        assert_eq!(c.cluster_size(0), 3);
        assert!(c.state_ok(0));
        // Same seed, same IDs; different seed, different IDs.
        assert_eq!(Cluster::create(3, 1, 1).unwrap().nodes[0].id, c.nodes[0].id);
        assert_ne!(Cluster::create(3, 1, 2).unwrap().nodes[0].id, c.nodes[0].id);
    }
}
