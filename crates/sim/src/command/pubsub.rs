//! Pub/sub on one node of a cluster (pubsub.c, cluster.c in Redis 7.0).
//! PUBLISH delivers to this node's subscribers and goes to every other
//! node over the cluster bus (a PUBLISH message), each delivering to its
//! own; SPUBLISH stays within the shard that owns the channel's slot (the
//! router already sent it there). The node keeps which of its clients
//! listen to what; the connection keeps its own lists, for the counts in
//! the confirmations and for RESP2's subscribed mode.

use crate::connection::Conn;
use crate::glob::glob_match;
use crate::node::{Effect, Io, Node, NodeIdx, Role};
use crate::reply::Reply;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Channel,
    Pattern,
    Shard,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PubSub {
    /// (kind, channel or pattern, client id), in subscription order.
    entries: Vec<(Kind, Vec<u8>, u64)>,
}

impl PubSub {
    /// Distinct channels, patterns and shard channels listened to (INFO).
    pub fn counts(&self) -> (usize, usize, usize) {
        let distinct = |kind: Kind| {
            let mut names: Vec<&Vec<u8>> = self
                .entries
                .iter()
                .filter(|(k, _, _)| *k == kind)
                .map(|(_, n, _)| n)
                .collect();
            crate::order::sort_by(&mut names, Ord::cmp);
            names.dedup();
            names.len()
        };
        (
            distinct(Kind::Channel),
            distinct(Kind::Pattern),
            distinct(Kind::Shard),
        )
    }
}

/// The commands a RESP2 connection may send while subscribed.
pub const ALLOWED_WHEN_SUBSCRIBED: &[&str] = &[
    "subscribe",
    "ssubscribe",
    "psubscribe",
    "unsubscribe",
    "sunsubscribe",
    "punsubscribe",
    "ping",
    "quit",
    "reset",
];

fn confirmation(kind: &str, name: Option<&[u8]>, count: usize) -> Reply {
    Reply::Push(vec![
        Reply::bulk(kind.as_bytes()),
        name.map_or(Reply::Nil, |n| Reply::bulk(n.to_vec())),
        Reply::Integer(count as i64),
    ])
}

/// One reply, or several one after the other.
fn replies(mut items: Vec<Reply>) -> Reply {
    if items.len() == 1 {
        items.remove(0)
    } else {
        Reply::Many(items)
    }
}

impl PubSub {
    fn add(&mut self, kind: Kind, name: &[u8], client: u64) {
        self.entries.push((kind, name.to_vec(), client));
    }

    fn remove(&mut self, kind: Kind, name: &[u8], client: u64) {
        self.entries
            .retain(|(k, n, c)| !(*k == kind && n == name && *c == client));
    }

    /// A client went away: it listens to nothing any more
    /// (`pubsubUnsubscribeAllChannels()` and friends in `freeClient()`).
    pub fn remove_client(&mut self, client: u64) {
        self.entries.retain(|(_, _, c)| *c != client);
    }

    /// Channels (or shard channels) with a subscriber, matching `pattern`.
    pub fn channels(&self, kind: Kind, pattern: Option<&[u8]>) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = Vec::new();
        for (k, n, _) in &self.entries {
            if *k == kind && !out.contains(n) && pattern.is_none_or(|p| glob_match(p, n)) {
                out.push(n.clone());
            }
        }
        out
    }

    pub fn count(&self, kind: Kind, name: &[u8]) -> usize {
        self.entries
            .iter()
            .filter(|(k, n, _)| *k == kind && n == name)
            .count()
    }

    /// Distinct patterns subscribed to (PUBSUB NUMPAT).
    pub fn patterns(&self) -> usize {
        self.channels(Kind::Pattern, None).len()
    }
}

