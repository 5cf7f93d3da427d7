//! Relations between objects that views resolve once per snapshot: the role a binding
//! grants (with aggregation), the bindings that name a service account, the workloads
//! that use a service account, and the workloads a service selects.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

use serde_json::{Value, json};

use super::snapshot::{At, Object, Snapshot};
use super::views::pod_spec;

/// What one `Role` or `ClusterRole` contributes: its rules, and for cluster roles the
/// labels and aggregation selectors that merge them.
#[derive(Debug, Default)]
struct Role {
    name: String,
    /// The `rules` array as JSON text: parsed rules take some ten times the space, and
    /// a snapshot can hold tens of thousands of roles.
    rules: String,
    labels: Option<serde_json::Map<String, Value>>,
    selectors: Vec<serde_json::Map<String, Value>>,
}

/// A binding as relations need it: which role it names, and where.
#[derive(Debug)]
struct Binding {
    kind: String,
    name: String,
    namespace: String,
    /// The role's kind and name, when both are strings.
    role: Option<(String, String)>,
    /// `roleRef.name` as it is (null when absent).
    role_name: Value,
}

/// A workload as services select it.
#[derive(Debug)]
struct Workload {
    kind: String,
    name: String,
    labels: Vec<(String, Value)>,
}

/// The kind and name of the role a `roleRef` names, when both are strings.
fn role_of(role_ref: Option<&Value>) -> Option<(String, String)> {
    let r = role_ref?;
    let kind = r.get("kind").and_then(Value::as_str)?;
    let name = r.get("name").and_then(Value::as_str)?;
    Some((kind.to_owned(), name.to_owned()))
}

/// A workload's reference, as views show it.
fn reference(kind: &str, name: &str) -> Value {
    json!({"kind": kind, "name": name})
}

/// Indexes over a snapshot, built object by object with [`Index::observe`], so a large
/// snapshot can be read in chunks: the index owns the little it keeps of each object.
#[derive(Debug, Default)]
pub struct Index {
    /// Every role in snapshot order; duplicates stay, as aggregation sees each of them.
    role_list: Vec<Role>,
    /// (kind, namespace, name) -> the last role of that identity, in `role_list`.
    roles: HashMap<(String, String, String), usize>,
    /// The cluster roles, in `role_list`.
    cluster_roles: Vec<usize>,
    bindings: Vec<Binding>,
    /// (namespace, service account) -> bindings naming it, by index into `bindings`.
    sa_bindings: HashMap<(String, String), Vec<usize>>,
    /// (namespace, service account) -> workloads running as it.
    sa_users: HashMap<(String, String), Vec<(String, String)>>,
    /// namespace -> workloads with pod template labels.
    workload_labels: HashMap<String, Vec<Workload>>,
    /// namespace -> `NetworkPolicy` objects in it.
    policies: HashMap<String, Vec<Object>>,
    /// `CiliumClusterwideNetworkPolicy` objects, which select pods in every namespace.
    clusterwide: Vec<Object>,
    /// Hashes of every object's (kind, namespace, name): 8 bytes an object instead of
    /// three strings. The hasher's keys are random per run, so no input can be crafted to
    /// collide with another object's identity.
    present: HashSet<u64>,
    hasher: std::collections::hash_map::RandomState,
}

impl Index {
    pub fn new(snapshot: &Snapshot) -> Self {
        let mut index = Index::default();
        for o in &snapshot.objects {
            index.observe(o);
        }
        index
    }

