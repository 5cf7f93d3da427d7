//! JSON as CEL values without converting it: maps and lists are thin wrappers over the
//! borrowed `serde_json::Value`, and only the fields an expression touches are looked at.
//!
//! Converting a whole object with `cel::to_value` costs more than evaluating a typical
//! check on it; a check reads a handful of fields, so wrapping is far cheaper.

use std::sync::OnceLock;

use cel::ExecutionError;
use cel::common::traits::{Adder, Container, Indexer, Iterable, Iterator as CelIterator, Sizer};
use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelNull, CelString, CelUInt, LIST_TYPE, MAP_TYPE, Type,
};
use cel::common::value::{CowVal, Val};
use serde_json::{Map, Value};

/// The CEL value of a JSON value: scalars become CEL scalars (strings borrowed), maps and
/// lists become lazy wrappers.
pub fn json_val(value: &Value) -> Box<dyn Val + '_> {
    match value {
        Value::Null => Box::new(CelNull),
        Value::Bool(b) => Box::new(CelBool::from(*b)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Box::new(CelInt::from(i))
            } else if let Some(u) = n.as_u64() {
                Box::new(CelUInt::from(u))
            } else {
                Box::new(CelDouble::from(n.as_f64().unwrap_or(f64::NAN)))
            }
        }
        Value::String(s) => Box::new(CelString::from(s.as_str())),
        Value::Array(items) => Box::new(JsonList::new(items)),
        Value::Object(map) => Box::new(JsonMap::new(map)),
    }
}

/// Where a CEL map's fields come from: a JSON object, or layers of them (see
/// [`super::overlay`]).
pub trait Fields<'v>: std::fmt::Debug + Copy + Send + Sync + 'v {
    fn field(&self, key: &str) -> Option<&'v Value>;
    /// Every key once, sorted.
    fn names(&self) -> Vec<&'v str>;
    /// How many keys.
    fn count(&self) -> usize {
        self.names().len()
    }
}

impl<'v> Fields<'v> for &'v Map<String, Value> {
    fn field(&self, key: &str) -> Option<&'v Value> {
        self.get(key)
    }

    fn names(&self) -> Vec<&'v str> {
        self.keys().map(String::as_str).collect()
    }

    fn count(&self) -> usize {
        self.len()
    }
}

/// A JSON object (or layers of them) seen as a CEL map with string keys.
#[derive(Debug)]
pub struct JsonMap<'v, F: Fields<'v> = &'v Map<String, Value>> {
    map: F,
    keys: OnceLock<Vec<Box<dyn Val + 'v>>>,
}

impl<'v, F: Fields<'v>> JsonMap<'v, F> {
    pub fn new(map: F) -> Self {
        Self {
            map,
            keys: OnceLock::new(),
        }
    }

    fn keys(&self) -> &[Box<dyn Val + 'v>] {
        self.keys.get_or_init(|| {
            self.map
                .names()
                .into_iter()
                .map(|k| Box::new(CelString::from(k)) as Box<dyn Val + 'v>)
                .collect()
        })
    }
}

/// A JSON array seen as a CEL list; its elements are wrapped once, on first use.
#[derive(Debug)]
pub struct JsonList<'v> {
    items: &'v [Value],
    children: OnceLock<Vec<Box<dyn Val + 'v>>>,
}

impl<'v> JsonList<'v> {
    fn new(items: &'v [Value]) -> Self {
        Self {
            items,
            children: OnceLock::new(),
        }
    }

    fn children(&self) -> &[Box<dyn Val + 'v>] {
        self.children
            .get_or_init(|| self.items.iter().map(json_val).collect())
    }
}

fn size_of(len: usize) -> CelInt {
    CelInt::from(i64::try_from(len).unwrap_or(i64::MAX))
}

/// Iterates borrowed boxed values as CEL iterates lists and map keys.
struct Iter<'b, 'v>(std::slice::Iter<'b, Box<dyn Val + 'v>>);

