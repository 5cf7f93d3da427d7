//! Reads matrix YAML from a folder or from the copy embedded in the binary.
//!
//! This is the only module that knows the YAML crate (`serde-saphyr`): swapping it means
//! touching this file alone. Every problem becomes a [`Diagnostic`]; only a folder that
//! cannot be read at all is an error.

use std::path::{Path, PathBuf};

use rust_embed::RustEmbed;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use super::check::Check;
use super::diagnostic::{Code, Diagnostic};
use super::model::{Located, Mitigation, Origin, Pos, Tactic, TacticsFile, Technique};

/// Files above this size are rejected before parsing.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// The default matrix, compiled into the binary.
#[derive(RustEmbed)]
#[folder = "matrix/"]
#[include = "*.yaml"]
struct Embedded;

/// A folder that cannot be read at all (as opposed to bad files inside it).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read matrix folder {}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a folder; pass the folder that holds tactics.yaml")]
    NotAFolder { path: PathBuf },
}

/// What kind of entity a file holds, decided by where it sits in the folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Tactics,
    Technique,
    Mitigation,
    Check,
}

/// One matrix file's raw bytes and the name diagnostics use for it.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub display: String,
    pub kind: FileKind,
    pub bytes: Vec<u8>,
}

/// Everything parsed from one source (the embedded copy, a folder, an overlay).
#[derive(Debug, Default)]
pub struct Layer {
    pub tactics: Option<Vec<Tactic>>,
    pub tactics_origin: Option<String>,
    pub techniques: Vec<Technique>,
    pub mitigations: Vec<Mitigation>,
    pub checks: Vec<Check>,
    pub diagnostics: Vec<Diagnostic>,
    /// Ids (file stems) of files that could not be parsed, so references to them are
    /// not reported a second time as dangling.
    pub broken: Vec<String>,
}

/// The files of the embedded default matrix.
pub fn embedded_files() -> Vec<SourceFile> {
    let mut names: Vec<String> = Embedded::iter().map(std::borrow::Cow::into_owned).collect();
    names.sort();
    names
        .into_iter()
        .filter_map(|name| {
            let kind = kind_of(&name)?;
            let file = Embedded::get(&name)?;
            Some(SourceFile {
                display: format!("<embedded>/matrix/{name}"),
                kind,
                bytes: file.data.into_owned(),
            })
        })
        .collect()
}

