//! `ktm hunt`: detections over audit logs, as a timeline, per identity, or JSON.

use std::io::Write;

use anyhow::{Result, bail};

use crate::hunt::{Detections, Filter, HuntReport};
use crate::matrix::Matrix;
use crate::text::sanitize;

use super::args::TableFormat;
use super::output;

pub struct Request<'a> {
    pub paths: &'a [String],
    pub since: Option<&'a str>,
    pub until: Option<&'a str>,
    pub user: Option<&'a str>,
    pub techniques: &'a [String],
    pub format: TableFormat,
    pub color: bool,
}

/// Runs the hunt; returns whether anything was found.
pub fn run(out: &mut dyn Write, matrix: &Matrix, request: &Request<'_>) -> Result<bool> {
    let mut techniques = Vec::new();
    for t in request.techniques {
        match matrix.find(t) {
            Some(crate::matrix::Entity::Technique(x)) => techniques.push(x.id.to_string()),
            _ => bail!("no technique `{}`; try `ktm list techniques`", sanitize(t)),
        }
    }
    let (detections, diags) = Detections::new(matrix, &techniques);
    if let Some(d) = diags.first() {
        bail!("a detection does not compile ({d}); run `ktm validate`");
    }
    if detections.compiled.is_empty() {
        bail!("no executable detection for the selected techniques; they have no `match` yet");
    }
    let now = crate::walk::now().try_into().unwrap_or(i64::MAX);
    let filter = Filter {
        since: request.since.map(|s| parse_when(s, now)).transpose()?,
        until: request.until.map(|s| parse_when(s, now)).transpose()?,
        user: request.user.map(str::to_owned),
    };
    let report = crate::hunt::hunt(matrix, &detections, request.paths, &filter)?;
    for s in report.skipped.iter().take(20) {
        eprintln!(
            "warning: {}:{}: skipped: {}",
            sanitize(&s.file),
            s.line,
            sanitize(&s.reason)
        );
    }
    if report.skipped.len() > 20 {
        eprintln!("warning: {} more lines skipped", report.skipped.len() - 20);
    }
    if report.summary.dropped_hits > 0 {
        eprintln!(
            "warning: more than {} hits; {} more were counted but not kept (narrow with --since, --user, --technique)",
            crate::hunt::MAX_HITS,
            report.summary.dropped_hits
        );
    }
    for e in report.errors.iter().take(5) {
        eprintln!("warning: evaluation failed: {}", sanitize(e));
    }
    match request.format {
        TableFormat::Json => output::json(out, &report)?,
        TableFormat::Table => table(out, matrix, &report, request.color)?,
    }
    Ok(!report.hits.is_empty())
}

/// RFC 3339, or an age before `now`: `90s`, `30m`, `2h`, `7d`.
fn parse_when(text: &str, now: i64) -> Result<i64> {
    if let Some(t) = crate::hunt::event::parse_time(text) {
        return Ok(t);
    }
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => 0,
    };
    match number.parse::<i64>() {
        Ok(n) if seconds > 0 && n >= 0 => Ok(now - n * seconds),
        _ => bail!(
            "cannot read the time `{}`: use RFC 3339 (2024-05-01T10:00:00Z) or an age such as 90m, 2h, 7d",
            sanitize(text)
        ),
    }
}

fn table(
    out: &mut dyn Write,
    matrix: &Matrix,
    report: &HuntReport,
    color: bool,
) -> std::io::Result<()> {
    let rows: Vec<Vec<String>> = report
        .hits
        .iter()
        .map(|h| {
            let object = match (h.namespace.as_str(), h.name.as_str()) {
                ("", name) => name.to_owned(),
                (ns, name) => format!("{ns}/{name}"),
            };
            let resource = if h.subresource.is_empty() {
                h.resource.clone()
            } else {
                format!("{}/{}", h.resource, h.subresource)
            };
            vec![
                h.time.clone(),
                h.techniques.join(","),
                h.detection.clone(),
                h.user.clone(),
                h.source_ips.last().cloned().unwrap_or_default(),
                h.verb.clone(),
                resource,
                object,
                h.user_agent.chars().take(40).collect(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        output::table(
            out,
            &[
                "TIME",
                "TECHNIQUE",
                "DETECTION",
                "USER",
                "SOURCE IP",
                "VERB",
                "RESOURCE",
                "OBJECT",
                "USER AGENT",
            ],
            &rows,
            color,
        )?;
        writeln!(out)?;
        let identities: Vec<Vec<String>> = report
            .identities
            .iter()
            .map(|i| {
                let names: Vec<String> = i
                    .techniques
                    .iter()
                    .map(|t| {
                        matrix
                            .technique(t)
                            .map_or_else(|| t.clone(), |x| format!("{t} {}", x.name))
                    })
                    .collect();
                vec![
                    i.user.clone(),
                    i.first_seen.clone(),
                    i.last_seen.clone(),
                    i.hits.to_string(),
                    names.join(", "),
                ]
            })
            .collect();
        output::table(
            out,
            &["IDENTITY", "FIRST SEEN", "LAST SEEN", "HITS", "TECHNIQUES"],
            &identities,
            color,
        )?;
        writeln!(out)?;
    }
    let s = &report.summary;
    writeln!(
        out,
        "{} events in {} file(s), {} detections: {} hits on {} technique(s), {} identities; {} filtered out, {} lines skipped, {} evaluation errors",
        s.events,
        s.files,
        s.detections,
        s.hits,
        s.techniques.len(),
        report.identities.len(),
        s.filtered,
        s.skipped_lines,
        s.errors
    )
}
