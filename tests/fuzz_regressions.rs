//! Replays every input kept under `tests/fixtures/fuzz/<target>/` through the harness the
//! fuzz targets use (`ktm::harness`): inputs that once crashed, hung or blew up a target,
//! and seeds for the shapes an attacker would try. CI does not fuzz; it replays these.

use std::path::Path;
use std::time::{Duration, Instant};

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 6] = [
    ("matrix_yaml", ktm::harness::matrix_yaml),
    ("manifests", ktm::harness::manifests),
    ("audit_lines", ktm::harness::audit_lines),
    ("cel_checks", ktm::harness::cel_checks),
    ("markdown", ktm::harness::markdown),
    ("search_query", ktm::harness::search_query),
];

#[test]
fn every_kept_input_runs_clean_and_quickly() {
    let root = Path::new("tests/fixtures/fuzz");
    let mut replayed = 0;
    for (name, target) in TARGETS {
        let dir = root.join(name);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{name} has no kept inputs");
        for file in files {
            let data = std::fs::read(&file).expect("read");
            let started = Instant::now();
            target(&data);
            let took = started.elapsed();
            // Debug builds are slow; this only catches hangs and blow-ups.
            assert!(
                took < Duration::from_secs(20),
                "{} took {took:?}",
                file.display()
            );
            replayed += 1;
        }
    }
    println!("replayed {replayed} inputs");
}
