//! The application state and [`update`], the one function that changes it.
//!
//! `update(&mut App, Action) -> Vec<Effect>` is pure apart from the state it is given: no
//! terminal, no I/O. Views draw from `&App`; the runtime carries out the effects.

pub mod command;
pub mod grid;
pub mod help;
pub mod modes;
pub mod page;
pub mod query;
pub mod results;
pub mod scenario;
pub mod walk;

use ratatui::layout::Rect;

use crate::matrix::{Entity, Matrix};
use crate::text::sanitize;

use super::action::{Action, Effect};
use super::input::LineInput;
use super::keymap::Keymap;
use super::layout;
use super::search::Searcher;
use super::theme::Theme;
use grid::Grid;
use page::Page;
use query::SearchState;

/// Which part of the screen has the keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// The tactic grid.
    Matrix,
    /// An entity's page.
    Detail,
    /// The search input and its results.
    Search,
    /// The `:` command line.
    Command,
    /// The key help overlay.
    Help,
    /// Walking through a playbook.
    Walk,
    /// Typing a note for the current playbook step.
    Note,
}

impl Mode {
    pub const ALL: [Mode; 7] = [
        Mode::Matrix,
        Mode::Detail,
        Mode::Search,
        Mode::Command,
        Mode::Help,
        Mode::Walk,
        Mode::Note,
    ];
}

/// A message for the footer until the next key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
}

/// A page left for another, to come back to with `Esc`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Visit {
    pub id: String,
    pub scroll: usize,
    pub selected: Option<usize>,
}

/// Everything the TUI knows.
pub struct App {
    pub matrix: Matrix,
    pub keymap: Keymap,
    pub theme: Theme,
    pub searcher: Box<dyn Searcher>,
    /// Where the matrix came from, for the header (`embedded`, a folder).
    pub source: String,
    /// The terminal's size, as last reported.
    pub size: Rect,
    pub mode: Mode,
    /// The mode under an overlay (search, command line, help), restored when it closes.
    pub under: Mode,
    pub grid: Grid,
    pub page: Option<Page>,
    pub history: Vec<Visit>,
    pub search: SearchState,
    pub command: LineInput,
    pub help_scroll: usize,
    pub status: Option<Status>,
    /// The playbook being walked through, if any.
    pub walk: Option<walk::Walk>,
    /// The scenario whose path the grid shows, and the step selected on it.
    pub scenario: Option<scenario::Path>,
    /// Where playbook sessions are kept (`None`: sessions are not resumed).
    pub store: Option<crate::walk::store::Store>,
    /// The session name walks are saved under.
    pub session_name: String,
    /// The clock (seconds since the epoch); tests set a fixed one.
    pub clock: fn() -> u64,
    /// Check results and hunt hits laid over the matrix.
    pub results: results::Results,
}

impl App {
    pub fn new(matrix: Matrix, keymap: Keymap, theme: Theme, searcher: Box<dyn Searcher>) -> Self {
        let grid = Grid::new(&matrix);
        Self {
            matrix,
            keymap,
            theme,
            searcher,
            source: "embedded matrix".to_owned(),
            size: Rect::new(0, 0, 80, 24),
            mode: Mode::Matrix,
            under: Mode::Matrix,
            grid,
            page: None,
            history: Vec::new(),
            search: SearchState::default(),
            command: LineInput::default(),
            help_scroll: 0,
            status: None,
            walk: None,
            scenario: None,
            store: None,
            session_name: "default".to_owned(),
            clock: crate::walk::now,
            results: results::Results::default(),
        }
    }

    /// The page for `id`: an entity (a technique with its check results and hunt hits),
    /// or one finding (`finding:<n>`) or hunt hit (`hit:<n>`).
    pub fn build_page(&self, id: &str) -> Option<Page> {
        let width = self.page_width();
        if let Some((title, markdown)) = results::detail_markdown(self, id) {
            return Some(Page::from_markdown(
                &self.matrix,
                id,
                "result",
                &title,
                "",
                &markdown,
                width,
            ));
        }
        let entity = self.matrix.find(id)?;
        let extra = match entity {
            Entity::Technique(t) if self.results.active() => {
                results::technique_markdown(&self.results, t)
            }
            _ => String::new(),
        };
        Some(Page::build_with(&self.matrix, entity, &extra, width))
    }

    /// Rebuilds the page shown (new results, a new size), keeping scroll and selection.
    pub fn refresh_page(&mut self) {
        let Some(page) = &self.page else { return };
        let target = page.selected_target().map(str::to_owned);
        let scroll = page.scroll;
        let id = page.id.clone();
        let height = self.page_height();
        if let Some(mut fresh) = self.build_page(&id) {
            fresh.selected = target.and_then(|t| fresh.links.iter().position(|l| l.target == t));
            fresh.scroll = scroll;
            fresh.scroll_by(0, height);
            self.page = Some(fresh);
        }
    }

