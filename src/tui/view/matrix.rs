//! The grid: one bordered column per tactic, one cell per technique, a badge column
//! reserved in each cell for check status, the selection and the search filter.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::merge::MergeStrategy;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::matrix::Entity;
use crate::text::wrap::width as text_width;
use crate::text::{render_markdown, sanitize};
use crate::tui::app::App;
use crate::tui::app::Mode;
use crate::tui::app::grid::Cell;
use crate::tui::app::page::facts;
use crate::tui::layout;
use crate::tui::markdown::ellipsize;
use crate::tui::markdown::to_line;

/// The badge of a technique's cell, two characters: its step number on the scenario
/// path shown; else, with results, the checks' verdict (`C` `H` `M` `L` the highest
/// severity of its findings, `✓` clean, `?` unknown, blank without a check) and `◆` when
/// the audit logs show it was used.
fn badge(app: &App, path: &[&str], cell: &Cell) -> Vec<Span<'static>> {
    let theme = app.theme;
    if !path.is_empty() {
        let step = match path.iter().position(|id| *id == cell.id) {
            Some(i) if i < 9 => char::from(b'1' + u8::try_from(i).unwrap_or(8)).to_string(),
            Some(_) => "+".to_owned(),
            None => " ".to_owned(),
        };
        return vec![Span::raw(" "), Span::styled(step, theme.mark())];
    }
    let Some(state) = app.results.states.get(&cell.id) else {
        return vec![Span::raw("  ")];
    };
    let check = match (state.highest, state.unknown.is_empty(), state.checked) {
        (Some(severity), _, _) => {
            let letter = severity.as_str()[..1].to_ascii_uppercase();
            Span::styled(letter, theme.severity(severity))
        }
        (None, false, _) => Span::styled("?", theme.mark()),
        (None, true, true) if app.results.report.is_some() => Span::styled("✓", theme.muted()),
        _ => Span::raw(" "),
    };
    let hunt = if state.hunt_hits > 0 {
        Span::styled("◆", theme.error())
    } else {
        Span::raw(" ")
    };
    vec![check, hunt]
}

/// What the badges mean, for the header: longest first, the shortest still explains.
pub fn legend(app: &App) -> Option<[String; 2]> {
    if !app.results.active() {
        return None;
    }
    let checks = app.results.report.is_some();
    let hunt = app.results.hunt.is_some();
    let toggle = if app.results.findings_only {
        "f: all"
    } else {
        "f: findings only"
    };
    let long = match (checks, hunt) {
        (true, true) => format!("C/H/M/L findings · ✓ clean · ? unknown · ◆ audit hits · {toggle}"),
        (true, false) => format!("C/H/M/L findings · ✓ clean · ? unknown · {toggle}"),
        _ => format!("◆ audit hits · {toggle}"),
    };
    let short = match (checks, hunt) {
        (true, true) => "C/H/M/L findings ✓ ? ◆ hits".to_owned(),
        (true, false) => "C/H/M/L findings ✓ clean ? unknown".to_owned(),
        _ => "◆ audit hits".to_owned(),
    };
    Some([long, short])
}

pub fn draw(frame: &mut Frame<'_>, app: &App, body: Rect) {
    let theme = app.theme;
    let grid = &app.grid;
    let geometry = grid.geometry(body);
    let selected_id = grid.selected().map(|c| c.id.as_str());
    let filtering = app.search.active();
    let path = app
        .scenario
        .as_ref()
        .map(|p| p.techniques(app))
        .unwrap_or_default();
    for (i, index) in geometry.columns.clone().enumerate() {
        let column = &grid.columns[index];
        let outer = Rect {
            x: geometry.edges[i],
            width: geometry.edges[i + 1] - geometry.edges[i] + 1,
            ..geometry.area
        };
        let inner = geometry.column_inner(i);
        let title_style = if index == grid.col {
            theme.title().patch(theme.key())
        } else {
            theme.title()
        };
        let mut block = Block::bordered()
            .border_style(theme.border())
            .merge_borders(MergeStrategy::Exact)
            .title(Span::styled(
                ellipsize(&column.name, usize::from(inner.width)),
                title_style,
            ));
        let below = column
            .cells
            .len()
            .saturating_sub(grid.row_offset + geometry.rows);
        if below > 0 {
            block = block.title_bottom(Span::styled(format!("▾ {below} more"), theme.muted()));
        }
        if grid.row_offset > 0 && !column.cells.is_empty() {
            block = block.title_top(Line::styled("▴", theme.muted()).right_aligned());
        }
        frame.render_widget(block, outer);
        let lines: Vec<Line<'_>> = column
            .cells
            .iter()
            .enumerate()
            .skip(grid.row_offset)
            .take(geometry.rows)
            .map(|(row, cell)| {
                let style = if (index, row) == (grid.col, grid.row) {
                    theme.selected()
                } else if Some(cell.id.as_str()) == selected_id {
                    theme.same_entity()
                } else if (filtering && !app.search.is_match(&cell.id))
                    || (app.results.findings_only && !app.results.notable(&cell.id))
                {
                    theme.dimmed()
                } else if !path.is_empty() {
                    if path.contains(&cell.id.as_str()) {
                        theme.mark()
                    } else {
                        theme.dimmed()
                    }
                } else {
                    Style::new()
                };
                cell_line(
                    cell,
                    badge(app, &path, cell),
                    usize::from(inner.width),
                    style,
                )
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), inner);
    }
    if app.mode != Mode::Search {
        preview(frame, app, layout::below(body, &geometry));
    }
}

/// The selected technique's summary and description under the grid, where there is room.
fn preview(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(technique) = app
        .grid
        .selected()
        .and_then(|c| app.matrix.technique(&c.id))
    else {
        return;
    };
    if area.height < 3 || area.width < 20 {
        return;
    }
    let theme = app.theme;
    let entity = Entity::Technique(technique);
    let mut lines = vec![Line::from(vec![
        Span::styled(
            sanitize(&format!(" {} {}", technique.id, technique.name)).into_owned(),
            theme.title(),
        ),
        Span::styled(
            format!("  {}", sanitize(&facts(&app.matrix, entity))),
            theme.muted(),
        ),
    ])];
    let markdown = format!(
        "*{}*\n\n{}",
        technique.summary.trim(),
        technique.description.trim()
    );
    let width = usize::from(area.width.saturating_sub(2));
    lines.extend(
        render_markdown(&markdown, width)
            .iter()
            .take(usize::from(area.height).saturating_sub(1))
            .map(|l| {
                let mut line = to_line(l, theme);
                line.spans.insert(0, Span::raw(" "));
                line
            }),
    );
    frame.render_widget(Paragraph::new(lines), area);
}

/// `name…  B`: the name shortened to leave a space and the badge at the right edge.
fn cell_line(cell: &Cell, badge: Vec<Span<'static>>, width: usize, style: Style) -> Line<'static> {
    let room = width.saturating_sub(2);
    let name = ellipsize(&cell.name, room);
    let pad = room.saturating_sub(text_width(&name));
    let mut spans = vec![Span::styled(format!("{name}{}", " ".repeat(pad)), style)];
    spans.extend(badge.into_iter().map(|s| {
        let own = s.style;
        Span::styled(s.content, style.patch(own))
    }));
    Line::from(spans)
}
