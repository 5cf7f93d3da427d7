//! A deterministic, cluster-like snapshot for the check benchmarks and the evaluator's
//! differential tests: the same objects every run, so figures compare across runs.

use serde_json::{Value, json};

/// `n` objects as one `List`: per app a deployment, its pod, a service, a config map, a
/// service account, a role and its binding, in 50 namespaces; one app in fifty is
/// privileged, exposed and allowed to read secrets.
pub fn snapshot(n: usize) -> Value {
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
