//! Executable detections: every `kubernetes-audit` detection with a `match` expression,
//! compiled once with the checks' CEL environment, gated by the resources and verbs its
//! expression requires so most events skip most detections, and evaluated per event.

use std::collections::HashSet;
use std::sync::Arc;

use cel::{Context, Env, Program};

use super::event::Prepared;
use super::gate::{Field, Gate};
use super::head::Facts;
use crate::checks::celjson::json_val;
use crate::matrix::diagnostic::{Code, Diagnostic};
use crate::matrix::{Detection, Matrix, Pos, Technique};

/// One compiled detection.
pub struct Compiled<'m> {
    pub id: String,
    pub technique: &'m Technique,
    pub detection: &'m Detection,
    program: Program,
    /// What the expression decides from an event's head alone.
    pub gate: Gate,
    /// The resources the expression requires (`None`: any).
    resources: Option<HashSet<String>>,
}

/// All executable detections of a matrix.
pub struct Detections<'m> {
    env: Arc<Env>,
    pub compiled: Vec<Compiled<'m>>,
    /// Detections by the resource they require (each list merged with those that require
    /// none), and those that require none: an event looks only at the detections its
    /// resource can satisfy.
    by_resource: std::collections::HashMap<String, Vec<usize>>,
    any_resource: Vec<usize>,
}

impl<'m> Detections<'m> {
    /// Compiles every executable detection (of the given techniques, when any are given);
    /// those that do not compile are diagnostics.
    pub fn new(matrix: &'m Matrix, techniques: &[String]) -> (Self, Vec<Diagnostic>) {
        let env = crate::checks::engine::env();
        let mut compiled = Vec::new();
        let mut diags = Vec::new();
        for t in &matrix.techniques {
            if !techniques.is_empty() && !techniques.iter().any(|x| x == t.id.as_str()) {
                continue;
            }
            for d in &t.detections {
                let (Some(expr), Some(id)) = (&d.expr, &d.id) else {
                    continue;
                };
                if let Some(problem) = crate::checks::engine::expression_limits(expr) {
                    diags.push(
                        Diagnostic::new(
                            Code::CheckExpression,
                            &t.origin.0,
                            expr.pos,
                            format!("detection {}: {problem}", id.value),
                        )
                        .hint("split the detection into simpler ones"),
                    );
                    continue;
                }
                match env.compile(expr) {
                    Ok(program) => {
                        let gate = Gate::of(program.expression());
                        compiled.push(Compiled {
                            id: id.value.clone(),
                            technique: t,
                            detection: d,
                            resources: gate.required(Field::Resource),
                            gate,
                            program,
                        });
                    }
                    Err(errors) => diags.push(
                        Diagnostic::new(
                            Code::CheckExpression,
                            &t.origin.0,
                            expr.pos,
                            format!(
                                "detection {}: CEL expression does not compile: {}",
                                id.value,
                                errors.to_string().lines().next().unwrap_or_default()
                            ),
                        )
                        .hint("variables: event, actor, groups, system, anonymous, allowed, peer, podSpec, containers, grants"),
                    ),
                }
            }
        }
        let mut any_resource = Vec::new();
        let mut by_resource: std::collections::HashMap<String, Vec<usize>> =
            std::collections::HashMap::new();
        for (i, c) in compiled.iter().enumerate() {
            match &c.resources {
                Some(resources) => {
                    for r in resources {
                        by_resource.entry(r.clone()).or_default().push(i);
                    }
                }
                None => any_resource.push(i),
            }
        }
        // Each resource's list also holds the detections that require none, in order.
        for list in by_resource.values_mut() {
            list.extend(&any_resource);
            list.sort_unstable();
        }
        (
            Self {
                env,
                compiled,
                by_resource,
                any_resource,
            },
            diags,
        )
    }

    /// The detections whose gates `facts` pass, in order: only these can match.
    pub fn gated<'s>(&'s self, facts: &'s Facts<'_>) -> impl Iterator<Item = usize> + 's {
        // A resource that is not a string equals no literal: only the detections that
        // require none can match.
        self.by_resource
            .get(facts.resource.unwrap_or(""))
            .unwrap_or(&self.any_resource)
            .iter()
            .copied()
            .filter(move |&i| self.compiled[i].gate.eval(facts) != Some(false))
    }

    /// The indices of the detections that match `event`, and evaluation errors.
    pub fn matches(&self, event: &Prepared, errors: &mut Vec<String>) -> Vec<usize> {
        let facts = event.facts();
        let mut out = Vec::new();
        let mut scope: Option<Context<'_, '_>> = None;
        for i in self.gated(&facts) {
            let c = &self.compiled[i];
            let ctx = scope.get_or_insert_with(|| context(&self.env, event));
            match c.program.execute(ctx) {
                Ok(cel::Value::Bool(true)) => out.push(i),
                Ok(cel::Value::Bool(false)) => {}
                Ok(other) => errors.push(format!("{}: gave {other:?}, not a bool", c.id)),
                Err(e) => errors.push(format!("{}: {e}", c.id)),
            }
        }
        out
    }
}

