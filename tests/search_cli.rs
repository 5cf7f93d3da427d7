//! `ktm search`: output formats, highlights, filters, exit codes and the index cache.

mod common;

use std::path::Path;

use common::{copy_dir, ktm};

fn search_json(config: &Path, args: &[&str]) -> (Vec<serde_json::Value>, i32) {
    let out = ktm(config)
        .arg("search")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("run");
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let rows = rows.as_array().expect("array").clone();
    (rows, out.status.code().unwrap_or(-1))
}

fn first_id(config: &Path, query: &str) -> String {
    let (rows, code) = search_json(config, &[query]);
    assert_eq!(code, 0, "{query}");
    rows[0]["id"].as_str().expect("id").to_owned()
}

#[test]
fn the_issue_queries_put_their_entity_first() {
    let config = tempfile::tempdir().expect("tempdir");
    assert_eq!(first_id(config.path(), "xmrig"), "MS-TA9039");
    assert_eq!(first_id(config.path(), "t1610"), "MS-TA9008");
    assert_eq!(first_id(config.path(), "9018"), "MS-TA9018");
}

#[test]
fn json_rows_have_exactly_the_documented_keys() {
    let config = tempfile::tempdir().expect("tempdir");
    let (rows, code) = search_json(config.path(), &["xmrig", "--limit", "3"]);
    assert_eq!(code, 0);
    assert_eq!(rows.len(), 3);
    for row in &rows {
        let mut keys: Vec<&str> = row
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["id", "kind", "name", "score", "snippet"]);
    }
    assert_eq!(rows[0]["kind"], "technique");
    assert_eq!(rows[0]["name"], "Resource hijacking");
    assert!(
        rows[0]["snippet"]
            .as_str()
            .expect("snippet")
            .contains("xmrig")
    );
    let scores: Vec<f64> = rows
        .iter()
        .map(|r| r["score"].as_f64().expect("score"))
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
}

#[test]
fn the_table_marks_matches_plainly_or_in_reverse_video() {
    let config = tempfile::tempdir().expect("tempdir");
    let out = ktm(config.path())
        .args(["search", "xmrig", "--limit", "2"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    assert!(
        header.starts_with("ID") && header.contains("SNIPPET"),
        "{header}"
    );
    let top = lines.next().expect("first hit");
    assert!(
        top.starts_with("MS-TA9039") && top.contains("«xmrig»"),
        "{top}"
    );
    assert!(!text.contains('\u{1b}'));

    let out = ktm(config.path())
        .args(["search", "xmrig", "--limit", "1", "--color", "always"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\u{1b}[1;7mxmrig\u{1b}[0m"), "{text}");
    assert!(!text.contains('«'));
}

#[test]
fn filters_from_options_and_from_the_query() {
    let config = tempfile::tempdir().expect("tempdir");
    let (rows, _) = search_json(config.path(), &["container", "--kind", "mitigation"]);
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["kind"] == "mitigation"));
    let (by_query, _) = search_json(config.path(), &["kind:mitigation", "container"]);
    assert_eq!(rows, by_query);

    let out = ktm(config.path())
        .args([
            "list",
            "techniques",
            "--tactic",
            "persistence",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let persistence: Vec<&str> = listed
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|t| t["id"].as_str())
        .collect();
    let (rows, _) = search_json(
        config.path(),
        &["pod", "--tactic", "Persistence", "--kind", "technique"],
    );
    assert!(!rows.is_empty());
    for row in &rows {
        let id = row["id"].as_str().expect("id");
        assert!(
            persistence.contains(&id),
            "{id} is not a persistence technique"
        );
    }
}

#[test]
fn nothing_found_exits_1_and_bad_filters_exit_2() {
    let config = tempfile::tempdir().expect("tempdir");
    let (rows, code) = search_json(config.path(), &["qqqzzzxxx"]);
    assert!(rows.is_empty());
    assert_eq!(code, 1);
    let out = ktm(config.path())
        .args(["search", "etcd", "--kind", "bogus"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no kind `bogus`") && err.contains("technique"),
        "{err}"
    );
    let out = ktm(config.path())
        .args(["search", "etcd", "--tactic", "nope"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let out = ktm(config.path())
        .args(["search", "etcd", "--limit", "0"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn malformed_queries_never_fail() {
    let config = tempfile::tempdir().expect("tempdir");
    for query in [
        "\"reverse shell",
        ":",
        "kind:",
        "tactic:\"",
        "\u{1b}[31mred",
    ] {
        let out = ktm(config.path())
            .args(["search", query])
            .output()
            .expect("run");
        assert!(matches!(out.status.code(), Some(0 | 1)), "{query:?}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
    }
}

#[test]
fn the_index_is_cached_and_rebuilt_when_needed() {
    let config = tempfile::tempdir().expect("tempdir");
    let cache = config.path().join("cache");
    let cached = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(&cache)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    ktm(config.path())
        .args(["search", "xmrig", "--no-cache"])
        .assert()
        .success();
    assert!(cached().is_empty(), "--no-cache writes nothing");

    assert_eq!(first_id(config.path(), "xmrig"), "MS-TA9039");
    let files = cached();
    assert_eq!(files.len(), 1);
    // A damaged cache file is rebuilt silently.
    std::fs::write(&files[0], b"garbage").expect("write");
    let out = ktm(config.path())
        .args(["search", "xmrig"])
        .output()
        .expect("run");
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read(&files[0]).expect("cache").len() > 1000);

    // A changed matrix gets a new index, not the cached one.
    let matrix = config.path().join("matrix-copy");
    copy_dir(Path::new("matrix"), &matrix);
    let file = matrix.join("techniques/MS-TA9039.yaml");
    let yaml = std::fs::read_to_string(&file).expect("read");
    std::fs::write(
        &file,
        yaml.replacen("aliases: [", "aliases: [zebrafishminer, ", 1),
    )
    .expect("write");
    let (rows, code) = search_json(
        config.path(),
        &[
            "zebrafishminer",
            "--matrix",
            matrix.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(rows[0]["id"], "MS-TA9039");
    let (rows, code) = search_json(config.path(), &["zebrafishminer"]);
    assert_eq!(
        (rows.len(), code),
        (0, 1),
        "the embedded matrix has no such alias"
    );
}
