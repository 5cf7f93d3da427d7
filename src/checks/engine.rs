//! Compiles every check's CEL expression once and evaluates it over view items.
//!
//! An evaluation error on an object is recorded for that object and check and makes the
//! check `unknown` (never `pass`). `validate_checks` compiles every check and runs its
//! inline test cases, reporting problems as diagnostics for `ktm validate`.

use std::sync::Arc;

use cel::{Env, Program};
use serde_json::Value;

use super::eval::{Task, evaluate_view};
use super::relations::Index;
use super::report::{
    CheckRef, CheckResult, CheckStatus, Finding, ObjectRef, Report, SourceInfo, Summary,
};
use super::snapshot::{Object, Snapshot};
use super::views::{Item, Views};
use crate::matrix::check::Check;
use crate::matrix::{Code, Diagnostic, Matrix};
use validate::compile_diagnostic;

/// A check with its compiled expression.
pub struct Compiled<'m> {
    pub check: &'m Check,
    program: Program,
    fast: Option<super::fast::Fast>,
    /// Worked out once, not once per chunk: the check's params as JSON, whether the
    /// expression reads the raw `object`, and what its findings share.
    params: Value,
    wants_object: bool,
    shared: Arc<CheckRef>,
}

/// All compiled checks of a matrix.
pub struct Engine<'m> {
    env: Arc<Env>,
    pub checks: Vec<Compiled<'m>>,
}

/// Which checks to run.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub techniques: Vec<String>,
    pub checks: Vec<String>,
}

pub(crate) fn env() -> Arc<Env> {
    let mut env = Env::stdlib().with_optional_support(true);
    // lowerAscii, split, replace, trim...: expressions over names and commands need them.
    // Both registrations only fail on a duplicate declaration, which a fresh stdlib
    // environment cannot have.
    let _ = env.add_extension(cel::extensions::strings);
    let _ = super::regex::register(&mut env);
    Arc::new(env)
}

impl<'m> Engine<'m> {
    /// Compiles the selected checks; expressions that do not compile are diagnostics.
    pub fn new(matrix: &'m Matrix, selection: &Selection) -> (Self, Vec<Diagnostic>) {
        let env = env();
        let mut checks = Vec::new();
        let mut diags = Vec::new();
        for check in &matrix.checks {
            let wanted_check = selection.checks.is_empty()
                || selection.checks.iter().any(|c| c == check.id.as_str());
            let wanted_technique = selection.techniques.is_empty()
                || check
                    .techniques
                    .iter()
                    .any(|t| selection.techniques.iter().any(|s| s == t.as_str()));
            if !(wanted_check && wanted_technique) {
                continue;
            }
            if let Some(problem) = expression_limits(&check.expr) {
                diags.push(
                    Diagnostic::new(
                        Code::CheckExpression,
                        &check.origin.0,
                        check.expr.pos,
                        format!("check {}: {problem}", check.id),
                    )
                    .hint("split the check, or compute the value in a view"),
                );
                continue;
            }
            match env.compile(&check.expr) {
                Ok(program) => {
                    let var = super::eval::variable(check.view.as_str());
                    let fast = super::fast::Fast::compile(program.expression(), var);
                    checks.push(Compiled {
                        check,
                        params: serde_json::to_value(&check.params).unwrap_or(Value::Null),
                        wants_object: program.references().has_variable("object"),
                        shared: check_ref(check),
                        program,
                        fast,
                    });
                }
                Err(errors) => diags.push(compile_diagnostic(check, &errors)),
            }
        }
        (Engine { env, checks }, diags)
    }

    /// Runs every compiled check over the snapshot, a chunk of objects at a time on
    /// every core (see [`super::pipeline`]).
    pub fn run(&self, snapshot: &Snapshot, source: SourceInfo) -> Report {
        // Over a large snapshot the index is built on every core: it is the serial part.
        let parts = if snapshot.objects.len() >= super::pipeline::CHUNK * 32 {
            super::pipeline::workers()
        } else {
            1
        };
        let index = Index::build(&snapshot.objects, parts);
        let (done, sent) = self.tally_chunks(&snapshot.objects, &index);
        std::thread::scope(|s| {
            // Freeing a large index takes as long as merging the tallies: side by side.
            if parts > 1 {
                // Without a thread to spare, the index is freed here when spawning fails.
                let _ = std::thread::Builder::new().spawn_scoped(s, move || drop(index));
            }
            self.merge(
                done,
                sent,
                snapshot.objects.len(),
                &snapshot.unavailable,
                snapshot.warnings.clone(),
                source,
            )
        })
    }

    /// Every check over the objects of `chunk` (a snapshot, or a part of one that
    /// `index` covers whole): one tally per check, and the views' warnings.
    pub(super) fn tally(&self, chunk: &[Object], index: &Index) -> (Vec<Tally>, Vec<String>) {
        let mut wanted: Vec<&str> = self.checks.iter().map(|c| c.check.view.as_str()).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let views = Views::build_for(chunk, index, Some(&wanted));
        let mut tallies: Vec<Tally> = self.checks.iter().map(|_| Tally::default()).collect();
        for view in wanted {
            let indices: Vec<usize> = (0..self.checks.len())
                .filter(|&i| self.checks[i].check.view.as_str() == view)
                .collect();
            let compiled: Vec<&Compiled<'_>> = indices.iter().map(|&i| &self.checks[i]).collect();
            for (i, t) in indices
                .into_iter()
                .zip(run_checks(&self.env, &compiled, &views))
            {
                tallies[i] = t;
            }
        }
        (tallies, views.warnings)
    }

