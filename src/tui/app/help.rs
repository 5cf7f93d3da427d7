//! The help overlay's content, generated from the keymap and the actions' docs so it
//! always tells the truth about the keys in force; wrapped to the overlay's width.

use crate::text::Span;
use crate::text::wrap::wrap_spans;
use crate::tui::keymap::Keymap;

use super::command::COMMANDS;

/// Width of the keys column.
pub const KEYS_WIDTH: usize = 18;
/// Indent of binding and note rows.
pub const INDENT: usize = 3;

/// One row of the help overlay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HelpRow {
    Heading(&'static str),
    /// Keys and their action's doc; continuation rows of a long doc have no keys.
    Binding {
        keys: String,
        doc: String,
    },
    Note(String),
    Blank,
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    wrap_spans(&[Span::plain(text)], width.max(10), &[], &[])
        .iter()
        .map(crate::text::Line::plain_text)
        .collect()
}

/// Every section of the keymap with its bindings, then the mouse and the commands, for
/// an overlay `width` cells wide inside its border.
pub fn help_rows(keymap: &Keymap, width: usize) -> Vec<HelpRow> {
    let doc_width = width.saturating_sub(INDENT + KEYS_WIDTH + 2);
    let mut rows = Vec::new();
    for (section, bindings) in keymap.sections() {
        rows.push(HelpRow::Heading(section.title()));
        for (action, keys) in bindings {
            if keys.is_empty() {
                continue;
            }
            let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
            for (i, doc) in wrap(action.doc(), doc_width).into_iter().enumerate() {
                rows.push(HelpRow::Binding {
                    keys: if i == 0 {
                        keys.join(" ")
                    } else {
                        String::new()
                    },
                    doc,
                });
            }
        }
        rows.push(HelpRow::Blank);
    }
    rows.push(HelpRow::Heading("Mouse and commands"));
    let notes = [
        "Click selects a cell, a search result or a link; click again opens it. The wheel scrolls."
            .to_owned(),
        format!("Commands: {COMMANDS}"),
        "In search and on the command line, other keys type.".to_owned(),
        "Your own keys: <config dir>/keymap.toml, in the format of assets/keymap.toml.".to_owned(),
    ];
    for note in notes {
        rows.extend(
            wrap(&note, width.saturating_sub(INDENT + 1))
                .into_iter()
                .map(HelpRow::Note),
        );
    }
    rows
}
