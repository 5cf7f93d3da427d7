//! Kubernetes objects to check, read from manifest files and folders or from the JSON of
//! `kubectl get <kinds> -A -o json`. Every object keeps the file and line it came from.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::json::Key;
use crate::matrix::load::{MAX_FILE_BYTES, manifest_documents};

/// One Kubernetes object and where it was read.
#[derive(Clone, Debug)]
pub struct Object {
    pub value: Value,
    /// Shared by every object read from one file.
    pub file: Option<Arc<str>>,
    pub line: Option<u32>,
}

impl Object {
    pub fn new(value: Value) -> Self {
        Self {
            value,
            file: None,
            line: None,
        }
    }

    pub fn kind(&self) -> &str {
        self.value.key("kind").and_then(Value::as_str).unwrap_or("")
    }

    pub fn api_version(&self) -> &str {
        self.value
            .key("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    pub fn name(&self) -> &str {
        self.value
            .at("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// The namespace, `default` for namespaced kinds that omit it, empty when cluster-scoped.
    pub fn namespace(&self) -> &str {
        if is_cluster_scoped(self.kind()) {
            return "";
        }
        self.value
            .at("/metadata/namespace")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or("default")
    }
}

/// [`Value::pointer`] for the literal object paths ktm itself writes (`/metadata/name`):
/// no `~` escapes, no array indices, and none of `pointer`'s two allocations per segment,
/// which showed up as a seventh of building the views.
pub trait At {
    fn at(&self, path: &str) -> Option<&Value>;
}

impl At for Value {
    fn at(&self, path: &str) -> Option<&Value> {
        let mut rest = path.strip_prefix('/')?;
        let mut v = self;
        // Paths are a few short segments: a byte scan beats `split`'s searcher here,
        // and the relations index reads several paths of every object.
        loop {
            match rest.bytes().position(|b| b == b'/') {
                Some(end) => {
                    v = v.key(&rest[..end])?;
                    rest = &rest[end + 1..];
                }
                None => return v.key(rest),
            }
        }
    }
}

/// Largest snapshot file read (its parsed form takes about fifteen times as much memory).
pub const MAX_SNAPSHOT_BYTES: u64 = 512 * 1024 * 1024;
/// Most objects in one run.
pub const MAX_OBJECTS: usize = 1_000_000;

/// Kinds without a namespace.
pub fn is_cluster_scoped(kind: &str) -> bool {
    matches!(
        kind,
        "Namespace"
            | "Node"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "MutatingWebhookConfiguration"
            | "ValidatingWebhookConfiguration"
            | "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding"
            | "PersistentVolume"
            | "StorageClass"
            | "CustomResourceDefinition"
            | "PriorityClass"
            | "APIService"
            | "IngressClass"
            | "RuntimeClass"
            | "CertificateSigningRequest"
    )
}

/// The objects of one run, with what could not be read.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub objects: Vec<Object>,
    pub warnings: Vec<String>,
    /// Kinds that could not be read, with why (a live collection's 403s, timeouts...):
    /// checks whose view needs one of them are `unknown`, never `pass`.
    pub unavailable: std::collections::BTreeMap<String, String>,
}

/// A source that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not JSON: {message}; produce it with `kubectl get <kinds> -A -o json`")]
    Json { path: PathBuf, message: String },
    #[error(
        "{path} is larger than {} MiB; take the snapshot a namespace at a time (--namespace)",
        MAX_SNAPSHOT_BYTES / 1024 / 1024
    )]
    TooLarge { path: PathBuf },
    #[error("more than {MAX_OBJECTS} objects in one run; check a namespace or a folder at a time")]
    TooManyObjects,
}

impl Snapshot {
    /// Objects from manifest files and folders (recursive; YAML or JSON; multi-document;
    /// `kind: List`). Documents that are not Kubernetes objects are skipped with a warning.
    pub fn from_manifests(paths: &[PathBuf]) -> Result<Self, SourceError> {
        let mut snapshot = Snapshot::default();
        let mut files = Vec::new();
        for path in paths {
            collect_files(path, &mut files)?;
        }
        files.sort();
        for file in files {
            snapshot.read_manifest(&file)?;
            snapshot.within_limits()?;
        }
        Ok(snapshot)
    }

