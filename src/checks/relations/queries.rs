//! What views ask of the index: the rules a binding grants (with aggregation), the
//! bindings that name a service account, the workloads that run as one, and the
//! workloads a service selects.

use std::sync::OnceLock;

use serde_json::{Value, json};

use super::{Index, Name, Role, role_of};
use crate::checks::json::Key;
use crate::checks::snapshot::{At, Object};
use crate::checks::views::Rel;

impl Index {
    /// The rules a binding grants; `None` when its role is not in the snapshot.
    pub fn rules_for(&self, binding: &Object) -> Option<Vec<Value>> {
        let (kind, name) = role_of(binding.value.key("roleRef"))?;
        let ns = if kind == "ClusterRole" {
            ""
        } else {
            binding.namespace()
        };
        let key = (
            self.names.get(kind)?,
            self.names.get(ns)?,
            self.names.get(name)?,
        );
        self.rules_at(key)
    }

    fn rules_at(&self, key: (Name, Name, Name)) -> Option<Vec<Value>> {
        let at = self.roles.get(&key)?;
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
    pub fn binding_rels(&self, namespace: &str, name: &str) -> Vec<Rel<'_>> {
        let key = self.names.get(namespace).zip(self.names.get(name));
        let Some(found) = key.and_then(|k| self.sa_bindings.get(&k)) else {
            return Vec::new();
        };
        let cluster_role = self.names.get("ClusterRole");
        let empty = self.names.get("");
        found
            .iter()
            .filter_map(|&i| self.bindings.get(i as usize))
            .map(|b| {
                let role = b.role.and_then(|(kind, name)| {
                    let ns = if Some(kind) == cluster_role {
                        empty?
                    } else {
                        b.namespace
                    };
                    Some((kind, ns, name))
                });
                Rel::Binding {
                    kind: self.names.string(b.kind),
                    name: self.names.string(b.name),
                    namespace: self.names.string(b.namespace),
                    role_ref: &b.role_name,
                    rules: Rules {
                        index: self,
                        role,
                        parsed: OnceLock::new(),
                    },
                }
            })
            .collect()
    }

    /// Workloads that run as this service account.
    pub fn user_rels(&self, namespace: &str, name: &str) -> Vec<Rel<'_>> {
        let key = self.names.get(namespace).zip(self.names.get(name));
        key.and_then(|k| self.sa_users.get(&k))
            .into_iter()
            .flatten()
            .map(|&(kind, name)| Rel::User {
                kind: self.names.string(kind),
                name: self.names.string(name),
            })
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
        let wanted: Option<Vec<(Name, &Value)>> = selector
            .iter()
            .map(|(k, v)| Some((self.names.get(k)?, v)))
            .collect();
        // A selector key no workload label has selects nothing.
        let Some(wanted) = wanted else {
            return Vec::new();
        };
        let ns = self.names.get(service.namespace());
        ns.and_then(|ns| self.workload_labels.get(&ns))
            .into_iter()
            .flatten()
            .filter(|w| {
                wanted
                    .iter()
                    .all(|(k, v)| w.labels.iter().any(|(l, x)| l == k && x == *v))
            })
            .map(|w| self.reference(w.kind, w.name))
            .collect()
    }

    /// A workload's reference, as views show it.
    fn reference(&self, kind: Name, name: Name) -> Value {
        json!({"kind": self.names.str(kind), "name": self.names.str(name)})
    }
}

/// The rules of the role a binding grants, parsed from the index when first read (none
/// when the role is not in the snapshot).
#[derive(Clone, Debug)]
pub struct Rules<'a> {
    index: &'a Index,
    /// The role's kind, namespace and name.
    role: Option<(Name, Name, Name)>,
    parsed: OnceLock<Vec<Value>>,
}

impl Rules<'_> {
    pub fn get(&self) -> &Vec<Value> {
        self.parsed.get_or_init(|| {
            self.role
                .and_then(|key| self.index.rules_at(key))
                .unwrap_or_default()
        })
    }
}
