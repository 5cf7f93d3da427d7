//! A streamed snapshot must give the report the whole parsed snapshot gives, whatever
//! the document's shape, and fail the same way on a broken one.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::Stream;
use crate::checks::engine::{Engine, Selection};
use crate::checks::report::SourceInfo;
use crate::checks::snapshot::{Snapshot, SourceError};
use crate::matrix::{MatrixSource, load_matrix};

fn source() -> SourceInfo {
    SourceInfo {
        kind: "snapshot".into(),
        paths: vec![],
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write fixture");
    path
}

/// Both readings of `text`, as report JSON: in memory, streamed from the file, and
/// streamed from text held as a pipe's would be.
fn readings(text: &str) -> (String, String, String) {
    let loaded = load_matrix(&MatrixSource::Embedded, &[]).expect("matrix");
    let (engine, _) = Engine::new(&loaded.matrix, &Selection::default());
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "snap.json", text);
    let whole = Snapshot::from_json_file(&path).expect("whole");
    let whole = engine.run(&whole, source());
    let (streamed, _) = engine
        .run_stream(Stream::open(&path).expect("stream"), source())
        .expect("run");
    let held = Stream::index(&path, Some(text.as_bytes().to_vec())).expect("held");
    let (held, _) = engine.run_stream(held, source()).expect("run held");
    let json = |r| serde_json::to_string(&r).expect("json");
    (json(whole), json(streamed), json(held))
}

fn pod(name: &str, privileged: bool) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "ns"},
        "spec": {"containers": [{"name": "c", "image": "nginx", "securityContext": {"privileged": privileged}}]}})
}

#[test]
fn every_shape_reads_the_same_streamed() {
    let many: Vec<Value> = (0..2600)
        .map(|i| pod(&format!("p{i}"), i % 7 == 0))
        .collect();
    let bare: Vec<Value> = (0..3)
        .map(|i| {
            let mut p = pod(&format!("bare{i}"), true);
            p.as_object_mut().map(|m| m.remove("kind"));
            p
        })
        .collect();
    let docs = [
        // More objects than a chunk holds, so chunks are merged in order.
        json!({"apiVersion": "v1", "kind": "List", "items": many}).to_string(),
        // A typed list whose items omit their kind, with the kind after the items.
        format!(
            r#"{{"apiVersion": "v1", "items": {}, "kind": "PodList"}}"#,
            Value::Array(bare)
        ),
        // A single object, and an object with `items` that is not a list.
        pod("single", true).to_string(),
        json!({"kind": "Widget", "metadata": {"name": "w"}, "items": [1, 2]}).to_string(),
        json!({"kind": "List", "items": {"not": "an array"}}).to_string(),
        // Nested lists, items that are not objects, unreadable kinds, nulls.
        json!({"kind": "List", "ktm": {"unavailable": {"Pod": "403 forbidden"}}, "items": [
            {"kind": "List", "items": [pod("nested", true)]},
            7, null, {"no": "kind"}, pod("after", false),
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "ns", "annotations": null}},
        ]})
        .to_string(),
        "[1, 2]".to_owned(),
        "  \n null".to_owned(),
    ];
    for doc in &docs {
        let (whole, streamed, held) = readings(doc);
        assert_eq!(whole, streamed, "{}", &doc[..doc.len().min(120)]);
        assert_eq!(whole, held, "{}", &doc[..doc.len().min(120)]);
    }
    let (whole, _, _) = readings(&docs[0]);
    assert!(whole.contains(r#""high":372"#), "{}", &whole[..300]);
}

#[test]
fn a_broken_document_fails_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in [
        ("cut.json", r#"{"kind": "List", "items": [{"kind": "Pod""#),
        ("trailing.json", r#"{"kind": "List", "items": []} {"#),
        (
            "bad-item.json",
            r#"{"kind": "List", "items": [{"kind": tru}]}"#,
        ),
        ("bad-single.json", "[1, 2"),
    ] {
        let path = write(dir.path(), name, text);
        match Stream::open(&path) {
            Err(SourceError::Json { path: p, message }) => {
                assert_eq!(p, path);
                assert!(message.contains("line 1"), "{name}: {message}");
            }
            Err(other) => panic!("{name}: {other}"),
            Ok(_) => panic!("{name}: read as valid"),
        }
    }
    let missing = dir.path().join("absent.json");
    assert!(matches!(
        Stream::open(&missing),
        Err(SourceError::Io { .. })
    ));
}

#[test]
fn annotations_and_counts_come_from_the_first_pass() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut annotated = pod("agent", true);
    annotated["metadata"]["annotations"] = json!({"ktm.dev/ignore": "privileged-container: CNI"});
    let doc = json!({"kind": "List", "items": [annotated, pod("plain", true)]});
    let path = write(dir.path(), "a.json", &doc.to_string());
    let stream = Stream::open(&path).expect("open");
    assert_eq!(stream.objects, 2);
    assert_eq!(
        stream
            .annotated
            .get(&("Pod".to_owned(), "ns".to_owned(), "agent".to_owned()))
            .map(String::as_str),
        Some("privileged-container: CNI")
    );
    assert_eq!(stream.annotated.len(), 1);
}
