//! Evidence: the values at a check's evidence path (`containers[].securityContext.privileged`)
//! in the item that failed it, as `path=value` lines with list indices filled in and
//! credentials masked.

use std::fmt::Write as _;

use serde_json::Value;

use super::views::Item;

/// Values at a path such as `containers[].securityContext.privileged`, as `path=value`
/// with list indices filled in; nulls and missing fields are left out.
pub fn evidence(value: &Value, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let parts: Vec<&str> = path.split('.').collect();
    walk(value, &parts, &mut String::new(), &mut out);
    out
}

/// [`evidence`] in a view item, whose top-level fields may come from its object.
pub fn of_item(item: &Item<'_>, path: &str) -> Vec<String> {
    let parts: Vec<&str> = path.split('.').collect();
    let Some((first, rest)) = parts.split_first() else {
        return evidence(&item.value, path);
    };
    let mut out = Vec::new();
    let name = first.strip_suffix("[]").unwrap_or(first);
    if let (true, Some(containers)) = (*first == "containers[]", item.containers()) {
        // Each borrowed container, its `type` read from the tag: no copy is made.
        let mut at = String::from("containers");
        for (i, t) in containers.iter().enumerate() {
            at.truncate("containers".len());
            let _ = write!(at, "[{i}]");
            match rest.split_first() {
                Some((&"type", after)) if t.is_map() => {
                    at.push_str(".type");
                    walk(t.kind, after, &mut at, &mut out);
                }
                None if t.is_map() => walk(&t.to_value(), rest, &mut at, &mut out),
                _ => walk(t.value, rest, &mut at, &mut out),
            }
        }
        return out;
    }
    step(item.field(name), first, rest, &mut String::new(), &mut out);
    out
}

/// The values under `value` at `parts`; `at` is the path so far, one buffer for the
/// whole walk (each step appends its segment and takes it off again).
fn walk(value: &Value, parts: &[&str], at: &mut String, out: &mut Vec<String>) {
    let Some((first, rest)) = parts.split_first() else {
        if !value.is_null() && value != &Value::Bool(false) {
            // Evidence names what was found; credentials in it are masked.
            let mut shown = value.clone();
            crate::redact::redact_value(&mut shown);
            let leaf = at.rsplit(['.', '[']).next().unwrap_or(at);
            if crate::redact::is_credential_key(leaf) && !shown.is_object() && !shown.is_array() {
                shown = Value::String("<redacted>".to_owned());
            }
            out.push(crate::redact::redact_string(format!("{at}={shown}")));
        }
        return;
    };
    let name = first.strip_suffix("[]").unwrap_or(first);
    step(value.get(name), first, rest, at, out);
}

/// One path segment: `found` is the value of `first` (without `[]`) in the parent.
fn step(found: Option<&Value>, first: &str, rest: &[&str], at: &mut String, out: &mut Vec<String>) {
    let before = at.len();
    if !at.is_empty() {
        at.push('.');
    }
    if let Some(name) = first.strip_suffix("[]") {
        if let Some(list) = found.and_then(Value::as_array) {
            at.push_str(name);
            let named = at.len();
            for (i, v) in list.iter().enumerate() {
                at.truncate(named);
                // Writing to a String cannot fail.
                let _ = write!(at, "[{i}]");
                walk(v, rest, at, out);
            }
        }
    } else if let Some(v) = found {
        at.push_str(first);
        walk(v, rest, at, out);
    }
    at.truncate(before);
}
