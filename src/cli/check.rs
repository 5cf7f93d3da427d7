//! `ktm check`: run the checks over manifests or a snapshot; table or JSON.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::checks::engine::Selection;
use crate::checks::report::SourceInfo;
use crate::checks::stream::Stream;
use crate::checks::{CheckStatus, Engine, Report, Snapshot};
use crate::matrix::Matrix;
use crate::matrix::check::Severity;

use super::args::{CheckFormat, FailOn, SeverityArg};
use super::output;

pub struct Options<'a> {
    pub manifests: &'a [PathBuf],
    pub snapshot: Option<&'a Path>,
    /// Where a live collection reads from (used when neither of the above is given).
    pub cluster: &'a super::args::ClusterArgs,
    pub techniques: &'a [String],
    pub checks: &'a [String],
    pub severity_min: Option<SeverityArg>,
    pub fail_on: FailOn,
    pub exceptions: Option<&'a Path>,
    pub format: CheckFormat,
    pub color: bool,
}

fn severity(s: SeverityArg) -> Severity {
    match s {
        SeverityArg::Low => Severity::Low,
        SeverityArg::Medium => Severity::Medium,
        SeverityArg::High => Severity::High,
        SeverityArg::Critical => Severity::Critical,
    }
}

/// Runs the checks; returns whether a finding at or above `--fail-on` remains.
pub fn run(out: &mut dyn Write, matrix: &Matrix, opts: &Options<'_>) -> Result<bool> {
    let mut techniques = Vec::new();
    for t in opts.techniques {
        match matrix.find(t) {
            Some(crate::matrix::Entity::Technique(x)) => techniques.push(x.id.value.to_string()),
            _ => bail!("no technique `{t}`; try `ktm list techniques`"),
        }
    }
    for c in opts.checks {
        if !matrix.check_ids.contains(c) {
            bail!(
                "no check `{c}`; known: {}",
                matrix
                    .check_ids
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let selection = Selection {
        techniques,
        checks: opts.checks.to_vec(),
    };
    let (engine, diags) = Engine::new(matrix, &selection);
    if let Some(d) = diags.first() {
        bail!("a check does not compile ({d}); run `ktm validate`");
    }
    let exceptions = match opts.exceptions {
        Some(path) => crate::checks::exceptions::load(path)?,
        None => Vec::new(),
    };
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = |objects: usize| {
        if terminal {
            eprint!(
                "\rchecking {objects} objects with {} checks…",
                engine.checks.len()
            );
        }
    };
    let (mut report, annotated) = if let Some(file) = opts.snapshot {
        // Streamed: a snapshot's parsed objects take some 25 times its size.
        let stream = Stream::open(file)?;
        progress(stream.objects);
        let source = SourceInfo {
            kind: "snapshot".into(),
            paths: vec![file.display().to_string()],
        };
        engine.run_stream(stream, source)?
    } else {
        let (snapshot, source) = if opts.manifests.is_empty() {
            live(matrix, &engine, opts.cluster)?
        } else {
            let source = SourceInfo {
                kind: "manifests".into(),
                paths: opts
                    .manifests
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect(),
            };
            (Snapshot::from_manifests(opts.manifests)?, source)
        };
        progress(snapshot.objects.len());
        let report = engine.run(&snapshot, source);
        (report, crate::checks::exceptions::annotated(&snapshot))
    };
    if terminal {
        eprint!("\r\u{1b}[2K");
    }
    let expired = crate::checks::exceptions::apply(
        &mut report,
        &annotated,
        &exceptions,
        &crate::checks::exceptions::today(),
    );
    report.warnings.extend(expired);
    let objects = report.summary.objects;
    if let Some(min) = opts.severity_min {
        let min = severity(min);
        report.findings.retain(|f| f.severity() >= min);
        report.summarize(objects);
    }
    match opts.format {
        CheckFormat::Json => output::json(out, &report)?,
        CheckFormat::Sarif => output::json(out, &crate::checks::sarif::to_sarif(&report, matrix))?,
        CheckFormat::Table => table(out, matrix, &report, opts.color)?,
    }
    for w in &report.warnings {
        eprintln!("warning: {}", crate::text::sanitize(w));
    }
    Ok(match opts.fail_on {
        FailOn::Never => false,
        FailOn::Low => report.fails_at(Severity::Low),
        FailOn::Medium => report.fails_at(Severity::Medium),
        FailOn::High => report.fails_at(Severity::High),
        FailOn::Critical => report.fails_at(Severity::Critical),
    })
}

fn table(
    out: &mut dyn Write,
    matrix: &Matrix,
    report: &Report,
    color: bool,
) -> std::io::Result<()> {
    let paint = |sev: Severity, text: &str| -> String {
        if !color {
            return text.to_owned();
        }
        let code = match sev {
            Severity::Critical => "1;35",
            Severity::High => "1;31",
            Severity::Medium => "33",
            Severity::Low => "36",
        };
        format!("\u{1b}[{code}m{text}\u{1b}[0m")
    };
    for t in &matrix.techniques {
        let findings: Vec<_> = report
            .findings
            .iter()
            .filter(|f| !f.excepted && f.techniques().iter().any(|x| x == t.id.as_str()))
            .collect();
        if findings.is_empty() {
            continue;
        }
        writeln!(
            out,
            "{} {} ({} finding(s))",
            t.id,
            crate::text::sanitize(&t.name),
            findings.len()
        )?;
        for f in findings {
            let location = match (&f.file(), f.line()) {
                (Some(file), Some(line)) => format!("  [{file}:{line}]"),
                (Some(file), None) => format!("  [{file}]"),
                _ => String::new(),
            };
            writeln!(
                out,
                "  {:<9} {:<28} {}{}",
                paint(f.severity(), f.severity().as_str()),
                f.check(),
                crate::text::sanitize(&f.message()),
                location
            )?;
            for e in &f.evidence {
                writeln!(out, "            evidence: {}", crate::text::sanitize(e))?;
            }
            writeln!(
                out,
                "            verify:   {}",
                crate::text::sanitize(&f.verify())
            )?;
        }
        writeln!(out)?;
    }
    for c in report
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Unknown)
    {
        writeln!(
            out,
            "unknown   {:<28} {}",
            c.id,
            crate::text::sanitize(c.reason.as_deref().unwrap_or(""))
        )?;
    }
    let excepted = report.findings.iter().filter(|f| f.excepted).count();
    if excepted > 0 {
        writeln!(
            out,
            "{excepted} finding(s) excepted (accepted risks; see --format json for reasons)"
        )?;
    }
    let s = &report.summary;
    writeln!(
        out,
        "{} objects, {} checks: {} fail, {} pass, {} unknown; {} findings ({} critical, {} high, {} medium, {} low)",
        s.objects,
        s.checks,
        s.fail,
        s.pass,
        s.unknown,
        s.findings,
        s.critical,
        s.high,
        s.medium,
        s.low
    )
}

/// Reads the kinds the selected checks need from the cluster.
fn live(
    matrix: &Matrix,
    engine: &Engine<'_>,
    cluster: &super::args::ClusterArgs,
) -> Result<(Snapshot, SourceInfo)> {
    let ids = engine.checks.iter().map(|c| c.check.id.as_str());
    let kinds = super::collect::kinds_for(matrix, ids);
    let collected = super::collect::collect(cluster, &kinds)?;
    let mut snapshot = Snapshot::from_values(collected.objects);
    for object in &mut snapshot.objects {
        object.file = None;
    }
    snapshot.unavailable = collected.unavailable;
    let source = SourceInfo {
        kind: "cluster".into(),
        paths: vec![format!("{} ({})", collected.context, collected.server)],
    };
    Ok((snapshot, source))
}
