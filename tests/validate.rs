//! `ktm validate`: one invalid fixture per rule with its exact diagnostics, generated
//! hostile inputs (5 MiB file, wide alias bomb), exit codes, and the shipped matrix.

mod common;

use std::path::Path;

use common::{copy_dir, ktm};

fn validate(dir: &str) -> (i32, String) {
    let config = tempfile::tempdir().expect("tempdir");
    let out = ktm(config.path())
        .args(["validate", dir])
        .output()
        .expect("run");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).expect("utf8"),
    )
}

#[test]
fn every_invalid_fixture_yields_its_exact_diagnostics() {
    let root = Path::new("tests/fixtures/invalid");
    let mut names: Vec<String> = std::fs::read_dir(root)
        .expect("fixtures")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.len() >= 20,
        "one fixture per rule, found {}",
        names.len()
    );
    for name in names {
        let expected = std::fs::read_to_string(root.join(format!("{name}.expected")))
            .unwrap_or_else(|_| panic!("{name}.expected is missing"));
        let (code, stdout) = validate(&format!("tests/fixtures/invalid/{name}"));
        assert_eq!(stdout, expected, "diagnostics of fixture {name}");
        let rule = name.split('-').next().expect("rule prefix").to_uppercase();
        assert!(
            stdout.contains(&format!("{rule} ")),
            "{name} must report {rule}"
        );
        let want = i32::from(!rule.starts_with('W'));
        assert_eq!(code, want, "exit code of fixture {name}");
    }
}

#[test]
fn valid_fixture_passes_cleanly() {
    let (code, stdout) = validate("tests/fixtures/valid");
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        stdout,
        "ok: 0 error(s), 0 warning(s) in 2 tactics, 2 techniques, 2 mitigations, 1 playbooks, 1 scenarios\n"
    );
}

#[test]
fn shipped_matrix_has_no_errors() {
    let (code, stdout) = validate("matrix");
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("in 10 tactics, 40 techniques, 35 mitigations"),
        "{stdout}"
    );
}

#[test]
fn a_five_mib_file_is_rejected_without_parsing() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(Path::new("tests/fixtures/valid"), dir.path());
    let big = dir.path().join("techniques/MS-TA9009.yaml");
    let mut text = String::from("id: MS-TA9009\ndescription: |\n");
    while text.len() < 5 * 1024 * 1024 {
        text.push_str("  lots and lots of words in a very large file\n");
    }
    std::fs::write(&big, text).expect("write");
    let (code, stdout) = validate(dir.path().to_str().expect("path"));
    assert_eq!(code, 1);
    assert!(
        stdout.contains("E016 ")
            && stdout.contains("MS-TA9009.yaml:1:1: file is larger than 1024 KiB"),
        "{stdout}"
    );
}

#[test]
fn a_wide_alias_bomb_is_rejected() {
    // One 2,000-item anchor aliased 50,000 times: ~160 KB that expands to 100 M nodes.
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(Path::new("tests/fixtures/valid"), dir.path());
    let mut text = String::from("id: MS-TA9009\naliases: &a [");
    text.push_str(&vec!["x"; 2000].join(","));
    text.push_str("]\nreferences: [");
    text.push_str(&vec!["*a"; 50_000].join(","));
    text.push_str("]\n");
    assert!(text.len() > 150_000);
    std::fs::write(dir.path().join("techniques/MS-TA9009.yaml"), text).expect("write");
    let (code, stdout) = validate(dir.path().to_str().expect("path"));
    assert_eq!(code, 1);
    assert!(
        stdout.contains("E017 ") && stdout.contains("alias bomb"),
        "{stdout}"
    );
}

#[test]
fn an_unreadable_folder_exits_2() {
    let config = tempfile::tempdir().expect("tempdir");
    let out = ktm(config.path())
        .args(["validate", "tests/fixtures/does-not-exist"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot read matrix folder tests/fixtures/does-not-exist"),
        "{stderr}"
    );
}

#[test]
fn json_format_lists_every_diagnostic() {
    let config = tempfile::tempdir().expect("tempdir");
    let out = ktm(config.path())
        .args([
            "validate",
            "tests/fixtures/invalid/e008-unknown-mitigation",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let diags: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let codes: Vec<&str> = diags
        .as_array()
        .expect("array")
        .iter()
        .map(|d| d["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, ["E013", "E008"]);
    assert_eq!(diags[1]["line"], 15);
    assert_eq!(diags[1]["col"], 9);
}

#[test]
fn user_overlay_replaces_and_adds_entities_and_is_validated() {
    let config = tempfile::tempdir().expect("tempdir");
    let overlay = config.path().join("matrix/techniques");
    std::fs::create_dir_all(&overlay).expect("mkdir");
    let original = std::fs::read_to_string("matrix/techniques/MS-TA9039.yaml").expect("read");
    let renamed = original.replacen(
        "name: \"Resource hijacking\"",
        "name: \"Resource hijacking (local)\"",
        1,
    );
    assert_ne!(original, renamed, "the fixture edit must apply");
    std::fs::write(overlay.join("MS-TA9039.yaml"), renamed).expect("write");
    std::fs::write(
        overlay.join("MS-TA9050.yaml"),
        "id: MS-TA9050\nname: Team technique\ntactics: [impact]\nsummary: s\ndescription: d\nmitigations:\n  - id: MS-M9099\n",
    )
    .expect("write");
    let out = ktm(config.path())
        .args(["show", "MS-TA9039", "--format", "json"])
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["name"], "Resource hijacking (local)");
    let out = ktm(config.path()).args(["validate"]).output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("matrix/techniques/MS-TA9050.yaml:7:9: mitigation MS-M9099 does not exist"),
        "{stdout}"
    );
    assert!(stdout.contains("41 techniques"), "{stdout}");
    let out = ktm(config.path())
        .args(["--no-user-matrix", "validate"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
}
