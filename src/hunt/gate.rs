//! Gates: what a detection's expression can decide from an event's head alone, read from
//! its compiled CEL syntax tree. `&&`, `||` and `!` over comparisons of the verb, the
//! resource, the subresource, the namespace, the actor, the response code and the derived
//! flags are kept; everything else is *unknown*. An event is shown to a detection only
//! when its gate does not come out definitely false, so most routine traffic never reaches
//! CEL, and none of it needs a full parse.
//!
//! Sound by construction: a gate is three-valued (true, false, unknown) and only claims
//! false where CEL, whose `&&` and `||` absorb errors the same way, would give false.

use std::collections::HashSet;

use cel::common::ast::{Expr, LiteralValue};
use cel::parser::Expression;

use super::head::Facts;

/// A string fact of the event's head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Verb,
    Resource,
    Subresource,
    Namespace,
    Actor,
}

/// A boolean fact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    Anonymous,
    Allowed,
    System,
    /// `has(event.impersonatedUser)`: the key is there (even when null).
    Impersonated,
}

/// What an expression says in terms of facts.
#[derive(Clone, Debug, PartialEq)]
pub enum Gate {
    Unknown,
    And(Vec<Gate>),
    Or(Vec<Gate>),
    Not(Box<Gate>),
    Flag(Flag),
    /// The field is one of these.
    In(Field, Vec<String>),
    /// The field starts with this.
    Prefix(Field, String),
    /// The response code is one of these.
    Code(Vec<i64>),
}

impl Flag {
    pub fn of(self, f: &Facts<'_>) -> bool {
        match self {
            Flag::Anonymous => f.anonymous,
            Flag::Allowed => f.allowed,
            Flag::System => f.system,
            Flag::Impersonated => f.impersonated,
        }
    }
}

impl Field {
    fn of<'a>(self, f: &Facts<'a>) -> Option<&'a str> {
        match self {
            Field::Verb => f.verb,
            Field::Resource => f.resource,
            Field::Subresource => f.subresource,
            Field::Namespace => f.namespace,
            Field::Actor => Some(f.actor),
        }
    }

    /// The field an expression such as `event.objectRef.resource` or `actor` names.
    fn named(e: &Expression) -> Option<Self> {
        match path(e)?.as_slice() {
            ["event", "verb"] => Some(Field::Verb),
            ["event", "objectRef", "resource"] => Some(Field::Resource),
            ["event", "objectRef", "subresource"] => Some(Field::Subresource),
            ["event", "objectRef", "namespace"] => Some(Field::Namespace),
            ["actor"] => Some(Field::Actor),
            _ => None,
        }
    }
}

impl Gate {
    /// Reads the gate of a compiled expression.
    pub fn of(e: &Expression) -> Self {
        match &e.expr {
            Expr::Ident(name) => match name.as_str() {
                "anonymous" => Gate::Flag(Flag::Anonymous),
                "allowed" => Gate::Flag(Flag::Allowed),
                "system" => Gate::Flag(Flag::System),
                _ => Gate::Unknown,
            },
            Expr::Select(s) if s.test && s.field == "impersonatedUser" => {
                if matches!(&s.operand.expr, Expr::Ident(n) if n == "event") {
                    Gate::Flag(Flag::Impersonated)
                } else {
                    Gate::Unknown
                }
            }
            Expr::Call(call) => {
                let args = &call.args;
                match (
                    call.func_name.as_str(),
                    call.target.as_deref(),
                    args.as_slice(),
                ) {
                    ("_&&_", None, _) => Some(Gate::And(args.iter().map(Gate::of).collect())),
                    ("_||_", None, _) => Some(Gate::Or(args.iter().map(Gate::of).collect())),
                    ("!_", None, [inner]) => Some(Gate::Not(Box::new(Gate::of(inner)))),
                    ("_==_", None, [a, b]) => equals(a, b).or_else(|| equals(b, a)),
                    ("_!=_", None, [a, b]) => equals(a, b)
                        .or_else(|| equals(b, a))
                        .map(|g| Gate::Not(Box::new(g))),
                    ("@in", None, [a, list]) => within(a, list),
                    ("startsWith", Some(target), [lit]) => {
                        match (Field::named(target), string(lit)) {
                            (Some(field), Some(s)) => Some(Gate::Prefix(field, s)),
                            _ => None,
                        }
                    }
                    _ => None,
                }
                .unwrap_or(Gate::Unknown)
            }
            _ => Gate::Unknown,
        }
    }

