//! Views: the items checks evaluate, computed from a snapshot once so that expressions
//! stay one line. A workload exposes its pod spec wherever it nests and every container
//! tagged with its type; a binding carries the rules of the role it grants.

use std::sync::Arc;

use serde_json::Value;

use super::json::Key;
use super::snapshot::is_cluster_scoped;

use super::relations::Index;
use super::snapshot::{At, Object, Snapshot};
use item::{
    CLUSTER, DEFAULT, EMPTY_LIST, EMPTY_MAP, EMPTY_STRING, FALSE, NAMESPACE, NULL, Parts, TRUE,
};
use item::{EPHEMERAL, INIT, REGULAR};
pub use item::{Field, Item, Lazy, Tagged};
pub use related::{Part, Rel, Related};

/// Views' maps: foldhash, as the index's (see `relations`), hashed once or twice per
/// object.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// Every view's items for one snapshot.
#[derive(Debug, Default)]
pub struct Views<'a> {
    pub items: HashMap<&'static str, Vec<Item<'a>>>,
    pub warnings: Vec<String>,
}

const WORKLOAD_KINDS: [&str; 9] = [
    "Pod",
    "Deployment",
    "DaemonSet",
    "StatefulSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "ReplicationController",
    "DeploymentConfig",
];

impl<'a> Views<'a> {
    /// Every view of `snapshot`, whose relations `index` holds (`Index::new(snapshot)`).
    pub fn build(snapshot: &'a Snapshot, index: &'a Index) -> Self {
        Self::build_for(&snapshot.objects, index, None)
    }

    /// The views named in `wanted` (all when `None`) of the objects in `snapshot`, with
    /// relations resolved in `index` (which may cover more objects than `snapshot`, when
    /// a large snapshot is checked a chunk at a time). A run of a few checks does not
    /// build the items of views none of them reads.
    pub fn build_for(objects: &'a [Object], index: &'a Index, wanted: Option<&[&str]>) -> Self {
        let mut views = Views::default();
        // The `serviceAccount` of the workloads that run as each account, shared.
        let mut accounts: Accounts<'a> = HashMap::default();
        for object in objects {
            let kind = object.kind();
            let Some(name) = view_of(kind) else {
                continue;
            };
            if wanted.is_some_and(|w| !w.contains(&name)) {
                continue;
            }
            let own = object.value.as_object();
            let (fields, base) = match name {
                "workload" => {
                    if owned_by_present_controller(object, index) {
                        continue;
                    }
                    if let Some(f) = workload(object, kind, index, &mut accounts) {
                        (f, None)
                    } else {
                        views.warnings.push(format!(
                            "{} {}/{}: no pod spec found; not checked as a workload",
                            kind,
                            object.namespace(),
                            object.name()
                        ));
                        continue;
                    }
                }
                "binding" => (binding(object, kind, index), None),
                "service" => {
                    let mut f = base(object, kind, index);
                    f.relation("selects", |index, o| Value::Array(index.selected_by(o)));
                    (f, own)
                }
                "namespace" => {
                    let mut f = base(object, kind, index);
                    f.relation("networkPolicies", |index, o| {
                        Value::Array(index.policies_in(o.name()))
                    });
                    (f, own)
                }
                "serviceaccount" => {
                    let mut f = base(object, kind, index);
                    let (namespace, name) = (f.namespace, object.name());
                    let bindings = Rel::List(index.binding_rels(namespace, name));
                    f.related("bindings", Arc::new(Related::new(bindings)));
                    let users = Rel::List(index.user_rels(namespace, name));
                    f.related("usedBy", Arc::new(Related::new(users)));
                    (f, own)
                }
                // role, webhook, configmap, node, ingress: the object as it is.
                _ => (base(object, kind, index), own),
            };
            views.items.entry(name).or_default().push(Item {
                object,
                value: Value::Object(fields.own),
                refs: fields.refs,
                rels: fields.rels,
                lazy: fields.lazy,
                base,
                tagged: fields.tagged,
            });
        }
        views
    }

    pub fn get(&self, view: &str) -> &[Item<'a>] {
        self.items.get(view).map_or(&[], Vec::as_slice)
    }
}

/// The view an object of `kind` belongs to.
fn view_of(kind: &str) -> Option<&'static str> {
    Some(match kind {
        k if WORKLOAD_KINDS.contains(&k) => "workload",
        "RoleBinding" | "ClusterRoleBinding" => "binding",
        "Role" | "ClusterRole" => "role",
        "Service" => "service",
        "Namespace" => "namespace",
        "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration" => "webhook",
        "ServiceAccount" => "serviceaccount",
        "ConfigMap" => "configmap",
        "Node" => "node",
        "Ingress" => "ingress",
        _ => return None,
    })
}

/// Whether `kind` is one the `workload` view checks.
pub fn is_workload_kind(kind: &str) -> bool {
    WORKLOAD_KINDS.contains(&kind)
}

/// Whether the object's controller is a workload in the snapshot, which is checked in
/// its place (its pod template is what makes the object). A controller that is not
/// checked as a workload (a custom resource, say) does not hide the objects it owns.
fn owned_by_present_controller(object: &Object, index: &Index) -> bool {
    let Some(owners) = object
        .value
        .at("/metadata/ownerReferences")
        .and_then(Value::as_array)
    else {
        return false;
    };
    owners.iter().any(|o| {
        o.key("controller").and_then(Value::as_bool) == Some(true)
            && index.has_workload(
                o.key("kind").and_then(Value::as_str).unwrap_or(""),
                object.namespace(),
                o.key("name").and_then(Value::as_str).unwrap_or(""),
            )
    })
}

