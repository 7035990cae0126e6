//! [`FakeApiServer`]: the blocking handle tests hold, and its [`Builder`].

use std::fs;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket};
use tokio::runtime::Runtime;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer};

use crate::canned::Canned;
use crate::fixture_routes::FixtureRoutes;
use crate::front::Front;
use crate::recorded::Recorded;
use crate::service_account::ServiceAccountDir;
use crate::{fixtures_dir, kubeconfig, tls, SERVICEACCOUNT_DIR_ENV};

/// Priority of [`FakeApiServer::respond`] mocks: above everything.
const RESPOND_PRIORITY: u8 = 1;
/// Priority of the fixture routes: below everything (wiremock's default is 5).
const FIXTURE_PRIORITY: u8 = u8::MAX;

/// A fake Kubernetes API server over TLS; shut down on drop.
///
/// It uses the fixture server certificate (signed by `fixtures/pki/ca.crt`,
/// valid for 127.0.0.1, ::1, localhost and the `kubernetes.default.svc`
/// names) and a private copy of `fixtures/serviceaccount`. Every request is
/// recorded, then must carry `Authorization: Bearer <current token>` or gets
/// the real server's 401. Responses come, first match wins, from
/// [`respond`](Self::respond), then [`mount`](Self::mount)ed mocks, then the
/// files under `fixtures/api/` (see `fixtures/README.md`).
///
/// Create and drop it outside any tokio runtime: it owns one.
pub struct FakeApiServer {
    /// The answers of `respond`, served by a wiremock mock.
    canned: Canned,
    mock: MockServer,
    sa: ServiceAccountDir,
    requests: Arc<Mutex<Vec<Recorded>>>,
    addr: SocketAddr,
    /// `None` only while dropping.
    runtime: Option<Runtime>,
}

/// Options for [`FakeApiServer`]; [`FakeApiServer::start`] uses the defaults.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Builder {
    ipv6: bool,
    expired: bool,
}

impl Builder {
    /// Listen on `[::1]` instead of 127.0.0.1.
    pub fn bind_ipv6(mut self) -> Self {
        self.ipv6 = true;
        self
    }

    /// Serve `fixtures/pki/expired.crt` (same CA and names, expired in 2001).
    pub fn expired_cert(mut self) -> Self {
        self.expired = true;
        self
    }

    /// Starts the server. Panics when it cannot (a test-support failure).
    pub fn build(self) -> FakeApiServer {
        let fixtures = fixtures_dir();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kapi-fake")
            .enable_all()
            .build()
            .expect("failed to start the fake's tokio runtime");
        let sa = ServiceAccountDir::copy_of(&fixtures.join("serviceaccount"))
            .expect("failed to copy fixtures/serviceaccount to a temp dir");
        let cert = if self.expired { "expired" } else { "server" };
        let pki = fixtures.join("pki");
        let tls = tls::acceptor(
            &pki.join(format!("{cert}.crt")),
            &pki.join(format!("{cert}.key")),
        );
        let ip = if self.ipv6 {
            Ipv6Addr::LOCALHOST.into()
        } else {
            Ipv4Addr::LOCALHOST.into()
        };
        let requests = Arc::new(Mutex::new(Vec::new()));
        let canned = Canned::default();

        let (mock, listener) = runtime.block_on(async {
            let mock = MockServer::builder()
                .listener(nodelay_listener(SocketAddr::new(
                    Ipv4Addr::LOCALHOST.into(),
                    0,
                )))
                // The front records requests; wiremock need not keep copies.
                .disable_request_recording()
                .start()
                .await;
            Mock::given(canned.clone())
                .respond_with(canned.clone())
                .with_priority(RESPOND_PRIORITY)
                .mount(&mock)
                .await;
            Mock::given(any())
                .respond_with(FixtureRoutes::new(fixtures.join("api")))
                .with_priority(FIXTURE_PRIORITY)
                .mount(&mock)
                .await;
            let listener = TcpListener::bind(SocketAddr::new(ip, 0))
                .await
                .unwrap_or_else(|err| panic!("failed to bind {ip}: {err}"));
            (mock, listener)
        });
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let front = Arc::new(Front {
            tls,
            token_file: sa.token_file(),
            requests: requests.clone(),
            upstream: *mock.address(),
        });
        runtime.spawn(front.serve(listener));

        FakeApiServer {
            canned,
            mock,
            sa,
            requests,
            addr,
            runtime: Some(runtime),
        }
    }
}

impl FakeApiServer {
    /// Starts a server on 127.0.0.1 with the valid certificate.
    pub fn start() -> Self {
        Builder::default().build()
    }

    /// Options: IPv6, an expired certificate.
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

/// A listener with `TCP_NODELAY` set, so that on Linux every accepted socket
/// inherits it: wiremock does not set it itself.
fn nodelay_listener(addr: SocketAddr) -> std::net::TcpListener {
    let socket = TcpSocket::new_v4().expect("failed to create a socket");
    socket.set_nodelay(true).expect("failed to set TCP_NODELAY");
    socket.bind(addr).expect("failed to bind wiremock's port");
    socket
        .listen(128)
        .and_then(TcpListener::into_std)
        .expect("failed to listen on wiremock's port")
}
