//! The TLS front: accepts connections, serves HTTP/1.1 with keep-alive,
//! records each request, checks its bearer token, and forwards the rest to
//! wiremock.
//!
//! Routes that wiremock cannot serve (it only answers with a complete body)
//! belong in [`Front::handle`], before the forward: watch streams written
//! over time are the first such route. Their responses use the same boxed
//! [`Body`], so a channel-backed streaming body fits without other changes.

use std::convert::Infallible;
use std::fs;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::recorded::Recorded;
use crate::status;
use crate::upstream::Upstream;

/// Any error a response body or the forward can fail with.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Every response body the front sends: complete or, later, streamed.
pub(crate) type Body = BoxBody<Bytes, BoxError>;

/// What every connection of one server shares.
pub(crate) struct Front {
    pub(crate) tls: TlsAcceptor,
    /// Re-read on every request, so a rotated token takes effect at once.
    pub(crate) token_file: PathBuf,
    pub(crate) requests: Arc<Mutex<Vec<Recorded>>>,
    /// wiremock's plain-HTTP address.
    pub(crate) upstream: SocketAddr,
}

impl Front {
    /// Accepts connections until the runtime shuts down.
    pub(crate) async fn serve(self: Arc<Self>, listener: TcpListener) {
        loop {
            match listener.accept().await {
                Ok((tcp, _)) => {
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
        let Ok(tls) = self.tls.accept(tcp).await else {
            return;
        };
        let upstream = Arc::new(Upstream::new(self.upstream));
        let service = service_fn(move |request| {
            let (front, upstream) = (self.clone(), upstream.clone());
            async move { Ok::<_, Infallible>(front.handle(request, &upstream).await) }
        });
        // Errors here are clients going away mid-request: nothing to do.
        let _ = http1::Builder::new()
            .serve_connection(TokioIo::new(tls), service)
            .await;
    }

    async fn handle(&self, request: Request<Incoming>, upstream: &Upstream) -> Response<Body> {
        let (parts, body) = request.into_parts();
        let body = match body.collect().await {
            Ok(body) => body.to_bytes(),
            Err(err) => return text(StatusCode::BAD_REQUEST, format!("kapi-fake: {err}\n")),
        };
        self.requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(Recorded::new(&parts, &body));
        if !self.authorized(&parts.headers) {
            return json(StatusCode::UNAUTHORIZED, status::unauthorized());
        }
        // Streaming routes (watch, issue 4) are matched here.
        match upstream.forward(&parts, body).await {
            Ok(response) => response,
            Err(err) => text(
                StatusCode::BAD_GATEWAY,
                format!("kapi-fake: failed to forward to wiremock: {err}\n"),
            ),
        }
    }

    /// Whether `Authorization: Bearer T` carries the current token.
    fn authorized(&self, headers: &HeaderMap) -> bool {
        let Some(sent) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
        else {
            return false;
        };
        // A small local file; blocking the worker for it is fine in a fake.
        match fs::read_to_string(&self.token_file) {
            Ok(current) => !sent.is_empty() && sent == current.trim(),
            Err(_) => false,
        }
    }
}

/// A complete body.
pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

fn json(code: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(full(body));
    *response.status_mut() = code;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
    response
}

fn text(code: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(full(body));
    *response.status_mut() = code;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
