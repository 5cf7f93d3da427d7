//! The head of an audit event: a typed, borrowing parse of only the fields detections are
//! gated on (verb, resource, subresource, identity, response code, decision, times),
//! skipping the request and response objects unread. Most lines of a real audit log are
//! routine traffic that no detection can match; the head settles them without building a
//! `serde_json::Value`, and only lines some detection may match are parsed in full.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer};

/// The facts detections are gated on, the same whether they come from a head or from a
/// fully parsed event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // the flags detections read, one field each
pub struct Facts<'a> {
    /// `None` when the event holds something other than a string there.
    pub resource: Option<&'a str>,
    pub verb: Option<&'a str>,
    pub subresource: Option<&'a str>,
    pub namespace: Option<&'a str>,
    /// The effective username.
    pub actor: &'a str,
    /// The response code, 0 when absent; `None` when it is not an integer.
    pub code: Option<i64>,
    pub system: bool,
    pub anonymous: bool,
    pub allowed: bool,
    pub impersonated: bool,
}

/// Whether a response code (0 when absent) and an authorization decision mean the request
/// was allowed: 2xx, 101 (exec and attach upgrade), or no code with an `allow` decision.
pub fn allowed(code: i64, decision: Option<&str>) -> bool {
    (200..300).contains(&code) || code == 101 || (code == 0 && decision == Some("allow"))
}

/// Anonymous: the anonymous user or the unauthenticated group.
pub fn anonymous<'g>(actor: &str, mut groups: impl Iterator<Item = &'g str>) -> bool {
    actor == "system:anonymous" || groups.any(|g| g == "system:unauthenticated")
}

#[derive(Deserialize, Default)]
struct User<'a> {
    #[serde(borrow, default)]
    username: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    groups: Option<Vec<Cow<'a, str>>>,
}

#[derive(Deserialize, Default)]
struct ObjectRef<'a> {
    #[serde(borrow, default)]
    resource: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    subresource: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    namespace: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
struct Status {
    #[serde(default)]
    code: Option<i64>,
}

#[derive(Deserialize, Default)]
struct Annotations<'a> {
    #[serde(borrow, default, rename = "authorization.k8s.io/decision")]
    decision: Option<Cow<'a, str>>,
}

/// The gate fields of one bare audit Event line.
#[derive(Deserialize)]
#[allow(clippy::struct_excessive_bools)] // one presence flag per envelope key
#[serde(rename_all = "camelCase")]
pub struct Head<'a> {
    #[serde(borrow, default)]
    verb: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    object_ref: Option<ObjectRef<'a>>,
    #[serde(borrow, default)]
    user: Option<User<'a>>,
    #[serde(borrow, default, deserialize_with = "kept")]
    impersonated_user: Slot<User<'a>>,
    #[serde(default)]
    response_status: Option<Status>,
    #[serde(borrow, default)]
    annotations: Option<Annotations<'a>>,
    #[serde(borrow, default, rename = "auditID")]
    audit_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "requestURI")]
    request_uri: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    request_received_timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    stage_timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    p_event_time: Option<Cow<'a, str>>,
    // Envelopes (EventList, AKS batch, AKS record, GKE entry) go the slow way.
    #[serde(default, deserialize_with = "present")]
    items: bool,
    #[serde(default, deserialize_with = "present")]
    records: bool,
    #[serde(default, deserialize_with = "present")]
    properties: bool,
    #[serde(default, deserialize_with = "present", rename = "protoPayload")]
    proto_payload: bool,
    #[serde(default, deserialize_with = "present", rename = "AuditPayload")]
    audit_payload: bool,
}

/// A key that may be absent, present as null, or present with a value: `has()` in CEL
/// is true for a null value too.
#[derive(Default)]
enum Slot<T> {
    #[default]
    Absent,
    Present(Option<T>),
}

/// Whether `line` holds a `\uD800`-`\uDFFF` escape (half of a pair, or a lone one).
fn has_surrogate_escape(line: &[u8]) -> bool {
    line.split(|b| *b == b'\\').skip(1).any(|rest| {
        matches!(
            rest,
            [
                b'u',
                b'd' | b'D',
                b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F',
                ..,
            ]
        )
    })
}

fn kept<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Slot<T>, D::Error> {
    Option::<T>::deserialize(d).map(Slot::Present)
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    serde::de::IgnoredAny::deserialize(d).map(|_| true)
}

impl<'a> Head<'a> {
    /// The head of `line` when it is one bare audit Event (a JSON object with a verb,
    /// objectRef, auditID or requestURI and no envelope keys); `None` sends the line the
    /// slow way, where envelopes are peeled and errors reported.
    pub fn parse(line: &'a [u8]) -> Option<Self> {
        if line.first() != Some(&b'{') {
            return None;
        }
        // Skipped fields are not checked the way the full parse checks them: a line with
        // invalid UTF-8 or a surrogate escape anywhere goes the slow way, which reports
        // it when it is malformed (found by the `audit_lines` fuzz target).
        let text = std::str::from_utf8(line).ok()?;
        if has_surrogate_escape(line) {
            return None;
        }
        let head: Head<'a> = serde_json::from_str(text).ok()?;
        let envelope = head.items
            || head.records
            || head.properties
            || head.proto_payload
            || head.audit_payload;
        let event = head.verb.is_some()
            || head.object_ref.is_some()
            || head.audit_id.is_some()
            || head.request_uri.is_some();
        (event && !envelope).then_some(head)
    }

