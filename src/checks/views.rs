//! Views: the items checks evaluate, computed from a snapshot once so that expressions
//! stay one line. A workload exposes its pod spec wherever it nests and every container
//! tagged with its type; a binding carries the rules of the role it grants.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::relations::Index;
use super::snapshot::{At, Object, Snapshot};

/// One item of a view: the JSON a check sees, and the object it stands for.
///
/// A check sees `value`'s fields, then (for views that pass the object on as it is, such
/// as `configmap` or `service`) the object's own fields under `base`: the object is
/// borrowed, not copied, so a large `ConfigMap` is held once.
#[derive(Clone, Debug)]
pub struct Item<'a> {
    pub object: &'a Object,
    /// The fields the view computes.
    pub value: Value,
    /// Parts taken from inside the object as they are (`podSpec`, `labels`), borrowed.
    pub refs: Vec<(&'static str, &'a Value)>,
    pub base: Option<&'a Map<String, Value>>,
}

impl Item<'_> {
    /// A top-level field as a check sees it.
    pub fn field(&self, key: &str) -> Option<&Value> {
        self.value
            .get(key)
            .or_else(|| self.refs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v))
            .or_else(|| self.base?.get(key))
    }
}

/// An item's fields while a view builds them: computed ones owned, the rest borrowed.
#[derive(Default)]
struct Parts<'a> {
    own: Map<String, Value>,
    refs: Vec<(&'static str, &'a Value)>,
}

impl<'a> Parts<'a> {
    fn set(&mut self, key: &str, value: Value) {
        self.own.insert(key.to_owned(), value);
    }

