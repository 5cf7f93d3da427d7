//! Drawing: one frame from `&App`, never changing it. The body shows the grid or a page;
//! the header (what is shown, the search input) and the footer (key hints from the keymap,
//! a status message, or the command line) frame it; search results and help draw on top.

pub mod detail;
pub mod help;
pub mod matrix;
pub mod search;
pub mod walk;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::text::sanitize;
use crate::text::wrap::width as text_width;
use crate::tui::action::Action;
use crate::tui::app::{App, Mode};
use crate::tui::layout::{self, Screen};

/// Draws the whole screen.
pub fn draw(frame: &mut Frame<'_>, app: &App) {
    let walking = matches!(app.mode, Mode::Walk | Mode::Note)
        || (matches!(app.mode, Mode::Help | Mode::Command) && app.under == Mode::Walk);
    if walking && app.walk.is_some() {
        walk::draw(frame, app, frame.area());
        if app.mode == Mode::Help {
            help::draw(frame, app, frame.area());
        }
        return;
    }
    let screen = layout::screen(frame.area());
    if app.shows_page() {
        detail::draw(frame, app, screen.body);
    } else {
        matrix::draw(frame, app, screen.body);
    }
    header(frame, app, screen);
    footer(frame, app, screen.footer);
    match app.mode {
        Mode::Search => search::draw(frame, app, screen),
        Mode::Help => help::draw(frame, app, frame.area()),
        _ => {}
    }
}

fn used(spans: &[Span<'_>]) -> usize {
    spans.iter().map(|s| text_width(&s.content)).sum()
}

/// The first of `lefts` (longest first) that fits beside `right`, padded so `right` ends
/// at the edge; when none fits, the last (shortest) alone.
fn spread(lefts: Vec<Vec<Span<'static>>>, right: Vec<Span<'static>>, width: u16) -> Line<'static> {
    let width = usize::from(width);
    let r = used(&right);
    let mut last = Vec::new();
    for mut left in lefts {
        let l = used(&left);
        if l + r < width {
            left.push(Span::raw(" ".repeat(width - l - r)));
            left.extend(right);
            return Line::from(left);
        }
        last = left;
    }
    Line::from(last)
}

pub fn header(frame: &mut Frame<'_>, app: &App, screen: Screen) {
    let theme = app.theme;
    let area = screen.header;
    let brand = || Span::styled(" ktm ", theme.title());
    let line = if app.mode == Mode::Search {
        let count = match app.search.hits.len() {
            0 if app.search.active() => "no match ".to_owned(),
            0 => "type to search ".to_owned(),
            1 => "1 hit ".to_owned(),
            n => format!("{n} hits "),
        };
        let cursor = u16::try_from(app.search.input.cursor_column()).unwrap_or(u16::MAX);
        frame.set_cursor_position((area.x.saturating_add(3).saturating_add(cursor), area.y));
        let query = sanitize(app.search.input.text()).into_owned();
        let left = vec![Span::styled(" / ", theme.key()), Span::raw(query)];
        spread(vec![left], vec![Span::raw(count)], area.width)
    } else if let (true, Some(page)) = (app.shows_page(), &app.page) {
        let back = if app.history.is_empty() {
            "Esc grid "
        } else {
            "Esc back "
        };
        let title = || {
            vec![
                brand(),
                Span::raw(" "),
                Span::styled(page.title.clone(), theme.title()),
            ]
        };
        let mut with_facts = title();
        with_facts.push(Span::raw(format!("  {}", page.facts)));
        spread(vec![with_facts, title()], vec![Span::raw(back)], area.width)
    } else {
        let total = app.matrix.techniques.len();
        let lefts: Vec<String> = if app.search.active() {
            let query = sanitize(app.search.input.text()).into_owned();
            let n = app.search.matching.len();
            vec![
                format!(" filter “{query}”: {n} of {total} techniques · Esc clears"),
                format!(" filter “{query}”: {n} of {total}"),
                format!(" “{query}”: {n} of {total}"),
            ]
        } else if let Some((_, progress)) = &app.results.running {
            let progress = sanitize(progress).into_owned();
            vec![
                format!(" checks running: {progress} · Esc cancels"),
                format!(" checks running: {progress}"),
                " checks running…".to_owned(),
            ]
        } else if let Some([long, short]) = matrix::legend(app) {
            vec![
                format!(" {total} techniques · {long}"),
                format!(" {long}"),
                format!(" {short}"),
            ]
        } else {
            vec![
                format!(
                    " Threat Matrix for Kubernetes · {total} techniques · {}",
                    app.source
                ),
                format!(" Threat Matrix for Kubernetes · {total} techniques"),
                format!(" {total} techniques"),
            ]
        };
        let geometry = app.grid.geometry(screen.body);
        let (cols, all) = (&geometry.columns, app.grid.columns.len());
        let mut right = String::new();
        if cols.len() < all {
            let more_left = if cols.start > 0 { "◂" } else { " " };
            let more_right = if cols.end < all { "▸" } else { " " };
            right = format!(
                "{more_left} {}–{} of {all} {more_right}  ",
                cols.start + 1,
                cols.end
            );
        }
        right.push_str("? help ");
        let lefts = lefts
            .into_iter()
            .map(|l| vec![brand(), Span::raw(l)])
            .collect();
        spread(lefts, vec![Span::raw(right)], area.width)
    };
    let style = if app.mode == Mode::Search {
        Style::new()
    } else {
        theme.header()
    };
    frame.render_widget(Paragraph::new(line).style(style), area);
}

