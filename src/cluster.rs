//! The live cluster collector: lists, read-only, the kinds the selected checks need,
//! through the user's kubeconfig. kube-rs and tokio are used only in this module.
//!
//! Honest partial results: a kind that cannot be listed (403, 404, 5xx, a timeout) is
//! recorded with its reason in [`Collected::unavailable`], so the checks that need it
//! become `unknown`; an unreachable server, rejected credentials (401) or a TLS failure
//! stop the run with one clear [`ClusterError`]. Only `list` (HTTP GET) is ever sent;
//! `clippy.toml` bans kube-rs's write methods.

mod kubeconfig;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kube::Client;
use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use serde_json::Value;

use crate::checks::kinds::KindInfo;

/// Where and how to collect.
#[derive(Clone, Debug)]
pub struct Target {
    /// `--kubeconfig`; otherwise `KUBECONFIG` (several files merged) or `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`; otherwise the kubeconfig's current context.
    pub context: Option<String>,
    /// `--namespace`: namespaced kinds are listed in this namespace only.
    pub namespace: Option<String>,
    /// Per request.
    pub timeout: Duration,
    /// For the whole collection.
    pub run_timeout: Duration,
    /// Objects per page (`limit`), continued with the server's token.
    pub page_size: u32,
}

impl Default for Target {
    fn default() -> Self {
        Self {
            kubeconfig: None,
            context: None,
            namespace: None,
            timeout: Duration::from_secs(30),
            run_timeout: Duration::from_secs(300),
            page_size: 500,
        }
    }
}

/// What one collection read.
#[derive(Clone, Debug, Default)]
pub struct Collected {
    /// Every object listed, with `apiVersion` and `kind` set.
    pub objects: Vec<Value>,
    /// Kinds that could not be listed, with why (`forbidden: cannot list configmaps at
    /// cluster scope`).
    pub unavailable: BTreeMap<String, String>,
    pub context: String,
    pub server: String,
}

/// A collection that could not happen at all.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("cannot use the kubeconfig: {0}")]
    Kubeconfig(String),
    #[error(
        "the API server at {server} rejected the credentials of context `{context}` (401 Unauthorized); log in again or pick another --context"
    )]
    Unauthorized { server: String, context: String },
    #[error("cannot reach the API server at {server}: {message}")]
    Unreachable { server: String, message: String },
    #[error("listing took longer than {0:?} in total (see --timeout); nothing was checked")]
    RunTimeout(Duration),
    #[error("cannot start the collector: {0}")]
    Runtime(#[source] std::io::Error),
}

/// Progress of a collection, for a line on stderr.
pub trait Progress: Send + Sync {
    /// `kind` has `listed` objects so far (`done` once its last page arrived).
    fn update(&self, kind: &str, listed: usize, done: bool);
}

/// No progress output.
pub struct Silent;

impl Progress for Silent {
    fn update(&self, _kind: &str, _listed: usize, _done: bool) {}
}

/// How many kinds are listed at the same time.
const CONCURRENT: usize = 4;

/// Lists `kinds` from the cluster `target` points at.
pub fn collect(
    target: &Target,
    kinds: &[&'static KindInfo],
    progress: Arc<dyn Progress>,
) -> Result<Collected, ClusterError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ClusterError::Runtime)?;
    runtime.block_on(async {
        match tokio::time::timeout(target.run_timeout, collect_async(target, kinds, progress)).await
        {
            Ok(result) => result,
            Err(_) => Err(ClusterError::RunTimeout(target.run_timeout)),
        }
    })
}