    /// `key` is `found` when the object has it, else an owned default.
    fn borrow_or(&mut self, key: &'static str, found: Option<&'a Value>, default: Value) {
        match found {
            Some(v) => self.refs.push((key, v)),
            None => self.set(key, default),
        }
    }
}

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
    /// Every view of `snapshot`.
    pub fn build(snapshot: &'a Snapshot) -> Self {
        Self::build_for(&snapshot.objects, &Index::new(snapshot), None)
    }

    /// The views named in `wanted` (all when `None`) of the objects in `snapshot`, with
    /// relations resolved in `index` (which may cover more objects than `snapshot`, when
    /// a large snapshot is checked a chunk at a time). A run of a few checks does not
    /// build the items of views none of them reads.
    pub fn build_for(objects: &'a [Object], index: &Index, wanted: Option<&[&str]>) -> Self {
        let mut views = Views::default();
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
                    if let Some(f) = workload(object, index) {
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
                "binding" => (binding(object, index), None),
                "service" => {
                    let mut f = base(object);
                    f.set("selects", Value::Array(index.selected_by(object)));
                    (f, own)
                }
                "namespace" => {
                    let mut f = base(object);
                    f.set(
                        "networkPolicies",
                        Value::Array(index.policies_in(object.name())),
                    );
                    (f, own)
                }
                "serviceaccount" => {
                    let mut f = base(object);
                    f.set(
                        "bindings",
                        Value::Array(index.bindings_of(object.namespace(), object.name())),
                    );
                    f.set(
                        "usedBy",
                        Value::Array(index.users_of(object.namespace(), object.name())),
                    );
                    (f, own)
                }
                // role, webhook, configmap, node, ingress: the object as it is.
                _ => (base(object), own),
            };
            views.items.entry(name).or_default().push(Item {
                object,
                value: Value::Object(fields.own),
                refs: fields.refs,
                base,
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

fn owned_by_present_controller(object: &Object, index: &Index) -> bool {
    let Some(owners) = object
        .value
        .at("/metadata/ownerReferences")
        .and_then(Value::as_array)
    else {
        return false;
    };
    owners.iter().any(|o| {
        o.get("controller").and_then(Value::as_bool) == Some(true)
            && index.has(
                o.get("kind").and_then(Value::as_str).unwrap_or(""),
                object.namespace(),
                o.get("name").and_then(Value::as_str).unwrap_or(""),
            )
    })
}

/// The common fields of every item: kind, apiVersion, name, namespace computed; labels,
/// annotations and metadata borrowed from the object (empty when it has none).
fn base(object: &Object) -> Parts<'_> {
    let mut f = Parts::default();
    f.set("kind", json!(object.kind()));
    f.set("apiVersion", json!(object.api_version()));
    f.set("name", json!(object.name()));
    f.set("namespace", json!(object.namespace()));
    let meta = object.value.get("metadata");
    f.borrow_or("labels", meta.and_then(|m| m.get("labels")), json!({}));
    f.borrow_or(
        "annotations",
        meta.and_then(|m| m.get("annotations")),
        json!({}),
    );
    f.borrow_or("metadata", meta, Value::Null);
    f
}

/// Where the pod spec sits for each workload kind.
pub fn pod_spec(object: &Object) -> Option<&Value> {
    let v = &object.value;
    match object.kind() {
        "Pod" => v.get("spec"),
        "CronJob" => v.at("/spec/jobTemplate/spec/template/spec"),
        _ => v.at("/spec/template/spec"),
    }
    .filter(|s| s.is_object())
}

fn workload<'a>(object: &'a Object, index: &Index) -> Option<Parts<'a>> {
    let spec = pod_spec(object)?;
    let mut f = base(object);
    let mut containers = Vec::new();
    for (field, kind) in [
        ("initContainers", "init"),
        ("containers", "regular"),
        ("ephemeralContainers", "ephemeral"),
    ] {
        if let Some(list) = spec.get(field).and_then(Value::as_array) {
            for c in list {
                let mut c = c.clone();
                if let Some(map) = c.as_object_mut() {
                    map.insert("type".into(), json!(kind));
                }
                containers.push(c);
            }
        }
    }
    f.set("containers", Value::Array(containers));
    f.borrow_or("volumes", spec.get("volumes"), json!([]));
    let sa = spec
        .get("serviceAccountName")
        .or_else(|| spec.get("serviceAccount"))
        .and_then(Value::as_str)
        .unwrap_or("default");
    f.set(
        "serviceAccount",
        json!({"name": sa, "bindings": index.bindings_of(object.namespace(), sa)}),
    );
    f.set("networkPolicies", Value::Array(index.policies_for(object)));
    f.refs.push(("podSpec", spec));
    f.borrow_or("spec", object.value.get("spec"), Value::Null);
    Some(f)
}

fn binding<'a>(object: &'a Object, index: &Index) -> Parts<'a> {
    let mut f = base(object);
    let rules = index.rules_for(object);
    f.set("unresolved", json!(rules.is_none()));
    f.set("rules", Value::Array(rules.unwrap_or_default()));
    f.borrow_or("roleRef", object.value.get("roleRef"), Value::Null);
    f.borrow_or("subjects", object.value.get("subjects"), json!([]));
    let scope = if object.kind() == "ClusterRoleBinding" {
        "cluster"
    } else {
        "namespace"
    };
    f.set("scope", json!(scope));
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::check::VIEWS;

    #[test]
    fn every_view_a_check_may_name_has_kinds_that_build_it() {
        for view in VIEWS {
            let built = super::super::kinds::KINDS
                .iter()
                .any(|k| view_of(k.kind) == Some(view));
            assert!(built, "no kind builds the {view} view");
        }
    }

    #[test]
    fn only_the_wanted_views_are_built() {
        let snapshot = Snapshot::from_values([json!({"kind": "List", "items": [
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}},
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "m"}},
        ]})]);
        let all = Views::build(&snapshot);
        assert_eq!(
            (all.get("workload").len(), all.get("configmap").len()),
            (1, 1)
        );
        let some = Views::build_for(
            &snapshot.objects,
            &Index::new(&snapshot),
            Some(&["configmap"]),
        );
        assert_eq!(
            (some.get("workload").len(), some.get("configmap").len()),
            (0, 1)
        );
    }
}
