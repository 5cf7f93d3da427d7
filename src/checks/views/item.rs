//! A view item: the fields a view computes, over parts borrowed from its object,
//! relation fields worked out on first read, and the object's own fields.

use std::sync::{Arc, LazyLock, OnceLock};

use serde_json::{Map, Value};

use super::super::json::Key;
use super::super::relations::Index;
use super::super::snapshot::Object;
use super::related::{Rel, Related};

/// One item of a view: the JSON a check sees, and the object it stands for.
///
/// A check sees `value`'s fields, then the parts borrowed from the object (`refs`), then
/// the relation fields (`lazy`, worked out the first time an expression reads them), then
/// (for views that pass the object on as it is, such as `configmap` or `service`) the
/// object's own fields under `base`. The object is borrowed, not copied, so a large
/// `ConfigMap` is held once.
#[derive(Clone, Debug)]
pub struct Item<'a> {
    pub object: &'a Object,
    /// The fields the view computes.
    pub value: Value,
    /// Parts taken from inside the object as they are (`podSpec`, `labels`), borrowed.
    pub refs: Vec<(&'static str, &'a Value)>,
    /// Relations held as the index gives them (a workload's `serviceAccount`, an
    /// account's `bindings` and `usedBy`): cheap to make, so made with the item.
    pub rels: Vec<(&'static str, Arc<Related<'a>>)>,
    /// Fields resolved across the snapshot as JSON, each computed on first read.
    pub lazy: Vec<Lazy<'a>>,
    pub base: Option<&'a Map<String, Value>>,
    /// A workload's containers, borrowed, each with its type: what the fast evaluator
    /// reads for `containers`, so that no container is copied to add its `type`. The
    /// `containers` field itself (a lazy copy with `type` set) is made only when cel or
    /// something else asks for it as JSON.
    pub tagged: Option<Vec<Tagged<'a>>>,
}

/// A container borrowed from its pod spec, with the `type` (`init`, `regular`,
/// `ephemeral`) the `containers` field adds to it; reads as that field's element does.
#[derive(Clone, Copy, Debug)]
pub struct Tagged<'a> {
    pub value: &'a Value,
    pub kind: &'static Value,
}

impl<'a> Tagged<'a> {
    /// Whether it reads as a map with `type` added; a container that is not a map is left
    /// as it is, as the `containers` field leaves it.
    pub fn is_map(&self) -> bool {
        self.value.is_object()
    }

    /// A field, `type` included.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        let map = self.value.as_object()?;
        if key == "type" {
            Some(self.kind)
        } else {
            map.key(key)
        }
    }

    /// Its field names, sorted, `type` among them once.
    pub fn names(&self) -> Vec<&'a str> {
        let mut names: Vec<&'a str> = self
            .value
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys().map(String::as_str))
            .collect();
        if let Err(at) = names.binary_search(&"type") {
            names.insert(at, "type");
        }
        names
    }

    /// The JSON it reads as: a copy of the container with `type` set.
    pub fn to_value(&self) -> Value {
        let mut c = self.value.clone();
        if let Some(map) = c.as_object_mut() {
            map.insert("type".into(), self.kind.clone());
        }
        c
    }

    /// The number of its fields, `type` included.
    pub fn field_count(&self) -> usize {
        self.value
            .as_object()
            .map_or(0, |m| m.len() + usize::from(!m.contains_key("type")))
    }
}

/// A field of an item as the fast evaluator reads it.
pub enum Field<'v> {
    Json(&'v Value),
    Rel(&'v Rel<'v>),
}

/// The `type` values of containers.
pub static INIT: LazyLock<Value> = LazyLock::new(|| Value::String("init".to_owned()));
pub static REGULAR: LazyLock<Value> = LazyLock::new(|| Value::String("regular".to_owned()));
pub static EPHEMERAL: LazyLock<Value> = LazyLock::new(|| Value::String("ephemeral".to_owned()));

/// A relation field of an item: `make` computes it from the index, once, when it is read.
/// Most checks never read most relations (no shipped check reads a service's `selects`),
/// and a check that does often decides before it gets there.
#[derive(Clone)]
pub struct Lazy<'a> {
    key: &'static str,
    index: &'a Index,
    make: fn(&Index, &Object) -> Value,
    cell: OnceLock<Value>,
}

impl std::fmt::Debug for Lazy<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lazy")
            .field("key", &self.key)
            .field("value", &self.cell.get())
            .finish_non_exhaustive()
    }
}

impl<'a> Item<'a> {
    /// A top-level field as a check sees it.
    ///
    /// A view puts each key in one of `value`, `refs` and `lazy` (a test holds every
    /// view to it), so they are searched in the order that is cheapest: the borrowed
    /// parts, most read, by a scan that mostly compares lengths; then the relations;
    /// then the computed map; the object's own fields last.
    pub fn field(&self, key: &str) -> Option<&Value> {
        if let Some((_, v)) = self.refs.iter().find(|(k, _)| *k == key) {
            return Some(v);
        }
        if let Some((_, related)) = self.rels.iter().find(|(k, _)| *k == key) {
            return Some(related.json());
        }
        if let Some(lazy) = self.lazy.iter().find(|l| l.key == key) {
            return Some(
                lazy.cell
                    .get_or_init(|| (lazy.make)(lazy.index, self.object)),
            );
        }
        self.value.key(key).or_else(|| self.base?.key(key))
    }

