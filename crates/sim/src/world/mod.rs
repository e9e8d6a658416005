//! The world the nodes live in: the clock and event queue (`queue`), the
//! network between them (`network`), and the faults a user can inject on
//! processes and links (`faults`). It delivers what nodes send; the nodes'
//! rules live in `bus`, `command` and `replication`.

pub mod faults;
mod io;
pub mod network;
pub mod queue;
