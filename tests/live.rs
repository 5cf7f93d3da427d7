//! `ktm check` and `ktm snapshot` against a live API server: the test server of
//! `common/apiserver.rs` over real HTTPS, through a real kubeconfig file. Same findings
//! as the manifests; honest `unknown` for what may not be listed; one clear error for a
//! server that cannot be used; nothing but GET ever sent; the RBAC asset in step.

mod common;

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::time::Duration;

use common::apiserver::{ApiServer, Options};
use common::ktm;
use serde_json::Value;

/// The objects of the manifest fixtures, as the server stores them.
fn fixture_objects() -> Vec<Value> {
    let snapshot = ktm::checks::Snapshot::from_manifests(&["tests/fixtures/manifests".into()])
        .expect("fixtures");
    snapshot.objects.into_iter().map(|o| o.value).collect()
}

fn run_json(config: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = ktm(config).args(args).output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

fn finding_keys(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let o = &f["object"];
            format!(
                "{} {} {}/{}",
                f["check"], o["kind"], o["namespace"], o["name"]
            )
        })
        .collect()
}

fn status_of<'a>(report: &'a Value, check: &str) -> (&'a str, &'a str) {
    let c = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == check)
        .unwrap_or_else(|| panic!("no check {check}"));
    (
        c["status"].as_str().unwrap_or(""),
        c["reason"].as_str().unwrap_or(""),
    )
}

/// Every request the server saw was a GET, and none touched Secrets.
fn assert_read_only(server: &ApiServer) {
    let requests = server.requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert_eq!(r.method, "GET", "{r:?}");
        assert!(!r.target.contains("/secrets"), "read a Secret: {r:?}");
    }
}