    /// True, false, or `None` when the facts cannot tell.
    pub fn eval(&self, f: &Facts<'_>) -> Option<bool> {
        match self {
            Gate::Unknown => None,
            Gate::And(all) => decide(all, f, false),
            Gate::Or(any) => decide(any, f, true),
            Gate::Not(inner) => inner.eval(f).map(|b| !b),
            Gate::Flag(flag) => Some(flag.of(f)),
            Gate::In(field, values) => field.of(f).map(|v| values.iter().any(|x| x == v)),
            Gate::Prefix(field, start) => field.of(f).map(|v| v.starts_with(start.as_str())),
            Gate::Code(codes) => f.code.map(|c| codes.contains(&c)),
        }
    }

    /// The values `field` must take for the gate to hold (`None`: any), for indexing.
    pub fn required(&self, field: Field) -> Option<HashSet<String>> {
        match self {
            Gate::In(f, values) if *f == field => Some(values.iter().cloned().collect()),
            Gate::And(all) => all.iter().find_map(|g| g.required(field)),
            Gate::Or(any) => {
                let mut union = HashSet::new();
                for g in any {
                    union.extend(g.required(field)?);
                }
                Some(union)
            }
            _ => None,
        }
    }
}

/// `&&` (`decisive` false) or `||` (`decisive` true) in three values: one part with the
/// decisive value settles it, all parts known settle it the other way, else unknown.
fn decide(parts: &[Gate], f: &Facts<'_>, decisive: bool) -> Option<bool> {
    let mut known = true;
    for g in parts {
        match g.eval(f) {
            Some(b) if b == decisive => return Some(decisive),
            Some(_) => {}
            None => known = false,
        }
    }
    known.then_some(!decisive)
}

/// `field == 'literal'` or `event.responseStatus.code == 403`.
fn equals(a: &Expression, b: &Expression) -> Option<Gate> {
    if let (Some(field), Some(s)) = (Field::named(a), string(b)) {
        return Some(Gate::In(field, vec![s]));
    }
    if is_code(a) {
        return int(b).map(|n| Gate::Code(vec![n]));
    }
    None
}

/// `field in ['a', 'b']` or `event.responseStatus.code in [401, 403]`.
fn within(a: &Expression, list: &Expression) -> Option<Gate> {
    let Expr::List(list) = &list.expr else {
        return None;
    };
    if !list.optional_indices.is_empty() {
        return None;
    }
    if let Some(field) = Field::named(a) {
        let values: Option<Vec<String>> = list.elements.iter().map(string).collect();
        return values.map(|v| Gate::In(field, v));
    }
    if is_code(a) {
        let codes: Option<Vec<i64>> = list.elements.iter().map(int).collect();
        return codes.map(Gate::Code);
    }
    None
}

fn is_code(e: &Expression) -> bool {
    path(e).is_some_and(|p| p == ["event", "responseStatus", "code"])
}

/// `a.b.c` as `["a", "b", "c"]`: identifiers and plain field selections only.
fn path(e: &Expression) -> Option<Vec<&str>> {
    let mut segments = Vec::new();
    let mut at = e;
    loop {
        match &at.expr {
            Expr::Ident(name) => {
                segments.push(name.as_str());
                segments.reverse();
                return Some(segments);
            }
            Expr::Select(s) if !s.test => {
                segments.push(s.field.as_str());
                at = &s.operand;
            }
            _ => return None,
        }
    }
}

fn string(e: &Expression) -> Option<String> {
    match &e.expr {
        Expr::Literal(LiteralValue::String(s)) => Some(s.inner().to_owned()),
        _ => None,
    }
}

fn int(e: &Expression) -> Option<i64> {
    match &e.expr {
        Expr::Literal(LiteralValue::Int(n)) => Some(*n.inner()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
