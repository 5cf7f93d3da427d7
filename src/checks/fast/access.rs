//! Reaching into values as cel 0.15 does: field selection (plain, optional and `has`),
//! indexing, `in` and `+`. Each function says what cel's interpreter would do for every
//! kind of operand, `Stop::Error` where it fails and `Stop::Unsure` where this module
//! does not know.

use std::rc::Rc;

use serde_json::Value;

use super::super::json::Key;
use super::super::views::{Field, Item};
use super::value::{V, equals, unwrap_optional};
use super::{Res, Stop};

/// A value found inside a container: JSON stays borrowed so that an optional of it need
/// not be allocated.
pub enum Found<'a> {
    Json(&'a Value),
    Other(V<'a>),
}

impl<'a> Found<'a> {
    pub fn value(self) -> V<'a> {
        match self {
            Found::Json(j) => V::json(j),
            Found::Other(v) => v,
        }
    }

    /// An optional holding the value.
    pub fn some(self) -> V<'a> {
        match self {
            Found::Json(j) => V::OptJson(Some(j)),
            Found::Other(v) => v.some(),
        }
    }
}

/// A field of a view item. A workload's `containers` are read borrowed, each with its
/// type, rather than as the JSON copy `Item::field` would make of them.
pub fn item_field<'a>(item: &'a Item<'a>, key: &str) -> Option<Found<'a>> {
    if key == "containers" && item.tagged.is_some() {
        return Some(Found::Other(V::Containers(item)));
    }
    Some(match item.get(key)? {
        Field::Json(j) => Found::Json(j),
        Field::Rel(r) => Found::Other(V::Rel(r)),
    })
}

/// cel's `index_into`: a map by a string key, a JSON array by an int, a list literal by
/// an int or uint. Everything else fails.
pub fn index_into<'a>(container: &V<'a>, key: &V<'a>) -> Res<Found<'a>> {
    match container {
        V::JsonMap(map) => key
            .as_str()
            .and_then(|k| map.key(k))
            .map(Found::Json)
            .ok_or(Stop::Error),
        V::Item(item) => key
            .as_str()
            .and_then(|k| item_field(item, k))
            .ok_or(Stop::Error),
        V::Container(t) => key
            .as_str()
            .and_then(|k| t.get(k))
            .map(Found::Json)
            .ok_or(Stop::Error),
        V::Containers(item) => match key {
            V::Int(i) => usize::try_from(*i)
                .ok()
                .and_then(|i| item.containers()?.get(i))
                .map(|t| Found::Other(V::container(t)))
                .ok_or(Stop::Error),
            _ => Err(Stop::Error),
        },
        V::Rel(r) => match r.elements() {
            // As a JSON array, it takes only an int index.
            Some(items) => match key {
                V::Int(i) => usize::try_from(*i)
                    .ok()
                    .and_then(|i| items.get(i))
                    .map(|x| Found::Other(V::Rel(x)))
                    .ok_or(Stop::Error),
                _ => Err(Stop::Error),
            },
            None => match key.as_str().and_then(|k| r.get(k)).ok_or(Stop::Error)? {
                super::super::views::Part::Json(j) => Ok(Found::Json(j)),
                part => Ok(Found::Other(V::part(part))),
            },
        },
        // A JSON array takes only an int index.
        V::JsonList(items) => match key {
            V::Int(i) => usize::try_from(*i)
                .ok()
                .and_then(|i| items.get(i))
                .map(Found::Json)
                .ok_or(Stop::Error),
            _ => Err(Stop::Error),
        },
        V::ConstList(_) | V::List(_) => {
            let position = match key {
                V::Int(i) => usize::try_from(*i).map_err(|_| Stop::Error)?,
                V::Uint(u) => usize::try_from(*u).map_err(|_| Stop::Error)?,
                // A whole double indexes too; not worth modelling.
                V::Double(_) => return Err(Stop::Unsure),
                _ => return Err(Stop::Error),
            };
            match container {
                V::ConstList(items) => items.get(position).map(|l| Found::Other(V::lit(l))),
                V::List(items) => items.get(position).map(|v| Found::Other(v.clone())),
                _ => None,
            }
            .ok_or(Stop::Error)
        }
        // An optional is unwrapped by the callers; one inside another is not modelled.
        V::OptJson(_) | V::Opt(_) => Err(Stop::Unsure),
        // No key is in `{}`, whatever the key; scalars and types have no indexer.
        V::EmptyMap
        | V::Null
        | V::Bool(_)
        | V::Int(_)
        | V::Uint(_)
        | V::Double(_)
        | V::Str(_)
        | V::String(_)
        | V::Type(_) => Err(Stop::Error),
    }
}

/// A lookup whose failure means an empty optional.
fn optional_of<'a>(container: &V<'a>, key: &V<'a>) -> Res<V<'a>> {
    match index_into(container, key) {
        Ok(found) => Ok(found.some()),
        Err(Stop::Error) => Ok(V::OptJson(None)),
        Err(Stop::Unsure) => Err(Stop::Unsure),
    }
}

/// `v.field`: on an optional, the field of what it holds, as an optional.
pub fn select<'a>(v: V<'a>, field: &'a String) -> Res<V<'a>> {
    // The common cases first, as the general path below would answer them.
    match v {
        V::JsonMap(map) => return map.key(field).map(V::json).ok_or(Stop::Error),
        V::Item(item) => return item_field(item, field).map(Found::value).ok_or(Stop::Error),
        V::Container(t) => return t.get(field).map(V::json).ok_or(Stop::Error),
        _ => {}
    }
    let key = V::Str(field);
    match unwrap_optional(v) {
        Ok(None) => Ok(V::OptJson(None)),
        Ok(Some(inner)) => {
            if !inner.is_container() {
                return Err(Stop::Error);
            }
            optional_of(&inner, &key)
        }
        Err(plain) => index_into(&plain, &key).map(Found::value),
    }
}

