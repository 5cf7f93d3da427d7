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
pub mod search;
pub mod terminal;
pub mod theme;
pub mod view;

use std::path::PathBuf;

use ratatui::Terminal;
use ratatui::backend::Backend;

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
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Colours on; off gives the monochrome theme (`NO_COLOR`, `--color never`).
    pub color: bool,
    /// The user's keymap overrides, `<config dir>/keymap.toml` (skipped when missing).
    pub keymap_file: Option<PathBuf>,
    /// Where the matrix came from, for the header.
    pub source: String,
}

/// Runs the TUI on the real terminal until the user quits or a signal arrives.
pub fn run(matrix: Matrix, searcher: Box<dyn Searcher>, options: &Options) -> Result<(), TuiError> {
    // Read the keymap first: its errors should print on a normal terminal.
    let keymap = Keymap::load(options.keymap_file.as_deref())?;
    let mut app = App::new(matrix, keymap, Theme::new(options.color), searcher);
    if !options.source.is_empty() {
        app.source.clone_from(&options.source);
    }
    let mut guard = terminal::TerminalGuard::enter().map_err(TuiError::Terminal)?;
    let mut events = event::TerminalEvents::new(guard.stop_flag());
    let result = drive(guard.terminal(), &mut app, &mut events);
    drop(guard);
    result
}

/// The event loop: draw, wait for an event, turn it into an action, update, repeat.
/// Returns when an effect asks to quit or the events run out.
pub fn drive<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    events: &mut dyn EventSource,
) -> Result<(), TuiError> {
    loop {
        let size = terminal.size().map_err(|e| TuiError::Draw(e.to_string()))?;
        if (size.width, size.height) != (app.size.width, app.size.height) {
            update(app, Action::Resize(size.width, size.height));
        }
        terminal
            .draw(|frame| view::draw(frame, app))
            .map_err(|e| TuiError::Draw(e.to_string()))?;
        let Some(event) = events.next_event().map_err(TuiError::Events)? else {
            return Ok(());
        };
        let Some(action) = event::to_action(&event, app.mode, &app.keymap) else {
            continue;
        };
        // Quit is the only effect so far; running checks and opening URLs come later.
        if update(app, action).contains(&Effect::Quit) {
            return Ok(());
        }
    }
}
