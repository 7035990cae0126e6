//! The [`Client`]: one keep-alive connection pool, the credentials, and the
//! request loop (auth, retries, error decoding, tracing).

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ureq::http;
use ureq::unversioned::transport::DefaultConnector;
use ureq::{Agent, AsSendBody};

use crate::api::Api;
use crate::config::{Auth, Config};
use crate::discovery::Discovery;
use crate::request::Request;
use crate::resolver::SystemResolver;
use crate::resource::{ApiResource, TypeName};
use crate::response::Response;
use crate::status::Status;
use crate::trace::Trace;
use crate::transport_error::{map_ureq_error, Limits, Target};
use crate::{Error, Result};

/// `Accept` for requests that do not ask for something else: client-go's.
pub(crate) const DEFAULT_ACCEPT: &str = "application/json, */*";

/// client-go retries a request at most this many times when the server
/// asks for it with `Retry-After`.
const MAX_RETRIES: u32 = 10;

/// The longest `Retry-After` honoured; a longer one is returned as the error.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// How much of an error body is read to decode its `Status`.
const MAX_ERROR_BODY: u64 = 1 << 20;

/// A blocking Kubernetes API client.
///
/// Cheap to clone: clones share the connection pool and the token.
///
/// ```no_run
/// let client = kapi::Client::incluster()?;
/// let ds: serde_json::Value = client
///     .get("/apis/apps/v1/namespaces/test/daemonsets/gateway")
///     .query("resourceVersion", "0")
///     .json()?;
/// println!("{} ready", ds["status"]["numberReady"]);
/// # Ok::<(), kapi::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    trace: Option<Arc<Trace>>,
}

struct Inner {
    agent: Agent,
    config: Config,
    user_agent: String,
    /// Fetched at most once per client: one discovery round per invocation.
    discovery: Mutex<Option<Arc<Discovery>>>,
}

impl Client {
    /// A client for the pod's own cluster: [`Config::incluster`].
    pub fn incluster() -> Result<Client> {
        Client::new(Config::incluster()?)
    }

    /// A client for `config`.
    pub fn new(config: Config) -> Result<Client> {
        let agent_config = Agent::config_builder()
            .tls_config(crate::tls::tls_config(
                config.ca(),
                config.insecure_skip_tls_verify(),
            ))
            // In-cluster traffic goes direct; ureq would otherwise read
            // HTTPS_PROXY/ALL_PROXY from the environment.
            .proxy(None)
            // Non-2xx bodies carry the Status we decode.
            .http_status_as_error(false)
            .https_only(!config.server().starts_with("http://"))
            // Set per request below, so the trace shows what is sent.
            .user_agent("")
            .accept("")
            // No gzip: it is not compiled in, and the server must not send it.
            .accept_encoding("")
            // Name resolution gets the connect budget too; a timeout there
            // is reported as "resolving the server's name ... after" it.
            .timeout_resolve(Some(config.connect_timeout()))
            .timeout_connect(Some(config.connect_timeout()))
            .timeout_per_read(Some(config.idle_timeout()))
            .timeout_per_write(Some(config.idle_timeout()))
            .timeout_global(config.request_timeout())
            .max_redirects(10)
            .redirect_auth_headers(ureq::config::RedirectAuthHeaders::SameHost)
            .build();
        Ok(Client {
            inner: Arc::new(Inner {
                // Our own resolver instead of glibc's getaddrinfo: see
                // resolver.rs for why (size, NSS, bounded by the timeout).
                agent: Agent::with_parts(
                    agent_config,
                    DefaultConnector::new(),
                    SystemResolver::new(),
                ),
                config,
                user_agent: user_agent(),
                discovery: Mutex::new(None),
            }),
            trace: None,
        })
    }

    /// Logs each request to `sink` at kubectl's `-v` levels: 6 method, URL,
    /// status and latency; 7 adds request headers; 8 adds response headers
    /// and bodies cut at 1024 characters. `Authorization` is always printed
    /// as `Bearer <masked>`.
    pub fn with_trace(mut self, level: u8, sink: impl Fn(&str) + Send + Sync + 'static) -> Client {
        self.trace = (level >= 6).then(|| Arc::new(Trace::new(level, Box::new(sink))));
        self
    }

    /// The configuration this client was built from.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The default namespace.
    pub fn namespace(&self) -> &str {
        self.inner.config.namespace()
    }

    /// The resource type `name` means: `po`, `pods`, `Deployment`,
    /// `deployments.apps`, `widgets.v1.example.com`. Built-in types come from
    /// the compiled-in table without a request; anything else from
    /// discovery, fetched once per client.
    ///
    /// ```no_run
    /// # let client = kapi::Client::incluster()?;
    /// let ds = client.resolve("ds")?;
    /// assert_eq!(ds.group_resource(), "daemonsets.apps");
    /// # Ok::<(), kapi::Error>(())
    /// ```
    pub fn resolve(&self, name: &str) -> Result<ApiResource> {
        if let Some(builtin) = crate::resource::builtin(name) {
            return Ok(builtin);
        }
        let type_name = TypeName::parse(name);
        self.discovery()?
            .find(&type_name)
            .cloned()
            .ok_or_else(|| Error::UnknownResource(name.to_string()))
    }

