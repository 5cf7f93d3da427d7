//! Relation fields the fast evaluator reads as the index gave them (`serviceAccount`,
//! `bindings`, `usedBy`), against cel reading their JSON: the same answers, or the fast
//! evaluator declines where cel fails. Comparing a relation value and `+` on one are
//! left to cel by design (the evaluator declines), so they are not listed here.

use serde_json::json;

use super::assert_agree_over;
use crate::checks::relations::Index;
use crate::checks::snapshot::Snapshot;
use crate::checks::views::Views;

fn snapshot() -> Snapshot {
    Snapshot::from_values([json!({"kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "a"},
         "spec": {"serviceAccountName": "x", "containers": [{"name": "c"}]}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "x", "namespace": "a"}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r", "namespace": "a"},
         "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "b", "namespace": "a"},
         "roleRef": {"kind": "Role", "name": "r"}, "subjects": [{"kind": "ServiceAccount", "name": "x"}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "gone"},
         "roleRef": {"kind": "ClusterRole", "name": "absent"}, "subjects": [{"kind": "ServiceAccount", "name": "x", "namespace": "a"}]},
    ]})])
}

/// (view, expression, answer): `None` where cel fails.
const CASES: &[(&str, &str, Option<bool>)] = &[
    (
        "workload",
        "workload.serviceAccount.name == 'x'",
        Some(true),
    ),
    (
        "workload",
        "size(workload.serviceAccount.bindings) == 2",
        Some(true),
    ),
    ("workload", "size(workload.serviceAccount) == 2", Some(true)),
    (
        "workload",
        "workload.serviceAccount.bindings[0].roleRef == 'r'",
        Some(true),
    ),
    (
        "workload",
        "workload.serviceAccount.bindings[1].rules == []",
        Some(true),
    ),
    (
        "workload",
        "size(workload.serviceAccount.bindings[1].rules) == 0",
        Some(true),
    ),
    (
        "workload",
        "workload.serviceAccount.bindings.exists(b, b.rules.exists(r, 'secrets' in r.resources))",
        Some(true),
    ),
    (
        "workload",
        "workload.serviceAccount.bindings.all(b, b.kind.endsWith('RoleBinding') && b.namespace == 'a')",
        Some(false),
    ),
    (
        "workload",
        "workload.serviceAccount.bindings.map(b, b.name) == ['b', 'gone']",
        Some(true),
    ),
    (
        "workload",
        "has(workload.serviceAccount.bindings) && !has(workload.serviceAccount.missing)",
        Some(true),
    ),
    (
        "workload",
        "'name' in workload.serviceAccount && !('x' in workload.serviceAccount)",
        Some(true),
    ),
    (
        "workload",
        "workload.serviceAccount.?missing.orValue(1) == 1",
        Some(true),
    ),
    (
        "workload",
        "workload.serviceAccount.bindings[?5].?name.orValue('none') == 'none'",
        Some(true),
    ),
    (
        "workload",
        "workload.serviceAccount.bindings[5].name == 'x'",
        None,
    ),
    (
        "workload",
        "workload.serviceAccount['bindings'][0]['name'] == 'b'",
        Some(true),
    ),
    (
        "workload",
        "type(workload.serviceAccount) == map && type(workload.serviceAccount.bindings) == list",
        Some(true),
    ),
    (
        "workload",
        "workload.serviceAccount.exists(k, k == 'bindings')",
        Some(true),
    ),
    (
        "serviceaccount",
        "size(serviceaccount.usedBy) == 1 && serviceaccount.usedBy[0].kind == 'Pod'",
        Some(true),
    ),
    (
        "serviceaccount",
        "serviceaccount.usedBy.exists(u, u.name == 'p') && size(serviceaccount.usedBy[0]) == 2",
        Some(true),
    ),
    (
        "serviceaccount",
        "serviceaccount.bindings.exists(b, b.rules.exists(r, r.?verbs.orValue([]).exists(v, v == 'list')))",
        Some(true),
    ),
    (
        "serviceaccount",
        "has(serviceaccount.usedBy[0].name.x)",
        None,
    ),
];

#[test]
fn relation_values_answer_as_their_json_does() {
    let snapshot = snapshot();
    let index = Index::new(&snapshot);
    let views = Views::build(&snapshot, &index);
    for &(view, expr, expected) in CASES {
        let var = crate::checks::eval::variable(view);
        assert_agree_over(var, &views.get(view)[0], expr, expected);
    }
}
