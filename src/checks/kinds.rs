//! The Kubernetes kinds the checks read, and which of them each view needs.
//!
//! One table serves three readers: the live collector (what to list, at which API path),
//! the engine (a check whose view needs a kind that could not be listed is `unknown`),
//! and the test that keeps `assets/rbac/ktm-reader.yaml` granting exactly these.

/// A kind ktm may list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindInfo {
    /// API group, empty for the core group.
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    /// The resource name in URLs and RBAC rules.
    pub plural: &'static str,
    pub namespaced: bool,
    /// Served only where an add-on is installed (Cilium): not being served is normal.
    pub optional: bool,
}

impl KindInfo {
    /// `v1` or `apps/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_owned()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

const fn k(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
) -> KindInfo {
    KindInfo {
        group,
        version,
        kind,
        plural,
        namespaced,
        optional: false,
    }
}

/// Every kind a view reads.
pub const KINDS: &[KindInfo] = &[
    k("", "v1", "Pod", "pods", true),
    k("apps", "v1", "Deployment", "deployments", true),
    k("apps", "v1", "DaemonSet", "daemonsets", true),
    k("apps", "v1", "StatefulSet", "statefulsets", true),
    k("apps", "v1", "ReplicaSet", "replicasets", true),
    k("batch", "v1", "Job", "jobs", true),
    k("batch", "v1", "CronJob", "cronjobs", true),
    k(
        "",
        "v1",
        "ReplicationController",
        "replicationcontrollers",
        true,
    ),
    k("", "v1", "Service", "services", true),
    k("", "v1", "ServiceAccount", "serviceaccounts", true),
    k("", "v1", "ConfigMap", "configmaps", true),
    k("", "v1", "Namespace", "namespaces", false),
    k("", "v1", "Node", "nodes", false),
    k(
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        true,
    ),
    k("networking.k8s.io", "v1", "Ingress", "ingresses", true),
    k("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
    k(
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
    ),
    k(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
    ),
    k(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
    ),
    k(
        "admissionregistration.k8s.io",
        "v1",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        false,
    ),
    k(
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        false,
    ),
    KindInfo {
        optional: true,
        ..k(
            "cilium.io",
            "v2",
            "CiliumNetworkPolicy",
            "ciliumnetworkpolicies",
            true,
        )
    },
    KindInfo {
        optional: true,
        ..k(
            "cilium.io",
            "v2",
            "CiliumClusterwideNetworkPolicy",
            "ciliumclusterwidenetworkpolicies",
            false,
        )
    },
];

const WORKLOADS: &[&str] = &[
    "Pod",
    "Deployment",
    "DaemonSet",
    "StatefulSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "ReplicationController",
];
const RBAC: &[&str] = &["Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"];
const POLICIES: &[&str] = &[
    "NetworkPolicy",
    "CiliumNetworkPolicy",
    "CiliumClusterwideNetworkPolicy",
];

/// The kinds a view is computed from (its own objects and those it resolves).
pub fn kinds_for_view(view: &str) -> Vec<&'static str> {
    let parts: &[&[&str]] = match view {
        "workload" => &[WORKLOADS, RBAC, POLICIES],
        "binding" | "role" => &[RBAC],
        "service" => &[&["Service"], WORKLOADS],
        "namespace" => &[&["Namespace"], POLICIES],
        "webhook" => &[&[
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
        ]],
        "serviceaccount" => &[&["ServiceAccount"], RBAC, WORKLOADS],
        "configmap" => &[&["ConfigMap"]],
        "node" => &[&["Node"]],
        "ingress" => &[&["Ingress"]],
        _ => &[],
    };
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

/// The table entry of a kind.
pub fn info(kind: &str) -> Option<&'static KindInfo> {
    KINDS.iter().find(|k| k.kind == kind)
}

/// The kinds the given views need, each once, in table order.
pub fn kinds_for_views<'a>(views: impl IntoIterator<Item = &'a str>) -> Vec<&'static KindInfo> {
    let wanted: std::collections::BTreeSet<&str> =
        views.into_iter().flat_map(kinds_for_view).collect();
    KINDS.iter().filter(|k| wanted.contains(k.kind)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::check::VIEWS;

    #[test]
    fn every_view_needs_known_kinds() {
        for view in VIEWS {
            let kinds = kinds_for_view(view);
            assert!(!kinds.is_empty(), "{view}");
            for kind in kinds {
                assert!(info(kind).is_some(), "{view} needs unknown kind {kind}");
            }
        }
        assert_eq!(kinds_for_views(VIEWS).len(), KINDS.len());
        assert_eq!(
            info("Deployment").map(KindInfo::api_version).as_deref(),
            Some("apps/v1")
        );
    }
}
