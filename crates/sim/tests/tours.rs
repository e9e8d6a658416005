//! Every tour in the repository's `tours/` parses, plays, and has each
//! challenge unmet before the learner acts and met by its solution
//! (what `slotscope-cli --check-tour` checks for a teacher's own file).

use std::path::Path;

#[test]
fn every_tour_in_the_repository_is_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tours");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tours/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tour"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .tour files in {}", dir.display());
    let mut ids = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let tour =
            slotscope_sim::tour::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert!(
            !ids.contains(&tour.id),
            "{}: id {} used twice",
            f.display(),
            tour.id
        );
        ids.push(tour.id.clone());
        assert!(
            tour.steps.iter().any(|s| s.challenge.is_some()),
            "{}: a tour has at least one challenge",
            f.display()
        );
        slotscope_sim::tour::check(&tour, 1).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
    }
}
