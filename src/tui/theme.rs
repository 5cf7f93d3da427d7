//! Styles for every part of the screen, in colour or monochrome (`NO_COLOR`, `--color never`).
//!
//! The monochrome theme uses only attributes (bold, reverse, underline, dim), so the
//! screen stays readable on any terminal and in screenshots for print.

use ratatui::style::{Color, Modifier, Style};

use crate::text;

/// The palette; views ask it for a style by role, never pick colours themselves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

impl Theme {
    pub fn new(color: bool) -> Self {
        Self { color }
    }

    pub fn monochrome() -> Self {
        Self::new(false)
    }

    fn pick(self, color: Style, mono: Style) -> Style {
        if self.color { color } else { mono }
    }

    /// The top line: program name and matrix facts.
    pub fn header(self) -> Style {
        self.pick(
            Style::new().fg(Color::Black).bg(Color::Cyan),
            Style::new().add_modifier(Modifier::REVERSED),
        )
    }

    pub fn title(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn border(self) -> Style {
        self.pick(Style::new().fg(Color::DarkGray), Style::new())
    }

    /// The cell or item under the cursor.
    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }

    /// Other cells of the selected technique (it stands under several tactics).
    pub fn same_entity(self) -> Style {
        self.pick(
            Style::new().fg(Color::Black).bg(Color::Blue),
            Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD),
        )
    }

    /// Cells that do not match the active search.
    pub fn dimmed(self) -> Style {
        self.pick(
            Style::new().fg(Color::DarkGray).add_modifier(Modifier::DIM),
            Style::new().add_modifier(Modifier::DIM),
        )
    }

    /// Matched words in search results.
    pub fn mark(self) -> Style {
        self.pick(
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        )
    }

    pub fn link(self) -> Style {
        self.pick(
            Style::new()
                .fg(Color::Cyan)
                .add_modifier(Modifier::UNDERLINED),
            Style::new().add_modifier(Modifier::UNDERLINED),
        )
    }

    pub fn muted(self) -> Style {
        self.pick(
            Style::new().fg(Color::DarkGray),
            Style::new().add_modifier(Modifier::DIM),
        )
    }

    pub fn key(self) -> Style {
        self.pick(
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::BOLD),
        )
    }

    /// A finding's severity on the grid.
    pub fn severity(self, severity: crate::matrix::check::Severity) -> Style {
        use crate::matrix::check::Severity as S;
        let color = match severity {
            S::Critical => Color::Magenta,
            S::High => Color::Red,
            S::Medium => Color::Yellow,
            S::Low => Color::Cyan,
        };
        let mono = if severity >= S::High {
            Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        };
        self.pick(Style::new().fg(color).add_modifier(Modifier::BOLD), mono)
    }

    pub fn error(self) -> Style {
        self.pick(
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::BOLD),
        )
    }

    /// A span of rendered markdown.
    pub fn text(self, style: text::Style) -> Style {
        let mut s = Style::new();
        if style.bold || style.heading > 0 {
            s = s.add_modifier(Modifier::BOLD);
        }
        if style.italic {
            s = s.add_modifier(Modifier::ITALIC);
        }
        if style.dim {
            s = s.patch(self.muted());
        }
        if style.link {
            s = s.patch(self.link());
        }
        if style.mark {
            s = s.patch(self.mark());
        }
        if self.color {
            if style.code {
                s = s.fg(Color::Green);
            }
            match style.heading {
                0 => {}
                1 => s = s.fg(Color::Magenta),
                _ => s = s.fg(Color::Blue),
            }
        } else if style.heading == 1 {
            s = s.add_modifier(Modifier::UNDERLINED);
        }
        s
    }
}
