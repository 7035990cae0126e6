//! The [`Client`]: one keep-alive connection pool, the credentials, and the
//! request loop (auth, retries, error decoding, tracing).

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use ureq::http;
use ureq::unversioned::transport::{ConnectProxyConnector, Connector, TcpConnector};
use ureq::{Agent, AsSendBody};

use crate::api::Api;
use crate::auth::{Auth, ClientCert};
use crate::backoff::Backoff;
use crate::config::Config;
use crate::connector::TlsConnector;
use crate::discovery::Discovery;
use crate::redirect::{self, Next, Origin, MAX_REDIRECTS};
use crate::request::Request;
use crate::resolver::SystemResolver;
use crate::resource::{ApiResource, TypeName};
use crate::response::Response;
use crate::retry::{parse_retry_after, retry_status, MAX_ATTEMPTS, MAX_RETRY_AFTER};
use crate::status::Status;
use crate::trace::Trace;
use crate::transport_error::{map_ureq_error, Limits, Target};
use crate::trust::Trust;
use crate::{Error, Result};

/// `Accept` for requests that do not ask for something else: client-go's.
pub(crate) const DEFAULT_ACCEPT: &str = "application/json, */*";

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
    /// When every request must be over, and the budget that was.
    deadline: Option<(Instant, Duration)>,
}

