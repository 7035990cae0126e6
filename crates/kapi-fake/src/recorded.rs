//! One request as the fake received it, for tests to assert on.

use std::fmt;

use hyper::http::request::Parts;

/// A request received by [`FakeApiServer`](crate::FakeApiServer), recorded
/// before the token check (so rejected requests are here too).
///
/// `Debug` masks the `Authorization` header: print these freely.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Recorded {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The path without the query, as sent (not percent-decoded).
    pub path: String,
    /// The query parameters in order, percent-decoded (`+` is a space).
    pub query: Vec<(String, String)>,
    /// The headers in order, names in lower case. Values that are not UTF-8
    /// are decoded lossily.
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The first value of the header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first value of the query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The query as one decoded string, `name=value` pairs in the order sent
    /// joined by `&` (no percent-encoding: `fieldSelector=metadata.name=x`),
    /// for asserting on a whole query at once.
    pub fn query_string(&self) -> String {
        self.query
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The body as text (lossy for bytes that are not UTF-8).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub(crate) fn new(parts: &Parts, body: &[u8]) -> Self {
        Recorded {
            method: parts.method.to_string(),
            path: parts.uri.path().to_string(),
            query: parts.uri.query().map(decode_query).unwrap_or_default(),
            headers: parts
                .headers
                .iter()
                .map(|(name, value)| {
                    let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                    (name.as_str().to_string(), value)
                })
                .collect(),
            body: body.to_vec(),
        }
    }
}

impl fmt::Debug for Recorded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let value = if name.eq_ignore_ascii_case("authorization") {
                    mask(value)
                } else {
                    value
                };
                (name.as_str(), value)
            })
            .collect();
        f.debug_struct("Recorded")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

/// `Bearer <masked>` as kubectl prints it; other schemes lose their value too.
fn mask(value: &str) -> &'static str {
    if value.len() >= 7 && value[..7].eq_ignore_ascii_case("bearer ") {
        "Bearer <masked>"
    } else {
        "<masked>"
    }
}

/// `application/x-www-form-urlencoded` decoding, as Go's `url.ParseQuery`.
pub(crate) fn decode_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    decode(s, true)
}

/// Percent-decoding for a path segment: `+` stays a plus.
pub(crate) fn percent_decode_path(s: &str) -> String {
    decode(s, false)
}

fn decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' => match bytes.get(i + 1..i + 3).and_then(|h| hex_pair(h[0], h[1])) {
                Some(byte) => {
                    out.push(byte);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_pair(high: u8, low: u8) -> Option<u8> {
    let digit = |b: u8| char::from(b).to_digit(16);
    Some((digit(high)? * 16 + digit(low)?) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded(uri: &str, authorization: &str) -> Recorded {
        let request = hyper::Request::builder()
            .method("POST")
            .uri(uri)
            .header("Authorization", authorization)
            .header("Content-Type", "application/json")
            .body(())
            .unwrap();
        Recorded::new(&request.into_parts().0, b"{}")
    }

    #[test]
    fn records_method_path_query_headers_and_body() {
        let r = recorded(
            "/api/v1/pods?labelSelector=app%3Dweb%2Ctier+in+%28a%29&limit=500&watch",
            "Bearer t",
        );
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/api/v1/pods");
        assert_eq!(r.query_param("labelSelector"), Some("app=web,tier in (a)"));
        assert_eq!(r.query_param("limit"), Some("500"));
        assert_eq!(r.query_param("watch"), Some(""));
        assert_eq!(
            r.query_string(),
            "labelSelector=app=web,tier in (a)&limit=500&watch="
        );
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.header("CONTENT-TYPE"), Some("application/json"));
        assert_eq!(r.body_text(), "{}");
    }

    #[test]
    fn debug_masks_the_token() {
        let r = recorded("/version", "Bearer kapi-fixture-token");
        let shown = format!("{r:?}");
        assert!(!shown.contains("kapi-fixture-token"), "{shown}");
        assert!(shown.contains("Bearer <masked>"), "{shown}");
        let basic = recorded("/version", "Basic dXNlcjpwYXNz");
        assert!(!format!("{basic:?}").contains("dXNlcjpwYXNz"));
    }

    #[test]
    fn malformed_percent_escapes_are_kept() {
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%41%42"), "AB");
    }
}
