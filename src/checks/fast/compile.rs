//! From cel's syntax tree to the fast evaluator's: only the constructs the evaluator
//! models are accepted, any other gives `None` and the whole check stays with cel.

use cel::common::ast::{Expr, LiteralValue, operators};
use cel::parser::Expression;
use regex::Regex;

use super::value::Lit;

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
    Type(&'static str),
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
    Size(Box<Node>),
    TypeOf(Box<Node>),
    Text(TextFn, Box<Node>, Box<Node>),
    Matches(Box<Node>, Pattern),
    Fold {
        fold: Fold,
        slot: usize,
        range: Box<Node>,
        body: Box<Node>,
    },
    /// `map` (with its optional filter) and `filter`.
    Map {
        slot: usize,
        range: Box<Node>,
        guard: Option<Box<Node>>,
        body: Box<Node>,
    },
}

/// The type names an identifier may stand for (cel's runtime type names).
const TYPE_NAMES: [&str; 8] = [
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
}

impl<'v> Compiler<'v> {
    pub fn new(var: &'v str) -> Self {
        Self {
            var,
            locals: Vec::new(),
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
            Shape::Fold(fold, body) => Node::Fold {
                fold,
                slot,
                range,
                body: Box::new(self.node(body)?),
            },
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
            _ => TYPE_NAMES
                .iter()
                .find(|t| **t == name)
                .map(|t| Node::Type(t)),
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
                    operators::LOGICAL_OR => Node::Or(a, b),
                    operators::EQUALS => Node::Eq(a, b, false),
                    operators::NOT_EQUALS => Node::Eq(a, b, true),
                    operators::LESS => Node::Cmp(a, b, CmpOp::Less),
                    operators::LESS_EQUALS => Node::Cmp(a, b, CmpOp::LessEq),
                    operators::GREATER => Node::Cmp(a, b, CmpOp::Greater),
                    operators::GREATER_EQUALS => Node::Cmp(a, b, CmpOp::GreaterEq),
                    operators::IN => Node::In(a, b),
                    operators::ADD => Node::Add(a, b),
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
                    "orValue" => Node::OrValue(t, a),
                    "contains" => Node::Text(TextFn::Contains, t, a),
                    "startsWith" => Node::Text(TextFn::StartsWith, t, a),
                    "endsWith" => Node::Text(TextFn::EndsWith, t, a),
                    "matches" => Node::Matches(t, pattern(*a)),
                    _ => return None,
                })
            }
            _ => None,
        }
    }
}

fn literal(l: &LiteralValue) -> Option<Lit> {
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
fn constant_list(items: Vec<Node>) -> Node {
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

fn pattern(node: Node) -> Pattern {
    match node {
        Node::Const(Lit::Str(p)) => Pattern::Fixed(Regex::new(&p).map_err(|_| ())),
        other => Pattern::Dynamic(Box::new(other)),
    }
}

/// What a comprehension's expansion does: one of the macro shapes cel's parser writes.
enum Shape<'e> {
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
    fn of(c: &'e cel::common::ast::ComprehensionExpr, accu: &str) -> Option<Self> {
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