impl Node {
    /// SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE and their UN- forms.
    pub(crate) fn subscription(
        &mut self,
        client: &mut Conn,
        name: &str,
        argv: &[Vec<u8>],
    ) -> Reply {
        let (kind, subscribe) = match name {
            "subscribe" => (Kind::Channel, true),
            "psubscribe" => (Kind::Pattern, true),
            "ssubscribe" => (Kind::Shard, true),
            "unsubscribe" => (Kind::Channel, false),
            "punsubscribe" => (Kind::Pattern, false),
            _ => (Kind::Shard, false),
        };
        let count = |c: &Conn| match kind {
            Kind::Shard => c.shard_channels.len(),
            _ => c.channels.len() + c.patterns.len(),
        };
        let mut out = Vec::new();
        let names: Vec<Vec<u8>> = if argv.len() > 1 || subscribe {
            argv[1..].to_vec()
        } else {
            match kind {
                Kind::Channel => client.channels.clone(),
                Kind::Pattern => client.patterns.clone(),
                Kind::Shard => client.shard_channels.clone(),
            }
        };
        for n in &names {
            let list = match kind {
                Kind::Channel => &mut client.channels,
                Kind::Pattern => &mut client.patterns,
                Kind::Shard => &mut client.shard_channels,
            };
            let had = list.contains(n);
            if subscribe && !had {
                list.push(n.clone());
                self.pubsub.add(kind, n, client.id);
            } else if !subscribe && had {
                list.retain(|x| x != n);
                self.pubsub.remove(kind, n, client.id);
            }
            out.push(confirmation(name, Some(n), count(client)));
        }
        if out.is_empty() {
            // Nothing to unsubscribe from: one reply with a null name.
            out.push(confirmation(name, None, count(client)));
        }
        replies(out)
    }

    /// Delivers a message to this node's matching subscribers; how many.
    pub(crate) fn deliver_published(
        &mut self,
        io: &mut dyn Io,
        channel: &[u8],
        message: &[u8],
        shard: bool,
    ) -> usize {
        let mut delivered = 0;
        for (kind, name, client) in self.pubsub.entries.clone() {
            let fields = match kind {
                Kind::Channel if !shard && name == channel => {
                    vec![b"message".to_vec(), channel.to_vec(), message.to_vec()]
                }
                Kind::Pattern if !shard && glob_match(&name, channel) => vec![
                    b"pmessage".to_vec(),
                    name.clone(),
                    channel.to_vec(),
                    message.to_vec(),
                ],
                Kind::Shard if shard && name == channel => {
                    vec![b"smessage".to_vec(), channel.to_vec(), message.to_vec()]
                }
                _ => continue,
            };
            io.effect(Effect::Message { client, fields });
            delivered += 1;
        }
        delivered
    }

    /// PUBLISH / SPUBLISH: local subscribers now, the rest of the cluster
    /// (or of the shard) over the bus (`clusterPropagatePublish()`).
    pub(crate) fn publish(&mut self, io: &mut dyn Io, argv: &[Vec<u8>], shard: bool) -> Reply {
        let delivered = self.deliver_published(io, &argv[1], &argv[2], shard);
        let my_master = self.role(self.me).master().unwrap_or(self.me);
        let targets: Vec<NodeIdx> = self
            .known_list
            .iter()
            .copied()
            .filter(|&n| n != self.me && self.view[n].link)
            .filter(|&n| {
                !shard || n == my_master || self.view[n].role == (Role::Replica { of: my_master })
            })
            .collect();
        let payload = std::rc::Rc::new(crate::bus::msg::Published {
            channel: argv[1].clone(),
            message: argv[2].clone(),
            shard,
        });
        for n in targets {
            let mut msg = self.header(crate::bus::msg::MsgKind::Publish);
            msg.publish = Some(payload.clone());
            self.send(io, n, msg);
        }
        Reply::Integer(delivered as i64)
    }

    /// PUBSUB CHANNELS / NUMSUB / NUMPAT / SHARDCHANNELS / SHARDNUMSUB.
    pub(crate) fn pubsub_introspection(&self, name: &str, argv: &[Vec<u8>]) -> Reply {
        let list = |kind| {
            Reply::Array(
                self.pubsub
                    .channels(kind, argv.get(2).map(|p| p.as_slice()))
                    .into_iter()
                    .map(Reply::Bulk)
                    .collect(),
            )
        };
        let counts = |kind| {
            Reply::Array(
                argv[2..]
                    .iter()
                    .flat_map(|c| {
                        [
                            Reply::bulk(c.clone()),
                            Reply::Integer(self.pubsub.count(kind, c) as i64),
                        ]
                    })
                    .collect(),
            )
        };
        match name {
            "pubsub|channels" => list(Kind::Channel),
            "pubsub|shardchannels" => list(Kind::Shard),
            "pubsub|numsub" => counts(Kind::Channel),
            "pubsub|shardnumsub" => counts(Kind::Shard),
            _ => Reply::Integer(self.pubsub.patterns() as i64),
        }
    }
}
