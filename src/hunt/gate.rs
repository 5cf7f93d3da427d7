//! Gates: what a detection's expression requires, read from its top-level conjuncts
//! (`event.objectRef.resource == 'pods'`, `event.verb in [...]`, `allowed`, `!system`),
//! so an event is only shown to the detections it can possibly satisfy.

use std::collections::HashSet;

use super::event::Prepared;

/// A derived fact an expression may require as a whole top-level conjunct.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    Anonymous,
    Allowed,
    System,
    Impersonated,
}

impl Flag {
    pub fn of(self, e: &Prepared) -> bool {
        match self {
            Flag::Anonymous => e.anonymous,
            Flag::Allowed => e.allowed,
            Flag::System => e.system,
            Flag::Impersonated => e
                .event
                .get("impersonatedUser")
                .is_some_and(|u| !u.is_null()),
        }
    }
}

/// The facts `expr` requires: top-level conjuncts such as `allowed`, `!system`,
/// `has(event.impersonatedUser)`.
pub fn required_flags(expr: &str) -> Vec<(Flag, bool)> {
    let mut out = Vec::new();
    for conjunct in top_level_conjuncts(expr) {
        let c = strip_parens(conjunct.trim());
        let (negated, name) = match c.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, c),
        };
        let flag = match name {
            "anonymous" => Flag::Anonymous,
            "allowed" => Flag::Allowed,
            "system" => Flag::System,
            "has(event.impersonatedUser)" if !negated => Flag::Impersonated,
            _ => continue,
        };
        out.push((flag, !negated));
    }
    out
}

/// The values `field` must take for `expr` to hold, when a top-level conjunct of `expr`
/// is `field == 'x'` or `field in ['x', 'y']`; `None` when no such conjunct exists.
/// Sound because every top-level conjunct must be true for the whole to be.
pub fn required(expr: &str, field: &str) -> Option<HashSet<String>> {
    for conjunct in top_level_conjuncts(expr) {
        let c = strip_parens(conjunct.trim());
        let Some(rest) = c.strip_prefix(field) else {
            continue;
        };
        let rest = rest.trim_start();
        if let Some(lit) = rest.strip_prefix("==") {
            if let Some(value) = string_literal(lit.trim()) {
                return Some(HashSet::from([value]));
            }
        } else if let Some(list) = rest.strip_prefix("in ") {
            let list = list.trim();
            if let Some(inner) = list.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                let values: Option<HashSet<String>> =
                    inner.split(',').map(|v| string_literal(v.trim())).collect();
                if let Some(values) = values {
                    return Some(values);
                }
            }
        }
    }
    None
}

fn string_literal(text: &str) -> Option<String> {
    let quote = text.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let inner = text.strip_prefix(quote)?.strip_suffix(quote)?;
    (!inner.contains(quote) && !inner.contains('\\')).then(|| inner.to_owned())
}

fn strip_parens(mut s: &str) -> &str {
    while s.starts_with('(')
        && s.ends_with(')')
        && top_level_conjuncts(&s[1..s.len() - 1]).len() == 1
    {
        let inner = &s[1..s.len() - 1];
        if !balanced(inner) {
            break;
        }
        s = inner.trim();
    }
    s
}

fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// Splits at `&&` outside brackets and string literals; a top-level `||` or `?` makes the
/// whole one part (nothing is required then).
fn top_level_conjuncts(expr: &str) -> Vec<&str> {
    let bytes = expr.as_bytes();
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<u8> = None;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some(q) = quote {
            if b == b'\\' {
                i += 1;
            } else if b == q {
                quote = None;
            }
        } else {
            match b {
                b'\'' | b'"' => quote = Some(b),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth -= 1,
                b'|' if depth == 0 => return vec![expr],
                // `a ? b : c` makes nothing required; `.?field` and `[?key]` are optional
                // selection, not a ternary.
                b'?' if depth == 0 && i > 0 && !matches!(bytes[i - 1], b'.' | b'[') => {
                    return vec![expr];
                }
                b'&' if depth == 0 && bytes.get(i + 1) == Some(&b'&') => {
                    parts.push(&expr[start..i]);
                    start = i + 2;
                    i += 1;
                }
                _ => {}
            }
        }
        i += 1;
    }
    parts.push(&expr[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::{Flag, required, required_flags};

    #[test]
    fn gates_come_from_top_level_conjuncts_only() {
        let set = |v: &[&str]| Some(v.iter().map(|s| (*s).to_owned()).collect());
        assert_eq!(
            required(
                "event.objectRef.resource == 'pods' && allowed",
                "event.objectRef.resource"
            ),
            set(&["pods"])
        );
        assert_eq!(
            required(
                "allowed && (event.objectRef.resource in ['secrets', \"configmaps\"])",
                "event.objectRef.resource"
            ),
            set(&["secrets", "configmaps"])
        );
        assert_eq!(
            required(
                "event.objectRef.resource == 'pods' || allowed",
                "event.objectRef.resource"
            ),
            None
        );
        assert_eq!(
            required(
                "allowed && (event.objectRef.resource == 'a' || x)",
                "event.objectRef.resource"
            ),
            None
        );
        assert_eq!(
            required("event.verb in ['get', 'list'] && x", "event.verb"),
            set(&["get", "list"])
        );
        assert_eq!(required("x ? event.verb == 'a' : true", "event.verb"), None);
        assert_eq!(
            required(
                "event.verb == 'create' && event.?requestObject.?spec.orValue({}) != {}",
                "event.verb"
            ),
            set(&["create"])
        );
        assert_eq!(
            required_flags("anonymous && allowed && !system && (x || system)"),
            vec![
                (Flag::Anonymous, true),
                (Flag::Allowed, true),
                (Flag::System, false)
            ]
        );
        assert_eq!(
            required_flags("has(event.impersonatedUser) && x"),
            vec![(Flag::Impersonated, true)]
        );
        assert!(required_flags("allowed || x").is_empty());
    }
}
