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
    pub value: Value,
    pub base: Option<&'a Map<String, Value>>,
}

impl Item<'_> {
    /// A top-level field as a check sees it.
    pub fn field(&self, key: &str) -> Option<&Value> {
        self.value.get(key).or_else(|| self.base?.get(key))
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
        Self::build_for(snapshot, None)
    }

    /// The views named in `wanted` (all when `None`): a run of a few checks does not
    /// build the items of views none of them reads.
    pub fn build_for(snapshot: &'a Snapshot, wanted: Option<&[&str]>) -> Self {
        let mut views = Views::default();
        let index = Index::new(snapshot);
        let present: std::collections::HashSet<(&str, &str, &str)> = snapshot
            .objects
            .iter()
            .map(|o| (o.kind(), o.namespace(), o.name()))
            .collect();
        for object in &snapshot.objects {
            let kind = object.kind();
            let Some(name) = view_of(kind) else {
                continue;
            };
            if wanted.is_some_and(|w| !w.contains(&name)) {
                continue;
            }
            let own = object.value.as_object();
            let (value, base) = match name {
                "workload" => {
                    if owned_by_present_controller(object, &present) {
                        continue;
                    }
                    if let Some(v) = workload(object, &index) {
                        (v, None)
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
                "binding" => (binding(object, &index), None),
                "service" => {
                    let mut v = plain(object);
                    v["selects"] = Value::Array(index.selected_by(object));
                    (v, own)
                }
                "namespace" => (namespace(object, &index), own),
                "serviceaccount" => {
                    let mut v = plain(object);
                    v["bindings"] =
                        Value::Array(index.bindings_of(object.namespace(), object.name()));
                    v["usedBy"] = Value::Array(index.users_of(object.namespace(), object.name()));
                    (v, own)
                }
                // role, webhook, configmap, node, ingress: the object as it is.
                _ => (plain(object), own),
            };
            views.items.entry(name).or_default().push(Item {
                object,
                value,
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

fn owned_by_present_controller(
    object: &Object,
    present: &std::collections::HashSet<(&str, &str, &str)>,
) -> bool {
    let Some(owners) = object
        .value
        .at("/metadata/ownerReferences")
        .and_then(Value::as_array)
    else {
        return false;
    };
    owners.iter().any(|o| {
        o.get("controller").and_then(Value::as_bool) == Some(true)
            && present.contains(&(
                o.get("kind").and_then(Value::as_str).unwrap_or(""),
                object.namespace(),
                o.get("name").and_then(Value::as_str).unwrap_or(""),
            ))
    })
}

fn base(object: &Object) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("kind".into(), json!(object.kind()));
    m.insert("apiVersion".into(), json!(object.api_version()));
    m.insert("name".into(), json!(object.name()));
    m.insert("namespace".into(), json!(object.namespace()));
    let meta = object.value.get("metadata").cloned().unwrap_or(Value::Null);
    m.insert(
        "labels".into(),
        meta.get("labels").cloned().unwrap_or_else(|| json!({})),
    );
    m.insert(
        "annotations".into(),
        meta.get("annotations")
            .cloned()
            .unwrap_or_else(|| json!({})),
    );
    m.insert("metadata".into(), meta);
    m
}

/// The common fields (kind, name, namespace, labels, annotations) of a view that shows
/// the object itself: its own fields come from the object, borrowed ([`Item::base`]).
fn plain(object: &Object) -> Value {
    Value::Object(base(object))
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

fn workload(object: &Object, index: &Index<'_>) -> Option<Value> {
    let spec = pod_spec(object)?.clone();
    let mut m = base(object);
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
    m.insert("containers".into(), Value::Array(containers));
    m.insert(
        "volumes".into(),
        spec.get("volumes").cloned().unwrap_or_else(|| json!([])),
    );
    let sa = spec
        .get("serviceAccountName")
        .or_else(|| spec.get("serviceAccount"))
        .and_then(Value::as_str)
        .unwrap_or("default");
    m.insert(
        "serviceAccount".into(),
        json!({"name": sa, "bindings": index.bindings_of(object.namespace(), sa)}),
    );
    m.insert(
        "networkPolicies".into(),
        Value::Array(index.policies_for(object)),
    );
    m.insert("podSpec".into(), spec);
    m.insert(
        "spec".into(),
        object.value.get("spec").cloned().unwrap_or(Value::Null),
    );
    Some(Value::Object(m))
}

fn binding(object: &Object, index: &Index<'_>) -> Value {
    let mut m = base(object);
    let rules = index.rules_for(object);
    m.insert("unresolved".into(), json!(rules.is_none()));
    m.insert("rules".into(), Value::Array(rules.unwrap_or_default()));
    m.insert(
        "roleRef".into(),
        object.value.get("roleRef").cloned().unwrap_or(Value::Null),
    );
    m.insert(
        "subjects".into(),
        object
            .value
            .get("subjects")
            .cloned()
            .unwrap_or_else(|| json!([])),
    );
    let scope = if object.kind() == "ClusterRoleBinding" {
        "cluster"
    } else {
        "namespace"
    };
    m.insert("scope".into(), json!(scope));
    Value::Object(m)
}

fn namespace(object: &Object, index: &Index<'_>) -> Value {
    let mut m = match plain(object) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    m.insert(
        "networkPolicies".into(),
        Value::Array(index.policies_in(object.name())),
    );
    Value::Object(m)
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
        let some = Views::build_for(&snapshot, Some(&["configmap"]));
        assert_eq!(
            (some.get("workload").len(), some.get("configmap").len()),
            (0, 1)
        );
    }
}