    /// The object a finding is about, as pretty JSON, from the objects the run read.
    pub fn object_json(&self, o: &crate::checks::report::ObjectRef) -> Option<String> {
        let object = self.results.objects.iter().find(|v| {
            let kind = v
                .get("kind")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("");
            let namespace = if crate::checks::snapshot::is_cluster_scoped(kind) {
                ""
            } else {
                v.pointer("/metadata/namespace")
                    .and_then(serde_json::Value::as_str)
                    .filter(|s| !s.is_empty())
                    .unwrap_or("default")
            };
            kind == o.kind
                && v.pointer("/metadata/name")
                    .and_then(serde_json::Value::as_str)
                    == Some(o.name.as_str())
                && namespace == o.namespace
        })?;
        let mut shown = object.clone();
        crate::redact::redact_value(&mut shown);
        let text = serde_json::to_string_pretty(&shown).ok()?;
        let lines: Vec<&str> = text.lines().collect();
        Some(if lines.len() > 300 {
            format!(
                "{}\n… ({} more lines)",
                lines[..300].join("\n"),
                lines.len() - 300
            )
        } else {
            text
        })
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: false,
        });
    }

    /// Whether the body shows a page (rather than the grid).
    pub fn shows_page(&self) -> bool {
        self.page.is_some()
            && (self.mode == Mode::Detail
                || (matches!(self.mode, Mode::Command | Mode::Help) && self.under == Mode::Detail))
    }

    /// Text lines that fit on a page at the current size.
    pub fn page_height(&self) -> usize {
        usize::from(layout::page(layout::screen(self.size).body).text.height).max(1)
    }

    fn page_width(&self) -> usize {
        usize::from(layout::page(layout::screen(self.size).body).text.width)
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: true,
        });
    }

    /// Opens the entity `query` (an id, a bare number, a tactic's slug or name).
    pub fn open(&mut self, query: &str) {
        let Some(page) = self.build_page(query) else {
            self.error(format!(
                "no technique, mitigation, tactic, playbook or scenario `{}`; try :search {}",
                sanitize(query),
                sanitize(query)
            ));
            return;
        };
        if let Some(current) = &self.page {
            self.history.push(Visit {
                id: current.id.clone(),
                scroll: current.scroll,
                selected: current.selected,
            });
        }
        if let Some(Entity::Technique(t)) = self.matrix.find(query) {
            self.grid.select_id(t.id.as_str());
            self.grid.scroll_into_view(layout::screen(self.size).body);
        }
        self.page = Some(page);
        self.mode = Mode::Detail;
        self.under = Mode::Detail;
    }

    /// Goes back one page; from the first page back to the grid.
    pub fn back(&mut self) {
        let Some(visit) = self.history.pop() else {
            self.page = None;
            self.mode = Mode::Matrix;
            self.under = Mode::Matrix;
            return;
        };
        if let Some(mut page) = self.build_page(&visit.id) {
            page.selected = visit.selected.filter(|i| *i < page.links.len());
            page.scroll = visit.scroll;
            page.scroll_by(0, self.page_height());
            self.page = Some(page);
        }
        self.mode = Mode::Detail;
    }

    fn resize(&mut self, width: u16, height: u16) {
        self.size = Rect::new(0, 0, width, height);
        self.refresh_page();
        self.grid.scroll_into_view(layout::screen(self.size).body);
    }

    fn go_to_tactic(&mut self, name: &str) {
        let Some(Entity::Tactic(t)) = self.matrix.find(name) else {
            let names: Vec<&str> = self.matrix.tactics.iter().map(|t| t.id.as_str()).collect();
            self.error(format!(
                "no tactic `{}`; the tactics are {}",
                sanitize(name),
                names.join(", ")
            ));
            return;
        };
        let id = t.id.as_str().to_owned();
        self.grid.select_column(&id);
        self.page = None;
        self.history.clear();
        self.mode = Mode::Matrix;
        self.under = Mode::Matrix;
        self.grid.scroll_into_view(layout::screen(self.size).body);
    }

    fn start_search(&mut self, text: Option<&str>) {
        if self.mode != Mode::Search {
            self.under = self.mode;
        }
        self.mode = Mode::Search;
        if let Some(text) = text {
            self.search.input.set(text);
            self.search.refresh(self.searcher.as_ref());
        }
    }
}

/// Applies one action to the app and returns what the runtime must do.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    if !matches!(action, Action::Resize(..) | Action::Tick) {
        app.status = None;
    }
    match action {
        Action::Quit => return walk::on_quit(app),
        Action::Tick => {}
        Action::Playbooks if matches!(app.mode, Mode::Matrix | Mode::Detail) => {
            return scenario::playbooks(app);
        }
        Action::Scenarios if matches!(app.mode, Mode::Matrix | Mode::Detail) => {
            scenario::scenarios(app);
        }
        Action::RunChecks => return results::start(app, None),
        Action::UseContext(name) => return results::start(app, Some(&name)),
        Action::ToggleFindings if matches!(app.mode, Mode::Matrix | Mode::Detail) => {
            results::toggle_findings(app);
        }
        Action::Back if app.results.running.is_some() && app.mode == Mode::Matrix => {
            return results::cancel(app);
        }
        Action::Copy if app.mode == Mode::Detail => return results::copy_verify(app),
        Action::Resize(w, h) => app.resize(w, h),
        Action::OpenEntity(id) => app.open(&id),
        Action::GoToTactic(name) => app.go_to_tactic(&name),
        Action::Search(text) => app.start_search(Some(&text)),
        Action::StartSearch => app.start_search(None),
        Action::StartCommand => {
            app.under = app.mode;
            app.command.clear();
            app.mode = Mode::Command;
        }
        Action::ToggleHelp if app.mode == Mode::Help => app.mode = app.under,
        Action::ToggleHelp => {
            app.under = app.mode;
            app.help_scroll = 0;
            app.mode = Mode::Help;
        }
        other => match app.mode {
            Mode::Matrix => modes::matrix(app, &other),
            Mode::Detail => modes::detail(app, &other),
            Mode::Search => query::handle(app, &other),
            Mode::Command => return modes::command(app, &other),
            Mode::Help => modes::help(app, &other),
            Mode::Walk => return walk::handle(app, &other),
            Mode::Note => return walk::note(app, &other),
        },
    }
    Vec::new()
}