impl<'b, 'v: 'w, 'w> CelIterator<'b, 'w> for Iter<'b, 'v> {
    fn next(&mut self) -> Option<&'b (dyn Val + 'w)> {
        self.0.next().map(|b| {
            let r: &'b (dyn Val + 'w) = b.as_ref();
            r
        })
    }
}

impl<'v, F: Fields<'v>> Val for JsonMap<'v, F> {
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

    /// Equal to any CEL map with the same keys and equal values (a map literal, another
    /// JSON object): compared key by key, not by how either prints.
    fn equals(&self, other: &dyn Val) -> bool {
        let (Some(theirs), Some(size)) = (other.as_indexer(), other.as_sizer()) else {
            return false;
        };
        if other.get_type().name() != MAP_TYPE.name() || size.size() != size_of(self.map.count()) {
            return false;
        }
        self.map.names().into_iter().all(|key| {
            match (self.map.field(key), theirs.get(&CelString::from(key))) {
                (Some(mine), Ok(value)) => json_val(mine).equals(&*value),
                _ => false,
            }
        })
    }

    fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
    where
        Self: 'w,
    {
        Box::new(JsonMap::new(self.map))
    }
}

impl<'v, F: Fields<'v>> Indexer for JsonMap<'v, F> {
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
        match self.map.field(name.inner()) {
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

impl<'v, F: Fields<'v>> Container for JsonMap<'v, F> {
    fn contains(&self, key: &dyn Val) -> Result<bool, ExecutionError> {
        Ok(key
            .downcast_ref::<CelString>()
            .is_some_and(|k| self.map.field(k.inner()).is_some()))
    }
}

impl<'v, F: Fields<'v>> Iterable for JsonMap<'v, F> {
    fn iter<'b, 'w>(&'b self) -> Box<dyn CelIterator<'b, 'w> + 'b>
    where
        Self: 'w,
    {
        Box::new(Iter(self.keys().iter()))
    }
}

impl<'v, F: Fields<'v>> Sizer for JsonMap<'v, F> {
    fn size(&self) -> CelInt {
        size_of(self.map.count())
    }
}

impl Val for JsonList<'_> {
    fn get_type(&self) -> &Type {
        &LIST_TYPE
    }

    fn as_adder<'b, 'w>(&'b self) -> Option<&'b (dyn Adder + 'w)>
    where
        Self: 'w,
    {
        Some(self)
    }

    fn cel_type() -> &'static Type {
        &LIST_TYPE
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
        let Some(iter) = other.as_iterable() else {
            return false;
        };
        let Some(size) = other.as_sizer() else {
            return false;
        };
        if size.size() != size_of(self.items.len()) {
            return false;
        }
        let mut theirs = iter.iter();
        self.children()
            .iter()
            .all(|mine| theirs.next().is_some_and(|t| mine.equals(t)))
    }

    fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
    where
        Self: 'w,
    {
        Box::new(JsonList::new(self.items))
    }
}

impl Adder for JsonList<'_> {
    fn add<'b, 'w>(&'b self, rhs: &(dyn Val + 'w)) -> Result<CowVal<'b, 'w>, ExecutionError>
    where
        Self: 'w,
    {
        let Some(iterable) = rhs.as_iterable() else {
            return Err(ExecutionError::UnexpectedType {
                got: rhs.get_type().name().to_owned(),
                want: "list".to_owned(),
            });
        };
        let mut list: Vec<Box<dyn Val + 'w>> =
            self.children().iter().map(|c| c.clone_as_boxed()).collect();
        let mut theirs = iterable.iter();
        while let Some(v) = theirs.next() {
            list.push(v.clone_as_boxed());
        }
        Ok(CowVal::owned(CelList::from(list)))
    }
}

