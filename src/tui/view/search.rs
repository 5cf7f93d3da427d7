//! Search results over the grid: id, kind, name and snippet, matched words highlighted,
//! the picked hit in reverse video.

use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::text::sanitize;
use crate::text::wrap::width as text_width;
use crate::tui::app::App;
use crate::tui::layout::{self, Screen};
use crate::tui::markdown::{ellipsize, highlighted};
use crate::tui::search::SearchHit;

/// Widest id column; longer ids (tactic slugs) are shortened.
const ID_WIDTH: usize = 12;

pub fn draw(frame: &mut Frame<'_>, app: &App, screen: Screen) {
    let search = &app.search;
    if !search.active() {
        return;
    }
    let theme = app.theme;
    let area = layout::results(
        screen.body,
        &app.grid.geometry(screen.body),
        search.hits.len(),
    );
    frame.render_widget(Clear, area);
    let title = match search.hits.len() {
        0 => " no match ".to_owned(),
        n => format!(" {}/{n} ", search.selected + 1),
    };
    let block = Block::bordered()
        .border_style(theme.border())
        .title(Span::styled(title, theme.muted()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let id_width = search
        .hits
        .iter()
        .map(|h| text_width(&h.id))
        .max()
        .unwrap_or(0)
        .min(ID_WIDTH);
    let kind_width = search
        .hits
        .iter()
        .map(|h| text_width(&h.kind))
        .max()
        .unwrap_or(0)
        .min(12);
    let widths = (id_width, kind_width);
    let lines: Vec<Line<'static>> = search
        .hits
        .iter()
        .enumerate()
        .skip(search.scroll)
        .take(usize::from(inner.height))
        .map(|(i, hit)| {
            let base = if i == search.selected {
                theme.selected()
            } else {
                Style::new()
            };
            hit_line(
                app,
                hit,
                (i == search.selected, base),
                widths,
                usize::from(inner.width),
            )
        })
        .collect();
    if lines.is_empty() {
        let text = format!(
            "nothing matches “{}”; Esc clears, Backspace edits",
            sanitize(search.input.text())
        );
        frame.render_widget(Paragraph::new(Span::styled(text, theme.muted())), inner);
    } else {
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

/// `▶ MS-TA9018 technique  Privileged container — snippet`, padded to `width`.
fn hit_line(
    app: &App,
    hit: &SearchHit,
    (selected, base): (bool, Style),
    (id_width, kind_width): (usize, usize),
    width: usize,
) -> Line<'static> {
    let theme = app.theme;
    let marker = if selected { "▶ " } else { "  " };
    let id = ellipsize(&sanitize(&hit.id), id_width);
    let kind = sanitize(&hit.kind);
    let mut spans = vec![
        Span::styled(marker, base),
        Span::styled(format!("{id:<id_width$} "), base.patch(theme.title())),
        Span::styled(format!("{kind:<kind_width$}  "), base.patch(theme.muted())),
    ];
    spans.extend(highlighted(
        &hit.name,
        &hit.name_highlights,
        base,
        theme.mark(),
    ));
    if !hit.snippet.trim().is_empty() {
        spans.push(Span::styled(" — ", base));
        spans.extend(highlighted(
            &hit.snippet,
            &hit.snippet_highlights,
            base.patch(theme.muted()),
            theme.mark(),
        ));
    }
    let used: usize = spans.iter().map(|s| text_width(&s.content)).sum();
    if used < width {
        spans.push(Span::styled(" ".repeat(width - used), base));
    }
    Line::from(spans)
}
