//! Where the API server is and how to authenticate to it.
//!
//! Prefer [`Config::infer`]: a kubeconfig when there is one, else the
//! pod's service account, as kubectl decides. Use [`Config::incluster`] in
//! a pod that must ignore kubeconfigs, [`Config::from_kubeconfig`] to pick a
//! context, and [`Config::new`] with the `with_*` methods when the server,
//! CA and token come from elsewhere.

mod incluster;
mod kubeconfig;
mod proxy;

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub use crate::auth::exec::DEFAULT_EXEC_TIMEOUT;
pub use incluster::{SERVICE_ACCOUNT_DIR, SERVICE_HOST_ENV, SERVICE_PORT_ENV};
pub use kubeconfig::{
    ContextInfo, Kubeconfig, KubeconfigOptions, DEFAULT_KUBECONFIG, KUBECONFIG_ENV,
};

use rustls::sign::CertifiedKey;

pub(crate) use crate::auth::Auth;
use crate::tls::CaBundle;
use crate::token::{Secret, TokenFile};
use crate::{Error, Result};

/// Default limit for establishing a connection, TLS handshake included
/// (client-go: 30 s dial plus 10 s handshake). Resolving the server's name,
/// when it is not an IP address, gets the same limit.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Default limit for a single read or write that makes no progress. The API
/// server itself gives up on a non-watch request after 60 s, so a minute of
/// silence means the connection is dead.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Connection settings for a [`Client`](crate::Client).
///
/// ```no_run
/// let config = kapi::Config::incluster()?;
/// println!("{} (namespace {})", config.server(), config.namespace());
/// # Ok::<(), kapi::Error>(())
/// ```
#[derive(Clone)]
pub struct Config {
    server: String,
    ca: Option<CaBundle>,
    auth: Auth,
    namespace: String,
    insecure_skip_tls_verify: bool,
    connect_timeout: Duration,
    idle_timeout: Duration,
    request_timeout: Option<Duration>,
    /// The name the server's certificate is checked for (and sent as SNI)
    /// instead of the URL's host.
    tls_server_name: Option<String>,
    /// The CONNECT proxy's URL; `None`: direct.
    proxy: Option<String>,
    /// The client certificate from the kubeconfig.
    client_cert: Option<Arc<CertifiedKey>>,
}

impl Config {
    /// The configuration kubectl would use: a kubeconfig (`KUBECONFIG`'s
    /// files merged, else `~/.kube/config`) when there is one, else the
    /// pod's service account ([`Config::incluster`]). In a pod without a
    /// kubeconfig this is exactly [`Config::incluster`].
    ///
    /// When neither works the error says why for each:
    /// `failed to infer config: kubeconfig: (...), in-cluster: (...)`. A
    /// kubeconfig that exists but is broken is reported as it is, not
    /// passed over.
    ///
    /// ```no_run
    /// let client = kapi::Client::new(kapi::Config::infer()?)?;
    /// # Ok::<(), kapi::Error>(())
    /// ```
    pub fn infer() -> Result<Config> {
        Config::infer_with(&KubeconfigOptions::default(), SERVICE_ACCOUNT_DIR)
    }

    /// [`Config::infer`] with kubectl's `--kubeconfig`, `--context`,
    /// `--cluster` and `--user` (an explicit file or context must work:
    /// there is no fallback then), and the service-account files read from
    /// `incluster_dir`.
    pub fn infer_with(opts: &KubeconfigOptions, incluster_dir: impl AsRef<Path>) -> Result<Config> {
        let env = |name: &str| std::env::var(name).ok();
        infer_env(&env, opts, incluster_dir.as_ref())
    }

    /// The configuration of a kubeconfig context: `opts.kubeconfig`, else
    /// `KUBECONFIG`'s files merged as client-go merges them, else
    /// `~/.kube/config`; the context `opts.context`, else `current-context`;
    /// its cluster and user unless overridden. Proxies: the cluster's
    /// `proxy-url`, else `HTTPS_PROXY`/`HTTP_PROXY` unless `NO_PROXY` matches.
    pub fn from_kubeconfig(opts: &KubeconfigOptions) -> Result<Config> {
        kubeconfig::config_env(&|name| std::env::var(name).ok(), opts)
    }

