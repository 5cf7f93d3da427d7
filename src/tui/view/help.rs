//! The help overlay: the keymap in force with each action's doc line, scrollable.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::text::sanitize;
use crate::text::wrap::width as text_width;
use crate::tui::app::App;
use crate::tui::app::help::{HelpRow, INDENT, KEYS_WIDTH, help_rows};
use crate::tui::layout;

pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let theme = app.theme;
    let popup = layout::help(area);
    frame.render_widget(Clear, popup);
    let rows = help_rows(&app.keymap, usize::from(popup.width.saturating_sub(2)));
    let block = Block::bordered()
        .border_style(theme.border())
        .title(Span::styled(" Keys ", theme.title()))
        .title_bottom(Line::styled(" Esc closes ", theme.muted()).right_aligned());
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let lines: Vec<Line<'static>> = rows
        .iter()
        .skip(app.help_scroll)
        .take(usize::from(inner.height))
        .map(|row| match row {
            HelpRow::Heading(title) => Line::styled(format!(" {title}"), theme.title()),
            HelpRow::Binding { keys, doc } => {
                let keys = sanitize(keys).into_owned();
                let pad = KEYS_WIDTH.saturating_sub(text_width(&keys));
                Line::from(vec![
                    Span::raw(" ".repeat(INDENT)),
                    Span::styled(keys, theme.key()),
                    Span::raw(" ".repeat(pad + 1)),
                    Span::raw(doc.clone()),
                ])
            }
            HelpRow::Note(text) => Line::raw(format!("{}{}", " ".repeat(INDENT), sanitize(text))),
            HelpRow::Blank => Line::raw(""),
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
