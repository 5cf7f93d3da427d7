//! Check evaluation throughput over deterministic synthetic snapshots of 10,000 and
//! 100,000 objects, against the time it takes merely to parse the same snapshot JSON.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ktm::checks::engine::Selection;
use ktm::checks::report::SourceInfo;
use ktm::checks::{Engine, Snapshot};
use ktm::matrix::{MatrixSource, load_matrix};
use serde_json::Value;

fn bench(c: &mut Criterion) {
    let loaded = load_matrix(&MatrixSource::Embedded, &[]).expect("matrix");
    let (engine, diags) = Engine::new(&loaded.matrix, &Selection::default());
    assert!(diags.is_empty(), "{diags:?}");
    let mut group = c.benchmark_group("checks");
    group.sample_size(10);
    for n in [10_000usize, 100_000] {
        let text = serde_json::to_string(&ktm::checks::synthetic::snapshot(n)).expect("json");
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("parse_json", n), &text, |b, text| {
            b.iter(|| serde_json::from_str::<Value>(text).expect("parse"));
        });
        let snapshot =
            Snapshot::from_values([serde_json::from_str::<Value>(&text).expect("parse")]);
        group.bench_with_input(
            BenchmarkId::new(format!("all_{}_checks", engine.checks.len()), n),
            &snapshot,
            |b, s| {
                b.iter(|| {
                    engine.run(
                        s,
                        SourceInfo {
                            kind: "snapshot".into(),
                            paths: vec![],
                        },
                    )
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
