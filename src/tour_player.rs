//! Playing a tour in the page: the tour's steps over the studio's own run.
//! A step's setup and a solution replayed are the page's own gestures
//! (`Msg`s); the learner's progress (`tour::Progress`) remembers where each
//! step started, so that Back returns there through the timeline; the
//! challenge is checked against the moment shown after every gesture and
//! every frame (`check`), from the learner's console commands since the
//! step started.
//!
//! Plain Rust, no browser: the tests below play every tour of the repo.

use std::rc::Rc;

use slotscope_sim::timeline::Action;
use slotscope_sim::tour::{self, LastCommand, Progress, Tour, TourAction};
use slotscope_sim::Cluster;

use crate::msg::{update, Msg, NodeOp};
use crate::studio::{EntryKind, Studio};

/// The tours of the repo (`tours/*.tour`), in the order the index lists
/// them. They are in the page (about 7 KB gzipped): a lesson frame opening
/// `?embed&tour=…` has its tour at once, without a second request.
pub const BUILTIN: [&str; 9] = [
    include_str!("../tours/01-key-to-slot.tour"),
    include_str!("../tours/02-hash-tags.tour"),
    include_str!("../tours/03-topology.tour"),
    include_str!("../tours/04-smart-client.tour"),
    include_str!("../tours/05-migration.tour"),
    include_str!("../tours/06-failover.tour"),
    include_str!("../tours/07-limits.tour"),
    include_str!("../tours/08-lost-write.tour"),
    include_str!("../tours/09-cluster-vs-sentinel.tour"),
];

/// The seed a tour's cluster is created with: the one `--check-tour` proves
/// the challenges with, so the page shows what the validator saw.
pub const SEED: u64 = 1;

/// The built-in tours, parsed (each is proved by `tests/tours.rs`).
pub fn builtin() -> Vec<Tour> {
    BUILTIN.iter().filter_map(|t| tour::parse(t).ok()).collect()
}

pub fn builtin_tour(id: &str) -> Option<Tour> {
    builtin().into_iter().find(|t| t.id == id)
}

/// What the page tells a host page about a tour (host API events).
#[derive(Clone, Debug, PartialEq)]
pub enum TourEvent {
    /// A step started (numbered from 1).
    Step {
        tour: String,
        step: usize,
        steps: usize,
        title: String,
    },
    /// The step's challenge was met, by the learner or by the solution
    /// they asked to replay.
    Goal {
        tour: String,
        step: usize,
        goal: String,
        by_solution: bool,
    },
}

/// A tour being played.
#[derive(Clone, Debug, PartialEq)]
pub struct Player {
    pub tour: Rc<Tour>,
    /// One of the repo's (a link can name it), or a teacher's file.
    pub builtin: bool,
    pub progress: Progress,
    /// The console log's length when each step started (after its setup):
    /// the learner's commands are the entries after it.
    entries_at: Vec<usize>,
    /// Hints shown so far in this step.
    pub hints: usize,
    pub solution_shown: bool,
    /// The current step's challenge was met in this attempt.
    pub met: bool,
    pub by_solution: bool,
}

impl Player {
    pub fn step(&self) -> &tour::Step {
        &self.tour.steps[self.progress.step]
    }

    pub fn last_step(&self) -> bool {
        self.progress.step + 1 == self.tour.steps.len()
    }
}

/// A fresh run for a tour, keeping what the page keeps across runs.
fn fresh(s: &mut Studio, cluster: Cluster) {
    let mut next = Studio::new(cluster);
    next.drawer = s.drawer;
    next.embed = s.embed.take();
    next.reduced_motion = s.reduced_motion;
    next.speed_log = s.speed_log;
    next.tour_memory = std::mem::take(&mut s.tour_memory);
    next.tour_events = std::mem::take(&mut s.tour_events);
    *s = next;
}

