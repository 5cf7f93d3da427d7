//! `matrix/checks/<id>.yaml`: a check's specification, as a contributor writes it.
//!
//! A check finds a technique's trace in Kubernetes objects: a CEL `match` expression over
//! one item of a view (a workload, a binding, a service...), with a message, the evidence
//! path, the command a responder runs to verify, a remediation, and inline test objects.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::model::{Located, Origin, TechniqueId};

/// How bad a finding is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// The views a check can target; each is computed from a snapshot once.
pub const VIEWS: [&str; 10] = [
    "workload",
    "binding",
    "service",
    "namespace",
    "webhook",
    "serviceaccount",
    "configmap",
    "node",
    "ingress",
    "role",
];

/// One check.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// Kebab-case id; must equal the file name.
    pub id: Located<String>,
    /// Short title.
    pub title: String,
    /// Techniques whose trace this check finds (MS-TA ids).
    pub techniques: Vec<Located<TechniqueId>>,
    /// Severity of a finding.
    pub severity: Severity,
    /// The view the expression is evaluated over (workload, binding, service, ...).
    pub view: Located<String>,
    /// CEL expression, true when the item is a finding. Variables: the view's name
    /// (for example `workload`), `object` (the raw object) and `params`.
    #[serde(rename = "match")]
    pub expr: Located<String>,
    /// Message template; `{{kind}}`, `{{namespace}}`, `{{name}}` are replaced.
    pub message: String,
    /// Path of the offending field in the view item, `[]` iterating lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// The kubectl command a responder runs to see the evidence (same placeholders).
    pub verify: String,
    /// How to fix it, in markdown.
    pub remediation: String,
    /// Values the expression reads as `params.<name>`, overridable by the user.
    #[serde(default)]
    pub params: BTreeMap<String, serde_json::Value>,
    /// Objects that must fail and objects that must pass.
    pub tests: CheckTests,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// Inline test cases of a check.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckTests {
    /// Objects the check must flag.
    #[serde(default)]
    pub fail: Vec<serde_json::Value>,
    /// Objects the check must not flag.
    #[serde(default)]
    pub pass: Vec<serde_json::Value>,
}
