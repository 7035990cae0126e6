//! The TLS front: accepts connections, serves HTTP/1.1 with keep-alive,
//! records each request, authenticates its bearer token, forwards it to
//! wiremock (for `respond()` answers and mounted mocks), and answers from
//! the fake's own API when wiremock's lowest-priority responder marks it as
//! not taken ([`fallthrough`](crate::fallthrough)).
//!
//! The API's responses may stream (watches, big lists): they are not
//! wiremock's, so nothing buffers them.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::api::Api;
use crate::fallthrough;
use crate::identity::{Authenticator, Identity};
use crate::recorded::{decode_query, Recorded};
use crate::request::ApiRequest;
use crate::response::{self, Body};
use crate::status;
use crate::upstream::Upstream;

/// What every connection of one server shares.
pub(crate) struct Front {
    pub(crate) tls: TlsAcceptor,
    /// Token files and their identities, re-read on every request.
    pub(crate) auth: Authenticator,
    pub(crate) requests: Arc<Mutex<Vec<Recorded>>>,
    /// wiremock's plain-HTTP address.
    pub(crate) upstream: SocketAddr,
    pub(crate) api: Arc<Api>,
    /// Bumped by [`FakeApiServer::close_connections`](crate::FakeApiServer::close_connections):
    /// every open connection is dropped.
    pub(crate) hangup: tokio::sync::watch::Sender<u64>,
    pub(crate) counters: Arc<Counters>,
}

/// Connections accepted and TLS handshakes completed, for
/// [`FakeApiServer::connections`](crate::FakeApiServer::connections).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) tcp: AtomicU64,
    pub(crate) tls: AtomicU64,
}

impl Front {
    /// Accepts connections until the runtime shuts down.
    pub(crate) async fn serve(self: Arc<Self>, listener: TcpListener) {
        loop {
            match listener.accept().await {
                Ok((tcp, _)) => {
                    self.counters.tcp.fetch_add(1, Ordering::Relaxed);
                    tokio::spawn(self.clone().connection(tcp));
                }
                // Out of file descriptors and the like: wait instead of
                // spinning, then go on.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }

    async fn connection(self: Arc<Self>, tcp: TcpStream) {
        // Without this, Nagle's algorithm and delayed ACKs can add ~40 ms to
        // a response written in more than one piece.
        let _ = tcp.set_nodelay(true);
        // A failed handshake is expected: tests make clients reject our
        // certificate on purpose.
        let mut hangup = self.hangup.subscribe();
        let Ok(tls) = self.tls.accept(tcp).await else {
            return;
        };
        self.counters.tls.fetch_add(1, Ordering::Relaxed);
        // A client certificate (verified against the CA in the handshake)
        // authenticates every request of the connection.
        let certified = tls
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|certs| certs.first())
            .and_then(|leaf| Identity::from_certificate(leaf));
        let upstream = Arc::new(Upstream::new(self.upstream));
        let service = service_fn(move |request| {
            let (front, upstream, certified) = (self.clone(), upstream.clone(), certified.clone());
            async move { Ok::<_, Infallible>(front.handle(request, &upstream, certified).await) }
        });
        // Errors here are clients going away mid-request (or a watch cut on
        // purpose): nothing to do.
        let serving = http1::Builder::new().serve_connection(TokioIo::new(tls), service);
        tokio::select! {
            _ = serving => {}
            // The connection is dropped as it is, as when a server restarts.
            _ = hangup.changed() => {}
        }
    }

    async fn handle(
        &self,
        request: Request<Incoming>,
        upstream: &Upstream,
        certified: Option<Identity>,
    ) -> Response<Body> {
        let (parts, body) = request.into_parts();
        let body = match body.collect().await {
            Ok(body) => body.to_bytes(),
            Err(err) => return response::text(400, format!("kapi-fake: {err}\n")),
        };
        self.requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(Recorded::new(&parts, &body));
        // kube-apiserver's union authenticator tries x509 before tokens.
        let Some(user) = certified.or_else(|| self.authenticate(&parts.headers)) else {
            return response::json(401, status::unauthorized());
        };
        match upstream.forward(&parts, body.clone()).await {
            Ok(answer) if !answer.headers().contains_key(fallthrough::HEADER) => answer,
            Ok(_) => {
                let request = ApiRequest {
                    method: parts.method.clone(),
                    path: parts.uri.path().to_string(),
                    query: parts.uri.query().map(decode_query).unwrap_or_default(),
                    headers: parts.headers.clone(),
                    body,
                    user,
                };
                self.api.clone().handle(request).await
            }
            Err(err) => response::text(
                502,
                format!("kapi-fake: failed to forward to wiremock: {err}\n"),
            ),
        }
    }

    /// The identity of `Authorization: Bearer T`.
    fn authenticate(&self, headers: &HeaderMap) -> Option<Identity> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())?;
        self.auth.authenticate(token)
    }
}
