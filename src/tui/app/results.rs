//! Check results and hunt hits laid over the matrix: per-technique state for the grid's
//! badges, the results section of a technique's page, and the pages of one finding or
//! one hit. A check run happens on a background thread; its progress and outcome come
//! back as [`JobEvent`]s that [`job_event`] applies.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::checks::{CheckStatus, Report};
use crate::hunt::HuntReport;
use crate::matrix::check::Severity;
use crate::matrix::{Matrix, Technique};

use super::App;

/// What came back from a background check run.
#[derive(Debug)]
pub enum JobEvent {
    Progress(String),
    /// The report and the objects it was computed from.
    Done(Box<Report>, Vec<serde_json::Value>),
    Failed(String),
}

/// A technique's state on the grid.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TechniqueState {
    /// Findings not excepted.
    pub findings: usize,
    pub highest: Option<Severity>,
    /// Checks that could not be evaluated, with why.
    pub unknown: Vec<String>,
    /// Whether any check covers the technique.
    pub checked: bool,
    pub hunt_hits: usize,
}

/// Results overlaid on the matrix.
#[derive(Default)]
pub struct Results {
    pub report: Option<Report>,
    /// The objects the report was computed from (for a finding's object page).
    pub objects: Vec<serde_json::Value>,
    pub hunt: Option<HuntReport>,
    pub states: HashMap<String, TechniqueState>,
    /// The run in progress: its generation and last progress line.
    pub running: Option<(u64, String)>,
    /// Bumped at each run, so a cancelled run's late answer is ignored.
    pub generation: u64,
    /// Dim techniques without findings or hits.
    pub findings_only: bool,
    /// The cluster context `:context` picked (`None`: the kubeconfig's or the start's).
    pub context: Option<String>,
    /// Whether a source to run checks on was given.
    pub can_run: bool,
}

impl Results {
    pub fn active(&self) -> bool {
        self.report.is_some() || self.hunt.is_some()
    }

    /// Recomputes the per-technique states from the report and the hunt.
    pub fn refresh(&mut self, matrix: &Matrix) {
        let mut states: HashMap<String, TechniqueState> = HashMap::new();
        if let Some(report) = &self.report {
            for t in &matrix.techniques {
                let state = states.entry(t.id.to_string()).or_default();
                state.checked = report
                    .checks
                    .iter()
                    .any(|c| c.techniques.iter().any(|x| x == t.id.as_str()));
            }
            for c in &report.checks {
                if c.status == CheckStatus::Unknown {
                    for t in &c.techniques {
                        let reason =
                            format!("{}: {}", c.id, c.reason.as_deref().unwrap_or("unknown"));
                        states.entry(t.clone()).or_default().unknown.push(reason);
                    }
                }
            }
            for f in report.findings.iter().filter(|f| !f.excepted) {
                for t in f.techniques() {
                    let state = states.entry(t.clone()).or_default();
                    state.findings += 1;
                    state.highest = state.highest.max(Some(f.severity()));
                }
            }
        }
        if let Some(hunt) = &self.hunt {
            for hit in &hunt.hits {
                for t in &hit.techniques {
                    states.entry(t.clone()).or_default().hunt_hits += 1;
                }
            }
        }
        self.states = states;
    }

    /// Whether the technique stands out when only findings are shown.
    pub fn notable(&self, technique: &str) -> bool {
        self.states
            .get(technique)
            .is_some_and(|s| s.findings > 0 || s.hunt_hits > 0)
    }
}

/// Applies what a background run reported.
pub fn job_event(app: &mut App, generation: u64, event: JobEvent) {
    if app
        .results
        .running
        .as_ref()
        .is_none_or(|(g, _)| *g != generation)
    {
        return; // cancelled or superseded
    }
    match event {
        JobEvent::Progress(text) => {
            if let Some(running) = app.results.running.as_mut() {
                running.1 = text;
            }
        }
        JobEvent::Done(report, objects) => {
            app.results.running = None;
            app.results.objects = objects;
            let s = &report.summary;
            let text = format!(
                "checks done: {} findings, {} fail, {} pass, {} unknown",
                s.findings, s.fail, s.pass, s.unknown
            );
            app.results.report = Some(*report);
            app.results.refresh(&app.matrix);
            app.refresh_page();
            app.info(text);
        }
        JobEvent::Failed(message) => {
            app.results.running = None;
            app.error(format!("checks failed: {message}"));
        }
    }
}

