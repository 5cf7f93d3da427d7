//! The evaluation loop: every check of a view over every item of one chunk, the fast
//! evaluator first and cel where it declines; `pipeline` spreads the chunks over the cores.

use std::sync::Arc;

use cel::{Context, Env, Program};

use super::celjson::json_val;
use super::fast::{Fast, Over};
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

/// The CEL variable an item of a view is bound to: the view's name, except `namespace`,
/// a reserved word in CEL, which is bound to `ns`.
pub fn variable(view: &str) -> &str {
    if view == "namespace" { "ns" } else { view }
}

/// Evaluates every task over every item of the view named `view`, on this thread:
/// `pipeline` spreads chunks of objects over the cores.
pub fn evaluate_view(
    env: &Arc<Env>,
    tasks: &[Task<'_>],
    view: &str,
    items: &[Item<'_>],
) -> Vec<Outcome> {
    let root = Context::with_env(Arc::clone(env));
    // A task's cel scope is made when cel first has to decide for it: over most chunks
    // the fast evaluator decides every item.
    let mut scopes: Vec<Option<Context<'_, '_>>> = tasks.iter().map(|_| None).collect();
    let mut out: Vec<Outcome> = tasks.iter().map(|_| Outcome::default()).collect();
    let name = variable(view);
    for (i, item) in items.iter().enumerate() {
        let mut over = Over::new(item, &item.object.value);
        for ((task, scope), o) in tasks.iter().zip(&mut scopes).zip(&mut out) {
            let quick = task.fast.and_then(|f| over.eval(f, task.params));
            if let Some(matched) = quick {
                if matched {
                    o.matches.push(i);
                }
                continue;
            }
            let scope = scope.get_or_insert_with(|| {
                let mut scope = root.new_inner_scope();
                scope.add_variable_as_val("params", json_val(task.params));
                scope
            });
            // Wrapping is cheap: nothing is converted until the expression reads it.
            let mut ctx = scope.new_inner_scope();
            ctx.add_variable_as_val(name, super::overlay::item_val(item));
            if task.wants_object {
                ctx.add_variable_as_val("object", json_val(&item.object.value));
            }
            match task.program.execute(&ctx) {
                Ok(cel::Value::Bool(true)) => o.matches.push(i),
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
