//! Evidence: the values at a check's evidence path (`containers[].securityContext.privileged`)
//! in the item that failed it, as `path=value` lines with list indices filled in and
//! credentials masked.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::Value;

use super::json::Key;
use super::views::Item;

/// Values at a path such as `containers[].securityContext.privileged`, as `path=value`
/// with list indices filled in; nulls and missing fields are left out.
pub fn evidence(value: &Value, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    segments(path, |parts| {
        walk(value, parts, &mut String::new(), &mut out);
    });
    out
}

/// Most paths have a few segments: they are split on the stack, not in a vector per
/// finding.
fn segments<R>(path: &str, f: impl FnOnce(&[&str]) -> R) -> R {
    const MOST: usize = 8;
    let mut parts = [""; MOST];
    let mut n = 0;
    for segment in path.split('.') {
        if n == MOST {
            let all: Vec<&str> = path.split('.').collect();
            return f(&all);
        }
        parts[n] = segment;
        n += 1;
    }
    f(&parts[..n])
}

/// [`evidence`] in a view item, whose top-level fields may come from its object. Sized
/// for the one line most findings have.
pub fn of_item(item: &Item<'_>, path: &str) -> Vec<String> {
    segments(path, |parts| {
        let mut out = Vec::with_capacity(1);
        item_parts(item, parts, &mut out);
        out
    })
}

fn item_parts(item: &Item<'_>, parts: &[&str], out: &mut Vec<String>) {
    let Some((first, rest)) = parts.split_first() else {
        return;
    };
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
                    walk(t.kind, after, &mut at, out);
                }
                None if t.is_map() => walk(&t.to_value(), rest, &mut at, out),
                _ => walk(t.value, rest, &mut at, out),
            }
        }
        return;
    }
    step(item.field(name), first, rest, &mut String::new(), out);
}

/// The values under `value` at `parts`; `at` is the path so far, one buffer for the
/// whole walk (each step appends its segment and takes it off again).
fn walk(value: &Value, parts: &[&str], at: &mut String, out: &mut Vec<String>) {
    let Some((first, rest)) = parts.split_first() else {
        if !value.is_null() && value != &Value::Bool(false) {
            // Evidence names what was found; credentials in it are masked. Only a map or
            // a list is copied to be masked: a string is copied only when it must be.
            let mut shown = match value {
                Value::Object(_) | Value::Array(_) => {
                    let mut copy = value.clone();
                    crate::redact::redact_value(&mut copy);
                    Cow::Owned(copy)
                }
                Value::String(s) => crate::redact::redacted(s)
                    .map_or(Cow::Borrowed(value), |s| Cow::Owned(Value::String(s))),
                _ => Cow::Borrowed(value),
            };
            let leaf = at.rsplit(['.', '[']).next().unwrap_or(at);
            if crate::redact::is_credential_key(leaf) && !shown.is_object() && !shown.is_array() {
                shown = Cow::Owned(Value::String("<redacted>".to_owned()));
            }
            out.push(crate::redact::redact_string(format!("{at}={shown}")));
        }
        return;
    };
    let name = first.strip_suffix("[]").unwrap_or(first);
    step(value.key(name), first, rest, at, out);
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::evidence;

    #[test]
    fn deep_paths_and_masked_values() {
        let v = json!({"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": 1}}}}}}}},
            "env": [{"name": "DB_PASSWORD", "value": "hunter2hunter2"}, {"name": "MODE", "value": "x"}],
            "token": "abc", "url": "https://u:secretpw@example.com/x", "list": [true, false, null, 3]});
        assert_eq!(evidence(&v, "a.b.c.d.e.f.g.h.i"), ["a.b.c.d.e.f.g.h.i=1"]);
        let env = evidence(&v, "env");
        assert_eq!(env.len(), 1);
        assert!(!env[0].contains("hunter2"), "{env:?}");
        assert_eq!(
            evidence(&v, "env[].name"),
            ["env[0].name=\"DB_PASSWORD\"", "env[1].name=\"MODE\""]
        );
        let token = evidence(&v, "token");
        assert!(token[0].starts_with("token=<redacted"), "{token:?}");
        let url = evidence(&v, "url");
        assert!(!url[0].contains("secretpw"), "{url:?}");
        assert_eq!(evidence(&v, "list[]"), ["list[0]=true", "list[3]=3"]);
    }
}
