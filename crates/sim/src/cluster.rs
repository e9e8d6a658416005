//! The cluster: its nodes, each with its *own* view of the others (slot
//! table, roles, epochs, flags), and the client connections to them.
//!
//! Views start identical, as after `redis-cli --cluster create` has settled,
//! and diverge when one node learns something first (a SETSLOT, a failure).

use std::collections::BTreeMap;

use crate::keyspace::Keyspace;
use crate::layout::{split_slots, Addr, LayoutError, FIRST_PORT};
use crate::rng::Rng;

pub use crate::config::Config;
pub use crate::node::{
    ConnId, Handshake, Node, NodeBus, NodeIdx, PeerView, Role, SlotTable, INITIAL_REPL_OFFSET,
};

pub use crate::connection::Conn;

#[derive(Clone, Debug)]
pub struct Cluster {
    pub nodes: Vec<Node>,
    /// The redis.conf a node started later (add-node) is given.
    pub redis_conf: Config,
    /// Simulated time, ms.
    pub now: u64,
    pub rng: Rng,
    pub conns: Vec<Conn>,
    /// Published messages delivered to client connections so far: each
    /// message's number in the inbox, so a reader can tell which it has seen.
    pub messages_delivered: u64,
    /// Events to come (cron ticks, messages in flight), in time order.
    pub(crate) queue: std::collections::BinaryHeap<crate::world::queue::Scheduled>,
    /// Tie-break for events at the same millisecond: scheduling order.
    pub(crate) seq: u64,
    pub network: crate::network::Network,
    pub trace: crate::trace::Trace,
    /// Writes acknowledged by a master and lost when a replica took over.
    pub lost_writes: u64,
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
                    me: i,
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
                    functions: Vec::new(),
                    stats: Default::default(),
                    pubsub: Default::default(),
                    bus: NodeBus {
                        state_ok: true,
                        // Replicas have acknowledged the first PING.
                        ack_sent: (INITIAL_REPL_OFFSET, 0),
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
            messages_delivered: 0,
            queue: std::collections::BinaryHeap::new(),
            seq: 0,
            network: crate::network::Network::default(),
            trace: crate::trace::Trace::default(),
            lost_writes: 0,
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
        let old_timeout = self.redis_conf.node_timeout;
        change(&mut self.redis_conf);
        for node in &mut self.nodes {
            change(&mut node.config);
            change(&mut node.conf_file);
        }
        // Configured before it starts, the cluster is one that has been up
        // with this node timeout: its last PONGs spread over the new
        // node_timeout/2. Left spread over the old one (7.5 s), every PONG
        // would be older than a short timeout's half at the first tick:
        // every node would ping every peer at once, and the schedules would
        // stay locked together (a kill right after creation then reached
        // FAIL ~100 ms after PFAIL; real clusters take 200-950 ms). Scaling
        // the offsets keeps the run deterministic without drawing anew.
        let new_timeout = self.redis_conf.node_timeout;
        if self.now == 0 && new_timeout != old_timeout && old_timeout > 0 {
            for node in &mut self.nodes {
                for peer in node.view.iter_mut() {
                    if peer.pong_received < 0 {
                        peer.pong_received = (peer.pong_received as i128 * i128::from(new_timeout)
                            / i128::from(old_timeout))
                            as i64;
                    }
                }
            }
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
        self.nodes[viewer].known_by(id, &self.names())
    }

    /// Every node's ID and addresses: what a node is told of a peer it
    /// knows (for answers read outside a command, by the page and tests).
    pub(crate) fn names(&self) -> crate::world::Names<'_> {
        crate::world::Names(&self.nodes)
    }

    /// CLUSTER NODES as `viewer` would answer it now.
    pub fn cluster_nodes(&self, viewer: NodeIdx) -> String {
        self.nodes[viewer].cluster_nodes(self.now, &self.names())
    }

    /// One line of CLUSTER NODES: `node` as `viewer` sees it now.
    pub fn node_line(&self, viewer: NodeIdx, node: NodeIdx) -> String {
        self.nodes[viewer].node_line(node, self.now, &self.names())
    }

    /// CLUSTER INFO as `viewer` would answer it now.
    pub fn cluster_info(&self, viewer: NodeIdx) -> String {
        self.nodes[viewer].cluster_info()
    }

    /// The nodes `viewer` knows, itself included, in index order.
    pub fn known(&self, viewer: NodeIdx) -> impl Iterator<Item = NodeIdx> + '_ {
        self.nodes[viewer].known()
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
            me,
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
            functions: Vec::new(),
            stats: Default::default(),
            pubsub: Default::default(),
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
            id: self.conns.len() as u64 + 1,
            ..Conn::default()
        });
        self.conns.len() - 1
    }

    /// The client closes connection `conn`: its node forgets its
    /// subscriptions (if it is still the process the connection was opened
    /// to: a restarted node never had them), and nothing reaches it again.
    pub fn disconnect(&mut self, conn: ConnId) {
        let Some(c) = self.conns.get_mut(conn) else {
            return;
        };
        c.closed = true;
        c.channels.clear();
        c.patterns.clear();
        c.shard_channels.clear();
        c.inbox.clear();
        let (node, id) = (c.node, c.id);
        if let Some(n) = self.nodes.get_mut(node) {
            n.pubsub.remove_client(id);
        }
    }

    /// The config epoch `viewer` shows for `node`: a replica shows its master's.
    pub fn shown_config_epoch(&self, viewer: NodeIdx, node: NodeIdx) -> u64 {
        self.nodes[viewer].shown_config_epoch(node)
    }

    /// Masters that own at least one slot, in `viewer`'s view (`cluster_size`).
    pub fn cluster_size(&self, viewer: NodeIdx) -> usize {
        self.nodes[viewer].cluster_size()
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
