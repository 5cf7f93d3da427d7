//! `ktm show ID`: one entity as terminal text, markdown or JSON.

use std::io::Write;

use anyhow::Result;

use crate::matrix::page::entity_markdown;
use crate::matrix::{Entity, Matrix};
use crate::text::{render_markdown, sanitize};

use super::args::ShowFormat;
use super::output;

/// Prints the entity; returns `false` when no entity has that id.
pub fn run(
    out: &mut dyn Write,
    matrix: &Matrix,
    id: &str,
    format: ShowFormat,
    width: usize,
    color: bool,
) -> Result<bool> {
    let Some(entity) = matrix.find(id) else {
        eprintln!(
            "error: no technique, mitigation, tactic, playbook or scenario with id `{}`; try `ktm list techniques` or `ktm search`",
            sanitize(id)
        );
        return Ok(false);
    };
    match format {
        ShowFormat::Json => match entity {
            Entity::Tactic(t) => output::json(out, t)?,
            Entity::Technique(t) => output::json(out, t)?,
            Entity::Mitigation(m) => output::json(out, m)?,
            Entity::Playbook(p) => output::json(out, p)?,
            Entity::Scenario(s) => output::json(out, s)?,
        },
        ShowFormat::Markdown => {
            let md = entity_markdown(matrix, entity);
            write!(out, "{}", crate::text::sanitize::sanitize_with(&md, true))?;
        }
        ShowFormat::Text => {
            let md = entity_markdown(matrix, entity);
            output::lines(out, &render_markdown(&md, width), color)?;
        }
    }
    Ok(true)
}
