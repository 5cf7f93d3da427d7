//! Secrets stay secret: values seeded into every input path (a Secret's data, credentials
//! in `ConfigMaps`, env and arguments, a kubeconfig token, secrets and tokens inside audit
//! events) must not appear in any output format: check table, JSON and SARIF, snapshots,
//! hunt table and JSON, and the TUI pages of findings and audit hits.

mod common;

use common::apiserver::{ApiServer, Options};
use common::ktm;
use serde_json::{Value, json};

const SECRET_DATA: &str = "c2VlZC1zZWNyZXQtZGF0YS0xMQ=="; // base64 of seed-secret-data-11
const SECRET_STRING: &str = "seed-secret-string-42";
const CONFIGMAP_PASSWORD: &str = "seed-configmap-pass-77";
const ENV_TOKEN: &str = "seed-env-token-99";
const ARG_PASSWORD: &str = "seed-arg-pass-55";
const KUBECONFIG_TOKEN: &str = "seed-kubeconfig-token-33";
const AUDIT_SECRET: &str = "seed-audit-secret-66";
const AUDIT_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VlZCJ9.c2VlZHNpZw";

const ALL: [&str; 8] = [
    SECRET_DATA,
    SECRET_STRING,
    CONFIGMAP_PASSWORD,
    ENV_TOKEN,
    ARG_PASSWORD,
    KUBECONFIG_TOKEN,
    AUDIT_SECRET,
    AUDIT_TOKEN,
];

fn objects() -> Vec<Value> {
    vec![
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "prod"},
               "data": {"password": SECRET_DATA}, "stringData": {"token": SECRET_STRING}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app", "namespace": "prod"},
               "data": {"database_password": CONFIGMAP_PASSWORD, "level": "info"}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "prod"},
               "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:latest",
                  "env": [{"name": "API_TOKEN", "value": ENV_TOKEN}],
                  "args": [format!("--db-password={ARG_PASSWORD}")],
                  "securityContext": {"privileged": true}}]}}}}),
    ]
}

fn assert_clean(what: &str, text: &str) {
    for secret in ALL {
        assert!(!text.contains(secret), "{what} leaks {secret}:\n{text}");
    }
}

fn run(config: &std::path::Path, args: &[&str]) -> String {
    let out = ktm(config).args(args).output().expect("run");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    text
}

#[test]
fn check_outputs_never_show_secret_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifests = dir.path().join("manifests");
    std::fs::create_dir_all(&manifests).expect("mkdir");
    let docs: Vec<String> = objects().iter().map(Value::to_string).collect();
    std::fs::write(manifests.join("all.yaml"), docs.join("\n---\n")).expect("write");
    let path = manifests.to_str().expect("path");
    let mut findings = 0;
    for format in ["table", "json", "sarif"] {
        let text = run(
            dir.path(),
            &[
                "check",
                "--manifests",
                path,
                "--format",
                format,
                "--fail-on",
                "never",
            ],
        );
        assert_clean(&format!("ktm check --format {format}"), &text);
        if format == "json" {
            let report: Value = serde_json::from_str(&text).expect("json");
            findings = report["summary"]["findings"].as_u64().unwrap_or(0);
            // The credential findings name the key and show a redacted value.
            let evidence = report["findings"].to_string();
            assert!(
                evidence.contains("database_password") || evidence.contains("API_TOKEN"),
                "{evidence}"
            );
            assert!(evidence.contains("redacted"), "{evidence}");
        }
    }
    assert!(
        findings >= 3,
        "the seeded objects are found ({findings} findings)"
    );
}

#[test]
fn live_runs_and_snapshots_never_show_the_token_or_secrets() {
    let server = ApiServer::start(&objects(), Options::default());
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = server.kubeconfig(dir.path(), &server.token, &server.ca_pem);
    // The server accepts this test's token only; the seeded kubeconfig token is rejected
    // and must not be echoed in the error either.
    let wrong = server.kubeconfig(&dir.path().join("wrong"), KUBECONFIG_TOKEN, &server.ca_pem);
    let text = run(
        dir.path(),
        &["check", "--kubeconfig", wrong.to_str().expect("path")],
    );
    assert!(text.contains("401"), "{text}");
    assert_clean("a rejected live run", &text);
    let kc = kubeconfig.to_str().expect("path");
    for format in ["table", "json", "sarif"] {
        let text = run(
            dir.path(),
            &[
                "check",
                "--kubeconfig",
                kc,
                "--format",
                format,
                "--fail-on",
                "never",
            ],
        );
        assert_clean(&format!("live ktm check --format {format}"), &text);
    }
    let snapshot = dir.path().join("snap.json");
    run(
        dir.path(),
        &[
            "snapshot",
            "--kubeconfig",
            kc,
            "-o",
            snapshot.to_str().expect("path"),
        ],
    );
    let written = std::fs::read_to_string(&snapshot).expect("snapshot");
    for secret in [SECRET_DATA, SECRET_STRING, KUBECONFIG_TOKEN, &server.token] {
        assert!(!written.contains(secret), "the snapshot holds {secret}");
    }
    assert!(
        server
            .requests()
            .iter()
            .all(|r| !r.target.contains("/secrets"))
    );
}

