//! From cel's syntax tree to the fast evaluator's: only the constructs the evaluator
//! models are accepted, any other gives `None` and the whole check stays with cel.

use cel::common::ast::{Expr, LiteralValue, operators};
use cel::parser::Expression;
use regex::Regex;

use super::shape::{Shape, constant_list, literal, pattern};
use super::value::Lit;
use super::{fuse, hoist};

/// How deeply comprehensions may nest: their variables live in a fixed array.
pub const MAX_LOCALS: usize = 8;

/// Comparison operators.
#[derive(Clone, Copy, Debug)]
pub enum CmpOp {
    Less,
    LessEq,
    Greater,
    GreaterEq,
}

/// The string member functions taking one string.
#[derive(Clone, Copy, Debug)]
pub enum TextFn {
    Contains,
    StartsWith,
    EndsWith,
}

/// A regular expression: compiled once when it is a literal (`Err` when it does not
/// compile, which cel reports when the call is reached), else computed per item.
#[derive(Debug)]
pub enum Pattern {
    Fixed(Result<Regex, ()>),
    Dynamic(Box<Node>),
}

/// An `all` or `exists` comprehension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fold {
    All,
    Exists,
}

/// The compiled expression.
#[derive(Debug)]
pub enum Node {
    Const(Lit),
    Type(&'static &'static str),
    /// The view item.
    Item,
    Params,
    Object,
    /// A comprehension variable, by nesting depth.
    Local(usize),
    Select(Box<Node>, String),
    OptSelect(Box<Node>, String),
    Has(Box<Node>, String),
    /// `a[k]`, or `a[?k]` when the flag is set.
    Index(Box<Node>, Box<Node>, bool),
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Cond(Box<Node>, Box<Node>, Box<Node>),
    /// `==`, or `!=` when the flag is set.
    Eq(Box<Node>, Box<Node>, bool),
    Cmp(Box<Node>, Box<Node>, CmpOp),
    In(Box<Node>, Box<Node>),
    Add(Box<Node>, Box<Node>),
    List(Vec<Node>),
    OrValue(Box<Node>, Box<Node>),
    /// `a == c` or `c == a` (`!=` when the flag is set) with `c` a scalar constant.
    EqConst(Box<Node>, Lit, bool),
    /// `a in [...]` with a constant list of strings only.
    InStrs(Box<Node>, Box<[String]>),
    /// `t.startsWith(h + s)` / `t.endsWith(h + s)` with `s` a constant string: the
    /// target, the head and the constant tail.
    TextCat(TextFn, Box<Node>, Box<Node>, String),
    /// `a.orValue(c)` with `c` a constant.
    OrConst(Box<Node>, Lit),
    /// `a.?f.orValue(c)` with `c` a constant.
    OptOr(Box<Node>, String, Lit),
    /// `a[?k].orValue(c)` with `c` a constant.
    IndexOr(Box<Node>, Box<Node>, Lit),
    /// `r.exists(v, v in [...])` with a constant list of strings only (not over a list
    /// literal or a chain, which `Fold` iterates in parts).
    ExistsIn(Box<Node>, Box<[String]>),
    /// `l + a + b...` whose first operand is a list literal, as one chain.
    Concat(Vec<Node>),
    Size(Box<Node>),
    TypeOf(Box<Node>),
    Text(TextFn, Box<Node>, Box<Node>),
    Matches(Box<Node>, Pattern),
    Fold {
        fold: Fold,
        slot: usize,
        range: Box<Node>,
        body: Box<Node>,
        /// The memos in the body, `from..to`.
        memos: (usize, usize),
    },
    /// A part of a comprehension's body that does not depend on its variable, and its memo.
    Memo(usize, Box<Node>),
    /// `map` (with its optional filter) and `filter`.
    Map {
        slot: usize,
        range: Box<Node>,
        guard: Option<Box<Node>>,
        body: Box<Node>,
    },
}

/// The type names an identifier may stand for (cel's runtime type names).
static TYPE_NAMES: [&str; 8] = [
    "bool",
    "int",
    "uint",
    "double",
    "string",
    "list",
    "map",
    "null_type",
];

/// Compilation state: the item's variable name and the comprehension variables in scope.
pub struct Compiler<'v> {
    var: &'v str,
    locals: Vec<String>,
    /// How many memos are given out.
    memos: usize,
}

impl<'v> Compiler<'v> {
    pub fn new(var: &'v str) -> Self {
        Self {
            var,
            locals: Vec::new(),
            memos: 0,
        }
    }

