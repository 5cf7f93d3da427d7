//! Check evaluation throughput over deterministic synthetic snapshots of 10,000 and
//! 100,000 objects, against the time it takes merely to parse the same snapshot JSON.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use ktm::checks::engine::Selection;
use ktm::checks::report::SourceInfo;
use ktm::checks::{Engine, Snapshot};
use ktm::matrix::{MatrixSource, load_matrix};
use serde_json::Value;
use std::hint::black_box;
use std::time::Instant;

/// The synthetic snapshot of `n` objects as `kubectl get -o json` text.
fn text(n: usize) -> String {
    serde_json::to_string(&ktm::checks::synthetic::snapshot(n)).expect("json")
}

/// Where the benchmarked snapshot came from, as the report names it.
fn source() -> SourceInfo {
    SourceInfo {
        kind: "snapshot".into(),
        paths: vec![],
    }
}

/// Every shipped check, compiled without a diagnostic.
fn engine(loaded: &ktm::matrix::Loaded) -> Engine<'_> {
    let (engine, diags) = Engine::new(&loaded.matrix, &Selection::default());
    assert!(diags.is_empty(), "{diags:?}");
    engine
}

fn bench(c: &mut Criterion) {
    let loaded = load_matrix(&MatrixSource::Embedded, &[]).expect("matrix");
    let engine = engine(&loaded);
    let mut group = c.benchmark_group("checks");
    group.sample_size(10);
    for n in [10_000usize, 100_000] {
        let text = text(n);
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
                b.iter(|| engine.run(s, source()));
            },
        );
    }
    group.finish();
}

/// Parse and checks alternating, in one process, over the 100,000-object snapshot: on a
/// shared VM the criterion groups above run minutes apart, and the machine's speed drifts
/// by a third between them, more than the ratio's margin. Alternating puts both sides
/// under the same conditions; the ratio of the medians is the figure to compare.
fn interleaved() {
    const ROUNDS: usize = 9;
    let loaded = load_matrix(&MatrixSource::Embedded, &[]).expect("matrix");
    let engine = engine(&loaded);
    let text = text(100_000);
    let snapshot = Snapshot::from_values([serde_json::from_str::<Value>(&text).expect("parse")]);
    let (mut parse, mut checks) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let start = Instant::now();
        black_box(serde_json::from_str::<Value>(black_box(&text)).expect("parse"));
        parse.push(start.elapsed().as_secs_f64());
        let start = Instant::now();
        black_box(engine.run(black_box(&snapshot), source()));
        checks.push(start.elapsed().as_secs_f64());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (p, c) = (median(&mut parse), median(&mut checks));
    println!(
        "checks/interleaved/100000: {ROUNDS} rounds, parse median {:.1} ms (min {:.1}), \
         checks median {:.1} ms (min {:.1}), ratio of medians {:.2}, of minimums {:.2}",
        p * 1e3,
        parse[0] * 1e3,
        c * 1e3,
        checks[0] * 1e3,
        c / p,
        checks[0] / parse[0]
    );
}

criterion_group!(benches, bench);

fn main() {
    benches();
    // `cargo bench --bench checks -- <filter>` runs it only when the filter names it.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if filter.is_none_or(|f| "checks/interleaved/100000".contains(&f)) {
        interleaved();
    }
    Criterion::default().configure_from_args().final_summary();
}
