//! Tests of the index lifecycle: hits, misses, and every way a cache file can be wrong.

use std::cell::Cell;

use super::*;
use crate::search::SearchOptions;

fn docs() -> Vec<SearchDoc> {
    vec![
        SearchDoc {
            kind: "technique".into(),
            id: "MS-TA9039".into(),
            name: "Resource hijacking".into(),
            aliases: vec!["xmrig".into(), "cryptominer".into()],
            summary: "Run cryptominers on cluster compute.".into(),
            tactics: vec!["impact".into()],
            attack: vec!["T1496".into()],
            ..SearchDoc::default()
        },
        SearchDoc {
            kind: "mitigation".into(),
            id: "MS-M9012".into(),
            name: "Remove tools from container images".into(),
            aliases: vec!["distroless".into()],
            ..SearchDoc::default()
        },
    ]
}

/// Opens through the lifecycle, counting how often the documents had to be produced.
fn open(dir: Option<&Path>, key: Fingerprint, builds: &Cell<u32>) -> (SearchIndex, Provenance) {
    open_or_build(dir, key, || {
        builds.set(builds.get() + 1);
        Ok::<_, SearchError>(docs())
    })
    .expect("never an error")
}

fn top(index: &SearchIndex, query: &str) -> Option<String> {
    let hits = index
        .search(query, &SearchOptions::default())
        .expect("search");
    hits.into_iter().next().map(|h| h.id)
}

fn key(text: &str) -> Fingerprint {
    Fingerprint::of([("matrix/x.yaml", text.as_bytes())])
}

#[test]
fn a_saved_index_is_reused_until_the_content_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let builds = Cell::new(0);
    let (_, first) = open(Some(dir.path()), key("v1"), &builds);
    assert_eq!(first, Provenance::BuiltAndSaved);
    let (index, second) = open(Some(dir.path()), key("v1"), &builds);
    assert_eq!(second, Provenance::Cache);
    assert_eq!(
        builds.get(),
        1,
        "a cache hit does not produce the documents"
    );
    assert_eq!(top(&index, "xmrig").as_deref(), Some("MS-TA9039"));
    assert_eq!(top(&index, "t1496").as_deref(), Some("MS-TA9039"));
    assert_eq!(index.kinds(), ["mitigation", "technique"]);

    let (_, changed) = open(Some(dir.path()), key("v2"), &builds);
    assert_eq!(changed, Provenance::BuiltAndSaved);
    assert_eq!(builds.get(), 2);
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read_dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(files, [std::ffi::OsString::from(key("v2").file_name())]);
}

#[test]
fn a_damaged_cache_file_means_building_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let builds = Cell::new(0);
    open(Some(dir.path()), key("v1"), &builds);
    let path = dir.path().join(key("v1").file_name());
    let good = std::fs::read(&path).expect("cache file");
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    let damaged: [Vec<u8>; 4] = [
        flipped,
        good[..good.len() - 1].to_vec(),
        b"not an index at all".to_vec(),
        Vec::new(),
    ];
    for (i, bytes) in damaged.iter().enumerate() {
        std::fs::write(&path, bytes).expect("write");
        let before = builds.get();
        let (index, provenance) = open(Some(dir.path()), key("v1"), &builds);
        assert_eq!(provenance, Provenance::BuiltAndSaved, "case {i}");
        assert_eq!(builds.get(), before + 1, "case {i}");
        assert_eq!(top(&index, "distroless").as_deref(), Some("MS-M9012"));
    }
}

#[test]
fn an_unusable_cache_folder_means_ram_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let not_a_folder = dir.path().join("file");
    std::fs::write(&not_a_folder, b"x").expect("write");
    let builds = Cell::new(0);
    let (index, provenance) = open(Some(&not_a_folder), key("v1"), &builds);
    assert_eq!(provenance, Provenance::Built);
    assert_eq!(top(&index, "xmrig").as_deref(), Some("MS-TA9039"));
    let (_, provenance) = open(None, key("v1"), &builds);
    assert_eq!(provenance, Provenance::Built);
}

#[test]
fn packing_round_trips_and_rejects_foreign_bytes() {
    let files = vec![
        ("meta.json".to_owned(), b"{}".to_vec()),
        ("a.idx".to_owned(), vec![0u8; 13]),
    ];
    let packed = pack(&files);
    let unpacked = unpack(&packed).expect("unpack");
    assert_eq!(unpacked.len(), 2);
    assert_eq!(unpacked[0], ("meta.json", &b"{}"[..]));
    assert_eq!(unpacked[1].1.len(), 13);
    let mut trailing = packed.clone();
    trailing.push(0);
    assert!(unpack(&trailing).is_none());
    assert!(unpack(&packed[1..]).is_none());
}

#[test]
fn fingerprints_follow_content_and_names() {
    assert_eq!(key("a"), key("a"));
    assert_ne!(key("a"), key("b"));
    assert_ne!(
        Fingerprint::of([("x", &b"ab"[..])]),
        Fingerprint::of([("xa", &b"b"[..])])
    );
    assert_ne!(checksum(&[0; 8]), checksum(&[0; 9]));
}
