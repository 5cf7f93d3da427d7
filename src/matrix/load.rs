//! Reads matrix YAML from a folder or from the copy embedded in the binary.
//!
//! This is the only module that knows the YAML crate (`serde-saphyr`, in `load/yaml.rs`):
//! swapping it means touching that file alone. Every problem becomes a [`Diagnostic`]; only a folder that
//! cannot be read at all is an error.

use std::path::{Path, PathBuf};

use rust_embed::RustEmbed;

use super::check::Check;
use super::diagnostic::{Code, Diagnostic};
use super::model::{Mitigation, Origin, Pos, Tactic, TacticsFile, Technique};
use super::playbook::{self, FrontMatter, Playbook};
use super::scenario::Scenario;

mod yaml;

pub use yaml::{Document, manifest_documents, yaml_value};
use yaml::{budget_breach, parse, pos};

/// Files above this size are rejected before parsing.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// The default matrix, compiled into the binary.
#[derive(RustEmbed)]
#[folder = "matrix/"]
#[include = "*.yaml"]
struct Embedded;

/// The default playbooks, compiled into the binary.
#[derive(RustEmbed)]
#[folder = "playbooks/"]
#[include = "*.md"]
struct EmbeddedPlaybooks;

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
    Scenario,
    Playbook,
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
    pub scenarios: Vec<Scenario>,
    pub playbooks: Vec<Playbook>,
    pub diagnostics: Vec<Diagnostic>,
    /// Ids (file stems) of files that could not be parsed, so references to them are
    /// not reported a second time as dangling.
    pub broken: Vec<String>,
}

/// The files of the embedded default matrix.
pub fn embedded_files() -> Vec<SourceFile> {
    let mut names: Vec<String> = Embedded::iter().map(std::borrow::Cow::into_owned).collect();
    names.sort();
    let mut files: Vec<SourceFile> = names
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
        .collect();
    let mut names: Vec<String> = EmbeddedPlaybooks::iter()
        .map(std::borrow::Cow::into_owned)
        .collect();
    names.sort();
    files.extend(names.into_iter().filter_map(|name| {
        let kind = kind_of(&format!("playbooks/{name}"))?;
        let file = EmbeddedPlaybooks::get(&name)?;
        Some(SourceFile {
            display: format!("<embedded>/playbooks/{name}"),
            kind,
            bytes: file.data.into_owned(),
        })
    }));
    files
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
    for sub in ["techniques", "mitigations", "checks", "scenarios"] {
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
    let mut paths: Vec<(String, PathBuf, String)> = names
        .into_iter()
        .map(|name| (root.join(&name), display_path(root, &name), name))
        .map(|(path, display, name)| (name, path, display))
        .collect();
    paths.extend(playbook_paths(root));
    let mut files = Vec::new();
    for (name, path, display) in paths {
        let Some(kind) = kind_of(&name) else { continue };
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

/// The playbooks that go with a matrix folder: `<root>/playbooks/*.md`, or the sibling
/// `<root>/../playbooks/*.md` (the repository layout, `matrix/` next to `playbooks/`).
fn playbook_paths(root: &Path) -> Vec<(String, PathBuf, String)> {
    let inside = root.join("playbooks");
    let (dir, display_dir) = if inside.is_dir() {
        (inside, display_path(root, "playbooks"))
    } else {
        let sibling = match root.file_name() {
            Some(_) => root.parent().unwrap_or(Path::new("")).join("playbooks"),
            None => root.join("..").join("playbooks"),
        };
        let shown = sibling.display().to_string();
        (sibling, shown)
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, PathBuf, String)> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| kind_of(&format!("playbooks/{name}")).is_some())
        .map(|name| {
            let display = format!("{display_dir}/{name}");
            (format!("playbooks/{name}"), dir.join(&name), display)
        })
        .collect();
    out.sort();
    out
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
    } else if name.starts_with("scenarios/") && is_yaml(name) && !name[10..].contains('/') {
        Some(FileKind::Scenario)
    } else if let Some(rest) = name.strip_prefix("playbooks/") {
        let md = Path::new(rest)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("md"));
        let readme = rest.eq_ignore_ascii_case("readme.md");
        (md && !readme && !rest.contains('/')).then_some(FileKind::Playbook)
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
        if file.kind == FileKind::Playbook {
            parse_playbook(file, text, layer);
            return;
        }
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
            FileKind::Scenario => {
                if let Some(mut s) = parse::<Scenario>(file, text, &mut layer.diagnostics) {
                    s.origin = Origin(file.display.clone());
                    layer.scenarios.push(s);
                }
            }
            FileKind::Playbook => {}
        }
    }
}

/// A playbook: front matter through the YAML parser, body cut into steps.
fn parse_playbook(file: &SourceFile, text: &str, layer: &mut Layer) {
    let split = match playbook::split(text) {
        Ok(split) => split,
        Err((at, message)) => {
            layer.diagnostics.push(
                Diagnostic::new(Code::PlaybookFormat, &file.display, at, message).hint(
                    "start the file with `---`, the YAML front matter (id, title, techniques, severity), and `---`",
                ),
            );
            return;
        }
    };
    if let Some(bomb) = budget_breach(file, &split.front) {
        layer.diagnostics.push(bomb);
        return;
    }
    let Some(meta) = parse::<FrontMatter>(file, &split.front, &mut layer.diagnostics) else {
        return;
    };
    let (intro, steps) = playbook::parse_steps(split.body, split.body_line);
    layer.playbooks.push(Playbook {
        meta,
        intro,
        steps,
        origin: Origin(file.display.clone()),
    });
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
