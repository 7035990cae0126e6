//! Building the [`kapi::Client`] from the environment and the global flags:
//! kubectl's order (`--kubeconfig`, `KUBECONFIG`, `~/.kube/config`, then
//! the pod's service account), then the flag overrides.

use std::io::Write;
use std::path::PathBuf;

use crate::args::{Matches, UsageError};
use crate::error::{Error, Result};

/// Points kapi at a service-account directory other than the kubelet's
/// (tests, and sidecars whose projected token is mounted elsewhere).
pub const SERVICEACCOUNT_DIR_ENV: &str = "KAPI_SERVICEACCOUNT_DIR";

/// How long an exec credential plugin may run (a Go duration; default 60s).
pub const EXEC_TIMEOUT_ENV: &str = "KAPI_EXEC_TIMEOUT";

/// `--kubeconfig`, `--context`, `--cluster`, `--user` and the exec timeout.
pub fn kubeconfig_options(command: &str, m: &Matches) -> Result<kapi::config::KubeconfigOptions> {
    let exec_timeout = match std::env::var(EXEC_TIMEOUT_ENV)
        .ok()
        .filter(|v| !v.is_empty())
    {
        None => None,
        Some(v) => Some(
            kapi::duration::parse(&v)
                .map_err(|e| UsageError::new(command, format!("{EXEC_TIMEOUT_ENV}: {e}")))?
                .0,
        ),
    };
    let text = |name| m.value(name).filter(|v| !v.is_empty()).map(str::to_string);
    let mut opts = kapi::config::KubeconfigOptions::default();
    opts.kubeconfig = text("kubeconfig").map(PathBuf::from);
    opts.context = text("context");
    opts.cluster = text("cluster");
    opts.user = text("user");
    opts.exec_timeout = exec_timeout;
    Ok(opts)
}

/// The configuration: inferred as kubectl does, then the flags applied.
pub fn config(command: &str, m: &Matches) -> Result<kapi::Config> {
    let dir = std::env::var_os(SERVICEACCOUNT_DIR_ENV)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| kapi::config::SERVICE_ACCOUNT_DIR.into());
    let opts = kubeconfig_options(command, m)?;
    let server = m.value("server").filter(|s| !s.is_empty());
    let mut config = match kapi::Config::infer_with(&opts, &dir) {
        Ok(config) => config,
        // kubectl --server=URL --token=T works with no kubeconfig at all.
        Err(kapi::Error::InferConfig { .. }) if server.is_some() => {
            kapi::Config::new(server.unwrap_or_default())
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(server) = server {
        config = config.with_server(server);
    }
    if let Some(token) = m.value("token").filter(|t| !t.is_empty()) {
        config = config.with_token(token);
    }
    if let Some(ca) = m.value("certificate-authority").filter(|c| !c.is_empty()) {
        config = config.with_ca_file(ca)?;
    }
    if let Some(name) = m.value("tls-server-name") {
        config = config.with_tls_server_name(name);
    }
    if let Some(ns) = m.value("namespace") {
        config = config.with_namespace(ns);
    }
    if let Some(t) = m.value("request-timeout") {
        let (timeout, negative) =
            kapi::duration::parse(t).map_err(|e| UsageError::new(command, e))?;
        if negative {
            return Err(UsageError::new(command, "--request-timeout must not be negative").into());
        }
        config = config.with_request_timeout(Some(timeout));
    }
    if m.flag("insecure-skip-tls-verify") {
        eprintln!(
            "warning: --insecure-skip-tls-verify: the server's certificate is not verified; \
             anyone on the network path can read the bearer token"
        );
        config = config.with_insecure_skip_tls_verify(true);
    } else if config.insecure_skip_tls_verify() {
        eprintln!(
            "warning: the kubeconfig sets insecure-skip-tls-verify: the server's certificate \
             is not verified; anyone on the network path can read the credentials"
        );
    }
    Ok(config)
}

/// The client, with `-v` tracing.
pub fn client(command: &str, m: &Matches) -> Result<kapi::Client> {
    let client = kapi::Client::new(config(command, m)?)?;
    Ok(match verbosity(command, m)? {
        0..=1 => client,
        level => client.with_trace(level, |line| {
            // -v=8 and up print server headers and bodies.
            let _ = writeln!(
                std::io::stderr().lock(),
                "{}",
                crate::output::escape::text(line)
            );
        }),
    })
}

/// `-v=N`, 0 to 10 as kubectl's.
fn verbosity(command: &str, m: &Matches) -> Result<u8> {
    match m.value("v") {
        None => Ok(0),
        Some(v) => v.parse::<u8>().ok().filter(|n| *n <= 10).ok_or_else(|| {
            Error::Usage(UsageError::new(
                command,
                format!("invalid argument {v:?} for \"-v\" flag: must be a number from 0 to 10"),
            ))
        }),
    }
}
