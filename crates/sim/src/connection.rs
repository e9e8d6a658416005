//! A client connection as the server holds it (Redis's `client`): the
//! protocol it speaks, its flags (READONLY, ASKING), its transaction and
//! watched keys, and where its last write ended in the replication stream.

use crate::node::NodeIdx;
use crate::reply::{Protocol, Reply};

/// Per-connection client state, as `client` flags in Redis.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conn {
    /// The node the connection goes to (the world's; a node's handlers
    /// are only ever given the connections to themselves).
    pub node: NodeIdx,
    /// The client ID HELLO reports (`client->id`), from 1.
    pub id: u64,
    /// CLIENT SETNAME / HELLO SETNAME (empty: no name).
    pub name: Vec<u8>,
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
    /// The master's replication offset just after this client's last
    /// write (`client->woff`): what WAIT waits for.
    pub woff: u64,
    /// SUBSCRIBE, PSUBSCRIBE and SSUBSCRIBE: what the connection listens to.
    pub channels: Vec<Vec<u8>>,
    pub patterns: Vec<Vec<u8>>,
    pub shard_channels: Vec<Vec<u8>>,
    /// Messages published to it, not yet read by the client, with the
    /// simulated ms each arrived (the world puts them here; a console
    /// prints them as they come).
    pub inbox: Vec<Delivered>,
    /// The client closed it: the node dropped its subscriptions.
    pub closed: bool,
}

impl Conn {
    /// In RESP2, a subscribed connection only takes the pub/sub commands.
    pub fn subscribed(&self) -> bool {
        !self.channels.is_empty() || !self.patterns.is_empty() || !self.shard_channels.is_empty()
    }
}

/// A published message in a connection's inbox.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivered {
    /// When it arrived, simulated ms.
    pub at: u64,
    /// Its number among all messages delivered in the world, from 1.
    pub seq: u64,
    pub message: Reply,
}