async fn collect_async(
    target: &Target,
    kinds: &[&'static KindInfo],
    progress: Arc<dyn Progress>,
) -> Result<Collected, ClusterError> {
    let resolved = kubeconfig::resolve(target).await?;
    let client = resolved.client;
    let mut collected = Collected {
        context: resolved.context,
        server: resolved.server,
        ..Collected::default()
    };
    let mut results: Vec<(usize, Listed)> = Vec::with_capacity(kinds.len());
    let mut set = tokio::task::JoinSet::new();
    let mut next = 0;
    while next < kinds.len() || !set.is_empty() {
        while next < kinds.len() && set.len() < CONCURRENT {
            let info = kinds[next];
            let job = list_kind(
                client.clone(),
                info,
                target.namespace.clone(),
                target.timeout,
                target.page_size,
                progress.clone(),
            );
            let index = next;
            set.spawn(async move { (index, job.await) });
            next += 1;
        }
        if let Some(joined) = set.join_next().await {
            match joined {
                Ok(result) => results.push(result),
                Err(err) => {
                    return Err(ClusterError::Runtime(std::io::Error::other(
                        err.to_string(),
                    )));
                }
            }
        }
    }
    results.sort_by_key(|(i, _)| *i);
    for (index, listed) in results {
        let info = kinds[index];
        match listed {
            Listed::Objects(objects) => collected.objects.extend(objects),
            Listed::Unavailable(reason) => {
                collected.unavailable.insert(info.kind.to_owned(), reason);
            }
            Listed::NotServed => {}
            Listed::Fatal(err) => {
                return Err(fatal(&err, &collected.server, &collected.context));
            }
        }
    }
    Ok(collected)
}

/// The outcome of listing one kind.
enum Listed {
    Objects(Vec<Value>),
    /// Could not be listed; the checks that need it are unknown.
    Unavailable(String),
    /// An optional kind (a CRD) this cluster does not serve.
    NotServed,
    /// The server or the credentials are unusable: the run stops.
    Fatal(kube::Error),
}

async fn list_kind(
    client: Client,
    info: &'static KindInfo,
    namespace: Option<String>,
    timeout: Duration,
    page_size: u32,
    progress: Arc<dyn Progress>,
) -> Listed {
    let resource = ApiResource {
        group: info.group.to_owned(),
        version: info.version.to_owned(),
        api_version: info.api_version(),
        kind: info.kind.to_owned(),
        plural: info.plural.to_owned(),
    };
    let scope = match (&namespace, info.namespaced) {
        (Some(ns), true) => format!("in namespace {ns}"),
        _ => "at cluster scope".to_owned(),
    };
    let api: Api<DynamicObject> = match (&namespace, info.namespaced) {
        (Some(ns), true) => Api::namespaced_with(client, ns, &resource),
        _ => Api::all_with(client, &resource),
    };
    let mut params = ListParams::default().limit(page_size);
    let mut objects = Vec::new();
    loop {
        let page = match tokio::time::timeout(timeout, api.list(&params)).await {
            Err(_) => {
                return Listed::Unavailable(format!(
                    "timed out after {}s listing {} {scope}",
                    timeout.as_secs(),
                    info.plural
                ));
            }
            Ok(Err(kube::Error::Api(status))) => {
                return match status.code {
                    401 => Listed::Fatal(kube::Error::Api(status)),
                    403 => Listed::Unavailable(format!(
                        "forbidden: cannot list {} {scope}",
                        info.plural
                    )),
                    404 if info.optional => Listed::NotServed,
                    404 => Listed::Unavailable(format!(
                        "not served: this cluster has no {} ({})",
                        info.plural,
                        info.api_version()
                    )),
                    code => Listed::Unavailable(format!(
                        "server error {code} listing {} {scope}: {}",
                        info.plural,
                        crate::text::sanitize(&status.message)
                    )),
                };
            }
            Ok(Err(err)) => return Listed::Fatal(err),
            Ok(Ok(page)) => page,
        };
        let token = page.metadata.continue_.clone().unwrap_or_default();
        for item in page.items {
            let Ok(mut value) = serde_json::to_value(item) else {
                continue;
            };
            if let Some(map) = value.as_object_mut() {
                map.insert("apiVersion".into(), Value::String(info.api_version()));
                map.insert("kind".into(), Value::String(info.kind.to_owned()));
            }
            objects.push(value);
        }
        progress.update(info.plural, objects.len(), token.is_empty());
        if token.is_empty() {
            return Listed::Objects(objects);
        }
        params = params.continue_token(&token);
    }
}

/// One clear error for a server or credentials that cannot be used.
fn fatal(err: &kube::Error, server: &str, context: &str) -> ClusterError {
    if let kube::Error::Api(status) = err
        && status.code == 401
    {
        return ClusterError::Unauthorized {
            server: server.to_owned(),
            context: context.to_owned(),
        };
    }
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    if message.contains("certificate") || message.contains("tls") || message.contains("TLS") {
        message.push_str(" (TLS: the server's certificate is not trusted by the kubeconfig's certificate-authority)");
    }
    ClusterError::Unreachable {
        server: server.to_owned(),
        message: crate::text::sanitize(&message).into_owned(),
    }
}