    /// Objects from `kubectl get ... -o json` output (a `List`, or a single object).
    pub fn from_json_file(path: &Path) -> Result<Self, SourceError> {
        let io = |source| SourceError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut std::io::Read::take(
                std::fs::File::open(path).map_err(io)?,
                MAX_SNAPSHOT_BYTES + 1,
            ),
            &mut text,
        )
        .map_err(io)?;
        if text.len() as u64 > MAX_SNAPSHOT_BYTES {
            return Err(SourceError::TooLarge {
                path: path.to_path_buf(),
            });
        }
        let value: Value = serde_json::from_str(&text).map_err(|e| SourceError::Json {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        drop(text);
        let mut snapshot = Snapshot::default();
        // A snapshot written by `ktm snapshot` says which kinds it could not read.
        unavailable(value.get("ktm"), &mut snapshot.unavailable);
        snapshot.push_flattened(value, &path.display().to_string().into(), None);
        snapshot.within_limits()?;
        Ok(snapshot)
    }

    fn within_limits(&self) -> Result<(), SourceError> {
        if self.objects.len() > MAX_OBJECTS {
            return Err(SourceError::TooManyObjects);
        }
        Ok(())
    }

    /// Objects given in memory (inline tests, fixtures).
    pub fn from_values(values: impl IntoIterator<Item = Value>) -> Self {
        let mut snapshot = Snapshot::default();
        let inline: Arc<str> = "<inline>".into();
        for value in values {
            snapshot.push_flattened(value, &inline, None);
        }
        snapshot
    }

    fn read_manifest(&mut self, path: &Path) -> Result<(), SourceError> {
        let display: Arc<str> = path.display().to_string().into();
        let limit = 64 * MAX_FILE_BYTES as u64;
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| {
                std::io::Read::read_to_end(&mut std::io::Read::take(f, limit + 1), &mut bytes)
            })
            .map_err(|source| SourceError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        if bytes.len() as u64 > limit {
            self.warnings
                .push(format!("{display}: skipped, larger than 64 MiB"));
            return Ok(());
        }
        let Ok(text) = String::from_utf8(bytes) else {
            self.warnings.push(format!("{display}: skipped, not UTF-8"));
            return Ok(());
        };
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if is_json {
            match serde_json::from_str::<Value>(&text) {
                Ok(value) => self.push_flattened(value, &display, Some(1)),
                Err(e) => self
                    .warnings
                    .push(format!("{display}:{}: skipped, not JSON: {e}", e.line())),
            }
            return Ok(());
        }
        let (docs, diags) = manifest_documents(&display, &text);
        for d in diags {
            self.warnings.push(format!(
                "{}:{}:{}: skipped document: {}",
                d.file, d.line, d.col, d.message
            ));
        }
        for doc in docs {
            self.push_flattened(doc.value, &display, Some(doc.line));
        }
        Ok(())
    }

    fn push_flattened(&mut self, value: Value, file: &Arc<str>, line: Option<u32>) {
        let Snapshot {
            objects, warnings, ..
        } = self;
        flatten(value, file, line, &mut |o| objects.push(o), warnings);
    }
}

/// Splits one parsed document into objects: a `List` into its items (the kind of a typed
/// list's items filled in), a document that is not a Kubernetes object skipped with a
/// warning, null-valued keys dropped.
pub(super) fn flatten(
    value: Value,
    file: &Arc<str>,
    line: Option<u32>,
    out: &mut dyn FnMut(Object),
    warnings: &mut Vec<String>,
) {
    if value.is_null() {
        return;
    }
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
    if value.get("items").is_some_and(Value::is_array) && is_list_kind(kind) {
        let list_kind = kind.strip_suffix("List").unwrap_or("").to_owned();
        // Taken, not cloned: a copy of the items doubled a snapshot's peak memory.
        let items = match value {
            Value::Object(mut map) => map.remove("items"),
            _ => None,
        };
        let Some(Value::Array(items)) = items else {
            return;
        };
        for item in items {
            flatten(list_item(item, &list_kind), file, line, out, warnings);
        }
        return;
    }
    if kind.is_empty() || value.get("metadata").is_none() {
        let at = line.map(|l| format!(":{l}")).unwrap_or_default();
        warnings.push(format!(
            "{file}{at}: skipped a document that is not a Kubernetes object (no kind or metadata)"
        ));
        return;
    }
    let mut value = value;
    strip_nulls(&mut value);
    out(Object {
        value,
        file: Some(Arc::clone(file)),
        line,
    });
}

/// The kinds a snapshot written by `ktm snapshot` says it could not read (`ktm.unavailable`).
pub(super) fn unavailable(
    ktm: Option<&Value>,
    into: &mut std::collections::BTreeMap<String, String>,
) {
    let missing = ktm
        .and_then(|k| k.get("unavailable"))
        .and_then(Value::as_object);
    for (kind, reason) in missing.into_iter().flatten() {
        let reason = reason.as_str().unwrap_or("could not be read").to_owned();
        into.insert(kind.clone(), reason);
    }
}

/// Whether a document of this kind is a list of objects (`List`, `PodList`...).
pub(super) fn is_list_kind(kind: &str) -> bool {
    kind == "List" || kind.ends_with("List")
}

/// An item of a list: `kubectl get pods -o json` items of a `PodList` may omit their
/// kind, which the list's kind gives.
pub(super) fn list_item(mut item: Value, list_kind: &str) -> Value {
    if item.get("kind").is_none()
        && !list_kind.is_empty()
        && let Some(map) = item.as_object_mut()
    {
        map.insert("kind".to_owned(), Value::String(list_kind.to_owned()));
    }
    item
}

/// Drops null-valued keys, as the API server does: `volumes: null` from a Helm render
/// means the field is unset, and expressions should see it as absent.
fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), SourceError> {
    let meta = std::fs::metadata(path).map_err(|source| SourceError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        // Regular files, and pipes such as /dev/stdin (`helm template ... | ktm check`).
        out.push(path.to_path_buf());
        return Ok(());
    }
    let entries = std::fs::read_dir(path).map_err(|source| SourceError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    for entry in entries.flatten() {
        let p = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        if p.is_dir() {
            collect_files(&p, out)?;
        } else if p.extension().is_some_and(|e| {
            ["yaml", "yml", "json"]
                .iter()
                .any(|x| e.eq_ignore_ascii_case(x))
        }) {
            out.push(p);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::At;
    use serde_json::json;

    /// `at` reads a path as `pointer` does, for the paths without escapes it is used on.
    #[test]
    fn at_reads_a_path_like_pointer() {
        let v = json!({"a": {"b": {"c": 1}, "": {"d": 2}}});
        for path in "/a /a/b /a/b/c /a//d /a/b/c/d /nope / /a/".split(' ') {
            assert_eq!(v.at(path), v.pointer(path), "{path}");
        }
        assert_eq!((v.at(""), v.at("a")), (None, None), "a path starts with /");
    }
}