    fn effective(&self) -> Option<&User<'a>> {
        match &self.impersonated_user {
            Slot::Present(Some(u)) if u.username.is_some() => Some(u),
            _ => None,
        }
        .or(self.user.as_ref())
    }

    /// The effective username: `impersonatedUser` when it names one, else `user`.
    pub fn actor(&self) -> &str {
        self.effective()
            .and_then(|u| u.username.as_deref())
            .unwrap_or("")
    }

    /// Seconds since the epoch, from the first timestamp field that parses.
    pub fn time(&self) -> Option<i64> {
        [
            &self.request_received_timestamp,
            &self.stage_timestamp,
            &self.timestamp,
            &self.p_event_time,
        ]
        .into_iter()
        .find_map(|t| t.as_deref().and_then(super::event::parse_time))
    }

    pub fn facts<'s>(&'s self) -> Facts<'s> {
        let actor = self.actor();
        let groups = self
            .effective()
            .and_then(|u| u.groups.as_ref())
            .into_iter()
            .flatten()
            .map(std::convert::AsRef::as_ref);
        let object_ref = self.object_ref.as_ref();
        let code = self
            .response_status
            .as_ref()
            .and_then(|s| s.code)
            .unwrap_or(0);
        let decision = self
            .annotations
            .as_ref()
            .and_then(|a| a.decision.as_deref());
        // Absent and null read as the empty string, as the full parse's defaults do.
        let text = |t: Option<&'s str>| Some(t.unwrap_or(""));
        Facts {
            resource: text(object_ref.and_then(|r| r.resource.as_deref())),
            verb: text(self.verb.as_deref()),
            subresource: text(object_ref.and_then(|r| r.subresource.as_deref())),
            namespace: text(object_ref.and_then(|r| r.namespace.as_deref())),
            actor,
            code: Some(code),
            system: super::event::is_system(actor),
            anonymous: anonymous(actor, groups),
            allowed: allowed(code, decision),
            impersonated: matches!(self.impersonated_user, Slot::Present(_)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hunt::event::prepare;

    /// The head and the full parse agree on every fact, whatever the line holds.
    fn agree(line: &str) {
        let head = Head::parse(line.as_bytes()).expect("a bare event");
        let value: serde_json::Value = serde_json::from_str(line).expect("json");
        let full = prepare(value);
        assert_eq!(head.facts(), full.facts(), "{line}");
        assert_eq!(head.actor(), full.actor(), "{line}");
        assert_eq!(head.time(), full.time(), "{line}");
    }

    #[test]
    fn head_and_full_parse_agree() {
        agree(
            r#"{"verb":"create","objectRef":{"resource":"pods","subresource":"exec"},"user":{"username":"alice","groups":["system:authenticated"]},"responseStatus":{"code":101},"requestReceivedTimestamp":"2024-05-01T10:00:00Z","requestObject":{"x":[1,2,{"y":null}]}}"#,
        );
        agree(
            r#"{"verb":"get","user":{"username":"al\u0069ce"},"impersonatedUser":{"username":"system:node:n1"},"annotations":{"authorization.k8s.io/decision":"allow","other":1}}"#,
        );
        agree(
            r#"{"auditID":"x","impersonatedUser":{"groups":["g"]},"user":{"username":"system:anonymous"},"timestamp":"nope","stageTimestamp":"2022-11-29 00:09:04.38"}"#,
        );
        agree(
            r#"{"requestURI":"/x","user":{"username":"bob","groups":["system:unauthenticated"]},"responseStatus":{"code":403}}"#,
        );
        agree(
            r#"{"verb":null,"objectRef":{"resource":"secrets","subresource":null},"impersonatedUser":null}"#,
        );
    }

    #[test]
    fn envelopes_and_odd_lines_go_the_slow_way() {
        for line in [
            r#"{"items":[{"verb":"get"}],"verb":"x"}"#,
            r#"{"records":[],"auditID":"a"}"#,
            r#"{"properties":{"log":"{}"},"verb":"get"}"#,
            r#"{"protoPayload":null,"verb":"get"}"#,
            r#"{"AuditPayload":{},"verb":"get"}"#,
            r#"{"kind":"Event"}"#,
            r#"[{"verb":"get"}]"#,
            r#"{"verb":1}"#,
            r#"{"verb":"get","verb":"list"}"#,
            r#"{"verb":"get""#,
            r#"{"verb":"get","responseStatus":{"code":200.0}}"#,
            r#"{"verb":"get","kind":"\ud800"}"#,
            r#"{"verb":"get","kind":"\uDBFF\uDFFF"}"#,
        ] {
            assert!(Head::parse(line.as_bytes()).is_none(), "{line}");
        }
        // Invalid UTF-8 in a field the head skips: the full parse rejects the line.
        let bad = b"{\"verb\":\"get\",\"kind\":\"\x83Event\"}";
        assert!(serde_json::from_slice::<serde_json::Value>(bad).is_err());
        assert!(Head::parse(bad).is_none());
    }
}
