//! The CLI's error type, its messages (kubectl's wording) and exit codes.

use std::fmt;
use std::io;
use std::process::ExitCode;

use crate::args::UsageError;
use crate::output::escape;

/// Exit codes, as documented in the README.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Any error: from the server, the connection, the configuration or input.
    pub const ERROR: u8 = 1;
    /// A usage error: unknown flag, missing or extra argument.
    pub const USAGE: u8 = 2;
    /// `kapi wait`: the timeout passed before the condition was met (or,
    /// with `--timeout=0`, it was not met).
    pub const TIMED_OUT: u8 = 3;
    /// `kapi wait`: the condition can no longer be met (a Job waited on for
    /// `Complete` failed, ...) or a `--fail-on` condition held.
    pub const FAIL_ON: u8 = 4;
    /// `kapi wait`, `kapi rollout status`: the server refused the
    /// credentials (401) or RBAC forbids the request (403).
    pub const NOT_ALLOWED: u8 = 5;
    /// `kapi wait`, `kapi rollout status`: the API server could not be
    /// reached (refused, timed out, TLS failed), after the retries.
    pub const UNREACHABLE: u8 = 6;
}

/// Everything that can end a `kapi` run early.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Bad command line.
    Usage(UsageError),
    /// The library failed (server, TLS, config, ...).
    Kapi(kapi::Error),
    /// Any other failure, as a one-line message.
    Message(String),
    /// Stdout was closed (`kapi get ... | head`): not an error.
    BrokenPipe,
    /// An error that ended a waiting command (`kapi wait`, `kapi rollout
    /// status`): reported as itself, with [`Error::wait_code`]'s exit code.
    Waiting(Box<Error>),
}

impl Error {
    /// A plain one-line error.
    pub fn msg(message: impl Into<String>) -> Error {
        Error::Message(message.into())
    }

    /// The exit code of a waiting command (`kapi wait`, `kapi rollout
    /// status`), which tells causes apart where kubectl exits 1 for all:
    /// [`exit::NOT_ALLOWED`] for 401/403, [`exit::UNREACHABLE`] when the
    /// server could not be reached, [`exit::TIMED_OUT`] when the command's
    /// deadline (its `--timeout`) cut a request off, else what
    /// [`Error::report`] returns.
    pub fn wait_code(&self) -> u8 {
        let Error::Kapi(e) = self else {
            return match self {
                Error::BrokenPipe => exit::OK,
                Error::Usage(_) => exit::USAGE,
                Error::Waiting(inner) => inner.wait_code(),
                _ => exit::ERROR,
            };
        };
        if e.is_forbidden() || e.is_unauthorized() {
            return exit::NOT_ALLOWED;
        }
        if e.is_deadline_exceeded() {
            return exit::TIMED_OUT;
        }
        let mut e = e;
        while let kapi::Error::GaveUp { last, .. } = e {
            e = last;
        }
        match e {
            kapi::Error::ConnectionRefused { .. }
            | kapi::Error::Tls { .. }
            | kapi::Error::Timeout { .. }
            | kapi::Error::Transport { .. } => exit::UNREACHABLE,
            _ => exit::ERROR,
        }
    }