    /// The resource type that serves objects of `api_version` and `kind`, as
    /// a manifest names them (`apps/v1`, `Deployment`): from the built-in
    /// table when it is there, else from discovery. The version must match:
    /// `apps/v1beta1` is not `apps/v1`.
    ///
    /// ```no_run
    /// # let client = kapi::Client::incluster()?;
    /// let deploy = client.resolve_kind("apps/v1", "Deployment")?;
    /// assert_eq!(deploy.plural, "deployments");
    /// # Ok::<(), kapi::Error>(())
    /// ```
    pub fn resolve_kind(&self, api_version: &str, kind: &str) -> Result<ApiResource> {
        if let Some(builtin) = crate::resource::builtin_kind(api_version, kind) {
            return Ok(builtin);
        }
        let (group, version) = crate::resource::split_api_version(api_version);
        self.discovery()?
            .resources()
            .iter()
            .find(|r| r.group == group && r.version == version && r.kind == kind)
            .cloned()
            .ok_or_else(|| Error::UnknownKind {
                api_version: api_version.to_string(),
                kind: kind.to_string(),
            })
    }

    /// The server's discovery documents, fetched on first use and kept.
    pub fn discovery(&self) -> Result<Arc<Discovery>> {
        let mut cached = self
            .inner
            .discovery
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(d) = cached.as_ref() {
            return Ok(d.clone());
        }
        let d = Arc::new(Discovery::fetch(self)?);
        *cached = Some(d.clone());
        Ok(d)
    }

    /// A handle on one resource type, in the client's default namespace
    /// (for namespaced types).
    ///
    /// ```no_run
    /// # let client = kapi::Client::incluster()?;
    /// let ds: serde_json::Value = client.api(client.resolve("ds")?).namespace("test").get("gateway")?;
    /// # Ok::<(), kapi::Error>(())
    /// ```
    pub fn api(&self, resource: ApiResource) -> Api<'_> {
        Api::new(self, resource)
    }

    /// A request with any method (`GET`, `POST`, `PROPFIND`, ...) on `path`,
    /// which may carry its own query string.
    pub fn request(&self, method: &str, path: &str) -> Request<'_> {
        Request::new(self, method, path)
    }

    /// A `GET` request.
    pub fn get(&self, path: &str) -> Request<'_> {
        self.request("GET", path)
    }

    /// A `POST` request.
    pub fn post(&self, path: &str) -> Request<'_> {
        self.request("POST", path)
    }

    /// A `PUT` request.
    pub fn put(&self, path: &str) -> Request<'_> {
        self.request("PUT", path)
    }

    /// A `PATCH` request.
    pub fn patch(&self, path: &str) -> Request<'_> {
        self.request("PATCH", path)
    }

    /// A `DELETE` request.
    pub fn delete(&self, path: &str) -> Request<'_> {
        self.request("DELETE", path)
    }

    /// Sends `req`: adds the credentials, retries as client-go does (and once
    /// more after a `401` when the token file changed), and turns a non-2xx
    /// answer into [`Error::Api`].
    pub(crate) fn execute(&self, req: &Request<'_>) -> Result<Response> {
        let url = req.url()?;
        let method = http::Method::from_bytes(req.method().as_bytes()).map_err(|_| {
            Error::InvalidRequest(format!("invalid HTTP method {:?}", req.method()))
        })?;
        let target = Target {
            method: req.method().to_string(),
            url: url.clone(),
            server: self.inner.config.server().to_string(),
            ca_file: self.inner.config.ca_file().map(Into::into),
            limits: Limits {
                connect: Some(self.inner.config.connect_timeout()),
                idle: Some(
                    req.stream_idle_timeout()
                        .unwrap_or(self.inner.config.idle_timeout()),
                ),
                whole: if req.stream_idle_timeout().is_some() {
                    None
                } else {
                    self.inner.config.request_timeout()
                },
            },
        };
        let mut retries = 0;
        let mut reauthenticated = false;
        let mut reconnected = false;
        loop {
            let started = Instant::now();
            let result = self.send_once(req, &method, &url);
            let response = match result {
                Ok(response) => response,
                Err(e) => {
                    // A pooled keep-alive connection the server closed shows
                    // up as a reset or EOF: client-go retries GETs on those.
                    if !reconnected && method == http::Method::GET && is_stale_connection(&e) {
                        reconnected = true;
                        continue;
                    }
                    return Err(map_ureq_error(e, &target));
                }
            };
            let status = response.status().as_u16();
            if let Some(trace) = &self.trace {
                trace.response(req.method(), &url, &response, started.elapsed());
            }
            if status == 401 && !reauthenticated {
                if let Auth::TokenFile(file) = self.inner.config.auth() {
                    reauthenticated = true;
                    if file.reload() {
                        continue;
                    }
                }
            }
            if let Some(wait) = retry_after(&response) {
                if (status == 429 || status >= 500)
                    && retries < MAX_RETRIES
                    && wait <= MAX_RETRY_AFTER
                {
                    retries += 1;
                    drain(response);
                    thread::sleep(wait);
                    continue;
                }
            }
            return if (200..300).contains(&status) {
                Ok(Response::new(response, target, self.trace.clone()))
            } else {
                Err(error_status(response, &target))
            };
        }
    }

    fn send_once(
        &self,
        req: &Request<'_>,
        method: &http::Method,
        url: &str,
    ) -> std::result::Result<http::Response<ureq::Body>, ureq::Error> {
        let mut builder = http::Request::builder()
            .method(method.clone())
            .uri(url)
            .header("User-Agent", &self.inner.user_agent);
        let mut headers: Vec<(&str, String)> = Vec::new();
        let accept = req.header_value("accept").unwrap_or(DEFAULT_ACCEPT);
        headers.push(("Accept", accept.to_string()));
        for (name, value) in req.headers() {
            if !name.eq_ignore_ascii_case("accept") {
                headers.push((name, value.to_string()));
            }
        }
        if let Some((_, content_type)) = req.body_ref() {
            headers.push(("Content-Type", content_type.to_string()));
        }
        for (name, value) in &headers {
            builder = builder.header(*name, value);
        }
        let token = match self.inner.config.auth() {
            Auth::None => None,
            Auth::Token(secret) => Some(secret.clone()),
            Auth::TokenFile(file) => Some(file.current()),
        };
        if let Some(token) = &token {
            builder = builder.header("Authorization", format!("Bearer {}", token.expose()));
        }
        if let Some(trace) = &self.trace {
            headers.push(("User-Agent", self.inner.user_agent.clone()));
            trace.request(
                req.method(),
                url,
                &headers,
                token.is_some(),
                req.body_ref().map(|b| b.0),
            );
        }
        match req.body_ref() {
            Some((bytes, _)) => self.run(builder.body(bytes).map_err(ureq::Error::from)?, req),
            None => self.run(builder.body(()).map_err(ureq::Error::from)?, req),
        }
    }

    fn run<B: AsSendBody>(
        &self,
        request: http::Request<B>,
        req: &Request<'_>,
    ) -> std::result::Result<http::Response<ureq::Body>, ureq::Error> {
        let agent = &self.inner.agent;
        match req.stream_idle_timeout() {
            // A watch is a long-lived stream: no whole-request limit, and
            // silence is allowed for as long as the server may stay quiet.
            Some(idle) => {
                let request = agent
                    .configure_request(request)
                    .timeout_global(None)
                    .timeout_per_read(Some(idle))
                    .build();
                agent.run(request)
            }
            None => agent.run(request),
        }
    }
}