    /// The in-cluster configuration, as client-go's `rest.InClusterConfig`
    /// builds it (and stricter where client-go is lax):
    ///
    /// - the server from `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT`
    ///   (both required; IPv6 bracketed; port 1–65535);
    /// - the bearer token from `/var/run/secrets/kubernetes.io/serviceaccount/token`,
    ///   trimmed, re-read at least once a minute and after a `401`;
    /// - the CA bundle from `ca.crt` in the same directory: it must hold at
    ///   least one certificate, and no other roots are trusted;
    /// - the namespace from `POD_NAMESPACE`, else the `namespace` file, else `default`.
    ///
    /// In-cluster connections go direct: proxy environment variables are ignored.
    pub fn incluster() -> Result<Config> {
        Config::incluster_in(SERVICE_ACCOUNT_DIR)
    }

    /// [`Config::incluster`] with the service-account files read from `dir`
    /// instead of the standard path (a sidecar whose projected token lives
    /// elsewhere, or a test).
    pub fn incluster_in(dir: impl AsRef<Path>) -> Result<Config> {
        incluster::load(&|name| std::env::var(name).ok(), dir.as_ref())
    }

    /// A configuration for `server` (e.g. `https://10.96.0.1:443`) with no CA,
    /// no credentials and the `default` namespace. Without a CA (see
    /// [`Config::with_ca_file`]) the connection fails unless
    /// [`Config::with_insecure_skip_tls_verify`] is set: public roots are
    /// never trusted for a cluster.
    pub fn new(server: impl Into<String>) -> Config {
        let server: String = server.into();
        Config {
            server: server.trim_end_matches('/').to_string(),
            ca: None,
            auth: Auth::None,
            namespace: "default".into(),
            insecure_skip_tls_verify: false,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            request_timeout: None,
            tls_server_name: None,
            proxy: None,
            client_cert: None,
        }
    }

    /// Replaces the server URL (kubectl's `--server`).
    pub fn with_server(mut self, server: impl Into<String>) -> Config {
        let server: String = server.into();
        self.server = server.trim_end_matches('/').to_string();
        self
    }

    /// Checks the server's certificate for `name` and sends it as SNI,
    /// instead of the URL's host (kubeconfig `tls-server-name`).
    pub fn with_tls_server_name(mut self, name: impl Into<String>) -> Config {
        let name = name.into();
        self.tls_server_name = (!name.is_empty()).then_some(name);
        self
    }

    /// Sends requests through the HTTP CONNECT proxy at `url`
    /// (`http://proxy:3128`), or directly with `None`. Credentials travel
    /// inside the TLS tunnel: the proxy never sees them.
    pub fn with_proxy(mut self, url: Option<String>) -> Config {
        self.proxy = url.filter(|u| !u.is_empty());
        self
    }

    /// Presents the PEM client certificate in `cert` with the private key
    /// in `key` (RSA, EC or PKCS#8). Checked now: an expired certificate or a
    /// key that does not match is an error.
    pub fn with_client_cert_files(
        mut self,
        cert: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Config> {
        let read = |what, path: &Path| {
            std::fs::read(path).map_err(|source| Error::ReadFile {
                what,
                path: path.to_path_buf(),
                source,
            })
        };
        let (cert, key) = (cert.as_ref(), key.as_ref());
        let source = format!("{cert:?} and {key:?}");
        self.client_cert = Some(crate::auth::cert::load(
            &read("client certificate", cert)?,
            &read("client key", key)?,
            &source,
        )?);
        Ok(self)
    }

    /// Trusts the PEM certificates in `path` (one or more) and nothing else.
    pub fn with_ca_file(mut self, path: impl AsRef<Path>) -> Result<Config> {
        self.ca = Some(CaBundle::from_file(path.as_ref())?);
        Ok(self)
    }

    /// Authenticates with a fixed bearer token.
    pub fn with_token(mut self, token: impl Into<String>) -> Config {
        self.auth = Auth::Token(Secret::new(token.into().trim().to_string()));
        self
    }

    /// Authenticates with the bearer token in `path`, re-read at least once a
    /// minute and after a `401`; the last good token is kept when a re-read fails.
    pub fn with_token_file(mut self, path: impl AsRef<Path>) -> Result<Config> {
        self.auth = Auth::TokenFile(Arc::new(TokenFile::open(path.as_ref())?));
        Ok(self)
    }

    /// Sets the default namespace.
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> Config {
        self.namespace = namespace.into();
        self
    }

    /// Turns off TLS verification. Only for debugging: anyone on the path can
    /// read the token. The CLI says so on stderr when this is set.
    pub fn with_insecure_skip_tls_verify(mut self, insecure: bool) -> Config {
        self.insecure_skip_tls_verify = insecure;
        self
    }

    /// Bounds connection setup, TLS handshake included (default 30 s).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Config {
        self.connect_timeout = timeout;
        self
    }

