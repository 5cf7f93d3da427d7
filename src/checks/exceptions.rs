//! Accepted risks: findings a team has decided to live with, from an exceptions file or
//! from the `ktm.dev/ignore` annotation on the object. Excepted findings stay in the
//! report, marked, with their reason; expired exceptions stop applying and are reported.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::report::Report;
use super::snapshot::{At, Snapshot};
use crate::matrix::load::yaml_value;

/// The annotation an object carries to accept findings: `"<check>[,<check>]: <reason>"`.
pub const ANNOTATION: &str = "ktm.dev/ignore";

/// One accepted risk.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    /// The check id (glob).
    pub check: String,
    /// Object kind (glob); any when absent.
    #[serde(default)]
    pub kind: Option<String>,
    /// Object namespace (glob); any when absent.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Object name (glob); any when absent.
    #[serde(default)]
    pub name: Option<String>,
    /// Why the risk is accepted.
    pub reason: String,
    /// Who accepted it.
    #[serde(default)]
    pub owner: Option<String>,
    /// Last day it applies, `YYYY-MM-DD`.
    #[serde(default)]
    pub expires: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExceptionsFile {
    exceptions: Vec<Exception>,
}

/// An exceptions file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ExceptionsError {
    #[error("cannot read exceptions file {path}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

/// Reads an exceptions file (`exceptions: [{check, kind, namespace, name, reason, owner, expires}]`).
pub fn load(path: &Path) -> Result<Vec<Exception>, ExceptionsError> {
    let display = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ExceptionsError::Io {
        path: display.clone(),
        source,
    })?;
    let value = yaml_value(&display, &text).map_err(|d| ExceptionsError::Invalid(d.to_string()))?;
    let file: ExceptionsFile = serde_json::from_value(value).map_err(|e| {
        ExceptionsError::Invalid(format!(
            "{display}: {e}; expected `exceptions:` with entries of check, kind, namespace, name, reason, owner, expires"
        ))
    })?;
    for (i, e) in file.exceptions.iter().enumerate() {
        if let Some(date) = &e.expires
            && !is_date(date)
        {
            return Err(ExceptionsError::Invalid(format!(
                "{display}: exceptions[{i}].expires `{date}` is not a date; write YYYY-MM-DD"
            )));
        }
    }
    Ok(file.exceptions)
}

/// Objects carrying the `ktm.dev/ignore` annotation: (kind, namespace, name) -> its text.
/// Only these are indexed: findings can number in the thousands and snapshots in the
/// hundreds of thousands.
pub type Annotated = HashMap<(String, String, String), String>;

/// The annotated objects of a snapshot.
pub fn annotated(snapshot: &Snapshot) -> Annotated {
    snapshot
        .objects
        .iter()
        .filter_map(|o| {
            let text = annotation(&o.value)?;
            let key = (
                o.kind().to_owned(),
                o.namespace().to_owned(),
                o.name().to_owned(),
            );
            Some((key, text.to_owned()))
        })
        .collect()
}

/// Marks excepted findings; returns warnings about expired exceptions.
pub fn apply(
    report: &mut Report,
    annotated: &Annotated,
    exceptions: &[Exception],
    today: &str,
) -> Vec<String> {
    let mut warnings = Vec::new();
    for (i, e) in exceptions.iter().enumerate() {
        if let Some(date) = e.expires.as_deref().filter(|d| *d < today) {
            warnings.push(format!(
                "exception {i} for check `{}` expired on {date} and no longer applies (owner: {})",
                e.check,
                e.owner.as_deref().unwrap_or("unknown")
            ));
        }
    }
    for f in &mut report.findings {
        let active = exceptions.iter().find(|e| {
            e.expires.as_deref().is_none_or(|d| d >= today)
                && glob(&e.check, f.check())
                && e.kind.as_deref().is_none_or(|k| glob(k, &f.object.kind))
                && e.namespace
                    .as_deref()
                    .is_none_or(|n| glob(n, &f.object.namespace))
                && e.name.as_deref().is_none_or(|n| glob(n, &f.object.name))
        });
        if let Some(e) = active {
            f.excepted = true;
            f.exception_reason = Some(e.reason.as_str().into());
            continue;
        }
        if annotated.is_empty() {
            continue;
        }
        let key = (
            f.object.kind.clone(),
            f.object.namespace.clone(),
            f.object.name.clone(),
        );
        if let Some(reason) = annotated
            .get(&key)
            .and_then(|text| annotation_reason(text, f.check()))
        {
            f.excepted = true;
            f.exception_reason = Some(reason.into());
        }
    }
    warnings
}

/// The text of an object's `ktm.dev/ignore` annotation.
pub fn annotation(object: &Value) -> Option<&str> {
    object
        .at("/metadata/annotations")?
        .get(ANNOTATION)?
        .as_str()
}

fn annotation_reason(text: &str, check: &str) -> Option<String> {
    let (ids, reason) = text.split_once(':').unwrap_or((text, ""));
    ids.split(',')
        .any(|id| id.trim() == check || id.trim() == "*")
        .then(|| format!("annotation {ANNOTATION}: {}", reason.trim()))
}

/// `*` matches any run of characters, `?` one character.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Today's date in UTC as `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    // Civil date from days since 1970-01-01 (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("cilium*", "cilium-agent"));
        assert!(glob("*", ""));
        assert!(glob("kube-?roxy", "kube-proxy"));
        assert!(!glob("cilium*", "calico"));
        assert!(glob("a*b*c", "axxbyyc"));
    }

    #[test]
    fn dates() {
        let t = today();
        assert!(is_date(&t), "{t}");
        assert!(t.as_str() > "2024-01-01");
        assert!(!is_date("2024-1-1"));
    }

    #[test]
    fn annotation_lists_checks_and_reason() {
        let o = serde_json::json!({"metadata": {"annotations": {"ktm.dev/ignore": "privileged-container, host-pid: CNI agent"}}});
        assert_eq!(
            annotation(&o)
                .and_then(|t| annotation_reason(t, "host-pid"))
                .as_deref(),
            Some("annotation ktm.dev/ignore: CNI agent")
        );
        assert_eq!(
            annotation(&o).and_then(|t| annotation_reason(t, "other")),
            None
        );
    }
}
