//! SARIF 2.1.0 output, as GitHub code scanning accepts it: one rule per check (with its
//! remediation as help), one result per finding, located at the manifest file and line.

use serde_json::{Value, json};

use super::report::Report;
use crate::matrix::Matrix;
use crate::matrix::check::Severity;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub ranks code-scanning alerts by this CVSS-like score.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// The report as a SARIF log.
pub fn to_sarif(report: &Report, matrix: &Matrix) -> Value {
    let rules: Vec<Value> = report
        .checks
        .iter()
        .map(|c| {
            let spec = matrix.checks.iter().find(|x| x.id.as_str() == c.id);
            let remediation = spec.map_or("", |s| s.remediation.as_str());
            let techniques: Vec<String> = c
                .techniques
                .iter()
                .map(|t| {
                    let name = matrix.technique(t).map_or("", |x| x.name.as_str());
                    format!("{t} {name}")
                })
                .collect();
            json!({
                "id": c.id,
                "name": c.id,
                "shortDescription": {"text": c.title},
                "fullDescription": {"text": format!("{} (threat matrix: {})", c.title, techniques.join("; "))},
                "help": {"text": remediation, "markdown": remediation},
                "defaultConfiguration": {"level": level(c.severity)},
                "properties": {
                    "tags": c.techniques.iter().cloned().chain(["security".to_owned(), "kubernetes".to_owned()]).collect::<Vec<_>>(),
                    "security-severity": security_severity(c.severity),
                }
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .filter(|f| !f.excepted)
        .map(|f| {
            let index = report.checks.iter().position(|c| c.id == f.check()).unwrap_or(0);
            let uri = f.file().map_or_else(|| report.source.paths.first().cloned().unwrap_or_default(), str::to_owned);
            let object = format!("{}/{}/{}", f.object.kind, f.object.namespace, f.object.name);
            json!({
                "ruleId": f.check(),
                "ruleIndex": index,
                "level": level(f.severity()),
                "message": {"text": format!("{} ({}). Verify: {}", f.message(), f.techniques().join(", "), f.verify())},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri.trim_start_matches("./")},
                        "region": {"startLine": f.line().unwrap_or(1)}
                    },
                    "logicalLocations": [{"name": object, "kind": "object"}]
                }],
                "partialFingerprints": {"ktmObject/v1": format!("{}/{}", f.check(), object)}
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ktm",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/microsoft/Threat-Matrix-for-Kubernetes",
                "rules": rules
            }},
            "results": results
        }]
    })
}
