//! The threat matrix: tactics, techniques and mitigations, loaded and validated.
//!
//! This is the pure core everything else depends on. [`load_matrix`] reads the embedded
//! copy or a folder (plus optional overlay folders), merges them by id and returns the
//! [`Matrix`] together with every [`Diagnostic`] the validator found.

pub mod check;
mod check_rules;
pub mod diagnostic;
pub mod load;
pub mod model;
pub mod page;
pub mod playbook;
mod playbook_rules;
pub mod scenario;
pub mod schema;
pub mod validate;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

pub use diagnostic::{Code, Diagnostic, Severity};
pub use load::LoadError;
pub use model::{
    Detection, Located, Mitigation, MitigationId, MitigationLink, Origin, Pos, Tactic, TacticId,
    Technique, TechniqueId,
};
pub use playbook::Playbook;
pub use playbook_rules::changes_cluster;
pub use scenario::Scenario;

/// The loaded matrix. Techniques and mitigations are sorted by id; tactics keep matrix order.
#[derive(Clone, Debug, Default)]
pub struct Matrix {
    pub tactics: Vec<Tactic>,
    pub techniques: Vec<Technique>,
    pub mitigations: Vec<Mitigation>,
    pub checks: Vec<check::Check>,
    /// Response playbooks, sorted by id.
    pub playbooks: Vec<Playbook>,
    /// Attack chains, sorted by id.
    pub scenarios: Vec<Scenario>,
    /// Ids of the checks the matrix knows (filled once checks are loaded).
    pub check_ids: BTreeSet<String>,
    /// Ids of the playbooks the matrix knows.
    pub playbook_ids: BTreeSet<String>,
    /// Ids whose files failed to parse: references to them are not reported again.
    pub broken_ids: BTreeSet<String>,
}

/// Any entity of the matrix, by reference.
#[derive(Clone, Copy, Debug)]
pub enum Entity<'a> {
    Tactic(&'a Tactic),
    Technique(&'a Technique),
    Mitigation(&'a Mitigation),
    Playbook(&'a Playbook),
    Scenario(&'a Scenario),
}

impl Entity<'_> {
    pub fn id(&self) -> &str {
        match self {
            Entity::Tactic(t) => t.id.as_str(),
            Entity::Technique(t) => t.id.as_str(),
            Entity::Mitigation(m) => m.id.as_str(),
            Entity::Playbook(p) => p.id(),
            Entity::Scenario(s) => s.id.as_str(),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Entity::Tactic(t) => &t.name,
            Entity::Technique(t) => &t.name,
            Entity::Mitigation(m) => &m.name,
            Entity::Playbook(p) => &p.meta.title,
            Entity::Scenario(s) => &s.title,
        }
    }

    /// The entity kind as users type it: `tactic`, `technique`, `mitigation`, `playbook`,
    /// `scenario`.
    pub fn kind(&self) -> &'static str {
        match self {
            Entity::Tactic(_) => "tactic",
            Entity::Technique(_) => "technique",
            Entity::Mitigation(_) => "mitigation",
            Entity::Playbook(_) => "playbook",
            Entity::Scenario(_) => "scenario",
        }
    }
}

impl Matrix {
    pub fn tactic(&self, id: &str) -> Option<&Tactic> {
        self.tactics.iter().find(|t| t.id.as_str() == id)
    }

    pub fn technique(&self, id: &str) -> Option<&Technique> {
        self.techniques
            .binary_search_by(|t| t.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.techniques[i])
    }

    pub fn mitigation(&self, id: &str) -> Option<&Mitigation> {
        self.mitigations
            .binary_search_by(|m| m.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.mitigations[i])
    }

    pub fn playbook(&self, id: &str) -> Option<&Playbook> {
        self.playbooks
            .binary_search_by(|p| p.id().cmp(id))
            .ok()
            .map(|i| &self.playbooks[i])
    }

    pub fn scenario(&self, id: &str) -> Option<&Scenario> {
        self.scenarios
            .binary_search_by(|s| s.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.scenarios[i])
    }

    /// The display names of a technique's tactics, in its order (the slug when unknown).
    pub fn tactic_names(&self, technique: &Technique) -> Vec<String> {
        technique
            .tactics
            .iter()
            .map(|id| {
                self.tactic(id.as_str())
                    .map_or_else(|| id.to_string(), |x| x.name.value.clone())
            })
            .collect()
    }

    /// The techniques under one tactic, in column order.
    pub fn techniques_in<'a>(&'a self, tactic: &'a str) -> impl Iterator<Item = &'a Technique> {
        self.techniques
            .iter()
            .filter(move |t| t.tactics.iter().any(|x| x.as_str() == tactic))
    }

    /// The techniques a mitigation addresses (as listed on either side of the link).
    pub fn techniques_for(&self, mitigation: &Mitigation) -> Vec<&Technique> {
        let mut out: Vec<&Technique> = mitigation
            .techniques
            .iter()
            .filter_map(|id| self.technique(id.as_str()))
            .collect();
        for t in &self.techniques {
            if t.mitigations
                .iter()
                .any(|l| l.id.value == mitigation.id.value)
                && !out.iter().any(|o| o.id.value == t.id.value)
            {
                out.push(t);
            }
        }
        out
    }

    /// Sub-mitigations of a mitigation.
    pub fn children_of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Mitigation> {
        self.mitigations
            .iter()
            .filter(move |m| m.parent.as_ref().is_some_and(|p| p.as_str() == id))
    }

    /// Finds an entity by id, case-insensitively; tactics also by name.
    /// A bare number such as `9018` finds `MS-TA9018` (or `MS-M9018` when no technique has it).
    pub fn find(&self, query: &str) -> Option<Entity<'_>> {
        let q = query.trim();
        let upper = q.to_ascii_uppercase();
        if let Some(t) = self.technique(&upper) {
            return Some(Entity::Technique(t));
        }
        if let Some(m) = self.mitigation(&upper) {
            return Some(Entity::Mitigation(m));
        }
        if let Some(t) = self.tactics.iter().find(|t| {
            t.id.as_str().eq_ignore_ascii_case(q)
                || t.name.eq_ignore_ascii_case(q)
                || t.attack.as_ref().is_some_and(|a| a.eq_ignore_ascii_case(q))
        }) {
            return Some(Entity::Tactic(t));
        }
        if let Some(rest) = upper.strip_prefix("TA").or(Some(upper.as_str()))
            && let Some(t) = self.technique(&format!("MS-TA{rest}"))
        {
            return Some(Entity::Technique(t));
        }
        if let Some(rest) = upper.strip_prefix('M').or(Some(upper.as_str()))
            && let Some(m) = self.mitigation(&format!("MS-M{rest}"))
        {
            return Some(Entity::Mitigation(m));
        }
        let lower = q.to_ascii_lowercase();
        if let Some(p) = self.playbook(&lower) {
            return Some(Entity::Playbook(p));
        }
        self.scenario(&lower).map(Entity::Scenario)
    }

    /// Every entity: tactics, techniques, mitigations, playbooks, scenarios.
    pub fn entities(&self) -> impl Iterator<Item = Entity<'_>> {
        self.tactics
            .iter()
            .map(Entity::Tactic)
            .chain(self.techniques.iter().map(Entity::Technique))
            .chain(self.mitigations.iter().map(Entity::Mitigation))
            .chain(self.playbooks.iter().map(Entity::Playbook))
            .chain(self.scenarios.iter().map(Entity::Scenario))
    }
}