fn audit_log(dir: &std::path::Path) -> std::path::PathBuf {
    let events = [
        json!({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse", "auditID": "s-1",
               "stage": "ResponseComplete", "verb": "get", "requestURI": "/api/v1/namespaces/prod/secrets/stolen",
               "user": {"username": "mallory@example.com"}, "sourceIPs": ["203.0.113.9"], "userAgent": "kubectl/v1.30",
               "objectRef": {"resource": "secrets", "namespace": "prod", "name": "stolen"},
               "responseStatus": {"code": 200},
               "responseObject": {"kind": "Secret", "metadata": {"name": "stolen"}, "data": {"password": AUDIT_SECRET}}}),
        json!({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse", "auditID": "s-2",
               "stage": "ResponseComplete", "verb": "create",
               "requestURI": "/api/v1/namespaces/kube-system/serviceaccounts/admin/token",
               "user": {"username": "mallory@example.com"}, "sourceIPs": ["203.0.113.9"], "userAgent": "kubectl/v1.30",
               "objectRef": {"resource": "serviceaccounts", "subresource": "token", "namespace": "kube-system", "name": "admin"},
               "responseStatus": {"code": 201},
               "responseObject": {"kind": "TokenRequest", "status": {"token": AUDIT_TOKEN}},
               "annotations": {"note": format!("Authorization: Bearer {AUDIT_TOKEN}")}}),
    ];
    let path = dir.join("audit.jsonl");
    let text: Vec<String> = events.iter().map(Value::to_string).collect();
    std::fs::write(&path, text.join("\n")).expect("write");
    path
}

#[test]
fn hunt_outputs_and_event_pages_never_show_secrets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = audit_log(dir.path());
    let path = log.to_str().expect("path");
    for format in ["table", "json"] {
        let text = run(
            dir.path(),
            &["hunt", "--audit-log", path, "--format", format],
        );
        assert!(text.contains("mallory@example.com"), "{text}");
        assert_clean(&format!("ktm hunt --format {format}"), &text);
    }
    // The TUI's page of each hit shows the whole event, redacted.
    let loaded =
        ktm::matrix::load_matrix(&ktm::matrix::MatrixSource::Embedded, &[]).expect("matrix");
    let (detections, _) = ktm::hunt::Detections::new(&loaded.matrix, &[]);
    let report = ktm::hunt::hunt(
        &loaded.matrix,
        &detections,
        &[path.to_owned()],
        &ktm::hunt::Filter::default(),
    )
    .expect("hunt");
    assert!(report.hits.len() >= 2);
    let mut app = common::tui_app();
    app.results.hunt = Some(report);
    for n in 1..=app.results.hunt.as_ref().map_or(0, |h| h.hits.len()) {
        let (_, page) =
            ktm::tui::app::results::detail_markdown(&app, &format!("hit:{n}")).expect("hit page");
        assert!(page.contains("\"verb\""), "{page}");
        assert_clean(&format!("the page of hit {n}"), &page);
    }
}

#[test]
fn finding_pages_show_objects_redacted() {
    let mut app = common::tui_app();
    let (engine, _) =
        ktm::checks::Engine::new(&app.matrix, &ktm::checks::engine::Selection::default());
    let snapshot = ktm::checks::Snapshot::from_values(objects());
    let report = engine.run(
        &snapshot,
        ktm::checks::report::SourceInfo {
            kind: "manifests".into(),
            paths: Vec::new(),
        },
    );
    let n = report.findings.len();
    assert!(n >= 3);
    app.results.report = Some(report);
    app.results.objects = objects();
    for i in 1..=n {
        let (_, page) = ktm::tui::app::results::detail_markdown(&app, &format!("finding:{i}"))
            .expect("finding page");
        assert!(page.contains("## Object"), "{page}");
        assert_clean(&format!("the page of finding {i}"), &page);
    }
}
