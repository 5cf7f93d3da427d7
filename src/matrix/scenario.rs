//! `matrix/scenarios/<id>.yaml`: an attack chain, an ordered walk across the matrix.
//!
//! A scenario tells one story (say, a password spray that ends in cryptominers) as a
//! sequence of techniques with a short narrative per step, so a trainer can step along
//! its path on the grid and a responder can see what usually comes next.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::model::{Located, Origin, TechniqueId};

/// One scenario file.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Kebab-case id; must equal the file name.
    pub id: Located<String>,
    /// Title shown in lists.
    pub title: String,
    /// One line, at most 100 characters.
    pub summary: String,
    /// The attack chain, in order.
    pub steps: Vec<ScenarioStep>,
    /// Playbooks that respond to this chain.
    #[serde(default)]
    pub playbooks: Vec<Located<String>>,
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Origin,
}

/// One step of a scenario.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioStep {
    /// The technique used at this step.
    pub technique: Located<TechniqueId>,
    /// What the attacker does here and what trace it leaves, in markdown.
    pub narrative: String,
}
