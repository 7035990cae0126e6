//! [`FakeApiServer`]: the blocking handle tests hold, and its test knobs.

use std::fs;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::runtime::Runtime;
use wiremock::{Mock, MockServer};

use crate::api::Api;
use crate::builder::Builder;
use crate::canned::Canned;
use crate::clock::parse_rfc3339;
use crate::identity::Authenticator;
use crate::recorded::Recorded;
use crate::request::{parse_target, Target};
use crate::service_account::ServiceAccountDir;
use crate::{fixtures_dir, kubeconfig, SERVICEACCOUNT_DIR_ENV};

/// A fake Kubernetes API server over TLS; shut down on drop.
///
/// It uses the fixture server certificate (signed by `fixtures/pki/ca.crt`,
/// valid for 127.0.0.1, ::1, localhost and the `kubernetes.default.svc`
/// names) and a private copy of `fixtures/serviceaccount`. Every request is
/// recorded, then must carry `Authorization: Bearer <token>` of a known
/// service account or gets the real server's 401. Responses come, first
/// match wins, from [`respond`](Self::respond), then [`mount`](Self::mount)ed
/// mocks, then the fake's own API: discovery, an in-memory store seeded from
/// `fixtures/api/` (lists, Tables, …), the static files there (see
/// `fixtures/README.md`).
///
/// The clock is fixed ([`now`](Self::now)), so tables and new objects are
/// deterministic. Create and drop the server outside any tokio runtime: it
/// owns one.
pub struct FakeApiServer {
    /// The answers of `respond`, served by a wiremock mock.
    canned: Canned,
    mock: MockServer,
    sa: ServiceAccountDir,
    requests: Arc<Mutex<Vec<Recorded>>>,
    addr: SocketAddr,
    /// `None` only while dropping.
    runtime: Option<Runtime>,
    api: Arc<Api>,
    auth: Authenticator,
    /// The certificate new TLS handshakes get.
    serving: Arc<crate::tls::ServingCert>,
    /// Drops every open connection when bumped.
    hangup: tokio::sync::watch::Sender<u64>,
    counters: Arc<crate::front::Counters>,
    /// Directories of [`add_service_account`](Self::add_service_account),
    /// removed on drop.
    accounts: Mutex<Vec<ServiceAccountDir>>,
}

/// What [`Builder::build`] hands over.
pub(crate) struct Parts {
    pub(crate) canned: Canned,
    pub(crate) mock: MockServer,
    pub(crate) sa: ServiceAccountDir,
    pub(crate) requests: Arc<Mutex<Vec<Recorded>>>,
    pub(crate) addr: SocketAddr,
    pub(crate) runtime: Runtime,
    pub(crate) api: Arc<Api>,
    pub(crate) auth: Authenticator,
    pub(crate) serving: Arc<crate::tls::ServingCert>,
    pub(crate) hangup: tokio::sync::watch::Sender<u64>,
    pub(crate) counters: Arc<crate::front::Counters>,
}

