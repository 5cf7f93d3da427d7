//! The walkthrough state machine: done, undo, reveal, notes, time, resume, store, export.

use super::store::Store;
use super::*;
use crate::matrix::playbook::{FrontMatter, parse_steps};
use crate::matrix::{Located, Origin};

fn playbook(steps: &[&str]) -> Playbook {
    let body = steps.iter().fold(String::new(), |mut b, s| {
        b.push_str("## ");
        b.push_str(s);
        b.push_str("\ntext\n\n");
        b
    });
    let (intro, steps) = parse_steps(&body, 1);
    Playbook {
        meta: FrontMatter {
            id: Located::new("drill".to_owned(), Pos::default()),
            title: "Drill".to_owned(),
            techniques: Vec::new(),
            severity: crate::matrix::check::Severity::High,
            roles: Vec::new(),
            minutes: None,
            prerequisites: Vec::new(),
        },
        intro,
        steps,
        origin: Origin::default(),
    }
}

use crate::matrix::Pos;

#[test]
fn done_moves_on_and_undo_comes_back() {
    let p = playbook(&["Triage", "Scope", "Contain"]);
    let mut s = Session::new(&p, "drill-1", 1000);
    s.toggle_done(1060);
    assert_eq!(s.current, 1);
    assert_eq!(s.done_count(), 1);
    assert_eq!(s.seconds(0, 1060), 60);
    s.toggle_done(1100);
    assert_eq!(s.current, 2);
    assert!(s.undo(1200));
    assert_eq!(s.current, 1);
    assert_eq!(s.done_count(), 1);
    assert!(s.undo(1200));
    assert_eq!(s.done_count(), 0);
    assert!(!s.undo(1200));
    // The last step stays current when marked done; toggling again clears it.
    s.go_to(2, 1300);
    s.toggle_done(1310);
    assert_eq!(s.current, 2);
    s.toggle_done(1320);
    assert_eq!(s.done_count(), 0);
}

#[test]
fn time_counts_per_step_and_reveal_and_notes_stick() {
    let p = playbook(&["Triage", "Scope"]);
    let mut s = Session::new(&p, "x", 0);
    s.next(30);
    s.previous(45);
    assert_eq!(s.seconds(0, 50), 35);
    assert_eq!(s.seconds(1, 50), 15);
    assert_eq!(s.total_seconds(50), 50);
    s.toggle_reveal(50);
    assert!(s.steps[0].revealed);
    s.add_note("  two pods found ", 55);
    s.add_note("   ", 56);
    assert_eq!(s.steps[0].notes.len(), 1);
    assert_eq!(s.steps[0].notes[0].text, "two pods found");
    assert_eq!(clock(3725), "01:02:05");
}

#[test]
fn sessions_resume_from_the_store_and_export() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::new(dir.path());
    let p = playbook(&["Triage", "Scope", "Contain"]);
    assert_eq!(store.load("drill-1", "drill").expect("load"), None);
    let mut s = Session::new(&p, "drill-1", 1_700_000_000);
    s.toggle_done(1_700_000_090);
    s.add_note("cordoned aks-2", 1_700_000_100);
    s.bank(1_700_000_120);
    store.save(&s).expect("save");
    // "Restart": a new process reads the file back and resumes where it stopped.
    let back = store
        .load("drill-1", "drill")
        .expect("load")
        .expect("saved")
        .resume(&p, 1_800_000_000);
    assert_eq!(back.current, 1);
    assert_eq!(back.done_count(), 1);
    assert_eq!(back.steps[1].notes[0].text, "cordoned aks-2");
    assert_eq!(back.seconds(1, 1_800_000_010), 30 + 10);
    // A playbook that grew a step since: the session grows with it.
    let longer = playbook(&["Triage", "Scope", "Contain", "Lessons"]);
    let grown = back.clone().resume(&longer, 1_800_000_000);
    assert_eq!(grown.len(), 4);
    let log = export::markdown("drill-1", &[back], |_| Some(&p));
    assert!(log.contains("# Session drill-1"), "{log}");
    assert!(log.contains("steps done: 1 of 3"), "{log}");
    assert!(
        log.contains("| 1 | Triage | 2023-11-14 22:14:50 UTC | 00:01:30 |"),
        "{log}"
    );
    assert!(log.contains("cordoned aks-2"), "{log}");
    assert_eq!(store.sessions("drill-1").expect("list").len(), 1);
}

#[test]
fn bad_names_and_damaged_files_are_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::new(dir.path());
    for bad in ["", "../etc", "a/b", ".hidden", "x\u{1b}[2J"] {
        assert!(store.path(bad, "drill").is_err(), "{bad:?}");
    }
    let path = store.path("s", "drill").expect("path");
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, b"{not json").expect("write");
    let err = store.load("s", "drill").expect_err("damaged");
    assert!(err.to_string().contains("damaged"), "{err}");
}
