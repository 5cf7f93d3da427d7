//! Evaluating a compiled expression over one item, with cel 0.15's rules for errors:
//! `&&` and `||` absorb an error on either side when the other side decides, `all` and
//! `exists` absorb an element's error when another element decides, everything else
//! passes errors on.

use std::rc::Rc;

use serde_json::Value;

use super::access::{self, Indexed};
use super::compile::{CmpOp, MAX_LOCALS, Node, Pattern, TextFn};
use super::hoist::MAX_MEMOS;
use super::value::{V, compare, equals};
use super::{Res, Stop};
use crate::checks::views::Item;

/// The bindings of one evaluation.
pub struct Scope<'a> {
    /// The view item as cel sees it: a layered map, or its JSON when it has no layers.
    pub item: V<'a>,
    pub params: &'a Value,
    pub object: &'a Value,
    /// Comprehension variables, by nesting depth (a slot deeper than the comprehension
    /// being evaluated holds a stale value, never read: the compiler resolves each name).
    pub locals: [V<'a>; MAX_LOCALS],
    /// What the memoized parts of comprehension bodies gave, once reached.
    pub memos: [Option<Res<V<'a>>>; MAX_MEMOS],
}

impl<'a> Scope<'a> {
    pub fn new(item: &'a Item<'a>, params: &'a Value, object: &'a Value) -> Self {
        let item = if item.layered() {
            V::Item(item)
        } else {
            V::json(&item.value)
        };
        Self {
            item,
            params,
            object,
            locals: std::array::from_fn(|_| V::Null),
            memos: std::array::from_fn(|_| None),
        }
    }

    /// A boolean, as cel's `try_bool` wants one: anything else is an error.
    pub fn truth(&mut self, node: &'a Node) -> Res<bool> {
        match self.eval(node)? {
            V::Bool(b) => Ok(b),
            _ => Err(Stop::Error),
        }
    }

    /// [`Scope::eval`], without a call for the leaves read most: a comprehension variable
    /// and the item.
    #[inline]
    pub fn operand(&mut self, node: &'a Node) -> Res<V<'a>> {
        match node {
            Node::Local(slot) => self.locals.get(*slot).cloned().ok_or(Stop::Unsure),
            Node::Item => Ok(self.item.clone()),
            _ => self.eval(node),
        }
    }

    pub fn eval(&mut self, node: &'a Node) -> Res<V<'a>> {
        match node {
            Node::Const(l) => Ok(V::lit(l)),
            Node::Type(t) => Ok(V::Type(t)),
            Node::Item => Ok(self.item.clone()),
            Node::Params => Ok(V::json(self.params)),
            Node::Object => Ok(V::json(self.object)),
            Node::Local(slot) => self.locals.get(*slot).cloned().ok_or(Stop::Unsure),
            Node::EqConst(a, lit, negate) => self.eq_const(a, lit, *negate),
            Node::InStrs(a, strings) => self.in_strs(a, strings),
            Node::TextCat(f, target, head, tail) => self.text_cat(*f, target, head, tail),
            Node::OrConst(target, lit) => self.or_const(target, lit),
            Node::OptOr(base, field, lit) => self.opt_or(base, field, lit),
            Node::IndexOr(base, key, lit) => self.index_or(base, key, lit),
            Node::ExistsIn(range, strings) => self.exists_in(range, strings),
            Node::Concat(parts) => self.concat(parts),
            Node::Select(operand, field) => access::select(self.operand(operand)?, field),
            Node::OptSelect(operand, field) => access::opt_select(self.operand(operand)?, field),
            Node::Has(operand, field) => access::has(self.operand(operand)?, field).map(V::Bool),
            Node::Not(a) => match self.eval(a)? {
                V::Bool(b) => Ok(V::Bool(!b)),
                _ => Err(Stop::Error),
            },
            Node::And(a, b) => self.and_or(a, b, false).map(V::Bool),
            Node::Or(a, b) => self.and_or(a, b, true).map(V::Bool),
            Node::Cond(c, a, b) => {
                if self.truth(c)? {
                    self.eval(a)
                } else {
                    self.eval(b)
                }
            }
            Node::Index(..)
            | Node::Size(_)
            | Node::Eq(..)
            | Node::Cmp(..)
            | Node::In(..)
            | Node::Add(..)
            | Node::List(_) => self.general(node),
            Node::OrValue(target, default) => self.or_value(target, default),
            Node::TypeOf(a) => Ok(V::Type(self.eval(a)?.type_name())),
            Node::Text(f, target, arg) => self.text(*f, target, arg).map(V::Bool),
            Node::Matches(target, pattern) => self.matches(target, pattern).map(V::Bool),
            Node::Fold {
                fold,
                slot,
                range,
                body,
                memos,
            } => {
                self.forget(*memos);
                self.fold(*fold, *slot, range, body).map(V::Bool)
            }
            Node::Memo(at, inner) => self.memo(*at, inner),
            Node::Map {
                slot,
                range,
                guard,
                body,
            } => self.map(*slot, range, guard.as_deref(), body),
        }
    }

    /// The general nodes less often reached, kept out of `eval` so that its frame stays
    /// small for the frequent ones.
    #[inline(never)]
    fn general(&mut self, node: &'a Node) -> Res<V<'a>> {
        match node {
            Node::Index(operand, key, optional) => {
                match access::index_target(self.operand(operand)?, *optional) {
                    Indexed::Done => Ok(V::OptJson(None)),
                    Indexed::Into(target, optional) => {
                        let key = self.eval(key)?;
                        access::index(&target, &key, optional)
                    }
                }
            }
            Node::Eq(a, b, negate) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                Ok(V::Bool(equals(&a, &b)? != *negate))
            }
            Node::Cmp(a, b, op) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                let ord = compare(&a, &b)?;
                Ok(V::Bool(match op {
                    CmpOp::Less => ord.is_lt(),
                    CmpOp::LessEq => ord.is_le(),
                    CmpOp::Greater => ord.is_gt(),
                    CmpOp::GreaterEq => ord.is_ge(),
                }))
            }
            Node::In(a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                access::contains(&a, &b).map(V::Bool)
            }
            Node::Add(a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                access::add(&a, &b)
            }
            Node::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.eval(item)?);
                }
                Ok(V::List(Rc::new(out)))
            }
            Node::Size(a) => {
                let v = self.eval(a)?;
                // Strings, lists and maps have a `size` overload (bytes too, never made
                // here); nothing else has, and no function stands in for a missing one.
                v.size().map(V::Int).ok_or(Stop::Error)
            }
            _ => Err(Stop::Unsure),
        }
    }

    #[inline(never)]
    fn text(&mut self, f: TextFn, target: &'a Node, arg: &'a Node) -> Res<bool> {
        let arg = self.eval(arg)?;
        let target = self.eval(target)?;
        // The overloads take two strings; any other call fails.
        let (Some(t), Some(a)) = (target.as_str(), arg.as_str()) else {
            return Err(Stop::Error);
        };
        Ok(match f {
            TextFn::Contains => t.contains(a),
            TextFn::StartsWith => t.starts_with(a),
            TextFn::EndsWith => t.ends_with(a),
        })
    }

    /// `target.orValue(default)`.
    #[inline(never)]
    fn or_value(&mut self, target: &'a Node, default: &'a Node) -> Res<V<'a>> {
        // cel evaluates the argument before the target.
        let default = self.eval(default)?;
        match self.eval(target)? {
            V::OptJson(None) => Ok(default),
            V::OptJson(Some(j)) => Ok(V::json(j)),
            V::Opt(inner) => Ok(Rc::unwrap_or_clone(inner)),
            // Only optionals have an `orValue` overload.
            _ => Err(Stop::Error),
        }
    }

    /// `a && b` (`or` false) or `a || b` (`or` true). The left side decides alone when it
    /// is the absorbing value; otherwise the right side is evaluated and its error wins.
    fn and_or(&mut self, a: &'a Node, b: &'a Node, or: bool) -> Res<bool> {
        let left = self.truth(a);
        match left {
            Ok(l) if l == or => return Ok(or),
            Err(Stop::Unsure) => return Err(Stop::Unsure),
            _ => {}
        }
        let right = self.eval(b)?;
        match (left, right) {
            (Ok(_), V::Bool(r)) => Ok(r),
            // An error beside the absorbing value is absorbed.
            (Err(_), V::Bool(r)) if r == or => Ok(or),
            _ => Err(Stop::Error),
        }
    }

    #[inline(never)]
    fn matches(&mut self, target: &'a Node, pattern: &'a Pattern) -> Res<bool> {
        match pattern {
            Pattern::Fixed(re) => {
                let t = self.eval(target)?;
                let Some(text) = t.as_str() else {
                    return Err(Stop::Error);
                };
                re.as_ref()
                    .map(|re| re.is_match(text))
                    .map_err(|()| Stop::Error)
            }
            Pattern::Dynamic(p) => {
                let p = self.eval(p)?;
                let t = self.eval(target)?;
                let (Some(text), Some(p)) = (t.as_str(), p.as_str()) else {
                    return Err(Stop::Error);
                };
                crate::checks::regex::is_match(text, p).map_err(|_| Stop::Error)
            }
        }
    }
}
