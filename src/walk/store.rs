//! Sessions on disk: `<data dir>/sessions/<session>/<playbook>.json`, written atomically.

use std::path::{Path, PathBuf};

use super::{Session, VERSION};
use crate::fsutil::write_atomic;

/// What can go wrong keeping sessions.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "session name `{0}` is not allowed: use 1 to 64 letters, digits, '.', '_' or '-' (for example drill-1)"
    )]
    BadName(String),
    #[error("cannot read session file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("session file {} is damaged ({reason}); move it away to start the session again", path.display())]
    Damaged { path: PathBuf, reason: String },
    #[error("cannot write session file {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The folder that holds every session.
#[derive(Clone, Debug)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join("sessions"),
        }
    }

    /// Where a session is kept (after checking its name).
    pub fn path(&self, session: &str, playbook: &str) -> Result<PathBuf, StoreError> {
        check_name(session)?;
        check_name(playbook)?;
        Ok(self.root.join(session).join(format!("{playbook}.json")))
    }

    /// The saved session, or `None` when there is none yet.
    pub fn load(&self, session: &str, playbook: &str) -> Result<Option<Session>, StoreError> {
        let path = self.path(session, playbook)?;
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(StoreError::Read { path, source }),
        };
        let parsed: Session = serde_json::from_slice(&bytes).map_err(|e| StoreError::Damaged {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        if parsed.version != VERSION {
            return Err(StoreError::Damaged {
                path,
                reason: format!("version {} where {VERSION} is expected", parsed.version),
            });
        }
        Ok(Some(parsed))
    }

    pub fn save(&self, session: &Session) -> Result<PathBuf, StoreError> {
        let path = self.path(&session.name, &session.playbook)?;
        let mut text = serde_json::to_vec_pretty(session).unwrap_or_default();
        text.push(b'\n');
        write_atomic(&path, &text).map_err(|source| StoreError::Write {
            path: path.clone(),
            source,
        })?;
        Ok(path)
    }

    /// Every saved session under this name, by playbook id.
    pub fn sessions(&self, session: &str) -> Result<Vec<Session>, StoreError> {
        check_name(session)?;
        let dir = self.root.join(session);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(StoreError::Read { path: dir, source }),
        };
        let mut ids: Vec<String> = entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".json").map(str::to_owned)
            })
            .filter(|id| check_name(id).is_ok())
            .collect();
        ids.sort();
        let mut out = Vec::new();
        for id in ids {
            if let Some(s) = self.load(session, &id)? {
                out.push(s);
            }
        }
        Ok(out)
    }
}

fn check_name(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadName(
            crate::text::sanitize::sanitize(name).into_owned(),
        ))
    }
}
