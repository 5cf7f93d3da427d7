//! Specialised nodes for the shapes the checks use most, chosen while compiling: each
//! stands for exactly what the general nodes would compute, errors included, but with
//! fewer steps and no allocation (see `run` for how each is evaluated, and why it agrees).

use std::rc::Rc;

use serde_json::Value;

use super::super::json::Key;
use super::access::{self, Found, Indexed};
use super::compile::{Fold, Node, TextFn};
use super::fold::chainable;
use super::run::Scope;
use super::value::{Lit, V, equals};
use super::{Res, Stop};

/// A constant that `==` compares without ever failing, whatever the other side: a string,
/// a number, a bool or null. Against any of these cel's equality is symmetric.
fn is_scalar(l: &Lit) -> bool {
    matches!(
        l,
        Lit::Null | Lit::Bool(_) | Lit::Int(_) | Lit::Uint(_) | Lit::Double(_) | Lit::Str(_)
    )
}

/// `a == b` (`!=` when `negate`): a scalar constant on either side is kept aside, so that
/// the comparison needs no evaluation of it (and a constant never fails, so the order in
/// which the sides are evaluated does not matter).
pub fn eq(a: Node, b: Node, negate: bool) -> Node {
    match (a, b) {
        (x, Node::Const(l)) if is_scalar(&l) => Node::EqConst(Box::new(x), l, negate),
        (Node::Const(l), x) if is_scalar(&l) => Node::EqConst(Box::new(x), l, negate),
        (a, b) => Node::Eq(Box::new(a), Box::new(b), negate),
    }
}

/// `a in b`: a constant list of strings only becomes a lookup among them (each element's
/// equality with `a` is plain string equality and never fails).
pub fn is_in(a: Node, b: Node) -> Node {
    match b {
        Node::Const(Lit::List(items)) if items.iter().all(|l| matches!(l, Lit::Str(_))) => {
            let strings = items
                .into_iter()
                .filter_map(|l| match l {
                    Lit::Str(s) => Some(s),
                    _ => None,
                })
                .collect();
            Node::InStrs(Box::new(a), strings)
        }
        b => Node::In(Box::new(a), Box::new(b)),
    }
}

/// `a + b`: a chain of additions starting with a list literal is kept as one chain, so
/// that a comprehension over it can iterate its parts without building the list.
pub fn add(a: Node, b: Node) -> Node {
    match a {
        Node::Concat(mut parts) => {
            parts.push(b);
            Node::Concat(parts)
        }
        a @ (Node::List(_) | Node::Const(Lit::List(_))) => Node::Concat(vec![a, b]),
        a => Node::Add(Box::new(a), Box::new(b)),
    }
}

/// `t.orValue(d)`: with a constant `d`, evaluated without a step for the default (which
/// cel evaluates first, harmlessly, since a constant never fails).
pub fn or_value(t: Node, d: Node) -> Node {
    match (t, d) {
        (Node::OptSelect(base, field), Node::Const(l)) => Node::OptOr(base, field, l),
        (Node::Index(base, key, true), Node::Const(l)) => Node::IndexOr(base, key, l),
        (t, Node::Const(l)) => Node::OrConst(Box::new(t), l),
        (t, d) => Node::OrValue(Box::new(t), Box::new(d)),
    }
}

/// The strings a test of comprehension variable `slot` against constant strings accepts:
/// `v == 's'` or `v in [...]`, which never fail.
fn string_test(node: &Node, slot: usize) -> Option<Vec<String>> {
    match node {
        Node::EqConst(v, Lit::Str(s), false) if matches!(**v, Node::Local(l) if l == slot) => {
            Some(vec![s.clone()])
        }
        Node::InStrs(v, strings) if matches!(**v, Node::Local(l) if l == slot) => {
            Some(strings.to_vec())
        }
        _ => None,
    }
}

/// `a || b`: `v == 's' || v == 't' || v in [...]` over one comprehension variable is one
/// lookup `v in ['s', 't', ...]` (each side never fails, so none absorbs anything).
pub fn or(a: Node, b: Node) -> Node {
    if let Node::EqConst(v, ..) | Node::InStrs(v, _) = &a {
        if let Node::Local(slot) = **v {
            if let (Some(mut x), Some(y)) = (string_test(&a, slot), string_test(&b, slot)) {
                x.extend(y);
                return Node::InStrs(Box::new(Node::Local(slot)), x.into());
            }
        }
    }
    Node::Or(Box::new(a), Box::new(b))
}

/// An `all` / `exists` comprehension: `exists(v, v in [...])` over a range that is not a
/// list literal or a chain becomes one scan of the range.
pub fn fold(fold: Fold, slot: usize, range: Box<Node>, body: Node, memos: (usize, usize)) -> Node {
    match body {
        Node::InStrs(v, strings)
            if fold == Fold::Exists
                && matches!(*v, Node::Local(l) if l == slot)
                && !matches!(*range, Node::List(_) | Node::Concat(_)) =>
        {
            Node::ExistsIn(range, strings)
        }
        body => Node::Fold {
            fold,
            slot,
            range,
            body: Box::new(body),
            memos,
        },
    }
}

/// `t.startsWith(a)` / `t.endsWith(a)`: with `a` a string `h + 'constant'`, the two parts
/// are matched one after the other instead of building their concatenation.
pub fn text(f: TextFn, t: Node, a: Node) -> Node {
    let t = Box::new(t);
    match a {
        Node::Add(head, tail) => match *tail {
            Node::Const(Lit::Str(s)) => Node::TextCat(f, t, head, s),
            tail => Node::Text(f, t, Box::new(Node::Add(head, Box::new(tail)))),
        },
        a => Node::Text(f, t, Box::new(a)),
    }
}

