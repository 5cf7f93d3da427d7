//! One audit event made ready for detections: defaults filled in so expressions stay
//! short, and the derived facts they ask about computed once (`actor`, `system`,
//! `allowed`, `peer`, `podSpec`, `containers`, `grants`).

use serde_json::{Map, Value, json};

use super::head::Facts;

/// An event with its derived facts. The facts detections are gated by are computed
/// eagerly; the strings only an expression reads are borrowed from the event on demand.
#[derive(Debug)]
pub struct Prepared {
    pub event: Value,
    pub system: bool,
    pub anonymous: bool,
    pub allowed: bool,
    pub pod_spec: Value,
    pub containers: Value,
}

impl Prepared {
    /// Seconds since the epoch, when the event says when it happened (parsed on demand:
    /// most events never need it).
    pub fn time(&self) -> Option<i64> {
        [
            "requestReceivedTimestamp",
            "stageTimestamp",
            "timestamp",
            "p_event_time",
        ]
        .iter()
        .find_map(|k| {
            self.event
                .get(*k)
                .and_then(Value::as_str)
                .and_then(parse_time)
        })
    }

    pub fn str_at(&self, pointer: &str) -> &str {
        self.event
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// The effective username: `impersonatedUser` when present, else `user`.
    pub fn actor(&self) -> &str {
        actor_of(&self.event)
    }

    /// The effective groups.
    pub fn groups(&self) -> Vec<&str> {
        effective(&self.event)
            .and_then(|u| u.get("groups"))
            .and_then(Value::as_array)
            .map(|g| g.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// The last of `sourceIPs`: the peer the API server saw.
    pub fn peer(&self) -> &str {
        self.event
            .get("sourceIPs")
            .and_then(Value::as_array)
            .and_then(|ips| ips.last())
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// The facts detections are gated on.
    pub fn facts(&self) -> Facts<'_> {
        let text = |pointer: &str| self.event.pointer(pointer).and_then(Value::as_str);
        Facts {
            resource: text("/objectRef/resource"),
            verb: text("/verb"),
            subresource: text("/objectRef/subresource"),
            namespace: text("/objectRef/namespace"),
            actor: self.actor(),
            code: self
                .event
                .pointer("/responseStatus/code")
                .and_then(Value::as_i64),
            system: self.system,
            anonymous: self.anonymous,
            allowed: self.allowed,
            impersonated: self.event.get("impersonatedUser").is_some(),
        }
    }

    /// The role a (Cluster)RoleBinding in the request grants.
    pub fn grants(&self) -> &str {
        self.str_at("/requestObject/roleRef/name")
    }
}

fn effective(event: &Value) -> Option<&Value> {
    event
        .get("impersonatedUser")
        .filter(|u| u.get("username").and_then(Value::as_str).is_some())
        .or_else(|| event.get("user"))
}

fn actor_of(event: &Value) -> &str {
    effective(event)
        .and_then(|u| u.get("username"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Fills the fields every expression may read and derives the rest.
pub fn prepare(mut event: Value) -> Prepared {
    fill_defaults(&mut event);
    let actor = actor_of(&event);
    let anonymous = super::head::anonymous(
        actor,
        effective(&event)
            .and_then(|u| u.get("groups"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str),
    );
    let system = is_system(actor);
    let code = event
        .pointer("/responseStatus/code")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let decision = event
        .pointer("/annotations/authorization.k8s.io~1decision")
        .and_then(Value::as_str);
    let allowed = super::head::allowed(code, decision);
    let pod_spec = event
        .get("requestObject")
        .and_then(find_pod_spec)
        .cloned()
        .unwrap_or_else(|| Value::Object(Map::new()));
    let containers = Value::Array(all_containers(&pod_spec));
    Prepared {
        event,
        system,
        anonymous,
        allowed,
        pod_spec,
        containers,
    }
}

/// Sets every field expressions may read to an empty value when the log left it out.
fn fill_defaults(event: &mut Value) {
    if !event.is_object() {
        *event = Value::Object(Map::new());
    }
    let Some(map) = event.as_object_mut() else {
        return;
    };
    for key in [
        "verb",
        "stage",
        "requestURI",
        "userAgent",
        "auditID",
        "level",
    ] {
        ensure(map, key, || Value::String(String::new()));
    }
    ensure(map, "sourceIPs", || Value::Array(Vec::new()));
    ensure(map, "annotations", || Value::Object(Map::new()));
    ensure(map, "objectRef", || Value::Object(Map::new()));
    ensure(map, "user", || Value::Object(Map::new()));
    ensure(map, "responseStatus", || Value::Object(Map::new()));
    if let Some(r) = map.get_mut("objectRef").and_then(Value::as_object_mut) {
        for key in [
            "resource",
            "subresource",
            "namespace",
            "name",
            "apiGroup",
            "apiVersion",
        ] {
            ensure(r, key, || Value::String(String::new()));
        }
    }
    if let Some(u) = map.get_mut("user").and_then(Value::as_object_mut) {
        ensure(u, "username", || Value::String(String::new()));
        ensure(u, "groups", || Value::Array(Vec::new()));
    }
    if let Some(s) = map.get_mut("responseStatus").and_then(Value::as_object_mut) {
        ensure(s, "code", || json!(0));
    }
}

/// Sets `key` to `default()` when absent or null (looking first: most events have the
/// key, and inserting would allocate it).
fn ensure(map: &mut Map<String, Value>, key: &str, default: impl FnOnce() -> Value) {
    if map.get(key).is_none_or(Value::is_null) {
        map.insert(key.to_owned(), default());
    }
}

/// A control-plane, node or managed-service identity (not a person, not a workload).
pub fn is_system(user: &str) -> bool {
    if user == "system:anonymous" {
        return false;
    }
    if let Some(sa) = user.strip_prefix("system:serviceaccount:") {
        return sa.starts_with("kube-system:");
    }
    user.starts_with("system:")
        || user.starts_with("eks:")
        || matches!(
            user,
            "aksService" | "masterclient" | "nodeclient" | "kube-apiserver"
        )
}

/// The pod spec inside a Pod, a workload's template or a `CronJob`'s job template.
pub fn find_pod_spec(object: &Value) -> Option<&Value> {
    let spec = object.get("spec")?;
    if let Some(inner) = spec.pointer("/jobTemplate/spec/template/spec") {
        return Some(inner);
    }
    if let Some(inner) = spec.pointer("/template/spec") {
        return Some(inner);
    }
    (spec.get("containers").is_some()).then_some(spec)
}

fn all_containers(spec: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for (key, kind) in [
        ("initContainers", "init"),
        ("containers", "container"),
        ("ephemeralContainers", "ephemeral"),
    ] {
        if let Some(list) = spec.get(key).and_then(Value::as_array) {
            for c in list {
                let mut c = c.clone();
                if let Some(map) = c.as_object_mut() {
                    map.insert("type".into(), Value::String(kind.into()));
                }
                out.push(c);
            }
        }
    }
    out
}

/// RFC 3339 (`2024-05-01T10:00:00.123456Z`, offsets too) or Panther's
/// `2022-11-29 00:09:04.38` (UTC), as seconds since the epoch.
pub fn parse_time(text: &str) -> Option<i64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp());
    }
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_derived_facts() {
        let p = prepare(json!({"verb": "create", "user": {"username": "alice"},
            "impersonatedUser": {"username": "system:serviceaccount:prod:deployer", "groups": ["x"]},
            "sourceIPs": ["10.0.0.1", "203.0.113.9"], "responseStatus": {"code": 201},
            "requestObject": {"spec": {"template": {"spec": {"containers": [{"name": "c"}], "initContainers": [{"name": "i"}]}}}},
            "requestReceivedTimestamp": "2024-05-01T10:00:00.5Z"}));
        assert_eq!(p.actor(), "system:serviceaccount:prod:deployer");
        assert_eq!(p.groups(), ["x"]);
        assert!(!p.system);
        assert!(p.allowed);
        assert_eq!(p.peer(), "203.0.113.9");
        assert_eq!(p.containers.as_array().map(Vec::len), Some(2));
        assert_eq!(p.str_at("/objectRef/subresource"), "");
        assert_eq!(p.time(), Some(1_714_557_600));
        assert!(is_system("system:node:aks-1"));
        assert!(is_system(
            "system:serviceaccount:kube-system:replicaset-controller"
        ));
        assert!(!is_system("system:anonymous"));
        assert!(!is_system("kubernetes-admin"));
        assert_eq!(parse_time("2022-11-29 00:09:04.38"), Some(1_669_680_544));
        let anon = prepare(
            json!({"user": {"username": "system:anonymous", "groups": ["system:unauthenticated"]}}),
        );
        assert!(anon.anonymous && !anon.system && !anon.allowed);
    }
}