    /// Takes what the relations need from one object.
    pub fn observe(&mut self, o: &Object) {
        self.present
            .insert(self.hasher.hash_one((o.kind(), o.namespace(), o.name())));
        match o.kind() {
            "NetworkPolicy" | "CiliumNetworkPolicy" => {
                self.policies
                    .entry(o.namespace().to_owned())
                    .or_default()
                    .push(o.clone());
            }
            "CiliumClusterwideNetworkPolicy" => self.clusterwide.push(o.clone()),
            "Role" | "ClusterRole" => {
                let cluster = o.kind() == "ClusterRole";
                let role = Role {
                    name: o.name().to_owned(),
                    rules: o
                        .value
                        .get("rules")
                        .filter(|r| r.is_array())
                        .map_or_else(|| "[]".to_owned(), Value::to_string),
                    labels: cluster
                        .then(|| o.value.at("/metadata/labels").and_then(Value::as_object))
                        .flatten()
                        .cloned(),
                    selectors: o
                        .value
                        .at("/aggregationRule/clusterRoleSelectors")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|s| s.get("matchLabels").and_then(Value::as_object))
                        .cloned()
                        .collect(),
                };
                let at = self.role_list.len();
                self.role_list.push(role);
                if cluster {
                    self.cluster_roles.push(at);
                }
                self.roles.insert(
                    (
                        o.kind().to_owned(),
                        o.namespace().to_owned(),
                        o.name().to_owned(),
                    ),
                    at,
                );
            }
            "RoleBinding" | "ClusterRoleBinding" => self.observe_binding(o),
            _ => {
                if let Some(spec) = pod_spec(o) {
                    let sa = spec
                        .get("serviceAccountName")
                        .or_else(|| spec.get("serviceAccount"))
                        .and_then(Value::as_str)
                        .unwrap_or("default");
                    self.sa_users
                        .entry((o.namespace().to_owned(), sa.to_owned()))
                        .or_default()
                        .push((o.kind().to_owned(), o.name().to_owned()));
                    if let Some(labels) = template_labels(o) {
                        // Labels that are not a map select nothing, as before.
                        let labels = labels
                            .as_object()
                            .into_iter()
                            .flatten()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect();
                        self.workload_labels
                            .entry(o.namespace().to_owned())
                            .or_default()
                            .push(Workload {
                                kind: o.kind().to_owned(),
                                name: o.name().to_owned(),
                                labels,
                            });
                    }
                }
            }
        }
    }

    fn observe_binding(&mut self, o: &Object) {
        let at = self.bindings.len();
        self.bindings.push(Binding {
            kind: o.kind().to_owned(),
            name: o.name().to_owned(),
            namespace: o.namespace().to_owned(),
            role: role_of(o.value.get("roleRef")),
            role_name: o.value.at("/roleRef/name").cloned().unwrap_or(Value::Null),
        });
        for s in o
            .value
            .get("subjects")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if s.get("kind").and_then(Value::as_str) == Some("ServiceAccount") {
                let ns = s
                    .get("namespace")
                    .and_then(Value::as_str)
                    .unwrap_or(o.namespace());
                let name = s.get("name").and_then(Value::as_str).unwrap_or("");
                self.sa_bindings
                    .entry((ns.to_owned(), name.to_owned()))
                    .or_default()
                    .push(at);
            }
        }
    }

    /// Whether an object of this kind, namespace and name was observed.
    pub fn has(&self, kind: &str, namespace: &str, name: &str) -> bool {
        self.present
            .contains(&self.hasher.hash_one((kind, namespace, name)))
    }

    /// The rules a binding grants; `None` when its role is not in the snapshot.
    pub fn rules_for(&self, binding: &Object) -> Option<Vec<Value>> {
        let (kind, name) = role_of(binding.value.get("roleRef"))?;
        self.rules_of(&kind, &name, binding.namespace())
    }

    fn rules_of(&self, kind: &str, name: &str, namespace: &str) -> Option<Vec<Value>> {
        let ns = if kind == "ClusterRole" { "" } else { namespace };
        let at = self
            .roles
            .get(&(kind.to_owned(), ns.to_owned(), name.to_owned()))?;
        Some(self.role_rules(self.role_list.get(*at)?))
    }

    /// A role's rules, with the rules of the `ClusterRoles` it aggregates merged in.
    fn role_rules(&self, role: &Role) -> Vec<Value> {
        let parse = |text: &str| serde_json::from_str::<Vec<Value>>(text).unwrap_or_default();
        let mut rules = parse(&role.rules);
        for wanted in &role.selectors {
            for other in self
                .cluster_roles
                .iter()
                .filter_map(|&i| self.role_list.get(i))
                .filter(|o| o.name != role.name)
            {
                let labels = other.labels.as_ref();
                if labels.is_some_and(|l| wanted.iter().all(|(k, v)| l.get(k) == Some(v))) {
                    rules.extend(parse(&other.rules));
                }
            }
        }
        rules
    }

    /// Bindings (with their rules) that name this service account.
    pub fn bindings_of(&self, namespace: &str, name: &str) -> Vec<Value> {
        let Some(found) = self
            .sa_bindings
            .get(&(namespace.to_owned(), name.to_owned()))
        else {
            return Vec::new();
        };
        found
            .iter()
            .filter_map(|&i| self.bindings.get(i))
            .map(|b| {
                let rules = b
                    .role
                    .as_ref()
                    .and_then(|(kind, name)| self.rules_of(kind, name, &b.namespace))
                    .unwrap_or_default();
                json!({"kind": b.kind, "name": b.name, "namespace": b.namespace, "roleRef": b.role_name,
                    "rules": rules})
            })
            .collect()
    }

    /// Workloads that run as this service account.
    pub fn users_of(&self, namespace: &str, name: &str) -> Vec<Value> {
        self.sa_users
            .get(&(namespace.to_owned(), name.to_owned()))
            .into_iter()
            .flatten()
            .map(|(kind, name)| reference(kind, name))
            .collect()
    }

    /// Workloads in the service's namespace whose pod labels match its selector.
    pub fn selected_by(&self, service: &Object) -> Vec<Value> {
        let Some(selector) = service
            .value
            .at("/spec/selector")
            .and_then(Value::as_object)
        else {
            return Vec::new();
        };
        if selector.is_empty() {
            return Vec::new();
        }
        self.workload_labels
            .get(service.namespace())
            .into_iter()
            .flatten()
            .filter(|w| {
                selector
                    .iter()
                    .all(|(k, v)| w.labels.iter().any(|(l, x)| l == k && x == v))
            })
            .map(|w| reference(&w.kind, &w.name))
            .collect()
    }
}

