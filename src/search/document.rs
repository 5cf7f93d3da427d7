//! The generic searchable document, and how each matrix entity becomes one.
//!
//! The indexer only knows [`SearchDoc`]: a kind, an id, a name, aliases, a summary, a body,
//! tactics and ATT&CK ids. A new entity kind (checks, playbooks) plugs in by producing
//! these documents; nothing in the indexer or the query code changes.

use std::fmt::Write as _;

use crate::matrix::check::Check;
use crate::matrix::{Matrix, Mitigation, Playbook, Scenario, Tactic, Technique};

/// One entity as the index sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchDoc {
    /// What the entity is, as users type it in `kind:` filters: `technique`, `mitigation`.
    pub kind: String,
    /// The entity's id as displayed, `MS-TA9018`.
    pub id: String,
    pub name: String,
    /// Responders' words for the entity: tools, commands, synonyms.
    pub aliases: Vec<String>,
    /// One line.
    pub summary: String,
    /// Everything else worth finding: description, detections, notes (markdown is fine).
    pub body: String,
    /// Tactic slugs the entity belongs to.
    pub tactics: Vec<String>,
    /// ATT&CK ids, `T1610`, `T1552.007`, `M1038`, `TA0004`.
    pub attack: Vec<String>,
}

/// Every entity of the matrix as a document: techniques, mitigations, playbooks,
/// scenarios, checks, then tactics.
///
/// The order matters only for ties: equal scores rank in this order.
pub fn documents(matrix: &Matrix) -> Vec<SearchDoc> {
    let mut docs = Vec::with_capacity(
        matrix.techniques.len()
            + matrix.mitigations.len()
            + matrix.playbooks.len()
            + matrix.scenarios.len()
            + matrix.checks.len()
            + matrix.tactics.len(),
    );
    docs.extend(matrix.techniques.iter().map(technique));
    docs.extend(matrix.mitigations.iter().map(|m| mitigation(matrix, m)));
    docs.extend(matrix.playbooks.iter().map(|p| playbook(matrix, p)));
    docs.extend(matrix.scenarios.iter().map(|s| scenario(matrix, s)));
    docs.extend(matrix.checks.iter().map(|c| check(matrix, c)));
    docs.extend(matrix.tactics.iter().map(tactic));
    docs
}

/// The tactics of the given techniques, in matrix order.
fn tactics_of<'a>(matrix: &Matrix, ids: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut tactics: Vec<String> = Vec::new();
    for t in ids.filter_map(|id| matrix.technique(id)) {
        for x in &t.tactics {
            if !tactics.iter().any(|s| s == x.as_str()) {
                tactics.push(x.as_str().to_owned());
            }
        }
    }
    let order = |slug: &String| matrix.tactics.iter().position(|t| t.id.as_str() == slug);
    tactics.sort_by_key(order);
    tactics
}

/// A playbook: its step titles are its aliases (short, telling), the steps its body.
fn playbook(matrix: &Matrix, p: &Playbook) -> SearchDoc {
    let mut body = p.intro.clone();
    for step in &p.steps {
        let _ = write!(body, "\n\n{}\n{}", step.title, step.body);
    }
    SearchDoc {
        kind: "playbook".to_owned(),
        id: p.id().to_owned(),
        name: p.meta.title.clone(),
        aliases: p.steps.iter().map(|s| s.title.clone()).collect(),
        summary: first_sentence(&p.intro),
        body,
        tactics: tactics_of(matrix, p.meta.techniques.iter().map(|t| t.as_str())),
        attack: Vec::new(),
    }
}

fn scenario(matrix: &Matrix, x: &Scenario) -> SearchDoc {
    let mut body = String::new();
    for step in &x.steps {
        let _ = write!(body, "{}\n\n", step.narrative.trim());
    }
    SearchDoc {
        kind: "scenario".to_owned(),
        id: x.id.to_string(),
        name: x.title.clone(),
        aliases: Vec::new(),
        summary: x.summary.trim().to_owned(),
        body,
        tactics: tactics_of(matrix, x.steps.iter().map(|s| s.technique.as_str())),
        attack: Vec::new(),
    }
}

fn check(matrix: &Matrix, c: &Check) -> SearchDoc {
    SearchDoc {
        kind: "check".to_owned(),
        id: c.id.to_string(),
        name: c.title.clone(),
        aliases: Vec::new(),
        summary: c.title.clone(),
        body: c.remediation.clone(),
        tactics: tactics_of(matrix, c.techniques.iter().map(|t| t.as_str())),
        attack: Vec::new(),
    }
}

