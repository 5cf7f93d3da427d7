//! What `ktm validate` asks of checks: expressions within limits that compile (with
//! positions re-anchored into the YAML), and inline test objects that fail and pass as
//! their lists say.

use std::sync::Arc;

use serde_json::Value;

use super::{Engine, Selection, env, run_checks};
use crate::checks::relations::Index;
use crate::checks::report::CheckStatus;
use crate::checks::snapshot::Snapshot;
use crate::checks::views::Views;
use crate::matrix::check::Check;
use crate::matrix::{Code, Diagnostic, Matrix, Pos};

pub(super) fn compile_diagnostic(check: &Check, errors: &cel::ParseErrors) -> Diagnostic {
    let first = errors.errors.first();
    let (line, col) = first.map_or((0, 0), |e| e.pos);
    let base = check.expr.pos;
    let pos = Pos {
        line: base.line + u32::try_from(line.max(1) - 1).unwrap_or(0),
        col: if line <= 1 {
            base.col + u32::try_from(col.max(0)).unwrap_or(0)
        } else {
            u32::try_from(col.max(0)).unwrap_or(0) + 1
        },
    };
    let msg = first.map_or_else(|| errors.to_string(), |e| e.msg.clone());
    Diagnostic::new(
        Code::CheckExpression,
        &check.origin.0,
        pos,
        format!("check {}: CEL expression does not compile: {msg}", check.id),
    )
    .hint("see https://github.com/google/cel-spec; optional fields use `.?field.orValue(x)`")
}

/// Longest check expression accepted; a pull request has no reason to go beyond.
pub const MAX_EXPRESSION: usize = 4096;
/// Deepest nesting of comprehensions (`all`, `exists`, `exists_one`, `map`, `filter`):
/// each level multiplies the work by the size of a list in the object.
pub const MAX_COMPREHENSION_DEPTH: usize = 4;

/// Why an expression is refused before it is compiled, if it is: too long, or
/// comprehensions nested so deep that one object could cost a CPU-minute.
pub fn expression_limits(expr: &str) -> Option<String> {
    if expr.len() > MAX_EXPRESSION {
        return Some(format!(
            "the expression is {} bytes long; the limit is {MAX_EXPRESSION}",
            expr.len()
        ));
    }
    let depth = comprehension_depth(expr);
    (depth > MAX_COMPREHENSION_DEPTH).then(|| {
        format!(
            "comprehensions (all, exists, map, filter) are nested {depth} deep; the limit is {MAX_COMPREHENSION_DEPTH}"
        )
    })
}

/// How deeply `.all(`, `.exists(`, `.map(`... calls nest, counting parentheses.
fn comprehension_depth(expr: &str) -> usize {
    const MACROS: [&str; 5] = [".all(", ".exists(", ".exists_one(", ".map(", ".filter("];
    let bytes = expr.as_bytes();
    let mut stack: Vec<bool> = Vec::new();
    let (mut depth, mut deepest) = (0usize, 0usize);
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'(' => {
                let is_macro = MACROS.iter().any(|m| expr[..=i].ends_with(m));
                if is_macro {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                stack.push(is_macro);
            }
            b')' => depth = depth.saturating_sub(usize::from(stack.pop() == Some(true))),
            _ => {}
        }
    }
    deepest
}

/// Compiles `expr` and runs it once with `value` bound to every view variable and to
/// `object` (fuzzing, and users trying an expression).
pub fn evaluate_once(expr: &str, value: &Value) -> Result<bool, String> {
    if let Some(problem) = expression_limits(expr) {
        return Err(problem);
    }
    let env = env();
    let program = env.compile(expr).map_err(|e| e.to_string())?;
    let root = cel::Context::with_env(Arc::clone(&env));
    let mut ctx = root.new_inner_scope();
    for view in crate::matrix::check::VIEWS {
        ctx.add_variable_as_val(
            crate::checks::eval::variable(view),
            crate::checks::celjson::json_val(value),
        );
    }
    ctx.add_variable_as_val("object", crate::checks::celjson::json_val(value));
    ctx.add_variable_as_val("params", crate::checks::celjson::json_val(value));
    match program.execute(&ctx) {
        Ok(cel::Value::Bool(b)) => Ok(b),
        Ok(other) => Err(format!("gave {other:?}, not a bool")),
        Err(e) => Err(e.to_string()),
    }
}

/// Compiles every check and runs its inline tests: each `fail` object must be flagged,
/// each `pass` object must not, and both lists must be non-empty.
pub fn validate_checks(matrix: &Matrix) -> Vec<Diagnostic> {
    let (engine, mut diags) = Engine::new(matrix, &Selection::default());
    for compiled in &engine.checks {
        let check = compiled.check;
        let file = &check.origin.0;
        if !crate::matrix::check::VIEWS.contains(&check.view.as_str()) {
            continue; // reported as E024 by the matrix validator
        }
        if check.tests.fail.is_empty() || check.tests.pass.is_empty() {
            diags.push(
                Diagnostic::new(
                    Code::CheckTestsMissing,
                    file,
                    check.id.pos,
                    format!(
                        "check {} needs at least one failing and one passing test object",
                        check.id
                    ),
                )
                .hint("add objects under `tests.fail` and `tests.pass`"),
            );
        }
        for (want_fail, cases) in [(true, &check.tests.fail), (false, &check.tests.pass)] {
            for (i, case) in cases.iter().enumerate() {
                let snapshot = Snapshot::from_values([case.clone()]);
                let index = Index::new(&snapshot);
                let views = Views::build(&snapshot, &index);
                let Some(tally) = run_checks(&engine.env, &[compiled], &views).pop() else {
                    continue;
                };
                let result = tally.result(check, tally.findings.len());
                let status = result.status;
                let list = if want_fail { "fail" } else { "pass" };
                let problem = match (want_fail, status) {
                    (true, CheckStatus::Fail) | (false, CheckStatus::Pass) => None,
                    (_, CheckStatus::Unknown) => Some(format!(
                        "could not be evaluated: {}",
                        result.reason.clone().unwrap_or_default()
                    )),
                    (true, _) => Some("was not flagged".to_owned()),
                    (false, _) => Some("was flagged".to_owned()),
                };
                if let Some(problem) = problem {
                    diags.push(
                        Diagnostic::new(Code::CheckTest, file, check.id.pos, format!("check {}: tests.{list}[{i}] {problem}", check.id))
                            .hint(if views.get(check.view.as_str()).is_empty() {
                                "the test object is not an item of this check's view (kind and metadata needed)"
                            } else {
                                "fix the expression or the test object"
                            }),
                    );
                }
            }
        }
    }
    diags
}
