//! Shapes of cel's syntax tree: the macro expansions of comprehensions (`all`, `exists`,
//! `map`, `filter`), recognised so that they compile to folds and maps, and literals.

use cel::common::ast::{Expr, LiteralValue, operators};
use cel::parser::Expression;
use regex::Regex;

use super::compile::{Fold, Node, Pattern};
use super::value::Lit;

/// What a comprehension's expansion does: one of the macro shapes cel's parser writes.
pub enum Shape<'e> {
    /// `all` / `exists`, with the predicate.
    Fold(Fold, &'e Expression),
    /// `map` / `filter`: the optional guard and the appended element.
    Map(Option<&'e Expression>, &'e Expression),
}

fn is_ident(e: &Expression, name: &str) -> bool {
    matches!(&e.expr, Expr::Ident(n) if n == name)
}

/// `(func, args)` of a call without target.
fn call_of(e: &Expression) -> Option<(&str, &[Expression])> {
    match &e.expr {
        Expr::Call(c) if c.target.is_none() => Some((c.func_name.as_str(), c.args.as_slice())),
        _ => None,
    }
}

fn bool_literal(e: &Expression) -> Option<bool> {
    match &e.expr {
        Expr::Literal(LiteralValue::Boolean(b)) => Some(*b.inner()),
        _ => None,
    }
}

impl<'e> Shape<'e> {
    pub fn of(c: &'e cel::common::ast::ComprehensionExpr, accu: &str) -> Option<Self> {
        if !is_ident(&c.result, accu) {
            return None;
        }
        if let Some(init) = bool_literal(&c.accu_init) {
            let (fold, op) = if init {
                (Fold::All, operators::LOGICAL_AND)
            } else {
                (Fold::Exists, operators::LOGICAL_OR)
            };
            // all: @not_strictly_false(@result); exists: @not_strictly_false(!@result)
            let (name, [cond]) = call_of(&c.loop_cond)? else {
                return None;
            };
            let cond_ok = name == operators::NOT_STRICTLY_FALSE
                && match fold {
                    Fold::All => is_ident(cond, accu),
                    Fold::Exists => matches!(call_of(cond),
                        Some((operators::LOGICAL_NOT, [a])) if is_ident(a, accu)),
                };
            let (step, [first, body]) = call_of(&c.loop_step)? else {
                return None;
            };
            return (cond_ok && step == op && is_ident(first, accu))
                .then_some(Shape::Fold(fold, body));
        }
        let Expr::List(init) = &c.accu_init.expr else {
            return None;
        };
        if !init.elements.is_empty() || bool_literal(&c.loop_cond) != Some(true) {
            return None;
        }
        let append = |e: &'e Expression| -> Option<&'e Expression> {
            let (operators::ADD, [acc, list]) = call_of(e)? else {
                return None;
            };
            match &list.expr {
                Expr::List(l)
                    if is_ident(acc, accu)
                        && l.optional_indices.is_empty()
                        && l.elements.len() == 1 =>
                {
                    l.elements.first()
                }
                _ => None,
            }
        };
        match call_of(&c.loop_step) {
            Some((operators::CONDITIONAL, [guard, step, otherwise]))
                if is_ident(otherwise, accu) =>
            {
                Some(Shape::Map(Some(guard), append(step)?))
            }
            _ => Some(Shape::Map(None, append(&c.loop_step)?)),
        }
    }
}

/// A literal's constant; bytes are not modelled.
pub fn literal(l: &LiteralValue) -> Option<Lit> {
    Some(match l {
        LiteralValue::Boolean(b) => Lit::Bool(*b.inner()),
        LiteralValue::Int(i) => Lit::Int(*i.inner()),
        LiteralValue::UInt(u) => Lit::Uint(*u.inner()),
        LiteralValue::Double(d) => Lit::Double(*d.inner()),
        LiteralValue::String(s) => Lit::Str(s.inner().to_owned()),
        LiteralValue::Null => Lit::Null,
        LiteralValue::Bytes(_) => return None,
    })
}

/// A list literal of constants is itself a constant.
pub fn constant_list(items: Vec<Node>) -> Node {
    if items.iter().all(|n| matches!(n, Node::Const(_))) {
        let lits = items
            .into_iter()
            .filter_map(|n| match n {
                Node::Const(l) => Some(l),
                _ => None,
            })
            .collect();
        Node::Const(Lit::List(lits))
    } else {
        Node::List(items)
    }
}

/// A `matches` pattern: a literal one is compiled here, once.
pub fn pattern(node: Node) -> Pattern {
    match node {
        Node::Const(Lit::Str(p)) => Pattern::Fixed(Regex::new(&p).map_err(|_| ())),
        other => Pattern::Dynamic(Box::new(other)),
    }
}
