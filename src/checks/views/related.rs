//! Relation fields as the index gives them, not as JSON: the service account a workload
//! runs as, the bindings that name an account, and the workloads that use one.
//!
//! Built as JSON, every binding of every account was a map of five keys with its role's
//! rules, and every workload reference a map of two: about half of the allocations of a
//! check run. A [`Rel`] borrows its names from the index and its object, and parses a
//! role's rules only when they are read. The fast evaluator reads it as it is; the JSON
//! it stands for ([`Rel::to_value`]) is made only when cel or evidence asks for it.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::super::relations::Rules;

/// A relation value: a map (an account, a binding, a workload) or a list of them.
#[derive(Clone, Debug)]
pub enum Rel<'a> {
    /// `{name, bindings}`: the service account a workload runs as.
    Account {
        name: &'a Value,
        /// A [`Rel::List`] of [`Rel::Binding`]s.
        bindings: Box<Rel<'a>>,
    },
    /// `{kind, name, namespace, roleRef, rules}`: a binding that names a service
    /// account, with the rules of the role it grants (none when that role is absent).
    Binding {
        kind: &'a String,
        name: &'a String,
        namespace: &'a String,
        role_ref: &'a Value,
        rules: Rules<'a>,
    },
    /// `{kind, name}`: a workload that runs as a service account.
    User {
        kind: &'a String,
        name: &'a String,
    },
    List(Vec<Rel<'a>>),
}

/// A field of a [`Rel`] map.
#[derive(Clone, Copy, Debug)]
pub enum Part<'r> {
    Json(&'r Value),
    Str(&'r String),
    Rules(&'r Vec<Value>),
    Rel(&'r Rel<'r>),
}

impl<'a> Rel<'a> {
    pub fn is_list(&self) -> bool {
        matches!(self, Rel::List(_))
    }

    /// A map's keys, sorted as a JSON map's are; none for a list.
    pub fn keys(&self) -> &'static [&'static str] {
        match self {
            Rel::Account { .. } => &["bindings", "name"],
            Rel::Binding { .. } => &["kind", "name", "namespace", "roleRef", "rules"],
            Rel::User { .. } => &["kind", "name"],
            Rel::List(_) => &[],
        }
    }

    /// A map's field; `None` for a key it lacks, or for a list.
    pub fn get(&self, key: &str) -> Option<Part<'_>> {
        Some(match (self, key) {
            (Rel::Account { name, .. }, "name") => Part::Json(name),
            (Rel::Account { bindings, .. }, "bindings") => Part::Rel(bindings),
            (Rel::Binding { kind, .. } | Rel::User { kind, .. }, "kind") => Part::Str(kind),
            (Rel::Binding { name, .. } | Rel::User { name, .. }, "name") => Part::Str(name),
            (Rel::Binding { namespace, .. }, "namespace") => Part::Str(namespace),
            (Rel::Binding { role_ref, .. }, "roleRef") => Part::Json(role_ref),
            (Rel::Binding { rules, .. }, "rules") => Part::Rules(rules.get()),
            _ => return None,
        })
    }

    /// A list's elements; `None` for a map.
    pub fn elements(&self) -> Option<&[Rel<'a>]> {
        match self {
            Rel::List(items) => Some(items),
            _ => None,
        }
    }

    /// A list's length, or a map's number of keys: what `size` gives.
    pub fn size(&self) -> usize {
        self.elements().map_or(self.keys().len(), <[_]>::len)
    }

    /// The JSON it stands for.
    pub fn to_value(&self) -> Value {
        let s = |s: &String| Value::String(s.clone());
        let map = |pairs: Vec<(&str, Value)>| {
            Value::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect::<Map<String, Value>>(),
            )
        };
        match self {
            Rel::Account { name, bindings } => map(vec![
                ("name", (*name).clone()),
                ("bindings", bindings.to_value()),
            ]),
            Rel::Binding {
                kind,
                name,
                namespace,
                role_ref,
                rules,
            } => map(vec![
                ("kind", s(kind)),
                ("name", s(name)),
                ("namespace", s(namespace)),
                ("roleRef", (*role_ref).clone()),
                ("rules", Value::Array(rules.get().clone())),
            ]),
            Rel::User { kind, name } => map(vec![("kind", s(kind)), ("name", s(name))]),
            Rel::List(items) => Value::Array(items.iter().map(Rel::to_value).collect()),
        }
    }
}

/// A relation field of an item, with its JSON once something asks for it. Workloads of a
/// chunk that run as one account share one.
#[derive(Debug)]
pub struct Related<'a> {
    pub rel: Rel<'a>,
    json: OnceLock<Value>,
}

impl<'a> Related<'a> {
    pub fn new(rel: Rel<'a>) -> Self {
        Related {
            rel,
            json: OnceLock::new(),
        }
    }

    pub fn json(&self) -> &Value {
        self.json.get_or_init(|| self.rel.to_value())
    }
}
