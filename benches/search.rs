//! Search benchmarks: index build, cache load and query latency on the shipped matrix and
//! on a deterministic synthetic matrix 100 times larger, against a naive case-insensitive
//! substring scan over the same texts. Figures are recorded in `docs/performance.md`.
//!
//! `cargo bench --bench search`; medians are in `target/criterion/*/new/estimates.json`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ktm::matrix::{self, MatrixSource, load_matrix};
use ktm::search::{
    Fingerprint, SearchDoc, SearchError, SearchIndex, SearchOptions, documents, open_or_build,
};

/// How much larger the synthetic matrix is.
const FACTOR: usize = 100;

/// (label, query): 1, 2 and 3 words, exact, prefix (no trailing space) and fuzzy.
const QUERIES: &[(&str, &str)] = &[
    ("1 word", "xmrig "),
    ("1 word prefix", "privil"),
    ("1 word fuzzy", "privilaged "),
    ("2 words prefix", "kubelet 1025"),
    ("2 words fuzzy", "cryptominr pod "),
    ("3 words prefix", "service account tok"),
    ("3 words fuzzy+prefix", "privilaged contianer esc"),
];

fn shipped() -> Vec<SearchDoc> {
    let loaded = load_matrix(&MatrixSource::Embedded, &[]).expect("embedded matrix");
    documents(&loaded.matrix)
}

/// A deterministic pseudo-random sequence (xorshift64*), seeded per document.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n as u64)).unwrap_or(0)
    }
}

/// `FACTOR` variants of every technique and mitigation (tactics once): the words of each
/// summary and body are shuffled, one word in twenty is swapped with a word of another
/// entity, and each variant gets a token of its own, so vocabulary and term statistics
/// grow the way a real, larger matrix would rather than repeating one document.
fn synthetic(base: &[SearchDoc]) -> Vec<SearchDoc> {
    let pool: Vec<&str> = base
        .iter()
        .flat_map(|d| d.body.split_whitespace())
        .collect();
    let mut out = Vec::with_capacity(base.len() * FACTOR);
    for copy in 0..FACTOR {
        for (i, doc) in base.iter().enumerate() {
            if doc.kind == "tactic" {
                if copy == 0 {
                    out.push(doc.clone());
                }
                continue;
            }
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ ((copy as u64) << 20) ^ i as u64 | 1);
            let mut variant = doc.clone();
            variant.id = format!("{}-{copy:03}", doc.id);
            variant.summary = scramble(&doc.summary, &pool, &mut rng);
            variant.body = format!("{} variant{copy}x{i}", scramble(&doc.body, &pool, &mut rng));
            out.push(variant);
        }
    }
    out
}

fn scramble(text: &str, pool: &[&str], rng: &mut Rng) -> String {
    let mut words: Vec<&str> = text.split_whitespace().collect();
    for i in (1..words.len()).rev() {
        let j = rng.below(i + 1);
        words.swap(i, j);
    }
    for word in &mut words {
        if rng.below(20) == 0 {
            *word = pool[rng.below(pool.len())];
        }
    }
    words.join(" ")
}

/// The baseline: every document's texts, lower-cased once up front.
struct Naive {
    docs: Vec<(String, String)>,
}

impl Naive {
    fn new(docs: &[SearchDoc]) -> Self {
        let docs = docs
            .iter()
            .map(|d| {
                let text = format!(
                    "{} {} {} {} {} {}",
                    d.id,
                    d.name,
                    d.aliases.join(" "),
                    d.summary,
                    d.body,
                    d.attack.join(" ")
                );
                (d.id.clone(), text.to_lowercase())
            })
            .collect();
        Self { docs }
    }

    /// Documents containing the most query words (case-insensitive substrings), top 10.
    fn search(&self, query: &str) -> Vec<&str> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        let mut found: Vec<(usize, &str)> = self
            .docs
            .iter()
            .filter_map(|(id, text)| {
                let n = words.iter().filter(|w| text.contains(w.as_str())).count();
                (n > 0).then_some((n, id.as_str()))
            })
            .collect();
        found.sort_by_key(|f| std::cmp::Reverse(f.0));
        found.truncate(10);
        found.into_iter().map(|(_, id)| id).collect()
    }
}

fn configure() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

fn build(c: &mut Criterion) {
    let small = shipped();
    let large = synthetic(&small);
    let mut group = c.benchmark_group("build");
    group.sample_size(10);
    group.bench_function("1x", |b| {
        b.iter(|| SearchIndex::build(black_box(&small)).expect("index"));
    });
    group.bench_function(format!("{FACTOR}x"), |b| {
        b.iter(|| SearchIndex::build(black_box(&large)).expect("index"));
    });
    group.finish();
}

/// The two index lifecycles for the shipped matrix, as `ktm search` runs them: parse the
/// embedded YAML and index in RAM, or fingerprint the files and read the cached index.
fn lifecycle(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = || {
        let files = matrix::source_files(&MatrixSource::Embedded, &[]).expect("files");
        Fingerprint::of(
            files
                .iter()
                .map(|f| (f.display.as_str(), f.bytes.as_slice())),
        )
    };
    let load = || Ok::<_, SearchError>(shipped());
    open_or_build(Some(dir.path()), key(), load).expect("prime the cache");
    let mut group = c.benchmark_group("lifecycle");
    group.sample_size(20);
    group.bench_function("yaml+build in RAM", |b| {
        b.iter(|| open_or_build(None, key(), load).expect("index"));
    });
    group.bench_function("fingerprint+cache read", |b| {
        b.iter(|| open_or_build(Some(dir.path()), key(), load).expect("index"));
    });
    group.finish();
    let large = synthetic(&shipped());
    let big_key = Fingerprint::of([("synthetic", format!("{FACTOR}").as_bytes())]);
    let big = || Ok::<_, SearchError>(large.clone());
    open_or_build(Some(dir.path()), big_key, big).expect("prime the cache");
    let mut group = c.benchmark_group("lifecycle");
    group.sample_size(10);
    group.bench_function(format!("cache read {FACTOR}x"), |b| {
        b.iter(|| open_or_build(Some(dir.path()), big_key, big).expect("index"));
    });
    group.finish();
}

fn queries(c: &mut Criterion) {
    let small = shipped();
    let large = synthetic(&small);
    let options = SearchOptions::default();
    for (scale, docs) in [("1x".to_owned(), small), (format!("{FACTOR}x"), large)] {
        let index = SearchIndex::build(&docs).expect("index");
        let naive = Naive::new(&docs);
        let mut group = c.benchmark_group(format!("query/{scale}"));
        for (label, query) in QUERIES {
            assert!(
                !index.search(query, &options).expect("search").is_empty(),
                "{query} finds nothing at {scale}"
            );
            group.bench_function(BenchmarkId::new("tantivy", label), |b| {
                b.iter(|| index.search(black_box(query), &options).expect("search"));
            });
            group.bench_function(BenchmarkId::new("naive", label), |b| {
                b.iter(|| naive.search(black_box(query)));
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = configure();
    targets = build, lifecycle, queries
}
criterion_main!(benches);
