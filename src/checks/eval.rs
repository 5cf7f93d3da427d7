//! The evaluation loop: every item of a view is converted to a CEL value once and shared
//! by all checks of that view; items are spread over the cores.

use std::sync::Arc;

use cel::{Context, Env, Program};

use super::celjson::json_val;
use super::fast::Fast;
use super::views::Item;

fn label(item: &Item<'_>) -> String {
    format!(
        "{} {}/{}",
        item.object.kind(),
        item.object.namespace(),
        item.object.name()
    )
}

/// What one check found over a view: matching item indices and evaluation errors.
#[derive(Debug, Default)]
pub struct Outcome {
    pub matches: Vec<usize>,
    pub errors: Vec<String>,
}

/// A compiled expression with the data it needs, as the loop sees it.
pub struct Task<'a> {
    pub program: &'a Program,
    /// The fast evaluator's form of the expression, tried first; cel decides where it
    /// cannot.
    pub fast: Option<&'a Fast>,
    pub params: &'a serde_json::Value,
    /// Whether the expression reads `object` (the raw object), so it is only built then.
    pub wants_object: bool,
}

/// Below this many items the threads cost more than they save.
const PARALLEL_MIN: usize = 512;

/// The CEL variable an item of a view is bound to: the view's name, except `namespace`,
/// a reserved word in CEL, which is bound to `ns`.
pub fn variable(view: &str) -> &str {
    if view == "namespace" { "ns" } else { view }
}

/// Evaluates every task over every item of the view named `view`.
pub fn evaluate_view(
    env: &Arc<Env>,
    tasks: &[Task<'_>],
    view: &str,
    items: &[Item<'_>],
) -> Vec<Outcome> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(8);
    if threads <= 1 || items.len() < PARALLEL_MIN {
        return evaluate_chunk(env, tasks, view, items, 0);
    }
    let size = items.len().div_ceil(threads);
    let parts: Vec<Vec<Outcome>> = std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(size)
            .enumerate()
            .map(|(i, chunk)| s.spawn(move || evaluate_chunk(env, tasks, view, chunk, i * size)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut merged: Vec<Outcome> = tasks.iter().map(|_| Outcome::default()).collect();
    for part in parts {
        if part.len() != merged.len() {
            for m in &mut merged {
                m.errors.push("an evaluation thread failed".to_owned());
            }
            continue;
        }
        for (m, p) in merged.iter_mut().zip(part) {
            m.matches.extend(p.matches);
            m.errors.extend(p.errors);
        }
    }
    merged
}

fn evaluate_chunk(
    env: &Arc<Env>,
    tasks: &[Task<'_>],
    view: &str,
    items: &[Item<'_>],
    offset: usize,
) -> Vec<Outcome> {
    let root = Context::with_env(Arc::clone(env));
    let scopes: Vec<Context<'_, '_>> = tasks
        .iter()
        .map(|t| {
            let mut scope = root.new_inner_scope();
            scope.add_variable_as_val("params", json_val(t.params));
            scope
        })
        .collect();
    let mut out: Vec<Outcome> = tasks.iter().map(|_| Outcome::default()).collect();
    let name = variable(view);
    for (i, item) in items.iter().enumerate() {
        for ((task, scope), o) in tasks.iter().zip(&scopes).zip(&mut out) {
            let quick = task
                .fast
                .and_then(|f| f.eval(item, task.params, &item.object.value));
            if let Some(matched) = quick {
                if matched {
                    o.matches.push(offset + i);
                }
                continue;
            }
            // Wrapping is cheap: nothing is converted until the expression reads it.
            let mut ctx = scope.new_inner_scope();
            ctx.add_variable_as_val(name, super::overlay::item_val(item));
            if task.wants_object {
                ctx.add_variable_as_val("object", json_val(&item.object.value));
            }
            match task.program.execute(&ctx) {
                Ok(cel::Value::Bool(true)) => o.matches.push(offset + i),
                Ok(cel::Value::Bool(false)) => {}
                Ok(other) => o.errors.push(format!(
                    "{}: expression gave {other:?}, not a bool",
                    label(item)
                )),
                Err(e) => o.errors.push(format!("{}: {e}", label(item))),
            }
        }
    }
    out
}