/// The results section of a technique's page: its checks with status, each finding
/// (link `F<n>` opens it), and hunt hits as a timeline (link `H<n>`).
pub fn technique_markdown(results: &Results, t: &Technique) -> String {
    let mut s = String::new();
    let id = t.id.as_str();
    if let Some(report) = &results.report {
        s.push_str("## Check results\n\n");
        let checks: Vec<_> = report
            .checks
            .iter()
            .filter(|c| c.techniques.iter().any(|x| x == id))
            .collect();
        if checks.is_empty() {
            s.push_str("No check covers this technique.\n\n");
        }
        for c in checks {
            let status = match c.status {
                CheckStatus::Fail => "fail",
                CheckStatus::Pass => "pass",
                CheckStatus::Unknown => "unknown",
            };
            let _ = write!(s, "- `{}` {status} · {}", c.id, c.title);
            if let (CheckStatus::Unknown, Some(reason)) = (c.status, &c.reason) {
                let _ = write!(s, " — {reason}");
            }
            s.push('\n');
        }
        s.push('\n');
        let findings: Vec<(usize, &crate::checks::Finding)> = report
            .findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.techniques().iter().any(|x| x == id))
            .collect();
        if !findings.is_empty() {
            s.push_str("## Findings (Tab selects, Enter opens, y copies the verify command)\n\n");
            for (i, f) in findings {
                let o = &f.object;
                let excepted = if f.excepted { " (excepted)" } else { "" };
                let _ = writeln!(
                    s,
                    "- F{} {} `{}` {} {}/{}{excepted} — {}\n  - verify: `{}`",
                    i + 1,
                    f.severity().as_str(),
                    f.check(),
                    o.kind,
                    o.namespace,
                    o.name,
                    f.message(),
                    f.verify()
                );
            }
            s.push('\n');
        }
    }
    if let Some(hunt) = &results.hunt {
        let hits: Vec<(usize, &crate::hunt::Hit)> = hunt
            .hits
            .iter()
            .enumerate()
            .filter(|(_, h)| h.techniques.iter().any(|x| x == id))
            .collect();
        if !hits.is_empty() {
            s.push_str("## Audit log hits (Enter opens the event)\n\n");
            for (i, h) in hits {
                let object = if h.namespace.is_empty() {
                    h.name.clone()
                } else {
                    format!("{}/{}", h.namespace, h.name)
                };
                let _ = writeln!(
                    s,
                    "- H{} {} {} `{}` {} {}{} {object} from {}",
                    i + 1,
                    h.time,
                    h.user,
                    h.detection,
                    h.verb,
                    h.resource,
                    if h.subresource.is_empty() {
                        String::new()
                    } else {
                        format!("/{}", h.subresource)
                    },
                    h.source_ips.last().map_or("-", String::as_str)
                );
            }
            s.push('\n');
        }
    }
    s
}

