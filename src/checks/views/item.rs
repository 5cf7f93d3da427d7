//! A view item: the fields a view computes, over parts borrowed from its object,
//! relation fields worked out on first read, and the object's own fields.

use std::sync::{Arc, LazyLock, OnceLock};

use serde_json::{Map, Value};

use super::super::relations::Index;
use super::super::snapshot::Object;

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
    /// Fields resolved across the snapshot, each computed on first read.
    pub lazy: Vec<Lazy<'a>>,
    pub base: Option<&'a Map<String, Value>>,
}

/// A relation field of an item: `make` computes it from the index, once, when it is read.
/// Most checks never read most relations (no shipped check reads a service's `selects`),
/// and a check that does often decides before it gets there.
#[derive(Clone)]
pub struct Lazy<'a> {
    key: &'static str,
    index: &'a Index,
    make: fn(&Index, &Object) -> Value,
    cell: Cell,
}

/// Where a relation field's value is kept once computed: in the item, or shared by the
/// items of a chunk that relate to the same object (workloads that run as one service
/// account), so that it is computed once for all of them.
#[derive(Clone, Debug)]
enum Cell {
    Own(OnceLock<Value>),
    Shared(Arc<OnceLock<Value>>),
}

impl Cell {
    fn get_or_init(&self, make: impl FnOnce() -> Value) -> &Value {
        match self {
            Cell::Own(cell) => cell.get_or_init(make),
            Cell::Shared(cell) => cell.get_or_init(make),
        }
    }

    fn get(&self) -> Option<&Value> {
        match self {
            Cell::Own(cell) => cell.get(),
            Cell::Shared(cell) => cell.get(),
        }
    }
}

impl std::fmt::Debug for Lazy<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lazy")
            .field("key", &self.key)
            .field("value", &self.cell.get())
            .finish_non_exhaustive()
    }
}

impl Item<'_> {
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
        if let Some(lazy) = self.lazy.iter().find(|l| l.key == key) {
            return Some(
                lazy.cell
                    .get_or_init(|| (lazy.make)(lazy.index, self.object)),
            );
        }
        self.value.get(key).or_else(|| self.base?.get(key))
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
                .chain(self.lazy.iter().map(|l| l.key)),
            &self.refs,
            self.base,
        )
    }

    /// Whether it has layers beyond `value` (else `value` is the whole item).
    pub fn layered(&self) -> bool {
        !self.refs.is_empty() || !self.lazy.is_empty() || self.base.is_some()
    }
}

/// An item's fields while a view builds them: computed ones owned, the rest borrowed.
pub(super) struct Parts<'a> {
    pub(super) own: Map<String, Value>,
    pub(super) refs: Vec<(&'static str, &'a Value)>,
    pub(super) lazy: Vec<Lazy<'a>>,
    /// The namespace as the item shows it, once `base` has set it.
    pub(super) namespace: &'a str,
    index: &'a Index,
}

impl<'a> Parts<'a> {
    pub(super) fn new(index: &'a Index) -> Self {
        // Sized for the most a view borrows, so that building an item does not regrow.
        Parts {
            own: Map::new(),
            refs: Vec::with_capacity(12),
            lazy: Vec::new(),
            namespace: "",
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
            cell: Cell::Own(OnceLock::new()),
        });
    }

    /// [`Parts::relation`] whose value `cell` shares with other items of the chunk.
    pub(super) fn shared_relation(
        &mut self,
        key: &'static str,
        make: fn(&Index, &Object) -> Value,
        cell: Arc<OnceLock<Value>>,
    ) {
        self.lazy.push(Lazy {
            key,
            index: self.index,
            make,
            cell: Cell::Shared(cell),
        });
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