/// The matrix files of a folder; `display_root` prefixes the names in diagnostics.
///
/// Unreadable files inside the folder become `E021` diagnostics in `diagnostics`.
pub fn folder_files(
    root: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Vec<SourceFile>, LoadError> {
    let meta = std::fs::metadata(root).map_err(|source| LoadError::Unreadable {
        path: root.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(LoadError::NotAFolder {
            path: root.to_path_buf(),
        });
    }
    std::fs::read_dir(root).map_err(|source| LoadError::Unreadable {
        path: root.to_path_buf(),
        source,
    })?;
    let mut names = Vec::new();
    if root.join("tactics.yaml").exists() {
        names.push("tactics.yaml".to_owned());
    }
    for sub in ["techniques", "mitigations", "checks"] {
        let dir = root.join(sub);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_yaml(&name) {
                names.push(format!("{sub}/{name}"));
            }
        }
    }
    names.sort();
    let mut files = Vec::new();
    for name in names {
        let Some(kind) = kind_of(&name) else { continue };
        let path = root.join(&name);
        let display = display_path(root, &name);
        match read_limited(&path) {
            Ok(bytes) => files.push(SourceFile {
                display,
                kind,
                bytes,
            }),
            Err(err) => diagnostics.push(
                Diagnostic::new(
                    Code::Io,
                    display,
                    Pos::default(),
                    format!("cannot read file: {err}"),
                )
                .hint("check the file's permissions"),
            ),
        }
    }
    Ok(files)
}

fn display_path(root: &Path, name: &str) -> String {
    let root = root.to_string_lossy();
    let root = root.trim_end_matches('/');
    if root.is_empty() || root == "." {
        name.to_owned()
    } else {
        format!("{root}/{name}")
    }
}

/// Reads at most one byte past the limit, so a huge file never fills memory.
fn read_limited(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn is_yaml(name: &str) -> bool {
    Path::new(name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

fn kind_of(name: &str) -> Option<FileKind> {
    if name == "tactics.yaml" {
        Some(FileKind::Tactics)
    } else if name.starts_with("techniques/") && is_yaml(name) && !name[11..].contains('/') {
        Some(FileKind::Technique)
    } else if name.starts_with("mitigations/") && is_yaml(name) && !name[12..].contains('/') {
        Some(FileKind::Mitigation)
    } else if name.starts_with("checks/") && is_yaml(name) && !name[7..].contains('/') {
        Some(FileKind::Check)
    } else {
        None
    }
}

/// Parses every file into one layer, collecting every diagnostic.
pub fn parse_layer(files: &[SourceFile]) -> Layer {
    let mut layer = Layer::default();
    for file in files {
        let before = layer.diagnostics.len();
        parse_file(file, &mut layer);
        if layer.diagnostics.len() > before {
            let stem = Path::new(&file.display)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            layer.broken.push(stem);
        }
    }
    layer
}

fn parse_file(file: &SourceFile, layer: &mut Layer) {
    {
        let Some(text) = check_bytes(file, &mut layer.diagnostics) else {
            return;
        };
        if let Some(bomb) = budget_breach(file, text) {
            layer.diagnostics.push(bomb);
            return;
        }
        match file.kind {
            FileKind::Tactics => {
                if let Some(parsed) = parse::<TacticsFile>(file, text, &mut layer.diagnostics) {
                    let mut tactics = parsed.tactics;
                    for tactic in &mut tactics {
                        tactic.origin = Origin(file.display.clone());
                    }
                    layer.tactics = Some(tactics);
                    layer.tactics_origin = Some(file.display.clone());
                }
            }
            FileKind::Technique => {
                if let Some(mut t) = parse::<Technique>(file, text, &mut layer.diagnostics) {
                    t.origin = Origin(file.display.clone());
                    layer.techniques.push(t);
                }
            }
            FileKind::Mitigation => {
                if let Some(mut m) = parse::<Mitigation>(file, text, &mut layer.diagnostics) {
                    m.origin = Origin(file.display.clone());
                    layer.mitigations.push(m);
                }
            }
            FileKind::Check => {
                if let Some(mut c) = parse::<Check>(file, text, &mut layer.diagnostics) {
                    c.origin = Origin(file.display.clone());
                    layer.checks.push(c);
                }
            }
        }
    }
}

/// Parses the file into an untyped tree first, so alias bombs are caught wherever they
/// sit, before typed deserialization could stop at an earlier, unrelated error.
fn budget_breach(file: &SourceFile, text: &str) -> Option<Diagnostic> {
    let err = serde_saphyr::from_str_with_options::<serde_json::Value>(text, options()).err()?;
    let diagnostic = yaml_diagnostic(&file.display, &err);
    (diagnostic.code == Code::AliasBomb).then_some(diagnostic)
}

/// Applies the size and encoding rules; returns the text when both hold.
fn check_bytes<'a>(file: &'a SourceFile, diagnostics: &mut Vec<Diagnostic>) -> Option<&'a str> {
    if file.bytes.len() > MAX_FILE_BYTES {
        diagnostics.push(
            Diagnostic::new(
                Code::TooLarge,
                &file.display,
                Pos { line: 1, col: 1 },
                format!("file is larger than {} KiB", MAX_FILE_BYTES / 1024),
            )
            .hint("one entity per file; a matrix file is a few KiB"),
        );
        return None;
    }
    match std::str::from_utf8(&file.bytes) {
        Ok(text) => Some(text),
        Err(err) => {
            let valid = &file.bytes[..err.valid_up_to()];
            let line = valid.split(|&b| b == b'\n').count();
            let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let col = String::from_utf8_lossy(&valid[line_start..])
                .chars()
                .count()
                + 1;
            diagnostics.push(
                Diagnostic::new(
                    Code::NotUtf8,
                    &file.display,
                    pos(line, col),
                    format!(
                        "file is not UTF-8 (invalid byte 0x{:02x})",
                        file.bytes[err.valid_up_to()]
                    ),
                )
                .hint("save the file as UTF-8 text; binary files do not belong in matrix/"),
            );
            None
        }
    }
}

fn pos(line: usize, col: usize) -> Pos {
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

fn parse<T: DeserializeOwned>(
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
