//! The CLI side of live collection: a `cluster::Target` from the flags, progress on
//! stderr when it is a terminal, and `ktm snapshot` writing what was read.

use std::io::{IsTerminal, Write as _};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use serde_json::{Value, json};

use crate::checks::kinds::{KindInfo, kinds_for_views};
use crate::cluster::{self, Collected, Progress, Silent, Target};
use crate::matrix::Matrix;

use super::args::ClusterArgs;

pub fn target(args: &ClusterArgs) -> Target {
    let timeout = Duration::from_secs(args.timeout);
    Target {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        namespace: args.namespace.clone(),
        timeout,
        run_timeout: timeout * 10,
        page_size: args.page_size,
    }
}

/// The kinds the given checks' views need (all shipped checks when `checks` is empty).
pub fn kinds_for<'a>(
    matrix: &'a Matrix,
    checks: impl IntoIterator<Item = &'a str>,
) -> Vec<&'static KindInfo> {
    let wanted: Vec<&str> = checks.into_iter().collect();
    kinds_for_views(
        matrix
            .checks
            .iter()
            .filter(|c| wanted.is_empty() || wanted.contains(&c.id.as_str()))
            .map(|c| c.view.as_str()),
    )
}

/// Lists `kinds`, with a progress line on stderr when stderr is a terminal.
pub fn collect(args: &ClusterArgs, kinds: &[&'static KindInfo]) -> Result<Collected> {
    let progress: Arc<dyn Progress> = if std::io::stderr().is_terminal() {
        Arc::new(Line::new(kinds.len()))
    } else {
        Arc::new(Silent)
    };
    let result = cluster::collect(&target(args), kinds, progress);
    if std::io::stderr().is_terminal() {
        eprint!("\r\u{1b}[2K");
    }
    Ok(result?)
}

/// `ktm snapshot --output FILE`: the objects as a `List`, plus what ktm knows about them.
pub fn write_snapshot(collected: &Collected, path: &Path) -> Result<()> {
    let items: Vec<&Value> = collected.objects.iter().collect();
    let document = json!({
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {},
        "ktm": {
            "version": env!("CARGO_PKG_VERSION"),
            "context": collected.context,
            "server": collected.server,
            "time": crate::walk::export::timestamp(crate::walk::now()),
            "unavailable": collected.unavailable,
        },
        "items": items,
    });
    let mut bytes = serde_json::to_vec(&document)?;
    bytes.push(b'\n');
    crate::fsutil::write_atomic(path, &bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// `listing pods, deployments… 1500 objects (3/21 kinds)` on one rewritten stderr line.
struct Line {
    kinds: usize,
    state: Mutex<LineState>,
}

struct LineState {
    done: usize,
    counts: std::collections::BTreeMap<String, usize>,
    last: Option<Instant>,
}

impl Line {
    fn new(kinds: usize) -> Self {
        Self {
            kinds,
            state: Mutex::new(LineState {
                done: 0,
                counts: std::collections::BTreeMap::new(),
                last: None,
            }),
        }
    }
}

impl Progress for Line {
    fn update(&self, kind: &str, listed: usize, done: bool) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        state.counts.insert(kind.to_owned(), listed);
        if done {
            state.done += 1;
        }
        let now = Instant::now();
        if state
            .last
            .is_some_and(|t| now.duration_since(t) < Duration::from_millis(100))
            && !done
        {
            return;
        }
        state.last = Some(now);
        let total: usize = state.counts.values().sum();
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\u{1b}[2Klisting {kind}… {total} objects ({}/{} kinds)",
            state.done, self.kinds
        );
        let _ = err.flush();
    }
}
