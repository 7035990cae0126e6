//! [`Request`]: one API call being put together.

use std::fmt::Write as _;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::client::Client;
use crate::response::Response;
use crate::{Error, Result};

/// A request being built: method, path, query, headers and body.
///
/// Nothing is sent until [`Request::send`] or [`Request::json`].
///
/// ```no_run
/// # let client = kapi::Client::incluster()?;
/// let cm = serde_json::json!({
///     "apiVersion": "v1", "kind": "ConfigMap",
///     "metadata": {"name": "settings"}, "data": {"mode": "fast"},
/// });
/// let created: serde_json::Value = client
///     .post("/api/v1/namespaces/test/configmaps")
///     .json_body(&cm)?
///     .json()?;
/// # Ok::<(), kapi::Error>(())
/// ```
#[must_use = "a request does nothing until it is sent"]
pub struct Request {
    client: Client,
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<(Vec<u8>, String)>,
    stream_idle_timeout: Option<Duration>,
}

impl Request {
    pub(crate) fn new(client: Client, method: &str, path: &str) -> Request {
        Request {
            client,
            method: method.to_ascii_uppercase(),
            path: path.to_string(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            stream_idle_timeout: None,
        }
    }

    /// Adds a query parameter (percent-encoded here).
    pub fn query(mut self, key: &str, value: &str) -> Self {
        self.query.push((key.to_string(), value.to_string()));
        self
    }

    /// Sets a request header, replacing an earlier one of the same name
    /// (e.g. `Accept` for a server-side Table).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sends `body` with `content_type`.
    pub fn body(mut self, body: Vec<u8>, content_type: &str) -> Self {
        self.body = Some((body, content_type.to_string()));
        self
    }

    /// Sends `value` as JSON (`application/json`).
    pub fn json_body<T: Serialize + ?Sized>(self, value: &T) -> Result<Self> {
        let bytes = serde_json::to_vec(value).map_err(|source| Error::Encode {
            request: format!("{} {}", self.method, self.path),
            source,
        })?;
        Ok(self.body(bytes, "application/json"))
    }

    /// Marks this as a long-lived stream (a watch): no whole-request limit,
    /// and each read may wait up to `idle` for data.
    pub fn streaming(mut self, idle: Duration) -> Self {
        self.stream_idle_timeout = Some(idle);
        self
    }

    /// Sends the request. A non-2xx answer is [`Error::Api`].
    pub fn send(self) -> Result<Response> {
        self.client.execute(&self)
    }

    /// Sends the request and decodes the JSON answer into `T` (a
    /// `serde_json::Value`, your own struct, a k8s-openapi type).
    pub fn json<T: DeserializeOwned>(self) -> Result<T> {
        self.send()?.json()
    }

    pub(crate) fn method(&self) -> &str {
        &self.method
    }

    pub(crate) fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    pub(crate) fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn body_ref(&self) -> Option<(&[u8], &str)> {
        self.body.as_ref().map(|(b, t)| (b.as_slice(), t.as_str()))
    }

    pub(crate) fn stream_idle_timeout(&self) -> Option<Duration> {
        self.stream_idle_timeout
    }

    /// The full URL: server, path, the path's own query, then ours (and
    /// `timeout=` when a request timeout is set, as client-go sends it).
    pub(crate) fn url(&self) -> Result<String> {
        check_path(&self.path)?;
        let config = self.client.config();
        let mut url = format!("{}{}", config.server(), self.path);
        let mut sep = if self.path.contains('?') { '&' } else { '?' };
        let mut query = self.query.clone();
        if let Some(timeout) = config.request_timeout() {
            if self.stream_idle_timeout.is_none() && !query.iter().any(|(k, _)| k == "timeout") {
                query.push(("timeout".into(), crate::duration::format(timeout)));
            }
        }
        for (key, value) in &query {
            let _ = write!(url, "{sep}{}={}", encode(key), encode(value));
            sep = '&';
        }
        Ok(url)
    }
}

/// An API path: absolute, printable ASCII, no spaces, no fragment.
fn check_path(path: &str) -> Result<()> {
    if !path.starts_with('/') {
        return Err(Error::InvalidRequest(format!(
            "invalid request path {path:?}: it must start with '/', e.g. /api/v1/namespaces"
        )));
    }
    if let Some(c) = path.chars().find(|c| !c.is_ascii_graphic() || *c == '#') {
        return Err(Error::InvalidRequest(format!(
            "invalid request path {path:?}: {c:?} is not allowed (percent-encode it)"
        )));
    }
    Ok(())
}

/// Percent-encodes a query key or value (RFC 3986 unreserved kept).
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    fn client() -> Client {
        Client::new(Config::new("https://10.0.0.1:6443")).unwrap()
    }

    #[test]
    fn url_joins_server_path_and_encoded_query() {
        let c = client();
        let url = c
            .get("/api/v1/namespaces/test/pods")
            .query("labelSelector", "app=gateway,tier in (a,b)")
            .query("limit", "500")
            .url()
            .unwrap();
        assert_eq!(
            url,
            "https://10.0.0.1:6443/api/v1/namespaces/test/pods?labelSelector=app%3Dgateway%2Ctier%20in%20%28a%2Cb%29&limit=500"
        );
    }

    #[test]
    fn path_with_its_own_query_keeps_it() {
        let c = client();
        let url = c
            .get("/apis/apps/v1/namespaces/test/daemonsets/gateway?resourceVersion=0")
            .query("pretty", "true")
            .url()
            .unwrap();
        assert_eq!(
            url,
            "https://10.0.0.1:6443/apis/apps/v1/namespaces/test/daemonsets/gateway?resourceVersion=0&pretty=true"
        );
    }

    #[test]
    fn request_timeout_is_sent_as_query_like_client_go() {
        let c = Client::new(
            Config::new("https://h").with_request_timeout(Some(Duration::from_secs(5))),
        )
        .unwrap();
        assert_eq!(
            c.get("/version").url().unwrap(),
            "https://h/version?timeout=5s"
        );
        assert_eq!(
            c.get("/api/v1/pods")
                .streaming(Duration::from_secs(1))
                .url()
                .unwrap(),
            "https://h/api/v1/pods"
        );
    }

    #[test]
    fn relative_and_unprintable_paths_are_rejected() {
        let c = client();
        for bad in ["api/v1", "", "/api v1", "/a\nb", "/x#frag"] {
            let err = c.get(bad).url().unwrap_err();
            assert!(matches!(err, Error::InvalidRequest(_)), "{bad:?}");
        }
    }

    #[test]
    fn a_body_that_does_not_encode_is_an_encode_error() {
        let c = client();
        let body: std::collections::BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
        let err = c.post("/api/v1/namespaces").json_body(&body).err().unwrap();
        assert!(matches!(err, Error::Encode { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "failed to encode the request body of POST /api/v1/namespaces: key must be a string"
        );
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn header_replaces_same_name() {
        let c = client();
        let req = c.get("/").header("Accept", "a").header("accept", "b");
        assert_eq!(req.header_value("ACCEPT"), Some("b"));
        assert_eq!(req.headers().count(), 1);
    }
}
