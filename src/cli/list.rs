//! `ktm list tactics|techniques|mitigations`: the matrix's entities as a table or JSON.

use std::io::Write;

use anyhow::{Result, bail};
use serde::Serialize;

use crate::matrix::{Entity, Matrix, Technique};

use super::args::{ListKind, TableFormat};
use super::output;

#[derive(Serialize)]
struct TacticRow<'a> {
    id: &'a str,
    name: &'a str,
    attack: Option<&'a str>,
    summary: &'a str,
    techniques: Vec<&'a str>,
}

pub fn run(
    out: &mut dyn Write,
    matrix: &Matrix,
    what: ListKind,
    tactic: Option<&str>,
    format: TableFormat,
    color: bool,
) -> Result<()> {
    let tactic_id = match tactic {
        None => None,
        Some(t) => match matrix.find(t) {
            Some(Entity::Tactic(x)) => Some(x.id.as_str()),
            _ => bail!(
                "no tactic `{t}`; known: {}",
                matrix
                    .tactics
                    .iter()
                    .map(|t| t.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    };
    match what {
        ListKind::Tactics => tactics(out, matrix, tactic_id, format, color),
        ListKind::Techniques => techniques(out, matrix, tactic_id, format, color),
        ListKind::Mitigations => {
            if tactic_id.is_some() {
                bail!("--tactic applies to techniques and tactics, not mitigations");
            }
            mitigations(out, matrix, format, color)
        }
    }
}

fn tactics(
    out: &mut dyn Write,
    matrix: &Matrix,
    tactic_id: Option<&str>,
    format: TableFormat,
    color: bool,
) -> Result<()> {
    let rows: Vec<TacticRow> = matrix
        .tactics
        .iter()
        .filter(|t| tactic_id.is_none_or(|id| t.id.as_str() == id))
        .map(|t| TacticRow {
            id: t.id.as_str(),
            name: &t.name,
            attack: t.attack.as_ref().map(|a| a.as_str()),
            summary: t.summary.trim(),
            techniques: matrix
                .techniques_in(t.id.as_str())
                .map(|x| x.id.as_str())
                .collect(),
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
                        r.name.to_owned(),
                        r.attack.unwrap_or("-").to_owned(),
                        r.techniques.len().to_string(),
                    ]
                })
                .collect();
            output::table(out, &["ID", "NAME", "ATT&CK", "TECHNIQUES"], &table, color)?;
        }
    }
    Ok(())
}

fn techniques(
    out: &mut dyn Write,
    matrix: &Matrix,
    tactic_id: Option<&str>,
    format: TableFormat,
    color: bool,
) -> Result<()> {
    let techniques: Vec<&Technique> = matrix
        .techniques
        .iter()
        .filter(|t| tactic_id.is_none_or(|id| t.tactics.iter().any(|x| x.as_str() == id)))
        .collect();
    match format {
        TableFormat::Json => output::json(out, &techniques)?,
        TableFormat::Table => {
            let table: Vec<Vec<String>> = techniques
                .iter()
                .map(|t| {
                    vec![
                        t.id.to_string(),
                        t.name.to_string(),
                        t.tactics
                            .iter()
                            .map(|x| x.as_str())
                            .collect::<Vec<_>>()
                            .join(","),
                        t.attack
                            .iter()
                            .map(|x| x.as_str())
                            .collect::<Vec<_>>()
                            .join(","),
                    ]
                })
                .collect();
            output::table(out, &["ID", "NAME", "TACTICS", "ATT&CK"], &table, color)?;
        }
    }
    Ok(())
}

fn mitigations(
    out: &mut dyn Write,
    matrix: &Matrix,
    format: TableFormat,
    color: bool,
) -> Result<()> {
    match format {
        TableFormat::Json => output::json(out, &matrix.mitigations)?,
        TableFormat::Table => {
            let table: Vec<Vec<String>> = matrix
                .mitigations
                .iter()
                .map(|m| {
                    vec![
                        m.id.to_string(),
                        m.name.to_string(),
                        matrix.techniques_for(m).len().to_string(),
                        m.attack
                            .iter()
                            .map(|x| x.as_str())
                            .collect::<Vec<_>>()
                            .join(","),
                    ]
                })
                .collect();
            output::table(out, &["ID", "NAME", "TECHNIQUES", "ATT&CK"], &table, color)?;
        }
    }
    Ok(())
}