/// Where the base matrix comes from.
#[derive(Clone, Debug)]
pub enum MatrixSource {
    /// The copy compiled into the binary.
    Embedded,
    /// A folder holding `tactics.yaml`, `techniques/` and `mitigations/`.
    Folder(PathBuf),
}

/// A loaded matrix and everything the validator found in it.
#[derive(Debug)]
pub struct Loaded {
    pub matrix: Matrix,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Loads the base matrix, overlays the given folders (entities replaced or added by id;
/// folders that do not exist are skipped), and validates the merged result.
pub fn load_matrix(source: &MatrixSource, overlays: &[PathBuf]) -> Result<Loaded, LoadError> {
    let mut diagnostics = Vec::new();
    let files = match source {
        MatrixSource::Embedded => load::embedded_files(),
        MatrixSource::Folder(root) => load::folder_files(root, &mut diagnostics)?,
    };
    let mut layers = vec![load::parse_layer(&files)];
    for dir in overlays {
        if Path::new(dir).is_dir() {
            let files = load::folder_files(dir, &mut diagnostics)?;
            layers.push(load::parse_layer(&files));
        }
    }
    let base_name = match source {
        MatrixSource::Embedded => "<embedded>/matrix".to_owned(),
        MatrixSource::Folder(root) => root.display().to_string().trim_end_matches('/').to_owned(),
    };
    let matrix = assemble(layers, &base_name, &mut diagnostics);
    diagnostics.extend(validate::validate(&matrix));
    diagnostic::sort(&mut diagnostics);
    diagnostics.dedup();
    Ok(Loaded {
        matrix,
        diagnostics,
    })
}

/// Loads a matrix from files given in memory (tests, fuzzing): parse, merge, validate.
pub fn load_files(files: &[load::SourceFile]) -> Loaded {
    let mut diagnostics = Vec::new();
    let matrix = assemble(vec![load::parse_layer(files)], "<memory>", &mut diagnostics);
    diagnostics.extend(validate::validate(&matrix));
    diagnostic::sort(&mut diagnostics);
    diagnostics.dedup();
    Loaded {
        matrix,
        diagnostics,
    }
}

/// The raw files a matrix is read from: the base source, then each overlay folder that
/// exists. Whatever is derived from the matrix (the search index) can be cached under a
/// fingerprint of these and stays valid as long as none of them changes. Unreadable
/// files are left out (`load_matrix` reports them).
pub fn source_files(
    source: &MatrixSource,
    overlays: &[PathBuf],
) -> Result<Vec<load::SourceFile>, LoadError> {
    let mut unreported = Vec::new();
    let mut files = match source {
        MatrixSource::Embedded => load::embedded_files(),
        MatrixSource::Folder(root) => load::folder_files(root, &mut unreported)?,
    };
    for dir in overlays {
        if Path::new(dir).is_dir() {
            files.extend(load::folder_files(dir, &mut unreported)?);
        }
    }
    Ok(files)
}

/// Merges layers by id: later layers replace or add entities; duplicates inside one layer
/// are reported and the first definition wins.
fn assemble(layers: Vec<load::Layer>, base_name: &str, diags: &mut Vec<Diagnostic>) -> Matrix {
    let mut matrix = Matrix::default();
    for (index, layer) in layers.into_iter().enumerate() {
        diags.extend(layer.diagnostics);
        matrix.broken_ids.extend(layer.broken);
        if let Some(tactics) = layer.tactics {
            let unique = dedup_layer(
                tactics,
                |t| t.id.as_str().to_owned(),
                |t| (t.id.pos, t.origin.0.clone()),
                "tactic",
                diags,
            );
            for tactic in unique {
                match matrix
                    .tactics
                    .iter_mut()
                    .find(|t| t.id.value == tactic.id.value)
                {
                    Some(slot) => *slot = tactic,
                    None => matrix.tactics.push(tactic),
                }
            }
        } else if index == 0 {
            diags.push(
                Diagnostic::new(
                    Code::NoTactics,
                    format!("{base_name}/tactics.yaml"),
                    Pos::default(),
                    "the matrix folder has no tactics.yaml",
                )
                .hint("a matrix folder holds tactics.yaml, techniques/ and mitigations/"),
            );
        }
        let techniques = dedup_layer(
            layer.techniques,
            |t| t.id.as_str().to_owned(),
            |t| (t.id.pos, t.origin.0.clone()),
            "technique",
            diags,
        );
        merge_by_id(&mut matrix.techniques, techniques, |t| {
            t.id.as_str().to_owned()
        });
        let mitigations = dedup_layer(
            layer.mitigations,
            |m| m.id.as_str().to_owned(),
            |m| (m.id.pos, m.origin.0.clone()),
            "mitigation",
            diags,
        );
        merge_by_id(&mut matrix.mitigations, mitigations, |m| {
            m.id.as_str().to_owned()
        });
        let checks = dedup_layer(
            layer.checks,
            |c| c.id.as_str().to_owned(),
            |c| (c.id.pos, c.origin.0.clone()),
            "check",
            diags,
        );
        merge_by_id(&mut matrix.checks, checks, |c| c.id.as_str().to_owned());
        let playbooks = dedup_layer(
            layer.playbooks,
            |p| p.id().to_owned(),
            |p| (p.meta.id.pos, p.origin.0.clone()),
            "playbook",
            diags,
        );
        merge_by_id(&mut matrix.playbooks, playbooks, |p| p.id().to_owned());
        let scenarios = dedup_layer(
            layer.scenarios,
            |s| s.id.as_str().to_owned(),
            |s| (s.id.pos, s.origin.0.clone()),
            "scenario",
            diags,
        );
        merge_by_id(&mut matrix.scenarios, scenarios, |s| {
            s.id.as_str().to_owned()
        });
    }
    matrix
        .techniques
        .sort_by(|a, b| a.id.value.cmp(&b.id.value));
    matrix
        .mitigations
        .sort_by(|a, b| a.id.value.cmp(&b.id.value));
    matrix.checks.sort_by(|a, b| a.id.value.cmp(&b.id.value));
    matrix.check_ids = matrix.checks.iter().map(|c| c.id.value.clone()).collect();
    matrix.playbooks.sort_by(|a, b| a.id().cmp(b.id()));
    matrix.scenarios.sort_by(|a, b| a.id.value.cmp(&b.id.value));
    matrix.playbook_ids = matrix.playbooks.iter().map(|p| p.id().to_owned()).collect();
    matrix
}

fn dedup_layer<T>(
    items: Vec<T>,
    id: impl Fn(&T) -> String,
    origin: impl Fn(&T) -> (Pos, String),
    kind: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<T> {
    let mut first: HashMap<String, String> = HashMap::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let key = id(&item);
        let (pos, file) = origin(&item);
        if let Some(prev) = first.get(&key) {
            diags.push(
                Diagnostic::new(
                    Code::DuplicateId,
                    file,
                    pos,
                    format!("duplicate {kind} id {key}; first defined in {prev}"),
                )
                .hint("every id is unique; rename one of them or delete the copy"),
            );
        } else {
            first.insert(key, file);
            out.push(item);
        }
    }
    out
}

fn merge_by_id<T>(into: &mut Vec<T>, items: Vec<T>, id: impl Fn(&T) -> String) {
    for item in items {
        let key = id(&item);
        match into.iter_mut().find(|x| id(x) == key) {
            Some(slot) => *slot = item,
            None => into.push(item),
        }
    }
}
