//! `metav1.Status`: what the API server sends back when a request fails.

use serde::{Deserialize, Serialize};

/// A `metav1.Status` object, as the API server sends for a failed request.
///
/// When a non-2xx response is not a `Status` (an HTML 502 from a proxy, a
/// plain-text 404 for an unknown path), [`Status::from_response`] builds one
/// the way client-go does, so callers always get a code, a reason and a
/// message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Status {
    /// `Success` or `Failure`.
    #[serde(default)]
    pub status: String,
    /// A human-readable description, e.g. `daemonsets.apps "gateway" not found`.
    #[serde(default)]
    pub message: String,
    /// A machine-readable reason, e.g. `NotFound`, `AlreadyExists`, `Invalid`.
    #[serde(default)]
    pub reason: String,
    /// Extra data about the failure, such as the field causes of an `Invalid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<StatusDetails>,
    /// The HTTP status code.
    #[serde(default)]
    pub code: u16,
}

/// `metav1.StatusDetails`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StatusDetails {
    /// The name of the object concerned.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Its API group.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// Its kind (often the resource plural).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Its UID.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// Field-level causes, e.g. for a `422 Invalid`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<StatusCause>,
    /// Seconds the client should wait before retrying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u32>,
}

/// `metav1.StatusCause`: one reason a request failed, often tied to a field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StatusCause {
    /// A machine-readable cause, e.g. `FieldValueRequired`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// A human-readable description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The field concerned, e.g. `metadata.name`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub field: String,
}

/// How much of a non-`Status` error body is quoted in the message.
const BODY_QUOTE_CHARS: usize = 256;

impl Status {
    /// A `Failure` status with a code, a reason and a message.
    ///
    /// ```
    /// let s = kapi::Status::failure(404, "NotFound", "the server could not find the requested resource");
    /// assert!(s.is_not_found());
    /// ```
    pub fn failure(code: u16, reason: &str, message: &str) -> Status {
        Status {
            status: "Failure".into(),
            message: message.into(),
            reason: reason.into(),
            details: None,
            code,
        }
    }

    /// Builds the `Status` for a non-2xx response from its code, content
    /// type, `Retry-After` and (the start of) its body.
    ///
    /// A JSON `Status` body is used as sent (its code defaults to the HTTP
    /// code). Anything else gets client-go's generic message for the code
    /// plus, when the body is text, the start of the body, so that an HTML
    /// 502 from a proxy is recognisable.
    pub fn from_response(
        code: u16,
        content_type: Option<&str>,
        retry_after: Option<u32>,
        body: &[u8],
    ) -> Status {
        if let Ok(mut status) = serde_json::from_slice::<Status>(body) {
            if is_status_kind(body) && (status.status == "Failure" || !status.message.is_empty()) {
                if status.code == 0 {
                    status.code = code;
                }
                if status.reason.is_empty() {
                    status.reason = generic(code, "").0.into();
                }
                return status;
            }
        }
        let is_text = content_type.is_none_or(|t| t.trim().is_empty() || t.starts_with("text/"));
        let text = if is_text {
            String::from_utf8_lossy(body).trim().to_string()
        } else {
            String::new()
        };
        let (reason, mut message) = generic(code, &text);
        if !text.is_empty() && !message.contains(&quote_start(&text)) {
            message = format!("{message}: {}", quote_start(&text));
        }
        let mut status = Status::failure(code, reason, &message);
        if let Some(seconds) = retry_after {
            status.details = Some(StatusDetails {
                retry_after_seconds: Some(seconds),
                ..StatusDetails::default()
            });
        }
        status
    }

    /// The reason, or `Unknown` when the server gave none.
    pub fn reason_or_unknown(&self) -> &str {
        if self.reason.is_empty() {
            "Unknown"
        } else {
            &self.reason
        }
    }

    /// True for `404 NotFound`.
    pub fn is_not_found(&self) -> bool {
        self.reason == "NotFound" || (self.reason.is_empty() && self.code == 404)
    }

