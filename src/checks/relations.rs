//! Relations between objects that views resolve once per snapshot: the role a binding
//! grants (with aggregation), the bindings that name a service account, the workloads
//! that use a service account, and the workloads a service selects. The index is built
//! object by object and owns the little it keeps, with names interned ([`names`]), so a
//! large snapshot can be read in chunks; what views ask of it is in [`queries`].

use std::hash::BuildHasher;

use serde_json::Value;

use super::json::Key;
use super::snapshot::{At, Object, Snapshot};
use super::views::{is_workload_kind, pod_spec_at};
use names::{Name, Names};

/// The index's hash maps: foldhash, randomly seeded per map, so no input can be crafted
/// to collide, and several times faster than the standard `SipHash` on short keys.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// What one `Role` or `ClusterRole` contributes: its rules, and for cluster roles the
/// labels and aggregation selectors that merge them.
#[derive(Debug)]
struct Role {
    name: Name,
    /// The `rules` array as JSON text: parsed rules take some ten times the space, and
    /// a snapshot can hold tens of thousands of roles.
    rules: Box<str>,
    labels: Option<serde_json::Map<String, Value>>,
    selectors: Vec<serde_json::Map<String, Value>>,
}

/// A binding as relations need it: which role it names, and where.
#[derive(Debug)]
struct Binding {
    kind: Name,
    name: Name,
    namespace: Name,
    /// The role's kind and name, when both are strings.
    role: Option<(Name, Name)>,
    /// `roleRef.name` as it is (null when absent).
    role_name: Value,
}

/// A workload as services select it.
#[derive(Debug)]
struct Workload {
    kind: Name,
    name: Name,
    labels: Box<[(Name, Value)]>,
}

/// What identifies an object, read from it once.
struct Id<'o> {
    kind: &'o str,
    namespace: &'o str,
    name: &'o str,
}

impl<'o> Id<'o> {
    fn of(o: &'o Object, kind: &'o str) -> Self {
        Id {
            kind,
            namespace: o.namespace(),
            name: o.name(),
        }
    }
}

/// Indexes over a snapshot, built with [`Index::observe`].
#[derive(Debug, Default)]
pub struct Index {
    names: Names,
    /// Every role in snapshot order; duplicates stay, as aggregation sees each of them.
    role_list: Vec<Role>,
    /// (kind, namespace, name) -> the last role of that identity, in `role_list`.
    roles: HashMap<(Name, Name, Name), usize>,
    /// The cluster roles, in `role_list`.
    cluster_roles: Vec<usize>,
    bindings: Vec<Binding>,
    /// (namespace, service account) -> bindings naming it, in `bindings`.
    sa_bindings: HashMap<(Name, Name), Vec<u32>>,
    /// (namespace, service account) -> (kind, name) of the workloads running as it.
    sa_users: HashMap<(Name, Name), Vec<(Name, Name)>>,
    /// namespace -> workloads with pod template labels.
    workload_labels: HashMap<Name, Vec<Workload>>,
    /// namespace -> `NetworkPolicy` objects in it.
    policies: HashMap<String, Vec<Object>>,
    /// `CiliumClusterwideNetworkPolicy` objects, which select pods in every namespace.
    clusterwide: Vec<Object>,
    /// Hashes of every workload's (kind, namespace, name): 8 bytes a workload. Only
    /// workloads stand in for the objects they control (see `views`). The hasher's keys
    /// are random per run, so no input can be crafted to collide with another object's
    /// identity.
    present: HashSet<u64>,
    hasher: foldhash::fast::RandomState,
}

impl Index {
    pub fn new(snapshot: &Snapshot) -> Self {
        let mut index = Index::default();
        for o in &snapshot.objects {
            index.observe(o);
        }
        index
    }

    /// Takes what the relations need from one object. Its name and namespace are read
    /// only where a relation keeps them: most objects (config maps, services, accounts)
    /// are looked at for their kind and pod spec alone.
    pub fn observe(&mut self, o: &Object) {
        let kind = o.kind();
        match kind {
            "NetworkPolicy" | "CiliumNetworkPolicy" => {
                self.policies
                    .entry(o.namespace().to_owned())
                    .or_default()
                    .push(o.clone());
            }
            "CiliumClusterwideNetworkPolicy" => self.clusterwide.push(o.clone()),
            "Role" | "ClusterRole" => self.observe_role(o, &Id::of(o, kind)),
            "RoleBinding" | "ClusterRoleBinding" => self.observe_binding(o, &Id::of(o, kind)),
            _ => self.observe_workload(o, kind),
        }
    }