/// The page of one finding (`finding:<n>`) or hit (`hit:<n>`): title and markdown.
pub fn detail_markdown(app: &App, id: &str) -> Option<(String, String)> {
    if let Some(n) = id
        .strip_prefix("finding:")
        .and_then(|n| n.parse::<usize>().ok())
    {
        let report = app.results.report.as_ref()?;
        let f = report.findings.get(n.checked_sub(1)?)?;
        let o = &f.object;
        let mut s = format!("# Finding F{n} · {}\n\n", f.check());
        let _ = write!(
            s,
            "**{}** · techniques {} · {} `{}` {}/{}\n\n{}\n\n",
            f.severity().as_str(),
            f.techniques().join(", "),
            o.api_version,
            o.kind,
            o.namespace,
            o.name,
            f.message()
        );
        if let (Some(file), line) = (f.file(), f.line()) {
            let _ = write!(
                s,
                "Source: `{file}{}`\n\n",
                line.map(|l| format!(":{l}")).unwrap_or_default()
            );
        }
        if !f.evidence.is_empty() {
            s.push_str("## Evidence\n\n");
            for e in &f.evidence {
                let _ = writeln!(s, "- `{e}`");
            }
            s.push('\n');
        }
        let _ = write!(s, "## Verify (y copies)\n\n```sh\n{}\n```\n\n", f.verify());
        if let Some(check) = app
            .matrix
            .checks
            .iter()
            .find(|c| c.id.as_str() == f.check())
        {
            let _ = write!(s, "## Remediation\n\n{}\n\n", check.remediation.trim());
        }
        if let Some(object) = app.object_json(o) {
            let _ = write!(s, "## Object\n\n```json\n{object}\n```\n");
        }
        return Some((format!("F{n} {}", f.check()), s));
    }
    if let Some(n) = id
        .strip_prefix("hit:")
        .and_then(|n| n.parse::<usize>().ok())
    {
        let hunt = app.results.hunt.as_ref()?;
        let h = hunt.hits.get(n.checked_sub(1)?)?;
        let mut s = format!("# Hit H{n} · {}\n\n", h.detection);
        let _ = write!(
            s,
            "**{}** · {} · by `{}` from {} · `{}`\n\nSource: `{}:{}`\n\n",
            h.techniques.join(", "),
            h.time,
            h.user,
            h.source_ips.join(", "),
            h.user_agent,
            h.file,
            h.line
        );
        let mut shown = h.event.clone();
        crate::redact::redact_value(&mut shown);
        let event = serde_json::to_string_pretty(&shown).unwrap_or_default();
        let _ = write!(s, "## Event\n\n```json\n{event}\n```\n");
        return Some((format!("H{n} {}", h.detection), s));
    }
    None
}

/// The verify command of the finding a page is about or has selected.
pub fn verify_command(app: &App) -> Option<String> {
    let page = app.page.as_ref()?;
    let target = page
        .selected_target()
        .filter(|t| t.starts_with("finding:"))
        .unwrap_or(page.id.as_str());
    let n: usize = target.strip_prefix("finding:")?.parse().ok()?;
    let report = app.results.report.as_ref()?;
    Some(report.findings.get(n.checked_sub(1)?)?.verify())
}

/// `c`, `:checks`, `:context NAME`: starts a background run.
pub fn start(app: &mut App, context: Option<&str>) -> Vec<crate::tui::action::Effect> {
    if !app.results.can_run {
        app.error(
            "no source to check: start ktm with --manifests DIR, --snapshot FILE, or --cluster (the kubeconfig's context)",
        );
        return Vec::new();
    }
    if app.results.running.is_some() {
        app.error("checks are already running; Esc on the grid cancels them");
        return Vec::new();
    }
    if let Some(name) = context {
        app.results.context = Some(name.to_owned());
    }
    app.results.generation += 1;
    let generation = app.results.generation;
    app.results.running = Some((generation, "starting".to_owned()));
    vec![crate::tui::action::Effect::RunChecks(
        generation,
        app.results.context.clone(),
    )]
}

/// Esc while a run is going: stop it; the UI stays as it was.
pub fn cancel(app: &mut App) -> Vec<crate::tui::action::Effect> {
    app.results.running = None;
    app.info("check run cancelled");
    vec![crate::tui::action::Effect::CancelChecks]
}

/// `f`: only techniques with findings or hits stand out.
pub fn toggle_findings(app: &mut App) {
    if !app.results.active() {
        app.error("no results yet: c runs the checks");
        return;
    }
    app.results.findings_only = !app.results.findings_only;
    let n = app
        .matrix
        .techniques
        .iter()
        .filter(|t| app.results.notable(t.id.as_str()))
        .count();
    if app.results.findings_only {
        app.info(format!(
            "{n} techniques with findings or audit hits; f shows all"
        ));
    }
}

/// `y` on a page: the finding's verify command to the clipboard.
pub fn copy_verify(app: &mut App) -> Vec<crate::tui::action::Effect> {
    if let Some(command) = verify_command(app) {
        app.info(format!("copied: {command}"));
        vec![crate::tui::action::Effect::Copy(command)]
    } else {
        app.error("select a finding (Tab) to copy its verify command");
        Vec::new()
    }
}
