//! A small Kubernetes API server for tests: HTTPS on 127.0.0.1 with a CA generated per
//! server, bearer-token auth, discovery (`/api`, `/apis`, resource lists, `/version`),
//! list and get of fixture objects with `limit`/`continue` pagination, 403 for chosen
//! resources, a slow resource for timeouts, and a record of every request.
//! Written for ktm's tests; it speaks enough of the protocol for kube-rs and kubectl.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

/// What the server serves and how it misbehaves.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Resources (plural names) whose list answers 403 Forbidden.
    pub forbidden: HashSet<String>,
    /// Resources whose list answers only after this delay.
    pub slow: HashMap<String, Duration>,
    /// Largest page served, whatever `limit` asks (forces pagination).
    pub max_page: Option<usize>,
}

/// One recorded request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub target: String,
}

struct Resource {
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    short: &'static [&'static str],
}

const fn r(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    short: &'static [&'static str],
) -> Resource {
    Resource {
        group,
        version,
        kind,
        plural,
        namespaced,
        short,
    }
}

/// What the server knows how to serve (no Cilium: its CRDs are "not installed").
const RESOURCES: &[Resource] = &[
    r("", "v1", "Pod", "pods", true, &["po"]),
    r("", "v1", "Service", "services", true, &["svc"]),
    r("", "v1", "ServiceAccount", "serviceaccounts", true, &["sa"]),
    r("", "v1", "ConfigMap", "configmaps", true, &["cm"]),
    r("", "v1", "Secret", "secrets", true, &[]),
    r("", "v1", "Namespace", "namespaces", false, &["ns"]),
    r("", "v1", "Node", "nodes", false, &["no"]),
    r(
        "",
        "v1",
        "ReplicationController",
        "replicationcontrollers",
        true,
        &["rc"],
    ),
    r("apps", "v1", "Deployment", "deployments", true, &["deploy"]),
    r("apps", "v1", "DaemonSet", "daemonsets", true, &["ds"]),
    r("apps", "v1", "StatefulSet", "statefulsets", true, &["sts"]),
    r("apps", "v1", "ReplicaSet", "replicasets", true, &["rs"]),
    r("batch", "v1", "Job", "jobs", true, &[]),
    r("batch", "v1", "CronJob", "cronjobs", true, &["cj"]),
    r(
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        true,
        &["netpol"],
    ),
    r(
        "networking.k8s.io",
        "v1",
        "Ingress",
        "ingresses",
        true,
        &["ing"],
    ),
    r(
        "rbac.authorization.k8s.io",
        "v1",
        "Role",
        "roles",
        true,
        &[],
    ),
    r(
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
        &[],
    ),
    r(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
        &[],
    ),
    r(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
        &[],
    ),
    r(
        "admissionregistration.k8s.io",
        "v1",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        false,
        &[],
    ),
    r(
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        false,
        &[],
    ),
];

struct State {
    /// plural -> objects, in a stable order.
    objects: BTreeMap<&'static str, Vec<Value>>,
    options: Options,
    token: String,
    requests: Mutex<Vec<Request>>,
}

/// A running server; stops when dropped.
pub struct ApiServer {
    pub url: String,
    pub ca_pem: String,
    pub token: String,
    state: Arc<State>,
    stop: Arc<AtomicBool>,
    port: u16,
}

impl ApiServer {
    /// Serves `objects` (each with apiVersion and kind) until dropped.
    pub fn start(objects: &[Value], options: Options) -> Self {
        let ca_key = rcgen::KeyPair::generate().expect("ca key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("ca params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "ktm test CA");
        let ca_cert = ca_params.self_signed(&ca_key).expect("ca cert");
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let key = rcgen::KeyPair::generate().expect("server key");
        let params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .expect("server params");
        let cert = params.signed_by(&key, &issuer).expect("server cert");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocols")
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .expect("tls config");
        let config = Arc::new(config);
        let mut by_plural: BTreeMap<&'static str, Vec<Value>> = BTreeMap::new();
        for object in objects {
            let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
            if let Some(res) = RESOURCES.iter().find(|r| r.kind == kind) {
                by_plural
                    .entry(res.plural)
                    .or_default()
                    .push(object.clone());
            }
        }
        let state = Arc::new(State {
            objects: by_plural,
            options,
            token: "ktm-test-token".to_owned(),
            requests: Mutex::new(Vec::new()),
        });
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        {
            let state = state.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let state = state.clone();
                    let config = config.clone();
                    std::thread::spawn(move || serve(stream, &config, &state));
                }
            });
        }
        Self {
            url: format!("https://127.0.0.1:{port}"),
            ca_pem: ca_cert.pem(),
            token: state.token.clone(),
            state,
            stop,
            port,
        }
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Request> {
        self.state.requests.lock().expect("requests").clone()
    }

    /// Writes a kubeconfig for this server (context `test`) into `dir`; `token` may be
    /// wrong on purpose, `ca_pem` may be another CA's.
    pub fn kubeconfig(&self, dir: &Path, token: &str, ca_pem: &str) -> PathBuf {
        std::fs::create_dir_all(dir).expect("kubeconfig folder");
        let path = dir.join("kubeconfig");
        let ca = ktm::text::base64(ca_pem.as_bytes());
        let text = format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: test\nclusters:\n- name: test\n  cluster:\n    server: {}\n    certificate-authority-data: {ca}\ncontexts:\n- name: test\n  context:\n    cluster: test\n    user: tester\nusers:\n- name: tester\n  user:\n    token: {token}\n",
            self.url
        );
        std::fs::write(&path, text).expect("write kubeconfig");
        path
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(tcp: TcpStream, config: &Arc<rustls::ServerConfig>, state: &State) {
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(connection) = rustls::ServerConnection::new(config.clone()) else {
        return;
    };
    let stream = rustls::StreamOwned::new(connection, tcp);
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_owned();
        let target = parts.next().unwrap_or("").to_owned();
        let mut headers = HashMap::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
            }
        }
        if let Some(len) = headers
            .get("content-length")
            .and_then(|l| l.parse::<usize>().ok())
        {
            let mut body = vec![0; len];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
        }
        state.requests.lock().expect("requests").push(Request {
            method: method.clone(),
            target: target.clone(),
        });
        let authorized = headers.get("authorization").map(String::as_str)
            == Some(&format!("Bearer {}", state.token));
        let (code, body) = if !authorized {
            status(401, "Unauthorized", "Unauthorized")
        } else if method != "GET" {
            status(405, "MethodNotAllowed", "this test server only reads")
        } else {
            route(state, &target)
        };
        let reason = match code {
            200 => "OK",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            _ => "Error",
        };
        let bytes = serde_json::to_vec(&body).expect("json");
        let head = format!(
            "HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            bytes.len()
        );
        let stream = reader.get_mut();
        if stream.write_all(head.as_bytes()).is_err() || stream.write_all(&bytes).is_err() {
            return;
        }
        let _ = stream.flush();
        if headers
            .get("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"))
        {
            return;
        }
    }
}

