//! The walkthrough screen: header with session, step and clock; the step list on the
//! left (when there is room); the current step on the right with its warning, prose,
//! command blocks (the selected one marked for `y`), facilitator notes and typed notes;
//! a progress bar and key hints, or the note being typed, at the bottom.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::matrix::playbook::Step;
use crate::text::sanitize;
use crate::tui::action::Action;
use crate::tui::app::walk::Walk;
use crate::tui::app::{App, Mode};
use crate::tui::markdown::{ellipsize, to_line};
use crate::tui::theme::Theme;
use crate::walk::{Session, clock};

pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(walk) = &app.walk else {
        return;
    };
    let Some(playbook) = walk.playbook(&app.matrix.playbooks) else {
        return;
    };
    let theme = app.theme;
    let now = (app.clock)();
    let session = &walk.session;
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let right = format!(
        "session {} · step {}/{} · {} ",
        session.name,
        session.current + 1,
        session.len(),
        clock(session.seconds(session.current, now))
    );
    let width = usize::from(top.width);
    let title_room = width.saturating_sub(right.chars().count() + 2);
    let title = ellipsize(&format!(" Playbook: {}", playbook.meta.title), title_room);
    let pad = width.saturating_sub(title.chars().count() + right.chars().count());
    let header = Line::from(vec![
        Span::styled(sanitize(&title).into_owned(), theme.title()),
        Span::raw(" ".repeat(pad)),
        Span::raw(sanitize(&right).into_owned()),
    ]);
    frame.render_widget(Paragraph::new(header).style(theme.header()), top);

    let (list_area, step_area) = if body.width >= 70 {
        let list = (body.width / 3).clamp(20, 32);
        let [l, r] = Layout::horizontal([Constraint::Length(list), Constraint::Min(1)]).areas(body);
        (Some(l), r)
    } else {
        (None, body)
    };
    if let Some(area) = list_area {
        step_list(frame, theme, session, &playbook.steps, area);
    }
    if let Some(step) = playbook.steps.get(session.current) {
        step_pane(frame, app, walk, step, step_area);
    }
    footer(frame, app, walk, bottom);
}

fn step_list(frame: &mut Frame<'_>, theme: Theme, session: &Session, steps: &[Step], area: Rect) {
    let inner = usize::from(area.width.saturating_sub(2));
    let lines: Vec<Line> = steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let done = session.steps.get(i).is_some_and(|s| s.done_at.is_some());
            let mark = match (i == session.current, done) {
                (true, _) => "▶",
                (false, true) => "✔",
                (false, false) => " ",
            };
            let text = ellipsize(&format!("{mark} {} {}", i + 1, step.title), inner);
            let style = if i == session.current {
                theme.selected()
            } else if done {
                theme.muted()
            } else {
                Style::new()
            };
            Line::styled(sanitize(&text).into_owned(), style)
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title("Steps");
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn step_pane(frame: &mut Frame<'_>, app: &App, walk: &Walk, step: &Step, area: Rect) {
    let theme = app.theme;
    let session = &walk.session;
    let title = format!("Step {} · {}", session.current + 1, step.title);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(
            sanitize(&ellipsize(
                &title,
                usize::from(area.width.saturating_sub(4)),
            ))
            .into_owned(),
        );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width).max(10);
    let lines = step_lines(theme, walk, step, width);
    let height = usize::from(inner.height);
    let max = lines.len().saturating_sub(height);
    let scroll = walk.scroll.min(max);
    let visible: Vec<Line> = lines.into_iter().skip(scroll).take(height).collect();
    frame.render_widget(Paragraph::new(visible), inner);
}

