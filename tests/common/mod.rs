//! Shared helpers for integration tests: a `ktm` command isolated from the user's config.

#![allow(dead_code)]

use std::path::Path;

/// `ktm` with an empty, private config dir so a developer's overlay never leaks in, and a
/// private cache dir (`<config>/cache`) so the user's cache is never read or written.
pub fn ktm(config: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("ktm").expect("ktm binary");
    cmd.env("KTM_CONFIG_DIR", config)
        .env("KTM_CACHE_DIR", config.join("cache"))
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS");
    cmd
}

/// Copies a folder tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}
