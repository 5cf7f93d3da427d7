//! Finds the kubeconfig as kubectl does and builds a client from it: `--kubeconfig`, else
//! `KUBECONFIG` (several files merged), else `~/.kube/config`; `--context` or the current
//! context. Token, client certificate and exec-plugin credentials are what kube-rs
//! supports; TLS verification stays on unless the kubeconfig itself disables it.

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use super::{ClusterError, Target};

/// A client and what it points at.
pub struct Resolved {
    pub client: Client,
    pub context: String,
    pub server: String,
}

pub async fn resolve(target: &Target) -> Result<Resolved, ClusterError> {
    let bad = |e: &dyn std::fmt::Display| {
        ClusterError::Kubeconfig(crate::text::sanitize(&e.to_string()).into_owned())
    };
    let kubeconfig = match &target.kubeconfig {
        Some(path) => Kubeconfig::read_from(path).map_err(|e| {
            ClusterError::Kubeconfig(format!(
                "{}: {}",
                path.display(),
                crate::text::sanitize(&e.to_string())
            ))
        })?,
        None => Kubeconfig::read().map_err(|e| bad(&e))?,
    };
    let context = target
        .context
        .clone()
        .or_else(|| kubeconfig.current_context.clone())
        .unwrap_or_default();
    if let Some(wanted) = &target.context
        && !kubeconfig.contexts.iter().any(|c| &c.name == wanted)
    {
        let known: Vec<&str> = kubeconfig
            .contexts
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        return Err(ClusterError::Kubeconfig(format!(
            "no context `{}`; the kubeconfig has: {}",
            crate::text::sanitize(wanted),
            known.join(", ")
        )));
    }
    let options = KubeConfigOptions {
        context: target.context.clone(),
        cluster: None,
        user: None,
    };
    let mut config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| bad(&e))?;
    // Connecting is bounded here; a slow answer is bounded per request by the collector's
    // own timeout, which reports the kind as unknown instead of failing the whole run.
    config.connect_timeout = Some(target.timeout);
    config.read_timeout = None;
    let server = config.cluster_url.to_string();
    let client = Client::try_from(config).map_err(|e| bad(&e))?;
    Ok(Resolved {
        client,
        context,
        server: server.trim_end_matches('/').to_owned(),
    })
}
