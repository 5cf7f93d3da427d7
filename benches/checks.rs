//! Check evaluation throughput over deterministic synthetic snapshots of 10,000 and
//! 100,000 objects, against the time it takes merely to parse the same snapshot JSON.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ktm::checks::engine::Selection;
use ktm::checks::report::SourceInfo;
use ktm::checks::{Engine, Snapshot};
use ktm::matrix::{MatrixSource, load_matrix};
use serde_json::{Value, json};

/// A cluster-like mix: deployments, their pods, services, config maps, service accounts,
/// roles and bindings, namespaces; one in fifty workloads has something to find.
fn synthetic(n: usize) -> Value {
    let mut items = Vec::with_capacity(n);
    let mut i = 0usize;
    while items.len() < n {
        let ns = format!("team-{}", i % 50);
        let app = format!("app-{i}");
        let bad = i % 50 == 0;
        let container = json!({
            "name": "main", "image": format!("registry.example.com/{app}:1.{}", i % 7),
            "ports": [{"containerPort": 8080}],
            "env": [{"name": "LOG_LEVEL", "value": "info"}],
            "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
            "securityContext": {"privileged": bad, "readOnlyRootFilesystem": !bad}
        });
        let template = json!({"metadata": {"labels": {"app": app}}, "spec": {"containers": [container.clone()], "serviceAccountName": app}});
        items.push(json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": app, "namespace": ns}, "spec": {"template": template}}));
        items.push(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": format!("{app}-x1"), "namespace": ns, "labels": {"app": app},
            "ownerReferences": [{"kind": "ReplicaSet", "name": format!("{app}-rs"), "controller": true}]},
            "spec": {"containers": [container], "serviceAccountName": app}}));
        items.push(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": app, "namespace": ns},
            "spec": {"type": if bad { "LoadBalancer" } else { "ClusterIP" }, "selector": {"app": app}, "ports": [{"port": 80}]}}));
        items.push(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("{app}-config"), "namespace": ns},
            "data": {"settings.yaml": "level: info\n", "endpoint": "https://api.example.com"}}));
        items.push(json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": app, "namespace": ns}}));
        items.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": app, "namespace": ns},
            "rules": [{"apiGroups": [""], "resources": if bad { json!(["secrets"]) } else { json!(["configmaps"]) }, "verbs": ["get", "list"]}]}));
        items.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": app, "namespace": ns},
            "roleRef": {"kind": "Role", "name": app}, "subjects": [{"kind": "ServiceAccount", "name": app, "namespace": ns}]}));
        if i < 50 {
            items.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
        }
        i += 1;
    }
    items.truncate(n);
    json!({"apiVersion": "v1", "kind": "List", "items": items})
}

fn bench(c: &mut Criterion) {
    let loaded = load_matrix(&MatrixSource::Embedded, &[]).expect("matrix");
    let (engine, diags) = Engine::new(&loaded.matrix, &Selection::default());
    assert!(diags.is_empty(), "{diags:?}");
    let mut group = c.benchmark_group("checks");
    group.sample_size(10);
    for n in [10_000usize, 100_000] {
        let text = serde_json::to_string(&synthetic(n)).expect("json");
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("parse_json", n), &text, |b, text| {
            b.iter(|| serde_json::from_str::<Value>(text).expect("parse"));
        });
        let snapshot =
            Snapshot::from_values([serde_json::from_str::<Value>(&text).expect("parse")]);
        group.bench_with_input(
            BenchmarkId::new(format!("all_{}_checks", engine.checks.len()), n),
            &snapshot,
            |b, s| {
                b.iter(|| {
                    engine.run(
                        s,
                        SourceInfo {
                            kind: "snapshot".into(),
                            paths: vec![],
                        },
                    )
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