/// `v.?field`: an empty optional wherever the plain lookup would fail.
pub fn opt_select<'a>(v: V<'a>, field: &'a String) -> Res<V<'a>> {
    // The common cases first, as the general path below would answer them: a JSON map
    // has the field or not; any other JSON value has no fields to look in.
    match v {
        V::JsonMap(map) | V::OptJson(Some(Value::Object(map))) => {
            return Ok(V::OptJson(map.key(field)));
        }
        V::OptJson(_) => return Ok(V::OptJson(None)),
        V::Item(item) => return Ok(item_field(item, field).map_or(V::OptJson(None), Found::some)),
        V::Container(t) => return Ok(V::OptJson(t.get(field))),
        _ => {}
    }
    let key = V::Str(field);
    match unwrap_optional(v) {
        Ok(None) => Ok(V::OptJson(None)),
        Ok(Some(inner)) => optional_of(&inner, &key),
        Err(plain) => optional_of(&plain, &key),
    }
}

/// What an index expression's operand turned out to be.
pub enum Indexed<'a> {
    /// An empty optional: the result, whatever the index.
    Done,
    /// Index this; the result is an optional when the flag says so.
    Into(V<'a>, bool),
}

/// The first half of `v[k]` / `v[?k]`, before the index is evaluated.
pub fn index_target(v: V<'_>, optional: bool) -> Indexed<'_> {
    match unwrap_optional(v) {
        Ok(None) => Indexed::Done,
        Ok(Some(inner)) => Indexed::Into(inner, true),
        Err(plain) => Indexed::Into(plain, optional),
    }
}

/// The second half of `v[k]` / `v[?k]`.
pub fn index<'a>(target: &V<'a>, key: &V<'a>, optional: bool) -> Res<V<'a>> {
    if optional {
        optional_of(target, key)
    } else {
        index_into(target, key).map(Found::value)
    }
}

/// `has(v.field)`.
pub fn has<'a>(v: V<'a>, field: &'a String) -> Res<bool> {
    let key = V::Str(field);
    match unwrap_optional(v) {
        Ok(None) => Ok(false),
        Ok(Some(inner)) => {
            if !inner.is_container() {
                return Err(Stop::Error);
            }
            match index_into(&inner, &key) {
                Ok(_) => Ok(true),
                Err(Stop::Error) => Ok(false),
                Err(Stop::Unsure) => Err(Stop::Unsure),
            }
        }
        Err(plain) => match plain {
            V::JsonMap(map) => Ok(map.key(field).is_some()),
            V::Item(item) => Ok(item_field(item, field).is_some()),
            V::Container(t) => Ok(t.get(field).is_some()),
            V::EmptyMap => Ok(false),
            V::Rel(r) if !r.is_list() => Ok(r.get(field).is_some()),
            // A list's lookup by a string fails with another error than "no such key",
            // and a scalar has nothing to look in: both are errors.
            _ => Err(Stop::Error),
        },
    }
}

/// `needle in haystack`.
pub fn contains(needle: &V<'_>, haystack: &V<'_>) -> Res<bool> {
    match haystack {
        V::JsonList(items) => {
            for item in *items {
                if equals(&V::json(item), needle)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        V::Containers(_) | V::ConstList(_) | V::List(_) => {
            for item in haystack.elements().into_iter().flatten() {
                if equals(&item, needle)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        V::JsonMap(map) => Ok(needle.as_str().is_some_and(|k| map.key(k).is_some())),
        V::Item(item) => Ok(needle
            .as_str()
            .is_some_and(|k| item_field(item, k).is_some())),
        V::Container(t) => Ok(needle.as_str().is_some_and(|k| t.get(k).is_some())),
        V::Rel(r) if !r.is_list() => Ok(needle.as_str().is_some_and(|k| r.get(k).is_some())),
        // A list's elements are relation values, which `equals` leaves to cel.
        V::Rel(_) => Err(Stop::Unsure),
        V::EmptyMap => match needle {
            V::Str(_) | V::String(_) | V::Int(_) | V::Uint(_) | V::Bool(_) | V::Double(_) => {
                Ok(false)
            }
            _ => Err(Stop::Unsure),
        },
        // Nothing else is a container.
        _ => Err(Stop::Error),
    }
}

/// `a + b` for numbers, strings and lists.
pub fn add<'a>(a: &V<'a>, b: &V<'a>) -> Res<V<'a>> {
    match (a, b) {
        (V::Int(x), V::Int(y)) => x.checked_add(*y).map(V::Int).ok_or(Stop::Error),
        (V::Uint(x), V::Uint(y)) => x.checked_add(*y).map(V::Uint).ok_or(Stop::Error),
        (V::Double(x), V::Double(y)) => Ok(V::Double(x + y)),
        (V::Str(_) | V::String(_), _) => match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) => Ok(V::String(Rc::new(format!("{x}{y}")))),
            _ => Err(Stop::Error),
        },
        (V::JsonList(_) | V::Containers(_) | V::ConstList(_) | V::List(_), _) => {
            let (Some(mut xs), Some(ys)) = (a.items(), b.items()) else {
                return Err(Stop::Error);
            };
            xs.extend(ys);
            Ok(V::List(Rc::new(xs)))
        }
        (V::Rel(_), _) => Err(Stop::Unsure),
        // Numbers add only to their own kind; maps, null, bools, optionals and types
        // cannot be added to.
        _ => Err(Stop::Error),
    }
}
