//! Key bindings as data: `assets/keymap.toml` per mode, with the user's overrides on top.

mod key;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use key::Key;

use super::action::Action;
use super::app::Mode;

/// The default keymap, compiled in.
pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// A table of the keymap file; `Browse` applies to the matrix and pages, `Global` to all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Global,
    Browse,
    Matrix,
    Detail,
    Search,
    Command,
    Help,
    Walk,
}

impl Section {
    pub const ALL: [Section; 8] = [
        Section::Global,
        Section::Browse,
        Section::Matrix,
        Section::Detail,
        Section::Search,
        Section::Command,
        Section::Help,
        Section::Walk,
    ];

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Section::Global => "global",
            Section::Browse => "browse",
            Section::Matrix => "matrix",
            Section::Detail => "detail",
            Section::Search => "search",
            Section::Command => "command",
            Section::Help => "help",
            Section::Walk => "walk",
        }
    }

    /// Heading in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Section::Global => "Everywhere",
            Section::Browse => "Matrix and pages",
            Section::Matrix => "Matrix",
            Section::Detail => "Technique, mitigation and tactic pages",
            Section::Search => "Search (after /)",
            Section::Command => "Command line (after :) and step notes (after n)",
            Section::Help => "This help",
            Section::Walk => "Playbook walkthrough",
        }
    }

    /// The tables that apply in a mode, most specific first.
    pub fn for_mode(mode: Mode) -> &'static [Section] {
        match mode {
            Mode::Matrix => &[Section::Matrix, Section::Browse, Section::Global],
            Mode::Detail => &[Section::Detail, Section::Browse, Section::Global],
            Mode::Search => &[Section::Search, Section::Global],
            Mode::Command | Mode::Note => &[Section::Command, Section::Global],
            Mode::Help => &[Section::Help, Section::Global],
            Mode::Walk => &[Section::Walk, Section::Global],
        }
    }
}

/// A problem with a keymap file: what is wrong, where, and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum KeymapError {
    #[error("could not read the keymap {}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{origin}: {message}")]
    Syntax { origin: String, message: String },
    #[error(
        "{origin}: unknown mode [{mode}]; the modes are global, browse, matrix, detail, search, command, help, walk"
    )]
    UnknownMode { origin: String, mode: String },
    #[error(
        "{origin}: [{mode}] unknown action `{name}`; the default keymap (assets/keymap.toml) lists the names"
    )]
    UnknownAction {
        origin: String,
        mode: String,
        name: String,
    },
    #[error("{origin}: [{mode}] {action}: {message}")]
    BadKey {
        origin: String,
        mode: String,
        action: String,
        message: String,
    },
    #[error(
        "{origin}: key `{key}` is bound twice for [{mode}]: to {first} and to {second}; unbind one of them"
    )]
    Duplicate {
        origin: String,
        mode: String,
        key: String,
        first: String,
        second: String,
    },
}

type Bindings = Vec<(Action, Vec<Key>)>;

/// Bindings per section, checked free of duplicates.
#[derive(Clone, Debug)]
pub struct Keymap {
    sections: BTreeMap<Section, Bindings>,
}

impl Keymap {
    /// The compiled-in default keymap.
    pub fn default_keymap() -> Result<Self, KeymapError> {
        Self::parse(DEFAULT_KEYMAP, "assets/keymap.toml")
    }

    /// The default keymap with the user's file (if it exists) laid over it.
    pub fn load(user_file: Option<&Path>) -> Result<Self, KeymapError> {
        let keymap = Self::default_keymap()?;
        match user_file {
            Some(path) if path.is_file() => {
                let text = std::fs::read_to_string(path).map_err(|source| KeymapError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                keymap.with_overrides(&text, &path.display().to_string())
            }
            _ => Ok(keymap),
        }
    }

    /// Parses a complete keymap.
    pub fn parse(text: &str, origin: &str) -> Result<Self, KeymapError> {
        let empty = Self {
            sections: BTreeMap::new(),
        };
        empty.with_overrides(text, origin)
    }

    /// Replaces the keys of every action the file names, per mode, and re-checks.
    pub fn with_overrides(mut self, text: &str, origin: &str) -> Result<Self, KeymapError> {
        let file: BTreeMap<String, BTreeMap<String, Vec<String>>> =
            toml::from_str(text).map_err(|e| KeymapError::Syntax {
                origin: origin.to_owned(),
                message: e.message().to_owned(),
            })?;
        for (mode, table) in file {
            let section = Section::parse(&mode).ok_or_else(|| KeymapError::UnknownMode {
                origin: origin.to_owned(),
                mode: mode.clone(),
            })?;
            let bindings = self.sections.entry(section).or_default();
            for (name, keys) in table {
                let action =
                    Action::from_name(&name).ok_or_else(|| KeymapError::UnknownAction {
                        origin: origin.to_owned(),
                        mode: mode.clone(),
                        name: name.clone(),
                    })?;
                let keys = keys
                    .iter()
                    .map(|k| Key::parse(k))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|message| KeymapError::BadKey {
                        origin: origin.to_owned(),
                        mode: mode.clone(),
                        action: name.clone(),
                        message,
                    })?;
                bindings.retain(|(a, _)| *a != action);
                bindings.push((action, keys));
            }
            bindings.sort_by_key(|(a, _)| a.order());
        }
        self.check_duplicates(origin)?;
        Ok(self)
    }

