//! The CLI's error type, its messages (kubectl's wording) and exit codes.

use std::fmt;
use std::io;
use std::process::ExitCode;

use crate::args::UsageError;

/// Exit codes, as documented in the README.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Any error: from the server, the connection, the configuration or input.
    pub const ERROR: u8 = 1;
    /// A usage error: unknown flag, missing or extra argument.
    pub const USAGE: u8 = 2;
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
}

impl Error {
    /// A plain one-line error.
    pub fn msg(message: impl Into<String>) -> Error {
        Error::Message(message.into())
    }

    /// Prints the error to stderr as kubectl would and returns the exit code.
    pub fn report(&self) -> ExitCode {
        match self {
            Error::BrokenPipe => ExitCode::from(exit::OK),
            Error::Usage(e) => {
                eprintln!("error: {}", e.message);
                let command = if e.command.is_empty() {
                    "kapi".to_string()
                } else {
                    format!("kapi {}", e.command)
                };
                eprintln!("See '{command} --help' for usage.");
                ExitCode::from(exit::USAGE)
            }
            other => {
                eprintln!("{other}");
                ExitCode::from(exit::ERROR)
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(e) => write!(f, "error: {}", e.message),
            // kubectl prints these two without the "error: " prefix.
            Error::Kapi(e @ kapi::Error::Api(status)) if !status.is_unauthorized() => {
                write!(f, "{e}")
            }
            Error::Kapi(e @ kapi::Error::ConnectionRefused { .. }) => write!(f, "{e}"),
            Error::Kapi(e) => write!(f, "error: {e}"),
            Error::Message(m) => write!(f, "error: {m}"),
            Error::BrokenPipe => f.write_str("error: broken pipe"),
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
