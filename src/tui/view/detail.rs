//! An entity's page: a rule with the scroll position, then the rendered markdown with its links marked
//! and the selected link in reverse video.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::App;
use crate::tui::layout;
use crate::tui::markdown::{restyle, to_line};

pub fn draw(frame: &mut Frame<'_>, app: &App, body: Rect) {
    let Some(page) = &app.page else {
        return;
    };
    let theme = app.theme;
    let geometry = layout::page(body);
    let height = usize::from(geometry.text.height);
    let total = page.lines.len();
    let position = if total > height {
        format!(
            "{}–{} of {total} ",
            page.scroll + 1,
            (page.scroll + height).min(total)
        )
    } else {
        String::new()
    };
    let rule_width = usize::from(geometry.rule.width);
    let rule = format!(
        "{}{position}",
        "─".repeat(rule_width.saturating_sub(position.chars().count()))
    );
    frame.render_widget(
        Paragraph::new(Span::styled(rule, theme.border())),
        geometry.rule,
    );
    let lines: Vec<Line<'static>> = (page.scroll..(page.scroll + height).min(total))
        .map(|n| {
            let mut line = to_line(&page.lines[n], theme);
            for (i, link) in page.links.iter().enumerate().filter(|(_, l)| l.line == n) {
                let style = if page.selected == Some(i) {
                    theme.selected()
                } else {
                    theme.link()
                };
                restyle(&mut line, link.cols.clone(), style);
            }
            line
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), geometry.text);
}
