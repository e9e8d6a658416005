//! A session: the world (`Cluster`) and the people using it beside it —
//! the page's console client and the `redis-cli --cluster` operator. The
//! world holds nothing of theirs; the session runs them together in
//! simulated time (the operator's next command is an event like the
//! world's), and the timeline checkpoints and replays whole sessions, so a
//! console's slot map or a half-done reshard come back with the moment.

use crate::cluster::Cluster;
use crate::console::Console;
use crate::operator::Operator;

#[derive(Clone, Debug)]
pub struct Session {
    pub world: Cluster,
    /// The console's client (redis-cli, redis-cli -c or a smart client).
    pub console: Console,
    /// The `redis-cli --cluster` operation the user runs, paced.
    pub operator: Operator,
}

impl Session {
    pub fn new(world: Cluster) -> Session {
        Session {
            world,
            console: Console::default(),
            operator: Operator::default(),
        }
    }

    pub fn now(&self) -> u64 {
        self.world.now
    }

    /// When the next thing happens: a world event or the operator's command.
    pub fn next_event_time(&self) -> Option<u64> {
        match (self.world.next_event_time(), self.operator.due()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Runs the next event; returns its time, or None if nothing is due.
    pub fn step(&mut self) -> Option<u64> {
        // The operator's next command, if it comes before every queued event
        // (a tie goes to the queue: those events were scheduled first).
        if let Some(due) = self.operator.due() {
            if self.world.next_event_time().is_none_or(|at| at > due) {
                self.world.now = self.world.now.max(due);
                self.step_operation();
                return Some(due);
            }
        }
        self.world.step()
    }

    /// Runs everything up to simulated time `t`, then sets the clock to `t`.
    pub fn advance_to(&mut self, t: u64) {
        while self.next_event_time().is_some_and(|at| at <= t) {
            self.step();
        }
        self.world.now = self.world.now.max(t);
    }

    pub fn advance(&mut self, ms: u64) {
        self.advance_to(self.now().saturating_add(ms));
    }

    /// Runs one line typed at the console.
    pub fn console_line(&mut self, line: &str) -> crate::client::Outcome {
        self.console.run(&mut self.world, line)
    }
}
