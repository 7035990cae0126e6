//! The one error type of the crate.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use crate::jsonpath::JsonPathError;
use crate::status::Status;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors from this crate.
///
/// Every message is one line, names what failed and, where it can, how to
/// fix it. None of them ever contains the bearer token.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// `KUBERNETES_SERVICE_HOST` or `KUBERNETES_SERVICE_PORT` is unset or
    /// empty: the program is not running in a pod (client-go's
    /// `ErrNotInCluster`, same message).
    NotInCluster,
    /// `KUBERNETES_SERVICE_HOST` holds something that is not a host name or
    /// an IP address.
    InvalidHost(String),
    /// `KUBERNETES_SERVICE_PORT` is not a number from 1 to 65535.
    InvalidPort(String),
    /// Reading a token, CA or other file failed.
    ReadFile {
        /// What the file is for, e.g. `token`.
        what: &'static str,
        /// The path that was read.
        path: PathBuf,
        /// Why it failed.
        source: io::Error,
    },
    /// The token file exists but holds only whitespace.
    EmptyToken(PathBuf),
    /// The token file holds something no bearer token can be: a control
    /// or non-ASCII byte, or more than [`MAX_TOKEN_BYTES`](crate::MAX_TOKEN_BYTES).
    InvalidToken {
        /// The token file.
        path: PathBuf,
        /// What is wrong, without any of the file's content.
        reason: String,
    },
    /// The CA file is empty or holds no usable PEM certificate.
    InvalidCa {
        /// The CA bundle's path.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A kubeconfig file is not one, or a field of it is wrong: the context
    /// names a cluster or user that is not there, a field has the wrong
    /// type, a `*-data` field is not base64.
    Kubeconfig {
        /// The file (or the merged files, `:`-separated).
        path: PathBuf,
        /// What is wrong, naming the entry and the field.
        message: String,
    },
    /// No kubeconfig file exists where kubectl looks (`KUBECONFIG`, `~/.kube/config`).
    NoKubeconfig(String),
    /// The kubeconfig sets no `current-context` and none was asked for.
    NoContext(String),
    /// [`Config::infer`](crate::Config::infer) found neither a kubeconfig nor
    /// a pod's service account.
    InferConfig {
        /// Why the kubeconfig could not be used.
        kubeconfig: Box<Error>,
        /// Why the in-cluster configuration could not be used.
        incluster: Box<Error>,
    },
    /// A client certificate or its key cannot be used: not PEM, expired,
    /// or the key does not belong to the certificate.
    InvalidClientCert {
        /// Where the pair came from (files, or kubeconfig fields).
        source: String,
        /// What is wrong, never quoting the key.
        reason: String,
    },
    /// An exec credential plugin could not give a credential: not found
    /// (with its `installHint`), failed, too slow, or its output is not an
    /// ExecCredential.
    ExecPlugin {
        /// The plugin's command.
        command: String,
        /// The kubeconfig that names it.
        kubeconfig: Option<PathBuf>,
        /// What went wrong, never quoting the plugin's output.
        message: String,
    },
    /// A request path is not an absolute API path, or a name would escape
    /// its path segment (`/`, `..`).
    InvalidRequest(String),
    /// No resource type by that name: not built in, not in discovery.
    UnknownResource(String),
    /// No resource type serves this `apiVersion` and `kind` (a manifest for
    /// a CRD that is not installed, or an API version the server dropped).
    UnknownKind {
        /// The object's `apiVersion`, e.g. `example.com/v1`.
        api_version: String,
        /// The object's `kind`, e.g. `Widget`.
        kind: String,
    },
    /// The server refused the TCP connection.
    ConnectionRefused {
        /// `host:port` of the server.
        server: String,
        /// The operating system's error (also [`source`](std::error::Error::source)).
        source: io::Error,
    },
    /// The TLS handshake failed: usually the server's certificate is not
    /// signed by the configured CA, is expired, or does not name the host.
    ///
    /// ```
    /// # fn connect(client: &kapi::Client) -> kapi::Result<()> {
    /// match client.get("/version").send() {
    ///     Err(kapi::Error::Tls { failure: kapi::TlsFailure::UnknownIssuer, .. }) => {
    ///         eprintln!("the cluster CA changed: reload ca.crt");
    ///     }
    ///     other => { other?; }
    /// }
    /// # Ok(()) }
    /// ```
    Tls {
        /// The server URL.
        server: String,
        /// The CA bundle in use, if it came from a file.
        ca_file: Option<PathBuf>,
        /// What failed, as rustls classified it.
        failure: TlsFailure,
        /// What rustls reported: a `rustls::Error` (downcast it for the
        /// details), or ureq's error when the handshake could not start.
        /// Its text is the message. Also [`source`](std::error::Error::source).
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A network wait took longer than its timeout.
    Timeout {
        /// The request, e.g. `GET https://10.96.0.1/version`.
        request: String,
        /// Which wait ran out, e.g. `connecting`, `waiting for the response`.
        phase: &'static str,
        /// The limit that was hit, when known.
        after: Option<Duration>,
    },
    /// Any other failure to talk to the server (name resolution, a reset
    /// connection, a malformed HTTP response).
    Transport {
        /// The server URL.
        server: String,
        /// What went wrong.
        message: String,
        /// The I/O or HTTP error underneath, when there was one (also
        /// [`source`](std::error::Error::source)).
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The API server answered with a non-2xx status. The body was decoded
    /// into a [`Status`]; when it was not a `Status` (an HTML page from a
    /// proxy, say), the `Status` is built as client-go builds it.
    ///
    /// On a watch, `410 Gone` (reason `Expired`/`Gone`) means the
    /// `resourceVersion` is too old: list again.
    Api(Box<Status>),
    /// A response body (or a watch event) could not be decoded as the
    /// expected JSON.
    Decode {
        /// The request whose response failed to decode.
        request: String,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// A request body could not be encoded as JSON (a map with non-string
    /// keys, a `Serialize` impl that failed). Nothing was sent.
    Encode {
        /// The request whose body failed to encode, e.g. `PATCH /api/v1/...`.
        request: String,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// A paged list answered with the very `continue` token it was sent:
    /// following it would loop forever, so the [`Pager`](crate::Pager) stops.
    ListNotAdvancing {
        /// The collection path, e.g. `/api/v1/namespaces/test/pods`.
        path: String,
    },
    /// Reading a response body or writing output failed.
    Io(io::Error),
    /// A JSONPath template failed to parse or to execute.
    JsonPath(JsonPathError),
    /// The server answered with a redirect kapi does not follow: a write
    /// answered by `3xx` (which would turn it into a GET, or send it to
    /// another server), a `3xx` without a usable `Location`, or too many
    /// redirects in a row. Nothing was written.
    Redirect {
        /// The request, e.g. `POST https://10.96.0.1/api/v1/namespaces/test/configmaps`.
        request: String,
        /// What the server answered and why it was not followed.
        message: String,
    },
    /// A request was retried until the attempts ran out (or the next wait
    /// would pass the deadline); `last` is the final answer or failure.
    /// [`Error::status`] and the `is_*` predicates look through to it.
    GaveUp {
        /// How many times the request was sent.
        attempts: u32,
        /// The last answer or failure.
        last: Box<Error>,
    },
    /// The client's deadline ([`Client::with_deadline`](crate::Client::with_deadline))
    /// passed before the request could finish; it was cut off or never sent.
    DeadlineExceeded {
        /// The request, e.g. `GET https://10.96.0.1/api/v1/pods`.
        request: String,
        /// The whole budget the deadline allowed.
        budget: Duration,
    },
}

impl Error {
    /// The server's `Status`, if this is an API error.
    pub fn status(&self) -> Option<&Status> {
        match self {
            Error::Api(status) => Some(status),
            Error::GaveUp { last, .. } => last.status(),
            _ => None,
        }
    }

    /// True when the client's deadline passed
    /// ([`Client::with_deadline`](crate::Client::with_deadline)), also
    /// when retries were cut short by it.
    pub fn is_deadline_exceeded(&self) -> bool {
        match self {
            Error::DeadlineExceeded { .. } => true,
            Error::GaveUp { last, .. } => last.is_deadline_exceeded(),
            _ => false,
        }
    }

    /// True for `404 NotFound`.
    ///
    /// ```
    /// # fn check(client: &kapi::Client) -> kapi::Result<()> {
    /// match client.get("/apis/apps/v1/namespaces/test/daemonsets/gateway").send() {
    ///     Err(e) if e.is_not_found() => println!("no gateway yet"),
    ///     Err(e) => return Err(e),
    ///     Ok(_) => println!("found"),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_not_found(&self) -> bool {
        self.status().is_some_and(Status::is_not_found)
    }

    /// True for `403 Forbidden`.
    pub fn is_forbidden(&self) -> bool {
        self.status().is_some_and(Status::is_forbidden)
    }

    /// True for `409 Conflict` (including `AlreadyExists`).
    pub fn is_conflict(&self) -> bool {
        self.status().is_some_and(Status::is_conflict)
    }

    /// True for `401 Unauthorized`.
    pub fn is_unauthorized(&self) -> bool {
        self.status().is_some_and(Status::is_unauthorized)
    }

    /// True for `409 AlreadyExists`: a create found an object of that name.
    ///
    /// ```
    /// # fn ensure(api: &kapi::Api, cm: &serde_json::Value) -> kapi::Result<()> {
    /// match api.create(&kapi::PostParams::default(), cm) {
    ///     Err(e) if e.is_already_exists() => println!("already there"),
    ///     other => { other?; }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_already_exists(&self) -> bool {
        self.status().is_some_and(Status::is_already_exists)
    }

    /// True for `422 Invalid`; [`Status::causes`] names each rejected field.
    pub fn is_invalid(&self) -> bool {
        self.status().is_some_and(Status::is_invalid)
    }

    /// True for `410 Gone` / reason `Expired`: a watch or continue token is
    /// too old and the caller must list again.
    pub fn is_gone(&self) -> bool {
        self.status().is_some_and(Status::is_gone)
    }

    /// Why the TLS handshake failed, if this is a TLS error (also after
    /// retries, [`Error::GaveUp`]).
    ///
    /// ```
    /// # fn check(client: &kapi::Client) {
    /// if let Err(e) = client.get("/version").send() {
    ///     match e.tls_failure() {
    ///         Some(kapi::TlsFailure::Expired) => eprintln!("renew the server's certificate: {e}"),
    ///         Some(_) | None => eprintln!("{e}"),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn tls_failure(&self) -> Option<TlsFailure> {
        match self {
            Error::Tls { failure, .. } => Some(*failure),
            Error::GaveUp { last, .. } => last.tls_failure(),
            _ => None,
        }
    }
}

/// Why a TLS handshake failed: rustls's error, classified
/// ([`Error::Tls`], [`Error::tls_failure`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsFailure {
    /// The server's certificate is not signed by a CA in the bundle
    /// (rustls's `UnknownIssuer` or `BadSignature`): the wrong CA file, or
    /// a cluster whose CA was rotated.
    UnknownIssuer,
    /// The server's certificate has expired.
    Expired,
    /// The server's certificate is not valid yet (or the clock is wrong).
    NotValidYet,
    /// The server's certificate does not name the host connected to (or
    /// `tls-server-name`).
    NotValidForName,
    /// Anything else: another certificate problem, an alert from the
    /// server (e.g. it refused the client certificate), a protocol error.
    Other,
}

