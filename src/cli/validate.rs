//! `ktm validate [PATH]`: every diagnostic of a matrix folder, compiler style.

use std::fmt::Write as _;
use std::io::Write;

use anyhow::Result;

use crate::matrix::{self, Diagnostic, MatrixSource};

use super::args::TableFormat;
use super::context::Context;
use super::output;

/// Prints the diagnostics; returns whether the matrix has errors.
pub fn run(
    out: &mut dyn Write,
    ctx: &Context,
    path: Option<&std::path::Path>,
    format: TableFormat,
) -> Result<bool> {
    let mut loaded = match path {
        Some(p) => matrix::load_matrix(&MatrixSource::Folder(p.to_path_buf()), &[])?,
        None => matrix::load_matrix(&ctx.source, &ctx.overlays)?,
    };
    // Compile every check expression and run the inline tests.
    loaded
        .diagnostics
        .extend(crate::checks::validate_checks(&loaded.matrix));
    loaded
        .diagnostics
        .extend(crate::hunt::validate_detections(&loaded.matrix));
    matrix::diagnostic::sort(&mut loaded.diagnostics);
    let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = loaded.diagnostics.len() - errors;
    match format {
        TableFormat::Json => output::json(out, &loaded.diagnostics)?,
        TableFormat::Table => {
            for d in &loaded.diagnostics {
                print_one(out, d, ctx.color)?;
            }
            let m = &loaded.matrix;
            writeln!(
                out,
                "{}: {errors} error(s), {warnings} warning(s) in {} tactics, {} techniques, {} mitigations{}",
                if errors == 0 { "ok" } else { "failed" },
                m.tactics.len(),
                m.techniques.len(),
                m.mitigations.len(),
                [
                    (m.checks.len(), "checks"),
                    (m.playbooks.len(), "playbooks"),
                    (m.scenarios.len(), "scenarios"),
                ]
                .iter()
                .filter(|(n, _)| *n > 0)
                .fold(String::new(), |mut s, (n, what)| {
                    let _ = write!(s, ", {n} {what}");
                    s
                })
            )?;
        }
    }
    Ok(errors > 0)
}

fn print_one(out: &mut dyn Write, d: &Diagnostic, color: bool) -> std::io::Result<()> {
    let text = crate::text::sanitize::sanitize_with(&d.to_string(), true).into_owned();
    if color {
        let code = if d.is_error() {
            "\u{1b}[1;31m"
        } else {
            "\u{1b}[1;33m"
        };
        let (head, rest) = text.split_once(' ').unwrap_or((&text, ""));
        writeln!(out, "{code}{head}\u{1b}[0m {rest}")
    } else {
        writeln!(out, "{text}")
    }
}
