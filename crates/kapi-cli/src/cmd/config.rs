//! `kapi config view|current-context|get-contexts`: the kubeconfig as
//! kubectl reads it, read-only (kapi never writes a kubeconfig).

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use kapi::config::Kubeconfig;

use crate::args::{switch, value, Flag, Matches, UsageError};
use crate::connect;
use crate::error::{Error, Result};
use crate::output;

pub(super) const HELP: &str = "\
Read the kubeconfig kapi uses (--kubeconfig, else KUBECONFIG's files merged, else
~/.kube/config). kapi never writes a kubeconfig.

Usage:
  kapi config view [--minify] [--raw] [-o yaml|json]
  kapi config current-context
  kapi config get-contexts [NAME] [-o name] [--no-headers]

Options:
      --minify      view: only the current context (or --context), its cluster and user
      --raw         view: show certificate data, tokens and passwords (redacted otherwise)
  -o, --output      view: yaml (default) or json; get-contexts: name
      --no-headers  get-contexts: no header line
";

pub(super) const VIEW_FLAGS: &[Flag] = &[
    switch("minify", None),
    switch("raw", None),
    value("output", Some('o')),
];
pub(super) const CONTEXT_FLAGS: &[Flag] = &[value("output", Some('o')), switch("no-headers", None)];

/// `kapi config` alone: the help.
pub fn help(args: Vec<OsString>) -> Result<ExitCode> {
    let m = crate::args::parse("config", args, &[])?;
    print!("{HELP}");
    Ok(if m.flag("help") {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::error::exit::USAGE)
    })
}

pub fn view(args: Vec<OsString>) -> Result<ExitCode> {
    let Some(m) = super::parse("config view", args, VIEW_FLAGS, HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    no_positionals("config view", &m)?;
    let kubeconfig = load(&m, true)?;
    let context = m.value("context").filter(|c| !c.is_empty());
    let view = kubeconfig.view(m.flag("raw"), m.flag("minify"), context)?;
    let mut out = output::stdout();
    match m.value("output").unwrap_or("yaml") {
        "yaml" => output::yaml::write_yaml(&mut out, &view)?,
        "json" => output::json::write_json(&mut out, &view)?,
        other => {
            return Err(UsageError::new(
                "config view",
                format!("unable to match a printer suitable for the output format {other:?}, allowed formats are: json,yaml"),
            )
            .into())
        }
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

pub fn current_context(args: Vec<OsString>) -> Result<ExitCode> {
    let Some(m) = super::parse("config current-context", args, &[], HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    no_positionals("config current-context", &m)?;
    let kubeconfig = load(&m, true)?;
    let Some(current) = kubeconfig.current_context() else {
        return Err(Error::Message("current-context is not set".into()));
    };
    let mut out = output::stdout();
    writeln!(out, "{}", output::escape::text(current))?;
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

pub fn get_contexts(args: Vec<OsString>) -> Result<ExitCode> {
    let Some(m) = super::parse("config get-contexts", args, CONTEXT_FLAGS, HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let kubeconfig = load(&m, true)?;
    let mut contexts = kubeconfig.contexts();
    contexts.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(name) = m.positionals.first() {
        contexts.retain(|c| &c.name == name);
        if contexts.is_empty() {
            return Err(Error::Message(format!("context {name} not found")));
        }
    }
    let mut out = output::stdout();
    match m.value("output") {
        None | Some("") => {
            let mut tw = output::tabwriter::TabWriter::default();
            if !m.flag("no-headers") {
                tw.row(
                    ["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"]
                        .map(String::from)
                        .to_vec(),
                );
            }
            for c in contexts {
                let current = kubeconfig.current_context() == Some(c.name.as_str());
                tw.row(vec![
                    if current { "*".into() } else { String::new() },
                    c.name,
                    c.cluster,
                    c.user,
                    c.namespace.unwrap_or_default(),
                ]);
            }
            tw.flush(&mut out)?;
        }
        Some("name") => {
            for c in contexts {
                writeln!(out, "{}", output::escape::text(&c.name))?;
            }
        }
        Some(other) => {
            return Err(UsageError::new(
                "config get-contexts",
                format!("output must be one of '' or 'name': {other}"),
            )
            .into())
        }
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// The kubeconfig; an empty one when `empty_ok` and there is none.
fn load(m: &Matches, empty_ok: bool) -> Result<Kubeconfig> {
    let opts = connect::kubeconfig_options("config", m)?;
    match Kubeconfig::load(&opts) {
        Err(kapi::Error::NoKubeconfig(_)) if empty_ok => Ok(Kubeconfig::empty()),
        other => Ok(other?),
    }
}

fn no_positionals(command: &str, m: &Matches) -> Result<()> {
    match m.positionals.first() {
        None => Ok(()),
        Some(extra) => {
            Err(UsageError::new(command, format!("unexpected argument {extra:?}")).into())
        }
    }
}
