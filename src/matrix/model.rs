//! The matrix's domain types: what a contributor writes in YAML, as serde structs.
//!
//! These types are pure data. They derive `Deserialize` (the shape of the YAML files),
//! `Serialize` (JSON output) and `JsonSchema` (editor schemas under `assets/schema/`).
//! Positions in the source file are carried by [`Located`], whose YAML-aware
//! deserializer lives in `load`, the only module that knows the YAML crate.

use std::borrow::Cow;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A position in a source file, 1-based; `0:0` when unknown (for example, built in code).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// A value together with where it was written.
///
/// Serializes (and describes itself in JSON Schema) as the bare value.
#[derive(Clone, Debug, Default)]
pub struct Located<T> {
    pub value: T,
    pub pos: Pos,
}

impl<T> Located<T> {
    pub fn new(value: T, pos: Pos) -> Self {
        Self { value, pos }
    }
}

impl<T: PartialEq> PartialEq for Located<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Located<T> {}

impl<T> std::ops::Deref for Located<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: fmt::Display> fmt::Display for Located<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T: Serialize> Serialize for Located<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

impl<T: JsonSchema> JsonSchema for Located<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

id_type!(
    /// A tactic's slug, for example `privilege-escalation`.
    TacticId
);
id_type!(
    /// A technique id, `MS-TA9` followed by three digits, for example `MS-TA9018`.
    TechniqueId
);
id_type!(
    /// A mitigation id, `MS-M9` followed by three digits and an optional `.00n` suffix.
    MitigationId
);

/// The file where an entity was defined, as shown in diagnostics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin(pub String);

/// `matrix/tactics.yaml`: the ordered columns of the matrix.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TacticsFile {
    /// The tactics, in matrix order (left to right).
    pub tactics: Vec<Tactic>,
}

/// One column of the matrix: a stage of an attack.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tactic {
    /// Slug id, lower-case words joined by `-`, for example `initial-access`.
    pub id: Located<TacticId>,
    /// Display name, for example `Initial Access`.
    pub name: Located<String>,
    /// The ATT&CK tactic id, for example `TA0001`.
    #[serde(default)]
    pub attack: Option<Located<String>>,
    /// The attacker's goal at this stage, in one or two sentences.
    pub summary: String,
    /// Marks placeholder content still to be written; `ktm validate` warns about it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub draft: bool,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// `matrix/techniques/MS-TA90xx.yaml`: one technique.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Technique {
    /// `MS-TA9` followed by three digits; must equal the file name.
    pub id: Located<TechniqueId>,
    /// Display name as in the published matrix.
    pub name: Located<String>,
    /// Tactic slugs (one or more), in matrix order.
    pub tactics: Vec<Located<TacticId>>,
    /// ATT&CK technique ids, for example `T1610` or `T1552.007`.
    #[serde(default)]
    pub attack: Vec<Located<String>>,
    /// One line, at most 100 characters: what the attacker achieves.
    pub summary: String,
    /// Words a responder would type for this technique (tools, commands, synonyms).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// How the technique works in Kubernetes, in markdown.
    pub description: String,
    /// Where and how to see the technique being used.
    #[serde(default)]
    pub detections: Vec<Detection>,
    /// Mitigations that address this technique, each with how it applies.
    #[serde(default)]
    pub mitigations: Vec<MitigationLink>,
    /// Ids of checks that find this technique's preconditions in cluster objects.
    #[serde(default)]
    pub checks: Vec<Located<String>>,
    /// Why this technique has no check (its trace is not visible in API objects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checks_note: Option<String>,
    /// Ids of response playbooks for this technique.
    #[serde(default)]
    pub playbooks: Vec<Located<String>>,
    /// Authoritative URLs.
    #[serde(default)]
    pub references: Vec<Located<String>>,
    /// Marks placeholder content still to be written; `ktm validate` warns about it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub draft: bool,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// A way to observe a technique in some data source.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Detection {
    /// Data source: one of `kubernetes-audit`, `runtime`, `cloud-audit`, `network`, `node`.
    pub source: Located<String>,
    /// Kebab-case id, unique in the matrix; required with `match` (it names hunt hits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Located<String>>,
    /// The concrete signal: audit verb and resource, process, syscall, destination, file.
    pub signal: String,
    /// An example query: jq filter over audit logs, runtime rule condition, kubectl command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// `kubernetes-audit` only: a CEL expression over one audit event that `ktm hunt` runs
    /// (variables `event`, `actor`, `groups`, `system`, `anonymous`, `allowed`, `peer`,
    /// `podSpec`, `containers`, `grants`).
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub expr: Option<Located<String>>,
    /// Events the expression must match and must not match; `ktm validate` runs them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tests: Option<DetectionTests>,
}

/// Inline test events of an executable detection.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DetectionTests {
    /// Audit events (partial: the fields the expression reads) that must match.
    #[serde(default, rename = "match")]
    pub matches: Vec<serde_json::Value>,
    /// Audit events that must not match.
    #[serde(default)]
    pub no_match: Vec<serde_json::Value>,
}

/// The data sources a detection may name.
pub const DETECTION_SOURCES: [&str; 5] = [
    "kubernetes-audit",
    "runtime",
    "cloud-audit",
    "network",
    "node",
];

/// A technique's link to a mitigation.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MitigationLink {
    /// The mitigation's id.
    pub id: Located<MitigationId>,
    /// One line on how the mitigation applies to this technique.
    #[serde(default)]
    pub how: String,
}

/// `matrix/mitigations/MS-M90xx.yaml`: one mitigation.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mitigation {
    /// `MS-M9` followed by three digits, optionally `.00n` for a sub-mitigation.
    pub id: Located<MitigationId>,
    /// Display name as in the published matrix.
    pub name: Located<String>,
    /// The parent mitigation of a sub-mitigation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<Located<MitigationId>>,
    /// ATT&CK mitigation ids, for example `M1038`.
    #[serde(default)]
    pub attack: Vec<Located<String>>,
    /// One line: what the control does.
    pub summary: String,
    /// Words a responder would type for this mitigation.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// What to configure, in markdown.
    pub description: String,
    /// Techniques this mitigation addresses.
    #[serde(default)]
    pub techniques: Vec<Located<TechniqueId>>,
    /// Authoritative URLs.
    #[serde(default)]
    pub references: Vec<Located<String>>,
    /// Marks placeholder content still to be written; `ktm validate` warns about it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub draft: bool,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_false(b: &bool) -> bool {
    !*b
}