impl TlsFailure {
    /// The class of `error`.
    pub(crate) fn of(error: &rustls::Error) -> TlsFailure {
        use rustls::CertificateError as C;
        match error {
            rustls::Error::InvalidCertificate(c) => match c {
                C::UnknownIssuer | C::BadSignature => TlsFailure::UnknownIssuer,
                C::Expired | C::ExpiredContext { .. } => TlsFailure::Expired,
                C::NotValidYet | C::NotValidYetContext { .. } => TlsFailure::NotValidYet,
                C::NotValidForName | C::NotValidForNameContext { .. } => {
                    TlsFailure::NotValidForName
                }
                _ => TlsFailure::Other,
            },
            _ => TlsFailure::Other,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotInCluster => f.write_str(
                "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and \
                 KUBERNETES_SERVICE_PORT must be defined",
            ),
            Error::InvalidHost(host) => write!(
                f,
                "invalid KUBERNETES_SERVICE_HOST {host:?}: expected a host name or an IP address"
            ),
            Error::InvalidPort(port) => write!(
                f,
                "invalid KUBERNETES_SERVICE_PORT {port:?}: expected a port number from 1 to 65535"
            ),
            Error::ReadFile { what, path, source } => {
                write!(f, "failed to read {what} file {path:?}: {source}")
            }
            Error::EmptyToken(path) => write!(f, "read empty token from file {path:?}"),
            Error::InvalidToken { path, reason } => {
                write!(f, "invalid token file {path:?}: {reason}")
            }
            Error::InvalidCa { path, reason } => {
                write!(f, "failed to load CA bundle {path:?}: {reason}")
            }
            Error::Kubeconfig { path, message } => {
                write!(f, "invalid kubeconfig {path:?}: {message}")
            }
            Error::NoKubeconfig(why) => f.write_str(why),
            Error::NoContext(files) => write!(
                f,
                "no current-context in kubeconfig {files:?}; pass --context"
            ),
            Error::InferConfig {
                kubeconfig,
                incluster,
            } => write!(
                f,
                "failed to infer config: kubeconfig: ({kubeconfig}), in-cluster: ({incluster})"
            ),
            Error::InvalidClientCert { source, reason } => {
                write!(f, "failed to load the client certificate {source}: {reason}")
            }
            Error::ExecPlugin {
                command,
                kubeconfig,
                message,
            } => {
                write!(f, "exec plugin {command:?}")?;
                if let Some(k) = kubeconfig {
                    write!(f, " (from kubeconfig {k:?})")?;
                }
                write!(f, " gave no credential: {message}")
            }
            Error::InvalidRequest(message) => f.write_str(message),
            Error::UnknownResource(name) => {
                write!(f, "the server doesn't have a resource type {name:?}")
            }
            Error::UnknownKind { api_version, kind } => {
                write!(f, "no matches for kind {kind:?} in version {api_version:?}")
            }
            Error::ConnectionRefused { server, .. } => write!(
                f,
                "The connection to the server {server} was refused - did you specify the right host or port?"
            ),
            Error::Tls {
                server,
                ca_file,
                failure,
                source,
            } => {
                write!(f, "Unable to connect to the server {server}: {source}")?;
                match ca_file {
                    Some(ca) if *failure == TlsFailure::UnknownIssuer => write!(
                        f,
                        " (the server's certificate is not signed by a CA in {ca:?})"
                    ),
                    _ => Ok(()),
                }
            }
            Error::Timeout {
                request,
                phase,
                after,
            } => {
                write!(f, "timed out {phase} for {request}")?;
                if let Some(after) = after {
                    write!(f, " after {}", crate::duration::format(*after))?;
                }
                Ok(())
            }
            Error::Transport {
                server, message, ..
            } => {
                write!(f, "Unable to connect to the server {server}: {message}")
            }
            Error::Api(status) => {
                if status.is_unauthorized() {
                    write!(f, "You must be logged in to the server ({})", status.message)
                } else {
                    write!(f, "Error from server ({}): {}", status.reason_or_unknown(), status.message)
                }
            }
            Error::Decode { request, source } => {
                write!(f, "failed to decode the response to {request}: {source}")
            }
            Error::Encode { request, source } => {
                write!(f, "failed to encode the request body of {request}: {source}")
            }
            Error::ListNotAdvancing { path } => write!(
                f,
                "the server did not advance the list of {path}: it answered with the continue token it was sent; stopped rather than loop forever"
            ),
            Error::Io(e) => write!(f, "{e}"),
            Error::JsonPath(e) => write!(f, "{e}"),
            Error::Redirect { request, message } => {
                write!(f, "the server answered {request} with {message}")
            }
            Error::GaveUp { attempts, last } => {
                write!(f, "{last} (gave up after {attempts} attempts)")
            }
            Error::DeadlineExceeded { request, budget } => write!(
                f,
                "{request} did not finish within the deadline of {}",
                crate::duration::format(*budget)
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::ReadFile { source, .. } => Some(source),
            Error::ConnectionRefused { source, .. } => Some(source),
            Error::Tls { source, .. } => Some(source.as_ref()),
            Error::Transport { source, .. } => source.as_deref().map(|s| s as _),
            Error::Decode { source, .. } | Error::Encode { source, .. } => Some(source),
            Error::Io(e) => Some(e),
            Error::JsonPath(e) => Some(e),
            Error::GaveUp { last, .. } => Some(last.as_ref()),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

impl From<JsonPathError> for Error {
    fn from(e: JsonPathError) -> Self {
        Error::JsonPath(e)
    }
}

impl From<Status> for Error {
    fn from(status: Status) -> Self {
        Error::Api(Box::new(status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_stays_small() {
        // Large payloads are boxed so `Result<T>` stays cheap to move.
        assert!(
            std::mem::size_of::<Error>() <= 80,
            "{}",
            std::mem::size_of::<Error>()
        );
    }

    #[test]
    fn not_in_cluster_reads_like_client_go() {
        assert_eq!(
            Error::NotInCluster.to_string(),
            "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and \
             KUBERNETES_SERVICE_PORT must be defined"
        );
    }

    #[test]
    fn api_errors_read_like_kubectl() {
        let not_found = Status::failure(404, "NotFound", r#"daemonsets.apps "gateway" not found"#);
        assert_eq!(
            Error::from(not_found).to_string(),
            r#"Error from server (NotFound): daemonsets.apps "gateway" not found"#
        );
        let unauthorized = Status::failure(401, "Unauthorized", "Unauthorized");
        assert_eq!(
            Error::from(unauthorized).to_string(),
            "You must be logged in to the server (Unauthorized)"
        );
    }
}
