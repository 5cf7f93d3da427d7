//! Resolves parsed arguments and the environment into what commands need: the matrix
//! source, the overlay folders, the cache folder, colour and width.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::matrix::{self, Loaded, MatrixSource};

use super::args::{Args, ColorChoice};

/// Everything a command needs, resolved once.
#[derive(Debug)]
pub struct Context {
    pub source: MatrixSource,
    pub overlays: Vec<PathBuf>,
    /// Where derived data (the search index) may be cached; `None` when there is no
    /// home to put it in.
    pub cache_dir: Option<PathBuf>,
    pub color: bool,
    pub stdout_is_terminal: bool,
}

impl Context {
    pub fn from_args(args: &Args) -> Self {
        let source = args
            .matrix
            .clone()
            .map_or(MatrixSource::Embedded, MatrixSource::Folder);
        let overlays = if args.no_user_matrix {
            Vec::new()
        } else {
            config_dir().map(|d| d.join("matrix")).into_iter().collect()
        };
        let stdout_is_terminal = std::io::stdout().is_terminal();
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                stdout_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Self {
            source,
            overlays,
            cache_dir: cache_dir(),
            color,
            stdout_is_terminal,
        }
    }

    /// Loads the matrix; reports a count of its errors on stderr (commands other than
    /// `validate` still work on what loaded).
    pub fn load(&self) -> Result<Loaded, matrix::LoadError> {
        let loaded = matrix::load_matrix(&self.source, &self.overlays)?;
        let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
        if errors > 0 {
            eprintln!(
                "warning: the matrix has {errors} error(s); entities in broken files are missing. Run `ktm validate` to see them."
            );
        }
        Ok(loaded)
    }

    /// Width for wrapped text: explicit, else the terminal's, else 100.
    pub fn width(&self, explicit: Option<usize>) -> usize {
        explicit
            .or_else(|| {
                terminal_size::terminal_size().map(|(terminal_size::Width(w), _)| usize::from(w))
            })
            .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok())
            .unwrap_or(100)
            .clamp(20, 400)
    }
}

/// ktm's configuration folder: `$KTM_CONFIG_DIR`, else the platform's (for example
/// `~/.config/ktm` on Linux).
pub fn config_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("KTM_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "ktm").map(|p| p.config_dir().to_path_buf())
}

/// ktm's cache folder: `$KTM_CACHE_DIR`, else the platform's (for example `~/.cache/ktm`
/// on Linux).
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("KTM_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "ktm").map(|p| p.cache_dir().to_path_buf())
}

/// ktm's data folder (playbook sessions): `$KTM_DATA_DIR`, else the platform's (for
/// example `~/.local/share/ktm` on Linux).
pub fn data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("KTM_DATA_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "ktm").map(|p| p.data_dir().to_path_buf())
}
