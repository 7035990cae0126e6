//! Building the [`kapi::Client`] from the environment and the global flags.

use std::io::Write;

use crate::args::{Matches, UsageError};
use crate::error::{Error, Result};

/// Points kapi at a service-account directory other than the kubelet's
/// (tests, and sidecars whose projected token is mounted elsewhere).
pub const SERVICEACCOUNT_DIR_ENV: &str = "KAPI_SERVICEACCOUNT_DIR";

/// The client for this pod, with `-n`, `-v`, `--request-timeout` and
/// `--insecure-skip-tls-verify` applied.
pub fn client(command: &str, m: &Matches) -> Result<kapi::Client> {
    let dir = std::env::var_os(SERVICEACCOUNT_DIR_ENV)
        .filter(|d| !d.is_empty())
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| kapi::config::SERVICE_ACCOUNT_DIR.into());
    let mut config = kapi::Config::incluster_in(&dir)?;
    if let Some(ns) = m.value("namespace") {
        config = config.with_namespace(ns);
    }
    if let Some(t) = m.value("request-timeout") {
        let (timeout, negative) =
            kapi::duration::parse(t).map_err(|e| UsageError::new(command, e))?;
        if negative {
            return Err(UsageError::new(command, "--request-timeout must not be negative").into());
        }
        config = config.with_request_timeout(Some(timeout));
    }
    if m.flag("insecure-skip-tls-verify") {
        eprintln!(
            "warning: --insecure-skip-tls-verify: the server's certificate is not verified; \
             anyone on the network path can read the bearer token"
        );
        config = config.with_insecure_skip_tls_verify(true);
    }
    let client = kapi::Client::new(config)?;
    Ok(match verbosity(command, m)? {
        0..=1 => client,
        level => client.with_trace(level, |line| {
            // -v=8 and up print server headers and bodies.
            let _ = writeln!(
                std::io::stderr().lock(),
                "{}",
                crate::output::escape::text(line)
            );
        }),
    })
}

/// `-v=N`, 0 to 10 as kubectl's.
fn verbosity(command: &str, m: &Matches) -> Result<u8> {
    match m.value("v") {
        None => Ok(0),
        Some(v) => v.parse::<u8>().ok().filter(|n| *n <= 10).ok_or_else(|| {
            Error::Usage(UsageError::new(
                command,
                format!("invalid argument {v:?} for \"-v\" flag: must be a number from 0 to 10"),
            ))
        }),
    }
}