    pub fn node(&mut self, e: &Expression) -> Option<Node> {
        match &e.expr {
            Expr::Literal(l) => literal(l).map(Node::Const),
            Expr::Ident(name) => self.ident(name),
            Expr::Select(s) => {
                let operand = Box::new(self.node(&s.operand)?);
                Some(if s.test {
                    Node::Has(operand, s.field.clone())
                } else {
                    Node::Select(operand, s.field.clone())
                })
            }
            Expr::List(list) => {
                if !list.optional_indices.is_empty() {
                    return None;
                }
                let items = list
                    .elements
                    .iter()
                    .map(|e| self.node(e))
                    .collect::<Option<Vec<_>>>()?;
                Some(constant_list(items))
            }
            Expr::Map(map) => map.entries.is_empty().then_some(Node::Const(Lit::EmptyMap)),
            Expr::Call(call) => {
                let args = &call.args;
                match call.target.as_deref() {
                    None => self.call(&call.func_name, args),
                    Some(target) => self.member(&call.func_name, target, args),
                }
            }
            Expr::Comprehension(c) => {
                if c.iter_var2.is_some() {
                    return None;
                }
                let accu = c.accu_var.as_str();
                let shape = Shape::of(c, accu)?;
                let range = Box::new(self.node(&c.iter_range)?);
                let slot = self.locals.len();
                if slot >= MAX_LOCALS {
                    return None;
                }
                self.locals.push(c.iter_var.clone());
                let node = self.comprehension(&shape, slot, range);
                self.locals.pop();
                node
            }
            Expr::Struct(_) | Expr::Unspecified => None,
        }
    }

    fn comprehension(&mut self, shape: &Shape<'_>, slot: usize, range: Box<Node>) -> Option<Node> {
        Some(match *shape {
            Shape::Fold(fold, body) => {
                let from = self.memos;
                let mut body = self.node(body)?;
                hoist::body(&mut body, slot, &mut self.memos);
                fuse::fold(fold, slot, range, body, (from, self.memos))
            }
            Shape::Map(guard, body) => Node::Map {
                slot,
                range,
                guard: match guard {
                    Some(g) => Some(Box::new(self.node(g)?)),
                    None => None,
                },
                body: Box::new(self.node(body)?),
            },
        })
    }

    fn ident(&self, name: &str) -> Option<Node> {
        if let Some(slot) = self.locals.iter().rposition(|l| l == name) {
            return Some(Node::Local(slot));
        }
        if name == self.var {
            return Some(Node::Item);
        }
        match name {
            "params" => Some(Node::Params),
            "object" => Some(Node::Object),
            _ => TYPE_NAMES.iter().find(|t| **t == name).map(Node::Type),
        }
    }

    fn boxed(&mut self, e: &Expression) -> Option<Box<Node>> {
        self.node(e).map(Box::new)
    }

    fn call(&mut self, func: &str, args: &[Expression]) -> Option<Node> {
        match args {
            [a] => {
                let a = self.boxed(a)?;
                match func {
                    operators::LOGICAL_NOT => Some(Node::Not(a)),
                    "size" => Some(Node::Size(a)),
                    "type" => Some(Node::TypeOf(a)),
                    _ => None,
                }
            }
            [a, b] => {
                if func == operators::OPT_SELECT {
                    let Expr::Literal(LiteralValue::String(field)) = &b.expr else {
                        return None;
                    };
                    return Some(Node::OptSelect(self.boxed(a)?, field.inner().to_owned()));
                }
                let (a, b) = (self.boxed(a)?, self.boxed(b)?);
                Some(match func {
                    operators::LOGICAL_AND => Node::And(a, b),
                    operators::LOGICAL_OR => fuse::or(*a, *b),
                    operators::EQUALS => fuse::eq(*a, *b, false),
                    operators::NOT_EQUALS => fuse::eq(*a, *b, true),
                    operators::LESS => Node::Cmp(a, b, CmpOp::Less),
                    operators::LESS_EQUALS => Node::Cmp(a, b, CmpOp::LessEq),
                    operators::GREATER => Node::Cmp(a, b, CmpOp::Greater),
                    operators::GREATER_EQUALS => Node::Cmp(a, b, CmpOp::GreaterEq),
                    operators::IN => fuse::is_in(*a, *b),
                    operators::ADD => fuse::add(*a, *b),
                    operators::INDEX => Node::Index(a, b, false),
                    operators::OPT_INDEX => Node::Index(a, b, true),
                    "matches" => Node::Matches(a, pattern(*b)),
                    _ => return None,
                })
            }
            [c, a, b] if func == operators::CONDITIONAL => {
                Some(Node::Cond(self.boxed(c)?, self.boxed(a)?, self.boxed(b)?))
            }
            _ => None,
        }
    }

    fn member(&mut self, func: &str, target: &Expression, args: &[Expression]) -> Option<Node> {
        let t = self.boxed(target)?;
        match args {
            [] if func == "size" => Some(Node::Size(t)),
            [a] => {
                let a = self.boxed(a)?;
                Some(match func {
                    "orValue" => fuse::or_value(*t, *a),
                    "contains" => Node::Text(TextFn::Contains, t, a),
                    "startsWith" => fuse::text(TextFn::StartsWith, *t, *a),
                    "endsWith" => fuse::text(TextFn::EndsWith, *t, *a),
                    "matches" => Node::Matches(t, pattern(*a)),
                    _ => return None,
                })
            }
            _ => None,
        }
    }
}