impl FakeApiServer {
    pub(crate) fn new(parts: Parts) -> Self {
        FakeApiServer {
            canned: parts.canned,
            mock: parts.mock,
            sa: parts.sa,
            requests: parts.requests,
            addr: parts.addr,
            runtime: Some(parts.runtime),
            api: parts.api,
            auth: parts.auth,
            serving: parts.serving,
            hangup: parts.hangup,
            counters: parts.counters,
            accounts: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn api(&self) -> &Api {
        &self.api
    }

    pub(crate) fn auth(&self) -> &Authenticator {
        &self.auth
    }

    pub(crate) fn keep_service_account(&self, dir: ServiceAccountDir) {
        self.accounts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(dir);
    }

    /// Starts a server on 127.0.0.1 with the valid certificate.
    pub fn start() -> Self {
        Builder::default().build()
    }

    /// Options: IPv6, an expired certificate, the clock, generated pods,
    /// legacy discovery.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// `https://127.0.0.1:PORT` (or `https://[::1]:PORT`).
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// The IP address as `KUBERNETES_SERVICE_HOST` holds it: `127.0.0.1` or
    /// `::1` (no brackets).
    pub fn host(&self) -> String {
        self.addr.ip().to_string()
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// This server's service-account directory: a private copy of
    /// `fixtures/serviceaccount` with the kubelet's symlink layout.
    pub fn sa_dir(&self) -> &Path {
        self.sa.path()
    }

    /// The token the server accepts right now (the token file's trimmed
    /// content). For assertions such as "the output never shows the token".
    pub fn token(&self) -> String {
        fs::read_to_string(self.sa.token_file())
            .expect("failed to read the fake's token file")
            .trim()
            .to_string()
    }

    /// Rotates the token as the kubelet does: a new timestamped directory,
    /// `..data` swapped to it atomically, the old directory removed. The next
    /// request must carry `new_token`.
    pub fn rotate_token(&self, new_token: &str) {
        self.sa
            .rotate_token(new_token)
            .expect("failed to rotate the fake's token");
    }

    /// Replaces the service account's `ca.crt` with `pem`, the way the
    /// kubelet updates the projected `kube-root-ca.crt` (the `..data` swap).
    pub fn set_ca_bundle(&self, pem: &str) {
        self.sa
            .rotate_file("ca.crt", pem.as_bytes())
            .expect("failed to update the fake's ca.crt");
    }

    /// Serves the certificate `fixtures/pki/<name>.crt` (key `<name>.key`)
    /// from the next TLS handshake on; open connections keep theirs. With
    /// `"rotated-server"` (signed by `rotated-ca.crt`) this is the server
    /// half of a CA rotation.
    pub fn serve_certificate(&self, name: &str) {
        let pki = fixtures_dir().join("pki");
        self.serving.set(
            &pki.join(format!("{name}.crt")),
            &pki.join(format!("{name}.key")),
        );
    }

    /// Drops every open connection at once, mid-response or idle, as a
    /// restarting server or a load balancer does: clients must connect
    /// again (and shake hands with the certificate served now).
    pub fn close_connections(&self) {
        self.hangup.send_modify(|generation| *generation += 1);
    }

    /// The in-cluster environment for this server: `KUBERNETES_SERVICE_HOST`,
    /// `KUBERNETES_SERVICE_PORT` and `KAPI_SERVICEACCOUNT_DIR`.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("KUBERNETES_SERVICE_HOST".into(), self.host()),
            ("KUBERNETES_SERVICE_PORT".into(), self.port().to_string()),
            (
                SERVICEACCOUNT_DIR_ENV.into(),
                self.sa_dir().to_string_lossy().into_owned(),
            ),
        ]
    }

    /// A kubeconfig for this server (fixture CA, current token, namespace
    /// `test`), e.g. for `kubectl --kubeconfig`. It contains the token.
    pub fn kubeconfig(&self) -> String {
        kubeconfig::kubeconfig(
            &self.url(),
            &fixtures_dir().join("pki/ca.crt"),
            &self.token(),
            "test",
        )
    }

    /// How many TCP connections the server accepted and how many of them
    /// completed a TLS handshake, so far: a client that reuses its
    /// connection makes one of each however many requests it sends.
    pub fn connections(&self) -> Connections {
        Connections {
            tcp: self.counters.tcp.load(std::sync::atomic::Ordering::Relaxed),
            tls: self.counters.tls.load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// How many requests were received so far (what
    /// [`requests`](Self::requests)`().len()` says, without the copies).
    pub fn request_count(&self) -> usize {
        self.requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len()
    }

    /// Every request received so far, in order, including rejected ones.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Answers `method path` (any query) with `status`, `content_type` and
    /// `body`, ahead of fixtures and mounted mocks. Calling it again for the
    /// same method and path replaces the previous answer.
    ///
    /// `path` must not contain a query: match queries with [`mount`](Self::mount).
    pub fn respond(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: &str,
        body: impl AsRef<[u8]>,
    ) {
        assert!(
            !path.contains('?'),
            "respond() matches the path only; use mount() with query matchers for '{path}'"
        );
        self.canned
            .set(method, path, status, content_type, body.as_ref());
    }

    /// Mounts any wiremock mock (matchers on queries, headers, bodies,
    /// sequences with `up_to_n_times`...). Its default priority (5) puts it
    /// after [`respond`](Self::respond) answers and before fixtures.
    pub fn mount(&self, mock: Mock) {
        self.runtime().block_on(mock.mount(&self.mock));
    }

    /// The fake's "now" as RFC 3339 (fixed unless a test moves it).
    pub fn now(&self) -> String {
        self.api.clock.timestamp()
    }

    /// Sets the fake's "now" (RFC 3339). Panics on an invalid timestamp.
    pub fn set_now(&self, rfc3339: &str) {
        let now = parse_rfc3339(rfc3339)
            .unwrap_or_else(|| panic!("set_now: '{rfc3339}' is not an RFC 3339 timestamp"));
        self.api.clock.set(now);
    }

    /// Moves the fake's "now" forward (whole seconds).
    pub fn advance_clock(&self, by: Duration) {
        self.api.clock.advance(by.as_secs() as i64);
    }

    /// The store's current resourceVersion (what a list would report).
    pub fn resource_version(&self) -> String {
        self.api.store().rv().to_string()
    }

    /// The stored object at the API path `path` (e.g.
    /// `/api/v1/namespaces/test/configmaps/app-config`), as it is now.
    pub fn object(&self, path: &str) -> Option<Value> {
        let Target::Resource(target) = parse_target(path) else {
            return None;
        };
        let name = target.name.as_deref()?;
        let (info, _) = self
            .api
            .resolve(&target.group, &target.version, &target.resource)?;
        let key = self.api.key(&info, &target, name);
        let object = self.api.store().get(&key)?.object.clone();
        Some((*object).clone())
    }

    /// From now on every request carrying a `continue` token gets the real
    /// server's 410 `Expired` Status (with a new token to go on at the
    /// latest resourceVersion), as after an etcd compaction. The first page
    /// of a list (no token) still works.
    pub fn expire_continue_tokens(&self) {
        self.api.expire_continue_after(0);
    }

    /// Lets the next `n` requests carrying a `continue` token succeed, then
    /// expires tokens as [`expire_continue_tokens`](Self::expire_continue_tokens)
    /// does: with `n = 1`, pages 1 and 2 of a list work and page 3 gets 410.
    pub fn expire_continue_after(&self, n: usize) {
        self.api.expire_continue_after(n);
    }

    /// Undoes [`expire_continue_tokens`](Self::expire_continue_tokens).
    pub fn keep_continue_tokens(&self) {
        self.api.keep_continue_tokens();
    }

    fn runtime(&self) -> &Runtime {
        self.runtime
            .as_ref()
            // Invariant: taken only in Drop.
            .expect("the fake's runtime is running")
    }
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            // Stops the front and closes its listener and connections.
            runtime.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

impl std::fmt::Debug for FakeApiServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeApiServer")
            .field("url", &self.url())
            .field("sa_dir", &self.sa_dir())
            .finish_non_exhaustive()
    }
}

/// What [`FakeApiServer::connections`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Connections {
    /// TCP connections accepted.
    pub tcp: u64,
    /// TLS handshakes completed.
    pub tls: u64,
}