struct Inner {
    agent: Agent,
    config: Config,
    user_agent: String,
    /// The CA roots, followed as the file changes.
    trust: Arc<Trust>,
    /// The retry delays of every request of this client.
    backoff: Backoff,
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
        let provider = crate::crypto::provider();
        let trust = Arc::new(Trust::new(config.ca(), provider));
        // In-cluster traffic goes direct; ureq would otherwise read
        // HTTPS_PROXY/ALL_PROXY from the environment. A kubeconfig's proxy
        // (or the env's, NO_PROXY decided by config/proxy.rs) is a CONNECT
        // tunnel: the Authorization header travels inside TLS, never to it.
        // Only https:// servers are proxied: inside a tunnel to an http://
        // server the proxy could read the credentials.
        let proxied = config
            .proxy()
            .filter(|_| config.server().starts_with("https://"));
        let proxy = match proxied {
            None => None,
            Some(url) => Some(ureq::Proxy::new(url).map_err(|e| Error::Transport {
                server: config.server().to_string(),
                message: format!("invalid proxy URL: {e}"),
                source: Some(Box::new(e)),
            })?),
        };
        let agent_config = Agent::config_builder()
            .proxy(proxy)
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
            // Redirects are followed by the request loop (redirect.rs), so
            // that credentials and writes never go where they must not.
            .max_redirects(0)
            .redirect_auth_headers(ureq::config::RedirectAuthHeaders::Never)
            .build();
        // The CONNECT tunnel when a proxy is set (as ureq's own chain
        // does), else TCP; then TLS with kapi's own certificate check
        // (trust.rs) and the client certificate, if any.
        let exec = match config.auth() {
            Auth::Exec(exec) => Some(exec.clone()),
            _ => None,
        };
        let client_cert = ClientCert {
            fixed: config.client_cert().cloned(),
            exec,
        };
        let connector =
            ().chain(ConnectProxyConnector::default())
                .chain(TcpConnector::default())
                .chain(TlsConnector::new(
                    trust.clone(),
                    config.insecure_skip_tls_verify(),
                    config.tls_server_name().map(str::to_string),
                    client_cert,
                ));
        Ok(Client {
            inner: Arc::new(Inner {
                // Our own resolver instead of glibc's getaddrinfo: see
                // resolver.rs for why (size, NSS, bounded by the timeout).
                agent: Agent::with_parts(agent_config, connector, SystemResolver::new()),
                config,
                user_agent: user_agent(),
                trust,
                backoff: Backoff::default(),
                discovery: Mutex::new(None),
            }),
            trace: None,
            deadline: None,
        })
    }

    /// Logs to `sink` at kubectl's `-v` levels: 2 configuration changes
    /// (a re-read CA bundle, or one that could not be used); 4 each retry
    /// with its reason and wait; 6 each request's method, URL, status and
    /// latency; 7 adds request headers; 8 adds response headers and bodies
    /// cut at 1024 characters. `Authorization` is always printed as
    /// `Bearer <masked>`.
    pub fn with_trace(mut self, level: u8, sink: impl Fn(&str) + Send + Sync + 'static) -> Client {
        self.trace = (level >= 2).then(|| Arc::new(Trace::new(level, Box::new(sink))));
        if let Some(trace) = &self.trace {
            let trace = trace.clone();
            self.inner
                .trust
                .set_notify(Arc::new(move |level, line| trace.note(level, line)));
        }
        self
    }

    /// Logs `line` at `-v` `level`, when tracing is on.
    pub(crate) fn note(&self, level: u8, line: &str) {
        if let Some(trace) = &self.trace {
            trace.note(level, line);
        }
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
    pub fn api(&self, resource: ApiResource) -> Api {
        Api::new(self.clone(), resource)
    }

    /// A request with any method (`GET`, `POST`, `PROPFIND`, ...) on `path`,
    /// which may carry its own query string.
    pub fn request(&self, method: &str, path: &str) -> Request {
        Request::new(self.clone(), method, path)
    }

    /// A `GET` request.
    pub fn get(&self, path: &str) -> Request {
        self.request("GET", path)
    }

    /// A `POST` request.
    pub fn post(&self, path: &str) -> Request {
        self.request("POST", path)
    }

    /// A `PUT` request.
    pub fn put(&self, path: &str) -> Request {
        self.request("PUT", path)
    }

    /// A `PATCH` request.
    pub fn patch(&self, path: &str) -> Request {
        self.request("PATCH", path)
    }

    /// A `DELETE` request.
    pub fn delete(&self, path: &str) -> Request {
        self.request("DELETE", path)
    }

    /// Ends every request made through this client (and every retry and
    /// wait between them) by `deadline`: a request in flight is cut off
    /// then, and none is started after it. The error is
    /// [`Error::DeadlineExceeded`]. `kapi wait --timeout` sets this.
    ///
    /// ```no_run
    /// use std::time::{Duration, Instant, SystemTime};
    /// let client = kapi::Client::incluster()?
    ///     .with_deadline(Instant::now() + Duration::from_secs(30));
    /// let version: serde_json::Value = client.get("/version").json()?;
    /// # Ok::<(), kapi::Error>(())
    /// ```
    pub fn with_deadline(mut self, deadline: Instant) -> Client {
        let budget = deadline.saturating_duration_since(Instant::now());
        self.deadline = Some((deadline, budget));
        self
    }

    /// Sends `req`: adds the credentials (to the server's own origin only),
    /// follows redirects where that is safe, retries as the server's answer
    /// calls for (see `retry.rs`), re-reads the token after a `401`, and
    /// turns a non-2xx answer into [`Error::Api`].
    pub(crate) fn execute(&self, req: &Request) -> Result<Response> {
        let mut url = req.url()?;
        let method = http::Method::from_bytes(req.method().as_bytes()).map_err(|_| {
            Error::InvalidRequest(format!("invalid HTTP method {:?}", req.method()))
        })?;
        let server = self.inner.config.server().to_string();
        let origin = Origin::of(&server);
        let mut attempts = 0;
        let mut redirects = 0;
        let mut reauthenticated = false;
        let mut reconnected = false;
        // A watch is retried here only when the server says when
        // (`Retry-After`); otherwise the Watcher's own backoff decides, and
        // two layers of backoff would multiply.
        let streaming = req.stream_idle_timeout().is_some();
        loop {
            let global = self.budget(req, &url)?;
            let target = self.target(req, &url, global);
            let credentials = origin.is_some() && Origin::of(&url) == origin;
            attempts += 1;
            let started = Instant::now();
            let authorization = match credentials {
                true => self.inner.config.auth().authorization()?,
                false => None,
            };
            let response = match self.send_once(req, &method, &url, authorization, global) {
                Ok(response) => response,
                Err(e) => {
                    // A pooled keep-alive connection the server closed shows
                    // up as a reset or EOF: client-go retries GETs on those,
                    // the first time at once (the next connection is new).
                    let reason = transport_retry(&e, req.method());
                    let err = map_ureq_error(e, &target);
                    let err = self.past_deadline(err, &url, req);
                    match reason {
                        Some(reason) if !reconnected && reason == STALE => {
                            reconnected = true;
                            continue;
                        }
                        Some(reason) if attempts < MAX_CONNECT_ATTEMPTS && !streaming => {
                            let wait = self.inner.backoff.next_delay();
                            self.wait_to_retry(req, &url, attempts, reason, wait, None)?;
                            continue;
                        }
                        _ => return Err(gave_up(err, attempts)),
                    }
                }
            };
            let status = response.status().as_u16();
            if let Some(trace) = &self.trace {
                trace.response(req.method(), &url, &response, started.elapsed());
            }
            if response.status().is_redirection() && status != 304 {
                let location = header(&response, "location").map(str::to_string);
                let reason = response.status().canonical_reason().unwrap_or("");
                let next = redirect::next(
                    req.method(),
                    &url,
                    origin.as_ref(),
                    status,
                    reason,
                    location.as_deref(),
                );
                drain(response);
                match next {
                    Next::Follow(to) if redirects < MAX_REDIRECTS => {
                        redirects += 1;
                        url = to;
                        continue;
                    }
                    Next::Follow(to) => {
                        return Err(Error::Redirect {
                            request: target.describe(),
                            message: format!(
                            "a redirect to {to} after {MAX_REDIRECTS} redirects in a row; stopped"
                        ),
                        })
                    }
                    Next::Refuse(message) => {
                        return Err(Error::Redirect {
                            request: target.describe(),
                            message,
                        })
                    }
                }
            }
            if status == 401 && credentials && !reauthenticated {
                reauthenticated = true;
                if self.inner.config.auth().refresh()? {
                    drain(response);
                    attempts -= 1;
                    continue;
                }
            }
            if (200..300).contains(&status) {
                return Ok(Response::new(response, target, self.trace.clone()));
            }
            let retry_after = header(&response, "retry-after")
                .and_then(|v| parse_retry_after(v, SystemTime::now()));
            if retry_status(req.method(), status, retry_after.is_some())
                && (retry_after.is_some() || !streaming)
                && attempts < MAX_ATTEMPTS
                && retry_after.is_none_or(|w| w <= MAX_RETRY_AFTER)
            {
                let wait = retry_after.unwrap_or_else(|| self.inner.backoff.next_delay());
                let flow = flow_control(&response);
                let close = header(&response, "connection")
                    .is_some_and(|v| v.eq_ignore_ascii_case("close"));
                // Reading the Status both names the reason and drains the
                // body, so the connection can be reused.
                let answer = error_status(response, &target);
                let reason = format!(
                    "{status} {}{}",
                    answer
                        .status()
                        .map(|s| s.reason.as_str())
                        .unwrap_or_default(),
                    if close { ", Connection: close" } else { "" }
                );
                self.wait_to_retry(req, &url, attempts, &reason, wait, flow)?;
                continue;
            }
            return Err(gave_up(error_status(response, &target), attempts));
        }
    }

    /// The whole-request limit for the next attempt: `--request-timeout`,
    /// cut to what is left before the deadline; an error once it passed.
    fn budget(&self, req: &Request, url: &str) -> Result<Option<Duration>> {
        let whole = if req.stream_idle_timeout().is_some() {
            None
        } else {
            self.inner.config.request_timeout()
        };
        let Some((deadline, budget)) = self.deadline else {
            return Ok(whole);
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(deadline_exceeded(req, url, budget));
        }
        Ok(Some(whole.map_or(left, |w| w.min(left))))
    }

    /// A timeout that fired because the deadline came is reported as that.
    fn past_deadline(&self, err: Error, url: &str, req: &Request) -> Error {
        match (&err, self.deadline) {
            (Error::Timeout { .. }, Some((deadline, budget))) if Instant::now() >= deadline => {
                deadline_exceeded(req, url, budget)
            }
            _ => err,
        }
    }

    fn target(&self, req: &Request, url: &str, global: Option<Duration>) -> Target {
        Target {
            method: req.method().to_string(),
            url: url.to_string(),
            server: self.inner.config.server().to_string(),
            ca_file: self.inner.config.ca_file().map(Into::into),
            limits: Limits {
                connect: Some(self.inner.config.connect_timeout()),
                idle: Some(
                    req.stream_idle_timeout()
                        .unwrap_or(self.inner.config.idle_timeout()),
                ),
                whole: global,
            },
        }
    }

    /// Logs the retry at `-v=4` and sleeps `wait`; or, when `wait` would
    /// pass the deadline, returns the error that ends the request.
    fn wait_to_retry(
        &self,
        req: &Request,
        url: &str,
        attempts: u32,
        reason: &str,
        wait: Duration,
        flow: Option<String>,
    ) -> Result<()> {
        if let Some((deadline, budget)) = self.deadline {
            if Instant::now() + wait >= deadline {
                return Err(Error::GaveUp {
                    attempts,
                    last: Box::new(deadline_exceeded(req, url, budget)),
                });
            }
        }
        if let Some(trace) = &self.trace {
            trace.note(
                4,
                &format!(
                    "\"Retrying request\" verb={:?} url={url:?} attempt={} reason={reason:?} delay={:?}{}",
                    req.method(),
                    attempts + 1,
                    crate::duration::format(Duration::from_millis(wait.as_millis() as u64)),
                    flow.unwrap_or_default()
                ),
            );
        }
        thread::sleep(wait);
        Ok(())
    }

    fn send_once(
        &self,
        req: &Request,
        method: &http::Method,
        url: &str,
        authorization: Option<crate::auth::Authorization>,
        global: Option<Duration>,
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
        // Credentials go to the configured server's origin and nowhere else
        // (the caller passes none otherwise).
        if let Some(auth) = &authorization {
            builder = builder.header("Authorization", auth.value.expose());
        }
        if let Some(trace) = &self.trace {
            headers.push(("User-Agent", self.inner.user_agent.clone()));
            trace.request(
                req.method(),
                url,
                &headers,
                authorization.as_ref().map(|a| a.scheme),
                req.body_ref().map(|b| b.0),
            );
        }
        match req.body_ref() {
            Some((bytes, _)) => {
                self.run(builder.body(bytes).map_err(ureq::Error::from)?, req, global)
            }
            None => self.run(builder.body(()).map_err(ureq::Error::from)?, req, global),
        }
    }

    fn run<B: AsSendBody>(
        &self,
        request: http::Request<B>,
        req: &Request,
        global: Option<Duration>,
    ) -> std::result::Result<http::Response<ureq::Body>, ureq::Error> {
        let agent = &self.inner.agent;
        let mut request = agent.configure_request(request).timeout_global(global);
        // A watch is a long-lived stream: silence is allowed for as long as
        // the server may stay quiet.
        if let Some(idle) = req.stream_idle_timeout() {
            request = request.timeout_per_read(Some(idle));
        }
        agent.run(request.build())
    }
}

