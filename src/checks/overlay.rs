//! A view item as a CEL map: the fields the view computes, over fields borrowed from the
//! object (`podSpec`, `labels`) and the object's own. View items used to copy their
//! objects (a workload held four copies of its pod spec); now a lookup tries the layers
//! in turn, and the CEL map is [`JsonMap`] over [`Layers`].

use cel::common::value::Val;
use serde_json::{Map, Value};

use super::celjson::{Fields, JsonMap, json_val};
use super::views::Item;

/// The CEL value of a view item: layered when the item borrows fields, else its value as
/// plain JSON.
pub fn item_val<'v>(item: &'v Item<'v>) -> Box<dyn Val + 'v> {
    if item.layered() {
        Box::new(JsonMap::new(Layers { item }))
    } else {
        json_val(&item.value)
    }
}

/// Computed fields, then borrowed ones, then relations, then the object's own; the first
/// that has a key answers for it (see [`Item::field`]).
#[derive(Clone, Copy, Debug)]
pub struct Layers<'v> {
    item: &'v Item<'v>,
}

impl<'v> Fields<'v> for Layers<'v> {
    fn field(&self, key: &str) -> Option<&'v Value> {
        self.item.field(key)
    }

    fn names(&self) -> Vec<&'v str> {
        self.item.names()
    }
}

/// The keys of an item's layers, sorted, each once: what iterating the item yields.
pub fn layer_names<'v>(
    own: impl Iterator<Item = &'v str>,
    refs: &[(&'static str, &'v Value)],
    base: Option<&'v Map<String, Value>>,
) -> Vec<&'v str> {
    let mut names: Vec<&'v str> = own
        .chain(refs.iter().map(|(k, _)| *k))
        .chain(base.into_iter().flat_map(|b| b.keys().map(String::as_str)))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
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
            let object = crate::checks::snapshot::Object::new(base.clone());
            let item = Item {
                object: &object,
                value: own.clone(),
                refs: vec![],
                rels: vec![],
                lazy: vec![],
                base: base.as_object(),
                tagged: None,
            };
            let overlay = run(Box::new(JsonMap::new(Layers { item: &item })));
            assert_eq!(overlay, run(json_val(&merged)), "{expr}");
            assert_eq!(overlay, "Ok(Bool(true))", "{expr}");
        }
    }
}
