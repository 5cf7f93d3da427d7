//! Network policies as views see them: which policies select a workload's pods
//! (Kubernetes `podSelector`, Cilium `endpointSelector`), and a namespace's policies.

use serde_json::{Value, json};

use super::Index;
use super::template_labels;
use crate::checks::snapshot::{At, Object};

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