    /// True for `403 Forbidden`.
    pub fn is_forbidden(&self) -> bool {
        self.reason == "Forbidden" || (self.reason.is_empty() && self.code == 403)
    }

    /// True for `409` (`Conflict` or `AlreadyExists`).
    pub fn is_conflict(&self) -> bool {
        self.code == 409 || self.reason == "Conflict" || self.reason == "AlreadyExists"
    }

    /// True for `409 AlreadyExists`: a create found an object of that name.
    pub fn is_already_exists(&self) -> bool {
        self.reason == "AlreadyExists"
    }

    /// True for `422 Invalid`: the object failed validation; the field
    /// causes are in [`Status::causes`].
    pub fn is_invalid(&self) -> bool {
        self.reason == "Invalid" || (self.code == 422 && !is_known_reason(&self.reason))
    }

    /// The field-level causes (`details.causes`), e.g. of a `422 Invalid`.
    pub fn causes(&self) -> &[StatusCause] {
        self.details.as_ref().map_or(&[], |d| d.causes.as_slice())
    }

    /// True for `401 Unauthorized`.
    pub fn is_unauthorized(&self) -> bool {
        self.reason == "Unauthorized" || (self.reason.is_empty() && self.code == 401)
    }

    /// True for `410`: reason `Expired` or `Gone` (servers before 1.18 used
    /// `Gone`; client-go's reflector accepts both).
    pub fn is_gone(&self) -> bool {
        self.code == 410 || self.reason == "Expired" || self.reason == "Gone"
    }

    /// Seconds the server asked us to wait before retrying, if any.
    pub fn retry_after_seconds(&self) -> Option<u32> {
        self.details.as_ref().and_then(|d| d.retry_after_seconds)
    }
}

/// apimachinery's `knownReasons`: a 422 with any other reason (or none) is
/// an `Invalid`, as `errors.IsInvalid` reads it.
fn is_known_reason(reason: &str) -> bool {
    matches!(
        reason,
        "Unauthorized"
            | "Forbidden"
            | "NotFound"
            | "AlreadyExists"
            | "Conflict"
            | "Gone"
            | "Invalid"
            | "ServerTimeout"
            | "StoreReadError"
            | "Timeout"
            | "TooManyRequests"
            | "BadRequest"
            | "MethodNotAllowed"
            | "NotAcceptable"
            | "RequestEntityTooLarge"
            | "UnsupportedMediaType"
            | "InternalError"
            | "Expired"
            | "ServiceUnavailable"
    )
}

/// True when the body's `kind` is `Status` (a Status-shaped object of another
/// kind must not be mistaken for an error body).
fn is_status_kind(body: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct Kind {
        #[serde(default)]
        kind: String,
    }
    serde_json::from_slice::<Kind>(body).is_ok_and(|k| k.kind == "Status")
}

/// client-go's `NewGenericServerResponse`: reason and message by code.
fn generic(code: u16, server_message: &str) -> (&'static str, String) {
    let server_or = |fallback: &str| {
        if server_message.is_empty() {
            fallback.to_string()
        } else {
            server_message.to_string()
        }
    };
    match code {
        409 => ("Conflict", "the server reported a conflict".into()),
        404 => (
            "NotFound",
            "the server could not find the requested resource".into(),
        ),
        400 => (
            "BadRequest",
            "the server rejected our request for an unknown reason".into(),
        ),
        401 => (
            "Unauthorized",
            "the server has asked for the client to provide credentials".into(),
        ),
        403 => ("Forbidden", server_or("forbidden")),
        406 => (
            "NotAcceptable",
            server_or("the server was unable to respond with a content type that the client supports"),
        ),
        415 => ("UnsupportedMediaType", server_or("the server does not support the content type")),
        405 => (
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource".into(),
        ),
        422 => (
            "Invalid",
            "the server rejected our request due to an error in our request".into(),
        ),
        503 => (
            "ServiceUnavailable",
            "the server is currently unable to handle the request".into(),
        ),
        504 => (
            "Timeout",
            "the server was unable to return a response in the time allotted, but may still be \
             processing the request"
                .into(),
        ),
        429 => (
            "TooManyRequests",
            "the server has received too many requests and has asked us to try again later".into(),
        ),
        500..=599 => (
            "InternalError",
            format!(
                "an error on the server ({}) has prevented the request from succeeding",
                quote_start(if server_message.is_empty() { "unknown" } else { server_message })
            ),
        ),
        _ => (
            "Unknown",
            format!("the server responded with the status code {code} but did not return more information"),
        ),
    }
}

