//! The commands, one per file, and the dispatch between them.

mod get;
mod raw;
mod version;

use std::ffi::OsString;
use std::process::ExitCode;

use crate::args::{self, Matches, UsageError};
use crate::error::Result;

const HELP: &str = "\
kapi talks to the Kubernetes API server from inside a pod, with the pod's
service account: a small static subset of kubectl.

Usage:
  kapi COMMAND [options]

Commands:
  get          Display one or many resources, or a raw API path (--raw)
  raw          Send any request to an API path (curl's job, with the pod's credentials)
  version      Print the client and server versions

Global options:
  -n, --namespace NS              Namespace (default: the pod's own, from POD_NAMESPACE
                                  or the service account)
  -v, --v N                       Log requests to stderr: 6 method, URL, status, latency;
                                  7 adds request headers; 8 adds response headers and bodies.
                                  Authorization is always masked.
      --request-timeout DURATION  Give up on a request after this long (e.g. 5s, 1m; 0 = no limit)
      --insecure-skip-tls-verify  Do not verify the server's certificate (unsafe; says so on stderr)
  -h, --help                      Help for kapi or a command

Configuration comes from the pod: KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT and the
service-account files in /var/run/secrets/kubernetes.io/serviceaccount (or the directory in
KAPI_SERVICEACCOUNT_DIR). Proxy environment variables are ignored.

Exit codes: 0 success, 1 error, 2 usage error.
";

/// Runs the command line (without the program name).
pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    let (words, rest) = args::split_command(args)?;
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["get"] => get::run(rest),
        ["raw"] => raw::run(rest),
        ["version"] => version::run(rest),
        [] | ["help"] => {
            let m = args::parse("", rest, &[])?;
            if !m.positionals.is_empty() || words.is_empty() && !m.flag("help") {
                print!("{HELP}");
                return Ok(ExitCode::from(crate::error::exit::USAGE));
            }
            print!("{HELP}");
            Ok(ExitCode::SUCCESS)
        }
        [other, ..] => {
            Err(UsageError::new("", format!("unknown command {other:?} for \"kapi\"")).into())
        }
    }
}

/// Parses a command's flags; `--help` prints its help and ends the run.
fn parse(
    command: &str,
    args: Vec<OsString>,
    flags: &[args::Flag],
    help: &str,
) -> Result<Option<Matches>> {
    let m = args::parse(command, args, flags)?;
    if m.flag("help") {
        print!("{help}");
        return Ok(None);
    }
    Ok(Some(m))
}