/// Starts a tour at `step` (from 0): a new run, the first step's setup,
/// and for a later step, each earlier one's setup and solution in turn (as
/// after a learner who solved them), so that Back works from there too.
pub fn start(s: &mut Studio, tour: Tour, builtin: bool, step: usize) {
    let cluster = match Cluster::create(tour.masters, tour.replicas, SEED) {
        Ok(c) => c,
        Err(e) => {
            s.tour_error = Some(format!("This tour's cluster cannot be made: {e}"));
            return;
        }
    };
    fresh(s, cluster);
    let mut progress = Progress::new(&tour);
    if let Some((_, done)) = s.tour_memory.iter().find(|(id, _)| *id == tour.id) {
        if done.len() == progress.completed.len() {
            progress.completed = done.clone();
        }
    }
    let target = step.min(tour.steps.len() - 1);
    let mut p = Player {
        tour: Rc::new(tour),
        builtin,
        progress,
        entries_at: Vec::new(),
        hints: 0,
        solution_shown: false,
        met: false,
        by_solution: false,
    };
    begin_step(s, &mut p);
    while p.progress.step < target {
        if let Some(c) = p.step().challenge.clone() {
            run(s, &c.solution);
        }
        p.progress.forward();
        begin_step(s, &mut p);
    }
    s.tours_open = false;
    s.tour_error = None;
    tell_step(s, &p);
    s.tour = Some(p);
    check(s);
}

/// Applies the current step's setup from the present, and notes where the
/// step starts.
fn begin_step(s: &mut Studio, p: &mut Player) {
    s.playing = false;
    s.t = s.timeline.now() as f64;
    let setup = p.step().setup.clone();
    run(s, &setup);
    s.finish_animation();
    p.progress.started(&s.timeline);
    p.entries_at.truncate(p.progress.step);
    p.entries_at.push(s.console_log.len());
    p.hints = 0;
    p.solution_shown = false;
    p.met = false;
    p.by_solution = false;
}

/// The gesture for a tour action.
pub fn gesture(a: &TourAction) -> Msg {
    match a {
        TourAction::Advance(ms) => Msg::Advance(*ms),
        TourAction::Act(Action::ConsoleLine(l)) => Msg::ConsoleLine(l.clone()),
        TourAction::Act(Action::ConsoleMode(m)) => Msg::ConsoleMode(*m),
        TourAction::Act(Action::ConsoleNode(n)) => Msg::ConsoleNode(*n),
        // (Kill as the node panel's button does it: a dead observer hands
        // the view to a live node.)
        TourAction::Act(Action::Kill(n)) => Msg::NodeOpOn(*n, NodeOp::Kill),
        TourAction::Act(a) => Msg::Act(a.clone()),
    }
}

fn run(s: &mut Studio, actions: &[TourAction]) {
    for (i, a) in actions.iter().enumerate() {
        // Each action at the present, as the learner would have it.
        s.t = s.timeline.now() as f64;
        update(s, gesture(a));
        // Only the last command's trip is drawn.
        if i + 1 < actions.len() {
            s.finish_animation();
        }
    }
}

fn tell_step(s: &mut Studio, p: &Player) {
    s.tour_events.push(TourEvent::Step {
        tour: p.tour.id.clone(),
        step: p.progress.step + 1,
        steps: p.tour.steps.len(),
        title: p.step().title.clone(),
    });
}

/// The tour's gestures (`Msg::Tour*`).
#[derive(Clone, Debug, PartialEq)]
pub enum TourMsg {
    Next,
    Back,
    Restart,
    Exit,
    Hint,
    ShowSolution,
    /// Replays the solution (the learner asked for it).
    Solve,
    /// To step n (from 0): forward by the solutions, back by Back.
    Go(usize),
}