    /// [`Item::field`], with a relation as the index gave it, so that the fast evaluator
    /// reads it without its JSON being made.
    pub fn get(&self, key: &str) -> Option<Field<'_>> {
        if let Some((_, related)) = self.rels.iter().find(|(k, _)| *k == key) {
            return Some(Field::Rel(&related.rel));
        }
        self.field(key).map(Field::Json)
    }

    /// Its containers with their types, when it is a workload.
    pub fn containers(&self) -> Option<&[Tagged<'a>]> {
        self.tagged.as_deref()
    }

    /// Whether no key is in more than one of `value`, `refs` and `lazy`.
    #[cfg(test)]
    pub fn keys_are_distinct(&self) -> bool {
        let mut keys: Vec<&str> = self
            .value
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys().map(String::as_str))
            .chain(self.refs.iter().map(|(k, _)| *k))
            .chain(self.rels.iter().map(|(k, _)| *k))
            .chain(self.lazy.iter().map(|l| l.key))
            .collect();
        let all = keys.len();
        keys.sort_unstable();
        keys.dedup();
        keys.len() == all
    }

    /// The names of its top-level fields, sorted, each once: what iterating it yields.
    pub fn names(&self) -> Vec<&str> {
        super::super::overlay::layer_names(
            self.value
                .as_object()
                .into_iter()
                .flat_map(|m| m.keys().map(String::as_str))
                .chain(self.rels.iter().map(|(k, _)| *k))
                .chain(self.lazy.iter().map(|l| l.key)),
            &self.refs,
            self.base,
        )
    }

    /// Whether it has layers beyond `value` (else `value` is the whole item).
    pub fn layered(&self) -> bool {
        !self.refs.is_empty()
            || !self.rels.is_empty()
            || !self.lazy.is_empty()
            || self.base.is_some()
    }
}

/// An item's fields while a view builds them: computed ones owned, the rest borrowed.
pub(super) struct Parts<'a> {
    pub(super) own: Map<String, Value>,
    pub(super) refs: Vec<(&'static str, &'a Value)>,
    pub(super) rels: Vec<(&'static str, Arc<Related<'a>>)>,
    pub(super) lazy: Vec<Lazy<'a>>,
    /// The namespace as the item shows it, once `base` has set it.
    pub(super) namespace: &'a str,
    pub(super) tagged: Option<Vec<Tagged<'a>>>,
    index: &'a Index,
}

impl<'a> Parts<'a> {
    pub(super) fn new(index: &'a Index) -> Self {
        // Sized for the most a view borrows, so that building an item does not regrow.
        Parts {
            own: Map::new(),
            refs: Vec::with_capacity(12),
            rels: Vec::new(),
            lazy: Vec::new(),
            namespace: "",
            tagged: None,
            index,
        }
    }

    pub(super) fn set(&mut self, key: &str, value: Value) {
        self.own.insert(key.to_owned(), value);
    }

    /// `key` is `found` when the object has it, else `default`.
    pub(super) fn borrow_or(
        &mut self,
        key: &'static str,
        found: Option<&'a Value>,
        default: &'a Value,
    ) {
        self.refs.push((key, found.unwrap_or(default)));
    }

    /// `key` is worked out by `make` when an expression first reads it.
    pub(super) fn relation(&mut self, key: &'static str, make: fn(&Index, &Object) -> Value) {
        self.lazy.push(Lazy {
            key,
            index: self.index,
            make,
            cell: OnceLock::new(),
        });
    }

    /// `key` is `related`, which other items of the chunk may share.
    pub(super) fn related(&mut self, key: &'static str, related: Arc<Related<'a>>) {
        self.rels.push((key, related));
    }
}

/// Defaults that items borrow when their object lacks a field.
pub(super) static EMPTY_STRING: Value = Value::String(String::new());
pub(super) static NULL: Value = Value::Null;
pub(super) static EMPTY_LIST: Value = Value::Array(Vec::new());
pub(super) static FALSE: Value = Value::Bool(false);
pub(super) static TRUE: Value = Value::Bool(true);
pub(super) static EMPTY_MAP: LazyLock<Value> = LazyLock::new(|| Value::Object(Map::new()));
pub(super) static DEFAULT: LazyLock<Value> = LazyLock::new(|| Value::String("default".to_owned()));
pub(super) static CLUSTER: LazyLock<Value> = LazyLock::new(|| Value::String("cluster".to_owned()));
pub(super) static NAMESPACE: LazyLock<Value> =
    LazyLock::new(|| Value::String("namespace".to_owned()));