    fn observe_role(&mut self, o: &Object, id: &Id<'_>) {
        let cluster = id.kind == "ClusterRole";
        let role = Role {
            name: self.names.intern(id.name),
            rules: o
                .value
                .key("rules")
                .filter(|r| r.is_array())
                .and_then(|r| serde_json::to_string(r).ok())
                .map_or_else(|| "[]".into(), Into::into),
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
                .filter_map(|s| s.key("matchLabels").and_then(Value::as_object))
                .cloned()
                .collect(),
        };
        let at = self.role_list.len();
        let key = (
            self.names.intern(id.kind),
            self.names.intern(id.namespace),
            role.name,
        );
        self.role_list.push(role);
        if cluster {
            self.cluster_roles.push(at);
        }
        self.roles.insert(key, at);
    }

    fn observe_workload(&mut self, o: &Object, kind: &str) {
        let workload = is_workload_kind(kind);
        let spec = pod_spec_at(kind, &o.value);
        if !workload && spec.is_none() {
            return;
        }
        let id = Id::of(o, kind);
        if workload {
            self.present
                .insert(self.hasher.hash_one((id.kind, id.namespace, id.name)));
        }
        let Some(spec) = spec else {
            return;
        };
        let sa = spec
            .key("serviceAccountName")
            .or_else(|| spec.key("serviceAccount"))
            .and_then(Value::as_str)
            .unwrap_or("default");
        let (kind, name) = (self.names.intern(id.kind), self.names.intern(id.name));
        let namespace = self.names.intern(id.namespace);
        let sa = self.names.intern(sa);
        self.sa_users
            .entry((namespace, sa))
            .or_default()
            .push((kind, name));
        if let Some(labels) = template_labels(o) {
            // Labels that are not a map select nothing.
            let labels = labels
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (self.names.intern(k), v.clone()))
                .collect();
            self.workload_labels
                .entry(namespace)
                .or_default()
                .push(Workload { kind, name, labels });
        }
    }

    fn observe_binding(&mut self, o: &Object, id: &Id<'_>) {
        let at = u32::try_from(self.bindings.len()).unwrap_or(u32::MAX);
        let namespace = self.names.intern(id.namespace);
        let role = role_of(o.value.key("roleRef"))
            .map(|(kind, name)| (self.names.intern(kind), self.names.intern(name)));
        self.bindings.push(Binding {
            kind: self.names.intern(id.kind),
            name: self.names.intern(id.name),
            namespace,
            role,
            role_name: o.value.at("/roleRef/name").cloned().unwrap_or(Value::Null),
        });
        for s in o
            .value
            .key("subjects")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if s.key("kind").and_then(Value::as_str) == Some("ServiceAccount") {
                let ns = s
                    .key("namespace")
                    .and_then(Value::as_str)
                    .map_or(namespace, |n| self.names.intern(n));
                let name = s.key("name").and_then(Value::as_str).unwrap_or("");
                let name = self.names.intern(name);
                self.sa_bindings.entry((ns, name)).or_default().push(at);
            }
        }
    }

    /// Whether a workload (an object the `workload` view checks) of this kind,
    /// namespace and name was observed.
    pub fn has_workload(&self, kind: &str, namespace: &str, name: &str) -> bool {
        self.present
            .contains(&self.hasher.hash_one((kind, namespace, name)))
    }
}

/// The kind and name of the role a `roleRef` names, when both are strings.
fn role_of(role_ref: Option<&Value>) -> Option<(&str, &str)> {
    let r = role_ref?;
    let kind = r.key("kind").and_then(Value::as_str)?;
    let name = r.key("name").and_then(Value::as_str)?;
    Some((kind, name))
}

/// The labels a workload's pods carry.
pub(super) fn template_labels(o: &Object) -> Option<&Value> {
    match o.kind() {
        "Pod" => o.value.at("/metadata/labels"),
        "CronJob" => o
            .value
            .at("/spec/jobTemplate/spec/template/metadata/labels"),
        _ => o.value.at("/spec/template/metadata/labels"),
    }
}

mod merge;
mod names;
mod policies;
mod queries;
pub use queries::Rules;