/// Everything the step pane shows, as lines `width` wide.
fn step_lines(theme: Theme, walk: &Walk, step: &Step, width: usize) -> Vec<Line<'static>> {
    let state = walk.session.steps.get(walk.session.current);
    let mut out: Vec<Line<'static>> = Vec::new();
    if state.is_some_and(|s| s.done_at.is_some()) {
        out.push(Line::styled(
            "✔ done (space marks it not done)",
            theme.muted(),
        ));
    }
    if let Some(warning) = &step.warning {
        for line in
            crate::text::render_markdown(&format!("⚠ **Changes the cluster:** {warning}"), width)
        {
            let mut l = to_line(&line, theme);
            l.style = theme.error();
            out.push(l);
        }
        out.push(Line::default());
    }
    let blocks = step.blocks.len();
    let mut index = 0;
    for segment in segments(&step.body) {
        match segment {
            Segment::Text(text) => {
                for line in crate::text::render_markdown(&text, width) {
                    out.push(to_line(&line, theme));
                }
            }
            Segment::Code(code) => {
                let selected = index == walk.block;
                let label = format!(
                    "┌ command {}/{blocks}{}",
                    index + 1,
                    if selected { " · y copies" } else { "" }
                );
                let style = if selected {
                    theme.selected()
                } else {
                    theme.border()
                };
                out.push(Line::styled(label, style));
                // Commands wrap rather than run off the pane: a responder reads them whole.
                let room = width.saturating_sub(4).max(8);
                for line in code.lines() {
                    let chars: Vec<char> = sanitize(line).chars().collect();
                    let mut chunks = chars.chunks(room);
                    let first: String = chunks.next().unwrap_or(&[]).iter().collect();
                    out.push(Line::styled(format!("│ {first}"), theme.key()));
                    for chunk in chunks {
                        let rest: String = chunk.iter().collect();
                        out.push(Line::styled(format!("│   {rest}"), theme.key()));
                    }
                }
                out.push(Line::styled("└", style));
                index += 1;
            }
        }
    }
    if let Some(notes) = &step.facilitator {
        out.push(Line::default());
        if state.is_some_and(|s| s.revealed) {
            out.push(Line::styled("▾ Facilitator notes (r hides)", theme.title()));
            for line in crate::text::render_markdown(notes, width) {
                out.push(to_line(&line, theme));
            }
        } else {
            out.push(Line::styled(
                "▸ Facilitator notes (hidden; r reveals)",
                theme.muted(),
            ));
        }
    }
    if let Some(state) = state.filter(|s| !s.notes.is_empty()) {
        out.push(Line::default());
        out.push(Line::styled("Notes", theme.title()));
        for note in &state.notes {
            let text = format!("• {}", note.text);
            for line in crate::text::render_markdown(&text, width) {
                out.push(to_line(&line, theme));
            }
        }
    }
    out
}

enum Segment {
    Text(String),
    Code(String),
}

/// The step body cut into prose and fenced code, in order (the fences themselves dropped).
fn segments(body: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut code: Option<(String, String)> = None; // marker, code
    for line in body.lines() {
        let trimmed = line.trim_start();
        if let Some((marker, buf)) = code.as_mut() {
            if trimmed.trim_end() == marker.as_str() {
                out.push(Segment::Code(std::mem::take(buf)));
                code = None;
            } else {
                buf.push_str(line);
                buf.push('\n');
            }
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            if !text.trim().is_empty() {
                out.push(Segment::Text(std::mem::take(&mut text)));
            }
            text.clear();
            let marker: String = trimmed
                .chars()
                .take_while(|c| *c == '`' || *c == '~')
                .collect();
            code = Some((marker, String::new()));
            continue;
        }
        text.push_str(line);
        text.push('\n');
    }
    if let Some((_, buf)) = code {
        out.push(Segment::Code(buf));
    }
    if !text.trim().is_empty() {
        out.push(Segment::Text(text));
    }
    out
}

fn footer(frame: &mut Frame<'_>, app: &App, walk: &Walk, area: Rect) {
    let theme = app.theme;
    if app.mode == Mode::Note {
        let text = sanitize(walk.note.text()).into_owned();
        let line = Line::from(vec![Span::styled(" note: ", theme.key()), Span::raw(text)]);
        frame.render_widget(Paragraph::new(line), area);
        let cursor = u16::try_from(walk.note.cursor_column()).unwrap_or(u16::MAX);
        frame.set_cursor_position((area.x.saturating_add(7).saturating_add(cursor), area.y));
        return;
    }
    if let Some(status) = &app.status {
        let style = if status.error {
            theme.error()
        } else {
            Style::new()
        };
        frame.render_widget(
            Paragraph::new(Span::styled(format!(" {}", sanitize(&status.text)), style)),
            area,
        );
        return;
    }
    let session = &walk.session;
    let bar_width = (usize::from(area.width) / 4).clamp(5, 24);
    let filled = (session.done_count() * bar_width)
        .checked_div(session.len())
        .unwrap_or(0);
    let bar = format!(
        " {}{} {}/{} done ",
        "█".repeat(filled),
        "░".repeat(bar_width - filled),
        session.done_count(),
        session.len()
    );
    let hints = [
        (Action::ToggleDone, "done"),
        (Action::UndoDone, "undo"),
        (Action::NextStep, "next"),
        (Action::PrevStep, "previous"),
        (Action::NextPane, "command"),
        (Action::Copy, "copy"),
        (Action::Reveal, "reveal"),
        (Action::AddNote, "note"),
        (Action::Back, "back"),
    ]
    .iter()
    .filter_map(|(action, label)| {
        let key = app.keymap.keys_for(Mode::Walk, action).first()?.to_string();
        Some(format!("{key} {label}"))
    })
    .fold(String::from(" "), |mut s, hint| {
        s.push_str(" · ");
        s.push_str(&hint);
        s
    });
    let room = usize::from(area.width).saturating_sub(bar.chars().count());
    let line = Line::from(vec![
        Span::styled(bar, theme.title()),
        Span::styled(ellipsize(&hints, room), theme.muted()),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}
