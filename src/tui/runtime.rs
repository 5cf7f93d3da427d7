//! The event loop and the effects it carries out: saving sessions, copying to the
//! clipboard, and running checks on a background thread whose progress and outcome come
//! back as [`JobEvent`]s between key presses, so the UI never freezes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};

use ratatui::Terminal;
use ratatui::backend::Backend;
use serde_json::Value;

use super::app::results::{JobEvent, job_event};
use super::{Action, App, Effect, EventSource, TuiError, event, update, view};
use crate::checks::Report;

/// Runs the checks on the source given at start: the cluster context to use (when
/// `:context` picked one), a flag set when the user cancels, and a progress callback.
pub type CheckRunner = Arc<
    dyn Fn(Option<String>, &AtomicBool, Progress) -> Result<(Report, Vec<Value>), String>
        + Send
        + Sync,
>;

/// Where a run reports what it is doing.
pub type Progress = Arc<dyn Fn(String) + Send + Sync>;

/// The background side: the runner, the channel back, and the cancel flag of the run.
struct Jobs {
    runner: Option<CheckRunner>,
    tx: Sender<(u64, JobEvent)>,
    rx: Receiver<(u64, JobEvent)>,
    cancel: Arc<AtomicBool>,
}

/// The event loop: draw, wait for an event, turn it into an action, update, repeat.
/// Returns when an effect asks to quit or the events run out. Copies go to the
/// terminal's clipboard (OSC 52 on stdout).
pub fn drive<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    events: &mut dyn EventSource,
) -> Result<(), TuiError> {
    drive_jobs(
        terminal,
        app,
        events,
        &mut super::copy_osc52,
        None,
        Vec::new(),
    )
}

/// [`drive`] with the clipboard given: tests record what would be copied.
pub fn drive_with<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    events: &mut dyn EventSource,
    clipboard: &mut dyn FnMut(&str) -> std::io::Result<()>,
) -> Result<(), TuiError> {
    drive_jobs(terminal, app, events, clipboard, None, Vec::new())
}

/// [`drive`] with a check runner and actions to apply before the first event. When the
/// events run out while a run is going (a test's script), waits for it to end.
pub fn drive_jobs<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    events: &mut dyn EventSource,
    clipboard: &mut dyn FnMut(&str) -> std::io::Result<()>,
    runner: Option<CheckRunner>,
    first: Vec<Action>,
) -> Result<(), TuiError> {
    let (tx, rx) = channel();
    let mut jobs = Jobs {
        runner,
        tx,
        rx,
        cancel: Arc::new(AtomicBool::new(false)),
    };
    if jobs.runner.is_some() {
        app.results.can_run = true;
    }
    for action in first {
        let effects = update(app, action);
        if apply(effects, app, &mut jobs, clipboard) {
            return Ok(());
        }
    }
    loop {
        drain(app, &jobs);
        let size = terminal.size().map_err(|e| TuiError::Draw(e.to_string()))?;
        if (size.width, size.height) != (app.size.width, app.size.height) {
            update(app, Action::Resize(size.width, size.height));
        }
        terminal
            .draw(|frame| view::draw(frame, app))
            .map_err(|e| TuiError::Draw(e.to_string()))?;
        let Some(event) = events.next_event().map_err(TuiError::Events)? else {
            if app.results.running.is_some() {
                // Scripted events ran out: let the run finish so its result is seen.
                while app.results.running.is_some() {
                    let Ok((generation, event)) = jobs.rx.recv() else {
                        break;
                    };
                    job_event(app, generation, event);
                }
                terminal
                    .draw(|frame| view::draw(frame, app))
                    .map_err(|e| TuiError::Draw(e.to_string()))?;
            }
            return Ok(());
        };
        let Some(action) = event::to_action(&event, app.mode, &app.keymap) else {
            continue;
        };
        let effects = update(app, action);
        if apply(effects, app, &mut jobs, clipboard) {
            return Ok(());
        }
    }
}

/// Applies what background runs sent since the last look.
fn drain(app: &mut App, jobs: &Jobs) {
    while let Ok((generation, event)) = jobs.rx.try_recv() {
        job_event(app, generation, event);
    }
}

/// Carries out effects; `true` when one of them is to quit.
fn apply(
    effects: Vec<Effect>,
    app: &mut App,
    jobs: &mut Jobs,
    clipboard: &mut dyn FnMut(&str) -> std::io::Result<()>,
) -> bool {
    let mut quit = false;
    for effect in effects {
        match effect {
            Effect::Quit => {
                jobs.cancel.store(true, Ordering::Relaxed);
                quit = true;
            }
            Effect::SaveSession(session) => {
                if let Some(store) = &app.store
                    && let Err(err) = store.save(&session)
                {
                    app.error(err.to_string());
                }
            }
            Effect::Copy(text) => {
                if let Err(err) = clipboard(&text) {
                    app.error(format!("could not copy: {err}"));
                }
            }
            Effect::RunChecks(generation, context) => start(app, jobs, generation, context),
            Effect::CancelChecks => jobs.cancel.store(true, Ordering::Relaxed),
        }
    }
    quit
}

fn start(app: &mut App, jobs: &mut Jobs, generation: u64, context: Option<String>) {
    let Some(runner) = jobs.runner.clone() else {
        app.results.running = None;
        app.error("no source to check");
        return;
    };
    jobs.cancel.store(true, Ordering::Relaxed);
    let cancel = Arc::new(AtomicBool::new(false));
    jobs.cancel = cancel.clone();
    let tx = jobs.tx.clone();
    let spawned = std::thread::Builder::new()
        .name("ktm-checks".into())
        .spawn(move || {
            let progress_tx = std::sync::Mutex::new(tx.clone());
            let progress: Progress = Arc::new(move |text: String| {
                if let Ok(tx) = progress_tx.lock() {
                    let _ = tx.send((generation, JobEvent::Progress(text)));
                }
            });
            let event = match runner(context, &cancel, progress) {
                Ok((report, objects)) => JobEvent::Done(Box::new(report), objects),
                Err(message) => JobEvent::Failed(message),
            };
            let _ = tx.send((generation, event));
        });
    if let Err(err) = spawned {
        app.results.running = None;
        app.error(format!("could not start the check run: {err}"));
    }
}
