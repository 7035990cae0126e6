//! HTTP responses as kube-apiserver sends them, and the streamed body.

use std::pin::Pin;
use std::task::{Context, Poll};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Frame};
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};
use tokio::sync::mpsc;

use crate::status::{Status, PAGE_NOT_FOUND};

/// Any error a response body or the forward can fail with.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Every response body the front sends: complete or streamed.
pub(crate) type Body = http_body_util::combinators::BoxBody<Bytes, BoxError>;

/// A complete body.
pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// A body written later through the returned sender: each `Ok` is sent (and
/// flushed) as one chunk; an `Err` aborts the response mid-way (no
/// terminating chunk); dropping the sender ends it cleanly.
pub(crate) fn channel(buffer: usize) -> (mpsc::Sender<Result<Bytes, BoxError>>, Body) {
    let (tx, rx) = mpsc::channel(buffer);
    (tx, ChannelBody { rx }.boxed())
}

struct ChannelBody {
    rx: mpsc::Receiver<Result<Bytes, BoxError>>,
}

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        self.rx
            .poll_recv(cx)
            .map(|item| item.map(|chunk| chunk.map(Frame::data)))
    }
}

/// A response with `content_type` and the apiserver's cache header.
pub(crate) fn with_type(code: u16, content_type: &str, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() =
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
    response
}

/// A JSON response.
pub(crate) fn json(code: u16, body: impl Into<Bytes>) -> Response<Body> {
    with_type(code, "application/json", full(body))
}

/// A `Status` response with its code.
pub(crate) fn status(status: &Status) -> Response<Body> {
    json(status.code, status.body())
}

/// A plain-text response.
pub(crate) fn text(code: u16, body: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(full(body));
    *response.status_mut() =
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Go's `404 page not found`.
pub(crate) fn page_not_found() -> Response<Body> {
    let mut response = text(404, PAGE_NOT_FOUND);
    response.headers_mut().insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    response
}
