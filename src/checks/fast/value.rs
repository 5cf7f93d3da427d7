//! The values the fast evaluator computes with: JSON borrowed from the item, constants
//! borrowed from the compiled expression, and the few values an operator builds. Each
//! variant stands for exactly one kind of value cel 0.15 would hold (a JSON array and a
//! list literal are different lists to cel, so they are different variants here).

use std::cmp::Ordering;
use std::rc::Rc;

use serde_json::{Map, Value};

use super::super::views::{Item, Part, Rel, Tagged};
use super::{Res, Stop};

/// A compile-time constant: literals, and lists of them.
#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Double(f64),
    Str(String),
    /// A list literal (cel's own list type).
    List(Vec<Lit>),
    /// The map literal `{}`.
    EmptyMap,
}

/// A value during evaluation: 16 bytes (every payload a thin pointer or a scalar), so that
/// a `Res<V>` comes back from a call in registers.
#[derive(Clone, Debug)]
pub enum V<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Double(f64),
    Str(&'a String),
    /// A string an operator built (`a + b`), or an item's field name.
    String(Rc<String>),
    /// A JSON array (cel sees a `JsonList`).
    JsonList(&'a Vec<Value>),
    /// A list literal of constants (cel's own list).
    ConstList(&'a Vec<Lit>),
    /// A list built during evaluation (cel's own list).
    List(Rc<Vec<V<'a>>>),
    /// A JSON object (cel sees a `JsonMap`).
    JsonMap(&'a Map<String, Value>),
    /// The view item, a map over its layers.
    Item(&'a Item<'a>),
    /// A workload item's `containers`, borrowed with their types: reads as that field's
    /// JSON array does.
    Containers(&'a Item<'a>),
    /// One of them: reads as a JSON map with `type` added.
    Container(&'a Tagged<'a>),
    /// A relation field held as the index gave it (`serviceAccount`, `bindings`,
    /// `usedBy`), or a part of one: reads as its JSON does. Only lookups, iteration and
    /// `size` are answered here; anything else is left to cel.
    Rel(&'a Rel<'a>),
    /// The map literal `{}` (cel's own map).
    EmptyMap,
    /// A type value, by its cel name (`string`, `map`, `null_type`...).
    Type(&'static &'static str),
    /// An optional holding a JSON value, or none.
    OptJson(Option<&'a Value>),
    /// An optional holding any other value.
    Opt(Rc<V<'a>>),
}

impl<'a> V<'a> {
    /// The value cel's `json_val` makes of a JSON value.
    pub fn json(value: &'a Value) -> Self {
        match value {
            Value::Null => V::Null,
            Value::Bool(b) => V::Bool(*b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    V::Int(i)
                } else if let Some(u) = n.as_u64() {
                    V::Uint(u)
                } else {
                    V::Double(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => V::Str(s),
            Value::Array(items) => V::JsonList(items),
            Value::Object(map) => V::JsonMap(map),
        }
    }

    /// An element of a workload's `containers`: a map with `type` added, or (for an
    /// element that is not a map) the JSON as it is.
    pub fn container(t: &'a Tagged<'a>) -> Self {
        if t.is_map() {
            V::Container(t)
        } else {
            V::json(t.value)
        }
    }

    /// A field of a relation value.
    pub fn part(part: Part<'a>) -> Self {
        match part {
            Part::Json(j) => V::json(j),
            Part::Str(s) => V::Str(s),
            Part::Rules(rules) => V::JsonList(rules),
            Part::Rel(rel) => V::Rel(rel),
        }
    }

    pub fn lit(lit: &'a Lit) -> Self {
        match lit {
            Lit::Null => V::Null,
            Lit::Bool(b) => V::Bool(*b),
            Lit::Int(i) => V::Int(*i),
            Lit::Uint(u) => V::Uint(*u),
            Lit::Double(d) => V::Double(*d),
            Lit::Str(s) => V::Str(s),
            Lit::List(items) => V::ConstList(items),
            Lit::EmptyMap => V::EmptyMap,
        }
    }

    /// An optional holding `self`.
    pub fn some(self) -> Self {
        V::Opt(Rc::new(self))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            V::Str(s) => Some(s),
            V::String(s) => Some(s),
            _ => None,
        }
    }

    /// The cel type name, as `type(x)` reports it.
    pub fn type_name(&self) -> &'static &'static str {
        match self {
            V::Null => &"null_type",
            V::Bool(_) => &"bool",
            V::Int(_) => &"int",
            V::Uint(_) => &"uint",
            V::Double(_) => &"double",
            V::Str(_) | V::String(_) => &"string",
            V::JsonList(_) | V::Containers(_) | V::ConstList(_) | V::List(_) => &"list",
            V::JsonMap(_) | V::Container(_) | V::Item(_) | V::EmptyMap => &"map",
            V::Type(_) => &"type",
            V::OptJson(_) | V::Opt(_) => &"optional_type",
            V::Rel(r) => {
                if r.is_list() {
                    &"list"
                } else {
                    &"map"
                }
            }
        }
    }

    /// Whether cel's value answers `as_indexer` (maps and lists).
    pub fn is_container(&self) -> bool {
        matches!(
            self,
            V::JsonList(_)
                | V::Containers(_)
                | V::ConstList(_)
                | V::List(_)
                | V::JsonMap(_)
                | V::Container(_)
                | V::Item(_)
                | V::EmptyMap
                | V::Rel(_)
        )
    }

    /// The elements of a list, or the keys of a map, in cel's order; `None` for a value
    /// cel cannot iterate.
    pub fn elements(&self) -> Option<Items<'a>> {
        Some(match self {
            V::JsonList(items) => Items::Json(items.iter()),
            V::ConstList(items) => Items::Lit(items.iter()),
            V::List(items) => Items::List(Rc::clone(items), 0),
            V::Containers(item) => Items::Tagged(item.containers().unwrap_or(&[]).iter()),
            V::JsonMap(map) => Items::Keys(map.keys()),
            V::Container(t) => Items::Names(t.names().into_iter()),
            V::Item(item) => Items::Names(item_names(item).into_iter()),
            V::EmptyMap => Items::Names(Vec::new().into_iter()),
            V::Rel(r) => match r.elements() {
                Some(items) => Items::Rels(items.iter()),
                None => Items::Names(r.keys().to_vec().into_iter()),
            },
            _ => return None,
        })
    }

    /// [`V::elements`], collected.
    pub fn items(&self) -> Option<Vec<V<'a>>> {
        self.elements().map(Iterator::collect)
    }

    /// `size(x)` for the kinds cel has a `size` overload for.
    pub fn size(&self) -> Option<i64> {
        let n = match self {
            V::Str(s) => s.chars().count(),
            V::String(s) => s.chars().count(),
            V::JsonList(items) => items.len(),
            V::ConstList(items) => items.len(),
            V::List(items) => items.len(),
            V::Containers(item) => item.containers().map_or(0, <[_]>::len),
            V::JsonMap(map) => map.len(),
            V::Container(t) => t.field_count(),
            V::Item(item) => item_names(item).len(),
            V::EmptyMap => 0,
            V::Rel(r) => r.size(),
            _ => return None,
        };
        i64::try_from(n).ok()
    }
}

/// What [`V::elements`] walks.
pub enum Items<'a> {
    Json(std::slice::Iter<'a, Value>),
    Tagged(std::slice::Iter<'a, Tagged<'a>>),
    Rels(std::slice::Iter<'a, Rel<'a>>),
    Lit(std::slice::Iter<'a, Lit>),
    List(Rc<Vec<V<'a>>>, usize),
    Keys(serde_json::map::Keys<'a>),
    Names(std::vec::IntoIter<&'a str>),
}

impl<'a> Iterator for Items<'a> {
    type Item = V<'a>;

    fn next(&mut self) -> Option<V<'a>> {
        match self {
            Items::Json(it) => it.next().map(V::json),
            Items::Tagged(it) => it.next().map(V::container),
            Items::Rels(it) => it.next().map(V::Rel),
            Items::Lit(it) => it.next().map(V::lit),
            Items::List(list, at) => {
                let v = list.get(*at).cloned();
                *at += 1;
                v
            }
            Items::Keys(it) => it.next().map(V::Str),
            // Not all of an item's names are `String`s; iterating an item is rare.
            Items::Names(it) => it.next().map(|n| V::String(Rc::new(n.to_owned()))),
        }
    }
}

/// The keys of an item as cel's layered map lists them: every layer's, sorted, once.
pub fn item_names<'a>(item: &'a Item<'a>) -> Vec<&'a str> {
    item.names()
}

/// How two values compare as numbers.
enum Numeric {
    /// Not both numbers.
    No,
    /// Numbers that do not compare (NaN).
    Unordered,
    Ordered(Ordering),
}

/// cel's comparison of two numbers (int, uint, double in any mix).
fn numeric_cmp(a: &V<'_>, b: &V<'_>) -> Numeric {
    #[allow(clippy::cast_precision_loss)]
    let ord = match (a, b) {
        (V::Int(x), V::Int(y)) => Some(x.cmp(y)),
        (V::Uint(x), V::Uint(y)) => Some(x.cmp(y)),
        (V::Int(x), V::Uint(y)) => Some(u64::try_from(*x).map_or(Ordering::Less, |x| x.cmp(y))),
        (V::Uint(x), V::Int(y)) => Some(i64::try_from(*x).map_or(Ordering::Greater, |x| x.cmp(y))),
        (V::Double(x), V::Double(y)) => x.partial_cmp(y),
        (V::Int(x), V::Double(y)) => (*x as f64).partial_cmp(y),
        (V::Uint(x), V::Double(y)) => (*x as f64).partial_cmp(y),
        (V::Double(x), V::Int(y)) => x.partial_cmp(&(*y as f64)),
        (V::Double(x), V::Uint(y)) => x.partial_cmp(&(*y as f64)),
        _ => return Numeric::No,
    };
    ord.map_or(Numeric::Unordered, Numeric::Ordered)
}

/// `a < b` and friends: what cel's `Comparer` of `a` says about `b`.
pub fn compare(a: &V<'_>, b: &V<'_>) -> Res<Ordering> {
    match numeric_cmp(a, b) {
        Numeric::Ordered(ord) => return Ok(ord),
        Numeric::Unordered => return Err(Stop::Error),
        Numeric::No => {}
    }
    match (a, b) {
        (V::Bool(x), V::Bool(y)) => Ok(x.cmp(y)),
        _ => match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) => Ok(x.cmp(y)),
            // Numbers, strings and bools compare only among themselves; nothing else has
            // a comparer in cel.
            _ => Err(Stop::Error),
        },
    }
}

/// cel's `a.equals(b)`, which is not symmetric: a list literal equals only another of its
/// kind, a JSON array any list (or map, by its keys) with equal elements.
pub fn equals(a: &V<'_>, b: &V<'_>) -> Res<bool> {
    // Comparing a relation value is left to cel, over its JSON.
    if matches!(a, V::Rel(_)) || matches!(b, V::Rel(_)) {
        return Err(Stop::Unsure);
    }
    match numeric_cmp(a, b) {
        Numeric::Ordered(ord) => return Ok(ord == Ordering::Equal),
        Numeric::Unordered => return Ok(false),
        Numeric::No => {}
    }
    Ok(match a {
        V::Null => matches!(b, V::Null),
        V::Bool(x) => matches!(b, V::Bool(y) if x == y),
        V::Int(_) | V::Uint(_) | V::Double(_) => false,
        V::Str(_) | V::String(_) => a.as_str() == b.as_str(),
        V::Type(x) => matches!(b, V::Type(y) if x == y),
        V::OptJson(_) | V::Opt(_) => {
            match (unwrap_optional(a.clone()), unwrap_optional(b.clone())) {
                (Ok(None), Ok(None)) => true,
                (Ok(Some(x)), Ok(Some(y))) => equals(&x, &y)?,
                _ => false,
            }
        }
        V::ConstList(_) | V::List(_) => {
            if !matches!(b, V::ConstList(_) | V::List(_)) {
                return Ok(false);
            }
            pairwise(a, b)?
        }
        V::EmptyMap => matches!(b, V::EmptyMap),
        V::Rel(_) => return Err(Stop::Unsure),
        V::JsonList(_) | V::Containers(_) => {
            // The other side needs to be iterable and sized: lists and maps.
            if !b.is_container() {
                return Ok(false);
            }
            pairwise(a, b)?
        }
        V::JsonMap(_) | V::Container(_) | V::Item(_) => {
            if !matches!(
                b,
                V::JsonMap(_) | V::Container(_) | V::Item(_) | V::EmptyMap
            ) {
                return Ok(false);
            }
            maps_equal(a, b)?
        }
    })
}

/// The content of an optional: `Ok(None)` for none, `Err(v)` for a value not optional.
pub fn unwrap_optional(v: V<'_>) -> Result<Option<V<'_>>, V<'_>> {
    match v {
        V::OptJson(j) => Ok(j.map(V::json)),
        V::Opt(inner) => Ok(Some(Rc::unwrap_or_clone(inner))),
        other => Err(other),
    }
}

fn pairwise(a: &V<'_>, b: &V<'_>) -> Res<bool> {
    let (Some(xs), Some(ys)) = (a.items(), b.items()) else {
        return Err(Stop::Unsure);
    };
    if xs.len() != ys.len() {
        return Ok(false);
    }
    for (x, y) in xs.iter().zip(&ys) {
        if !equals(x, y)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A JSON map against any map: same size, and each of its keys found with an equal value.
fn maps_equal(a: &V<'_>, b: &V<'_>) -> Res<bool> {
    let (Some(keys), Some(size)) = (a.items(), b.size()) else {
        return Err(Stop::Unsure);
    };
    if i64::try_from(keys.len()).ok() != Some(size) {
        return Ok(false);
    }
    for key in &keys {
        let mine = super::access::index_into(a, key)?.value();
        let theirs = match super::access::index_into(b, key) {
            Ok(found) => found.value(),
            Err(Stop::Error) => return Ok(false),
            Err(Stop::Unsure) => return Err(Stop::Unsure),
        };
        if !equals(&mine, &theirs)? {
            return Ok(false);
        }
    }
    Ok(true)
}
