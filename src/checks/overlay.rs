//! A view item as a CEL map: the fields the view computes, over the object's own fields
//! borrowed from the snapshot. Views that show an object as it is (`configmap`,
//! `service`, `role`...) used to copy the whole object into each item; now a lookup tries
//! the computed fields first and then the object, and nothing is copied.

use std::sync::OnceLock;

use cel::ExecutionError;
use cel::common::traits::{Container, Indexer, Iterable, Iterator as CelIterator, Sizer};
use cel::common::types::{CelInt, CelString, MAP_TYPE, Type};
use cel::common::value::{CowVal, Val};
use serde_json::{Map, Value};

use super::celjson::{Iter, json_val, size_of};
use super::views::Item;

/// The CEL value of a view item: an overlay when the item borrows fields, else its
/// value as plain JSON.
pub fn item_val<'v>(item: &'v Item<'v>) -> Box<dyn Val + 'v> {
    match item.value.as_object() {
        Some(own) if !item.refs.is_empty() || item.base.is_some() => {
            Box::new(Overlay::new(own, &item.refs, item.base))
        }
        _ => json_val(&item.value),
    }
}

/// Computed fields, then borrowed ones, then the object's own; the first that has a key
/// answers for it.
#[derive(Debug)]
pub struct Overlay<'v> {
    own: &'v Map<String, Value>,
    refs: &'v [(&'static str, &'v Value)],
    base: Option<&'v Map<String, Value>>,
    keys: OnceLock<Vec<Box<dyn Val + 'v>>>,
}

impl<'v> Overlay<'v> {
    fn new(
        own: &'v Map<String, Value>,
        refs: &'v [(&'static str, &'v Value)],
        base: Option<&'v Map<String, Value>>,
    ) -> Self {
        Self {
            own,
            refs,
            base,
            keys: OnceLock::new(),
        }
    }

    fn field(&self, key: &str) -> Option<&'v Value> {
        self.own
            .get(key)
            .or_else(|| self.refs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v))
            .or_else(|| self.base?.get(key))
    }

    /// Every key once, sorted, as a JSON object with all the fields would hold them.
    fn names(&self) -> Vec<&'v str> {
        let mut names: Vec<&'v str> = self
            .own
            .keys()
            .map(String::as_str)
            .chain(self.refs.iter().map(|(k, _)| *k))
            .chain(
                self.base
                    .into_iter()
                    .flat_map(|b| b.keys().map(String::as_str)),
            )
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    fn keys(&self) -> &[Box<dyn Val + 'v>] {
        self.keys.get_or_init(|| {
            self.names()
                .into_iter()
                .map(|k| Box::new(CelString::from(k)) as Box<dyn Val + 'v>)
                .collect()
        })
    }
}

impl Val for Overlay<'_> {
    fn get_type(&self) -> &Type {
        &MAP_TYPE
    }

    fn cel_type() -> &'static Type {
        &MAP_TYPE
    }

    fn as_container(&self) -> Option<&dyn Container> {
        Some(self)
    }

    fn as_indexer<'b, 'w>(&'b self) -> Option<&'b (dyn Indexer + 'w)>
    where
        Self: 'w,
    {
        Some(self)
    }

    fn into_indexer<'w>(self: Box<Self>) -> Option<Box<dyn Indexer + 'w>>
    where
        Self: 'w,
    {
        Some(self)
    }

    fn as_iterable<'b, 'w>(&'b self) -> Option<&'b (dyn Iterable + 'w)>
    where
        Self: 'w,
    {
        Some(self)
    }

    fn as_sizer(&self) -> Option<&dyn Sizer> {
        Some(self)
    }

    fn equals(&self, other: &dyn Val) -> bool {
        other
            .as_indexer()
            .is_some_and(|_| format!("{other:?}") == format!("{self:?}"))
    }

    fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
    where
        Self: 'w,
    {
        Box::new(Overlay::new(self.own, self.refs, self.base))
    }
}

impl Indexer for Overlay<'_> {
    fn get<'b, 'w>(&'b self, key: &dyn Val) -> Result<CowVal<'b, 'w>, ExecutionError>
    where
        Self: 'w,
    {
        let Some(name) = key.downcast_ref::<CelString>() else {
            return Err(ExecutionError::UnexpectedType {
                got: key.get_type().name().to_owned(),
                want: "string".to_owned(),
            });
        };
        match self.field(name.inner()) {
            Some(v) => Ok(CowVal::Owned(json_val(v))),
            None => Err(ExecutionError::no_such_key(name.inner())),
        }
    }

    fn steal<'w>(self: Box<Self>, key: &dyn Val) -> Result<Box<dyn Val + 'w>, ExecutionError>
    where
        Self: 'w,
    {
        self.get(key).map(CowVal::into_owned)
    }
}

impl Container for Overlay<'_> {
    fn contains(&self, key: &dyn Val) -> Result<bool, ExecutionError> {
        Ok(key
            .downcast_ref::<CelString>()
            .is_some_and(|k| self.field(k.inner()).is_some()))
    }
}

impl Iterable for Overlay<'_> {
    fn iter<'b, 'w>(&'b self) -> Box<dyn CelIterator<'b, 'w> + 'b>
    where
        Self: 'w,
    {
        Box::new(Iter(self.keys().iter()))
    }
}

impl Sizer for Overlay<'_> {
    fn size(&self) -> CelInt {
        size_of(self.names().len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The overlay answers every expression as the merged copy it replaces would.
    #[test]
    fn an_overlay_reads_like_the_merged_object() {
        let own = json!({"kind": "ConfigMap", "name": "m", "labels": {}});
        let base =
            json!({"kind": "ignored", "data": {"a": "1", "b": "2"}, "metadata": {"name": "m"}});
        let mut merged = base.as_object().cloned().unwrap_or_default();
        for (k, v) in own.as_object().into_iter().flatten() {
            merged.insert(k.clone(), v.clone());
        }
        let merged = Value::Object(merged);
        for expr in [
            "x.kind == 'ConfigMap'",
            "x.data.a == '1' && size(x.data) == 2",
            "size(x) == 5",
            "'data' in x && !('nope' in x)",
            "x.map(k, k).join(',') == 'data,kind,labels,metadata,name'",
            "x.?nope.orValue('d') == 'd' && has(x.metadata.name)",
            "x.exists(k, k == 'labels')",
        ] {
            let program = crate::checks::engine::env()
                .compile(expr)
                .expect("compiles");
            let run = |value: Box<dyn Val + '_>| {
                let mut ctx = cel::Context::with_env(crate::checks::engine::env());
                ctx.add_variable_as_val("x", value);
                format!("{:?}", program.execute(&ctx))
            };
            let overlay = run(Box::new(Overlay::new(
                own.as_object().expect("map"),
                &[],
                base.as_object(),
            )));
            assert_eq!(overlay, run(json_val(&merged)), "{expr}");
            assert_eq!(overlay, "Ok(Bool(true))", "{expr}");
        }
    }
}
