//! A fast evaluator for the subset of CEL the checks use, working on the borrowed JSON of
//! a view item; cel 0.15's interpreter stays the reference and the fallback.
//!
//! cel's interpreter costs about 5 µs per item and check: every field read boxes a value,
//! every comprehension clones. This one reads `serde_json::Value`s where they lie and
//! compiles literal regular expressions once. It answers only when it knows cel's answer:
//! [`Fast::eval`] gives `Some(b)` exactly where cel would give `Ok(Bool(b))`, and `None`
//! wherever cel would fail, give something else, or where this module does not know; the
//! loop then runs cel, so findings and error messages are cel's own.
//!
//! Soundness rests on modelling cel's behaviour operator by operator (see `access` and
//! `value`, each case with the reason), and is checked by differential tests over every
//! shipped check, the fixtures, a synthetic cluster and random mutations of them.
//!
//! Speed comes from not allocating (values of 16 bytes borrowing JSON and constants,
//! comprehension variables and memos in fixed arrays, list literals and `+` chains
//! iterated in parts: `fold`), from specialised nodes for the checks' frequent shapes
//! (`fuse`) and from memoizing the parts of a comprehension body that do not depend on
//! its variable (`hoist`); each keeps the general nodes' answers, errors included.

mod access;
mod compile;
mod fold;
mod fuse;
mod hoist;
mod run;
mod shape;
mod value;

#[cfg(test)]
mod tests;

use cel::parser::Expression;
use serde_json::Value;

use self::compile::{Compiler, Node};
use self::run::Scope;
use self::value::V;
use super::views::Item;

/// Why an evaluation stops without a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    /// cel would certainly give an error here; `&&`, `||`, `all` and `exists` may still
    /// absorb it, as cel's do.
    Error,
    /// Not modelled: cel must decide.
    Unsure,
}

/// A step's value, or why there is none.
type Res<T> = Result<T, Stop>;

/// A check's expression, compiled for the fast evaluator.
#[derive(Debug)]
pub struct Fast {
    root: Node,
}

impl Fast {
    /// Compiles cel's syntax tree of an expression whose view item is bound to `var`;
    /// `None` when it uses anything the evaluator does not model.
    pub fn compile(expr: &Expression, var: &str) -> Option<Fast> {
        Compiler::new(var).node(expr).map(|root| Fast { root })
    }

    /// The expression's value over `item`, with `params` and `object` bound: `Some(b)`
    /// only where cel would give `Ok(Bool(b))`, `None` where cel must decide.
    pub fn eval(&self, item: &Item<'_>, params: &Value, object: &Value) -> Option<bool> {
        Over::new(item, object).eval(self, params)
    }
}

/// The evaluations of several expressions over one item, in one scope: it is set up once
/// per item rather than once per check. Reuse is sound because an expression writes a
/// comprehension variable before it reads it, and forgets a comprehension's memos as
/// that comprehension starts (memos exist only there).
pub struct Over<'a> {
    scope: Scope<'a>,
}

impl<'a> Over<'a> {
    pub fn new(item: &'a Item<'a>, object: &'a Value) -> Self {
        static NONE: Value = Value::Null;
        Over {
            scope: Scope::new(item, &NONE, object),
        }
    }

    /// [`Fast::eval`] of `fast` with `params` bound.
    pub fn eval(&mut self, fast: &'a Fast, params: &'a Value) -> Option<bool> {
        self.scope.params = params;
        match self.scope.eval(&fast.root) {
            Ok(V::Bool(b)) => Some(b),
            _ => None,
        }
    }
}
