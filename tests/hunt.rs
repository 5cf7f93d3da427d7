//! `ktm hunt`: our own fixtures (attacks the public samples lack, routine control-plane
//! traffic that must stay silent, every envelope, malformed lines), the filters, the JSON
//! shape, and recall on the labelled public samples under `../shared/corpora/audit`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::ktm;
use ktm::hunt::{Detections, Filter, HuntReport, hunt};
use ktm::matrix::{Matrix, MatrixSource, load_matrix};
use serde_json::Value;

fn matrix() -> Matrix {
    load_matrix(&MatrixSource::Embedded, &[])
        .expect("matrix")
        .matrix
}

fn run(matrix: &Matrix, paths: &[&str], filter: &Filter) -> HuntReport {
    let (detections, diags) = Detections::new(matrix, &[]);
    assert!(diags.is_empty(), "{diags:?}");
    let paths: Vec<String> = paths.iter().map(|p| (*p).to_owned()).collect();
    hunt(matrix, &detections, &paths, filter).expect("hunt")
}

fn techniques(report: &HuntReport) -> BTreeSet<String> {
    report
        .hits
        .iter()
        .flat_map(|h| h.techniques.clone())
        .collect()
}

#[test]
fn routine_control_plane_traffic_gives_no_hit() {
    let m = matrix();
    let report = run(
        &m,
        &["tests/fixtures/audit/routine.jsonl"],
        &Filter::default(),
    );
    assert_eq!(report.summary.events, 14);
    assert!(report.hits.is_empty(), "{:#?}", report.hits);
    assert_eq!(report.summary.errors, 0, "{:?}", report.errors);
}

#[test]
fn attacks_are_found_once_per_request_with_their_techniques() {
    let m = matrix();
    let report = run(
        &m,
        &["tests/fixtures/audit/attacks.jsonl"],
        &Filter::default(),
    );
    let found = techniques(&report);
    for t in [
        "MS-TA9005", // pods/proxy
        "MS-TA9006", // exec, create and the WebSocket get
        "MS-TA9007", // a shell
        "MS-TA9008",
        "MS-TA9011",
        "MS-TA9013",
        "MS-TA9014",
        "MS-TA9015",
        "MS-TA9016",
        "MS-TA9018",
        "MS-TA9019",
        "MS-TA9022", // delete and deletecollection on events
        "MS-TA9023",
        "MS-TA9024",
        "MS-TA9025",
        "MS-TA9029",
        "MS-TA9030",
        "MS-TA9034", // port-forward
    ] {
        assert!(found.contains(t), "{t} not found; found {found:?}");
    }
    // The exec request was logged twice (RequestReceived, ResponseStarted): one hit.
    let exec_hits = report
        .hits
        .iter()
        .filter(|h| h.audit_id.ends_with("000000000101") && h.techniques == ["MS-TA9006"])
        .count();
    assert_eq!(exec_hits, 1);
    let deleted: BTreeSet<&str> = report
        .hits
        .iter()
        .filter(|h| h.techniques == ["MS-TA9022"])
        .map(|h| h.verb.as_str())
        .collect();
    assert_eq!(deleted, BTreeSet::from(["delete", "deletecollection"]));
    // The impersonated request counts for the identity it was made as.
    assert!(
        report
            .hits
            .iter()
            .any(|h| h.user
                == "system:serviceaccount:kube-system:clusterrole-aggregation-controller")
    );
    // Per identity: mallory touched the most techniques, listed in matrix order.
    let mallory = &report.identities[0];
    assert_eq!(mallory.user, "mallory@example.com");
    let mut sorted = mallory.techniques.clone();
    sorted.sort();
    assert_eq!(mallory.techniques, sorted);
    assert!(mallory.first_seen < mallory.last_seen);
}

#[test]
fn every_envelope_yields_the_same_exec() {
    let m = matrix();
    for file in [
        "aks-diagnostic.jsonl",
        "aks-batch.json",
        "eventlist.json",
        "eks-cloudwatch.jsonl",
        "gke.jsonl",
        "exec.jsonl.gz",
    ] {
        let path = format!("tests/fixtures/audit/{file}");
        let report = run(&m, &[&path], &Filter::default());
        assert_eq!(report.summary.events, 1, "{file}");
        assert_eq!(
            report.summary.skipped_lines, 0,
            "{file}: {:?}",
            report.skipped
        );
        let hit = report
            .hits
            .iter()
            .find(|h| h.detection == "exec-attach-into-pod")
            .unwrap_or_else(|| panic!("{file}: no exec hit in {:#?}", report.hits));
        assert_eq!(hit.user, "eve@example.com", "{file}");
        assert_eq!(
            (hit.namespace.as_str(), hit.name.as_str()),
            ("default", "api-0"),
            "{file}"
        );
    }
}

