//! Views: the items checks evaluate, computed from a snapshot once so that expressions
//! stay one line. A workload exposes its pod spec wherever it nests and every container
//! tagged with its type; a binding carries the rules of the role it grants.

use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock};

use serde_json::{Map, Value, json};

use super::snapshot::is_cluster_scoped;

use super::relations::Index;
use super::snapshot::{At, Object, Snapshot};

/// One item of a view: the JSON a check sees, and the object it stands for.
///
/// A check sees `value`'s fields, then the parts borrowed from the object (`refs`), then
/// the relation fields (`lazy`, worked out the first time an expression reads them), then
/// (for views that pass the object on as it is, such as `configmap` or `service`) the
/// object's own fields under `base`. The object is borrowed, not copied, so a large
/// `ConfigMap` is held once.
#[derive(Clone, Debug)]
pub struct Item<'a> {
    pub object: &'a Object,
    /// The fields the view computes.
    pub value: Value,
    /// Parts taken from inside the object as they are (`podSpec`, `labels`), borrowed.
    pub refs: Vec<(&'static str, &'a Value)>,
    /// Fields resolved across the snapshot, each computed on first read.
    pub lazy: Vec<Lazy<'a>>,
    pub base: Option<&'a Map<String, Value>>,
}

/// A relation field of an item: `make` computes it from the index, once, when it is read.
/// Most checks never read most relations (no shipped check reads a service's `selects`),
/// and a check that does often decides before it gets there.
#[derive(Clone)]
pub struct Lazy<'a> {
    key: &'static str,
    index: &'a Index,
    make: fn(&Index, &Object) -> Value,
    cell: OnceLock<Value>,
}

impl std::fmt::Debug for Lazy<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lazy")
            .field("key", &self.key)
            .field("value", &self.cell.get())
            .finish_non_exhaustive()
    }
}

impl Item<'_> {
    /// A top-level field as a check sees it.
    pub fn field(&self, key: &str) -> Option<&Value> {
        self.value
            .get(key)
            .or_else(|| self.refs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v))
            .or_else(|| {
                let lazy = self.lazy.iter().find(|l| l.key == key)?;
                Some(
                    lazy.cell
                        .get_or_init(|| (lazy.make)(lazy.index, self.object)),
                )
            })
            .or_else(|| self.base?.get(key))
    }

    /// The names of its top-level fields, sorted, each once: what iterating it yields.
    pub fn names(&self) -> Vec<&str> {
        super::overlay::layer_names(
            self.value
                .as_object()
                .into_iter()
                .flat_map(|m| m.keys().map(String::as_str))
                .chain(self.lazy.iter().map(|l| l.key)),
            &self.refs,
            self.base,
        )
    }

    /// Whether it has layers beyond `value` (else `value` is the whole item).
    pub fn layered(&self) -> bool {
        !self.refs.is_empty() || !self.lazy.is_empty() || self.base.is_some()
    }
}

/// An item's fields while a view builds them: computed ones owned, the rest borrowed.
struct Parts<'a> {
    own: Map<String, Value>,
    refs: Vec<(&'static str, &'a Value)>,
    lazy: Vec<Lazy<'a>>,
    index: &'a Index,
}

impl<'a> Parts<'a> {
    fn new(index: &'a Index) -> Self {
        Parts {
            own: Map::new(),
            refs: Vec::new(),
            lazy: Vec::new(),
            index,
        }
    }

    fn set(&mut self, key: &str, value: Value) {
        self.own.insert(key.to_owned(), value);
    }

    /// `key` is `found` when the object has it, else `default`.
    fn borrow_or(&mut self, key: &'static str, found: Option<&'a Value>, default: &'a Value) {
        self.refs.push((key, found.unwrap_or(default)));
    }

    /// `key` is worked out by `make` when an expression first reads it.
    fn relation(&mut self, key: &'static str, make: fn(&Index, &Object) -> Value) {
        self.lazy.push(Lazy {
            key,
            index: self.index,
            make,
            cell: OnceLock::new(),
        });
    }
}

