//! Content bars for the shipped matrix, so its quality cannot quietly regress: word counts,
//! detections with known sources, mitigation notes, references, no drafts.

use ktm::matrix::model::DETECTION_SOURCES;
use ktm::matrix::{Matrix, MatrixSource, load_matrix};

fn matrix() -> Matrix {
    let loaded = load_matrix(&MatrixSource::Embedded, &[]).expect("embedded matrix");
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    loaded.matrix
}

fn words(s: &str) -> usize {
    s.split_whitespace().count()
}

fn one_line(s: &str, max: usize) -> bool {
    let s = s.trim();
    !s.is_empty() && !s.contains('\n') && s.chars().count() <= max
}

#[test]
fn every_technique_meets_the_content_bars() {
    let m = matrix();
    let mut problems = Vec::new();
    for t in &m.techniques {
        let id = t.id.as_str();
        if t.draft {
            problems.push(format!("{id}: still a draft"));
        }
        if !one_line(&t.summary, 100) {
            problems.push(format!(
                "{id}: summary must be one line of at most 100 characters"
            ));
        }
        let n = words(&t.description);
        if !(150..=400).contains(&n) {
            problems.push(format!("{id}: description has {n} words, want 150-400"));
        }
        if !t.description.contains("In a real incident") {
            problems.push(format!(
                "{id}: description lacks the 'In a real incident' paragraph"
            ));
        }
        if t.detections.len() < 2 {
            problems.push(format!(
                "{id}: {} detection(s), want at least 2",
                t.detections.len()
            ));
        }
        for d in &t.detections {
            if !DETECTION_SOURCES.contains(&d.source.as_str()) || words(&d.signal) < 4 {
                problems.push(format!(
                    "{id}: detection `{}` needs a known source and a concrete signal",
                    d.source
                ));
            }
        }
        for link in &t.mitigations {
            if words(&link.how) < 5 {
                problems.push(format!(
                    "{id}: mitigation {} lacks a line on how it applies",
                    link.id
                ));
            }
        }
        if t.references.is_empty() || !t.references.iter().all(|r| r.starts_with("https://")) {
            problems.push(format!("{id}: needs at least one https reference"));
        }
        if t.aliases.len() < 3 {
            problems.push(format!("{id}: needs at least 3 aliases for search"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(m.techniques.len(), 40);
}

#[test]
fn every_mitigation_meets_the_content_bars() {
    let m = matrix();
    let mut problems = Vec::new();
    for x in &m.mitigations {
        let id = x.id.as_str();
        if x.draft {
            problems.push(format!("{id}: still a draft"));
        }
        if !one_line(&x.summary, 100) {
            problems.push(format!(
                "{id}: summary must be one line of at most 100 characters"
            ));
        }
        let n = words(&x.description);
        if !(80..=250).contains(&n) {
            problems.push(format!("{id}: description has {n} words, want 80-250"));
        }
        if x.references.is_empty() {
            problems.push(format!("{id}: needs at least one reference"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(m.mitigations.len(), 35);
}

#[test]
fn every_tactic_has_a_two_sentence_summary() {
    let m = matrix();
    for t in &m.tactics {
        assert!(!t.draft, "{} is a draft", t.id);
        let sentences = t
            .summary
            .split_terminator(['.', '!', '?'])
            .filter(|s| words(s) >= 3)
            .count();
        assert_eq!(sentences, 2, "{}: {:?}", t.id, t.summary);
    }
}

#[test]
fn no_placeholder_text_is_left() {
    let m = matrix();
    for e in m.entities() {
        let page = ktm::matrix::page::entity_markdown(&m, e);
        assert!(
            !page.contains("Placeholder"),
            "{} still has placeholder text",
            e.id()
        );
    }
}

#[test]
fn every_technique_has_checks_or_says_why_not() {
    let m = matrix();
    let mut covered = 0;
    for t in &m.techniques {
        let note = t.checks_note.as_deref().map(str::trim).unwrap_or_default();
        if t.checks.is_empty() {
            assert!(
                words(note) >= 5,
                "{} has no check and no checks_note saying why",
                t.id
            );
        } else {
            covered += 1;
        }
    }
    assert!(
        covered >= 28,
        "checks cover {covered} techniques, want at least 28"
    );
}
