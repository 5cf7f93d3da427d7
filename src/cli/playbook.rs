//! `ktm playbook list|show|run|export`: response playbooks and their session logs.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result, bail};
use serde::Serialize;

use crate::matrix::{Matrix, Playbook};
use crate::text::markdown::render_markdown;
use crate::walk::store::Store;
use crate::walk::{Session, export};

use super::args::{ExportFormat, TableFormat};
use super::output;

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    title: &'a str,
    severity: &'a str,
    steps: usize,
    minutes: Option<u32>,
    roles: Vec<&'static str>,
    techniques: Vec<&'a str>,
}

pub fn list(out: &mut dyn Write, matrix: &Matrix, format: TableFormat, color: bool) -> Result<()> {
    let rows: Vec<Row> = matrix
        .playbooks
        .iter()
        .map(|p| Row {
            id: p.id(),
            title: &p.meta.title,
            severity: p.meta.severity.as_str(),
            steps: p.steps.len(),
            minutes: p.meta.minutes,
            roles: p
                .meta
                .roles
                .iter()
                .map(|r| match r {
                    crate::matrix::playbook::Role::Responder => "responder",
                    crate::matrix::playbook::Role::Trainer => "trainer",
                })
                .collect(),
            techniques: p.meta.techniques.iter().map(|t| t.as_str()).collect(),
        })
        .collect();
    match format {
        TableFormat::Json => output::json(out, &rows)?,
        TableFormat::Table => {
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.id.to_owned(),
                        r.severity.to_owned(),
                        r.steps.to_string(),
                        r.minutes.map_or_else(|| "-".to_owned(), |m| m.to_string()),
                        r.techniques.join(","),
                        r.title.to_owned(),
                    ]
                })
                .collect();
            output::table(
                out,
                &["ID", "SEVERITY", "STEPS", "MIN", "TECHNIQUES", "TITLE"],
                &table,
                color,
            )?;
        }
    }
    Ok(())
}

/// Finds a playbook by id (case-insensitive), or fails naming the known ones.
pub fn find<'a>(matrix: &'a Matrix, id: &str) -> Result<&'a Playbook> {
    let wanted = id.trim().to_ascii_lowercase();
    matrix.playbook(&wanted).ok_or_else(|| {
        let known: Vec<&str> = matrix.playbooks.iter().map(Playbook::id).collect();
        anyhow::anyhow!(
            "no playbook `{}`; known: {}",
            crate::text::sanitize(id),
            known.join(", ")
        )
    })
}

pub fn show(
    out: &mut dyn Write,
    matrix: &Matrix,
    id: &str,
    facilitator: bool,
    width: usize,
    color: bool,
) -> Result<()> {
    let playbook = find(matrix, id)?;
    let mut md =
        crate::matrix::page::entity_markdown(matrix, crate::matrix::Entity::Playbook(playbook));
    if facilitator {
        md.push_str("## Facilitator notes\n\n");
        for (i, step) in playbook.steps.iter().enumerate() {
            if let Some(notes) = &step.facilitator {
                let _ = write!(md, "**{}. {}**\n\n{}\n\n", i + 1, step.title, notes);
            }
        }
    }
    output::lines(out, &render_markdown(&md, width), color)?;
    Ok(())
}

pub fn export(
    out: &mut dyn Write,
    matrix: &Matrix,
    data_dir: Option<&Path>,
    session: &str,
    format: ExportFormat,
    output_file: Option<&Path>,
) -> Result<()> {
    let Some(dir) = data_dir else {
        bail!("no data folder: set KTM_DATA_DIR or HOME");
    };
    let store = Store::new(dir);
    let sessions: Vec<Session> = store.sessions(session)?;
    if sessions.is_empty() {
        bail!(
            "no session `{}` in {}; start one with `ktm playbook run <id> --session {}`",
            crate::text::sanitize(session),
            dir.join("sessions").display(),
            crate::text::sanitize(session)
        );
    }
    let text = match format {
        ExportFormat::Markdown => export::markdown(session, &sessions, |id| matrix.playbook(id)),
        ExportFormat::Json => {
            let mut s = serde_json::to_string_pretty(&sessions)?;
            s.push('\n');
            s
        }
    };
    match output_file {
        Some(path) => crate::fsutil::write_atomic(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => out.write_all(text.as_bytes())?,
    }
    Ok(())
}
