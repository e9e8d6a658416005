//! What the tour panel shows: the index of tours and the step being
//! played, as plain data (the component draws it; the tests read it).

use slotscope_sim::tour::{Highlight, Inline, Tour};

use crate::tour_player::Player;
use crate::view::slot_map::SlotMap;

/// One tour in the index.
#[derive(Clone, Debug, PartialEq)]
pub struct TourCard {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub steps: usize,
    pub challenges: usize,
    /// Challenges solved in this session.
    pub solved: usize,
}

/// The index: the repo's tours, with what was solved this session.
pub fn index(tours: &[Tour], memory: &[(String, Vec<bool>)]) -> Vec<TourCard> {
    tours
        .iter()
        .map(|t| {
            let done = memory
                .iter()
                .find(|(id, _)| *id == t.id)
                .map(|(_, d)| d.as_slice())
                .unwrap_or(&[]);
            TourCard {
                id: t.id.clone(),
                title: t.title.clone(),
                summary: t.summary.clone(),
                steps: t.steps.len(),
                challenges: t.steps.iter().filter(|s| s.challenge.is_some()).count(),
                solved: t
                    .steps
                    .iter()
                    .zip(done.iter().chain(std::iter::repeat(&false)))
                    .filter(|(s, d)| s.challenge.is_some() && **d)
                    .count(),
            }
        })
        .collect()
}

/// How the step's challenge stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoalStatus {
    /// Not met yet.
    Open,
    /// Met by the learner in this attempt.
    Met,
    /// Met by the solution the learner asked to replay.
    MetBySolution,
    /// Not met in this attempt, but solved earlier in the session (the
    /// learner came Back to it).
    SolvedBefore,
}

impl GoalStatus {
    pub fn words(self) -> &'static str {
        match self {
            GoalStatus::Open => "Not yet",
            GoalStatus::Met => "Solved ✓",
            GoalStatus::MetBySolution => "Solved by the solution",
            GoalStatus::SolvedBefore => "Solved earlier ✓ (try it again)",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChallengeView {
    /// The goal, in words.
    pub goal: String,
    pub status: GoalStatus,
    /// The hints shown so far.
    pub hints: Vec<String>,
    pub more_hints: bool,
    /// The solution's actions as the tour file writes them, once asked for.
    pub solution: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StepView {
    pub tour_title: String,
    /// "3 / 9".
    pub counter: String,
    pub title: String,
    pub paragraphs: Vec<Vec<Inline>>,
    /// The highlighted slots, each as the observer's map describes it.
    pub slots: Vec<String>,
    pub challenge: Option<ChallengeView>,
    pub first: bool,
    pub last: bool,
    /// Each step's completion (the dots under the counter).
    pub completed: Vec<bool>,
    /// A teacher's file rather than one of the repo's.
    pub custom: bool,
    /// Next would skip an unsolved challenge (playing its solution first).
    pub skips: bool,
}

/// The step being played; `map` is the slot map as the observer sees it.
pub fn step(p: &Player, map: &SlotMap) -> StepView {
    let st = p.step();
    let slots = st
        .highlight
        .iter()
        .filter_map(|h| match h {
            Highlight::Slot(s) => Some(map.describe(*s)),
            _ => None,
        })
        .collect();
    let done_before = p.progress.completed[p.progress.step];
    let challenge = st.challenge.as_ref().map(|c| ChallengeView {
        goal: c.goal.describe(),
        status: match (p.met, p.by_solution, done_before) {
            (true, true, _) => GoalStatus::MetBySolution,
            (true, false, _) => GoalStatus::Met,
            (false, _, true) => GoalStatus::SolvedBefore,
            (false, _, false) => GoalStatus::Open,
        },
        hints: c.hints.iter().take(p.hints).cloned().collect(),
        more_hints: p.hints < c.hints.len(),
        solution: p
            .solution_shown
            .then(|| c.solution.iter().map(|a| a.to_string()).collect()),
    });
    StepView {
        tour_title: p.tour.title.clone(),
        counter: p.progress.counter(),
        title: st.title.clone(),
        paragraphs: st.paragraphs.clone(),
        slots,
        challenge,
        first: p.progress.step == 0,
        last: p.last_step(),
        completed: p.progress.completed.clone(),
        custom: !p.builtin,
        skips: st.challenge.is_some() && !p.met,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msg::{update, Msg};
    use crate::studio::Studio;
    use crate::tour_player::{builtin, TourMsg};

    fn studio() -> Studio {
        Studio::new(crate::msg::cluster_of(crate::msg::SHAPES[0]))
    }

    fn shown(s: &mut Studio) -> StepView {
        let (p, observer) = (s.tour.clone().unwrap(), s.observer);
        step(&p, &SlotMap::from_cluster(s.cluster(), observer))
    }

    #[test]
    fn the_index_lists_every_tour_and_counts_what_was_solved() {
        let tours = builtin();
        let cards = index(&tours, &[("smart-client".into(), vec![true, false])]);
        assert_eq!(cards.len(), 9);
        let smart = cards.iter().find(|c| c.id == "smart-client").unwrap();
        assert_eq!((smart.steps, smart.challenges, smart.solved), (2, 2, 1));
        assert!(cards
            .iter()
            .filter(|c| c.id != "smart-client")
            .all(|c| c.solved == 0));
        assert!(
            cards.iter().all(|c| c.challenges >= 1),
            "every tour has a challenge"
        );
    }

    #[test]
    fn a_step_shows_its_counter_slots_and_how_its_challenge_stands() {
        let mut s = studio();
        update(&mut s, Msg::StartTour("smart-client".into(), 0));
        update(&mut s, Msg::ConsoleLine("GET foo".into()));
        update(&mut s, Msg::Tour(TourMsg::Next));
        let v = shown(&mut s);
        assert_eq!(v.counter, "2 / 2");
        assert!(v.last && !v.first);
        assert_eq!(
            v.slots,
            vec!["Slot 12182: 127.0.0.1:7002, 0 keys".to_string()]
        );
        let c = v.challenge.unwrap();
        assert_eq!(c.status, GoalStatus::Open);
        assert!(c.hints.is_empty() && c.more_hints && c.solution.is_none());

        update(&mut s, Msg::Tour(TourMsg::Hint));
        update(&mut s, Msg::Tour(TourMsg::ShowSolution));
        let c = shown(&mut s).challenge.unwrap();
        assert_eq!(c.hints.len(), 1);
        assert!(!c.more_hints);
        assert_eq!(
            c.solution.unwrap(),
            ["client smart", "console GET foo", "console GET foo"]
        );
        update(&mut s, Msg::Tour(TourMsg::Solve));
        let c = shown(&mut s).challenge.unwrap();
        assert_eq!(c.status, GoalStatus::MetBySolution);

        // Back, then forward again: the first step is remembered as solved.
        update(&mut s, Msg::Tour(TourMsg::Back));
        let v = shown(&mut s);
        assert_eq!(v.counter, "1 / 2");
        assert_eq!(v.challenge.unwrap().status, GoalStatus::SolvedBefore);
        assert_eq!(v.completed, [true, true]);
        update(&mut s, Msg::ConsoleLine("GET foo".into()));
        let v = shown(&mut s);
        assert_eq!(v.challenge.unwrap().status, GoalStatus::Met);
    }
}
