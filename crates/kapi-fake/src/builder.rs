//! [`Builder`]: the start-up options of a [`FakeApiServer`].

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpSocket};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer};

use crate::api::{Api, ApiOptions};
use crate::canned::Canned;
use crate::clock::{parse_rfc3339, DEFAULT_NOW};
use crate::fallthrough::Fallthrough;
use crate::front::Front;
use crate::identity::{Authenticator, Identity};
use crate::server::FakeApiServer;
use crate::service_account::ServiceAccountDir;
use crate::watch_list::WatchList;
use crate::{fixtures_dir, tls};

/// Priority of [`FakeApiServer::respond`] mocks: above everything.
const RESPOND_PRIORITY: u8 = 1;
/// Priority of the fallthrough to the fake's API: below everything
/// (wiremock's default is 5).
const FALLTHROUGH_PRIORITY: u8 = u8::MAX;

/// Options for [`FakeApiServer`]; [`FakeApiServer::start`] uses the defaults.
///
/// ```no_run
/// let server = kapi_fake::FakeApiServer::builder()
///     .now("2026-06-01T12:00:00Z")
///     .many_pods(5_000)
///     .legacy_discovery_only()
///     .build();
/// # drop(server);
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Builder {
    ipv6: bool,
    expired: bool,
    now: Option<String>,
    many_pods: usize,
    watch_events: usize,
    legacy_discovery: bool,
    ignore_limit: bool,
    stuck_continue: bool,
    without_apis: Vec<String>,
    watch_list: WatchList,
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

    /// The fake's fixed "now" (RFC 3339, e.g. `2026-06-01T12:00:00Z`):
    /// AGE cells count from it and new objects are created at it. The
    /// default is [`DEFAULT_NOW`](crate::DEFAULT_NOW), 2026-01-01T00:00:00Z.
    /// [`build`](Self::build) panics on an invalid timestamp.
    pub fn now(mut self, rfc3339: &str) -> Self {
        self.now = Some(rfc3339.to_string());
        self
    }

    /// Serves `n` generated pods in namespace `big` (`pod-00000`, …), made
    /// on the fly page by page: lists, limit/continue, selectors and Tables
    /// work on them; they are read-only. See `fixtures/README.md`.
    pub fn many_pods(mut self, n: usize) -> Self {
        self.many_pods = n;
        self
    }

    /// Every watch on the generated pods (namespace `big`, or all
    /// namespaces) streams `n` `MODIFIED` events first, of pod `k % n` at
    /// ever higher resourceVersions, as fast as the client reads them
    /// (`cargo xtask bench` measures watch throughput with them). Needs
    /// [`many_pods`](Self::many_pods).
    pub fn watch_events(mut self, n: usize) -> Self {
        self.watch_events = n;
        self
    }

    /// Ignores `limit` on every list: the whole collection comes back as
    /// one page (as some aggregated API servers and proxies do), e.g. one
    /// 50,000-pod page with [`many_pods`](Self::many_pods).
    pub fn ignore_limit(mut self) -> Self {
        self.ignore_limit = true;
        self
    }

    /// A list page asked for with a continue token answers with that same
    /// token (its items are the page after it): a list that never
    /// advances, as a broken server or proxy could send.
    pub fn stuck_continue(mut self) -> Self {
        self.stuck_continue = true;
        self
    }

    /// Answers `/api` and `/apis` in the legacy form whatever the `Accept`
    /// header asks, as a server before 1.30 (no aggregated discovery).
    pub fn legacy_discovery_only(mut self) -> Self {
        self.legacy_discovery = true;
        self
    }

    /// Does not serve the built-in `api_version` (`policy/v1`, `v1` too):
    /// it is gone from discovery and its paths answer 404, as on a cluster
    /// too old (or too new) for it. Repeatable.
    pub fn without_api(mut self, api_version: &str) -> Self {
        self.without_apis.push(api_version.to_string());
        self
    }

    /// How watches with `sendInitialEvents` are answered from the start
    /// (default [`WatchList::Enabled`]); see also
    /// [`FakeApiServer::set_watch_list`].
    pub fn watch_list(mut self, mode: WatchList) -> Self {
        self.watch_list = mode;
        self
    }

    /// Starts the server. Panics when it cannot (a test-support failure).
    pub fn build(self) -> FakeApiServer {
        let fixtures = fixtures_dir();
        let now_text = self.now.as_deref().unwrap_or(DEFAULT_NOW);
        let now = parse_rfc3339(now_text)
            .unwrap_or_else(|| panic!("Builder::now: '{now_text}' is not an RFC 3339 timestamp"));
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
        let (tls, serving) = tls::acceptor(
            &pki.join(format!("{cert}.crt")),
            &pki.join(format!("{cert}.key")),
            &pki.join("ca.crt"),
        );
        let ip = if self.ipv6 {
            Ipv6Addr::LOCALHOST.into()
        } else {
            Ipv4Addr::LOCALHOST.into()
        };
        let requests = Arc::new(Mutex::new(Vec::new()));
        let canned = Canned::default();
        let auth = Authenticator::default();
        auth.add(sa.token_file(), Identity::kapi());
        let api = Arc::new(Api::load(
            &fixtures.join("api"),
            ApiOptions {
                now,
                many_pods: self.many_pods,
                watch_events: self.watch_events,
                legacy_discovery: self.legacy_discovery,
                ignore_limit: self.ignore_limit,
                stuck_continue: self.stuck_continue,
                without_apis: self.without_apis,
                watch_list: self.watch_list,
            },
        ));

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
                .respond_with(Fallthrough)
                .with_priority(FALLTHROUGH_PRIORITY)
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
        api.set_address(addr.to_string());
        let hangup = tokio::sync::watch::Sender::new(0u64);
        let counters = Arc::new(crate::front::Counters::default());
        let front = Arc::new(Front {
            tls,
            auth: auth.clone(),
            requests: requests.clone(),
            upstream: *mock.address(),
            api: api.clone(),
            hangup: hangup.clone(),
            counters: counters.clone(),
        });
        runtime.spawn(front.serve(listener));

        FakeApiServer::new(crate::server::Parts {
            canned,
            mock,
            sa,
            requests,
            addr,
            runtime,
            api,
            auth,
            serving,
            hangup,
            counters,
        })
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
