//! Client connections, on the world's side: a command travels from a
//! connection to its node's process, which runs it (`Node::process_command`)
//! unless the process is gone (connection refused) or stopped (the command
//! waits). A command that blocks (WAIT, BLPOP and the other blocking
//! commands) holds its client while simulated time passes. Every request and its reply go into the trace as a hop.

use crate::cluster::Cluster;
use crate::command::Served;
use crate::node::ConnId;
use crate::replication::acks_for;
use crate::reply::Reply;
use crate::routing::HopOutcome;
use crate::trace::TraceEvent;

impl Cluster {
    /// Sends one command on connection `conn` and returns the node's reply;
    /// the request and its reply go into the trace (a client hop).
    pub fn execute(&mut self, conn: ConnId, argv: &[Vec<u8>]) -> Reply {
        self.execute_hop(conn, argv).0
    }

    /// `execute`, with what became of the request (served, MOVED, ASK...).
    pub fn execute_hop(&mut self, conn: ConnId, argv: &[Vec<u8>]) -> (Reply, HopOutcome) {
        let sent = self.now;
        let node = self.conns[conn].node;
        let (reply, outcome) = self.execute_command(conn, argv);
        self.trace.push(TraceEvent::Command {
            at: sent,
            replied: self.now,
            conn,
            node,
            argv: argv.to_vec(),
            reply: reply.clone(),
            outcome,
        });
        (reply, outcome)
    }

    /// `execute` without the trace.
    fn execute_command(&mut self, conn: ConnId, argv: &[Vec<u8>]) -> (Reply, HopOutcome) {
        let me = self.conns[conn].node;
        if argv.is_empty() {
            return (Reply::Error("ERR empty command".into()), HopOutcome::Error);
        }
        if !self.nodes[me].alive {
            let refused = Reply::Error(format!(
                "ERR Could not connect to Redis at {}: Connection refused",
                self.nodes[me].addr
            ));
            return (refused, HopOutcome::NotConnected);
        }
        // A stopped process, or clients paused by a manual failover, hold
        // the command until they resume: simulated time passes meanwhile.
        while let Some(until) = self.nodes[me]
            .bus
            .paused_until
            .or(self.nodes[me].bus.manual_failover.clients_paused_until())
            .filter(|&t| t > self.now)
        {
            self.pass_time_until(until);
        }
        // The node runs it on its own state and the connection's.
        let mut client = std::mem::take(&mut self.conns[conn]);
        let served = self.with_node(me, |node, io| node.process_command(&mut client, argv, io));
        self.conns[conn] = client;
        let (reply, outcome) = match served {
            Served::Reply(reply, outcome) => (reply, outcome),
            Served::Wait {
                wanted,
                offset,
                deadline,
            } => {
                let acked = |c: &Cluster| acks_for(&c.replica_links(me), offset) as i64;
                while acked(self) < wanted && self.now < deadline {
                    self.pass_time_until(deadline);
                }
                (Reply::Integer(acked(self)), HopOutcome::Served)
            }
            Served::Block {
                keys,
                deadline,
                timeout_reply,
                again,
            } => self.block(conn, me, &again, &keys, deadline, timeout_reply),
        };
        self.update_state(me);
        (reply, outcome)
    }

    /// A client blocked on `keys`: simulated time passes until the command
    /// can be served (it is run again after each event), the node stops
    /// serving the keys, its process dies, or the timeout.
    fn block(
        &mut self,
        conn: ConnId,
        me: usize,
        argv: &[Vec<u8>],
        keys: &[Vec<u8>],
        deadline: u64,
        timeout_reply: Reply,
    ) -> (Reply, HopOutcome) {
        let run = self.nodes[me].runs;
        while self.now < deadline {
            self.pass_time_until(deadline);
            if !self.nodes[me].alive || self.nodes[me].runs != run {
                return (
                    Reply::Error("ERR Server closed the connection".into()),
                    HopOutcome::NotConnected,
                );
            }
            if let Some(refused) =
                self.with_node(me, |node, io| node.blocked_client_redirect(keys, io))
            {
                return refused;
            }
            let mut client = std::mem::take(&mut self.conns[conn]);
            let served = self.with_node(me, |node, io| node.process_command(&mut client, argv, io));
            self.conns[conn] = client;
            if let Served::Reply(reply, outcome) = served {
                return (reply, outcome);
            }
        }
        (timeout_reply, HopOutcome::Served)
    }

    /// A published message reaches a subscribed connection of node `n`: in
    /// RESP3 a push, in RESP2 an array, kept until the client reads it.
    pub(crate) fn deliver_message(&mut self, n: usize, client: u64, fields: Vec<Vec<u8>>) {
        let Some(conn) = (client as usize)
            .checked_sub(1)
            .and_then(|c| self.conns.get_mut(c))
        else {
            return;
        };
        if conn.node != n || conn.closed {
            return;
        }
        let items = fields.into_iter().map(Reply::Bulk).collect();
        let message = match conn.proto {
            crate::reply::Protocol::Resp3 => Reply::Push(items),
            crate::reply::Protocol::Resp2 => Reply::Array(items),
        };
        self.messages_delivered += 1;
        conn.inbox.push(crate::connection::Delivered {
            at: self.now,
            seq: self.messages_delivered,
            message,
        });
    }

    /// Runs the next event if it comes by `until`, else moves the clock to
    /// `until`: one step of a client's wait.
    fn pass_time_until(&mut self, until: u64) {
        match self.next_event_time() {
            Some(t) if t <= until => {
                self.step();
            }
            _ => self.advance_to(until),
        }
    }
}
