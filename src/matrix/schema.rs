//! JSON Schemas for the matrix file kinds, generated from the serde types.
//!
//! The files under `assets/schema/` are these schemas written out; a test fails when they
//! are stale, and every matrix YAML file names its schema so editors complete and check it.

use schemars::JsonSchema;

use super::check::Check;
use super::model::{Mitigation, TacticsFile, Technique};
use super::playbook::FrontMatter;
use super::scenario::Scenario;

/// The schema file name and its JSON text, for every matrix file kind.
pub fn schemas() -> Vec<(&'static str, String)> {
    vec![
        ("tactics.json", render::<TacticsFile>("ktm tactics file")),
        ("technique.json", render::<Technique>("ktm technique file")),
        (
            "mitigation.json",
            render::<Mitigation>("ktm mitigation file"),
        ),
        ("check.json", render::<Check>("ktm check file")),
        ("scenario.json", render::<Scenario>("ktm scenario file")),
        (
            "playbook.json",
            render::<FrontMatter>("ktm playbook front matter"),
        ),
    ]
}

fn render<T: JsonSchema>(title: &str) -> String {
    let mut schema = schemars::schema_for!(T);
    schema.insert("title".to_owned(), title.into());
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
