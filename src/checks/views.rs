//! Views: the items checks evaluate, computed from a snapshot once so that expressions
//! stay one line. A workload exposes its pod spec wherever it nests and every container
//! tagged with its type; a binding carries the rules of the role it grants.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::relations::Index;
use super::snapshot::{Object, Snapshot};

/// One item of a view: the JSON a check sees, and the object it stands for.
#[derive(Clone, Debug)]
pub struct Item<'a> {
    pub object: &'a Object,
    pub value: Value,
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
    pub fn build(snapshot: &'a Snapshot) -> Self {
        let mut views = Views::default();
        let index = Index::new(snapshot);
        let present: std::collections::HashSet<(String, String, String)> = snapshot
            .objects
            .iter()
            .map(|o| {
                (
                    o.kind().to_owned(),
                    o.namespace().to_owned(),
                    o.name().to_owned(),
                )
            })
            .collect();
        for object in &snapshot.objects {
            let kind = object.kind();
            let view = match kind {
                k if WORKLOAD_KINDS.contains(&k) => {
                    if owned_by_present_controller(object, &present) {
                        continue;
                    }
                    if let Some(v) = workload(object, &index) {
                        ("workload", v)
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
                "RoleBinding" | "ClusterRoleBinding" => ("binding", binding(object, &index)),
                "Role" | "ClusterRole" => ("role", plain(object)),
                "Service" => {
                    let mut v = plain(object);
                    v["selects"] = Value::Array(index.selected_by(object));
                    ("service", v)
                }
                "Namespace" => ("namespace", namespace(object, &index)),
                "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration" => {
                    ("webhook", plain(object))
                }
                "ServiceAccount" => {
                    let mut v = plain(object);
                    v["bindings"] =
                        Value::Array(index.bindings_of(object.namespace(), object.name()));
                    v["usedBy"] = Value::Array(index.users_of(object.namespace(), object.name()));
                    ("serviceaccount", v)
                }
                "ConfigMap" => ("configmap", plain(object)),
                "Node" => ("node", plain(object)),
                "Ingress" => ("ingress", plain(object)),
                _ => continue,
            };
            views.items.entry(view.0).or_default().push(Item {
                object,
                value: view.1,
            });
        }
        views
    }

    pub fn get(&self, view: &str) -> &[Item<'a>] {
        self.items.get(view).map_or(&[], Vec::as_slice)
    }
}

fn owned_by_present_controller(
    object: &Object,
    present: &std::collections::HashSet<(String, String, String)>,
) -> bool {
    let Some(owners) = object
        .value
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
    else {
        return false;
    };
    owners.iter().any(|o| {
        o.get("controller").and_then(Value::as_bool) == Some(true)
            && present.contains(&(
                o.get("kind")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                object.namespace().to_owned(),
                o.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
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

/// The object itself plus the common fields (kind, name, namespace, labels, annotations).
fn plain(object: &Object) -> Value {
    let mut m = base(object);
    if let Some(src) = object.value.as_object() {
        for (k, v) in src {
            m.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    Value::Object(m)
}

/// Where the pod spec sits for each workload kind.
pub fn pod_spec(object: &Object) -> Option<&Value> {
    let v = &object.value;
    match object.kind() {
        "Pod" => v.get("spec"),
        "CronJob" => v.pointer("/spec/jobTemplate/spec/template/spec"),
        _ => v.pointer("/spec/template/spec"),
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
