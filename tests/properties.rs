//! Properties that must hold for any input (proptest): the sanitizer lets no control
//! character through; a matrix loaded then exported as JSON loads back to the same export;
//! check results do not depend on the order of the objects; hunt results do not depend on
//! how the events are split across files or repeated as stages.

use std::collections::BTreeSet;

use ktm::checks::engine::Selection;
use ktm::checks::report::SourceInfo;
use ktm::checks::{Engine, Snapshot};
use ktm::hunt::{Detections, Filter};
use ktm::matrix::{Matrix, MatrixSource, load_matrix};
use proptest::prelude::*;
use serde_json::Value;

fn shipped() -> &'static Matrix {
    static M: std::sync::OnceLock<Matrix> = std::sync::OnceLock::new();
    M.get_or_init(|| {
        load_matrix(&MatrixSource::Embedded, &[])
            .expect("matrix")
            .matrix
    })
}

fn is_control(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_sanitizer_lets_no_control_character_through(s in "\\PC*|[\\x00-\\x1f\\x7f-\\x9f\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}a-z\\[\\];0-9]*") {
        let one_line = ktm::text::sanitize(&s);
        prop_assert!(!one_line.chars().any(|c| is_control(c) || c == '\n'), "{one_line:?}");
        let multi = ktm::text::sanitize::sanitize_with(&s, true);
        prop_assert!(!multi.chars().any(is_control), "{multi:?}");
    }
}

/// Writes every technique and mitigation of `doc` (an export) as files of a matrix folder.
fn write_folder(doc: &Value, dir: &std::path::Path, tactics_yaml: &str) {
    std::fs::create_dir_all(dir.join("techniques")).expect("mkdir");
    std::fs::create_dir_all(dir.join("mitigations")).expect("mkdir");
    std::fs::write(dir.join("tactics.yaml"), tactics_yaml).expect("tactics");
    for (folder, key) in [("techniques", "techniques"), ("mitigations", "mitigations")] {
        for entity in doc[key].as_array().expect("list") {
            let id = entity["id"].as_str().expect("id");
            // JSON is YAML: the loader reads it back as it reads contributors' files.
            let text = serde_json::to_string_pretty(entity).expect("json");
            std::fs::write(dir.join(folder).join(format!("{id}.yaml")), text).expect("write");
        }
    }
}

fn export(m: &Matrix) -> Value {
    let mut v = serde_json::to_value(ktm::export::matrix_json(m)).expect("json");
    // Only the entities written back are compared.
    for key in ["checks", "playbooks", "scenarios"] {
        v[key] = Value::Null;
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    // Any text YAML can carry (its printable set: no C0 or C1 controls, no BOM).
    fn loading_then_exporting_round_trips(
        summary in "[\\x20-\\x7e\\u{a0}-\\u{d7ff}\\u{e000}-\\u{fefe}\\u{ff00}-\\u{fffd}\\u{10000}-\\u{10ffff}]{1,80}",
        alias in "[a-z0-9 :*&#-]{1,30}",
        body in "[\\n\\x20-\\x7e\\u{a0}-\\u{d7ff}\\u{e000}-\\u{fefe}\\u{ff00}-\\u{fffd}\\u{10000}-\\u{10ffff}]{0,300}",
    ) {
        let mut doc = export(shipped());
        doc["techniques"][0]["summary"] = Value::String(summary);
        doc["techniques"][0]["aliases"] = serde_json::json!([alias]);
        doc["techniques"][0]["description"] = Value::String(body);
        for t in doc["techniques"].as_array_mut().expect("t") {
            t["checks"] = serde_json::json!([]);
            t["playbooks"] = serde_json::json!([]);
            t.as_object_mut().expect("obj").remove("checks_note");
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let tactics = serde_json::json!({"tactics": doc["tactics"]}).to_string();
        write_folder(&doc, dir.path(), &tactics);
        let loaded = load_matrix(&MatrixSource::Folder(dir.path().to_path_buf()), &[]).expect("load");
        let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
        prop_assert!(errors.is_empty(), "{errors:?}");
        let again = export(&loaded.matrix);
        prop_assert_eq!(&again["techniques"], &doc["techniques"]);
        prop_assert_eq!(&again["mitigations"], &doc["mitigations"]);
        prop_assert_eq!(&again["tactics"], &doc["tactics"]);
    }
}

fn findings(objects: &[Value]) -> BTreeSet<String> {
    let (engine, _) = Engine::new(shipped(), &Selection::default());
    let snapshot = Snapshot::from_values(objects.iter().cloned());
    let report = engine.run(
        &snapshot,
        SourceInfo {
            kind: "manifests".into(),
            paths: Vec::new(),
        },
    );
    report
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}/{} {:?}",
                f.check(),
                f.object.kind,
                f.object.namespace,
                f.object.name,
                f.evidence
            )
        })
        .collect()
}

fn fixture_objects() -> Vec<Value> {
    let mut paths = vec!["tests/fixtures/manifests".into()];
    let goat = std::path::Path::new("../shared/corpora/kubernetes-goat");
    if goat.is_dir() {
        paths.push(goat.to_path_buf());
    }
    Snapshot::from_manifests(&paths)
        .expect("fixtures")
        .objects
        .into_iter()
        .map(|o| o.value)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn check_results_do_not_depend_on_object_order(seed in any::<u64>()) {
        let objects = fixture_objects();
        let mut shuffled = objects.clone();
        // A deterministic shuffle from the seed (Fisher-Yates with an LCG).
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let j = usize::try_from(state >> 33).unwrap_or(0) % (i + 1);
            shuffled.swap(i, j);
        }
        prop_assert_eq!(findings(&objects), findings(&shuffled));
    }
}

fn hits(paths: &[String]) -> BTreeSet<String> {
    let (detections, _) = Detections::new(shipped(), &[]);
    let report = ktm::hunt::hunt(shipped(), &detections, paths, &Filter::default()).expect("hunt");
    report
        .hits
        .iter()
        .map(|h| format!("{} {} {} {}", h.audit_id, h.detection, h.user, h.time))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn hunt_results_do_not_depend_on_files_or_stages(cuts in proptest::collection::vec(any::<usize>(), 0..4), repeat in any::<u64>()) {
        let text = std::fs::read_to_string("tests/fixtures/audit/attacks.jsonl").expect("read");
        let lines: Vec<&str> = text.lines().collect();
        let whole = hits(&["tests/fixtures/audit/attacks.jsonl".to_owned()]);
        // Split the lines into files at the given cut points, repeating some events as a
        // later stage of the same request.
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (lines.len() + 1)).collect();
        points.push(lines.len());
        points.sort_unstable();
        let dir = tempfile::tempdir().expect("tempdir");
        let mut paths = Vec::new();
        let mut start = 0;
        for (n, end) in points.into_iter().enumerate() {
            let mut chunk = String::new();
            for (i, line) in lines[start..end].iter().enumerate() {
                chunk.push_str(line);
                chunk.push('\n');
                if (repeat >> ((start + i) % 64)) & 1 == 1 {
                    let mut again: Value = serde_json::from_str(line).expect("json");
                    again["stage"] = Value::String("ResponseComplete".into());
                    chunk.push_str(&again.to_string());
                    chunk.push('\n');
                }
            }
            let path = dir.path().join(format!("part-{n}.jsonl"));
            std::fs::write(&path, chunk).expect("write");
            paths.push(path.display().to_string());
            start = end;
        }
        prop_assert_eq!(hits(&paths), whole);
    }
}