fn first_sentence(text: &str) -> String {
    let text = text.trim();
    let end = text
        .find(". ")
        .map_or(text.len(), |i| i + 1)
        .min(text.find("\n\n").unwrap_or(text.len()));
    text[..end].replace('\n', " ")
}

fn technique(t: &Technique) -> SearchDoc {
    let mut body = t.description.clone();
    for d in &t.detections {
        let _ = write!(body, "\n\n{}", d.signal.trim());
        if let Some(query) = &d.query {
            let _ = write!(body, "\n{}", query.trim());
        }
    }
    for link in &t.mitigations {
        if !link.how.trim().is_empty() {
            let _ = write!(body, "\n\n{}", link.how.trim());
        }
    }
    SearchDoc {
        kind: "technique".to_owned(),
        id: t.id.to_string(),
        name: t.name.to_string(),
        aliases: t.aliases.clone(),
        summary: t.summary.trim().to_owned(),
        body,
        tactics: t.tactics.iter().map(|x| x.as_str().to_owned()).collect(),
        attack: t.attack.iter().map(|a| a.value.clone()).collect(),
    }
}

/// A mitigation's body also holds the notes techniques give on how it applies to them,
/// and its tactics are those of the techniques it addresses.
fn mitigation(matrix: &Matrix, m: &Mitigation) -> SearchDoc {
    let mut body = m.description.clone();
    let mut tactics: Vec<String> = Vec::new();
    for t in matrix.techniques_for(m) {
        for x in &t.tactics {
            if !tactics.iter().any(|s| s == x.as_str()) {
                tactics.push(x.as_str().to_owned());
            }
        }
        for link in t.mitigations.iter().filter(|l| l.id.value == m.id.value) {
            if !link.how.trim().is_empty() {
                let _ = write!(body, "\n\n{}", link.how.trim());
            }
        }
    }
    let order = |slug: &String| matrix.tactics.iter().position(|t| t.id.as_str() == slug);
    tactics.sort_by_key(order);
    SearchDoc {
        kind: "mitigation".to_owned(),
        id: m.id.to_string(),
        name: m.name.to_string(),
        aliases: m.aliases.clone(),
        summary: m.summary.trim().to_owned(),
        body,
        tactics,
        attack: m.attack.iter().map(|a| a.value.clone()).collect(),
    }
}

fn tactic(t: &Tactic) -> SearchDoc {
    SearchDoc {
        kind: "tactic".to_owned(),
        id: t.id.to_string(),
        name: t.name.to_string(),
        aliases: Vec::new(),
        summary: t.summary.trim().to_owned(),
        body: String::new(),
        tactics: vec![t.id.to_string()],
        attack: t.attack.iter().map(|a| a.value.clone()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::{MatrixSource, load_matrix};

    #[test]
    fn every_entity_becomes_one_document_in_rank_order() {
        let loaded = load_matrix(&MatrixSource::Embedded, &[]).expect("embedded matrix");
        let m = &loaded.matrix;
        let docs = documents(m);
        assert_eq!(
            docs.len(),
            m.techniques.len()
                + m.mitigations.len()
                + m.playbooks.len()
                + m.scenarios.len()
                + m.checks.len()
                + m.tactics.len()
        );
        assert_eq!(docs[0].kind, "technique");
        assert_eq!(docs[m.techniques.len()].kind, "mitigation");
        assert_eq!(docs.last().map(|d| d.kind.as_str()), Some("tactic"));
    }

    #[test]
    fn bodies_hold_detections_and_mitigation_notes() {
        let loaded = load_matrix(&MatrixSource::Embedded, &[]).expect("embedded matrix");
        let m = &loaded.matrix;
        let docs = documents(m);
        let miner = docs
            .iter()
            .find(|d| d.id == "MS-TA9039")
            .expect("MS-TA9039");
        assert!(miner.body.contains("--donate-level"));
        assert!(miner.attack.contains(&"T1496".to_owned()));
        // MS-M9012 is linked from MS-TA9039; that technique's note lands in its body.
        let tools = docs.iter().find(|d| d.id == "MS-M9012").expect("MS-M9012");
        let note = &m.technique("MS-TA9039").expect("technique").mitigations;
        let how = note
            .iter()
            .find(|l| l.id.as_str() == "MS-M9012")
            .expect("link");
        assert!(tools.body.contains(how.how.trim()));
        assert!(tools.tactics.contains(&"impact".to_owned()));
    }
}
