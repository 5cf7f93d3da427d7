//! Structural rules for check files: id, view, technique links in both directions.
//! (Expression compilation and inline tests need the CEL engine and live in `checks`.)

use super::Matrix;
use super::check::{Check, VIEWS};
use super::diagnostic::{Code, Diagnostic};
use super::model::Located;
use super::validate::{empty_name, file_name, is_slug, suggest, unknown_technique};

pub(super) fn check_rules(matrix: &Matrix, check: &Check, out: &mut Vec<Diagnostic>) {
    let file = &check.origin.0;
    let id = check.id.as_str();
    if !is_slug(id) {
        out.push(
            Diagnostic::new(
                Code::IdFormat,
                file,
                check.id.pos,
                format!("check id `{id}` is not kebab-case"),
            )
            .hint("use lower-case words joined by '-', for example privileged-container"),
        );
    }
    file_name(file, &check.id, out);
    let title = Located::new(check.title.clone(), check.id.pos);
    empty_name(file, &title, "check title", out);
    if !VIEWS.contains(&check.view.as_str()) {
        out.push(
            Diagnostic::new(
                Code::UnknownView,
                file,
                check.view.pos,
                format!("view `{}` does not exist", check.view),
            )
            .hint(suggest(
                check.view.as_str(),
                VIEWS.into_iter(),
                &format!("use one of: {}", VIEWS.join(", ")),
            )),
        );
    }
    if check.techniques.is_empty() {
        out.push(
            Diagnostic::new(
                Code::UnknownTechnique,
                file,
                check.id.pos,
                format!("check {id} names no technique"),
            )
            .hint("list the MS-TA ids whose trace this check finds under `techniques`"),
        );
    }
    for tid in &check.techniques {
        let Some(t) = matrix.technique(tid.as_str()) else {
            unknown_technique(matrix, file, tid, out);
            continue;
        };
        if !t.checks.iter().any(|c| c.as_str() == id) {
            out.push(
                Diagnostic::new(
                    Code::AsymmetricLink,
                    file,
                    tid.pos,
                    format!("check {id} names technique {tid}, but {tid} does not list {id}"),
                )
                .hint(format!(
                    "add {id} to `checks` in {}, or remove {tid} here",
                    t.origin.0
                )),
            );
        }
    }
    // The technique side: a technique that lists a check the check does not name.
    for t in &matrix.techniques {
        for c in &t.checks {
            if c.as_str() == id && !check.techniques.iter().any(|x| x.value == t.id.value) {
                out.push(
                    Diagnostic::new(
                        Code::AsymmetricLink,
                        &t.origin.0,
                        c.pos,
                        format!("{} lists check {id}, but {id} does not name {}", t.id, t.id),
                    )
                    .hint(format!(
                        "add {} to `techniques` in {file}, or remove the check here",
                        t.id
                    )),
                );
            }
        }
    }
}