    /// The report of tallies over `objects` objects, read from `source`; `findings` are
    /// every check's findings in check order, `found[c]` of them check `c`'s (the
    /// tallies' own findings are empty).
    pub(super) fn report(
        &self,
        tallies: Vec<Tally>,
        (findings, found): (Vec<Finding>, &[usize]),
        objects: usize,
        unavailable: &std::collections::BTreeMap<String, String>,
        warnings: Vec<String>,
        source: SourceInfo,
    ) -> Report {
        let mut report = Report {
            source,
            summary: Summary::default(),
            checks: Vec::new(),
            findings,
            warnings,
        };
        for ((c, tally), &found) in self.checks.iter().zip(tallies).zip(found) {
            let mut result = tally.result(c.check, found);
            let missing: Vec<String> = super::kinds::kinds_for_view(c.check.view.as_str())
                .into_iter()
                .filter_map(|kind| unavailable.get(kind).cloned())
                .collect();
            if !missing.is_empty() {
                // Findings on what could be read stand; a pass cannot be claimed.
                result.status = CheckStatus::Unknown;
                result.reason = Some(missing.join("; "));
            }
            report.checks.push(result);
        }
        report.summarize(objects);
        report
    }
}

/// One check's outcome over some objects; tallies of successive chunks add up.
#[derive(Debug, Default)]
pub struct Tally {
    pub findings: Vec<Finding>,
    /// Objects the expression could not be evaluated on, and the first such error.
    pub errors: usize,
    pub first_error: Option<String>,
}

impl Tally {
    /// Adds a later chunk's tally.
    pub fn add(&mut self, later: Tally) {
        self.findings.extend(later.findings);
        self.errors += later.errors;
        if self.first_error.is_none() {
            self.first_error = later.first_error;
        }
    }

    /// The check's result, given how many findings it has.
    fn result(&self, check: &Check, found: usize) -> CheckResult {
        let failed = || {
            format!(
                "evaluation failed on {} object(s): {}",
                self.errors,
                self.first_error.as_deref().unwrap_or("")
            )
        };
        let (status, reason) = if found > 0 {
            (CheckStatus::Fail, (self.errors > 0).then(failed))
        } else if self.errors > 0 {
            (CheckStatus::Unknown, Some(failed()))
        } else {
            (CheckStatus::Pass, None)
        };
        CheckResult {
            id: check.id.value.clone(),
            title: check.title.clone(),
            severity: check.severity,
            techniques: technique_ids(check),
            status,
            reason,
        }
    }
}

/// Checks that share one view, over every item of that view.
fn run_checks(env: &Arc<Env>, compiled: &[&Compiled<'_>], views: &Views<'_>) -> Vec<Tally> {
    let Some(first) = compiled.first() else {
        return Vec::new();
    };
    let view = first.check.view.as_str();
    let items = views.get(view);
    let tasks: Vec<Task<'_>> = compiled
        .iter()
        .map(|c| Task {
            program: &c.program,
            fast: c.fast.as_ref(),
            params: &c.params,
            wants_object: c.wants_object,
        })
        .collect();
    let outcomes = evaluate_view(env, &tasks, view, items);
    // An object with several findings is named once.
    let mut objects: Vec<Option<Arc<ObjectRef>>> = vec![None; items.len()];
    compiled
        .iter()
        .zip(outcomes)
        .map(|(c, outcome)| {
            let shared = &c.shared;
            let findings = outcome
                .matches
                .iter()
                .map(|&i| Finding {
                    check_ref: Arc::clone(shared),
                    object: Arc::clone(objects[i].get_or_insert_with(|| object_ref(&items[i]))),
                    evidence: c
                        .check
                        .evidence
                        .as_deref()
                        .map(|p| super::evidence::of_item(&items[i], p).into_boxed_slice())
                        .unwrap_or_default(),
                    excepted: false,
                    exception_reason: None,
                })
                .collect();
            Tally {
                findings,
                errors: outcome.errors.len(),
                first_error: outcome.errors.into_iter().next(),
            }
        })
        .collect()
}

fn technique_ids(check: &Check) -> Vec<String> {
    check
        .techniques
        .iter()
        .map(|t| t.value.to_string())
        .collect()
}

/// What the findings of `check` share.
fn check_ref(check: &Check) -> Arc<CheckRef> {
    Arc::new(CheckRef {
        id: check.id.value.clone(),
        severity: check.severity,
        techniques: technique_ids(check),
        message: check.message.clone(),
        verify: check.verify.clone(),
    })
}

/// The object of a view item, as its findings name it.
fn object_ref(item: &Item<'_>) -> Arc<ObjectRef> {
    let o = item.object;
    Arc::new(ObjectRef {
        api_version: o.api_version().to_owned(),
        kind: o.kind().to_owned(),
        namespace: o.namespace().to_owned(),
        name: o.name().to_owned(),
        file: o.file.clone(),
        line: o.line,
    })
}

mod validate;
pub use validate::{
    MAX_COMPREHENSION_DEPTH, MAX_EXPRESSION, evaluate_once, expression_limits, validate_checks,
};
