//! The index lifecycle: reuse an index saved in the cache folder when the matrix files are
//! unchanged, else build it in RAM (and save it for next time).
//!
//! A cached index is keyed by a [`Fingerprint`] of the matrix source files, ktm's version
//! and the code that decides what is indexed, so a hit skips parsing the YAML as well as
//! indexing. Anything wrong with the cache (missing, unreadable, truncated, corrupt, from
//! another schema, not writable) only means building in RAM: never an error for the user.
//! Why this is the default, with measurements, is in `docs/performance.md`.

use std::collections::BTreeSet;
use std::hash::Hasher;
use std::path::{Path, PathBuf};

use tantivy::directory::RamDirectory;
use tantivy::{Directory, Index};

use super::{SearchDoc, SearchError, SearchIndex};

/// First bytes of a cache file; the last byte is the container format's version.
const MAGIC: &[u8; 8] = b"KTMIDX\0\x01";
/// The code whose changes change the index: hashed into every key.
const INDEXING_CODE: [&str; 3] = [
    include_str!("schema.rs"),
    include_str!("indexer.rs"),
    include_str!("document.rs"),
];

/// Identifies the content an index is built from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint(pub u64);

impl Fingerprint {
    /// The fingerprint of named byte strings (the matrix files), in the order given.
    pub fn of<'a>(parts: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Self {
        let mut hash = WordHasher::default();
        hash.write(env!("CARGO_PKG_VERSION").as_bytes());
        for code in INDEXING_CODE {
            hash.write(code.as_bytes());
        }
        for (name, bytes) in parts {
            hash.write_usize(name.len());
            hash.write(name.as_bytes());
            hash.write_usize(bytes.len());
            hash.write(bytes);
        }
        Self(hash.finish())
    }

    fn file_name(self) -> String {
        format!("search-{:016x}.idx", self.0)
    }
}

/// Where the index in use came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provenance {
    /// Read from the cache folder.
    Cache,
    /// Built in RAM and saved to the cache folder.
    BuiltAndSaved,
    /// Built in RAM only (no cache folder, or it could not be written).
    Built,
}

/// Opens the cached index for `key` from `cache_dir`, or builds one from the documents
/// `build` returns and tries to save it. `build` runs only when the cache cannot serve.
pub fn open_or_build<E, F>(
    cache_dir: Option<&Path>,
    key: Fingerprint,
    build: F,
) -> Result<(SearchIndex, Provenance), E>
where
    F: FnOnce() -> Result<Vec<SearchDoc>, E>,
    E: From<SearchError>,
{
    if let Some(dir) = cache_dir
        && let Ok(index) = read(&dir.join(key.file_name()))
    {
        return Ok((index, Provenance::Cache));
    }
    let index = SearchIndex::build(&build()?)?;
    let saved = cache_dir.is_some_and(|dir| save(dir, key, &index).is_ok());
    let provenance = if saved {
        Provenance::BuiltAndSaved
    } else {
        Provenance::Built
    };
    Ok((index, provenance))
}

/// Reads a cache file back into a searchable index.
fn read(path: &Path) -> Result<SearchIndex, SearchError> {
    let bytes = std::fs::read(path)?;
    let directory = RamDirectory::create();
    for (name, data) in unpack(&bytes).ok_or(SearchError::CorruptCache)? {
        directory.atomic_write(Path::new(name), data)?;
    }
    SearchIndex::open(Index::open(directory)?)
}

/// Saves the index files as one cache file (written aside, then renamed into place) and
/// removes cache files of other keys.
fn save(dir: &Path, key: Fingerprint, index: &SearchIndex) -> Result<(), SearchError> {
    let directory = index.searcher.index().directory();
    let mut names: BTreeSet<PathBuf> = directory.list_managed_files().into_iter().collect();
    names.insert(PathBuf::from("meta.json"));
    let mut files = Vec::with_capacity(names.len());
    for name in names {
        let Some(text) = name.to_str().map(str::to_owned) else {
            return Err(SearchError::CorruptCache);
        };
        let data = directory
            .atomic_read(&name)
            .map_err(|e| SearchError::Engine(e.into()))?;
        files.push((text, data));
    }
    std::fs::create_dir_all(dir)?;
    let target = dir.join(key.file_name());
    let temporary = dir.join(format!("{}.{}.tmp", key.file_name(), std::process::id()));
    std::fs::write(&temporary, pack(&files))?;
    if let Err(err) = std::fs::rename(&temporary, &target) {
        let _ = std::fs::remove_file(&temporary);
        return Err(err.into());
    }
    for entry in std::fs::read_dir(dir)?.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("search-") && name.ends_with(".idx") && name != key.file_name() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(())
}

/// `MAGIC`, checksum of the rest (u64), file count (u32), then per file: name length
/// (u32), name, data length (u64), data. Little endian.
fn pack(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let total: usize = files.iter().map(|(n, d)| 12 + n.len() + d.len()).sum();
    let mut body = Vec::with_capacity(total + 4);
    body.extend_from_slice(&u32::try_from(files.len()).unwrap_or(u32::MAX).to_le_bytes());
    for (name, data) in files {
        body.extend_from_slice(&u32::try_from(name.len()).unwrap_or(u32::MAX).to_le_bytes());
        body.extend_from_slice(name.as_bytes());
        body.extend_from_slice(&(data.len() as u64).to_le_bytes());
        body.extend_from_slice(data);
    }
    let mut out = Vec::with_capacity(body.len() + 16);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&checksum(&body).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// The files of a cache file; `None` when it is not one or is damaged.
fn unpack(bytes: &[u8]) -> Option<Vec<(&str, &[u8])>> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let (sum, body) = rest.split_at_checked(8)?;
    if u64::from_le_bytes(sum.try_into().ok()?) != checksum(body) {
        return None;
    }
    let mut reader = Reader(body);
    let count = reader.u32()?;
    let mut files = Vec::new();
    for _ in 0..count {
        let name_len = usize::try_from(reader.u32()?).ok()?;
        let name = std::str::from_utf8(reader.take(name_len)?).ok()?;
        let data_len = usize::try_from(reader.u64()?).ok()?;
        files.push((name, reader.take(data_len)?));
    }
    reader.0.is_empty().then_some(files)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, tail) = self.0.split_at_checked(n)?;
        self.0 = tail;
        Some(head)
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

fn checksum(bytes: &[u8]) -> u64 {
    let mut hash = WordHasher::default();
    hash.write(bytes);
    hash.finish()
}

/// A fast 64-bit hash over 8-byte words (the `FxHash` step). Every step is a bijection of
/// the state, so changing any one word always changes the result: good enough to key a
/// cache and to catch damaged files, not meant to resist an adversary.
#[derive(Default)]
struct WordHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut buf = [0u8; 8];
            buf.copy_from_slice(word);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(buf)).wrapping_mul(SEED);
        }
        let tail = words.remainder();
        let mut buf = [0u8; 8];
        buf[..tail.len()].copy_from_slice(tail);
        buf[7] = u8::try_from(tail.len()).unwrap_or(0) | 0x80;
        self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(buf)).wrapping_mul(SEED);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;