/// Hints per mode: the actions whose first keys are shown (joined), and a label.
fn hints(mode: Mode) -> &'static [(&'static [Action], &'static str)] {
    match mode {
        Mode::Matrix => &[
            (
                &[
                    Action::MoveLeft,
                    Action::MoveDown,
                    Action::MoveUp,
                    Action::MoveRight,
                ],
                "move",
            ),
            (&[Action::Open], "open"),
            (&[Action::StartSearch], "search"),
            (&[Action::NextPane], "next tactic"),
            (&[Action::StartCommand], "command"),
            (&[Action::ToggleHelp], "help"),
            (&[Action::Quit], "quit"),
        ],
        Mode::Detail => &[
            (&[Action::NextPane], "next link"),
            (&[Action::Open], "follow"),
            (&[Action::Back], "back"),
            (&[Action::MoveDown, Action::MoveUp], "scroll"),
            (&[Action::StartSearch], "search"),
            (&[Action::ToggleHelp], "help"),
            (&[Action::Quit], "quit"),
        ],
        Mode::Search => &[
            (&[Action::MoveDown, Action::MoveUp], "pick"),
            (&[Action::Open], "open"),
            (&[Action::NextPane], "browse the grid"),
            (&[Action::Back], "clear"),
        ],
        Mode::Help => &[
            (&[Action::MoveDown, Action::MoveUp], "scroll"),
            (&[Action::Back], "close"),
        ],
        Mode::Command | Mode::Walk | Mode::Note => &[],
    }
}

pub fn footer(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let theme = app.theme;
    if app.mode == Mode::Command {
        let text = sanitize(app.command.text()).into_owned();
        let line = Line::from(vec![Span::styled(":", theme.key()), Span::raw(text)]);
        frame.render_widget(Paragraph::new(line), area);
        let cursor = u16::try_from(app.command.cursor_column()).unwrap_or(u16::MAX);
        frame.set_cursor_position((area.x.saturating_add(1).saturating_add(cursor), area.y));
        return;
    }
    if let Some(status) = &app.status {
        let style = if status.error {
            theme.error()
        } else {
            Style::new()
        };
        let text = format!(" {}", sanitize(&status.text));
        frame.render_widget(Paragraph::new(Span::styled(text, style)), area);
        return;
    }
    let mode = if app.shows_page() {
        Mode::Detail
    } else {
        app.mode
    };
    let mut spans = vec![Span::raw(" ")];
    let mut width = 1;
    for (actions, label) in hints(mode) {
        let keys: String = actions
            .iter()
            .filter_map(|a| {
                app.keymap
                    .keys_for(mode, a)
                    .first()
                    .map(ToString::to_string)
            })
            .collect();
        if keys.is_empty() {
            continue;
        }
        let wanted = text_width(&keys) + 1 + text_width(label) + 3;
        if width + wanted > usize::from(area.width) {
            break;
        }
        width += wanted;
        spans.push(Span::styled(keys, theme.key()));
        spans.push(Span::styled(format!(" {label}   "), theme.muted()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