    fn check_duplicates(&self, origin: &str) -> Result<(), KeymapError> {
        for mode in Mode::ALL {
            let mut seen: HashMap<Key, String> = HashMap::new();
            for section in Section::for_mode(mode) {
                for (action, keys) in self.sections.get(section).into_iter().flatten() {
                    let here =
                        format!("[{}] {}", section.name(), action.name().unwrap_or_default());
                    for key in keys {
                        if let Some(first) = seen.insert(*key, here.clone()) {
                            return Err(KeymapError::Duplicate {
                                origin: origin.to_owned(),
                                mode: Section::for_mode(mode)[0].name().to_owned(),
                                key: key.to_string(),
                                first,
                                second: here,
                            });
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The action bound to `key` in `mode`, if any.
    pub fn action(&self, mode: Mode, key: Key) -> Option<Action> {
        Section::for_mode(mode).iter().find_map(|section| {
            self.sections
                .get(section)?
                .iter()
                .find_map(|(action, keys)| keys.contains(&key).then(|| action.clone()))
        })
    }

    /// The keys that trigger `action` in `mode`, most specific table first.
    pub fn keys_for(&self, mode: Mode, action: &Action) -> Vec<Key> {
        Section::for_mode(mode)
            .iter()
            .filter_map(|section| self.sections.get(section))
            .flatten()
            .filter(|(a, _)| a == action)
            .flat_map(|(_, keys)| keys.iter().copied())
            .collect()
    }

    /// Every section with its bindings in action order: what the help overlay lists.
    pub fn sections(&self) -> impl Iterator<Item = (Section, &[(Action, Vec<Key>)])> {
        self.sections
            .iter()
            .filter(|(_, b)| b.iter().any(|(_, keys)| !keys.is_empty()))
            .map(|(s, b)| (*s, b.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_an_actions_keys() {
        let keymap = Keymap::default_keymap()
            .expect("default")
            .with_overrides("[matrix]\nmove_up = [\"w\"]\n", "user")
            .expect("override");
        let w = Key::parse("w").expect("w");
        let k = Key::parse("k").expect("k");
        assert_eq!(keymap.action(Mode::Matrix, w), Some(Action::MoveUp));
        assert_eq!(keymap.action(Mode::Matrix, k), None);
        assert_eq!(keymap.action(Mode::Detail, k), Some(Action::MoveUp));
    }

    #[test]
    fn the_default_keymap_binds_every_key_once() {
        let keymap = Keymap::default_keymap().expect("the default keymap has no duplicates");
        let q = Key::parse("q").expect("q");
        assert_eq!(keymap.action(Mode::Matrix, q), Some(Action::Quit));
        assert_eq!(keymap.action(Mode::Search, q), None, "q is typed in search");
    }

    #[test]
    fn duplicate_bindings_are_refused() {
        let same_table = "[matrix]\nmove_up = [\"k\"]\nmove_down = [\"k\"]\n";
        let err = Keymap::parse(same_table, "a.toml").expect_err("duplicate");
        assert_eq!(
            err.to_string(),
            "a.toml: key `k` is bound twice for [matrix]: to [matrix] move_up and to [matrix] move_down; unbind one of them"
        );
        let across = "[browse]\nquit = [\"x\"]\n[detail]\nopen = [\"x\"]\n";
        assert!(matches!(
            Keymap::parse(across, "b.toml"),
            Err(KeymapError::Duplicate { .. })
        ));
        let user = "[matrix]\nmove_down = [\"q\"]\n";
        let err = Keymap::default_keymap()
            .expect("default")
            .with_overrides(user, "user.toml")
            .expect_err("q is quit in [browse]");
        assert!(err.to_string().contains("key `q` is bound twice"), "{err}");
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let err = |text: &str| {
            Keymap::parse(text, "user.toml")
                .expect_err("must fail")
                .to_string()
        };
        assert!(err("[nowhere]\nquit = [\"q\"]").contains("unknown mode [nowhere]"));
        assert!(err("[matrix]\nfly = [\"q\"]").contains("unknown action `fly`"));
        assert!(err("[matrix]\nquit = [\"hyper-q\"]").contains("unknown key `hyper-q`"));
        assert!(err("[matrix]\nquit = [").starts_with("user.toml: "));
    }
}
