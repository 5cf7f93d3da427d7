//! Memos for the parts of a comprehension's body that do not depend on its variable:
//! `c.image` inside `registries.exists(r, c.image.startsWith(r + '/'))` is the same for
//! every `r`. Such a part is evaluated where the body first reaches it, as before, and
//! its result (a value or a failure, evaluation being free of effects) is reused for the
//! other elements; it is forgotten when the comprehension starts again, since the outer
//! variables it reads may have changed. Nothing is evaluated that would not have been.

use super::compile::Node;
use super::run::Scope;
use super::value::{Lit, V};
use super::{Res, Stop};

/// How many memos an expression may have: they live in a fixed array.
pub const MAX_MEMOS: usize = 8;

/// The locals a node reads, one bit per slot.
type Reads = u32;

/// Wraps the largest parts of `body` (that of a comprehension over `slot`) that read no
/// local of `slot` or deeper in memos, numbered from `next` on.
pub fn body(body: &mut Node, slot: usize, next: &mut usize) {
    if invariant(visit(body, slot, next), slot) {
        memoize(body, next);
    }
}

fn invariant(reads: Reads, slot: usize) -> bool {
    reads
        .checked_shr(u32::try_from(slot).unwrap_or(u32::MAX))
        .unwrap_or(0)
        == 0
}

/// The locals `node` reads from outside itself; its invariant children are memoized when
/// it is not invariant itself.
fn visit(node: &mut Node, slot: usize, next: &mut usize) -> Reads {
    let (own, inner): (Reads, Option<usize>) = match node {
        Node::Local(s) => (
            1u32.checked_shl(u32::try_from(*s).unwrap_or(u32::MAX))
                .unwrap_or(0),
            None,
        ),
        Node::Fold { slot: s, .. } | Node::Map { slot: s, .. } => (0, Some(*s)),
        _ => (0, None),
    };
    let mut kids = children(node);
    let reads: Vec<Reads> = kids.iter_mut().map(|k| visit(k, slot, next)).collect();
    let mut all = reads.iter().fold(own, |a, b| a | b);
    if let Some(s) = inner {
        // A comprehension's own variable (and any deeper) is internal to it.
        all &= !(Reads::MAX
            .checked_shl(u32::try_from(s).unwrap_or(u32::MAX))
            .unwrap_or(0));
    }
    if !invariant(all, slot) {
        for (kid, r) in kids.into_iter().zip(reads) {
            if invariant(r, slot) {
                memoize(kid, next);
            }
        }
    }
    all
}

/// Puts `node` behind a memo, unless it is a leaf (as cheap to read as a memo) or the
/// memos are used up.
fn memoize(node: &mut Node, next: &mut usize) {
    let leaf = matches!(
        node,
        Node::Const(_)
            | Node::Type(_)
            | Node::Item
            | Node::Params
            | Node::Object
            | Node::Local(_)
            | Node::Memo(..)
    );
    if leaf || *next >= MAX_MEMOS {
        return;
    }
    let inner = std::mem::replace(node, Node::Const(Lit::Null));
    *node = Node::Memo(*next, Box::new(inner));
    *next += 1;
}

/// A node's operands.
fn children(node: &mut Node) -> Vec<&mut Node> {
    match node {
        Node::Const(_)
        | Node::Type(_)
        | Node::Item
        | Node::Params
        | Node::Object
        | Node::Local(_) => vec![],
        Node::Select(a, _)
        | Node::OptSelect(a, _)
        | Node::Has(a, _)
        | Node::Not(a)
        | Node::Size(a)
        | Node::TypeOf(a)
        | Node::Matches(a, super::compile::Pattern::Fixed(_))
        | Node::EqConst(a, ..)
        | Node::InStrs(a, _)
        | Node::OrConst(a, _)
        | Node::OptOr(a, ..)
        | Node::ExistsIn(a, _)
        | Node::Memo(_, a) => vec![&mut **a],
        Node::Index(a, b, _)
        | Node::And(a, b)
        | Node::Or(a, b)
        | Node::Eq(a, b, _)
        | Node::Cmp(a, b, _)
        | Node::In(a, b)
        | Node::Add(a, b)
        | Node::OrValue(a, b)
        | Node::Text(_, a, b)
        | Node::Matches(a, super::compile::Pattern::Dynamic(b))
        | Node::TextCat(_, a, b, _)
        | Node::IndexOr(a, b, _)
        | Node::Fold {
            range: a, body: b, ..
        } => vec![&mut **a, &mut **b],
        Node::Cond(c, a, b) => vec![&mut **c, &mut **a, &mut **b],
        Node::List(items) | Node::Concat(items) => items.iter_mut().collect(),
        Node::Map {
            range, guard, body, ..
        } => {
            let mut out = vec![&mut **range];
            if let Some(g) = guard {
                out.push(&mut **g);
            }
            out.push(&mut **body);
            out
        }
    }
}

impl<'a> Scope<'a> {
    /// A memoized part: its first value, computed here when there is none yet.
    pub(super) fn memo(&mut self, at: usize, inner: &'a Node) -> Res<V<'a>> {
        if let Some(Some(known)) = self.memos.get(at) {
            return known.clone();
        }
        let found = self.eval(inner);
        match self.memos.get_mut(at) {
            Some(slot) => *slot = Some(found.clone()),
            None => return Err(Stop::Unsure),
        }
        found
    }

    /// Forgets the memos of a comprehension's body, as it starts.
    pub(super) fn forget(&mut self, memos: (usize, usize)) {
        for known in self.memos.iter_mut().take(memos.1).skip(memos.0) {
            *known = None;
        }
    }
}
