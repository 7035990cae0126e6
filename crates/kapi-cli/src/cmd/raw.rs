//! `kapi raw METHOD PATH [-f FILE|-]`: any request, body as received.

use std::ffi::OsString;
use std::io::Read;
use std::process::ExitCode;

use crate::args::{value, Flag, UsageError};
use crate::connect;
use crate::error::{Error, Result};
use crate::output;

pub(super) const HELP: &str = "\
Send a request with any method to an API path and print the response body as received.
curl's job, with the pod's credentials, verified TLS, retries and readable errors.

Usage:
  kapi raw METHOD PATH [-f FILE|-] [--content-type TYPE] [options]

Examples:
  kapi raw GET /apis/apps/v1/namespaces/test/daemonsets/gateway?resourceVersion=0
  kapi raw POST /api/v1/namespaces/test/configmaps -f cm.json
  echo '{\"metadata\":{\"labels\":{\"ready\":\"true\"}}}' | \\
    kapi raw PATCH /api/v1/namespaces/test/pods/$HOSTNAME -f - --content-type application/merge-patch+json

Options:
  -f, --filename FILE        Send the contents of FILE as the body ('-' for stdin)
      --content-type TYPE    Content-Type of the body (default application/json)
      --accept TYPE          Accept header (default 'application/json, */*')

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(super) const FLAGS: &[Flag] = &[
    value("filename", Some('f')),
    value("content-type", None),
    value("accept", None),
];

pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    let Some(m) = super::parse("raw", args, FLAGS, HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let [method, path] = m.positionals.as_slice() else {
        return Err(UsageError::new("raw", "expected exactly two arguments: METHOD PATH").into());
    };
    if !path.starts_with('/') {
        return Err(UsageError::new(
            "raw",
            format!("PATH must be an API path starting with '/', got {path:?}"),
        )
        .into());
    }
    if m.given("content-type") && !m.given("filename") {
        return Err(
            UsageError::new("raw", "--content-type needs a body: give -f FILE or -f -").into(),
        );
    }
    let body = match m.value("filename") {
        Some(file) => Some(read_body(file)?),
        None => None,
    };
    let client = connect::client("raw", &m)?;
    let mut request = client.request(method, path);
    if let Some(accept) = m.value("accept") {
        request = request.header("Accept", accept);
    }
    if let Some(body) = body {
        request = request.body(body, m.value("content-type").unwrap_or("application/json"));
    }
    let response = request.send()?;
    let mut out = output::stdout();
    response.copy_to(&mut out)?;
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// The body from a file, or stdin for `-`.
pub fn read_body(file: &str) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    let result = if file == "-" {
        std::io::stdin().lock().read_to_end(&mut body)
    } else {
        std::fs::File::open(file).and_then(|mut f| f.read_to_end(&mut body))
    };
    result.map_err(|e| {
        Error::msg(format!(
            "failed to read {}: {e}",
            if file == "-" { "stdin" } else { file }
        ))
    })?;
    Ok(body)
}
