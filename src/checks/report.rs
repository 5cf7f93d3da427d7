//! The result of a check run, in the stable JSON shape documented in the README.

use std::sync::Arc;

use serde::Serialize;
use serde::ser::SerializeStruct;

use crate::matrix::check::Severity;

/// Whether a check ran clean, found something, or could not be evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    Fail,
    Unknown,
}

/// The object a finding is about, and where it was read; its findings share it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObjectRef {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    #[serde(skip)]
    pub file: Option<Arc<str>>,
    #[serde(skip)]
    pub line: Option<u32>,
}

/// What every finding of one check shares: held once, not once a finding (a large
/// snapshot has hundreds of thousands of findings).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckRef {
    pub id: String,
    pub severity: Severity,
    pub techniques: Vec<String>,
    /// The message and verify templates, filled in for each finding's object on demand.
    pub message: String,
    pub verify: String,
}

/// One object that matched one check.
#[derive(Clone, Debug)]
pub struct Finding {
    pub check_ref: Arc<CheckRef>,
    pub object: Arc<ObjectRef>,
    /// Boxed: most findings have one line, and a vector's spare room added up.
    pub evidence: Box<[String]>,
    pub excepted: bool,
    pub exception_reason: Option<Box<str>>,
}

impl Finding {
    pub fn check(&self) -> &str {
        &self.check_ref.id
    }

    pub fn severity(&self) -> Severity {
        self.check_ref.severity
    }

    pub fn techniques(&self) -> &[String] {
        &self.check_ref.techniques
    }

    pub fn file(&self) -> Option<&str> {
        self.object.file.as_deref()
    }

    pub fn line(&self) -> Option<u32> {
        self.object.line
    }

    /// The check's message about this object.
    pub fn message(&self) -> String {
        self.fill(&self.check_ref.message)
    }

    /// The command a responder runs to see the evidence.
    pub fn verify(&self) -> String {
        self.fill(&self.check_ref.verify)
    }

    fn fill(&self, template: &str) -> String {
        let o = &self.object;
        fill_template(template, &o.kind, &o.namespace, &o.name)
    }
}

/// The documented JSON shape of a finding.
impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut f = s.serialize_struct("Finding", 11)?;
        f.serialize_field("check", self.check())?;
        f.serialize_field("severity", &self.severity())?;
        f.serialize_field("techniques", self.techniques())?;
        f.serialize_field("object", &*self.object)?;
        f.serialize_field("file", &self.file())?;
        f.serialize_field("line", &self.line())?;
        f.serialize_field("message", &self.message())?;
        f.serialize_field("evidence", &self.evidence)?;
        f.serialize_field("verify", &self.verify())?;
        f.serialize_field("excepted", &self.excepted)?;
        f.serialize_field("exception_reason", &self.exception_reason)?;
        f.end()
    }
}

/// Fills `{{kind}}`, `{{namespace}}`, `{{name}}` and `{{ref}}` (`namespace/name`, or just
/// the name for cluster-scoped objects). For cluster-scoped objects the namespace parts of
/// a template (`{{namespace}}/`, `-n {{namespace}}`, `--namespace={{namespace}}`) vanish.
pub fn fill_template(template: &str, kind: &str, namespace: &str, name: &str) -> String {
    let mut t = template.to_owned();
    if namespace.is_empty() {
        for part in [
            " -n {{namespace}}",
            " --namespace={{namespace}}",
            " --namespace {{namespace}}",
            "{{namespace}}/",
        ] {
            t = t.replace(part, "");
        }
    }
    let reference = if namespace.is_empty() {
        name.to_owned()
    } else {
        format!("{namespace}/{name}")
    };
    t.replace("{{ref}}", &reference)
        .replace("{{kind}}", kind)
        .replace("{{namespace}}", namespace)
        .replace("{{name}}", name)
}

/// One check's outcome over the whole snapshot.
#[derive(Clone, Debug, Serialize)]
pub struct CheckResult {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub techniques: Vec<String>,
    pub status: CheckStatus,
    pub reason: Option<String>,
}

/// Counts for the summary line.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub objects: usize,
    pub checks: usize,
    pub pass: usize,
    pub fail: usize,
    pub unknown: usize,
    pub findings: usize,
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
}

/// Where the objects came from.
#[derive(Clone, Debug, Serialize)]
pub struct SourceInfo {
    #[serde(rename = "type")]
    pub kind: String,
    pub paths: Vec<String>,
}

/// A whole run.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub source: SourceInfo,
    pub summary: Summary,
    pub checks: Vec<CheckResult>,
    pub findings: Vec<Finding>,
    pub warnings: Vec<String>,
}

impl Report {
    pub fn summarize(&mut self, objects: usize) {
        let mut s = Summary {
            objects,
            checks: self.checks.len(),
            findings: self.findings.len(),
            ..Summary::default()
        };
        for c in &self.checks {
            match c.status {
                CheckStatus::Pass => s.pass += 1,
                CheckStatus::Fail => s.fail += 1,
                CheckStatus::Unknown => s.unknown += 1,
            }
        }
        for f in &self.findings {
            match f.severity() {
                Severity::Critical => s.critical += 1,
                Severity::High => s.high += 1,
                Severity::Medium => s.medium += 1,
                Severity::Low => s.low += 1,
            }
        }
        self.summary = s;
    }

    /// Whether a finding at or above `level` remains (not excepted).
    pub fn fails_at(&self, level: Severity) -> bool {
        self.findings
            .iter()
            .any(|f| !f.excepted && f.severity() >= level)
    }
}
