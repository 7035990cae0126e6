//! `kapi get`: resources, or a raw path with `--raw`.

use std::ffi::OsString;
use std::process::ExitCode;

use crate::args::{value, Flag, UsageError};
use crate::connect;
use crate::error::Result;
use crate::output;

const HELP: &str = "\
Display one or many resources, or the body of a raw API path.

Usage:
  kapi get --raw PATH [options]

Examples:
  # The classic in-pod read, with verified TLS and the pod's token:
  kapi get --raw '/apis/apps/v1/namespaces/test/daemonsets/gateway?resourceVersion=0'

Options:
      --raw PATH       GET this API path and print the body as received

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

const FLAGS: &[Flag] = &[value("raw", None), value("output", Some('o'))];

pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    let Some(m) = super::parse("get", args, FLAGS, HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let Some(path) = m.value("raw") else {
        return Err(UsageError::new(
            "get",
            "You must specify the type of resource to get, or --raw PATH",
        )
        .into());
    };
    // kubectl's checks and messages for --raw.
    if !m.positionals.is_empty() {
        return Err(
            UsageError::new("get", "arguments may not be passed when --raw is specified").into(),
        );
    }
    if m.given("output") {
        return Err(UsageError::new("get", "--raw and --output are mutually exclusive").into());
    }
    if !path.starts_with('/') {
        return Err(UsageError::new("get", "--raw must be a valid URL path").into());
    }
    let client = connect::client("get", &m)?;
    let response = client.get(path).send()?;
    let mut out = output::stdout();
    response.copy_to(&mut out)?;
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}
