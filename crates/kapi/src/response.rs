//! [`Response`]: a 2xx answer whose body is read as a stream.

use std::io::{self, BufReader, Read};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use ureq::http;

use crate::trace::{BodyCapture, Trace};
use crate::transport_error::{map_io_error, Target};
use crate::{Error, Result};

/// A successful (2xx) response. The body is not read until asked for, and
/// is read as a stream: a 50,000-item list is never held as one buffer by
/// this type (ureq's read-everything helpers would also stop at 10 MB).
///
/// `Response` implements [`Read`]; read errors carry kapi's messages.
pub struct Response {
    status: u16,
    headers: http::HeaderMap,
    body: BodyReader,
}

/// The body stream: maps ureq's I/O errors to kapi's and feeds `-v=8`.
struct BodyReader {
    inner: ureq::BodyReader<'static>,
    target: Target,
    capture: Option<BodyCapture>,
}

impl Response {
    pub(crate) fn new(
        response: http::Response<ureq::Body>,
        target: Target,
        trace: Option<Arc<Trace>>,
    ) -> Response {
        let (parts, body) = response.into_parts();
        Response {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body: BodyReader {
                inner: body.into_reader(),
                target,
                capture: trace.and_then(BodyCapture::new),
            },
        }
    }

    /// The HTTP status code (2xx).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// A response header, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Content-Type`, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    /// Decodes the JSON body into `T`, reading it as a stream.
    pub fn json<T: DeserializeOwned>(self) -> Result<T> {
        let request = self.body.target.describe();
        let target = self.body.target.clone();
        let reader = BufReader::with_capacity(64 * 1024, self);
        serde_json::from_reader(reader).map_err(|source| decode_error(source, request, &target))
    }

    /// The request (`GET https://…/pods`, no query) and the server URL,
    /// for errors about the body read elsewhere (the list reader).
    pub(crate) fn origin(&self) -> (String, String) {
        (self.body.target.describe(), self.body.target.server.clone())
    }

    /// Reads the next bytes of the body into `buf`, as they arrive: `Ok(0)`
    /// at its end. For a body read as it is written (a followed log): the
    /// buffer is the memory it takes, however long the stream, and each
    /// error is kapi's own, so a silent stream is told from a broken one
    /// ([`Error::Timeout`] once a read waited longer than the request's
    /// [`streaming`](crate::Request::streaming) idle limit).
    ///
    /// ```no_run
    /// use std::io::Write;
    /// use std::time::Duration;
    /// # let client = kapi::Client::incluster()?;
    /// // kubectl logs -f migrate-x8k2m: no whole-request limit, a read may
    /// // wait up to five minutes.
    /// let mut log = client
    ///     .get("/api/v1/namespaces/test/pods/migrate-x8k2m/log")
    ///     .query("follow", "true")
    ///     .streaming(Duration::from_secs(300))
    ///     .send()?;
    /// let mut buf = [0u8; 16 * 1024];
    /// loop {
    ///     match log.read_some(&mut buf) {
    ///         Ok(0) => break, // the container stopped
    ///         Ok(n) => std::io::stdout().write_all(&buf[..n])?,
    ///         Err(kapi::Error::Timeout { .. }) => break, // silent: reconnect, or give up
    ///         Err(e) => return Err(e),
    ///     }
    /// }
    /// # Ok::<(), kapi::Error>(())
    /// ```
    pub fn read_some(&mut self, buf: &mut [u8]) -> Result<usize> {
        loop {
            match self.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other.map_err(Error::from_io),
            }
        }
    }

    /// Copies the body to `out` as received (kubectl's `get --raw`).
    pub fn copy_to(mut self, out: &mut dyn io::Write) -> Result<u64> {
        let mut buf = [0u8; 16 * 1024];
        let mut total = 0u64;
        loop {
            let n = match self.read(&mut buf) {
                Ok(0) => return Ok(total),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::from_io(e)),
            };
            out.write_all(&buf[..n])?;
            total += n as u64;
        }
    }
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("content_type", &self.content_type())
            .finish_non_exhaustive()
    }
}

impl Read for Response {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.body.read(buf)
    }
}

impl Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                if let Some(capture) = &mut self.capture {
                    capture.feed(&buf[..n]);
                }
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                let kind = e.kind();
                Err(io::Error::new(kind, map_io_error(e, &self.target)))
            }
        }
    }
}

/// A decode error, unless it was really a read error (a timeout, a
/// truncated body), which is reported as that.
pub(crate) fn decode_error(source: serde_json::Error, request: String, target: &Target) -> Error {
    if source.is_io() {
        let io: io::Error = source.into();
        return Error::from_io_with(io, target);
    }
    // A body that ended before its JSON did (is_eof) is a decode error
    // too: the connection worked, the answer is incomplete.
    Error::Decode { request, source }
}

impl Error {
    /// Unwraps a kapi error carried inside an `io::Error` (as `Response`'s
    /// `Read` impl produces), else wraps the `io::Error`.
    pub(crate) fn from_io(e: io::Error) -> Error {
        if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            if let Some(inner) = e.into_inner() {
                if let Ok(err) = inner.downcast::<Error>() {
                    return *err;
                }
            }
            return Error::Io(io::Error::other("read failed"));
        }
        Error::Io(e)
    }

    fn from_io_with(e: io::Error, target: &Target) -> Error {
        if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            return Error::from_io(e);
        }
        map_io_error(e, target)
    }
}
