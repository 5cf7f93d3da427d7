//! A one-line text input (the search query and the command line): text, cursor, editing.

use unicode_width::UnicodeWidthStr;

use super::action::Action;

/// Text being typed, with a cursor counted in characters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineInput {
    text: String,
    cursor: usize,
}

impl LineInput {
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Replaces the text and puts the cursor at its end.
    pub fn set(&mut self, text: &str) {
        self.text = text.chars().filter(|c| !c.is_control()).collect();
        self.cursor = self.text.chars().count();
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.cursor = 0;
    }

    /// Display width of the text before the cursor: where the terminal cursor goes.
    pub fn cursor_column(&self) -> usize {
        UnicodeWidthStr::width(&self.text[..self.byte_at(self.cursor)])
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map_or(self.text.len(), |(i, _)| i)
    }

    /// Applies an editing action; returns whether the text changed. Other actions are
    /// ignored (`false`).
    pub fn edit(&mut self, action: &Action) -> bool {
        let len = self.text.chars().count();
        match action {
            Action::InsertChar(c) if !c.is_control() => {
                let at = self.byte_at(self.cursor);
                self.text.insert(at, *c);
                self.cursor += 1;
                true
            }
            Action::DeleteBack if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
                true
            }
            Action::DeleteForward if self.cursor < len => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
                true
            }
            Action::ClearInput if !self.text.is_empty() => {
                self.clear();
                true
            }
            Action::CursorLeft => {
                self.cursor = self.cursor.saturating_sub(1);
                false
            }
            Action::CursorRight => {
                self.cursor = (self.cursor + 1).min(len);
                false
            }
            Action::CursorHome => {
                self.cursor = 0;
                false
            }
            Action::CursorEnd => {
                self.cursor = len;
                false
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_at_the_cursor() {
        let mut input = LineInput::default();
        for c in "priv".chars() {
            assert!(input.edit(&Action::InsertChar(c)));
        }
        input.edit(&Action::CursorLeft);
        input.edit(&Action::CursorLeft);
        assert!(input.edit(&Action::InsertChar('é')));
        assert_eq!(input.text(), "préiv");
        assert_eq!(input.cursor_column(), 3);
        assert!(input.edit(&Action::DeleteBack));
        assert!(input.edit(&Action::DeleteForward));
        assert_eq!(input.text(), "prv");
        input.edit(&Action::CursorHome);
        assert!(!input.edit(&Action::DeleteBack));
        input.edit(&Action::CursorEnd);
        assert!(!input.edit(&Action::DeleteForward));
        assert!(!input.edit(&Action::InsertChar('\u{1b}')));
        assert!(input.edit(&Action::ClearInput));
        assert!(input.is_empty());
    }
}
