//! `kapi version`: the client's version and the server's `/version`.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use crate::args::{switch, Flag, UsageError};
use crate::connect;
use crate::error::Result;
use crate::output;

pub(super) const HELP: &str = "\
Print the client version, and the server's version from /version.

Usage:
  kapi version [--client] [options]

Options:
      --client    Print the client version only (no request)

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(super) const FLAGS: &[Flag] = &[switch("client", None)];

pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    let Some(m) = super::parse("version", args, FLAGS, HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    if !m.positionals.is_empty() {
        return Err(UsageError::new("version", "version takes no arguments").into());
    }
    let mut out = output::stdout();
    writeln!(out, "Client Version: v{}", env!("CARGO_PKG_VERSION"))?;
    if !m.flag("client") {
        out.flush()?;
        let client = connect::client("version", &m)?;
        let version: serde_json::Value = client.get("/version").json()?;
        let git = version["gitVersion"].as_str().unwrap_or("unknown");
        writeln!(out, "Server Version: {}", crate::output::escape::cell(git))?;
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}