impl<'a> Scope<'a> {
    // Each specialised node is evaluated by a function of its own, kept out of `eval`:
    // inlined there, they made its every call dearer.

    #[inline(never)]
    pub(super) fn eq_const(&mut self, a: &'a Node, lit: &'a Lit, negate: bool) -> Res<V<'a>> {
        let v = self.operand(a)?;
        let same = match (&v, lit) {
            (V::Str(x), Lit::Str(y)) => *x == y,
            (V::Bool(x), Lit::Bool(y)) => x == y,
            _ => equals(&v, &V::lit(lit))?,
        };
        Ok(V::Bool(same != negate))
    }

    /// Each element is a string, equal only to the same string (an optional, a number or
    /// a list never is); an empty list holds nothing.
    #[inline(never)]
    pub(super) fn in_strs(&mut self, a: &'a Node, strings: &'a [String]) -> Res<V<'a>> {
        let v = self.operand(a)?;
        Ok(V::Bool(
            v.as_str().is_some_and(|s| strings.iter().any(|x| x == s)),
        ))
    }

    /// Only optionals have an `orValue` overload.
    #[inline(never)]
    pub(super) fn or_const(&mut self, target: &'a Node, lit: &'a Lit) -> Res<V<'a>> {
        match self.eval(target)? {
            V::OptJson(None) => Ok(V::lit(lit)),
            V::OptJson(Some(j)) => Ok(V::json(j)),
            V::Opt(inner) => Ok(Rc::unwrap_or_clone(inner)),
            _ => Err(Stop::Error),
        }
    }

    #[inline(never)]
    pub(super) fn opt_or(&mut self, base: &'a Node, field: &'a String, lit: &'a Lit) -> Res<V<'a>> {
        let found = match self.operand(base)? {
            V::JsonMap(map) | V::OptJson(Some(Value::Object(map))) => map.key(field),
            // Any other JSON value has no fields: an empty optional.
            V::OptJson(_) => None,
            V::Container(t) => t.get(field),
            V::Item(item) => {
                return Ok(
                    access::item_field(item, field).map_or_else(|| V::lit(lit), Found::value)
                );
            }
            other => {
                return match access::opt_select(other, field)? {
                    V::OptJson(None) => Ok(V::lit(lit)),
                    V::OptJson(Some(j)) => Ok(V::json(j)),
                    V::Opt(inner) => Ok(Rc::unwrap_or_clone(inner)),
                    _ => Err(Stop::Error),
                };
            }
        };
        Ok(found.map_or_else(|| V::lit(lit), V::json))
    }

    /// `a[?k]` then `orValue`: an empty optional `a` gives the default without the key
    /// being evaluated, a failed lookup gives it too.
    #[inline(never)]
    pub(super) fn index_or(&mut self, base: &'a Node, key: &'a Node, lit: &'a Lit) -> Res<V<'a>> {
        let target = match access::index_target(self.operand(base)?, true) {
            Indexed::Done => return Ok(V::lit(lit)),
            Indexed::Into(target, _) => target,
        };
        let key = self.operand(key)?;
        match (&target, &key) {
            (V::JsonMap(map), V::Str(k)) => {
                Ok(map.key(k.as_str()).map_or_else(|| V::lit(lit), V::json))
            }
            _ => match access::index_into(&target, &key) {
                Ok(found) => Ok(found.value()),
                Err(Stop::Error) => Ok(V::lit(lit)),
                Err(Stop::Unsure) => Err(Stop::Unsure),
            },
        }
    }

    /// The body never fails: the answer is whether an element is one of the strings.
    #[inline(never)]
    pub(super) fn exists_in(&mut self, range: &'a Node, strings: &'a [String]) -> Res<V<'a>> {
        let accepts = |s: &str| strings.iter().any(|x| x == s);
        match self.operand(range)? {
            V::JsonList(items) => Ok(V::Bool(
                items
                    .iter()
                    .any(|v| matches!(v, Value::String(s) if accepts(s))),
            )),
            other => {
                let Some(mut items) = other.elements() else {
                    return Err(Stop::Error);
                };
                Ok(V::Bool(items.any(|v| v.as_str().is_some_and(accepts))))
            }
        }
    }

    #[inline(never)]
    pub(super) fn concat(&mut self, parts: &'a [Node]) -> Res<V<'a>> {
        let mut out = Vec::new();
        for (position, part) in parts.iter().enumerate() {
            let v = self.eval(part)?;
            if !chainable(&v, position) {
                return Err(Stop::Error);
            }
            out.extend(v.elements().into_iter().flatten());
        }
        Ok(V::List(Rc::new(out)))
    }

    /// `target.startsWith(head + tail)` and the like. cel evaluates the argument first, and
    /// `+` fails unless `head` is a string (the constant `tail` is one), before the target
    /// is evaluated; the call then fails unless the target is a string too.
    #[inline(never)]
    pub(super) fn text_cat(
        &mut self,
        f: TextFn,
        target: &'a Node,
        head: &'a Node,
        tail: &str,
    ) -> Res<V<'a>> {
        let head = self.eval(head)?;
        let Some(h) = head.as_str() else {
            return Err(Stop::Error);
        };
        let target = self.eval(target)?;
        let Some(t) = target.as_str() else {
            return Err(Stop::Error);
        };
        Ok(V::Bool(match f {
            TextFn::StartsWith => t.strip_prefix(h).is_some_and(|rest| rest.starts_with(tail)),
            TextFn::EndsWith => t.strip_suffix(tail).is_some_and(|rest| rest.ends_with(h)),
            TextFn::Contains => t.contains(&format!("{h}{tail}")),
        }))
    }
}
