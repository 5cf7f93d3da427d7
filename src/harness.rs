//! Entry points that take arbitrary bytes, one per untrusted input ktm reads: the fuzz
//! targets under `fuzz/` call them, and `tests/fuzz_regressions.rs` replays every input
//! the fuzzers ever found troublesome (`tests/fixtures/fuzz/<target>/`). Each must return
//! without panicking, hanging or blowing up, whatever the bytes.

use crate::matrix::load::{FileKind, SourceFile};

/// Matrix YAML from a pull request: a technique, mitigation, check, scenario or playbook
/// file (picked by the first byte), parsed, merged and validated.
pub fn matrix_yaml(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let (kind, name) = match selector % 5 {
        0 => (FileKind::Technique, "techniques/MS-TA9001.yaml"),
        1 => (FileKind::Mitigation, "mitigations/MS-M9001.yaml"),
        2 => (FileKind::Check, "checks/fuzz.yaml"),
        3 => (FileKind::Scenario, "scenarios/fuzz.yaml"),
        _ => (FileKind::Playbook, "playbooks/fuzz.md"),
    };
    let files = [SourceFile {
        display: format!("<fuzz>/{name}"),
        kind,
        bytes: bytes.to_vec(),
    }];
    let loaded = crate::matrix::load_files(&files);
    let _ = crate::checks::validate_checks(&loaded.matrix);
    let _ = crate::hunt::validate_detections(&loaded.matrix);
}

/// Manifests and snapshots from an unknown repository: documents split and parsed, then
/// the views built and every shipped check run over them.
pub fn manifests(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (docs, _) = crate::matrix::load::manifest_documents("<fuzz>", text);
    let snapshot = crate::checks::Snapshot::from_values(docs.into_iter().map(|d| d.value));
    let index = crate::checks::relations::Index::new(&snapshot);
    let views = crate::checks::views::Views::build(&snapshot, &index);
    let _ = views.get("workload").len();
    let engine = shipped_engine();
    let _ = engine.run(
        &snapshot,
        crate::checks::report::SourceInfo {
            kind: "manifests".into(),
            paths: Vec::new(),
        },
    );
}

/// Audit logs an attacker may have shaped: every envelope, every detection. Every line
/// whose head is read on the quick path must give the same facts as the full parse.
pub fn audit_lines(data: &[u8]) {
    let detections = shipped_detections();
    let filter = crate::hunt::Filter::default();
    let mut hunt = crate::hunt::Hunt::new(detections, &filter);
    let _ = hunt.read("<fuzz>", data);
    for line in data.split(|b| *b == b'\n') {
        let line = line.trim_ascii();
        if let Some(head) = crate::hunt::head::Head::parse(line) {
            let full: serde_json::Value =
                serde_json::from_slice(line).expect("a line with a head is JSON");
            let prepared = crate::hunt::event::prepare(full);
            assert_eq!(head.facts(), prepared.facts());
            assert_eq!(head.actor(), prepared.actor());
            assert_eq!(head.time(), prepared.time());
            // A gate that says no must be right.
            let facts = prepared.facts();
            for (i, c) in detections.compiled.iter().enumerate() {
                if c.gate.eval(&facts) == Some(false) {
                    assert_eq!(detections.run_ungated(i, &prepared), Ok(false), "{}", c.id);
                }
            }
        }
    }
}

/// A check expression from a pull request, compiled and run against an arbitrary object:
/// the first line is the expression, the rest the object's JSON.
pub fn cel_checks(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (expr, object) = text.split_once('\n').unwrap_or((text, "{}"));
    let Ok(value) = serde_json::from_str::<serde_json::Value>(object) else {
        return;
    };
    let _ = crate::checks::engine::evaluate_once(expr, &value);
}

/// Markdown from YAML or a playbook, rendered for the terminal.
pub fn markdown(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let width = usize::from(data.first().copied().unwrap_or(80)).max(1);
    let _ = crate::text::render_markdown(&text, width);
    let _ = crate::text::sanitize(&text);
}

/// A search query as typed.
pub fn search_query(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = crate::search::query::parse(&text);
    if let Some(index) = shipped_index() {
        let _ = index.search(&text, &crate::search::SearchOptions::default());
    }
}

fn shipped_matrix() -> &'static crate::matrix::Matrix {
    static MATRIX: std::sync::OnceLock<crate::matrix::Matrix> = std::sync::OnceLock::new();
    MATRIX.get_or_init(|| {
        crate::matrix::load_matrix(&crate::matrix::MatrixSource::Embedded, &[])
            .map(|l| l.matrix)
            .unwrap_or_default()
    })
}

fn shipped_engine() -> &'static crate::checks::Engine<'static> {
    static ENGINE: std::sync::OnceLock<crate::checks::Engine<'static>> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| {
        crate::checks::Engine::new(
            shipped_matrix(),
            &crate::checks::engine::Selection::default(),
        )
        .0
    })
}

fn shipped_detections() -> &'static crate::hunt::Detections<'static> {
    static DETECTIONS: std::sync::OnceLock<crate::hunt::Detections<'static>> =
        std::sync::OnceLock::new();
    DETECTIONS.get_or_init(|| crate::hunt::Detections::new(shipped_matrix(), &[]).0)
}

fn shipped_index() -> Option<&'static crate::search::SearchIndex> {
    static INDEX: std::sync::OnceLock<Option<crate::search::SearchIndex>> =
        std::sync::OnceLock::new();
    INDEX
        .get_or_init(|| crate::search::SearchIndex::from_matrix(shipped_matrix()).ok())
        .as_ref()
}
