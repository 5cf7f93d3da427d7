//! Checks over manifests: views, evaluation, unknown on errors, inline tests in validate,
//! exceptions, and the table, JSON and SARIF outputs of `ktm check`.

mod common;

use std::path::PathBuf;

use common::ktm;
use ktm::checks::engine::Selection;
use ktm::checks::report::SourceInfo;
use ktm::checks::{CheckStatus, Engine, Snapshot};
use ktm::matrix::{MatrixSource, load_matrix};

fn fixture_matrix() -> ktm::matrix::Matrix {
    let loaded = load_matrix(
        &MatrixSource::Folder("tests/fixtures/checks-matrix".into()),
        &[],
    )
    .expect("load");
    assert!(!loaded.has_errors(), "{:#?}", loaded.diagnostics);
    loaded.matrix
}

fn source() -> SourceInfo {
    SourceInfo {
        kind: "manifests".into(),
        paths: vec![],
    }
}

#[test]
fn manifests_keep_file_and_line_and_skip_non_objects() {
    let snapshot =
        Snapshot::from_manifests(&[PathBuf::from("tests/fixtures/manifests")]).expect("read");
    let kinds: Vec<(&str, &str, Option<u32>)> = snapshot
        .objects
        .iter()
        .map(|o| (o.kind(), o.name(), o.line))
        .collect();
    assert_eq!(
        kinds,
        [
            ("Deployment", "web", Some(2)),
            ("ClusterRole", "debugger", Some(18)),
            ("ClusterRole", "ops", Some(28)),
            ("ClusterRoleBinding", "ops-team", Some(36)),
            ("Pod", "web-abc", Some(1)),
            ("Pod", "42", Some(1)),
            ("Pod", "standalone", Some(1)),
        ]
    );
    assert!(
        snapshot
            .warnings
            .iter()
            .any(|w| w.contains("app.yaml:44: skipped a document that is not a Kubernetes object")),
        "{:?}",
        snapshot.warnings
    );
}

#[test]
fn aggregated_roles_resolve_and_errors_make_a_check_unknown() {
    let matrix = fixture_matrix();
    let (engine, diags) = Engine::new(&matrix, &Selection::default());
    assert!(diags.is_empty(), "{diags:#?}");
    let snapshot =
        Snapshot::from_manifests(&[PathBuf::from("tests/fixtures/manifests")]).expect("read");
    let report = engine.run(&snapshot, source());
    let exec = report
        .checks
        .iter()
        .find(|c| c.id == "exec-rbac")
        .expect("exec-rbac");
    assert_eq!(exec.status, CheckStatus::Fail);
    let finding = report
        .findings
        .iter()
        .find(|f| f.check() == "exec-rbac")
        .expect("finding");
    assert_eq!(finding.object.name, "ops-team");
    assert_eq!(*finding.evidence, ["rules[0].resources=[\"pods/exec\"]"]);
    // `int("web")` fails: the check has a finding (42) and reports the failure as its reason.
    let numeric = report
        .checks
        .iter()
        .find(|c| c.id == "numeric-name")
        .expect("numeric-name");
    assert_eq!(numeric.status, CheckStatus::Fail);
    assert!(
        numeric
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("evaluation failed")),
        "{numeric:?}"
    );
    // Without the numeric pod, nothing matches but errors remain: unknown, never pass.
    let only_errors = Snapshot::from_values([serde_json::json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
        "spec": {"containers": [{"name": "c", "image": "x"}]}
    })]);
    let report = engine.run(&only_errors, source());
    let numeric = report
        .checks
        .iter()
        .find(|c| c.id == "numeric-name")
        .expect("numeric-name");
    assert_eq!(numeric.status, CheckStatus::Unknown);
}

#[test]
fn pods_owned_by_a_present_controller_are_not_counted_twice() {
    let loaded = load_matrix(&MatrixSource::Embedded, &[]).expect("load");
    let selection = Selection {
        checks: vec!["privileged-container".into()],
        ..Selection::default()
    };
    let (engine, _) = Engine::new(&loaded.matrix, &selection);
    let snapshot =
        Snapshot::from_manifests(&[PathBuf::from("tests/fixtures/manifests")]).expect("read");
    let report = engine.run(&snapshot, source());
    let names: Vec<&str> = report
        .findings
        .iter()
        .map(|f| f.object.name.as_str())
        .collect();
    assert_eq!(names, ["web", "standalone"]);
    assert_eq!(
        *report.findings[0].evidence,
        ["containers[1].securityContext.privileged=true"]
    );
    assert_eq!(
        report.findings[0].verify(),
        "kubectl get Deployment -n shop web -o jsonpath='{..securityContext}'"
    );
}