/// How many times a request is sent when the connection itself fails
/// (refused, reset): a server restarting behind a load balancer is back in
/// seconds, and a server that is not there should be reported in seconds.
const MAX_CONNECT_ATTEMPTS: u32 = 4;

/// The reason given for a GET on a pooled connection the server closed.
const STALE: &str = "connection closed by the server";

/// Why a failed attempt may be sent again, if it may: reads on any
/// connection failure; writes only when the connection was refused (nothing
/// reached the server).
fn transport_retry(e: &ureq::Error, method: &str) -> Option<&'static str> {
    use std::io::ErrorKind::*;
    let ureq::Error::Io(io) = e else {
        return None;
    };
    match io.kind() {
        ConnectionRefused => Some("connection refused"),
        ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
            if crate::retry::is_read(method) =>
        {
            Some(STALE)
        }
        _ => None,
    }
}

/// ` flowSchemaUID=".." priorityLevelUID=".."` from API Priority and
/// Fairness headers, for the `-v=4` retry line.
fn flow_control(response: &http::Response<ureq::Body>) -> Option<String> {
    let mut out = String::new();
    for (name, key) in [
        ("x-kubernetes-pf-flowschema-uid", "flowSchemaUID"),
        ("x-kubernetes-pf-prioritylevel-uid", "priorityLevelUID"),
    ] {
        if let Some(v) = header(response, name) {
            out.push_str(&format!(" {key}={v:?}"));
        }
    }
    (!out.is_empty()).then_some(out)
}

/// `err`, saying how many attempts it took when there was more than one.
fn gave_up(err: Error, attempts: u32) -> Error {
    if attempts > 1 {
        Error::GaveUp {
            attempts,
            last: Box::new(err),
        }
    } else {
        err
    }
}

fn deadline_exceeded(req: &Request, url: &str, budget: Duration) -> Error {
    Error::DeadlineExceeded {
        request: format!("{} {}", req.method(), strip_query(url)),
        budget,
    }
}

fn strip_query(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
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
