//! The views' tests: which kinds build which view, relation fields shared by account,
//! each key in one layer, and which controllers stand in for the objects they own.

use super::*;
use crate::matrix::check::VIEWS;
use serde_json::json;

#[test]
fn every_view_a_check_may_name_has_kinds_that_build_it() {
    for view in VIEWS {
        let built = super::super::kinds::KINDS
            .iter()
            .any(|k| view_of(k.kind) == Some(view));
        assert!(built, "no kind builds the {view} view");
    }
}

/// Workloads that run as one account share its `serviceAccount` without mixing it up
/// with another account's, and a role's rules are parsed only when read.
#[test]
fn relations_are_computed_on_read_and_shared_by_account() {
    let pod = |name: &str, sa: &str| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "a"},
            "spec": {"serviceAccountName": sa, "containers": []}})
    };
    let snapshot = Snapshot::from_values([json!({"kind": "List", "items": [
        pod("p1", "x"), pod("p2", "y"), pod("p3", "x"),
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "b", "namespace": "a"},
         "roleRef": {"kind": "Role", "name": "r"}, "subjects": [{"kind": "ServiceAccount", "name": "x"}]},
    ]})]);
    let index = Index::new(&snapshot);
    let views = Views::build(&snapshot, &index);
    let items = views.get("workload");
    assert!(items.iter().all(Item::keys_are_distinct));
    let account = |i: usize| {
        let (_, related) = items[i].rels.iter().find(|(k, _)| *k == "serviceAccount")?;
        Some(Arc::clone(related))
    };
    let (a1, a2, a3) = (account(0), account(1), account(2));
    assert!(a1.zip(a3).is_some_and(|(x, z)| Arc::ptr_eq(&x, &z)));
    assert!(
        account(0)
            .zip(a2)
            .is_some_and(|(x, y)| !Arc::ptr_eq(&x, &y))
    );
    // A role's rules are parsed only when read: before, the shown value has none.
    let shown = format!("{:?}", account(0));
    assert!(shown.contains("parsed: OnceLock(<uninit>)"), "{shown}");
    let bindings = |i: usize| {
        items[i]
            .field("serviceAccount")
            .and_then(|sa| Some((sa.get("name")?.clone(), sa.get("bindings")?.clone())))
    };
    let (x1, y, x3) = (bindings(0), bindings(1), bindings(2));
    assert_eq!(x1, x3);
    assert_eq!(x1.as_ref().map(|b| b.0.clone()), Some(json!("x")));
    assert_eq!(y.as_ref().map(|b| b.0.clone()), Some(json!("y")));
    assert_eq!(x1.and_then(|b| b.1.as_array().map(Vec::len)), Some(1));
    assert_eq!(y.and_then(|b| b.1.as_array().map(Vec::len)), Some(0));
}

/// `Item::field` relies on each key being in one layer only, in every view.
#[test]
fn every_item_keeps_each_key_in_one_layer() {
    let extra = json!({"kind": "List", "items": [
        {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration", "metadata": {"name": "w"}, "webhooks": []},
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "i", "namespace": "a"}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "c"}, "roleRef": {"kind": "ClusterRole", "name": "x"}},
        {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "j", "namespace": "a"},
         "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c"}], "initContainers": [{"name": "i"}]}}}}}},
    ]});
    let snapshot = Snapshot::from_values([crate::checks::synthetic::snapshot(200), extra]);
    let index = Index::new(&snapshot);
    let views = Views::build(&snapshot, &index);
    let mut seen: Vec<&str> = views.items.keys().copied().collect();
    seen.sort_unstable();
    assert_eq!(seen.len(), VIEWS.len(), "{seen:?}");
    assert!(views.items.values().flatten().all(Item::keys_are_distinct));
}

/// A pod whose controller is a workload in the snapshot is checked through that
/// workload; one whose controller is anything else (a custom resource) is checked
/// itself, or nothing would check its pod spec.
#[test]
fn only_a_present_workload_controller_stands_in_for_its_pods() {
    let pod = |name: &str, owner: &str| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "a",
            "ownerReferences": [{"kind": owner, "name": "o", "controller": true}]},
            "spec": {"containers": [{"name": "c"}]}})
    };
    let snapshot = Snapshot::from_values([json!({"kind": "List", "items": [
        pod("by-rs", "ReplicaSet"), pod("by-run", "TaskRun"), pod("by-absent", "Job"),
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "o", "namespace": "a"},
         "spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}},
        {"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": {"name": "o", "namespace": "a"}},
    ]})]);
    let index = Index::new(&snapshot);
    let views = Views::build(&snapshot, &index);
    let names: Vec<&str> = views
        .get("workload")
        .iter()
        .map(|i| i.object.name())
        .collect();
    assert_eq!(names, ["by-run", "by-absent", "o"]);
}

#[test]
fn only_the_wanted_views_are_built() {
    let snapshot = Snapshot::from_values([json!({"kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "m"}},
    ]})]);
    let index = Index::new(&snapshot);
    let all = Views::build(&snapshot, &index);
    assert_eq!(
        (all.get("workload").len(), all.get("configmap").len()),
        (1, 1)
    );
    let some = Views::build_for(&snapshot.objects, &index, Some(&["configmap"]));
    assert_eq!(
        (some.get("workload").len(), some.get("configmap").len()),
        (0, 1)
    );
}
