//! Every user intent as one [`Action`] enum, and the [`Effect`]s the runtime carries out.
//!
//! Each action's `///` line is also its text in the help overlay: the `actions!` macro keeps
//! the doc and the variant together so the two cannot drift apart. Names in
//! `assets/keymap.toml` are the serde (`snake_case`) names of the variants without payload.

use serde::de::IntoDeserializer;
use serde::{Deserialize, Serialize};

macro_rules! actions {
    ($( #[doc = $doc:literal] $variant:ident $(( $($field:ty),+ ))? ),+ $(,)?) => {
        /// What the user wants to happen; produced from keys, mouse and the command line.
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Action {
            $( #[doc = $doc] $variant $(( $($field),+ ))? ),+
        }

        impl Action {
            /// The action's one-line description, as shown in the help overlay.
            pub fn doc(&self) -> &'static str {
                match self {
                    $( Self::$variant { .. } => $doc.trim(), )+
                }
            }

            /// Position of the variant in declaration order (the help overlay's order).
            pub fn order(&self) -> usize {
                let name = match self {
                    $( Self::$variant { .. } => stringify!($variant), )+
                };
                [$( stringify!($variant) ),+]
                    .iter()
                    .position(|n| *n == name)
                    .unwrap_or(usize::MAX)
            }
        }
    };
}

actions! {
    /// Move the selection up, or scroll the page up one line.
    MoveUp,
    /// Move the selection down, or scroll the page down one line.
    MoveDown,
    /// Move to the tactic column on the left.
    MoveLeft,
    /// Move to the tactic column on the right.
    MoveRight,
    /// Jump to the first item or the top of the page.
    First,
    /// Jump to the last item or the end of the page.
    Last,
    /// Scroll one screen up.
    PageUp,
    /// Scroll one screen down.
    PageDown,
    /// Next pane: next tactic column, next link on a page, from search results to the grid.
    NextPane,
    /// Previous pane: previous tactic column, previous link, back to the search input.
    PrevPane,
    /// Open the selected technique, link or search hit.
    Open,
    /// Go back: previous page, clear the search filter, close the overlay.
    Back,
    /// Search as you type; the grid dims what does not match.
    StartSearch,
    /// Open the command line (:show ID, :tactic NAME, :search TEXT, :context NAME, :q).
    StartCommand,
    /// Run the command line.
    RunCommand,
    /// Show or hide the key help.
    ToggleHelp,
    /// Quit ktm.
    Quit,
    /// Playbooks: the list on the grid, a technique's playbook, a playbook's walkthrough.
    Playbooks,
    /// Scenarios: show the open scenario's path on the grid, or list them all.
    Scenarios,
    /// Next step of the playbook or scenario.
    NextStep,
    /// Previous step of the playbook or scenario.
    PrevStep,
    /// Mark the step done (and go to the next), or not done again.
    ToggleDone,
    /// Take back the last step marked done.
    UndoDone,
    /// Reveal or hide the facilitator notes of the step.
    Reveal,
    /// Add a note to the step.
    AddNote,
    /// Copy the selected command block, or a finding's verify command (OSC 52 clipboard).
    Copy,
    /// Run the checks on the source given at start (again), in the background.
    RunChecks,
    /// Show only techniques with findings or audit hits (the others dimmed), or all.
    ToggleFindings,
    /// Delete the character before the cursor.
    DeleteBack,
    /// Delete the character under the cursor.
    DeleteForward,
    /// Move the cursor one character left.
    CursorLeft,
    /// Move the cursor one character right.
    CursorRight,
    /// Move the cursor to the start of the input.
    CursorHome,
    /// Move the cursor to the end of the input.
    CursorEnd,
    /// Clear the input line.
    ClearInput,
    /// Scroll up (mouse wheel).
    ScrollUp,
    /// Scroll down (mouse wheel).
    ScrollDown,
    /// Type a character into the input line.
    InsertChar(char),
    /// Open a technique, mitigation or tactic by id.
    OpenEntity(String),
    /// Select a tactic's column in the grid, by slug or name.
    GoToTactic(String),
    /// Use this kubeconfig context for the next check run, and run.
    UseContext(String),
    /// Run a search for this text.
    Search(String),
    /// Mouse click at a screen column and row.
    Click(u16, u16),
    /// The terminal now has this width and height.
    Resize(u16, u16),
    /// Time passed (redraws clocks).
    Tick,
}

impl Action {
    /// Parses an action name as written in the keymap, for example `move_up`.
    /// Only actions without a payload can be bound to keys.
    pub fn from_name(name: &str) -> Option<Self> {
        let de: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            name.into_deserializer();
        Self::deserialize(de).ok()
    }

    /// The name used in the keymap, for example `move_up` (`None` for payload variants).
    pub fn name(&self) -> Option<String> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(s)) => Some(s),
            _ => None,
        }
    }
}

/// Something for the runtime to do after an update; the app itself never does I/O.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Leave the event loop and restore the terminal.
    Quit,
    /// Save this playbook session in the data folder.
    SaveSession(Box<crate::walk::Session>),
    /// Put this text on the clipboard (OSC 52 through the terminal).
    Copy(String),
    /// Run the checks in the background (generation, cluster context override).
    RunChecks(u64, Option<String>),
    /// Stop the background run.
    CancelChecks,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_docs_are_single_lines() {
        assert_eq!(Action::from_name("move_up"), Some(Action::MoveUp));
        assert_eq!(Action::MoveUp.name().as_deref(), Some("move_up"));
        assert_eq!(Action::from_name("insert_char"), None);
        assert_eq!(Action::from_name("fly"), None);
        assert_eq!(Action::InsertChar('x').name(), None);
        assert_eq!(Action::Quit.doc(), "Quit ktm.");
        assert!(Action::MoveUp.order() < Action::Quit.order());
        assert!(Action::Click(1, 2).doc().starts_with("Mouse click"));
    }
}
