//! The JSON Schemas under `assets/schema/` match the serde types, and every matrix file
//! points its editor at the right one. Set `KTM_UPDATE_SCHEMA=1` to rewrite stale files.

use std::path::Path;

#[test]
fn schema_files_are_fresh() {
    let dir = Path::new("assets/schema");
    let update = std::env::var_os("KTM_UPDATE_SCHEMA").is_some();
    for (name, text) in ktm::matrix::schema::schemas() {
        let path = dir.join(name);
        if update {
            std::fs::create_dir_all(dir).expect("mkdir");
            std::fs::write(&path, &text).expect("write schema");
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == text,
            "{} is stale; run `KTM_UPDATE_SCHEMA=1 cargo test --test schema`",
            path.display()
        );
        let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
        assert_eq!(
            schema["additionalProperties"], false,
            "{name} rejects unknown fields"
        );
    }
}

#[test]
fn every_matrix_file_names_its_schema() {
    let check = |path: &Path, want: &str| {
        let text = std::fs::read_to_string(path).expect("read");
        let first = text.lines().next().unwrap_or_default();
        assert_eq!(
            first,
            format!("# yaml-language-server: $schema={want}"),
            "{}",
            path.display()
        );
    };
    check(
        Path::new("matrix/tactics.yaml"),
        "../assets/schema/tactics.json",
    );
    for (sub, schema) in [
        ("techniques", "technique.json"),
        ("mitigations", "mitigation.json"),
    ] {
        for entry in std::fs::read_dir(Path::new("matrix").join(sub)).expect("dir") {
            check(
                &entry.expect("entry").path(),
                &format!("../../assets/schema/{schema}"),
            );
        }
    }
}
