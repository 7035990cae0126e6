//! Turning ureq's transport errors into kapi's [`Error`]s, with the server
//! and the request named.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use crate::{Error, TlsFailure};

/// What a request was aimed at, for error messages.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    pub method: String,
    pub url: String,
    pub server: String,
    pub ca_file: Option<PathBuf>,
    /// The limits in force, to say which one ran out.
    pub limits: Limits,
}

/// The timeouts a request ran under.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Limits {
    pub connect: Option<Duration>,
    pub idle: Option<Duration>,
    pub whole: Option<Duration>,
}

impl Target {
    /// `GET https://...`, without the query string (it can be long).
    pub(crate) fn describe(&self) -> String {
        let url = self.url.split('?').next().unwrap_or(&self.url);
        format!("{} {url}", self.method)
    }

    /// `host:port`, as kubectl names the server in connection errors.
    fn host_port(&self) -> String {
        let rest = self
            .server
            .strip_prefix("https://")
            .or_else(|| self.server.strip_prefix("http://"))
            .unwrap_or(&self.server);
        let default = if self.server.starts_with("http://") {
            80
        } else {
            443
        };
        let has_port = match rest.rfind(']') {
            Some(bracket) => rest[bracket..].contains(':'),
            None => rest.contains(':'),
        };
        if has_port {
            rest.to_string()
        } else {
            format!("{rest}:{default}")
        }
    }
}

pub(crate) fn map_ureq_error(e: ureq::Error, target: &Target) -> Error {
    match e {
        ureq::Error::Io(io) => map_io_error(io, target),
        ureq::Error::Timeout(t) => timeout(t, target),
        e @ ureq::Error::Tls(_) => tls(TlsFailure::Other, Box::new(e), target),
        e @ ureq::Error::HostNotFound => Error::Transport {
            server: target.server.clone(),
            message: format!("no such host (could not resolve {})", target.host_port()),
            source: Some(Box::new(e)),
        },
        other => Error::Transport {
            server: target.server.clone(),
            message: other.to_string(),
            source: Some(Box::new(other)),
        },
    }
}

/// Maps an I/O error from a connection or a body read. One that wraps a
/// `ureq::Error` (a timeout, say) is unwrapped first.
pub(crate) fn map_io_error(e: io::Error, target: &Target) -> Error {
    if e.get_ref().is_some_and(|inner| inner.is::<ureq::Error>()) {
        if let Some(inner) = e.into_inner() {
            if let Ok(ureq_error) = inner.downcast::<ureq::Error>() {
                return map_ureq_error(*ureq_error, target);
            }
        }
        return Error::Transport {
            server: target.server.clone(),
            message: "connection failed".into(),
            source: None,
        };
    }
    if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
        return Error::from_io(e);
    }
    // rustls reports handshake failures through the socket's io::Error:
    // classified by its type, kept as the source.
    if e.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) {
        // Invariant: the inner error was just found to be a rustls::Error.
        let tls_error = e
            .into_inner()
            .and_then(|inner| inner.downcast::<rustls::Error>().ok())
            .expect("a rustls::Error inside");
        return tls(TlsFailure::of(&tls_error), tls_error, target);
    }
    match e.kind() {
        io::ErrorKind::ConnectionRefused => Error::ConnectionRefused {
            server: target.host_port(),
            source: e,
        },
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Error::Timeout {
            request: target.describe(),
            phase: "waiting for the server",
            after: None,
        },
        io::ErrorKind::UnexpectedEof => Error::Transport {
            server: target.server.clone(),
            message: format!(
                "the connection closed before the response to {} was complete",
                target.describe()
            ),
            source: Some(Box::new(e)),
        },
        _ => Error::Transport {
            server: target.server.clone(),
            message: e.to_string(),
            source: Some(Box::new(e)),
        },
    }
}

fn timeout(t: ureq::Timeout, target: &Target) -> Error {
    use ureq::Timeout::*;
    let limits = target.limits;
    // ureq reports the phase's own reason when a connect attempt to the
    // last address times out, even when it was the whole-request budget
    // (shorter than the connect limit) that ran out. A connect or resolve
    // limit cannot fire before the whole-request limit when it is the
    // longer one, so then it was --request-timeout.
    let whole_first = matches!(
        (limits.whole, limits.connect),
        (Some(whole), Some(connect)) if whole < connect
    );
    let t = match t {
        Resolve | Connect if whole_first => Global,
        t => t,
    };
    let (phase, after) = match t {
        Resolve => ("resolving the server's name", limits.connect),
        Connect => ("connecting (TCP and TLS handshake)", limits.connect),
        SendRequest | SendBody | PerWrite => ("sending the request", limits.idle),
        RecvResponse => ("waiting for the response", limits.idle),
        RecvBody => ("reading the response body", limits.idle),
        PerRead => ("waiting for data from the server", limits.idle),
        Global | PerCall => (
            "waiting for the whole request (--request-timeout)",
            limits.whole,
        ),
        _ => ("waiting for the server", None),
    };
    Error::Timeout {
        request: target.describe(),
        phase,
        after,
    }
}