fn status(code: u16, reason: &str, message: &str) -> (u16, Value) {
    (
        code,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": message, "reason": reason, "code": code}),
    )
}

fn route(state: &State, target: &str) -> (u16, Value) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query: HashMap<&str, &str> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .collect();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["version"] => (
            200,
            json!({"major": "1", "minor": "33", "gitVersion": "v1.33.0", "platform": "linux/amd64"}),
        ),
        ["api"] => (
            200,
            json!({"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}),
        ),
        ["apis"] => (200, group_list()),
        ["api", "v1"] => (200, resource_list("", "v1")),
        ["apis", group, version] => {
            if RESOURCES
                .iter()
                .any(|r| r.group == *group && r.version == *version)
            {
                (200, resource_list(group, version))
            } else {
                status(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                )
            }
        }
        ["api", "v1", plural] => list(state, "", "v1", plural, None, &query),
        ["api", "v1", "namespaces", ns, plural] => list(state, "", "v1", plural, Some(ns), &query),
        ["apis", group, version, plural] => list(state, group, version, plural, None, &query),
        ["apis", group, version, "namespaces", ns, plural] => {
            list(state, group, version, plural, Some(ns), &query)
        }
        _ => status(
            404,
            "NotFound",
            "the server could not find the requested resource",
        ),
    }
}

fn group_list() -> Value {
    let mut groups: Vec<(&str, &str)> = RESOURCES
        .iter()
        .filter(|r| !r.group.is_empty())
        .map(|r| (r.group, r.version))
        .collect();
    groups.dedup();
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(g, v)| {
            let gv = json!({"groupVersion": format!("{g}/{v}"), "version": v});
            json!({"name": g, "versions": [gv], "preferredVersion": gv})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

fn resource_list(group: &str, version: &str) -> Value {
    let gv = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    let resources: Vec<Value> = RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .map(|r| {
            json!({"name": r.plural, "singularName": r.kind.to_ascii_lowercase(),
                   "namespaced": r.namespaced, "kind": r.kind, "verbs": ["get", "list"],
                   "shortNames": r.short})
        })
        .collect();
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources})
}

fn list(
    state: &State,
    group: &str,
    version: &str,
    plural: &str,
    namespace: Option<&str>,
    query: &HashMap<&str, &str>,
) -> (u16, Value) {
    let Some(resource) = RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
    else {
        return status(
            404,
            "NotFound",
            "the server could not find the requested resource",
        );
    };
    if let Some(delay) = state.options.slow.get(plural) {
        std::thread::sleep(*delay);
    }
    if state.options.forbidden.contains(plural) {
        let scope = namespace.map_or_else(
            || "at the cluster scope".to_owned(),
            |ns| format!("in the namespace \"{ns}\""),
        );
        let message = format!(
            "{plural} is forbidden: User \"tester\" cannot list resource \"{plural}\" in API group \"{group}\" {scope}"
        );
        return status(403, "Forbidden", &message);
    }
    let all: Vec<&Value> = state
        .objects
        .get(resource.plural)
        .map(|v| {
            v.iter()
                .filter(|o| {
                    namespace.is_none_or(|ns| {
                        o.pointer("/metadata/namespace").and_then(Value::as_str) == Some(ns)
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let start: usize = query
        .get("continue")
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let mut limit: usize = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    if let Some(max) = state.options.max_page {
        limit = limit.min(max);
    }
    let end = start.saturating_add(limit).min(all.len());
    let items: Vec<Value> = all[start.min(end)..end]
        .iter()
        .map(|o| {
            // Lists carry their items without apiVersion and kind, as the real server does.
            let mut item = (*o).clone();
            if let Some(map) = item.as_object_mut() {
                map.remove("apiVersion");
                map.remove("kind");
            }
            item
        })
        .collect();
    let mut metadata = json!({"resourceVersion": "1"});
    if end < all.len() {
        metadata["continue"] = Value::String(end.to_string());
    }
    let api_version = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    (
        200,
        json!({"kind": format!("{}List", resource.kind), "apiVersion": api_version,
               "metadata": metadata, "items": items}),
    )
}
