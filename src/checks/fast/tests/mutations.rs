//! Random mutations of the objects the differential tests use: keys dropped, values of
//! one type replaced by another (string, number, null, list, map, bool). Mutated objects
//! make cel fail often; wherever the fast evaluator still answers, cel must agree.

use std::path::PathBuf;

use proptest::prelude::*;
use serde_json::{Value, json};

use super::differential::{Case, Tally, cases, compare, inline_documents, synthetic};
use crate::checks::snapshot::Snapshot;

/// Where a value sits inside a document.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    At(usize),
}

fn paths(v: &Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(here.clone());
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                here.push(Step::Key(k.clone()));
                paths(child, here, out);
                here.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                here.push(Step::At(i));
                paths(child, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn at<'v>(v: &'v mut Value, path: &[Step]) -> Option<&'v mut Value> {
    path.iter().try_fold(v, |v, step| match step {
        Step::Key(k) => v.get_mut(k.as_str()),
        Step::At(i) => v.get_mut(*i),
    })
}

/// Replaces the value at a random path (never the kind, so the object stays in its
/// view) by one of another type, or drops it.
fn mutate(doc: &mut Value, pick: usize, op: u8, salt: u8) {
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    all.retain(|p| !matches!(p.first(), Some(Step::Key(k)) if k == "kind") && !p.is_empty());
    let Some(path) = all.get(pick % all.len().max(1)).cloned() else {
        return;
    };
    if op == 0 {
        let (last, parent) = path.split_last().expect("paths here are not empty");
        match (at(doc, parent), last) {
            (Some(Value::Object(map)), Step::Key(k)) => drop(map.remove(k)),
            (Some(Value::Array(items)), Step::At(i)) if *i < items.len() => drop(items.remove(*i)),
            _ => {}
        }
        return;
    }
    let Some(slot) = at(doc, &path) else { return };
    let strings = [
        "",
        "x",
        "*",
        "latest",
        "system:masters",
        "/var/run/docker.sock",
        "true",
        "1",
    ];
    let old = slot.take();
    *slot = match op {
        1 => Value::Null,
        2 => [json!(42), json!(1.5), json!(-1), json!(u64::MAX), json!(0)][usize::from(salt) % 5]
            .clone(),
        3 => json!(strings[usize::from(salt) % strings.len()]),
        4 => json!([]),
        5 => json!([old]),
        6 => json!({}),
        7 => json!({"name": old, "k": strings[usize::from(salt) % strings.len()]}),
        8 => json!(salt % 2 == 0),
        _ => match old {
            Value::String(s) => s.parse::<f64>().map_or(json!(s.len()), |n| json!(n)),
            Value::Number(n) => json!(n.to_string()),
            other => json!([other, "*"]),
        },
    };
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    #[test]
    fn mutated_objects_agree(
        pick in any::<usize>(),
        which in any::<usize>(),
        edits in proptest::collection::vec((any::<usize>(), 0u8..10, any::<u8>()), 1..6),
    ) {
        thread_local! {
            static CASES: Vec<Case> = cases();
            static DOCS: Vec<Vec<Value>> = {
                let mut docs = inline_documents();
                let fixtures = Snapshot::from_manifests(&[PathBuf::from("tests/fixtures/manifests")])
                    .expect("the fixtures read");
                docs.push(fixtures.objects.iter().map(|o| o.value.clone()).collect());
                let synthetic = synthetic(60);
                docs.push(synthetic["items"].as_array().cloned().unwrap_or_default());
                docs
            };
        }
        let mut doc = DOCS.with(|d| d[pick % d.len()].clone());
        let target = which % doc.len().max(1);
        if let Some(object) = doc.get_mut(target) {
            for (p, op, salt) in edits {
                mutate(object, p, op, salt);
            }
        }
        let snapshot = Snapshot::from_values(doc);
        let mut tally = Tally::default();
        CASES.with(|cases| compare(cases, &snapshot, &mut tally));
    }
}

/// A fixed sweep of many mutations, reporting how often the fast evaluator still decides
/// (errors cel reports are left to it, so the share is lower than on sound objects).
#[test]
fn a_sweep_of_mutations_agrees() {
    let cases = cases();
    let mut docs = inline_documents();
    docs.push(
        synthetic(60)["items"]
            .as_array()
            .cloned()
            .unwrap_or_default(),
    );
    let mut tally = Tally::default();
    // A small linear congruential generator: the same sweep on every run.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(state >> 33).unwrap_or(0)
    };
    for round in 0..3000 {
        let mut doc = docs[round % docs.len()].clone();
        let target = next() % doc.len().max(1);
        if let Some(object) = doc.get_mut(target) {
            for _ in 0..=next() % 4 {
                let (pick, op, salt) = (next(), (next() % 10) as u8, (next() % 256) as u8);
                mutate(object, pick, op, salt);
            }
        }
        compare(&cases, &Snapshot::from_values(doc), &mut tally);
    }
    eprintln!("mutations: {tally:?}, {:.4} decided", tally.share());
    assert!(tally.total > 50_000 && tally.share() >= 0.9, "{tally:?}");
}
