//! The world the nodes live in: the clock and event queue (`queue`), the
//! network between them (`network`), and the faults a user can inject on
//! processes and links (`faults`), the replication connections between
//! processes (`streams`), and the client connections (`connections`). It
//! delivers what nodes send; the nodes' rules live in `bus`, `command` and
//! `replication`.

mod connections;
pub mod faults;
mod io;
pub mod network;
pub mod queue;
mod streams;

pub(crate) use io::Names;
