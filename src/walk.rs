//! A walk through a playbook: which step is current, which are done, notes, time spent.
//!
//! Pure state with an injected clock (`now`, seconds since the Unix epoch), so the TUI,
//! the CLI and the tests drive it the same way. [`store`] keeps sessions in the data
//! folder; [`export`] writes a session log as markdown.

pub mod export;
pub mod store;

use serde::{Deserialize, Serialize};

use crate::matrix::Playbook;

/// The session file format version; a file with another version is not resumed.
pub const VERSION: u32 = 1;

/// A note typed during a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// Seconds since the Unix epoch.
    pub at: u64,
    pub text: String,
}

/// What happened to one step.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepState {
    /// The step's title when the session was saved (to notice an edited playbook).
    pub title: String,
    /// When it was marked done, if it is.
    pub done_at: Option<u64>,
    /// Seconds this step was the current one.
    pub seconds: u64,
    /// Whether the facilitator notes were revealed.
    pub revealed: bool,
    pub notes: Vec<Note>,
}

/// One walk through one playbook, under a session name such as `drill-1`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub version: u32,
    pub playbook: String,
    pub name: String,
    pub started: u64,
    /// The last time anything happened.
    pub updated: u64,
    pub current: usize,
    pub steps: Vec<StepState>,
    /// Steps marked done, most recent last, for undo.
    #[serde(default)]
    pub done_order: Vec<usize>,
    /// When the current step became current (not saved: time stops while ktm is closed).
    #[serde(skip)]
    entered: Option<u64>,
}

impl Session {
    pub fn new(playbook: &Playbook, name: &str, now: u64) -> Self {
        Self {
            version: VERSION,
            playbook: playbook.id().to_owned(),
            name: name.to_owned(),
            started: now,
            updated: now,
            current: 0,
            steps: playbook
                .steps
                .iter()
                .map(|s| StepState {
                    title: s.title.clone(),
                    ..StepState::default()
                })
                .collect(),
            done_order: Vec::new(),
            entered: Some(now),
        }
    }

    /// Fits a saved session to the playbook as it is now: steps added or removed since
    /// are added empty or dropped, and the clock starts again at `now`.
    #[must_use]
    pub fn resume(mut self, playbook: &Playbook, now: u64) -> Self {
        self.steps
            .resize_with(playbook.steps.len(), StepState::default);
        for (state, step) in self.steps.iter_mut().zip(&playbook.steps) {
            state.title.clone_from(&step.title);
        }
        let len = self.steps.len();
        self.done_order.retain(|i| *i < len);
        self.current = self.current.min(len.saturating_sub(1));
        self.entered = Some(now);
        self
    }

    pub fn len(&self) -> usize {
        self.steps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    pub fn done_count(&self) -> usize {
        self.steps.iter().filter(|s| s.done_at.is_some()).count()
    }

    /// Seconds spent on step `i`, counting the running clock for the current one.
    pub fn seconds(&self, i: usize, now: u64) -> u64 {
        let Some(step) = self.steps.get(i) else {
            return 0;
        };
        let running = match self.entered {
            Some(t) if i == self.current => now.saturating_sub(t),
            _ => 0,
        };
        step.seconds + running
    }

    /// Seconds spent on all steps.
    pub fn total_seconds(&self, now: u64) -> u64 {
        (0..self.steps.len()).map(|i| self.seconds(i, now)).sum()
    }

    /// Makes step `i` current (clamped), banking the time spent on the previous one.
    pub fn go_to(&mut self, i: usize, now: u64) {
        let target = i.min(self.steps.len().saturating_sub(1));
        if target == self.current {
            return;
        }
        self.bank(now);
        self.current = target;
        self.entered = Some(now);
        self.updated = now;
    }

    pub fn next(&mut self, now: u64) {
        self.go_to(self.current + 1, now);
    }

    pub fn previous(&mut self, now: u64) {
        self.go_to(self.current.saturating_sub(1), now);
    }

    /// Marks the current step done (and moves on), or not done when it already is.
    pub fn toggle_done(&mut self, now: u64) {
        let i = self.current;
        let Some(step) = self.steps.get_mut(i) else {
            return;
        };
        if step.done_at.is_some() {
            step.done_at = None;
            self.done_order.retain(|x| *x != i);
        } else {
            step.done_at = Some(now);
            self.done_order.push(i);
            if i + 1 < self.steps.len() {
                self.next(now);
            }
        }
        self.updated = now;
    }

    /// Takes back the last "done" and returns to that step.
    pub fn undo(&mut self, now: u64) -> bool {
        let Some(i) = self.done_order.pop() else {
            return false;
        };
        if let Some(step) = self.steps.get_mut(i) {
            step.done_at = None;
        }
        self.go_to(i, now);
        self.updated = now;
        true
    }

    /// Reveals (or hides again) the current step's facilitator notes.
    pub fn toggle_reveal(&mut self, now: u64) {
        if let Some(step) = self.steps.get_mut(self.current) {
            step.revealed = !step.revealed;
            self.updated = now;
        }
    }

    /// Adds a note to the current step; blank notes are ignored.
    pub fn add_note(&mut self, text: &str, now: u64) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        if let Some(step) = self.steps.get_mut(self.current) {
            step.notes.push(Note {
                at: now,
                text: text.to_owned(),
            });
            self.updated = now;
        }
    }

    /// Adds the running clock to the current step's total (before saving or leaving).
    pub fn bank(&mut self, now: u64) {
        if let (Some(t), Some(step)) = (self.entered, self.steps.get_mut(self.current)) {
            step.seconds += now.saturating_sub(t);
            self.entered = Some(now);
        }
    }
}

/// Seconds as `hh:mm:ss`.
pub fn clock(seconds: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// Seconds since the Unix epoch, now.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests;
