//! Forwarding a request from the TLS front to wiremock over plain HTTP/1.1.

use std::net::SocketAddr;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{self, HeaderMap};
use hyper::http::request::Parts;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::Mutex;

use crate::response::{full, Body, BoxError};

/// Headers that describe one hop, not the message: never copied across.
/// (`expect: 100-continue` was already answered by the front.)
const HOP_BY_HOP: [header::HeaderName; 8] = [
    header::CONNECTION,
    header::CONTENT_LENGTH,
    header::EXPECT,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    header::PROXY_AUTHORIZATION,
];

/// One keep-alive connection to wiremock, opened on first use. The front
/// holds one per client connection, so requests on it are sequential.
pub(crate) struct Upstream {
    addr: SocketAddr,
    conn: Mutex<Option<SendRequest<Full<Bytes>>>>,
}

impl Upstream {
    pub(crate) fn new(addr: SocketAddr) -> Self {
        Upstream {
            addr,
            conn: Mutex::new(None),
        }
    }

    /// Sends the request to wiremock and returns its complete response.
    pub(crate) async fn forward(
        &self,
        parts: &Parts,
        body: Bytes,
    ) -> Result<Response<Body>, BoxError> {
        let mut conn = self.conn.lock().await;
        // A kept-alive connection may have been closed by wiremock in the
        // meantime: then retry once on a fresh one.
        for retry in [true, false] {
            let reused = conn.as_ref().is_some_and(|c| !c.is_closed());
            if !reused {
                *conn = Some(self.connect().await?);
            }
            let sender = conn
                .as_mut()
                // Invariant: set just above when it was not reusable.
                .expect("an upstream connection");
            let sent = match sender.ready().await {
                Ok(()) => sender.send_request(request(parts, body.clone())?).await,
                Err(err) => Err(err),
            };
            match sent {
                Ok(response) => return complete(response).await,
                Err(_) if reused && retry => *conn = None,
                Err(err) => return Err(err.into()),
            }
        }
        unreachable!("the second attempt always returns")
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, BoxError> {
        let tcp = TcpStream::connect(self.addr).await?;
        tcp.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(tcp)).await?;
        // Drives the connection; it ends when `sender` is dropped.
        tokio::spawn(connection);
        Ok(sender)
    }
}

fn request(parts: &Parts, body: Bytes) -> Result<Request<Full<Bytes>>, BoxError> {
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = Request::builder()
        .method(parts.method.clone())
        .uri(path)
        .body(Full::new(body))?;
    *request.headers_mut() = end_to_end(&parts.headers);
    Ok(request)
}

async fn complete(response: Response<hyper::body::Incoming>) -> Result<Response<Body>, BoxError> {
    let (mut parts, body) = response.into_parts();
    let body = body.collect().await?.to_bytes();
    parts.headers = end_to_end(&parts.headers);
    Ok(Response::from_parts(parts, full(body)))
}

/// `headers` without the hop-by-hop ones; hyper sets `content-length` anew.
fn end_to_end(headers: &HeaderMap) -> HeaderMap {
    let mut out = headers.clone();
    for name in HOP_BY_HOP {
        out.remove(name);
    }
    out
}
