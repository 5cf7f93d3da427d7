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
mod tests;
