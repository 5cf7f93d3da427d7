//! The terminal UI: the matrix as a grid, entity pages, search as you type, keys and mouse.
//!
//! The shape follows the functional-core pattern: events become [`Action`]s through the
//! keymap, [`update`] changes the [`App`] and returns [`Effect`]s, [`view::draw`] reads the
//! app. [`drive`] is the one loop, shared by the real terminal and the tests (which feed
//! it a [`Script`] and a `TestBackend`). ratatui and crossterm are used only in this module.

pub mod action;
pub mod app;
pub mod event;
pub mod input;
pub mod keymap;
pub mod layout;
pub mod markdown;
pub mod runtime;
pub mod search;
pub mod terminal;
pub mod theme;
pub mod view;

use std::path::PathBuf;

pub use action::{Action, Effect};
pub use app::{App, Mode, update};
pub use event::{Event, EventSource, Script};
pub use keymap::{Keymap, KeymapError};
pub use search::{MatrixSearcher, SearchHit, Searcher};
pub use theme::Theme;

use crate::matrix::Matrix;

/// What went wrong running the TUI.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error(transparent)]
    Keymap(#[from] KeymapError),
    #[error("could not set up the terminal: {0}")]
    Terminal(std::io::Error),
    #[error("could not read terminal events: {0}")]
    Events(std::io::Error),
    #[error("could not draw the screen: {0}")]
    Draw(String),
}

/// How to start the TUI.
#[derive(Clone, Default)]
pub struct Options {
    /// Colours on; off gives the monochrome theme (`NO_COLOR`, `--color never`).
    pub color: bool,
    /// The user's keymap overrides, `<config dir>/keymap.toml` (skipped when missing).
    pub keymap_file: Option<PathBuf>,
    /// Where the matrix came from, for the header.
    pub source: String,
    /// ktm's data folder, where playbook sessions are saved and resumed.
    pub data_dir: Option<PathBuf>,
    /// The session name playbook walks are saved under.
    pub session: String,
    /// Start walking this playbook instead of showing the grid.
    pub playbook: Option<String>,
    /// Runs the checks on the source given at start (`c` runs it again).
    pub checks: Option<CheckRunner>,
    /// Hunt results to lay over the matrix.
    pub hunt: Option<crate::hunt::HuntReport>,
}

/// Runs the TUI on the real terminal until the user quits or a signal arrives.
pub fn run(matrix: Matrix, searcher: Box<dyn Searcher>, options: &Options) -> Result<(), TuiError> {
    // Read the keymap first: its errors should print on a normal terminal.
    let keymap = Keymap::load(options.keymap_file.as_deref())?;
    let mut app = App::new(matrix, keymap, Theme::new(options.color), searcher);
    if !options.source.is_empty() {
        app.source.clone_from(&options.source);
    }
    app.store = options
        .data_dir
        .as_deref()
        .map(crate::walk::store::Store::new);
    if !options.session.is_empty() {
        app.session_name.clone_from(&options.session);
    }
    if let Some(id) = &options.playbook {
        app::walk::start(&mut app, id);
    }
    if let Some(hunt) = &options.hunt {
        app.results.hunt = Some(hunt.clone());
        app.results.refresh(&app.matrix);
    }
    app.results.can_run = options.checks.is_some();
    let mut guard = terminal::TerminalGuard::enter().map_err(TuiError::Terminal)?;
    let mut events = event::TerminalEvents::new(guard.stop_flag());
    let first = if options.checks.is_some() {
        vec![Action::RunChecks]
    } else {
        Vec::new()
    };
    let result = drive_jobs(
        guard.terminal(),
        &mut app,
        &mut events,
        &mut copy_osc52,
        options.checks.clone(),
        first,
    );
    drop(guard);
    result
}

pub use runtime::{CheckRunner, drive, drive_jobs, drive_with};

/// Puts `text` on the clipboard through the terminal (OSC 52), which works over SSH and in
/// tmux (with `set -g set-clipboard on`).
pub(crate) fn copy_osc52(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    write!(
        out,
        "\u{1b}]52;c;{}\u{7}",
        crate::text::base64(text.as_bytes())
    )?;
    out.flush()
}