fn tls(
    failure: TlsFailure,
    source: Box<dyn std::error::Error + Send + Sync>,
    target: &Target,
) -> Error {
    Error::Tls {
        server: target.server.clone(),
        ca_file: target.ca_file.clone(),
        failure,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(server: &str) -> Target {
        Target {
            method: "GET".into(),
            url: format!("{server}/version?timeout=5s"),
            server: server.into(),
            ca_file: None,
            limits: Limits {
                whole: Some(Duration::from_secs(5)),
                ..Limits::default()
            },
        }
    }

    #[test]
    fn refused_names_host_and_port_like_kubectl() {
        let e = map_io_error(
            io::Error::from(io::ErrorKind::ConnectionRefused),
            &target("https://10.0.0.1"),
        );
        assert_eq!(
            e.to_string(),
            "The connection to the server 10.0.0.1:443 was refused - did you specify the right host or port?"
        );
        let e = map_io_error(
            io::Error::from(io::ErrorKind::ConnectionRefused),
            &target("https://[::1]:6443"),
        );
        assert!(
            e.to_string().contains("server [::1]:6443 was refused"),
            "{e}"
        );
        let io = std::error::Error::source(&e).and_then(|s| s.downcast_ref::<io::Error>());
        assert_eq!(
            io.map(io::Error::kind),
            Some(io::ErrorKind::ConnectionRefused)
        );
    }

    #[test]
    fn rustls_errors_are_classified_by_type_and_kept_as_the_source() {
        use rustls::CertificateError as C;
        let cases = [
            (C::UnknownIssuer, TlsFailure::UnknownIssuer),
            (C::BadSignature, TlsFailure::UnknownIssuer),
            (C::Expired, TlsFailure::Expired),
            (C::NotValidYet, TlsFailure::NotValidYet),
            (C::NotValidForName, TlsFailure::NotValidForName),
            (C::Revoked, TlsFailure::Other),
        ];
        let mut t = target("https://10.0.0.1");
        t.ca_file = Some("/ca.crt".into());
        for (cert, want) in cases {
            let rustls_error = rustls::Error::InvalidCertificate(cert);
            let text = rustls_error.to_string();
            let e = map_io_error(io::Error::new(io::ErrorKind::InvalidData, rustls_error), &t);
            assert_eq!(e.tls_failure(), Some(want), "{e:?}");
            let hint = " (the server's certificate is not signed by a CA in \"/ca.crt\")";
            let hint = if want == TlsFailure::UnknownIssuer {
                hint
            } else {
                ""
            };
            assert_eq!(
                e.to_string(),
                format!("Unable to connect to the server https://10.0.0.1: {text}{hint}")
            );
            let source =
                std::error::Error::source(&e).and_then(|s| s.downcast_ref::<rustls::Error>());
            assert!(source.is_some(), "{e:?}");
        }
        let alert = rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure);
        let e = map_io_error(io::Error::other(alert), &t);
        assert_eq!(e.tls_failure(), Some(TlsFailure::Other));
    }

    #[test]
    fn a_connect_timeout_under_a_shorter_request_timeout_names_the_request_timeout() {
        let mut short = target("https://h:1");
        short.limits.connect = Some(Duration::from_secs(30));
        for reason in [ureq::Timeout::Connect, ureq::Timeout::Resolve] {
            assert_eq!(
                timeout(reason, &short).to_string(),
                "timed out waiting for the whole request (--request-timeout) for GET \
                 https://h:1/version after 5s"
            );
        }
        short.limits.whole = Some(Duration::from_secs(60));
        assert_eq!(
            timeout(ureq::Timeout::Connect, &short).to_string(),
            "timed out connecting (TCP and TLS handshake) for GET https://h:1/version after 30s"
        );
    }

    #[test]
    fn timeouts_name_the_request_without_query() {
        let e = timeout(ureq::Timeout::Global, &target("https://h:1"));
        assert_eq!(
            e.to_string(),
            "timed out waiting for the whole request (--request-timeout) for GET https://h:1/version after 5s"
        );
    }
}
