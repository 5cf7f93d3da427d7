//! GKE's Cloud Audit Logging entries mapped onto the audit Event fields detections read.
//!
//! A `protoPayload` carries `methodName` `io.k8s.<group>.<version>.<resource>[.<sub>].<verb>`
//! (`io.k8s.core.v1.pods.exec.create`), `resourceName` `core/v1/namespaces/<ns>/pods/<name>`,
//! the caller in `authenticationInfo` and `requestMetadata`, a gRPC `status`, and the
//! request and response objects.

use serde_json::{Map, Value, json};

/// The Event a GKE log entry describes, or `None` when it is not a Kubernetes call.
/// Also takes the Go client's `{"Entry": {...}, "AuditPayload": "<protoPayload JSON>"}`.
pub fn to_event(entry: &Value) -> Option<Value> {
    if let Some(text) = entry.get("AuditPayload").and_then(Value::as_str) {
        let payload: Value = serde_json::from_str(text).ok()?;
        let inner = entry.get("Entry");
        let wrapped = json!({
            "protoPayload": payload,
            "timestamp": inner.and_then(|e| e.get("Timestamp")).cloned().unwrap_or(Value::Null),
            "insertId": inner.and_then(|e| e.get("InsertID")).cloned().unwrap_or(Value::Null),
        });
        return to_event(&wrapped);
    }
    let payload = entry.get("protoPayload")?;
    let method = payload.get("methodName")?.as_str()?;
    let rest = method.strip_prefix("io.k8s.")?;
    let parts: Vec<&str> = rest.split('.').collect();
    // group may hold dots (rbac.authorization.k8s.io): the version is the first `v\d…`.
    let version_at = parts
        .iter()
        .position(|p| p.starts_with('v') && p[1..].starts_with(|c: char| c.is_ascii_digit()))?;
    let group = parts[..version_at].join(".");
    let after = &parts[version_at + 1..];
    let (resource, subresource, verb) = match after {
        [resource, verb] => (*resource, "", *verb),
        [resource, sub, verb] => (*resource, *sub, *verb),
        _ => return None,
    };
    let group = if group == "core" {
        String::new()
    } else {
        group
    };
    let name_path = payload
        .get("resourceName")
        .and_then(Value::as_str)
        .unwrap_or("");
    let (namespace, name) = namespace_and_name(name_path, resource);
    let granted = payload
        .get("authorizationInfo")
        .and_then(Value::as_array)
        .is_some_and(|a| {
            a.iter()
                .all(|i| i.get("granted").and_then(Value::as_bool).unwrap_or(true))
        });
    let grpc = payload
        .pointer("/status/code")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    // UNKNOWN (2) after a granted authorization is how GKE logs an exec or attach stream
    // that ended: the request itself went through.
    let code = if grpc == 2 && granted {
        200
    } else {
        grpc_to_http(grpc)
    };
    let mut annotations = Map::new();
    if payload.get("authorizationInfo").is_some() {
        annotations.insert(
            "authorization.k8s.io/decision".into(),
            Value::String(if granted { "allow" } else { "forbid" }.into()),
        );
    }
    let user = ["principalEmail", "principalSubject", "authoritySelector"]
        .iter()
        .find_map(|k| payload.get("authenticationInfo")?.get(*k)?.as_str())
        .unwrap_or("");
    let ip = ["callerIp", "callerIP"]
        .iter()
        .find_map(|k| payload.get("requestMetadata")?.get(*k)?.as_str());
    let agent = payload
        .pointer("/requestMetadata/callerSuppliedUserAgent")
        .and_then(Value::as_str)
        .unwrap_or("");
    let time = entry.get("timestamp").cloned().unwrap_or(Value::Null);
    let id = entry
        .get("insertId")
        .or_else(|| entry.pointer("/operation/id"))
        .cloned()
        .unwrap_or(Value::Null);
    let mut event = json!({
        "apiVersion": "audit.k8s.io/v1",
        "kind": "Event",
        "auditID": id,
        "stage": "ResponseComplete",
        "verb": verb,
        "requestURI": name_path,
        "user": {"username": user, "groups": []},
        "sourceIPs": ip.map(|i| vec![i]).unwrap_or_default(),
        "userAgent": agent,
        "objectRef": {"resource": resource, "subresource": subresource, "namespace": namespace,
                      "name": name, "apiGroup": group},
        "responseStatus": {"code": code},
        "annotations": annotations,
        "requestReceivedTimestamp": time,
    });
    if let Some(map) = event.as_object_mut() {
        for (from, to) in [("request", "requestObject"), ("response", "responseObject")] {
            if let Some(v) = payload.get(from) {
                map.insert(to.into(), v.clone());
            }
        }
    }
    Some(event)
}

/// `core/v1/namespaces/default/pods/web-1/exec` -> (`default`, `web-1`).
fn namespace_and_name(path: &str, resource: &str) -> (String, String) {
    let parts: Vec<&str> = path.split('/').collect();
    let namespace = parts
        .iter()
        .position(|p| *p == "namespaces")
        .and_then(|i| parts.get(i + 1))
        .filter(|_| resource != "namespaces")
        .map_or_else(String::new, |s| (*s).to_owned());
    let name = parts
        .iter()
        .position(|p| *p == resource)
        .and_then(|i| parts.get(i + 1))
        .map_or_else(String::new, |s| (*s).to_owned());
    (namespace, name)
}

/// gRPC status codes as the HTTP codes the API server would have sent.
fn grpc_to_http(code: i64) -> i64 {
    match code {
        0 => 200,
        3 => 400,
        5 => 404,
        6 => 409,
        7 => 403,
        16 => 401,
        _ => 500,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exec_entry_becomes_an_event() {
        let entry = json!({"protoPayload": {"methodName": "io.k8s.core.v1.pods.exec.create",
            "resourceName": "core/v1/namespaces/default/pods/web-1/exec",
            "authenticationInfo": {"principalEmail": "eve@example.com"},
            "requestMetadata": {"callerIp": "203.0.113.7", "callerSuppliedUserAgent": "kubectl/v1.30"},
            "status": {"code": 0}}, "timestamp": "2024-05-01T10:00:00Z", "insertId": "abc"});
        let e = to_event(&entry).expect("event");
        assert_eq!(e["verb"], "create");
        assert_eq!(e["objectRef"]["resource"], "pods");
        assert_eq!(e["objectRef"]["subresource"], "exec");
        assert_eq!(e["objectRef"]["namespace"], "default");
        assert_eq!(e["objectRef"]["name"], "web-1");
        assert_eq!(e["user"]["username"], "eve@example.com");
        assert_eq!(e["responseStatus"]["code"], 200);
        let rbac = json!({"protoPayload": {"methodName":
            "io.k8s.authorization.rbac.v1.clusterrolebindings.create",
            "resourceName": "rbac.authorization.k8s.io/v1/clusterrolebindings/evil", "status": {"code": 7}}});
        let e = to_event(&rbac).expect("event");
        assert_eq!(e["objectRef"]["resource"], "clusterrolebindings");
        assert_eq!(e["objectRef"]["name"], "evil");
        assert_eq!(e["responseStatus"]["code"], 403);
        assert!(to_event(&json!({"protoPayload": {"methodName": "google.container.v1.ClusterManager.GetCluster"}})).is_none());
    }
}