/// The `Status` of a non-2xx response (its body read up to a cap).
fn error_status(response: http::Response<ureq::Body>, target: &Target) -> Error {
    let code = response.status().as_u16();
    let content_type = header(&response, "content-type").map(str::to_string);
    let retry_after = header(&response, "retry-after").and_then(|v| v.trim().parse().ok());
    let mut body = Vec::new();
    let reader = response.into_body().into_reader();
    if let Err(e) = reader.take(MAX_ERROR_BODY).read_to_end(&mut body) {
        // The status line already tells what happened; a body cut short
        // only loses detail. A timeout, though, is worth reporting.
        if e.kind() == std::io::ErrorKind::TimedOut {
            return crate::transport_error::map_io_error(e, target);
        }
    }
    Error::Api(Box::new(Status::from_response(
        code,
        content_type.as_deref(),
        retry_after,
        &body,
    )))
}

/// An integer `Retry-After`, as client-go accepts it (HTTP dates are not).
fn retry_after(response: &http::Response<ureq::Body>) -> Option<Duration> {
    let seconds: u64 = header(response, "retry-after")?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}

fn header<'r>(response: &'r http::Response<ureq::Body>, name: &str) -> Option<&'r str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Reads and drops a small body so the connection can be reused.
fn drain(response: http::Response<ureq::Body>) {
    let _ = std::io::copy(
        &mut response.into_body().into_reader().take(MAX_ERROR_BODY),
        &mut std::io::sink(),
    );
}

fn is_stale_connection(e: &ureq::Error) -> bool {
    use std::io::ErrorKind::*;
    match e {
        ureq::Error::Io(io) => matches!(
            io.kind(),
            ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
        ),
        _ => false,
    }
}

/// `kapi/<version> (linux/<arch>)`, with Go's architecture names so server
/// logs and audit rules read the same as for client-go programs.
fn user_agent() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    };
    format!(
        "kapi/{} ({}/{arch})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agent_names_version_os_and_go_arch() {
        let ua = user_agent();
        assert!(
            ua.starts_with(&format!("kapi/{} (linux/", env!("CARGO_PKG_VERSION"))),
            "{ua}"
        );
        assert!(!ua.contains("x86_64"), "{ua}");
    }
}
