//! The playbook walkthrough: one step at a time, its command blocks selectable and
//! copyable, done/undo, facilitator notes revealed on demand, notes typed per step.
//! Every change asks the runtime to save the session (the app does no I/O itself).

use crate::matrix::Playbook;
use crate::tui::action::{Action, Effect};
use crate::tui::input::LineInput;
use crate::walk::Session;

use super::{App, Mode};

/// A walk in progress.
pub struct Walk {
    /// Index of the playbook in `matrix.playbooks`.
    pub playbook: usize,
    pub session: Session,
    /// The selected command block of the current step.
    pub block: usize,
    /// First line of the step pane shown.
    pub scroll: usize,
    /// The note being typed (`n`).
    pub note: LineInput,
}

impl Walk {
    pub fn playbook<'a>(&self, app_playbooks: &'a [Playbook]) -> Option<&'a Playbook> {
        app_playbooks.get(self.playbook)
    }
}

/// Starts (or resumes, when the store holds a session of this name) walking playbook `id`.
pub fn start(app: &mut App, id: &str) -> Vec<Effect> {
    let Some(index) = app.matrix.playbooks.iter().position(|p| p.id() == id) else {
        app.error(format!("no playbook `{}`", crate::text::sanitize(id)));
        return Vec::new();
    };
    let now = (app.clock)();
    let saved = match &app.store {
        Some(store) => match store.load(&app.session_name, id) {
            Ok(saved) => saved,
            Err(err) => {
                app.error(format!("{err}; starting a new session"));
                None
            }
        },
        None => None,
    };
    let playbook = &app.matrix.playbooks[index];
    let resumed = saved.is_some();
    let session = match saved {
        Some(s) => s.resume(playbook, now),
        None => Session::new(playbook, &app.session_name, now),
    };
    app.walk = Some(Walk {
        playbook: index,
        session,
        block: 0,
        scroll: 0,
        note: LineInput::default(),
    });
    app.mode = Mode::Walk;
    app.under = Mode::Walk;
    if resumed {
        app.info(format!(
            "resumed session {} where it stopped",
            app.session_name
        ));
    }
    Vec::new()
}

/// The walk has the keys.
pub fn handle(app: &mut App, action: &Action) -> Vec<Effect> {
    let now = (app.clock)();
    let Some(walk) = app.walk.as_mut() else {
        app.mode = Mode::Matrix;
        return Vec::new();
    };
    let blocks = app
        .matrix
        .playbooks
        .get(walk.playbook)
        .and_then(|p| p.steps.get(walk.session.current))
        .map_or(0, |s| s.blocks.len());
    let before = walk.session.current;
    let mut changed = true;
    match action {
        Action::NextStep => walk.session.next(now),
        Action::PrevStep => walk.session.previous(now),
        Action::ToggleDone => walk.session.toggle_done(now),
        Action::UndoDone => {
            if !walk.session.undo(now) {
                app.error("nothing to undo");
                return Vec::new();
            }
        }
        Action::Reveal => walk.session.toggle_reveal(now),
        Action::AddNote => {
            walk.note.clear();
            app.mode = Mode::Note;
            return Vec::new();
        }
        Action::NextPane if blocks > 0 => {
            walk.block = (walk.block + 1) % blocks;
            changed = false;
        }
        Action::PrevPane if blocks > 0 => {
            walk.block = (walk.block + blocks - 1) % blocks;
            changed = false;
        }
        Action::MoveDown | Action::ScrollDown => {
            walk.scroll += 1;
            changed = false;
        }
        Action::MoveUp | Action::ScrollUp => {
            walk.scroll = walk.scroll.saturating_sub(1);
            changed = false;
        }
        Action::PageDown => {
            walk.scroll += 10;
            changed = false;
        }
        Action::PageUp => {
            walk.scroll = walk.scroll.saturating_sub(10);
            changed = false;
        }
        Action::Copy => return copy(app),
        Action::Back => return leave(app, now),
        _ => changed = false,
    }
    if walk.session.current != before {
        walk.block = 0;
        walk.scroll = 0;
    }
    if changed {
        vec![Effect::SaveSession(Box::new(walk.session.clone()))]
    } else {
        Vec::new()
    }
}

/// The note input has the keys: type, save with Enter, cancel with Esc.
pub fn note(app: &mut App, action: &Action) -> Vec<Effect> {
    let now = (app.clock)();
    let Some(walk) = app.walk.as_mut() else {
        app.mode = Mode::Matrix;
        return Vec::new();
    };
    match action {
        Action::Back => app.mode = Mode::Walk,
        Action::RunCommand => {
            let text = walk.note.text().to_owned();
            walk.session.add_note(&text, now);
            walk.note.clear();
            app.mode = Mode::Walk;
            return vec![Effect::SaveSession(Box::new(walk.session.clone()))];
        }
        edit => {
            walk.note.edit(edit);
        }
    }
    Vec::new()
}

fn copy(app: &mut App) -> Vec<Effect> {
    let Some(walk) = &app.walk else {
        return Vec::new();
    };
    let block = app
        .matrix
        .playbooks
        .get(walk.playbook)
        .and_then(|p| p.steps.get(walk.session.current))
        .and_then(|s| s.blocks.get(walk.block));
    if let Some(b) = block {
        let text = b.code.trim_end().to_owned();
        app.info("copied the command block to the clipboard");
        vec![Effect::Copy(text)]
    } else {
        app.error("this step has no command to copy");
        Vec::new()
    }
}

/// Leaves the walk (saving it) for the page it was opened from, or the grid.
fn leave(app: &mut App, now: u64) -> Vec<Effect> {
    let Some(mut walk) = app.walk.take() else {
        return Vec::new();
    };
    walk.session.bank(now);
    app.mode = if app.page.is_some() {
        Mode::Detail
    } else {
        Mode::Matrix
    };
    app.under = app.mode;
    vec![Effect::SaveSession(Box::new(walk.session))]
}

/// Saves the walk before quitting.
pub fn on_quit(app: &mut App) -> Vec<Effect> {
    let now = (app.clock)();
    match app.walk.as_mut() {
        Some(walk) => {
            walk.session.bank(now);
            vec![
                Effect::SaveSession(Box::new(walk.session.clone())),
                Effect::Quit,
            ]
        }
        None => vec![Effect::Quit],
    }
}
