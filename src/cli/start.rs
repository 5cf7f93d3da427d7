//! Bare `ktm` and `ktm playbook run`: the terminal UI, with the check source and audit
//! logs given on the command line turned into a background check runner and hunt results.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::checks::engine::Selection;
use crate::checks::report::SourceInfo;
use crate::checks::{Engine, Snapshot};
use crate::cluster::Progress;
use crate::matrix::Matrix;

use super::args::Args;
use super::context::{self, Context};
use super::{Outcome, search};

/// A playbook to open the TUI on, under a session name.
pub struct Walk {
    pub playbook: String,
    pub session: String,
}

/// Bare `ktm` (or `ktm playbook run`): the terminal UI on the matrix in use, with the
/// full-text index.
pub fn start_tui(ctx: &Context, args: &Args, walk: Option<Walk>) -> anyhow::Result<Outcome> {
    if !ctx.stdout_is_terminal || !std::io::stdin().is_terminal() {
        anyhow::bail!(NO_TERMINAL);
    }
    let loaded = ctx.load()?;
    // The full-text index when it opens (cache or build); the simple matcher if not.
    let searcher: Box<dyn crate::tui::Searcher> = match search::open_index(ctx, false) {
        Ok(index) => Box::new(index),
        Err(_) => Box::new(crate::tui::MatrixSearcher::new(&loaded.matrix)),
    };
    let hunt = if args.audit_logs.is_empty() {
        None
    } else {
        Some(hunt_logs(&loaded.matrix, &args.audit_logs)?)
    };
    let options = crate::tui::Options {
        color: ctx.color,
        keymap_file: context::config_dir().map(|d| d.join("keymap.toml")),
        source: match &ctx.source {
            crate::matrix::MatrixSource::Embedded => "embedded matrix".to_owned(),
            crate::matrix::MatrixSource::Folder(dir) => {
                crate::text::sanitize(&dir.display().to_string()).into_owned()
            }
        },
        data_dir: context::data_dir(),
        session: walk
            .as_ref()
            .map_or_else(|| "default".to_owned(), |w| w.session.clone()),
        playbook: walk.map(|w| w.playbook),
        checks: runner(args, &loaded.matrix),
        hunt,
    };
    crate::tui::run(loaded.matrix, searcher, &options)?;
    Ok(Outcome::Success)
}

/// Why bare `ktm` did not start the terminal UI, and what to run instead.
const NO_TERMINAL: &str = "ktm's terminal UI needs a terminal, and stdin or stdout is not one.\n  \
     Without a terminal, use the commands: `ktm search TEXT`, `ktm show MS-TA9018`,\n  \
     `ktm list techniques` (see `ktm --help`).";

/// Hunts the audit logs up front (it takes seconds at most) for the overlay.
fn hunt_logs(matrix: &Matrix, paths: &[String]) -> anyhow::Result<crate::hunt::HuntReport> {
    let (detections, diags) = crate::hunt::Detections::new(matrix, &[]);
    if let Some(d) = diags.first() {
        anyhow::bail!("a detection does not compile ({d}); run `ktm validate`");
    }
    let report = crate::hunt::hunt(matrix, &detections, paths, &crate::hunt::Filter::default())?;
    eprintln!(
        "hunted {} events: {} hits on {} techniques",
        report.summary.events,
        report.summary.hits,
        report.summary.techniques.len()
    );
    Ok(report)
}

/// Where the TUI's checks read objects from.
#[derive(Clone, Debug)]
pub enum CheckSource {
    Manifests(Vec<std::path::PathBuf>),
    Snapshot(std::path::PathBuf),
    Cluster(super::args::ClusterArgs),
}

/// The check runner for the source given at start, if any.
fn runner(args: &Args, matrix: &Matrix) -> Option<crate::tui::CheckRunner> {
    let source = if !args.manifests.is_empty() {
        CheckSource::Manifests(args.manifests.clone())
    } else if let Some(file) = &args.snapshot {
        CheckSource::Snapshot(file.clone())
    } else if args.cluster {
        CheckSource::Cluster(args.live.clone())
    } else {
        return None;
    };
    Some(check_runner(source, matrix))
}

/// Runs every check over `source` on demand (on the TUI's background thread).
pub fn check_runner(source: CheckSource, matrix: &Matrix) -> crate::tui::CheckRunner {
    let matrix = Arc::new(matrix.clone());
    Arc::new(
        move |context: Option<String>,
              cancel: &AtomicBool,
              progress: crate::tui::runtime::Progress| {
            let (snapshot, info) = match &source {
                CheckSource::Manifests(paths) => {
                    progress(format!("reading {} path(s)", paths.len()));
                    let snapshot = Snapshot::from_manifests(paths).map_err(|e| format!("{e:#}"))?;
                    let shown = paths.iter().map(|p| p.display().to_string()).collect();
                    (
                        snapshot,
                        SourceInfo {
                            kind: "manifests".into(),
                            paths: shown,
                        },
                    )
                }
                CheckSource::Snapshot(file) => {
                    progress(format!("reading {}", file.display()));
                    let snapshot = Snapshot::from_json_file(file).map_err(|e| format!("{e:#}"))?;
                    (
                        snapshot,
                        SourceInfo {
                            kind: "snapshot".into(),
                            paths: vec![file.display().to_string()],
                        },
                    )
                }
                CheckSource::Cluster(live) => {
                    let mut live = live.clone();
                    if context.is_some() {
                        live.context = context;
                    }
                    let target = super::collect::target(&live);
                    let kinds = super::collect::kinds_for(&matrix, []);
                    progress(format!("listing {} kinds", kinds.len()));
                    let reporter = Arc::new(Reporter(progress.clone()));
                    let collected = crate::cluster::collect(&target, &kinds, reporter)
                        .map_err(|e| e.to_string())?;
                    let mut snapshot = Snapshot::from_values(collected.objects);
                    for object in &mut snapshot.objects {
                        object.file = None;
                    }
                    snapshot.unavailable = collected.unavailable;
                    let shown = format!("{} ({})", collected.context, collected.server);
                    (
                        snapshot,
                        SourceInfo {
                            kind: "cluster".into(),
                            paths: vec![shown],
                        },
                    )
                }
            };
            if cancel.load(Ordering::Relaxed) {
                return Err("cancelled".into());
            }
            progress(format!("checking {} objects", snapshot.objects.len()));
            let (engine, diags) = Engine::new(&matrix, &Selection::default());
            if let Some(d) = diags.first() {
                return Err(format!(
                    "a check does not compile ({d}); run `ktm validate`"
                ));
            }
            let report = engine.run(&snapshot, info);
            let objects = snapshot.objects.into_iter().map(|o| o.value).collect();
            Ok((report, objects))
        },
    )
}

/// Progress from the collector as text lines for the TUI.
struct Reporter(crate::tui::runtime::Progress);

impl Progress for Reporter {
    fn update(&self, kind: &str, listed: usize, _done: bool) {
        (self.0)(format!("listing {kind}: {listed} objects"));
    }
}