    /// Bounds each read or write that makes no progress (default 60 s).
    /// Watches use their own limit, derived from their `timeoutSeconds`.
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Config {
        self.idle_timeout = timeout;
        self
    }

    /// Bounds each whole request, body included (kubectl's
    /// `--request-timeout`; default none). Also sent to the server as
    /// `?timeout=`, as client-go does.
    pub fn with_request_timeout(mut self, timeout: Option<Duration>) -> Config {
        self.request_timeout = timeout.filter(|t| !t.is_zero());
        self
    }

    /// The server URL, without a trailing slash.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The default namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The CA bundle's path, when it came from a file.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca.as_ref().and_then(|ca| ca.path())
    }

    /// True when TLS verification is off.
    pub fn insecure_skip_tls_verify(&self) -> bool {
        self.insecure_skip_tls_verify
    }

    /// The connection-setup limit.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The no-progress limit for each read or write.
    pub fn idle_timeout(&self) -> Duration {
        self.idle_timeout
    }

    /// The whole-request limit, if any.
    pub fn request_timeout(&self) -> Option<Duration> {
        self.request_timeout
    }

    /// The token file in use, if any.
    pub fn token_file(&self) -> Option<&Path> {
        match &self.auth {
            Auth::TokenFile(file) => Some(file.path()),
            _ => None,
        }
    }

    /// The name the server's certificate is checked for, when not the URL's host.
    pub fn tls_server_name(&self) -> Option<&str> {
        self.tls_server_name.as_deref()
    }

    /// The CONNECT proxy's URL, if requests go through one.
    pub fn proxy(&self) -> Option<&str> {
        self.proxy.as_deref()
    }

    /// True when a client certificate is presented (from the kubeconfig).
    pub fn has_client_cert(&self) -> bool {
        self.client_cert.is_some()
    }

    pub(crate) fn client_cert(&self) -> Option<&Arc<CertifiedKey>> {
        self.client_cert.as_ref()
    }

    pub(crate) fn ca(&self) -> Option<&CaBundle> {
        self.ca.as_ref()
    }

    pub(crate) fn auth(&self) -> &Auth {
        &self.auth
    }
}

impl fmt::Debug for Config {
    // Hand-written so that no future field can print a credential.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = self.auth.describe();
        f.debug_struct("Config")
            .field("server", &self.server)
            .field("ca_file", &self.ca_file())
            .field("auth", &auth)
            .field("namespace", &self.namespace)
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field("connect_timeout", &self.connect_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("tls_server_name", &self.tls_server_name)
            .field("proxy", &self.proxy)
            .field("client_cert", &self.client_cert.is_some())
            .finish()
    }
}

/// `infer` with an env lookup: the kubeconfig unless there is none (or it
/// sets no context), then the in-cluster files.
fn infer_env(
    env: &dyn Fn(&str) -> Option<String>,
    opts: &KubeconfigOptions,
    dir: &Path,
) -> Result<Config> {
    let explicit = opts.kubeconfig.is_some() || opts.context.is_some() || opts.cluster.is_some();
    let kubeconfig_error = match kubeconfig::config_env(env, opts) {
        Ok(config) => return Ok(config),
        Err(e @ (Error::NoKubeconfig(_) | Error::NoContext(_))) if !explicit => e,
        Err(e) => return Err(e),
    };
    // In a pod (the service env vars set) an in-cluster failure is
    // reported as it is, exactly as without kubeconfig support; elsewhere
    // both reasons are.
    incluster::load(env, dir).map_err(|incluster| match incluster {
        Error::NotInCluster => Error::InferConfig {
            kubeconfig: Box::new(kubeconfig_error),
            incluster: Box::new(incluster),
        },
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infer_without_kubeconfig_or_pod_names_both() {
        let env = |name: &str| (name == "HOME").then(|| "/nonexistent-home".to_string());
        let err = infer_env(
            &env,
            &KubeconfigOptions::default(),
            Path::new("/nonexistent"),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "failed to infer config: kubeconfig: (KUBECONFIG is not set and \
             /nonexistent-home/.kube/config does not exist), in-cluster: (unable to load \
             in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT \
             must be defined)"
        );
    }
}