/// Defaults that items borrow when their object lacks a field.
static EMPTY_STRING: Value = Value::String(String::new());
static NULL: Value = Value::Null;
static EMPTY_LIST: Value = Value::Array(Vec::new());
static FALSE: Value = Value::Bool(false);
static TRUE: Value = Value::Bool(true);
static EMPTY_MAP: LazyLock<Value> = LazyLock::new(|| Value::Object(Map::new()));
static DEFAULT: LazyLock<Value> = LazyLock::new(|| Value::String("default".to_owned()));
static CLUSTER: LazyLock<Value> = LazyLock::new(|| Value::String("cluster".to_owned()));
static NAMESPACE: LazyLock<Value> = LazyLock::new(|| Value::String("namespace".to_owned()));

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
                    let mut f = base(object, index);
                    f.relation("selects", |index, o| Value::Array(index.selected_by(o)));
                    (f, own)
                }
                "namespace" => {
                    let mut f = base(object, index);
                    f.relation("networkPolicies", |index, o| {
                        Value::Array(index.policies_in(o.name()))
                    });
                    (f, own)
                }
                "serviceaccount" => {
                    let mut f = base(object, index);
                    f.relation("bindings", |index, o| {
                        Value::Array(index.bindings_of(o.namespace(), o.name()))
                    });
                    f.relation("usedBy", |index, o| {
                        Value::Array(index.users_of(o.namespace(), o.name()))
                    });
                    (f, own)
                }
                // role, webhook, configmap, node, ingress: the object as it is.
                _ => (base(object, index), own),
            };
            views.items.entry(name).or_default().push(Item {
                object,
                value: Value::Object(fields.own),
                refs: fields.refs,
                lazy: fields.lazy,
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

/// The common fields of every item, all borrowed: kind, apiVersion, name and namespace
/// as [`Object`] reads them, labels, annotations and metadata (empty when absent).
fn base<'a>(object: &'a Object, index: &'a Index) -> Parts<'a> {
    let mut f = Parts::new(index);
    let v = &object.value;
    let string =
        |found: Option<&'a Value>| found.filter(|s| s.is_string()).unwrap_or(&EMPTY_STRING);
    f.refs.push(("kind", string(v.get("kind"))));
    f.refs.push(("apiVersion", string(v.get("apiVersion"))));
    let meta = v.get("metadata");
    f.refs
        .push(("name", string(meta.and_then(|m| m.get("name")))));
    let namespace = if is_cluster_scoped(object.kind()) {
        &EMPTY_STRING
    } else {
        meta.and_then(|m| m.get("namespace"))
            .filter(|n| n.as_str().is_some_and(|n| !n.is_empty()))
            .unwrap_or(&DEFAULT)
    };
    f.refs.push(("namespace", namespace));
    f.borrow_or("labels", meta.and_then(|m| m.get("labels")), &EMPTY_MAP);
    f.borrow_or(
        "annotations",
        meta.and_then(|m| m.get("annotations")),
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
        "Pod" => v.get("spec"),
        "CronJob" => v.at("/spec/jobTemplate/spec/template/spec"),
        _ => v.at("/spec/template/spec"),
    }
    .filter(|s| s.is_object())
}

fn workload<'a>(object: &'a Object, index: &'a Index) -> Option<Parts<'a>> {
    let spec = pod_spec(object)?;
    let mut f = base(object, index);
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
    f.borrow_or("volumes", spec.get("volumes"), &EMPTY_LIST);
    f.relation("serviceAccount", |index, o| {
        let sa = service_account(o);
        json!({"name": sa, "bindings": index.bindings_of(o.namespace(), sa)})
    });
    f.relation("networkPolicies", |index, o| {
        Value::Array(index.policies_for(o))
    });
    f.refs.push(("podSpec", spec));
    f.borrow_or("spec", object.value.get("spec"), &NULL);
    Some(f)
}

/// The service account a workload's pods run as.
fn service_account(object: &Object) -> &str {
    pod_spec(object)
        .and_then(|spec| {
            spec.get("serviceAccountName")
                .or_else(|| spec.get("serviceAccount"))
        })
        .and_then(Value::as_str)
        .unwrap_or("default")
}

fn binding<'a>(object: &'a Object, index: &'a Index) -> Parts<'a> {
    let mut f = base(object, index);
    let rules = index.rules_for(object);
    f.refs
        .push(("unresolved", if rules.is_none() { &TRUE } else { &FALSE }));
    f.set("rules", Value::Array(rules.unwrap_or_default()));
    f.borrow_or("roleRef", object.value.get("roleRef"), &NULL);
    f.borrow_or("subjects", object.value.get("subjects"), &EMPTY_LIST);
    let scope = if object.kind() == "ClusterRoleBinding" {
        &CLUSTER
    } else {
        &NAMESPACE
    };
    f.refs.push(("scope", scope));
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
