//! An entity's page: its markdown rendered to lines, the links to other entities found in
//! those lines, the selected link and the scroll position.

use std::ops::Range;

use crate::matrix::page::entity_markdown;
use crate::matrix::{Entity, Matrix};
use crate::text::wrap::width as text_width;
use crate::text::{Line, render_markdown, sanitize};

/// A reference to another entity, at display columns `cols` of line `line`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub target: String,
    pub line: usize,
    pub cols: Range<usize>,
}

/// A page as shown: sanitized title and facts, wrapped lines, links, selection, scroll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub id: String,
    pub kind: &'static str,
    pub title: String,
    pub facts: String,
    pub lines: Vec<Line>,
    pub links: Vec<Link>,
    pub selected: Option<usize>,
    pub scroll: usize,
}

impl Page {
    /// Renders `entity` wrapped to `width` cells.
    pub fn build(matrix: &Matrix, entity: Entity<'_>, width: usize) -> Self {
        Self::build_with(matrix, entity, "", width)
    }

    /// Renders `entity` with `extra` markdown (check results, hunt hits) after its page.
    pub fn build_with(matrix: &Matrix, entity: Entity<'_>, extra: &str, width: usize) -> Self {
        let mut markdown = entity_markdown(matrix, entity);
        if !extra.is_empty() {
            markdown.push('\n');
            markdown.push_str(extra);
        }
        let lines = render_markdown(&markdown, width);
        let found = find_links(matrix, entity.id(), Some(entity), &lines);
        Self {
            id: entity.id().to_owned(),
            kind: entity.kind(),
            title: sanitize(&format!("{} {}", entity.id(), entity.name())).into_owned(),
            facts: sanitize(&facts(matrix, entity)).into_owned(),
            lines,
            links: found,
            selected: None,
            scroll: 0,
        }
    }

    /// A page that is not an entity's (a finding, a hunt hit), from its markdown.
    pub fn from_markdown(
        matrix: &Matrix,
        id: &str,
        kind: &'static str,
        title: &str,
        facts: &str,
        markdown: &str,
        width: usize,
    ) -> Self {
        let lines = render_markdown(markdown, width);
        let found = find_links(matrix, id, None, &lines);
        Self {
            id: id.to_owned(),
            kind,
            title: sanitize(title).into_owned(),
            facts: sanitize(facts).into_owned(),
            lines,
            links: found,
            selected: None,
            scroll: 0,
        }
    }

    /// The target of the selected link.
    pub fn selected_target(&self) -> Option<&str> {
        Some(self.links.get(self.selected?)?.target.as_str())
    }

    /// Scrolls by `delta` lines, keeping a full screen of text where there is one.
    pub fn scroll_by(&mut self, delta: isize, height: usize) {
        let max = self.lines.len().saturating_sub(height.max(1));
        self.scroll = self.scroll.saturating_add_signed(delta).min(max);
    }

    /// Selects the next (or previous) link, starting from what is on screen, and scrolls
    /// it into view.
    pub fn select_next(&mut self, forward: bool, height: usize) {
        if self.links.is_empty() {
            return;
        }
        let n = self.links.len();
        let next = match self.selected {
            Some(i) if forward => (i + 1) % n,
            Some(i) => (i + n - 1) % n,
            None if forward => self
                .links
                .iter()
                .position(|l| l.line >= self.scroll)
                .unwrap_or(0),
            None => self
                .links
                .iter()
                .rposition(|l| l.line < self.scroll + height)
                .unwrap_or(n - 1),
        };
        self.selected = Some(next);
        let line = self.links[next].line;
        if line < self.scroll {
            self.scroll = line;
        } else if line >= self.scroll + height {
            self.scroll = line + 1 - height.max(1);
        }
    }

    /// The link drawn at text line `line` (absolute), display column `col`.
    pub fn link_at(&self, line: usize, col: usize) -> Option<usize> {
        self.links
            .iter()
            .position(|l| l.line == line && l.cols.contains(&col))
    }
}

