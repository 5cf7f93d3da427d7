//! Differential tests: every shipped check, evaluated by the fast evaluator and by cel
//! over the checks' own test objects, the fixture manifests, a synthetic cluster and
//! random mutations of them. Wherever the fast evaluator answers, cel must give the same
//! boolean; how often it answers is counted and held above a floor.

use std::path::PathBuf;

use serde_json::Value;

use super::super::{Fast, Over};
use super::cel_answer;
use crate::checks::eval::variable;
use crate::checks::snapshot::Snapshot;
use crate::checks::views::Views;
use crate::matrix::{MatrixSource, load_matrix};

/// One shipped check, compiled both ways.
pub(super) struct Case {
    id: String,
    view: String,
    program: cel::Program,
    fast: Option<Fast>,
    params: Value,
}

pub(super) fn cases() -> Vec<Case> {
    let loaded = load_matrix(&MatrixSource::Embedded, &[]).expect("the embedded matrix loads");
    let env = crate::checks::engine::env();
    loaded
        .matrix
        .checks
        .iter()
        .map(|c| {
            let program = env.compile(&c.expr).expect("shipped checks compile");
            let fast = Fast::compile(program.expression(), variable(c.view.as_str()));
            Case {
                id: c.id.value.clone(),
                view: c.view.as_str().to_owned(),
                program,
                fast,
                params: serde_json::to_value(&c.params).expect("params are JSON"),
            }
        })
        .collect()
}

/// Every object of every check's inline tests, one snapshot per test case.
pub(super) fn inline_documents() -> Vec<Vec<Value>> {
    let loaded = load_matrix(&MatrixSource::Embedded, &[]).expect("the embedded matrix loads");
    loaded
        .matrix
        .checks
        .iter()
        .flat_map(|c| c.tests.fail.iter().chain(&c.tests.pass))
        .map(|v| vec![v.clone()])
        .collect()
}

/// How many evaluations the fast evaluator decided.
#[derive(Debug, Default)]
pub(super) struct Tally {
    pub(super) decided: usize,
    pub(super) total: usize,
    /// Left to cel although cel gave a boolean.
    pub(super) missed: usize,
}

impl Tally {
    pub(super) fn share(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        if self.total == 0 {
            1.0
        } else {
            self.decided as f64 / self.total as f64
        }
    }
}

/// Compares both evaluators on every item of `snapshot` for every check; panics on the
/// first disagreement.
pub(super) fn compare(cases: &[Case], snapshot: &Snapshot, tally: &mut Tally) {
    let index = crate::checks::relations::Index::new(snapshot);
    let views = Views::build(snapshot, &index);
    // The evaluation loop runs all of a view's checks over an item in one scope: each
    // answers as it does in a scope of its own.
    for (view, items) in &views.items {
        let here: Vec<&Case> = cases.iter().filter(|c| c.view == *view).collect();
        for item in items {
            let mut over = Over::new(item, &item.object.value);
            for case in &here {
                let Some(fast) = &case.fast else { continue };
                assert_eq!(
                    over.eval(fast, &case.params),
                    fast.eval(item, &case.params, &item.object.value),
                    "check {} in a shared scope on {}",
                    case.id,
                    item.object.value
                );
            }
        }
    }
    for case in cases {
        for item in views.get(&case.view) {
            tally.total += 1;
            let Some(fast) = &case.fast else { continue };
            let got = fast.eval(item, &case.params, &item.object.value);
            let want = cel_answer(&case.program, variable(&case.view), item, &case.params);
            let Some(got) = got else {
                if matches!(want, Ok(cel::Value::Bool(_))) {
                    tally.missed += 1;
                    if std::env::var_os("KTM_FAST_MISSED").is_some() {
                        eprintln!("missed {} on {}", case.id, item.object.value);
                    }
                }
                continue;
            };
            tally.decided += 1;
            assert_eq!(
                want,
                Ok(cel::Value::Bool(got)),
                "check {} on {}: the fast evaluator said {got}",
                case.id,
                item.object.value
            );
        }
    }
}

#[test]
fn every_shipped_check_compiles_for_the_fast_evaluator() {
    let missing: Vec<String> = cases()
        .into_iter()
        .filter(|c| c.fast.is_none())
        .map(|c| c.id)
        .collect();
    assert!(missing.is_empty(), "left to cel: {missing:?}");
}

#[test]
fn inline_test_objects_agree() {
    let cases = cases();
    let mut tally = Tally::default();
    for doc in inline_documents() {
        compare(&cases, &Snapshot::from_values(doc), &mut tally);
    }
    eprintln!("inline tests: {tally:?}, {:.4} decided", tally.share());
    assert!(tally.total > 500 && tally.share() >= 0.99, "{tally:?}");
}

#[test]
fn fixture_manifests_agree() {
    let cases = cases();
    let mut tally = Tally::default();
    let snapshot = Snapshot::from_manifests(&[PathBuf::from("tests/fixtures/manifests")])
        .expect("the fixtures read");
    compare(&cases, &snapshot, &mut tally);
    eprintln!("fixtures: {tally:?}, {:.4} decided", tally.share());
    assert!(tally.total > 50 && tally.share() >= 0.99, "{tally:?}");
}