impl Index {
    /// `NetworkPolicy` objects in the workload's namespace whose pod selector matches its pods
    /// (`matchLabels` and `matchExpressions` with `In`, `NotIn`, `Exists`, `DoesNotExist`).
    pub fn policies_for(&self, workload: &Object) -> Vec<Value> {
        let empty = Value::Object(serde_json::Map::new());
        let labels = template_labels(workload).unwrap_or(&empty);
        let namespace = workload.namespace();
        self.policies
            .get(namespace)
            .into_iter()
            .flatten()
            .chain(&self.clusterwide)
            .filter(|p| {
                policy_selectors(p)
                    .iter()
                    .any(|s| selects_pod(s, labels, namespace))
            })
            .map(|p| {
                json!({
                    "kind": p.kind(),
                    "name": p.name(),
                    "policyTypes": p.value.at("/spec/policyTypes").cloned().unwrap_or(Value::Null),
                })
            })
            .collect()
    }

    /// The `NetworkPolicy` objects of a namespace.
    pub fn policies_in(&self, namespace: &str) -> Vec<Value> {
        self.policies
            .get(namespace)
            .into_iter()
            .flatten()
            .chain(&self.clusterwide)
            .map(|p| p.value.clone())
            .collect()
    }
}

/// The pod selectors of a network policy: `podSelector` for Kubernetes policies,
/// `endpointSelector` (also inside `specs[]`) for Cilium's.
fn policy_selectors(policy: &Object) -> Vec<&Value> {
    if policy.kind() == "NetworkPolicy" {
        return policy.value.at("/spec/podSelector").into_iter().collect();
    }
    let mut out: Vec<&Value> = policy
        .value
        .at("/spec/endpointSelector")
        .into_iter()
        .collect();
    let specs = policy.value.get("specs").and_then(Value::as_array);
    out.extend(
        specs
            .into_iter()
            .flatten()
            .filter_map(|s| s.get("endpointSelector")),
    );
    out
}

/// Whether a selector picks a pod with these labels in this namespace. Cilium writes
/// labels with a `k8s:` source prefix and may select on `io.kubernetes.pod.namespace`.
fn selects_pod(selector: &Value, labels: &Value, namespace: &str) -> bool {
    let mut all = labels.as_object().cloned().unwrap_or_default();
    all.insert("io.kubernetes.pod.namespace".into(), json!(namespace));
    let normalize = |s: &Value| -> Value {
        let mut s = s.clone();
        if let Some(m) = s.get_mut("matchLabels").and_then(Value::as_object_mut) {
            *m = m
                .iter()
                .map(|(k, v)| (k.trim_start_matches("k8s:").to_owned(), v.clone()))
                .collect();
        }
        if let Some(list) = s.get_mut("matchExpressions").and_then(Value::as_array_mut) {
            for e in list {
                if let Some(k) = e
                    .get("key")
                    .and_then(Value::as_str)
                    .map(|k| k.trim_start_matches("k8s:").to_owned())
                {
                    e["key"] = json!(k);
                }
            }
        }
        s
    };
    selects(&normalize(selector), &Value::Object(all))
}

/// Whether a label selector matches a label set; the empty selector matches everything.
fn selects(selector: &Value, labels: &Value) -> bool {
    let label = |k: &str| labels.get(k).and_then(Value::as_str);
    let match_labels = selector.get("matchLabels").and_then(Value::as_object);
    if !match_labels
        .into_iter()
        .flatten()
        .all(|(k, v)| label(k) == v.as_str())
    {
        return false;
    }
    let exprs = selector.get("matchExpressions").and_then(Value::as_array);
    exprs.into_iter().flatten().all(|e| {
        let key = e.get("key").and_then(Value::as_str).unwrap_or("");
        let values: Vec<&str> = e
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        match e.get("operator").and_then(Value::as_str) {
            Some("In") => label(key).is_some_and(|v| values.contains(&v)),
            Some("NotIn") => label(key).is_none_or(|v| !values.contains(&v)),
            Some("Exists") => label(key).is_some(),
            Some("DoesNotExist") => label(key).is_none(),
            _ => false,
        }
    })
}

fn template_labels(o: &Object) -> Option<&Value> {
    match o.kind() {
        "Pod" => o.value.at("/metadata/labels"),
        "CronJob" => o
            .value
            .at("/spec/jobTemplate/spec/template/metadata/labels"),
        _ => o.value.at("/spec/template/metadata/labels"),
    }
}
