//! A full live `ktm check` against the test API server holding 10,000 pods and their
//! owners (2,000 `Deployments`, 2,000 `ReplicaSets`), against `kubectl get` of the workload
//! kinds from the same server: the target is ktm within 2x of kubectl. Both run
//! as processes, as a responder would run them. Skipped when kubectl is not installed.

#[path = "../tests/common/apiserver.rs"]
mod apiserver;

use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

fn objects() -> Vec<Value> {
    let mut out = Vec::new();
    for d in 0..2_000 {
        let ns = format!("team-{}", d % 40);
        let name = format!("app-{d}");
        let labels = json!({"app": name});
        let container = json!({"name": "main", "image": format!("registry.example.com/{name}:1.{}", d % 9),
            "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
            "securityContext": {"privileged": d % 100 == 0, "readOnlyRootFilesystem": true}});
        let spec = json!({"containers": [container], "serviceAccountName": "default"});
        out.push(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns, "uid": format!("d-{d}")},
            "spec": {"replicas": 5, "selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": spec}}}));
        out.push(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": format!("{name}-7d9f"), "namespace": ns, "uid": format!("r-{d}"),
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name, "uid": format!("d-{d}"), "controller": true}]},
            "spec": {"replicas": 5, "selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": spec}}}));
        for p in 0..5 {
            out.push(json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": format!("{name}-7d9f-{p}"), "namespace": ns, "labels": labels,
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{name}-7d9f"), "uid": format!("r-{d}"), "controller": true}]},
                "spec": spec, "status": {"phase": "Running", "podIP": "10.0.0.1"}}));
        }
    }
    for n in 0..40 {
        out.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": format!("team-{n}")}}));
    }
    out
}

fn bench(c: &mut Criterion) {
    if Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_err()
    {
        eprintln!("kubectl is not installed; skipping the live benchmark");
        return;
    }
    let server = apiserver::ApiServer::start(&objects(), apiserver::Options::default());
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = server.kubeconfig(dir.path(), &server.token, &server.ca_pem);
    let ktm = env!("CARGO_BIN_EXE_ktm");
    let mut group = c.benchmark_group("live_10k_pods");
    group.sample_size(10);
    group.bench_function("ktm check (all checks, all kinds)", |b| {
        b.iter(|| {
            let out = Command::new(ktm)
                .args([
                    "check",
                    "--format",
                    "json",
                    "--fail-on",
                    "never",
                    "--no-user-matrix",
                ])
                .arg("--kubeconfig")
                .arg(&kubeconfig)
                .env("KTM_CONFIG_DIR", dir.path())
                .output()
                .expect("ktm");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        });
    });
    group.bench_function("kubectl get workloads -A -o json", |b| {
        b.iter(|| {
            let out = Command::new("kubectl")
                .args([
                    "get",
                    "pods,deployments,daemonsets,statefulsets,replicasets,jobs,cronjobs",
                    "-A",
                    "-o",
                    "json",
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
        });
    });
    group.finish();
    for r in server.requests() {
        assert_eq!(r.method, "GET");
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
