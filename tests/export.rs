//! `ktm export`: the Navigator layer is a valid 4.5 layer whose technique ids exist in
//! ATT&CK (the reference copies in `tests/fixtures/`), scored by findings when given; the
//! markdown site has no broken internal link; the JSON document holds the whole matrix.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::ktm;
use serde_json::Value;

fn known_attack_ids() -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let containers = std::fs::read_to_string("tests/fixtures/reference-attack-containers.yaml")
        .expect("attack reference");
    let containers = ktm::matrix::load::yaml_value("attack", &containers).expect("yaml");
    for t in containers["techniques"].as_array().expect("techniques") {
        ids.insert(t["id"].as_str().expect("id").to_owned());
    }
    let ms = std::fs::read_to_string("tests/fixtures/reference-ms-k8s-threat-matrix.yaml")
        .expect("ms reference");
    let ms = ktm::matrix::load::yaml_value("ms", &ms).expect("yaml");
    for t in ms["techniques"].as_array().expect("techniques") {
        for a in t["mitre_techniques"].as_array().into_iter().flatten() {
            ids.insert(a.as_str().expect("id").to_owned());
        }
    }
    ids
}

fn layer(config: &Path, args: &[&str]) -> Value {
    let out = ktm(config)
        .args(["export", "navigator"])
        .args(args)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

fn assert_valid_layer(layer: &Value, known: &BTreeSet<String>) {
    assert_eq!(layer["versions"]["layer"], "4.5");
    assert_eq!(layer["domain"], "enterprise-attack");
    assert!(layer["name"].as_str().is_some_and(|n| !n.is_empty()));
    let techniques = layer["techniques"].as_array().expect("techniques");
    assert!(techniques.len() >= 25, "{} techniques", techniques.len());
    for t in techniques {
        let id = t["techniqueID"].as_str().expect("techniqueID");
        assert!(
            known.contains(id),
            "{id} is not an ATT&CK technique of the references"
        );
        assert!(
            t["comment"].as_str().is_some_and(|c| c.contains("MS-TA9")),
            "{t}"
        );
        assert!(t["score"].is_u64(), "{t}");
    }
}

#[test]
fn navigator_layers_are_valid_and_scored_by_findings() {
    let known = known_attack_ids();
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = layer(dir.path(), &[]);
    assert_valid_layer(&plain, &known);
    // With check results: T1610 (privileged and new containers) carries findings.
    let out = ktm(dir.path())
        .args([
            "check",
            "--manifests",
            "tests/fixtures/manifests",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .output()
        .expect("check");
    let results = dir.path().join("results.json");
    std::fs::write(&results, &out.stdout).expect("write");
    let file = dir.path().join("layer.json");
    ktm(dir.path())
        .args([
            "export",
            "navigator",
            "--from-check",
            results.to_str().expect("path"),
            "-o",
            file.to_str().expect("path"),
        ])
        .assert()
        .success();
    let scored: Value = serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
    assert_valid_layer(&scored, &known);
    let hot: Vec<&Value> = scored["techniques"]
        .as_array()
        .expect("techniques")
        .iter()
        .filter(|t| t["score"].as_u64() > Some(0))
        .collect();
    assert!(!hot.is_empty());
    assert!(
        hot.iter()
            .all(|t| t["color"].as_str().is_some_and(|c| c.starts_with('#')))
    );
    assert!(
        scored["legendItems"]
            .as_array()
            .is_some_and(|l| l.len() == 4)
    );
    // Something that is not a check report is refused with a clear message.
    std::fs::write(&results, b"{\"x\": 1}").expect("write");
    let out = ktm(dir.path())
        .args([
            "export",
            "navigator",
            "--from-check",
            results.to_str().expect("path"),
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no `findings` list"));
}

#[test]
fn the_markdown_site_has_no_broken_links() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("site");
    ktm(dir.path())
        .args(["export", "markdown", site.to_str().expect("path")])
        .assert()
        .success();
    let mut pages = Vec::new();
    let mut stack = vec![site.clone()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("dir").flatten() {
            if entry.path().is_dir() {
                stack.push(entry.path());
            } else {
                pages.push(entry.path());
            }
        }
    }
    assert!(pages.len() > 100, "{} pages", pages.len());
    let mut links = 0;
    for page in &pages {
        let text = std::fs::read_to_string(page).expect("read");
        let mut rest = text.as_str();
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            let end = rest.find(')').expect("closing parenthesis");
            let target = &rest[..end];
            rest = &rest[end..];
            if target.starts_with("http") || target.starts_with('<') || target.starts_with('#') {
                continue;
            }
            let resolved = page.parent().expect("parent").join(target);
            assert!(
                resolved.is_file(),
                "{} links to missing {target}",
                page.display()
            );
            links += 1;
        }
    }
    assert!(links > 500, "only {links} internal links");
    let index = std::fs::read_to_string(site.join("index.md")).expect("index");
    assert!(index.contains("CC BY 4.0"), "attribution kept");
}

#[test]
fn the_json_export_holds_the_whole_matrix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = ktm(dir.path())
        .args(["export", "json"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    let loaded =
        ktm::matrix::load_matrix(&ktm::matrix::MatrixSource::Embedded, &[]).expect("matrix");
    let m = &loaded.matrix;
    for (key, n) in [
        ("tactics", m.tactics.len()),
        ("techniques", m.techniques.len()),
        ("mitigations", m.mitigations.len()),
        ("checks", m.checks.len()),
        ("playbooks", m.playbooks.len()),
        ("scenarios", m.scenarios.len()),
    ] {
        assert_eq!(doc[key].as_array().map(Vec::len), Some(n), "{key}");
    }
    let ids: Vec<&str> = doc["techniques"]
        .as_array()
        .expect("t")
        .iter()
        .filter_map(|t| t["id"].as_str())
        .collect();
    let want: Vec<&str> = m.techniques.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, want);
}

#[test]
fn a_hostile_id_cannot_write_outside_the_site() {
    let dir = tempfile::tempdir().expect("tempdir");
    let matrix = dir.path().join("matrix");
    common::copy_dir(Path::new("tests/fixtures/valid"), &matrix);
    std::fs::write(
        matrix.join("playbooks/evil.md"),
        "---\nid: ../../evil\ntitle: Evil\ntechniques: [MS-TA9006]\nseverity: low\n---\n## Step\ntext\n",
    )
    .expect("write");
    let site = dir.path().join("out/site");
    ktm(dir.path())
        .args([
            "--matrix",
            matrix.to_str().expect("path"),
            "export",
            "markdown",
            site.to_str().expect("path"),
        ])
        .assert()
        .success();
    assert!(!dir.path().join("evil.md").exists());
    assert!(!dir.path().join("out/evil.md").exists());
    let written: Vec<String> = std::fs::read_dir(site.join("playbooks"))
        .expect("playbooks")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        written
            .iter()
            .any(|n| n.ends_with("evil.md") && !n.contains('/')),
        "{written:?}"
    );
}
