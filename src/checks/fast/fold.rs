//! Comprehensions: `all` and `exists` (which absorb an element's error when another
//! element decides, as cel's do), `map` and `filter`. A range that is a list literal or a
//! chain of `+` starting with one is iterated part by part, without building the list:
//! its parts are evaluated first, in order and with the same errors as building it would
//! give, and only then is the body run over their elements.

use std::rc::Rc;

use super::compile::{Fold, Node};
use super::run::Scope;
use super::value::{Items, V};
use super::{Res, Stop};

/// How many parts a range may have to be iterated without building it.
const PARTS: usize = 8;

/// A range's parts: each either one element (of a list literal) or a list or map whose
/// elements (or keys) follow in order.
struct Parts<'a> {
    slots: [(V<'a>, bool); PARTS],
    len: usize,
    at: usize,
    current: Option<Items<'a>>,
}

impl<'a> Parts<'a> {
    fn new() -> Self {
        Self {
            slots: std::array::from_fn(|_| (V::Null, false)),
            len: 0,
            at: 0,
            current: None,
        }
    }

    fn push(&mut self, v: V<'a>, single: bool) {
        if let Some(slot) = self.slots.get_mut(self.len) {
            *slot = (v, single);
            self.len += 1;
        }
    }

    /// How many parts `range` has, when it is a list literal or a chain.
    fn width(range: &Node) -> Option<usize> {
        let width = |n: &Node| match n {
            Node::List(items) => items.len(),
            _ => 1,
        };
        match range {
            Node::List(items) => Some(items.len()),
            Node::Concat(parts) => Some(parts.iter().map(width).sum()),
            _ => None,
        }
    }
}

impl<'a> Iterator for Parts<'a> {
    type Item = V<'a>;

    fn next(&mut self) -> Option<V<'a>> {
        loop {
            if let Some(items) = &mut self.current {
                if let Some(v) = items.next() {
                    return Some(v);
                }
                self.current = None;
            }
            if self.at >= self.len {
                return None;
            }
            let (v, single) = std::mem::replace(self.slots.get_mut(self.at)?, (V::Null, false));
            self.at += 1;
            if single {
                return Some(v);
            }
            self.current = v.elements();
        }
    }
}

/// Whether `v` may stand at `position` in a chain of `+` over lists: the first operand
/// must be a list, the others lists or maps (cel appends a map's keys), else `+` fails.
pub fn chainable(v: &V<'_>, position: usize) -> bool {
    if position == 0 {
        matches!(
            v,
            V::JsonList(_) | V::Containers(_) | V::ConstList(_) | V::List(_)
        ) || matches!(v, V::Rel(r) if r.is_list())
    } else {
        v.is_container()
    }
}

impl<'a> Scope<'a> {
    fn set_local(&mut self, slot: usize, v: V<'a>) {
        if let Some(local) = self.locals.get_mut(slot) {
            *local = v;
        }
    }

    /// The parts of a list literal or chain, evaluated as building it would.
    fn parts(&mut self, range: &'a Node) -> Res<Parts<'a>> {
        let mut out = Parts::new();
        let operands = match range {
            Node::Concat(parts) => parts.as_slice(),
            _ => std::slice::from_ref(range),
        };
        for (position, operand) in operands.iter().enumerate() {
            if let Node::List(items) = operand {
                for item in items {
                    out.push(self.eval(item)?, true);
                }
            } else {
                let v = self.eval(operand)?;
                if !chainable(&v, position) {
                    return Err(Stop::Error);
                }
                out.push(v, false);
            }
        }
        Ok(out)
    }

    pub(super) fn fold(
        &mut self,
        fold: Fold,
        slot: usize,
        range: &'a Node,
        body: &'a Node,
    ) -> Res<bool> {
        if Parts::width(range).is_some_and(|w| w <= PARTS) {
            let parts = self.parts(range)?;
            return self.fold_over(fold, slot, parts, body);
        }
        let Some(items) = self.eval(range)?.elements() else {
            // Only lists and maps can be iterated.
            return Err(Stop::Error);
        };
        self.fold_over(fold, slot, items, body)
    }

    fn fold_over(
        &mut self,
        fold: Fold,
        slot: usize,
        items: impl Iterator<Item = V<'a>>,
        body: &'a Node,
    ) -> Res<bool> {
        // `exists` stops at a true element, `all` at a false one.
        let decisive = fold == Fold::Exists;
        let mut pending = false;
        for item in items {
            self.set_local(slot, item);
            match self.truth(body) {
                Ok(b) if b == decisive => return Ok(decisive),
                Ok(_) => {}
                Err(Stop::Error) => pending = true,
                Err(Stop::Unsure) => return Err(Stop::Unsure),
            }
        }
        if pending {
            Err(Stop::Error)
        } else {
            Ok(!decisive)
        }
    }

    #[inline(never)]
    pub(super) fn map(
        &mut self,
        slot: usize,
        range: &'a Node,
        guard: Option<&'a Node>,
        body: &'a Node,
    ) -> Res<V<'a>> {
        let Some(items) = self.eval(range)?.elements() else {
            return Err(Stop::Error);
        };
        let mut out = Vec::new();
        for item in items {
            self.set_local(slot, item);
            if let Some(g) = guard {
                if !self.truth(g)? {
                    continue;
                }
            }
            out.push(self.eval(body)?);
        }
        Ok(V::List(Rc::new(out)))
    }
}