/// The one-line facts beside the title: tactics, ATT&CK ids, parent.
pub fn facts(matrix: &Matrix, entity: Entity<'_>) -> String {
    match entity {
        Entity::Technique(t) => {
            let mut parts = matrix.tactic_names(t);
            if !t.attack.is_empty() {
                let ids: Vec<&str> = t.attack.iter().map(|a| a.as_str()).collect();
                parts.push(format!("ATT&CK {}", ids.join(", ")));
            }
            parts.join(" · ")
        }
        Entity::Mitigation(m) => {
            let mut parts = vec!["mitigation".to_owned()];
            if let Some(p) = &m.parent {
                parts.push(format!("part of {p}"));
            }
            if !m.attack.is_empty() {
                let ids: Vec<&str> = m.attack.iter().map(|a| a.as_str()).collect();
                parts.push(format!("ATT&CK {}", ids.join(", ")));
            }
            parts.join(" · ")
        }
        Entity::Tactic(t) => {
            let mut parts = vec!["tactic".to_owned()];
            if let Some(a) = &t.attack {
                parts.push(format!("ATT&CK {a}"));
            }
            let n = matrix.techniques_in(t.id.as_str()).count();
            parts.push(format!("{n} techniques"));
            parts.join(" · ")
        }
        Entity::Playbook(p) => {
            let mut parts = vec![
                "playbook".to_owned(),
                p.meta.severity.as_str().to_owned(),
                format!("{} steps", p.steps.len()),
            ];
            if let Some(m) = p.meta.minutes {
                parts.push(format!("~{m} min"));
            }
            parts.join(" · ")
        }
        Entity::Scenario(s) => format!("scenario · {} steps", s.steps.len()),
    }
}

/// Every mention of another entity's id in the page, plus the technique's tactics by name
/// on its facts line, in reading order.
fn find_links(
    matrix: &Matrix,
    self_id: &str,
    entity: Option<Entity<'_>>,
    lines: &[Line],
) -> Vec<Link> {
    let mut out = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let text = line.plain_text();
        let mut from = 0;
        while let Some(at) = text[from..].find("MS-").map(|i| i + from) {
            let end = text[at..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
                .map_or(text.len(), |i| i + at);
            let token = text[at..end].trim_end_matches('.');
            let known = matrix.technique(token).is_some() || matrix.mitigation(token).is_some();
            if known && token != self_id {
                let start = text_width(&text[..at]);
                out.push(Link {
                    target: token.to_owned(),
                    line: n,
                    cols: start..start + text_width(token),
                });
            }
            from = end.max(at + 3);
        }
    }
    let named = matrix
        .playbooks
        .iter()
        .map(crate::matrix::Playbook::id)
        .chain(matrix.scenarios.iter().map(|s| s.id.as_str()));
    for id in named.filter(|id| *id != self_id) {
        for (n, line) in lines.iter().enumerate() {
            let text = line.plain_text();
            let mut from = 0;
            while let Some(at) = text[from..].find(id).map(|i| i + from) {
                let end = at + id.len();
                let word = |c: char| c.is_ascii_alphanumeric() || c == '-';
                let before = text[..at].chars().next_back().is_some_and(word);
                let after = text[end..].chars().next().is_some_and(word);
                if !before && !after {
                    let start = text_width(&text[..at]);
                    out.push(Link {
                        target: id.to_owned(),
                        line: n,
                        cols: start..start + text_width(id),
                    });
                }
                from = end;
            }
        }
    }
    result_links(lines, &mut out);
    if let Some(Entity::Technique(t)) = entity {
        for id in &t.tactics {
            let Some(tactic) = matrix.tactic(id.as_str()) else {
                continue;
            };
            let name = sanitize(&tactic.name).into_owned();
            let found = lines.iter().enumerate().skip(1).take(6).find_map(|(n, l)| {
                let text = l.plain_text();
                text.find(&name).map(|at| (n, text_width(&text[..at])))
            });
            if let Some((line, start)) = found {
                out.push(Link {
                    target: tactic.id.as_str().to_owned(),
                    line,
                    cols: start..start + text_width(&name),
                });
            }
        }
    }
    out.sort_by_key(|l| (l.line, l.cols.start));
    out
}

/// `F<n>` and `H<n>` at the start of a list item: a finding or a hunt hit of the results.
fn result_links(lines: &[Line], out: &mut Vec<Link>) {
    for (n, line) in lines.iter().enumerate() {
        let text = line.plain_text();
        let trimmed = text.trim_start();
        let Some(rest) = trimmed.strip_prefix("• ") else {
            continue;
        };
        let token: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
        let (prefix, number) = token.split_at(token.len().min(1));
        let target = match (prefix, number.parse::<usize>()) {
            ("F", Ok(k)) => format!("finding:{k}"),
            ("H", Ok(k)) => format!("hit:{k}"),
            _ => continue,
        };
        let start = text_width(&text[..text.len() - rest.len()]);
        out.push(Link {
            target,
            line: n,
            cols: start..start + text_width(&token),
        });
    }
}