/// The common fields of every item, all borrowed: kind, apiVersion, name and namespace
/// as [`Object`] reads them, labels, annotations and metadata (empty when absent).
fn base<'a>(object: &'a Object, kind: &str, index: &'a Index) -> Parts<'a> {
    let mut f = Parts::new(index);
    let v = &object.value;
    let string =
        |found: Option<&'a Value>| found.filter(|s| s.is_string()).unwrap_or(&EMPTY_STRING);
    f.refs.push(("kind", string(v.key("kind"))));
    f.refs.push(("apiVersion", string(v.key("apiVersion"))));
    let meta = v.key("metadata");
    f.refs
        .push(("name", string(meta.and_then(|m| m.key("name")))));
    let namespace = if is_cluster_scoped(kind) {
        &EMPTY_STRING
    } else {
        meta.and_then(|m| m.key("namespace"))
            .filter(|n| n.as_str().is_some_and(|n| !n.is_empty()))
            .unwrap_or(&DEFAULT)
    };
    f.refs.push(("namespace", namespace));
    f.namespace = namespace.as_str().unwrap_or("");
    f.borrow_or("labels", meta.and_then(|m| m.key("labels")), &EMPTY_MAP);
    f.borrow_or(
        "annotations",
        meta.and_then(|m| m.key("annotations")),
        &EMPTY_MAP,
    );
    f.borrow_or("metadata", meta, &NULL);
    f
}

/// Where the pod spec sits for each workload kind.
pub fn pod_spec(object: &Object) -> Option<&Value> {
    pod_spec_at(object.kind(), &object.value)
}

/// [`pod_spec`] of an object of `kind` whose JSON is `v`.
pub fn pod_spec_at<'v>(kind: &str, v: &'v Value) -> Option<&'v Value> {
    match kind {
        "Pod" => v.key("spec"),
        "CronJob" => v.at("/spec/jobTemplate/spec/template/spec"),
        _ => v.at("/spec/template/spec"),
    }
    .filter(|s| s.is_object())
}

fn workload<'a>(
    object: &'a Object,
    kind: &str,
    index: &'a Index,
    accounts: &mut Accounts<'a>,
) -> Option<Parts<'a>> {
    let spec = pod_spec_at(kind, &object.value)?;
    let mut f = base(object, kind, index);
    let namespace = f.namespace;
    f.tagged = Some(tagged(spec));
    f.relation("containers", |_, o| {
        let tagged = pod_spec(o).map(tagged).unwrap_or_default();
        Value::Array(tagged.iter().map(Tagged::to_value).collect())
    });
    f.borrow_or("volumes", spec.key("volumes"), &EMPTY_LIST);
    let name = account_value(spec);
    let sa = name.as_str().unwrap_or("default");
    let account = accounts.entry((namespace, sa)).or_insert_with(|| {
        let bindings = Rel::List(index.binding_rels(namespace, sa));
        Arc::new(Related::new(Rel::Account {
            name,
            bindings: Box::new(bindings),
        }))
    });
    f.related("serviceAccount", Arc::clone(account));
    f.relation("networkPolicies", |index, o| {
        Value::Array(index.policies_for(o))
    });
    f.refs.push(("podSpec", spec));
    f.borrow_or("spec", object.value.key("spec"), &NULL);
    Some(f)
}

/// A pod spec's init, regular and ephemeral containers, in that order, each with its type.
fn tagged(spec: &Value) -> Vec<Tagged<'_>> {
    let mut out = Vec::new();
    for (field, kind) in [
        ("initContainers", &*INIT),
        ("containers", &*REGULAR),
        ("ephemeralContainers", &*EPHEMERAL),
    ] {
        if let Some(list) = spec.key(field).and_then(Value::as_array) {
            out.extend(list.iter().map(|value| Tagged { value, kind }));
        }
    }
    out
}

/// The service account a pod spec names, as the string value it is read from.
fn account_value(spec: &Value) -> &Value {
    spec.key("serviceAccountName")
        .or_else(|| spec.key("serviceAccount"))
        .filter(|v| v.is_string())
        .unwrap_or(&DEFAULT)
}

/// The `serviceAccount` field of a chunk's workloads, by namespace and account name.
type Accounts<'a> = HashMap<(&'a str, &'a str), Arc<Related<'a>>>;

fn binding<'a>(object: &'a Object, kind: &str, index: &'a Index) -> Parts<'a> {
    let mut f = base(object, kind, index);
    let rules = index.rules_for(object);
    f.refs
        .push(("unresolved", if rules.is_none() { &TRUE } else { &FALSE }));
    f.set("rules", Value::Array(rules.unwrap_or_default()));
    f.borrow_or("roleRef", object.value.key("roleRef"), &NULL);
    f.borrow_or("subjects", object.value.key("subjects"), &EMPTY_LIST);
    let scope = if kind == "ClusterRoleBinding" {
        &CLUSTER
    } else {
        &NAMESPACE
    };
    f.refs.push(("scope", scope));
    f
}

mod item;
mod related;

#[cfg(test)]
mod tests {
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
}