impl Indexer for JsonList<'_> {
    fn get<'b, 'w>(&'b self, idx: &dyn Val) -> Result<CowVal<'b, 'w>, ExecutionError>
    where
        Self: 'w,
    {
        let index = idx
            .downcast_ref::<CelInt>()
            .map(|i| *i.inner())
            .and_then(|i| usize::try_from(i).ok());
        match index.and_then(|i| self.children().get(i)) {
            Some(v) => {
                let r: &'b (dyn Val + 'w) = v.as_ref();
                Ok(CowVal::Borrowed(r))
            }
            None => Err(ExecutionError::IndexOutOfBounds(
                idx.try_into().unwrap_or(cel::Value::Null),
            )),
        }
    }

    fn steal<'w>(self: Box<Self>, idx: &dyn Val) -> Result<Box<dyn Val + 'w>, ExecutionError>
    where
        Self: 'w,
    {
        self.get(idx).map(CowVal::into_owned)
    }
}

impl Container for JsonList<'_> {
    fn contains(&self, value: &dyn Val) -> Result<bool, ExecutionError> {
        Ok(self.children().iter().any(|c| c.equals(value)))
    }
}

impl Iterable for JsonList<'_> {
    fn iter<'b, 'w>(&'b self) -> Box<dyn CelIterator<'b, 'w> + 'b>
    where
        Self: 'w,
    {
        Box::new(Iter(self.children().iter()))
    }
}

impl Sizer for JsonList<'_> {
    fn size(&self) -> CelInt {
        size_of(self.items.len())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use cel::Context;
    use serde_json::json;

    use super::*;

    fn eval(expr: &str, data: &Value) -> Result<cel::Value, ExecutionError> {
        let env = crate::checks::engine::env();
        let program = env.compile(expr).expect("compiles");
        let mut ctx = Context::with_env(Arc::clone(&env));
        ctx.add_variable_as_val("w", json_val(data));
        program.execute(&ctx)
    }

    #[test]
    fn lazy_json_behaves_like_converted_json() {
        let data = json!({
            "name": "web", "replicas": 3, "ratio": 0.5, "big": 18_446_744_073_709_551_615_u64,
            "labels": {"app": "web", "tier": "front"},
            "containers": [
                {"name": "a", "securityContext": {"privileged": true}, "ports": [{"containerPort": 22}]},
                {"name": "b"}
            ],
            "verbs": ["get", "list"]
        });
        let cases = [
            "w.name == 'web'",
            "w.replicas > 2 && w.ratio < 1.0",
            "w.big > 0u",
            "has(w.labels) && !has(w.missing)",
            "w.labels.app == 'web' && 'tier' in w.labels && !('x' in w.labels)",
            "w.labels.exists(k, k == 'tier')",
            "size(w.containers) == 2 && size(w.labels) == 2",
            "w.containers.exists(c, c.?securityContext.?privileged.orValue(false))",
            "!w.containers.all(c, has(c.securityContext))",
            "w.containers[0].ports.exists(p, p.containerPort == 22)",
            "'list' in w.verbs && w.verbs == ['get', 'list']",
            "w.?missing.orValue([]).size() == 0",
            "w.labels == {'tier': 'front', 'app': 'web'} && w.labels != {'app': 'web'}",
            "w.labels != {'app': 'web', 'tier': 'back'} && w.?none.orValue({}) == {}",
            "w.containers[1] == {'name': 'b'} && w.labels != ['app', 'tier']",
            "w.containers.map(c, c.name) == ['a', 'b']",
            "w.containers.filter(c, c.name.startsWith('b')).size() == 1",
            "w.name.matches('^w.b$')",
            "(w.verbs + ['watch']).size() == 3 && ([] + w.verbs).exists(v, v == 'get')",
        ];
        for case in cases {
            assert_eq!(eval(case, &data), Ok(cel::Value::Bool(true)), "{case}");
        }
        assert!(
            eval("w.missing == 1", &data).is_err(),
            "absent field is an error, as in CEL"
        );
        assert!(eval("w.containers[5].name == 'x'", &data).is_err());
    }
}
