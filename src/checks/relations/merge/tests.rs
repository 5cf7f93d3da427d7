//! The index built in parts answers every relation query as the one built object by
//! object does, wherever the parts split the snapshot.

use serde_json::json;

use crate::checks::relations::Index;
use crate::checks::snapshot::{Object, Snapshot};
use crate::checks::views::Rel;

/// Objects whose relations cross any split: duplicate role identities, aggregated
/// cluster roles, bindings before and after their roles, services, policies.
fn objects() -> Vec<Object> {
    let list = json!({"kind": "List", "items": [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r", "namespace": "a"},
         "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "b1", "namespace": "a"},
         "roleRef": {"kind": "Role", "name": "r"}, "subjects": [{"kind": "ServiceAccount", "name": "sa"}]},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa", "namespace": "a"}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "a"},
         "spec": {"template": {"metadata": {"labels": {"app": "x"}}, "spec": {"serviceAccountName": "sa", "containers": []}}}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "agg"},
         "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"agg": "yes"}}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "a"}, "spec": {"selector": {"app": "x"}}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "cb"},
         "roleRef": {"kind": "ClusterRole", "name": "agg"}, "subjects": [{"kind": "ServiceAccount", "name": "sa", "namespace": "a"}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "part", "labels": {"agg": "yes"}},
         "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}]},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "np", "namespace": "a"},
         "spec": {"podSelector": {"matchLabels": {"app": "x"}}, "policyTypes": ["Ingress"]}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "a", "labels": {"app": "x"}},
         "spec": {"serviceAccountName": "sa", "containers": []}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r", "namespace": "a"},
         "rules": [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["create"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "b2", "namespace": "a"},
         "roleRef": {"kind": "Role", "name": "r"}, "subjects": [{"kind": "ServiceAccount", "name": "sa"}, {"kind": "ServiceAccount", "name": "other", "namespace": "b"}]},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}},
    ]});
    Snapshot::from_values([list]).objects
}

/// Every query's answer over every object, as text.
fn answers(index: &Index, objects: &[Object]) -> Vec<String> {
    let mut out = Vec::new();
    for o in objects {
        let (kind, ns, name) = (o.kind(), o.namespace(), o.name());
        out.push(format!("{kind} {ns}/{name}"));
        out.push(format!("has {}", index.has_workload(kind, ns, name)));
        out.push(format!("rules {:?}", index.rules_for(o)));
        let json = |rels: Vec<Rel<'_>>| rels.iter().map(Rel::to_value).collect::<Vec<_>>();
        out.push(format!("bindings {:?}", json(index.binding_rels(ns, name))));
        out.push(format!("users {:?}", json(index.user_rels(ns, name))));
        out.push(format!("selects {:?}", index.selected_by(o)));
        out.push(format!("policies {:?}", index.policies_for(o)));
        out.push(format!("in {:?}", index.policies_in(name)));
    }
    out.push(format!("absent {}", index.has_workload("Pod", "a", "nope")));
    out
}

#[test]
fn parts_answer_like_the_whole() {
    let objects = objects();
    let whole = answers(
        &Index::new(&Snapshot {
            objects: objects.clone(),
            ..Snapshot::default()
        }),
        &objects,
    );
    assert!(
        whole.iter().any(|a| a.contains("secrets")),
        "aggregation is exercised"
    );
    for parts in 1..=objects.len() + 1 {
        let built = Index::build(&objects, parts);
        assert_eq!(answers(&built, &objects), whole, "{parts} parts");
    }
}

#[test]
fn a_synthetic_cluster_in_parts_answers_like_the_whole() {
    let snapshot = Snapshot::from_values([crate::checks::synthetic::snapshot(3000)]);
    let whole = answers(&Index::new(&snapshot), &snapshot.objects);
    let built = Index::build(&snapshot.objects, 3);
    assert_eq!(answers(&built, &snapshot.objects), whole);
}
