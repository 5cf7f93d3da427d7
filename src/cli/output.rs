//! The one place that prints: aligned tables, JSON, and styled lines as ANSI or plain text.
//! Every string printed here has passed the sanitizer.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde::Serialize;

use crate::text::wrap::width;
use crate::text::{Line, Style, sanitize};

/// Prints rows as left-aligned columns; the last column is not padded.
pub fn table(
    out: &mut dyn Write,
    header: &[&str],
    rows: &[Vec<String>],
    color: bool,
) -> io::Result<()> {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| sanitize(c).into_owned()).collect())
        .collect();
    let cols = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate().take(cols) {
            widths[i] = widths[i].max(width(cell));
        }
    }
    let head: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    let line = format_row(&head, &widths);
    if color {
        writeln!(out, "\u{1b}[1m{line}\u{1b}[0m")?;
    } else {
        writeln!(out, "{line}")?;
    }
    for row in &rows {
        writeln!(out, "{}", format_row(row, &widths))?;
    }
    Ok(())
}

/// Prints rows like [`table`], with a styled last column: matches (`mark`) in reverse
/// video when `color` is set, else «between guillemets».
pub fn table_with_lines(
    out: &mut dyn Write,
    header: &[&str],
    rows: &[(Vec<String>, Line)],
    color: bool,
) -> io::Result<()> {
    let lead = header.len().saturating_sub(1);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|(r, _)| {
            r.iter()
                .take(lead)
                .map(|c| sanitize(c).into_owned())
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for row in &cells {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(width(cell));
        }
    }
    let head: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    let line = format_row(&head, &widths);
    if color {
        writeln!(out, "\u{1b}[1m{line}\u{1b}[0m")?;
    } else {
        writeln!(out, "{line}")?;
    }
    for (row, (_, styled)) in cells.iter().zip(rows) {
        let mut lead = String::new();
        for (cell, w) in row.iter().zip(&widths) {
            lead.push_str(cell);
            lead.push_str(&" ".repeat(w.saturating_sub(width(cell)) + 2));
        }
        writeln!(out, "{lead}{}", marked(styled, color).trim_end())?;
    }
    Ok(())
}

/// One styled line as text: marked spans highlighted, everything sanitized.
fn marked(line: &Line, color: bool) -> String {
    let mut s = String::new();
    for span in &line.spans {
        let text = sanitize(&span.text);
        match (span.style.mark, color) {
            (true, true) => {
                let _ = write!(s, "\u{1b}[1;7m{text}\u{1b}[0m");
            }
            (true, false) => {
                let _ = write!(s, "«{text}»");
            }
            (false, _) => s.push_str(&text),
        }
    }
    s
}

fn format_row(row: &[String], widths: &[usize]) -> String {
    let mut s = String::new();
    for (i, cell) in row.iter().enumerate() {
        if i > 0 {
            s.push_str("  ");
        }
        s.push_str(cell);
        if i + 1 < row.len() {
            s.push_str(&" ".repeat(widths[i].saturating_sub(width(cell))));
        }
    }
    s.trim_end().to_owned()
}

/// Prints a value as pretty JSON followed by a newline, streamed: a check report of
/// 100,000 objects is a hundred megabytes of JSON, which need not sit in memory too.
pub fn json<T: Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    let mut buffered = io::BufWriter::with_capacity(64 * 1024, out);
    // `io::Error::from` keeps a closed pipe a closed pipe (not `Other`).
    serde_json::to_writer_pretty(&mut buffered, value).map_err(io::Error::from)?;
    writeln!(buffered)?;
    buffered.flush()
}

/// Prints styled lines, with ANSI attributes when `color` is set.
pub fn lines(out: &mut dyn Write, lines: &[Line], color: bool) -> io::Result<()> {
    for line in lines {
        for span in &line.spans {
            let text = sanitize(&span.text);
            if color && span.style != Style::default() {
                write!(out, "{}{text}\u{1b}[0m", sgr(span.style))?;
            } else {
                write!(out, "{text}")?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

fn sgr(style: Style) -> String {
    let mut codes = Vec::new();
    if style.bold || style.heading > 0 {
        codes.push("1");
    }
    if style.dim {
        codes.push("2");
    }
    if style.italic {
        codes.push("3");
    }
    if style.link {
        codes.push("4");
    }
    if style.mark {
        codes.push("7");
    }
    if style.code {
        codes.push("36");
    }
    if style.heading == 1 {
        codes.push("35");
    } else if style.heading > 1 {
        codes.push("34");
    }
    format!("\u{1b}[{}m", codes.join(";"))
}
