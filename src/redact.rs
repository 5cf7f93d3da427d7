//! Keeps secrets out of what ktm prints: findings' evidence, objects shown in the TUI and
//! audit events opened from a hunt. A Secret's `data` and `stringData`, values under
//! credential-like keys (`password`, `token`, `apiKey`...), `env` entries with such names,
//! and strings that look like keys or tokens (AWS access keys, private keys, JWTs, GitHub
//! and Slack tokens, URLs with a password) become `<redacted: N chars>`.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

/// Key names whose values are credentials.
fn credential_key() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)(passw(or)?d|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?|auth[_-]?key|authorization|bearer|jwt|client[_-]?key[_-]?data|(^|[_-])pass$)",
        )
        .expect("valid pattern")
    })
}

/// Values that are credentials whatever their key: the pattern and the part to keep.
fn secret_value() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(AKIA|ASIA)[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*|gh[pousr]_[A-Za-z0-9]{36}|glpat-[A-Za-z0-9_-]{20}|xox[abposr]-[0-9A-Za-z-]{10,}|AIza[0-9A-Za-z_-]{35}|sk_live_[0-9A-Za-z]{16,}",
        )
        .expect("valid pattern")
    })
}

/// `scheme://user:password@host` -> keeps the user, hides the password.
fn url_password() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:)([^/\s@]+)(@)").expect("valid pattern")
    })
}

/// `--password=x`, `password: x`, `TOKEN=x` in command lines and free text.
fn assignment() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r#"(?i)((?:--?|\b)[a-z0-9_.-]*(?:passw(?:or)?d|passwd|secret|token|api[_-]?key|access[_-]?key|credentials?)[a-z0-9_.-]*\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&"']+)"#,
        )
        .expect("valid pattern")
    })
}

/// Whether a key or field name holds a credential (`password`, `apiKey`, `token`...).
pub fn is_credential_key(name: &str) -> bool {
    credential_key().is_match(name)
}

fn mask(secret: &str) -> String {
    format!("<redacted: {} chars>", secret.chars().count())
}

/// Hides credential-looking parts of free text (command lines, evidence, messages).
pub fn redact_text(text: &str) -> String {
    redacted(text).unwrap_or_else(|| text.to_owned())
}

/// [`redact_text`] of an owned string, which comes back as it is when nothing in it
/// needs hiding (most text: evidence lines, commands).
pub fn redact_string(text: String) -> String {
    redacted(&text).unwrap_or(text)
}

/// The text with its credentials masked, or `None` when it has none. Each pattern is
/// first asked whether it matches at all: that search allocates nothing, where a
/// replacement sets up capture groups even when it finds nothing.
pub fn redacted(text: &str) -> Option<String> {
    let mut out = None;
    replace(&mut out, text, secret_value(), |c| mask(&c[0]));
    replace(&mut out, text, url_password(), |c| {
        format!("{}{}{}", &c[1], mask(&c[2]), &c[3])
    });
    replace(&mut out, text, assignment(), |c| {
        if c[2].starts_with("<redacted") {
            c[0].to_owned()
        } else {
            format!("{}{}", &c[1], mask(&c[2]))
        }
    });
    out
}

/// One pattern's replacements in `out` (or in `text` while `out` is still `None`).
fn replace(
    out: &mut Option<String>,
    text: &str,
    re: &Regex,
    rep: impl FnMut(&regex::Captures<'_>) -> String,
) {
    let current = out.as_deref().unwrap_or(text);
    if re.is_match(current) {
        *out = Some(re.replace_all(current, rep).into_owned());
    }
}

/// Redacts a JSON value in place (see the module's doc for what counts as a secret).
pub fn redact_value(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let is_secret = map.get("kind").and_then(Value::as_str) == Some("Secret");
            // An env entry: {name: DB_PASSWORD, value: ...}.
            let env_secret = map
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| credential_key().is_match(n))
                && map.contains_key("value");
            for (key, v) in map.iter_mut() {
                let hide = (is_secret && (key == "data" || key == "stringData"))
                    || (env_secret && key == "value")
                    || (credential_key().is_match(key) && !v.is_object() && !v.is_array());
                if hide {
                    hide_all(v);
                } else {
                    redact_value(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        Value::String(s) => {
            if let Some(red) = redacted(s) {
                *s = red;
            }
        }
        _ => {}
    }
}

/// Every scalar under `value` masked (a Secret's data: the keys stay, the values go).
fn hide_all(value: &mut Value) {
    match value {
        Value::Object(map) => map.values_mut().for_each(hide_all),
        Value::Array(items) => items.iter_mut().for_each(hide_all),
        Value::String(s) => *s = mask(s),
        Value::Number(n) => *value = Value::String(mask(&n.to_string())),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_masked_and_names_kept() {
        let mut v = json!({
            "kind": "Secret", "metadata": {"name": "db"},
            "data": {"password": "c3VwZXJzZWNyZXQ="}, "stringData": {"x": "plain"},
        });
        redact_value(&mut v);
        assert_eq!(v["data"]["password"], "<redacted: 16 chars>");
        assert_eq!(v["stringData"]["x"], "<redacted: 5 chars>");
        assert_eq!(v["metadata"]["name"], "db");
        let mut cm = json!({"kind": "ConfigMap", "data": {"database_password": "Sup3r-S3cret!", "level": "info",
            "aws": "AKIAIOSFODNN7EXAMPLE", "dsn": "postgres://app:hunter2@db:5432/app"},
            "spec": {"containers": [{"env": [{"name": "API_TOKEN", "value": "abc123"}, {"name": "MODE", "value": "prod"}],
                                      "args": ["--db-password=hunter2", "--verbose"]}]}});
        redact_value(&mut cm);
        let text = cm.to_string();
        for leaked in ["Sup3r-S3cret!", "AKIAIOSFODNN7EXAMPLE", "hunter2", "abc123"] {
            assert!(!text.contains(leaked), "{leaked} leaked: {text}");
        }
        for kept in [
            "database_password",
            "info",
            "API_TOKEN",
            "prod",
            "--verbose",
            "postgres://app:",
        ] {
            assert!(text.contains(kept), "{kept} lost: {text}");
        }
        assert_eq!(
            redact_text("token: eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.sig"),
            "token: <redacted: 37 chars>"
        );
        assert_eq!(
            redact_text("kubectl get pods -n prod"),
            "kubectl get pods -n prod"
        );
    }

    /// The owned form hides exactly what the borrowed one does, whichever patterns
    /// match, alone or together.
    #[test]
    fn owned_and_borrowed_text_are_redacted_alike() {
        for text in [
            "containers[0].securityContext.privileged=true",
            "env[0].value=\"AKIAIOSFODNN7EXAMPLE\"",
            "postgres://app:hunter2@db:5432/app --password=x AKIAIOSFODNN7EXAMPLE",
            "--db-password=hunter2 token: eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.sig",
            "password=<redacted: 3 chars>",
            "to\u{212a}en=abc",
            "",
        ] {
            let borrowed = redact_text(text);
            assert_eq!(redact_string(text.to_owned()), borrowed, "{text}");
            assert_eq!(redacted(text).unwrap_or_else(|| text.to_owned()), borrowed);
        }
        assert_eq!(
            redact_text("to\u{212a}en=abc"),
            "to\u{212a}en=<redacted: 3 chars>"
        );
    }
}
