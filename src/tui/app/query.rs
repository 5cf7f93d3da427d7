//! Search as you type: the query, its hits, the picked hit, and the techniques that match
//! (the grid dims the others while a query is active).

use std::collections::HashSet;

use crate::tui::action::Action;
use crate::tui::input::LineInput;
use crate::tui::layout;
use crate::tui::search::{SearchHit, Searcher};

use super::{App, Mode};

/// How many hits to ask for; the grid filter needs every matching technique.
const LIMIT: usize = 200;

/// The search's state; `input` empty means no filter.
#[derive(Clone, Debug, Default)]
pub struct SearchState {
    pub input: LineInput,
    pub hits: Vec<SearchHit>,
    pub selected: usize,
    /// First hit drawn in the results box.
    pub scroll: usize,
    /// Ids of the techniques among the hits.
    pub matching: HashSet<String>,
}

impl SearchState {
    /// Whether a query is active (the grid is filtered).
    pub fn active(&self) -> bool {
        !self.input.text().trim().is_empty()
    }

    pub fn is_match(&self, id: &str) -> bool {
        self.matching.contains(id)
    }

    /// Runs the query again after an edit.
    pub fn refresh(&mut self, searcher: &dyn Searcher) {
        self.hits = if self.active() {
            searcher.search(self.input.text(), LIMIT)
        } else {
            Vec::new()
        };
        self.matching = self
            .hits
            .iter()
            .filter(|h| h.kind == "technique")
            .map(|h| h.id.clone())
            .collect();
        self.selected = 0;
        self.scroll = 0;
    }

    pub fn clear(&mut self) {
        *self = Self::default();
    }

    fn pick(&mut self, delta: isize, visible: usize) {
        if self.hits.is_empty() {
            return;
        }
        self.selected = self
            .selected
            .saturating_add_signed(delta)
            .min(self.hits.len() - 1);
        if self.selected < self.scroll {
            self.scroll = self.selected;
        } else if self.selected >= self.scroll + visible {
            self.scroll = self.selected + 1 - visible.max(1);
        }
    }
}

/// Handles an action while the search input has the focus.
pub fn handle(app: &mut App, action: &Action) {
    let body = layout::screen(app.size).body;
    let visible = usize::from(
        layout::results(body, &app.grid.geometry(body), app.search.hits.len())
            .height
            .saturating_sub(2),
    )
    .max(1);
    let page = isize::try_from(visible).unwrap_or(1);
    match action {
        Action::MoveUp | Action::ScrollUp => app.search.pick(-1, visible),
        Action::MoveDown | Action::ScrollDown => app.search.pick(1, visible),
        Action::PageUp => app.search.pick(-page, visible),
        Action::PageDown => app.search.pick(page, visible),
        Action::Open => open_selected(app),
        Action::NextPane | Action::PrevPane => {
            focus_grid(app);
        }
        Action::Back => {
            app.search.clear();
            app.mode = app.under;
        }
        Action::Click(x, y) => {
            let grid = app.grid.geometry(body);
            let results = layout::results(body, &grid, app.search.hits.len());
            if *y > results.y
                && *y + 1 < results.bottom()
                && *x >= results.x
                && *x < results.right()
            {
                let index = app.search.scroll + usize::from(*y - results.y - 1);
                if index < app.search.hits.len() {
                    if index == app.search.selected {
                        open_selected(app);
                    } else {
                        app.search.selected = index;
                    }
                }
            } else if grid.area.contains((*x, *y).into()) {
                focus_grid(app);
                super::modes::matrix(app, action);
            }
        }
        edit => {
            if app.search.input.edit(edit) {
                app.search.refresh(app.searcher.as_ref());
            }
        }
    }
}

fn open_selected(app: &mut App) {
    if let Some(hit) = app.search.hits.get(app.search.selected) {
        let id = hit.id.clone();
        app.open(&id);
    }
}

/// Moves the focus to the grid, keeping the filter; selects a matching cell.
fn focus_grid(app: &mut App) {
    app.mode = Mode::Matrix;
    app.page = None;
    app.history.clear();
    let current = app.grid.selected().map(|c| c.id.clone());
    if current.is_none_or(|id| !app.search.is_match(&id)) {
        let first = app
            .search
            .hits
            .iter()
            .find(|h| h.kind == "technique")
            .map(|h| h.id.clone());
        if let Some(id) = first {
            app.grid.select_id(&id);
        }
    }
    app.grid.scroll_into_view(layout::screen(app.size).body);
}