#[test]
fn validate_runs_inline_tests_and_reports_broken_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::copy_dir(
        std::path::Path::new("tests/fixtures/checks-matrix"),
        dir.path(),
    );
    let path = dir.path().join("checks/numeric-name.yaml");
    let text = std::fs::read_to_string(&path)
        .expect("read")
        .replace("name: \"7\"", "name: \"70\"");
    std::fs::write(&path, text).expect("write");
    let bad = dir.path().join("checks/exec-rbac.yaml");
    let text = std::fs::read_to_string(&bad)
        .expect("read")
        .replace("binding.rules.exists(r,", "binding.rules.exists(r,,");
    std::fs::write(&bad, text).expect("write");
    let config = tempfile::tempdir().expect("tempdir");
    let out = ktm(config.path())
        .arg("validate")
        .arg(dir.path())
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("E026 ")
            && stdout.contains("check numeric-name: tests.pass[0] was flagged"),
        "{stdout}"
    );
    assert!(
        stdout.contains("E025 ")
            && stdout.contains("check exec-rbac: CEL expression does not compile"),
        "{stdout}"
    );
}

#[test]
fn check_command_formats_and_exit_codes() {
    let config = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str]| {
        ktm(config.path())
            .args(["check", "--manifests", "tests/fixtures/manifests"])
            .args(args)
            .output()
            .expect("run")
    };
    let table = run(&["--check", "privileged-container"]);
    assert_eq!(
        table.status.code(),
        Some(1),
        "a high finding fails by default"
    );
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("MS-TA9018 Privileged container (2 finding(s))"),
        "{text}"
    );
    assert!(
        text.contains("[tests/fixtures/manifests/app.yaml:2]"),
        "{text}"
    );
    assert_eq!(
        run(&["--check", "privileged-container", "--fail-on", "never"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(&["--check", "privileged-container", "--fail-on", "critical"])
            .status
            .code(),
        Some(0)
    );

    let json: serde_json::Value = serde_json::from_slice(
        &run(&["--format", "json", "--check", "privileged-container"]).stdout,
    )
    .expect("json");
    assert_eq!(json["source"]["type"], "manifests");
    assert_eq!(json["summary"]["findings"], 2);
    assert_eq!(json["checks"][0]["status"], "fail");
    let f = &json["findings"][0];
    for key in [
        "check",
        "severity",
        "techniques",
        "object",
        "file",
        "line",
        "message",
        "evidence",
        "verify",
        "excepted",
        "exception_reason",
    ] {
        assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
    }
    assert_eq!(f["object"]["apiVersion"], "apps/v1");

    let sarif: serde_json::Value = serde_json::from_slice(
        &run(&["--format", "sarif", "--check", "privileged-container"]).stdout,
    )
    .expect("sarif");
    assert_eq!(sarif["version"], "2.1.0");
    let run0 = &sarif["runs"][0];
    assert_eq!(
        run0["tool"]["driver"]["rules"][0]["id"],
        "privileged-container"
    );
    assert!(
        run0["tool"]["driver"]["rules"][0]["help"]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    assert_eq!(
        run0["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
}

#[test]
fn exceptions_mark_findings_and_expired_ones_are_reported() {
    let config = tempfile::tempdir().expect("tempdir");
    let out = ktm(config.path())
        .args([
            "check",
            "--manifests",
            "tests/fixtures/manifests",
            "--check",
            "privileged-container",
            "--format",
            "json",
        ])
        .args(["--exceptions", "tests/fixtures/exceptions.yaml"])
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let web = &json["findings"][0];
    assert_eq!(web["object"]["name"], "web");
    assert_eq!(web["excepted"], true);
    assert_eq!(
        web["exception_reason"],
        "sidecar needs raw devices until the vendor fix ships"
    );
    assert_eq!(
        json["findings"][1]["excepted"], false,
        "the expired exception does not apply"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("expired on 2020-01-01"), "{stderr}");
    assert_eq!(
        out.status.code(),
        Some(1),
        "standalone is still a high finding"
    );
}

#[test]
fn annotation_excepts_a_finding() {
    let snapshot = Snapshot::from_values([serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "agent", "annotations": {"ktm.dev/ignore": "privileged-container: node agent"}},
        "spec": {"containers": [{"name": "c", "image": "x", "securityContext": {"privileged": true}}]}
    })]);
    let loaded = load_matrix(&MatrixSource::Embedded, &[]).expect("load");
    let selection = Selection {
        checks: vec!["privileged-container".into()],
        ..Selection::default()
    };
    let (engine, _) = Engine::new(&loaded.matrix, &selection);
    let mut report = engine.run(&snapshot, source());
    let warnings = ktm::checks::exceptions::apply(
        &mut report,
        &ktm::checks::exceptions::annotated(&snapshot),
        &[],
        "2026-01-01",
    );
    assert!(warnings.is_empty());
    assert!(report.findings[0].excepted);
    assert_eq!(
        report.findings[0].exception_reason.as_deref(),
        Some("annotation ktm.dev/ignore: node agent")
    );
    assert!(!report.fails_at(ktm::matrix::check::Severity::Low));
}