impl Detections<'_> {
    /// Runs detection `index` on `event` without its gate: what the gate must agree with.
    pub fn run_ungated(&self, index: usize, event: &Prepared) -> Result<bool, String> {
        match self.compiled[index]
            .program
            .execute(&context(&self.env, event))
        {
            Ok(cel::Value::Bool(b)) => Ok(b),
            Ok(other) => Err(format!("gave {other:?}, not a bool")),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// The variables of one event, built once for every detection that looks at it.
fn context<'e>(env: &Arc<Env>, e: &'e Prepared) -> Context<'e, 'e> {
    let mut ctx = Context::with_env(Arc::clone(env));
    ctx.add_variable_as_val("event", json_val(&e.event));
    ctx.add_variable_as_val("podSpec", json_val(&e.pod_spec));
    ctx.add_variable_as_val("containers", json_val(&e.containers));
    let _ = ctx.add_variable("actor", e.actor().to_owned());
    let groups: Vec<String> = e.groups().into_iter().map(str::to_owned).collect();
    let _ = ctx.add_variable("groups", groups);
    let _ = ctx.add_variable("system", e.system);
    let _ = ctx.add_variable("anonymous", e.anonymous);
    let _ = ctx.add_variable("allowed", e.allowed);
    let _ = ctx.add_variable("peer", e.peer().to_owned());
    let _ = ctx.add_variable("grants", e.grants().to_owned());
    ctx
}

/// Compiles every executable detection and runs its inline tests; checks ids.
pub fn validate_detections(matrix: &Matrix) -> Vec<Diagnostic> {
    let (detections, mut diags) = Detections::new(matrix, &[]);
    let mut seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for t in &matrix.techniques {
        for d in &t.detections {
            structure(t, d, &mut seen, &mut diags);
        }
    }
    for (i, c) in detections.compiled.iter().enumerate() {
        let file = &c.technique.origin.0;
        let at = c.detection.expr.as_ref().map_or(Pos::default(), |e| e.pos);
        let tests = c.detection.tests.clone().unwrap_or_default();
        if tests.matches.is_empty() || tests.no_match.is_empty() {
            diags.push(
                Diagnostic::new(
                    Code::CheckTestsMissing,
                    file,
                    at,
                    format!(
                        "detection {} needs at least one matching and one non-matching test event",
                        c.id
                    ),
                )
                .hint("add events under `tests.match` and `tests.no_match`"),
            );
        }
        for (want, list, events) in [
            (true, "match", &tests.matches),
            (false, "no_match", &tests.no_match),
        ] {
            for (n, event) in events.iter().enumerate() {
                let prepared = super::event::prepare(event.clone());
                let mut errors = Vec::new();
                let got = detections.matches(&prepared, &mut errors).contains(&i);
                let problem =
                    if let Some(e) = errors.iter().find(|e| e.starts_with(&format!("{}:", c.id))) {
                        Some(format!("could not be evaluated: {e}"))
                    } else if got != want {
                        Some(if want {
                            "did not match".to_owned()
                        } else {
                            "matched".to_owned()
                        })
                    } else {
                        None
                    };
                if let Some(problem) = problem {
                    diags.push(
                        Diagnostic::new(
                            Code::CheckTest,
                            file,
                            at,
                            format!("detection {}: test event tests.{list}[{n}] {problem}", c.id),
                        )
                        .hint("fix the expression or the test event"),
                    );
                }
            }
        }
    }
    diags
}

/// Ids: required with `match`, kebab-case, unique; `match` only on audit detections.
fn structure(
    t: &Technique,
    d: &Detection,
    seen: &mut std::collections::HashMap<String, String>,
    diags: &mut Vec<Diagnostic>,
) {
    let file = &t.origin.0;
    if let Some(expr) = &d.expr {
        if d.source.as_str() != "kubernetes-audit" {
            diags.push(
                Diagnostic::new(
                    Code::DetectionId,
                    file,
                    expr.pos,
                    format!(
                        "`match` runs over audit events, but this detection's source is {}",
                        d.source
                    ),
                )
                .hint("move the expression to a `kubernetes-audit` detection"),
            );
        }
        if d.id.is_none() {
            diags.push(
                Diagnostic::new(
                    Code::DetectionId,
                    file,
                    expr.pos,
                    "an executable detection needs an `id`",
                )
                .hint("add `id:` with a kebab-case name such as exec-into-pod; hunt hits carry it"),
            );
        }
    }
    if let Some(id) = &d.id {
        let kebab = !id.is_empty()
            && id.split('-').all(|w| {
                !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if !kebab {
            diags.push(
                Diagnostic::new(
                    Code::DetectionId,
                    file,
                    id.pos,
                    format!("detection id `{}` is not kebab-case", id.value),
                )
                .hint("use lower-case words joined by '-'"),
            );
        }
        if let Some(first) = seen.get(&id.value) {
            diags.push(
                Diagnostic::new(
                    Code::DetectionId,
                    file,
                    id.pos,
                    format!("detection id `{}` is also used in {first}", id.value),
                )
                .hint("every detection id is unique in the matrix"),
            );
        } else {
            seen.insert(id.value.clone(), file.clone());
        }
    }
}
