//! The result of a check run, in the stable JSON shape documented in the README.

use serde::Serialize;

use crate::matrix::check::Severity;

/// Whether a check ran clean, found something, or could not be evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    Fail,
    Unknown,
}

/// The object a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObjectRef {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

/// One object that matched one check.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub check: String,
    pub severity: Severity,
    pub techniques: Vec<String>,
    pub object: ObjectRef,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub message: String,
    pub evidence: Vec<String>,
    pub verify: String,
    pub excepted: bool,
    pub exception_reason: Option<String>,
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
            match f.severity {
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
            .any(|f| !f.excepted && f.severity >= level)
    }
}