/// The start of a body, quoted on one line like Go's `%q`.
fn quote_start(text: &str) -> String {
    let mut cut: String = text.chars().take(BODY_QUOTE_CHARS).collect();
    if cut.len() < text.len() {
        cut.push_str("...");
    }
    go_quote(&cut)
}

/// `text` in double quotes as Go's `%q` writes it (Rust's `{:?}` writes
/// ESC as `\u{1b}`, Go as `\x1b`): quotes, backslashes and controls escaped.
fn go_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => crate::gofmt::write_escaped_control(&mut out, c),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_body_is_used_as_sent() {
        let body = br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"daemonsets.apps \"gateway\" not found","reason":"NotFound","details":{"name":"gateway","group":"apps","kind":"daemonsets"},"code":404}"#;
        let s = Status::from_response(404, Some("application/json"), None, body);
        assert!(s.is_not_found());
        assert_eq!(s.message, r#"daemonsets.apps "gateway" not found"#);
        assert_eq!(s.details.unwrap().group, "apps");
    }

    #[test]
    fn body_start_is_quoted_as_go_quotes_it() {
        assert_eq!(
            go_quote("a\"b\\c\u{1b}[1m\u{7}\u{9b}é\n"),
            r#""a\"b\\c\x1b[1m\a\u009bé\n""#
        );
    }

    #[test]
    fn html_502_from_a_proxy_gets_client_go_message_and_body_start() {
        let body = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n</html>\r\n";
        let s = Status::from_response(502, Some("text/html"), None, body);
        assert_eq!(s.code, 502);
        assert_eq!(s.reason, "InternalError");
        assert_eq!(
            s.message,
            r#"an error on the server ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n</html>") has prevented the request from succeeding"#
        );
        assert!(!s.message.contains('\n'));
    }

    #[test]
    fn plain_404_keeps_client_go_message_and_quotes_the_body() {
        let s = Status::from_response(
            404,
            Some("text/plain; charset=utf-8"),
            None,
            b"404 page not found\n",
        );
        assert!(s.is_not_found());
        assert_eq!(
            s.message,
            r#"the server could not find the requested resource: "404 page not found""#
        );
    }

    #[test]
    fn binary_bodies_are_not_quoted() {
        let s = Status::from_response(500, Some("application/octet-stream"), None, &[0, 1, 2]);
        assert_eq!(
            s.message,
            r#"an error on the server ("unknown") has prevented the request from succeeding"#
        );
    }

    #[test]
    fn long_bodies_are_cut() {
        let body = "x".repeat(10_000);
        let s = Status::from_response(503, Some("text/plain"), Some(3), body.as_bytes());
        assert!(s.message.len() < 400, "{}", s.message.len());
        assert_eq!(s.retry_after_seconds(), Some(3));
    }

    #[test]
    fn json_that_is_not_a_status_is_not_mistaken_for_one() {
        let s = Status::from_response(
            500,
            Some("application/json"),
            None,
            br#"{"message":"x","status":"Failure"}"#,
        );
        assert_eq!(s.reason, "InternalError");
    }

    #[test]
    fn unknown_codes() {
        let s = Status::from_response(418, None, None, b"");
        assert_eq!(s.reason, "Unknown");
        assert_eq!(
            s.message,
            "the server responded with the status code 418 but did not return more information"
        );
    }
}