    /// Prints the error to stderr as kubectl would and returns the exit code.
    pub fn report(&self) -> ExitCode {
        match self {
            Error::BrokenPipe => ExitCode::from(exit::OK),
            Error::Waiting(inner) => {
                inner.report();
                ExitCode::from(inner.wait_code())
            }
            Error::Usage(e) => {
                eprintln!("error: {}", escape::text(&e.message));
                let command = if e.command.is_empty() {
                    "kapi".to_string()
                } else {
                    format!("kapi {}", e.command)
                };
                eprintln!("See '{command} --help' for usage.");
                ExitCode::from(exit::USAGE)
            }
            other => {
                // Server text (Status messages, quoted bodies) reaches the
                // terminal only through here, escaped.
                eprintln!("{}", escape::text(&other.to_string()));
                ExitCode::from(exit::ERROR)
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(e) => write!(f, "error: {}", e.message),
            Error::Kapi(e) => write_kapi(e, f),
            Error::Message(m) => write!(f, "error: {m}"),
            Error::BrokenPipe => f.write_str("error: broken pipe"),
            Error::Waiting(inner) => inner.fmt(f),
        }
    }
}

/// A library error as kubectl prints the same failure.
fn write_kapi(e: &kapi::Error, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match e {
        kapi::Error::Api(status) if status.is_invalid() => f.write_str(&invalid_message(status)),
        // kubectl prints these two without the "error: " prefix.
        kapi::Error::Api(status) if !status.is_unauthorized() => write!(f, "{e}"),
        kapi::Error::ConnectionRefused { .. } => write!(f, "{e}"),
        kapi::Error::GaveUp { attempts, last } => {
            write_kapi(last, f)?;
            write!(f, " (gave up after {attempts} attempts)")
        }
        e => write!(f, "error: {e}"),
    }
}

/// A `422 Invalid` as kubectl's `CheckErr` prints it: `The <Kind> "<name>"
/// is invalid: ` and the field causes, one per line when there are several:
///
/// ```text
/// The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ...
/// The Pod "web" is invalid:␠
/// * spec.containers[0].image: Required value
/// * spec.restartPolicy: Unsupported value: "Sometimes": ...
/// ```
///
/// (kubectl's trailing space after `invalid:`, shown as ␠ here, is kept.) Without details,
/// kubectl prints only `The request is invalid`; kapi adds the server's
/// message there, as older kubectl releases did, since it is all there is.
pub fn invalid_message(status: &kapi::Status) -> String {
    let mut head = "The request is invalid".to_string();
    let Some(details) = &status.details else {
        if !status.message.is_empty() {
            head.push_str(": ");
            head.push_str(&status.message);
        }
        return head;
    };
    if !details.kind.is_empty() || !details.name.is_empty() {
        head = format!("The {} {:?} is invalid", details.kind, details.name);
    }
    let mut causes: Vec<String> = Vec::new();
    for cause in &details.causes {
        let line = format!("{}: {}", cause.field, cause.message);
        if !causes.contains(&line) {
            causes.push(line);
        }
    }
    match causes.as_slice() {
        [] => head,
        [one] => format!("{head}: {one}"),
        many => {
            let mut text = format!("{head}: ");
            for cause in many {
                text.push_str("\n* ");
                text.push_str(cause);
            }
            text
        }
    }
}

impl From<UsageError> for Error {
    fn from(e: UsageError) -> Self {
        Error::Usage(e)
    }
}

impl From<kapi::Error> for Error {
    fn from(e: kapi::Error) -> Self {
        match e {
            kapi::Error::Io(io) if io.kind() == io::ErrorKind::BrokenPipe => Error::BrokenPipe,
            e => Error::Kapi(e),
        }
    }
}

impl From<kapi::jsonpath::JsonPathError> for Error {
    fn from(e: kapi::jsonpath::JsonPathError) -> Self {
        Error::Kapi(kapi::Error::JsonPath(e))
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Error::BrokenPipe
        } else {
            Error::Message(e.to_string())
        }
    }
}

/// The CLI's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(details: serde_json::Value) -> kapi::Status {
        serde_json::from_value(serde_json::json!({
            "kind": "Status", "status": "Failure", "reason": "Invalid", "code": 422,
            "message": "ConfigMap \"Bad_Name\" is invalid: ...",
            "details": details,
        }))
        .unwrap()
    }

    #[test]
    fn one_invalid_cause_stays_on_the_first_line() {
        let status = invalid(serde_json::json!({
            "name": "Bad_Name", "kind": "ConfigMap",
            "causes": [{"reason": "FieldValueInvalid", "field": "metadata.name",
                        "message": "Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"}],
        }));
        assert_eq!(
            Error::Kapi(kapi::Error::Api(Box::new(status))).to_string(),
            "The ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"
        );
    }

    #[test]
    fn several_invalid_causes_get_a_line_each_and_duplicates_go() {
        let status = invalid(serde_json::json!({
            "name": "web", "kind": "Pod",
            "causes": [
                {"field": "spec.containers[0].image", "message": "Required value"},
                {"field": "spec.containers[0].image", "message": "Required value"},
                {"field": "metadata.name", "message": "Invalid value: \"Web\""},
            ],
        }));
        assert_eq!(
            invalid_message(&status),
            "The Pod \"web\" is invalid: \n* spec.containers[0].image: Required value\n* metadata.name: Invalid value: \"Web\""
        );
    }

    #[test]
    fn invalid_without_details_keeps_the_server_message() {
        let status = kapi::Status::failure(422, "Invalid", "bad patch");
        assert_eq!(
            invalid_message(&status),
            "The request is invalid: bad patch"
        );
    }
}
