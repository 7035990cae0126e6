//! `kapi api-resources`: the resource types discovery reports, as kubectl
//! prints them.

use std::ffi::OsString;
use std::process::ExitCode;

use crate::args::{switch, value, Flag, Matches, UsageError};
use crate::connect;
use crate::error::Result;
use crate::output;
use crate::output::tabwriter::TabWriter;

pub(super) const HELP: &str = "\
Print the resource types the server serves (aggregated discovery, or the legacy documents on
servers older than 1.30).

Usage:
  kapi api-resources [options]

Options:
      --api-group GROUP     Only this API group ('' for the core group)
      --namespaced BOOL     Only namespaced (true) or cluster-scoped (false) types
      --verbs VERBS         Only types supporting all these verbs, e.g. list,watch
      --sort-by name|kind   Sort by name or kind (default: by group, in discovery order)
      --no-headers          Omit the header
  -o, --output wide|name    wide adds VERBS and CATEGORIES; name prints plural.group

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(super) const FLAGS: &[Flag] = &[
    value("api-group", None),
    value("namespaced", None),
    value("verbs", None),
    value("sort-by", None),
    switch("no-headers", None),
    value("output", Some('o')),
];

pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    let Some(m) = super::parse("api-resources", args, FLAGS, HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let options = options(&m).map_err(|msg| UsageError::new("api-resources", msg))?;
    let client = connect::client("api-resources", &m)?;
    execute(&client, &options)
}

/// What `kapi api-resources` was asked for, checked before any request.
struct Options<'m> {
    /// `""`, `wide` or `name`.
    output: &'m str,
    api_group: Option<&'m str>,
    namespaced: Option<bool>,
    /// `""`, `name` or `kind`.
    sort_by: &'m str,
    verbs: Vec<&'m str>,
    no_headers: bool,
}

fn options(m: &Matches) -> std::result::Result<Options<'_>, String> {
    if !m.positionals.is_empty() {
        return Err("api-resources takes no arguments".into());
    }
    let output = m.value("output").unwrap_or("");
    if !matches!(output, "" | "wide" | "name") {
        return Err(format!(
            "--output {output:?} is not available for api-resources: use wide or name"
        ));
    }
    let namespaced = match m.value("namespaced") {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            return Err(format!(
                "invalid argument {other:?} for \"--namespaced\" flag: must be true or false"
            ))
        }
    };
    let sort_by = m.value("sort-by").unwrap_or("");
    if !matches!(sort_by, "" | "name" | "kind") {
        return Err(format!(
            "--sort-by accepts only name or kind, got {sort_by:?}"
        ));
    }
    Ok(Options {
        output,
        api_group: m.value("api-group"),
        namespaced,
        sort_by,
        verbs: m
            .value("verbs")
            .map(|v| v.split(',').filter(|s| !s.is_empty()).collect())
            .unwrap_or_default(),
        no_headers: m.flag("no-headers"),
    })
}

fn execute(client: &kapi::Client, o: &Options<'_>) -> Result<ExitCode> {
    let discovery = client.discovery()?;
    let mut resources: Vec<_> = discovery
        .preferred()
        .iter()
        .filter(|r| o.api_group.is_none_or(|g| r.group == g))
        .filter(|r| o.namespaced.is_none_or(|n| r.namespaced == n))
        .filter(|r| o.verbs.iter().all(|v| r.verbs.iter().any(|rv| rv == v)))
        .collect();
    match o.sort_by {
        "name" => resources.sort_by(|a, b| a.plural.cmp(&b.plural)),
        "kind" => resources.sort_by(|a, b| a.kind.cmp(&b.kind)),
        _ => resources.sort_by(|a, b| a.group.cmp(&b.group)),
    }

    let mut out = output::stdout();
    let mut tw = TabWriter::default();
    if o.output == "name" {
        for r in &resources {
            let name = if r.group.is_empty() {
                r.plural.clone()
            } else {
                format!("{}.{}", r.plural, r.group)
            };
            tw.row(vec![name]);
        }
    } else {
        if !o.no_headers {
            let mut header: Vec<String> =
                ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
                    .map(String::from)
                    .into();
            if o.output == "wide" {
                header.extend(["VERBS".to_string(), "CATEGORIES".to_string()]);
            }
            tw.row(header);
        }
        for r in &resources {
            let mut row = vec![
                r.plural.clone(),
                r.short_names.join(","),
                r.api_version(),
                r.namespaced.to_string(),
                r.kind.clone(),
            ];
            if o.output == "wide" {
                row.push(r.verbs.join(","));
                row.push(r.categories.join(","));
            }
            tw.row(row);
        }
    }
    tw.flush(&mut out)?;
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}