pub fn apply(s: &mut Studio, m: TourMsg) {
    let Some(mut p) = s.tour.take() else {
        return;
    };
    match m {
        TourMsg::Next => {
            if p.last_step() {
                // The end: back to the index, which shows what was solved.
                s.tours_open = true;
                s.tour = Some(p);
                return;
            }
            // A step left unsolved (skipped, or Back then Next) is first
            // played by its solution: the next step's text and challenge
            // assume where this one ends.
            if !p.met {
                if let Some(c) = p.step().challenge.clone() {
                    run(s, &c.solution);
                }
            }
            p.progress.forward();
            begin_step(s, &mut p);
            tell_step(s, &p);
        }
        TourMsg::Back => {
            if p.progress.back(&mut s.timeline) {
                let entries = p.entries_at[p.progress.step];
                s.rewound(entries);
                p.entries_at.truncate(p.progress.step + 1);
                p.hints = 0;
                p.solution_shown = false;
                p.met = false;
                p.by_solution = false;
                tell_step(s, &p);
            }
        }
        TourMsg::Restart => {
            let tour = (*p.tour).clone();
            start(s, tour, p.builtin, 0);
            return;
        }
        TourMsg::Exit => {
            // Back to the sandbox (the run stays), with the index open.
            s.tours_open = true;
            return;
        }
        TourMsg::Hint => {
            let n = p.step().challenge.as_ref().map_or(0, |c| c.hints.len());
            p.hints = (p.hints + 1).min(n);
        }
        TourMsg::ShowSolution => p.solution_shown = true,
        TourMsg::Solve => {
            if let Some(c) = p.step().challenge.clone() {
                p.solution_shown = true;
                // (Checked after each of its gestures: the goal event says
                // the solution met it.)
                let was_met = p.met;
                p.by_solution = !was_met;
                s.tour = Some(p);
                run(s, &c.solution);
                check(s);
                if let Some(p) = s.tour.as_mut() {
                    p.by_solution = p.by_solution && p.met && !was_met;
                }
                return;
            }
        }
        TourMsg::Go(n) => {
            let n = n.min(p.tour.steps.len() - 1);
            while p.progress.step > n {
                s.tour = Some(p);
                apply(s, TourMsg::Back);
                let Some(q) = s.tour.take() else { return };
                p = q;
            }
            while p.progress.step < n {
                if let Some(c) = p.step().challenge.clone() {
                    run(s, &c.solution);
                }
                p.progress.forward();
                begin_step(s, &mut p);
                tell_step(s, &p);
            }
        }
    }
    s.tour = Some(p);
}

/// The learner's last console command since the step started.
fn last_command(s: &Studio, from: usize) -> Option<LastCommand> {
    let now = s.now();
    s.console_log
        .get(from..)?
        .iter()
        .rev()
        .find(|e| e.kind != EntryKind::Read && e.at <= now)
        .map(|e| LastCommand {
            line: e.line.clone(),
            printed: e.printed.clone(),
            hops: e.hops,
        })
}

/// Checks the current step's challenge against the moment shown; once
/// met, the step is completed (remembered for the session) and a `goal`
/// event is queued for the host page.
pub fn check(s: &mut Studio) {
    let Some(mut p) = s.tour.take() else {
        return;
    };
    if !p.met {
        if let Some(c) = p.step().challenge.clone() {
            let last = last_command(s, p.entries_at[p.progress.step]);
            let now = s.now();
            let written: Vec<String> = s
                .console_log
                .iter()
                .filter(|e| e.kind != EntryKind::Read && e.at <= now)
                .filter_map(|e| tour::acknowledged_write(&e.line, &e.printed))
                .collect();
            if tour::met(&c.goal, s.cluster(), last.as_ref(), &written) {
                p.met = true;
                // The moment it was met stays on screen (a FAIL, say,
                // before the election that follows it): the learner reads
                // "Solved", then plays on or presses Next.
                s.playing = false;
                p.progress.complete();
                remember(s, &p);
                s.tour_events.push(TourEvent::Goal {
                    tour: p.tour.id.clone(),
                    step: p.progress.step + 1,
                    goal: c.goal.describe(),
                    by_solution: p.by_solution,
                });
            }
        }
    }
    s.tour = Some(p);
}

fn remember(s: &mut Studio, p: &Player) {
    let done = p.progress.completed.clone();
    match s.tour_memory.iter_mut().find(|(id, _)| *id == p.tour.id) {
        Some((_, d)) => *d = done,
        None => s.tour_memory.push((p.tour.id.clone(), done)),
    }
}

/// A teacher's tour file: played from its first step (or `step`), or
/// refused with the line and field that are wrong (the page goes on as it
/// was).
pub fn load(s: &mut Studio, text: &str, step: usize) {
    match tour::parse(text) {
        Ok(t) => {
            let builtin = builtin_tour(&t.id).is_some_and(|b| b == t);
            start(s, t, builtin, step);
        }
        Err(e) => {
            s.tour_error = Some(format!("This tour file could not be read: {e}."));
            if s.tour.is_none() {
                s.tours_open = true;
            }
        }
    }
}