#[test]
fn a_live_run_finds_what_the_manifests_show_page_by_page() {
    let server = ApiServer::start(
        &fixture_objects(),
        Options {
            max_page: Some(2),
            ..Options::default()
        },
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = server.kubeconfig(dir.path(), &server.token, &server.ca_pem);
    let kc = kubeconfig.to_str().expect("path");
    let (code, live, stderr) = run_json(
        dir.path(),
        &[
            "check",
            "--kubeconfig",
            kc,
            "--format",
            "json",
            "--fail-on",
            "never",
            "--page-size",
            "1",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let (_, offline, _) = run_json(
        dir.path(),
        &[
            "check",
            "--manifests",
            "tests/fixtures/manifests",
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
    );
    assert!(!finding_keys(&offline).is_empty());
    assert_eq!(finding_keys(&live), finding_keys(&offline));
    assert_eq!(live["source"]["type"], "cluster");
    assert_eq!(live["summary"]["unknown"], 0, "{:#}", live["checks"]);
    // Pagination: more than one page of pods was asked for with continue tokens.
    let continued = server
        .requests()
        .iter()
        .filter(|r| r.target.contains("/pods") && r.target.contains("continue="))
        .count();
    assert!(continued >= 1, "{:?}", server.requests());
    assert_read_only(&server);
}

#[test]
fn a_forbidden_kind_makes_its_checks_unknown_and_the_rest_still_run() {
    let server = ApiServer::start(
        &fixture_objects(),
        Options {
            forbidden: HashSet::from(["configmaps".to_owned()]),
            ..Options::default()
        },
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = server.kubeconfig(dir.path(), &server.token, &server.ca_pem);
    let (code, report, stderr) = run_json(
        dir.path(),
        &[
            "check",
            "--kubeconfig",
            kubeconfig.to_str().expect("path"),
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let (status, reason) = status_of(&report, "configmap-credentials");
    assert_eq!(status, "unknown");
    assert_eq!(reason, "forbidden: cannot list configmaps at cluster scope");
    let (status, _) = status_of(&report, "privileged-container");
    assert_ne!(status, "unknown");
    assert!(report["summary"]["unknown"].as_u64() >= Some(1));
    assert_read_only(&server);
}

#[test]
fn a_slow_kind_times_out_into_unknown() {
    let server = ApiServer::start(
        &fixture_objects(),
        Options {
            slow: [("configmaps".to_owned(), Duration::from_secs(4))].into(),
            ..Options::default()
        },
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = server.kubeconfig(dir.path(), &server.token, &server.ca_pem);
    let (code, report, stderr) = run_json(
        dir.path(),
        &[
            "check",
            "--kubeconfig",
            kubeconfig.to_str().expect("path"),
            "--format",
            "json",
            "--fail-on",
            "never",
            "--timeout",
            "1",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let timed_out: Vec<&Value> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| {
            c["reason"]
                .as_str()
                .is_some_and(|r| r.contains("timed out after 1s listing configmaps"))
        })
        .collect();
    assert!(!timed_out.is_empty(), "{:#}", report["checks"]);
    assert!(timed_out.iter().all(|c| c["status"] == "unknown"));
    assert_eq!(status_of(&report, "configmap-credentials").0, "unknown");
}

#[test]
fn unusable_servers_are_one_clear_error_and_exit_2() {
    let server = ApiServer::start(&fixture_objects(), Options::default());
    let other = ApiServer::start(&[], Options::default());
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: Vec<(&str, std::path::PathBuf, &str)> = vec![
        (
            "wrong token",
            server.kubeconfig(&dir.path().join("a"), "not-the-token", &server.ca_pem),
            "rejected the credentials of context `test` (401 Unauthorized)",
        ),
        (
            "another CA",
            server.kubeconfig(&dir.path().join("b"), &server.token, &other.ca_pem),
            "cannot reach the API server at https://127.0.0.1",
        ),
    ];
    for (what, kubeconfig, want) in cases {
        let out = ktm(dir.path())
            .args([
                "check",
                "--kubeconfig",
                kubeconfig.to_str().expect("path"),
                "--timeout",
                "5",
            ])
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(stderr.contains(want), "{what}: {stderr}");
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        assert_eq!(
            stderr.trim().lines().count(),
            1,
            "{what}: one line: {stderr}"
        );
    }
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let path = dir.path().join("closed");
    std::fs::write(
        &path,
        format!("apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:{port}\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user:\n    token: t\n"),
    )
    .expect("write");
    let out = ktm(dir.path())
        .args([
            "check",
            "--kubeconfig",
            path.to_str().expect("path"),
            "--timeout",
            "5",
        ])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot reach the API server"), "{stderr}");
    // A context the kubeconfig does not have.
    let out = ktm(dir.path())
        .args([
            "check",
            "--kubeconfig",
            path.to_str().expect("path"),
            "--context",
            "prod",
        ])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no context `prod`; the kubeconfig has: c"),
        "{stderr}"
    );
    for s in [&server, &other] {
        for r in s.requests() {
            assert_eq!(r.method, "GET", "{r:?}");
        }
    }
}

#[test]
fn a_snapshot_is_evidence_that_checks_read_back() {
    let server = ApiServer::start(
        &fixture_objects(),
        Options {
            forbidden: HashSet::from(["configmaps".to_owned()]),
            ..Options::default()
        },
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = server.kubeconfig(dir.path(), &server.token, &server.ca_pem);
    let kc = kubeconfig.to_str().expect("path");
    let file = dir.path().join("evidence/snap.json");
    let out = ktm(dir.path())
        .args([
            "snapshot",
            "--kubeconfig",
            kc,
            "-o",
            file.to_str().expect("path"),
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written: Value =
        serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
    assert_eq!(written["kind"], "List");
    assert_eq!(written["ktm"]["context"], "test");
    assert_eq!(written["ktm"]["server"], server.url.as_str());
    assert!(
        written["ktm"]["time"]
            .as_str()
            .is_some_and(|t| t.ends_with("UTC"))
    );
    assert_eq!(
        written["ktm"]["unavailable"]["ConfigMap"],
        "forbidden: cannot list configmaps at cluster scope"
    );
    let (_, live, _) = run_json(
        dir.path(),
        &[
            "check",
            "--kubeconfig",
            kc,
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
    );
    let (_, offline, _) = run_json(
        dir.path(),
        &[
            "check",
            "--snapshot",
            file.to_str().expect("path"),
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
    );
    assert_eq!(finding_keys(&live), finding_keys(&offline));
    // What could not be read stays unknown offline too.
    assert_eq!(status_of(&offline, "configmap-credentials").0, "unknown");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("evidence"))
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name() != "snap.json")
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    assert_read_only(&server);
}

/// kubectl (installed on this machine image) talks to the same server: the test server
/// speaks the real protocol, and its output feeds `ktm check --snapshot`.
#[test]
fn kubectl_reads_the_test_server_and_ktm_checks_its_output() {
    if std::process::Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_err()
    {
        eprintln!("kubectl is not installed; skipping");
        return;
    }
    let server = ApiServer::start(&fixture_objects(), Options::default());
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = server.kubeconfig(dir.path(), &server.token, &server.ca_pem);
    let out = std::process::Command::new("kubectl")
        .args([
            "get",
            "pods",
            "-A",
            "-o",
            "json",
            "--request-timeout",
            "10s",
        ])
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .arg("--cache-dir")
        .arg(dir.path().join("kube-cache"))
        .output()
        .expect("kubectl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = dir.path().join("pods.json");
    std::fs::write(&file, &out.stdout).expect("write");
    let pods = fixture_objects()
        .iter()
        .filter(|o| o["kind"] == "Pod")
        .count();
    let listed: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(pods));
    let (code, report, stderr) = run_json(
        dir.path(),
        &[
            "check",
            "--snapshot",
            file.to_str().expect("path"),
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["summary"]["objects"].as_u64(), Some(pods as u64));
    assert!(
        finding_keys(&report).iter().any(|k| k.contains("Pod")),
        "{report:#}"
    );
    assert_read_only(&server);
}

/// `assets/rbac/ktm-reader.yaml` grants get and list on exactly the kinds the checks read.
#[test]
fn the_reader_role_grants_exactly_what_the_checks_need() {
    let text = std::fs::read_to_string("assets/rbac/ktm-reader.yaml").expect("rbac asset");
    let (docs, diags) = ktm::matrix::load::manifest_documents("ktm-reader.yaml", &text);
    assert!(diags.is_empty(), "{diags:?}");
    let role = docs
        .iter()
        .map(|d| &d.value)
        .find(|v| v["kind"] == "ClusterRole")
        .expect("ClusterRole");
    let mut granted = BTreeSet::new();
    for rule in role["rules"].as_array().expect("rules") {
        let verbs: BTreeSet<&str> = rule["verbs"]
            .as_array()
            .expect("verbs")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(verbs, BTreeSet::from(["get", "list"]), "{rule}");
        for group in rule["apiGroups"].as_array().expect("groups") {
            for resource in rule["resources"].as_array().expect("resources") {
                granted.insert(format!(
                    "{}/{}",
                    group.as_str().unwrap_or(""),
                    resource.as_str().unwrap_or("")
                ));
            }
        }
    }
    let loaded =
        ktm::matrix::load_matrix(&ktm::matrix::MatrixSource::Embedded, &[]).expect("matrix");
    let needed: BTreeSet<String> =
        ktm::checks::kinds::kinds_for_views(loaded.matrix.checks.iter().map(|c| c.view.as_str()))
            .into_iter()
            .map(|k| format!("{}/{}", k.group, k.plural))
            .collect();
    assert_eq!(granted, needed, "the role and the checks disagree");
    assert!(!granted.iter().any(|g| g.ends_with("/secrets")));
}