/// The cluster-like mix of `benches/checks.rs`.
pub(super) fn synthetic(n: usize) -> Value {
    crate::checks::synthetic::snapshot(n)
}

#[test]
fn synthetic_snapshot_agrees() {
    let cases = cases();
    let mut tally = Tally::default();
    compare(
        &cases,
        &Snapshot::from_values([synthetic(3000)]),
        &mut tally,
    );
    eprintln!("synthetic: {tally:?}, {:.4} decided", tally.share());
    assert!(tally.total > 10_000 && tally.share() >= 0.99, "{tally:?}");
}

/// Every manifest under `$KTM_CORPORA` (one folder per corpus), when set:
/// `KTM_CORPORA=/work/shared/corpora cargo test corpora -- --ignored --nocapture`.
#[test]
#[ignore = "needs the corpora named by KTM_CORPORA"]
fn corpora_agree() {
    let Some(root) = std::env::var_os("KTM_CORPORA") else {
        return;
    };
    let cases = cases();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("the corpora folder reads")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let Ok(snapshot) = Snapshot::from_manifests(std::slice::from_ref(&dir)) else {
            continue;
        };
        let mut tally = Tally::default();
        compare(&cases, &snapshot, &mut tally);
        eprintln!("{}: {tally:?}, {:.4} decided", dir.display(), tally.share());
        assert!(tally.share() >= 0.99, "{}: {tally:?}", dir.display());
    }
}

/// Time per evaluation, fast against cel, on the synthetic cluster, item by item as the
/// evaluation loop goes (a measurement, not a check):
/// `cargo test --release --lib evaluation_cost -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement; run it in release"]
fn evaluation_cost() {
    use std::time::Instant;
    let cases = cases();
    let snapshot = Snapshot::from_values([synthetic(20_000)]);
    let index = crate::checks::relations::Index::new(&snapshot);
    let views = Views::build(&snapshot, &index);
    let env = crate::checks::engine::env();
    let root = cel::Context::with_env(std::sync::Arc::clone(&env));
    let mut views_used: Vec<&str> = cases.iter().map(|c| c.view.as_str()).collect();
    views_used.sort_unstable();
    views_used.dedup();
    let (mut evaluations, mut fast_matches, mut cel_matches) = (0usize, 0usize, 0usize);
    let start = Instant::now();
    for view in &views_used {
        let here: Vec<&Case> = cases.iter().filter(|c| c.view == *view).collect();
        for item in views.get(view) {
            for case in &here {
                let Some(fast) = &case.fast else { continue };
                evaluations += 1;
                let got = fast.eval(item, &case.params, &item.object.value);
                fast_matches += usize::from(got == Some(true));
            }
        }
    }
    let fast_time = start.elapsed();
    // Where the fast time goes, check by check (one check over its view's items at a time);
    // `KTM_FAST_ROUNDS` repeats it more (for a profiler), `KTM_FAST_ONLY` skips cel.
    let rounds: usize = std::env::var("KTM_FAST_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(50);
    let mut costs: Vec<(std::time::Duration, &str)> = cases
        .iter()
        .filter_map(|case| {
            let fast = case.fast.as_ref()?;
            let items = views.get(&case.view);
            let items = &items[..items.len().min(100)];
            let start = Instant::now();
            for _ in 0..rounds {
                for item in items {
                    std::hint::black_box(fast.eval(item, &case.params, &item.object.value));
                }
            }
            Some((start.elapsed(), case.id.as_str()))
        })
        .collect();
    costs.sort_unstable_by(|a, b| b.cmp(a));
    for (time, id) in costs.iter().take(70) {
        eprintln!("{time:>12?} {id}");
    }
    #[allow(clippy::cast_precision_loss)]
    let per = |t: std::time::Duration| t.as_secs_f64() * 1e9 / evaluations.max(1) as f64;
    if std::env::var_os("KTM_FAST_ONLY").is_some() {
        eprintln!(
            "{evaluations} evaluations: fast {fast_time:?} ({:.0} ns each)",
            per(fast_time)
        );
        return;
    }
    let start = Instant::now();
    for view in &views_used {
        let here: Vec<&Case> = cases.iter().filter(|c| c.view == *view).collect();
        let scopes: Vec<cel::Context<'_, '_>> = here
            .iter()
            .map(|c| {
                let mut scope = root.new_inner_scope();
                scope.add_variable_as_val("params", crate::checks::celjson::json_val(&c.params));
                scope
            })
            .collect();
        for item in views.get(view) {
            for (case, scope) in here.iter().zip(&scopes) {
                let mut ctx = scope.new_inner_scope();
                ctx.add_variable_as_val(variable(view), crate::checks::overlay::item_val(item));
                ctx.add_variable_as_val(
                    "object",
                    crate::checks::celjson::json_val(&item.object.value),
                );
                let answer = case.program.execute(&ctx);
                cel_matches += usize::from(answer == Ok(cel::Value::Bool(true)));
            }
        }
    }
    let cel_time = start.elapsed();
    eprintln!(
        "{evaluations} evaluations: fast {fast_time:?} ({:.0} ns each), cel {cel_time:?} ({:.0} ns each)",
        per(fast_time),
        per(cel_time)
    );
    assert_eq!(fast_matches, cel_matches);
}