#[test]
fn malformed_lines_are_reported_and_skipped() {
    let config = tempfile::tempdir().expect("tempdir");
    let out = ktm(config.path())
        .args([
            "hunt",
            "--audit-log",
            "tests/fixtures/audit/malformed.jsonl",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "hits were found: {stderr}");
    assert!(
        stderr.contains("malformed.jsonl:2: skipped: not JSON"),
        "{stderr}"
    );
    assert!(
        stderr.contains("malformed.jsonl:3: skipped: not an audit event"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["summary"]["skipped_lines"], 2);
    assert_eq!(report["summary"]["events"], 1);
    let hit = &report["hits"][0];
    for key in [
        "auditID",
        "time",
        "techniques",
        "detection",
        "user",
        "sourceIPs",
        "userAgent",
        "verb",
        "resource",
        "subresource",
        "namespace",
        "name",
    ] {
        assert!(hit.get(key).is_some(), "hit lacks {key}: {hit}");
    }
}

#[test]
fn stdin_and_filters() {
    let config = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string("tests/fixtures/audit/attacks.jsonl").expect("read");
    let json = |args: &[&str]| -> Value {
        let out = ktm(config.path())
            .args(["hunt", "--audit-log", "-", "--format", "json"])
            .args(args)
            .write_stdin(text.clone())
            .output()
            .expect("run");
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let all = json(&[]);
    let total = all["hits"].as_array().map_or(0, Vec::len);
    assert!(total > 10);
    let anon = json(&["--user", "system:anon*"]);
    assert!(
        anon["hits"]
            .as_array()
            .is_some_and(|h| !h.is_empty() && h.iter().all(|x| x["user"] == "system:anonymous"))
    );
    let late = json(&[
        "--since",
        "2024-05-01T10:50:00Z",
        "--until",
        "2024-05-01T10:52:30Z",
    ]);
    let late_hits = late["hits"].as_array().expect("hits");
    assert!(!late_hits.is_empty() && late_hits.len() < total);
    assert!(late_hits.iter().all(|h| {
        h["time"]
            .as_str()
            .is_some_and(|t| ("2024-05-01T10:50".."2024-05-01T10:53").contains(&t))
    }));
    let only = json(&["--technique", "9022"]);
    assert!(
        only["hits"]
            .as_array()
            .is_some_and(|h| h.len() == 2 && h.iter().all(|x| x["techniques"][0] == "MS-TA9022"))
    );
    let out = ktm(config.path())
        .args(["hunt", "--audit-log", "-", "--since", "yesterday"])
        .write_stdin(text)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the time `yesterday`"));
}

/// The labelled public samples: each event the curator labels malicious, for a technique
/// that has an executable detection, should be found with that technique at its line.
#[test]
fn public_samples_recall() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/audit");
    let index_text = std::fs::read_to_string(root.join("INDEX.yaml"))
        .unwrap_or_else(|e| panic!("{} is needed ({e}); CI provides ../shared", root.display()));
    let index = ktm::matrix::load::yaml_value("INDEX.yaml", &index_text).expect("index");
    let m = matrix();
    let executable: BTreeSet<String> = m
        .techniques
        .iter()
        .filter(|t| t.detections.iter().any(|d| d.expr.is_some()))
        .map(|t| t.id.to_string())
        .collect();
    assert!(
        executable.len() >= 20,
        "{} techniques have audit detections",
        executable.len()
    );
    let (detections, _) = Detections::new(&m, &[]);
    let mut per_technique: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut missed = Vec::new();
    for entry in index["entries"].as_array().expect("entries") {
        let path = root.join(entry["path"].as_str().expect("path"));
        let labels: Vec<&Value> = entry["event_labels"]
            .as_array()
            .map(|l| l.iter().filter(|x| x["label"] == "malicious").collect())
            .unwrap_or_default();
        let report = hunt(
            &m,
            &detections,
            &[path.display().to_string()],
            &Filter::default(),
        )
        .expect("every sample file reads");
        for label in labels {
            let Some(t) = label["technique_id"]
                .as_str()
                .filter(|t| executable.contains(*t))
            else {
                continue;
            };
            let line = label["line"].as_u64().unwrap_or(1) as usize;
            let related: Vec<&str> = label["related_technique_ids"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let found = report.hits.iter().any(|h| {
                h.line == line
                    && h.techniques
                        .iter()
                        .any(|x| x == t || related.contains(&x.as_str()))
            });
            let slot = per_technique.entry(t.to_owned()).or_default();
            slot.1 += 1;
            if found {
                slot.0 += 1;
            } else {
                missed.push(format!(
                    "{}:{line} {t} ({})",
                    entry["path"].as_str().unwrap_or(""),
                    label["summary"].as_str().unwrap_or("")
                ));
            }
        }
    }
    let (hit, total) = per_technique
        .values()
        .fold((0, 0), |(a, b), (x, y)| (a + x, b + y));
    println!("recall on labelled malicious events: {hit}/{total}");
    for (t, (h, n)) in &per_technique {
        println!("  {t}: {h}/{n}");
    }
    for m in &missed {
        println!("  missed {m}");
    }
    assert!(
        total >= 50,
        "only {total} labelled events have executable detections"
    );
    assert!(hit * 100 >= total * 85, "recall {hit}/{total} below 85%");
}

/// A gate that rules a detection out must agree with the detection's expression, on every
/// event we have: the public samples, our fixtures, every inline test event and events
/// shaped to trip the head (null and non-string fields, float codes, impersonation).
#[test]
fn gates_never_rule_out_a_match() {
    let m = matrix();
    let (detections, _) = Detections::new(&m, &[]);
    let mut events: Vec<Value> = Vec::new();
    let mut paths = Vec::new();
    for root in ["tests/fixtures/audit", "../shared/corpora/audit"] {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(root);
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if !path.to_string_lossy().ends_with(".md")
                    && !path.to_string_lossy().ends_with(".yaml")
                {
                    paths.push(path);
                }
            }
        }
    }
    for path in &paths {
        let Ok(reader) = std::fs::File::open(path).map(std::io::BufReader::new) else {
            continue;
        };
        let _ = ktm::hunt::read::events_from(
            reader,
            &path.display().to_string(),
            ktm::hunt::read::Sink {
                quick: &mut |_, _| false,
                each: &mut |event, _| events.push(event),
                skipped: &mut |_| {},
            },
        );
    }
    for t in &m.techniques {
        for d in &t.detections {
            if let Some(tests) = &d.tests {
                events.extend(tests.matches.iter().chain(&tests.no_match).cloned());
            }
        }
    }
    events.extend([
        serde_json::json!({"verb": 7, "objectRef": {"resource": "secrets"}, "user": {"username": "x"}}),
        serde_json::json!({"verb": "list", "objectRef": {"resource": "secrets"}, "impersonatedUser": null, "user": {"username": "system:kube-controller-manager"}, "responseStatus": {"code": 200}}),
        serde_json::json!({"verb": "get", "objectRef": {"resource": "secrets"}, "user": {"username": "mallory"}, "responseStatus": {"code": 403.0}}),
        serde_json::json!({"verb": "create", "objectRef": {"resource": "pods", "subresource": null, "namespace": 3}, "user": "alice", "responseStatus": "OK"}),
    ]);
    assert!(events.len() > 1000, "{} events", events.len());
    let (mut ruled_out, mut checked) = (0, 0);
    for raw in events {
        let prepared = ktm::hunt::event::prepare(raw);
        let facts = prepared.facts();
        for (i, c) in detections.compiled.iter().enumerate() {
            checked += 1;
            if c.gate.eval(&facts) == Some(false) {
                ruled_out += 1;
                assert_eq!(
                    detections.run_ungated(i, &prepared),
                    Ok(false),
                    "{} on {}",
                    c.id,
                    prepared.event
                );
            }
        }
    }
    println!("gates ruled out {ruled_out} of {checked} (detection, event) pairs");
    assert!(ruled_out * 2 > checked, "gates rule out most pairs");
}
