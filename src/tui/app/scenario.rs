//! Playbooks and scenarios from the browse modes: `p` and `s`.
//!
//! `p` on the grid lists the playbooks (the search overlay filtered to `kind:playbook`),
//! on a technique page opens its first playbook, on a playbook page starts the walk.
//! `s` lists the scenarios, and on a scenario page lays its path over the grid, where
//! `]` and `[` step along it and `Esc` lifts it.

use crate::matrix::Entity;
use crate::tui::action::Effect;

use super::{App, Mode, walk};

/// A scenario's path on the grid and the step selected on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path {
    /// Index in `matrix.scenarios`.
    pub scenario: usize,
    pub step: usize,
}

impl Path {
    /// The technique ids of the path, in order.
    pub fn techniques<'a>(&self, app: &'a App) -> Vec<&'a str> {
        app.matrix
            .scenarios
            .get(self.scenario)
            .map(|s| s.steps.iter().map(|x| x.technique.as_str()).collect())
            .unwrap_or_default()
    }
}

/// `p`.
pub fn playbooks(app: &mut App) -> Vec<Effect> {
    let page = if app.mode == Mode::Detail {
        app.page.as_ref().map(|p| p.id.clone())
    } else {
        None
    };
    let Some(id) = page else {
        list(app, "kind:playbook ");
        return Vec::new();
    };
    match app.matrix.find(&id) {
        Some(Entity::Playbook(p)) => {
            let id = p.id().to_owned();
            walk::start(app, &id)
        }
        Some(Entity::Technique(t)) if !t.playbooks.is_empty() => {
            let ids: Vec<String> = t.playbooks.iter().map(|p| p.value.clone()).collect();
            app.open(&ids[0]);
            if ids.len() > 1 {
                app.info(format!(
                    "{} playbooks: {} (Esc, then Tab to the others); p walks this one",
                    ids.len(),
                    ids.join(", ")
                ));
            } else {
                app.info("p walks this playbook step by step");
            }
            Vec::new()
        }
        _ => {
            list(app, "kind:playbook ");
            Vec::new()
        }
    }
}

/// `s`.
pub fn scenarios(app: &mut App) {
    let on_scenario = match (&app.mode, &app.page) {
        (Mode::Detail, Some(page)) => app
            .matrix
            .scenarios
            .iter()
            .position(|s| s.id.as_str() == page.id),
        _ => None,
    };
    match on_scenario {
        Some(index) => {
            app.scenario = Some(Path {
                scenario: index,
                step: 0,
            });
            app.page = None;
            app.history.clear();
            app.mode = Mode::Matrix;
            app.under = Mode::Matrix;
            show_step(app);
        }
        None => list(app, "kind:scenario "),
    }
}

/// `]` / `[` on the grid while a scenario's path is shown.
pub fn step(app: &mut App, forward: bool) {
    let Some(path) = app.scenario.as_mut() else {
        app.error("no scenario shown: s lists them, s on a scenario's page shows its path");
        return;
    };
    let len = app
        .matrix
        .scenarios
        .get(path.scenario)
        .map_or(0, |s| s.steps.len());
    if forward {
        path.step = (path.step + 1).min(len.saturating_sub(1));
    } else {
        path.step = path.step.saturating_sub(1);
    }
    show_step(app);
}

/// Selects the current step's technique and says what happens there.
fn show_step(app: &mut App) {
    let Some(path) = app.scenario.clone() else {
        return;
    };
    let Some(scenario) = app.matrix.scenarios.get(path.scenario) else {
        return;
    };
    let Some(step) = scenario.steps.get(path.step) else {
        return;
    };
    let id = step.technique.value.to_string();
    let narrative = step
        .narrative
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let text = format!(
        "{} · step {}/{} · {id}: {narrative}",
        scenario.title,
        path.step + 1,
        scenario.steps.len()
    );
    app.grid.select_id(&id);
    app.grid
        .scroll_into_view(crate::tui::layout::screen(app.size).body);
    app.info(crate::text::sanitize(&text).into_owned());
}

fn list(app: &mut App, filter: &str) {
    app.under = app.mode;
    app.mode = Mode::Search;
    app.search.input.set(filter);
    app.search.refresh(app.searcher.as_ref());
}
