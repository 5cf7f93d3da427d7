//! The CLI contract: list, show, completions, help, exit codes and broken pipes.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};

use common::ktm;

fn json(args: &[&str]) -> serde_json::Value {
    let config = tempfile::tempdir().expect("tempdir");
    let out = ktm(config.path()).args(args).output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn list_gives_40_techniques_and_35_mitigations() {
    let techniques = json(&["list", "techniques", "--format", "json"]);
    let techniques = techniques.as_array().expect("array");
    assert_eq!(techniques.len(), 40);
    assert_eq!(techniques[0]["id"], "MS-TA9001");
    assert_eq!(techniques[0]["name"], "Using cloud credentials");
    assert_eq!(
        techniques[0]["tactics"],
        serde_json::json!(["initial-access"])
    );
    let mitigations = json(&["list", "mitigations", "--format", "json"]);
    assert_eq!(mitigations.as_array().expect("array").len(), 35);
    let tactics = json(&["list", "tactics", "--format", "json"]);
    assert_eq!(tactics.as_array().expect("array").len(), 10);
    assert_eq!(tactics[3]["id"], "privilege-escalation");
    assert_eq!(
        tactics[3]["techniques"],
        serde_json::json!(["MS-TA9013", "MS-TA9018", "MS-TA9019", "MS-TA9020"])
    );
}

#[test]
fn list_filters_by_tactic_name_or_slug() {
    let by_slug = json(&[
        "list",
        "techniques",
        "--tactic",
        "persistence",
        "--format",
        "json",
    ]);
    let by_name = json(&[
        "list",
        "techniques",
        "--tactic",
        "Persistence",
        "--format",
        "json",
    ]);
    assert_eq!(by_slug, by_name);
    let ids: Vec<&str> = by_slug
        .as_array()
        .expect("array")
        .iter()
        .map(|t| t["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        ids,
        [
            "MS-TA9012",
            "MS-TA9013",
            "MS-TA9014",
            "MS-TA9015",
            "MS-TA9016",
            "MS-TA9017"
        ]
    );
    let config = tempfile::tempdir().expect("tempdir");
    let out = ktm(config.path())
        .args(["list", "techniques", "--tactic", "nope"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no tactic `nope`; known: initial-access")
    );
}

#[test]
fn list_table_is_aligned() {
    let config = tempfile::tempdir().expect("tempdir");
    let out = ktm(config.path())
        .args(["list", "mitigations"])
        .output()
        .expect("run");
    let stdout = String::from_utf8(out.stdout).expect("utf8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 36);
    assert!(lines[0].starts_with("ID "));
    let name_col = lines[0].find("NAME").expect("NAME column");
    assert!(
        lines
            .iter()
            .skip(1)
            .all(|l| l.get(name_col - 2..name_col) == Some("  ")),
        "{stdout}"
    );
}

#[test]
fn show_prints_a_technique_with_tactics_mitigations_and_attack_ids() {
    let config = tempfile::tempdir().expect("tempdir");
    let out = ktm(config.path())
        .args(["show", "MS-TA9018", "--width", "80"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf8");
    assert!(
        text.starts_with("MS-TA9018 · Privileged container\n"),
        "{text}"
    );
    assert!(
        text.contains("Tactics Privilege Escalation · ATT&CK T1610"),
        "{text}"
    );
    for id in ["MS-M9013", "MS-M9017", "MS-M9005.003"] {
        assert!(text.contains(id), "{id} in {text}");
    }
    assert!(
        text.lines()
            .all(|l| unicode_width(l) <= 80 || l.starts_with("  ") || l.starts_with("    ")),
        "{text}"
    );
    assert!(
        !text.contains('\u{1b}'),
        "no escape codes when NO_COLOR is set"
    );
}

fn unicode_width(s: &str) -> usize {
    s.chars().count()
}

#[test]
fn show_accepts_lower_case_and_bare_numbers_and_formats() {
    let a = json(&["show", "ms-ta9018", "--format", "json"]);
    let b = json(&["show", "9018", "--format", "json"]);
    assert_eq!(a, b);
    assert_eq!(a["attack"], serde_json::json!(["T1610"]));
    let m = json(&["show", "MS-M9005.003", "--format", "json"]);
    assert_eq!(m["parent"], "MS-M9005");
    let config = tempfile::tempdir().expect("tempdir");
    let out = ktm(config.path())
        .args(["show", "MS-M9013", "--format", "markdown"])
        .output()
        .expect("run");
    let md = String::from_utf8(out.stdout).expect("utf8");
    assert!(
        md.starts_with("# MS-M9013 · Restrict over permissive containers"),
        "{md}"
    );
    assert!(
        md.contains("## Techniques addressed")
            && md.contains("- **MS-TA9018** Privileged container"),
        "{md}"
    );
}

#[test]
fn show_unknown_id_exits_1_with_a_hint() {
    let config = tempfile::tempdir().expect("tempdir");
    let out = ktm(config.path())
        .args(["show", "MS-TA9999"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .contains("no technique, mitigation, tactic, playbook or scenario with id `MS-TA9999`"),
        "{stderr}"
    );
}

#[test]
fn help_documents_exit_codes_on_every_command() {
    for args in [
        &["--help"][..],
        &["list", "--help"],
        &["show", "--help"],
        &["validate", "--help"],
        &["search", "--help"],
        &["completions", "--help"],
    ] {
        let config = tempfile::tempdir().expect("tempdir");
        let out = ktm(config.path()).args(args).output().expect("run");
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("Exit codes:") && text.contains("2  operational error"),
            "{args:?}: {text}"
        );
    }
}

#[test]
fn completions_are_generated() {
    let config = tempfile::tempdir().expect("tempdir");
    let out = ktm(config.path())
        .args(["completions", "bash"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("_ktm()") && text.contains("validate"),
        "{text}"
    );
}

#[test]
fn bare_ktm_without_a_terminal_points_at_the_commands_and_exits_2() {
    let config = tempfile::tempdir().expect("tempdir");
    let out = ktm(config.path()).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.starts_with("error: ktm's terminal UI needs a terminal")
            && text.contains("ktm search")
            && text.contains("ktm show"),
        "{text}"
    );
}

#[test]
fn a_closed_pipe_is_success() {
    let config = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("ktm"))
        .args(["list", "techniques", "--format", "json"])
        .env("KTM_CONFIG_DIR", config.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
