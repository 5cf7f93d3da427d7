//! What each action means in the grid, on a page, on the command line and in the help.

use crate::tui::action::{Action, Effect};
use crate::tui::layout;

use super::help::help_rows;
use super::{App, Mode, command, update};

/// Lines the mouse wheel scrolls a page.
const WHEEL_LINES: isize = 3;

/// The tactic grid has the keys.
pub fn matrix(app: &mut App, action: &Action) {
    let body = layout::screen(app.size).body;
    let rows = isize::try_from(body.height.saturating_sub(2).max(1)).unwrap_or(1);
    match action {
        Action::MoveUp | Action::ScrollUp => app.grid.move_by(0, -1),
        Action::MoveDown | Action::ScrollDown => app.grid.move_by(0, 1),
        Action::MoveLeft => app.grid.move_by(-1, 0),
        Action::MoveRight => app.grid.move_by(1, 0),
        Action::NextPane => app.grid.cycle_column(true),
        Action::PrevPane => app.grid.cycle_column(false),
        Action::First => app.grid.row = 0,
        Action::Last => app.grid.row = app.grid.last_row(),
        Action::PageUp => app.grid.move_by(0, -rows),
        Action::PageDown => app.grid.move_by(0, rows),
        Action::Open => open_selected_cell(app),
        Action::Back if app.search.active() => app.search.clear(),
        Action::Back if app.scenario.is_some() => app.scenario = None,
        Action::NextStep => super::scenario::step(app, true),
        Action::PrevStep => super::scenario::step(app, false),
        Action::Click(x, y) => {
            let geometry = app.grid.geometry(body);
            if let Some((col, row)) = geometry.cell_at(*x, *y) {
                let row = app.grid.row_offset + row;
                if (col, row) == (app.grid.col, app.grid.row) {
                    open_selected_cell(app);
                    return;
                }
                app.grid.select(col, row);
            }
        }
        _ => {}
    }
    app.grid.scroll_into_view(body);
}

fn open_selected_cell(app: &mut App) {
    if let Some(cell) = app.grid.selected() {
        let id = cell.id.clone();
        app.open(&id);
    }
}

/// A page has the keys.
pub fn detail(app: &mut App, action: &Action) {
    let height = app.page_height();
    let page_area = layout::page(layout::screen(app.size).body).text;
    let Some(page) = &mut app.page else {
        app.mode = Mode::Matrix;
        return;
    };
    let screen = isize::try_from(height).unwrap_or(1);
    match action {
        Action::MoveUp => page.scroll_by(-1, height),
        Action::MoveDown => page.scroll_by(1, height),
        Action::ScrollUp => page.scroll_by(-WHEEL_LINES, height),
        Action::ScrollDown => page.scroll_by(WHEEL_LINES, height),
        Action::PageUp => page.scroll_by(-screen, height),
        Action::PageDown => page.scroll_by(screen, height),
        Action::First => page.scroll = 0,
        Action::Last => page.scroll_by(isize::MAX, height),
        Action::NextPane => page.select_next(true, height),
        Action::PrevPane => page.select_next(false, height),
        Action::Open => match page.selected_target().map(str::to_owned) {
            Some(target) => app.open(&target),
            None => app.error("no link selected: Tab selects the next link"),
        },
        Action::Back => app.back(),
        Action::Click(x, y) if page_area.contains((*x, *y).into()) => {
            let line = page.scroll + usize::from(*y - page_area.y);
            let col = usize::from(*x - page_area.x);
            if let Some(i) = page.link_at(line, col) {
                page.selected = Some(i);
                let target = page.links[i].target.clone();
                app.open(&target);
            }
        }
        _ => {}
    }
}

/// The command line has the keys: edit, run or cancel.
pub fn command(app: &mut App, action: &Action) -> Vec<Effect> {
    match action {
        Action::Back => app.mode = app.under,
        Action::RunCommand => {
            app.mode = app.under;
            let line = app.command.text().to_owned();
            match command::parse(&line) {
                Ok(Some(action)) => return update(app, action),
                Ok(None) => {}
                Err(message) => app.error(message),
            }
        }
        edit => {
            app.command.edit(edit);
        }
    }
    Vec::new()
}

/// The help overlay has the keys: scroll or close.
pub fn help(app: &mut App, action: &Action) {
    let area = layout::help(app.size);
    let visible = usize::from(area.height.saturating_sub(2)).max(1);
    let inner_width = usize::from(area.width.saturating_sub(2));
    let max = help_rows(&app.keymap, inner_width)
        .len()
        .saturating_sub(visible);
    let scroll = &mut app.help_scroll;
    match action {
        Action::MoveUp | Action::ScrollUp => *scroll = scroll.saturating_sub(1),
        Action::MoveDown | Action::ScrollDown => *scroll = (*scroll + 1).min(max),
        Action::PageUp => *scroll = scroll.saturating_sub(visible),
        Action::PageDown => *scroll = (*scroll + visible).min(max),
        Action::First => *scroll = 0,
        Action::Last => *scroll = max,
        Action::Back | Action::Click(..) => app.mode = app.under,
        _ => {}
    }
}
