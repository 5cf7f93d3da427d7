//! Relations between objects that views resolve once per snapshot: the role a binding
//! grants (with aggregation), the bindings that name a service account, the workloads
//! that use a service account, and the workloads a service selects.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::snapshot::{At, Object, Snapshot};
use super::views::pod_spec;

/// Indexes over one snapshot.
pub struct Index<'a> {
    roles: HashMap<(&'a str, &'a str, &'a str), &'a Object>,
    cluster_roles: Vec<&'a Object>,
    /// (namespace, service account) -> resolved bindings naming it.
    sa_bindings: HashMap<(String, String), Vec<Value>>,
    /// (namespace, service account) -> workloads running as it.
    sa_users: HashMap<(String, String), Vec<Value>>,
    /// namespace -> (workload ref, pod template labels).
    workload_labels: HashMap<&'a str, Vec<(Value, &'a Value)>>,
    /// namespace -> `NetworkPolicy` objects in it.
    policies: HashMap<&'a str, Vec<&'a Object>>,
    /// `CiliumClusterwideNetworkPolicy` objects, which select pods in every namespace.
    clusterwide: Vec<&'a Object>,
}

impl<'a> Index<'a> {
    pub fn new(snapshot: &'a Snapshot) -> Self {
        let mut index = Index {
            roles: HashMap::new(),
            cluster_roles: Vec::new(),
            sa_bindings: HashMap::new(),
            sa_users: HashMap::new(),
            workload_labels: HashMap::new(),
            policies: HashMap::new(),
            clusterwide: Vec::new(),
        };
        for o in &snapshot.objects {
            match o.kind() {
                "NetworkPolicy" | "CiliumNetworkPolicy" => {
                    index.policies.entry(o.namespace()).or_default().push(o);
                }
                "CiliumClusterwideNetworkPolicy" => index.clusterwide.push(o),
                "Role" | "ClusterRole" => {
                    index.roles.insert((o.kind(), o.namespace(), o.name()), o);
                    if o.kind() == "ClusterRole" {
                        index.cluster_roles.push(o);
                    }
                }
                _ => {
                    if let Some(spec) = pod_spec(o) {
                        let sa = spec
                            .get("serviceAccountName")
                            .or_else(|| spec.get("serviceAccount"))
                            .and_then(Value::as_str)
                            .unwrap_or("default");
                        let r = json!({"kind": o.kind(), "name": o.name()});
                        index
                            .sa_users
                            .entry((o.namespace().to_owned(), sa.to_owned()))
                            .or_default()
                            .push(r.clone());
                        if let Some(labels) = template_labels(o) {
                            index
                                .workload_labels
                                .entry(o.namespace())
                                .or_default()
                                .push((r, labels));
                        }
                    }
                }
            }
        }
        for o in snapshot
            .objects
            .iter()
            .filter(|o| matches!(o.kind(), "RoleBinding" | "ClusterRoleBinding"))
        {
            let resolved = json!({"kind": o.kind(), "name": o.name(), "namespace": o.namespace(), "roleRef": o.value.at("/roleRef/name").cloned().unwrap_or(Value::Null), "rules": index.rules_for(o).unwrap_or_default()});
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
                    index
                        .sa_bindings
                        .entry((ns.to_owned(), name.to_owned()))
                        .or_default()
                        .push(resolved.clone());
                }
            }
        }
        index
    }

    /// The rules a binding grants; `None` when its role is not in the snapshot.
    pub fn rules_for(&self, binding: &Object) -> Option<Vec<Value>> {
        let role_ref = binding.value.get("roleRef")?;
        let kind = role_ref.get("kind").and_then(Value::as_str)?;
        let name = role_ref.get("name").and_then(Value::as_str)?;
        let ns = if kind == "ClusterRole" {
            ""
        } else {
            binding.namespace()
        };
        let role = self.roles.get(&(kind, ns, name))?;
        Some(self.role_rules(role))
    }

    /// A role's rules, with the rules of the `ClusterRoles` it aggregates merged in.
    fn role_rules(&self, role: &Object) -> Vec<Value> {
        let mut rules: Vec<Value> = role
            .value
            .get("rules")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let selectors = role
            .value
            .at("/aggregationRule/clusterRoleSelectors")
            .and_then(Value::as_array);
        for selector in selectors.into_iter().flatten() {
            let Some(wanted) = selector.get("matchLabels").and_then(Value::as_object) else {
                continue;
            };
            for other in self
                .cluster_roles
                .iter()
                .filter(|o| o.name() != role.name())
            {
                let labels = other
                    .value
                    .at("/metadata/labels")
                    .and_then(Value::as_object);
                if labels.is_some_and(|l| wanted.iter().all(|(k, v)| l.get(k) == Some(v))) {
                    rules.extend(
                        other
                            .value
                            .get("rules")
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default(),
                    );
                }
            }
        }
        rules
    }

    /// Bindings (with their rules) that name this service account.
    pub fn bindings_of(&self, namespace: &str, name: &str) -> Vec<Value> {
        self.sa_bindings
            .get(&(namespace.to_owned(), name.to_owned()))
            .cloned()
            .unwrap_or_default()
    }

    /// Workloads that run as this service account.
    pub fn users_of(&self, namespace: &str, name: &str) -> Vec<Value> {
        self.sa_users
            .get(&(namespace.to_owned(), name.to_owned()))
            .cloned()
            .unwrap_or_default()
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
            .filter(|(_, labels)| selector.iter().all(|(k, v)| labels.get(k) == Some(v)))
            .map(|(r, _)| r.clone())
            .collect()
    }
}

impl Index<'_> {
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
