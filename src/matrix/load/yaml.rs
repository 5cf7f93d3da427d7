//! The YAML parser (serde-saphyr) behind `load`: budgets, positions, diagnostics.
//!
//! Nothing outside this file names the YAML crate, so replacing it touches this file alone.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use super::super::diagnostic::{Code, Diagnostic};
use super::super::model::{Located, Pos};
use super::{MAX_FILE_BYTES, SourceFile};

/// Parses the file into an untyped tree first, so alias bombs are caught wherever they
/// sit, before typed deserialization could stop at an earlier, unrelated error.
pub(super) fn budget_breach(file: &SourceFile, text: &str) -> Option<Diagnostic> {
    let err = serde_saphyr::from_str_with_options::<serde_json::Value>(text, options()).err()?;
    let diagnostic = yaml_diagnostic(&file.display, &err);
    (diagnostic.code == Code::AliasBomb).then_some(diagnostic)
}

pub(super) fn pos(line: usize, col: usize) -> Pos {
    Pos {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        col: u32::try_from(col).unwrap_or(u32::MAX),
    }
}

fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_events: 200_000,
            max_nodes: 100_000,
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_depth: 64,
            max_documents: 1,
        },
    }
}

pub(super) fn parse<T: DeserializeOwned>(
    file: &SourceFile,
    text: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<T> {
    match serde_saphyr::from_str_with_options::<T>(text, options()) {
        Ok(value) => Some(value),
        Err(err) => {
            diagnostics.push(yaml_diagnostic(&file.display, &err));
            None
        }
    }
}

fn yaml_diagnostic(file: &str, err: &serde_saphyr::Error) -> Diagnostic {
    use serde_saphyr::Error as E;
    let err = err.without_snippet();
    let at = err
        .location()
        .map(|l| pos(to_usize(l.line()), to_usize(l.column())))
        .unwrap_or_default();
    let text = err.to_string();
    let message = text
        .rfind(" at line ")
        .map_or(text.as_str(), |i| &text[..i])
        .to_owned();
    match err {
        E::SerdeUnknownField { .. } => Diagnostic::new(Code::UnknownField, file, at, message)
            .hint("remove the field or fix its spelling; see assets/schema/ for every field"),
        E::SerdeMissingField { .. } => Diagnostic::new(Code::MissingField, file, at, message)
            .hint("add the field; see assets/schema/ for every required field"),
        E::Budget { .. }
        | E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. }
        | E::AliasReplayCounterOverflow { .. } => budget_diagnostic(file, at, &message),
        _ if message.contains("budget breached") => budget_diagnostic(file, at, &message),
        _ if message.starts_with("unknown field") => {
            Diagnostic::new(Code::UnknownField, file, at, message)
                .hint("remove the field or fix its spelling; see assets/schema/ for every field")
        }
        _ if message.starts_with("missing field") => {
            Diagnostic::new(Code::MissingField, file, at, message)
                .hint("add the field; see assets/schema/ for every required field")
        }
        _ => Diagnostic::new(Code::Syntax, file, at, format!("invalid YAML: {message}"))
            .hint("fix the YAML at this position (quote strings containing ': ' or starting with '*', '&', '[')"),
    }
}

fn budget_diagnostic(file: &str, at: Pos, message: &str) -> Diagnostic {
    let what = message.split(" at line ").next().unwrap_or(message);
    Diagnostic::new(
        Code::AliasBomb,
        file,
        at,
        format!("YAML expands beyond ktm's parser budget ({what}); is this an alias bomb?"),
    )
    .hint("matrix files need no anchors or aliases; write the values out")
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Located<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = serde_saphyr::Spanned::<T>::deserialize(deserializer)?;
        let at = &spanned.referenced;
        Ok(Located::new(
            spanned.value,
            pos(to_usize(at.line()), to_usize(at.column())),
        ))
    }
}

/// One YAML or JSON document of a manifest file, with the line where it starts.
#[derive(Clone, Debug)]
pub struct Document {
    pub line: u32,
    pub value: serde_json::Value,
}

/// Splits a manifest file into documents (`---` separated YAML, or JSON) and parses each
/// under the same budget as matrix files. A broken document becomes a diagnostic; the
/// others still load.
pub fn manifest_documents(display: &str, text: &str) -> (Vec<Document>, Vec<Diagnostic>) {
    let mut docs = Vec::new();
    let mut diags = Vec::new();
    let mut start = 1usize;
    let mut content_seen = false;
    let mut chunk = String::new();
    let mut flush = |chunk: &mut String, start: usize| {
        if chunk.trim().is_empty()
            || chunk
                .lines()
                .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        {
            chunk.clear();
            return;
        }
        match serde_saphyr::from_str_with_options::<serde_json::Value>(chunk, options()) {
            Ok(value) => docs.push(Document {
                line: u32::try_from(start).unwrap_or(u32::MAX),
                value,
            }),
            Err(err) => {
                let mut d = yaml_diagnostic(display, &err);
                d.line = d
                    .line
                    .saturating_add(u32::try_from(start).unwrap_or(0))
                    .saturating_sub(1);
                diags.push(d);
            }
        }
        chunk.clear();
    };
    for (index, line) in text.lines().enumerate() {
        if line.starts_with("---") && (line.len() == 3 || line[3..].starts_with([' ', '\t'])) {
            flush(&mut chunk, start);
            start = index + 2;
            content_seen = false;
            continue;
        }
        if line.starts_with("...") && line.trim_end() == "..." {
            continue;
        }
        let is_content = !(line.trim().is_empty() || line.trim_start().starts_with('#'));
        if is_content && !content_seen {
            // A document's line is its first line of content, not a leading comment.
            start = index + 1;
            content_seen = true;
        }
        chunk.push_str(line);
        chunk.push('\n');
    }
    flush(&mut chunk, start);
    (docs, diags)
}

/// Parses one small YAML document (a user's exceptions file, say) into JSON, under the
/// same budget as matrix files; errors carry file, line and column.
pub fn yaml_value(display: &str, text: &str) -> Result<serde_json::Value, Diagnostic> {
    if text.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::new(
            Code::TooLarge,
            display,
            Pos { line: 1, col: 1 },
            format!("file is larger than {} KiB", MAX_FILE_BYTES / 1024),
        ));
    }
    serde_saphyr::from_str_with_options::<serde_json::Value>(text, options())
        .map_err(|err| yaml_diagnostic(display, &err))
}