/// A built-in tour by id (a link, `?tour=`, the index, the host page).
pub fn open(s: &mut Studio, id: &str, step: usize) {
    match builtin_tour(id) {
        Some(t) => start(s, t, true, step),
        None => {
            s.tour_error = Some(format!(
                "There is no tour {:?} here (the tours are {}).",
                id.chars().take(40).collect::<String>(),
                builtin()
                    .iter()
                    .map(|t| t.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            s.tours_open = true;
        }
    }
}

/// Nodes the current step highlights (by port), and the owners of the
/// slots it highlights as the observer sees them.
pub fn highlighted_nodes(
    p: &Player,
    cluster: &Cluster,
    map: &crate::view::slot_map::SlotMap,
) -> Vec<usize> {
    use slotscope_sim::tour::Highlight;
    let mut out = Vec::new();
    for h in &p.step().highlight {
        let n = match h {
            Highlight::Node(port) => cluster.nodes.iter().position(|n| n.addr.port == *port),
            Highlight::Slot(slot) => map.owner_of(*slot).map(|(_, o)| o.node),
            _ => None,
        };
        if let Some(n) = n {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}

/// Message types the current step highlights (`FAIL`, ...).
pub fn highlighted_messages(p: &Player) -> Vec<String> {
    p.step()
        .highlight
        .iter()
        .filter_map(|h| match h {
            tour::Highlight::Message(m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

pub fn highlights_console(p: &Player) -> bool {
    p.step().highlight.contains(&tour::Highlight::Console)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msg::cluster_of;

    fn studio() -> Studio {
        Studio::new(cluster_of(crate::msg::SHAPES[0]))
    }

    #[test]
    fn every_builtin_tour_parses_with_its_own_id() {
        let tours = builtin();
        assert_eq!(tours.len(), BUILTIN.len());
        let mut ids: Vec<&str> = tours.iter().map(|t| t.id.as_str()).collect();
        ids.dedup();
        assert_eq!(ids.len(), 9);
    }

    /// Every tour of the repo, played through the page's gestures: each
    /// challenge unmet at first and met by its solution's gestures, the
    /// host told of each step and goal, and Back restoring the step before.
    #[test]
    fn every_tour_plays_through_the_pages_messages() {
        for t in builtin() {
            let mut s = studio();
            update(&mut s, Msg::StartTour(t.id.clone(), 0));
            for i in 0..t.steps.len() {
                let p = s.tour.as_ref().expect("a tour plays");
                assert_eq!(p.progress.step, i, "{}", t.id);
                assert!(
                    !p.met,
                    "{} step {}: met before the learner acts",
                    t.id,
                    i + 1
                );
                if let Some(c) = t.steps[i].challenge.clone() {
                    for a in &c.solution {
                        update(&mut s, gesture(a));
                    }
                    let p = s.tour.as_ref().unwrap();
                    assert!(
                        p.met,
                        "{} step {}: the solution's gestures do not meet it",
                        t.id,
                        i + 1
                    );
                    assert!(!p.by_solution);
                }
                update(&mut s, Msg::Tour(TourMsg::Next));
            }
            assert!(s.tours_open, "after the last step, the index");
            let done = &s.tour_memory.iter().find(|(id, _)| *id == t.id).unwrap().1;
            let challenges = t.steps.iter().filter(|st| st.challenge.is_some()).count();
            assert_eq!(done.iter().filter(|d| **d).count(), challenges, "{}", t.id);
            let goals = s
                .tour_events
                .iter()
                .filter(|e| matches!(e, TourEvent::Goal { .. }))
                .count();
            assert_eq!(goals, challenges, "{}", t.id);
        }
    }

    #[test]
    fn back_restores_where_the_previous_step_started() {
        let mut s = studio();
        update(&mut s, Msg::StartTour("failover".into(), 0));
        let start_now = s.timeline.now();
        let start_log = s.console_log.len();
        // The learner kills 7000, plays, and the goal is met; then Next.
        update(&mut s, Msg::NodeOpOn(0, NodeOp::Kill));
        update(&mut s, Msg::Advance(3_000));
        assert!(s.tour.as_ref().unwrap().met);
        update(&mut s, Msg::Tour(TourMsg::Next));
        update(&mut s, Msg::ConsoleLine("CLUSTER INFO".into()));
        update(&mut s, Msg::Tour(TourMsg::Back));
        let p = s.tour.as_ref().unwrap();
        assert_eq!(p.progress.step, 0);
        assert!(!p.met, "the step is as it started");
        assert!(p.progress.completed[0], "and remembered as solved");
        assert_eq!(s.timeline.now(), start_now);
        assert_eq!(s.console_log.len(), start_log);
        assert!(s.cluster().nodes[0].alive, "the kill is undone");
        // Solving it again works the same way.
        update(&mut s, Msg::NodeOpOn(0, NodeOp::Kill));
        update(&mut s, Msg::Advance(3_000));
        assert!(s.tour.as_ref().unwrap().met);
    }

    #[test]
    fn a_later_step_opens_as_after_the_earlier_ones_were_solved() {
        let mut s = studio();
        update(&mut s, Msg::StartTour("failover".into(), 2));
        let p = s.tour.as_ref().unwrap();
        assert_eq!(p.progress.counter(), "3 / 3");
        assert!(!p.met);
        assert!(!s.cluster().nodes[0].alive, "7000 was killed in step 1");
        // Back works from there.
        update(&mut s, Msg::Tour(TourMsg::Back));
        assert_eq!(s.tour.as_ref().unwrap().progress.step, 1);
        // And the host may go to a step by number.
        update(&mut s, Msg::Tour(TourMsg::Go(0)));
        assert_eq!(s.tour.as_ref().unwrap().progress.step, 0);
        assert!(s.cluster().nodes[0].alive);
    }

    #[test]
    fn next_without_solving_plays_the_solution_first() {
        let mut s = studio();
        update(&mut s, Msg::StartTour("failover".into(), 0));
        // Skipped at once: 7000 is killed by the solution, so the second
        // step (a replica takes over) can happen.
        update(&mut s, Msg::Tour(TourMsg::Next));
        assert!(!s.cluster().nodes[0].alive);
        assert!(
            !s.tour.as_ref().unwrap().progress.completed[0],
            "skipped, not solved"
        );
        update(&mut s, Msg::Advance(5_000));
        assert!(s.tour.as_ref().unwrap().met);
        // After the last step, Finish opens the index and keeps the tour.
        update(&mut s, Msg::Tour(TourMsg::Next));
        update(&mut s, Msg::Tour(TourMsg::Next));
        assert!(s.tours_open && s.tour.is_some());
    }

    #[test]
    fn hints_and_the_solution() {
        let mut s = studio();
        update(&mut s, Msg::StartTour("hash-tags".into(), 0));
        update(&mut s, Msg::Tour(TourMsg::Hint));
        update(&mut s, Msg::Tour(TourMsg::Hint));
        update(&mut s, Msg::Tour(TourMsg::Hint));
        let p = s.tour.as_ref().unwrap();
        let hints = p.step().challenge.as_ref().unwrap().hints.len();
        assert_eq!(p.hints, hints.min(3));
        update(&mut s, Msg::Tour(TourMsg::Solve));
        let p = s.tour.as_ref().unwrap();
        assert!(p.met && p.by_solution && p.solution_shown);
        assert!(matches!(
            s.tour_events.last(),
            Some(TourEvent::Goal {
                by_solution: true,
                ..
            })
        ));
    }

    #[test]
    fn a_bad_tour_file_is_refused_by_line_and_field_and_nothing_changes() {
        let mut s = studio();
        update(&mut s, Msg::ConsoleLine("SET foo bar".into()));
        let before = s.timeline.actions().len();
        update(
            &mut s,
            Msg::LoadTour("tour: x\ntitle: T\nstep: s\ngoal: fly\n".into(), 0),
        );
        let e = s.tour_error.clone().unwrap();
        assert!(e.contains("line 4: goal: unknown goal 'fly'"), "{e}");
        assert!(s.tour.is_none());
        assert_eq!(s.timeline.actions().len(), before);
        update(&mut s, Msg::StartTour("no-such".into(), 0));
        assert!(s
            .tour_error
            .clone()
            .unwrap()
            .contains("no tour \"no-such\""));
        // A good one plays, from the step asked for.
        update(
            &mut s,
            Msg::LoadTour(
                "tour: mine\ntitle: Mine\nstep: a\ntext: hi\nstep: b\ntext: there\n".into(),
                1,
            ),
        );
        let p = s.tour.as_ref().unwrap();
        assert!(!p.builtin);
        assert_eq!(p.progress.counter(), "2 / 2");
        assert!(s.tour_error.is_none());
    }
}
