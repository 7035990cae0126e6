//! `kapi rollout status|restart|history`: the rollout of Deployments,
//! DaemonSets and StatefulSets, as kubectl's `rollout` subcommands.

pub(super) mod history;
pub(super) mod restart;
pub(super) mod status;
mod template;

use std::ffi::OsString;
use std::process::ExitCode;

use kapi::{ApiResource, Client};
use serde_json::Value;

use super::flags;
use crate::args::{self, Matches, UsageError};
use crate::error::{exit, Error, Result};
use crate::objects::{self, Args, Pick, Scope, Target};

pub(in crate::cmd) const HELP: &str = "\
Manage the rollout of Deployments, DaemonSets and StatefulSets.

Usage:
  kapi rollout SUBCOMMAND (TYPE NAME | TYPE/NAME | TYPE -l SELECTOR | -f FILE) [options]

Subcommands:
  status   Watch a rollout until it is done (exit codes as 'kapi wait')
  restart  Restart the pods of a rollout (kubectl's restartedAt annotation)
  history  List the revisions of a rollout, or show one (--revision=N)

Examples:
  kapi rollout status deployment/web --timeout=120s
  kapi rollout restart deployment/web
  kapi rollout history deployment/web --revision=3

Run 'kapi rollout SUBCOMMAND --help' for a subcommand's options.
";

/// Runs `kapi rollout ...` (the words after `rollout`).
pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    let (words, rest) = args::split_command(args)?;
    match words.first().map(String::as_str) {
        Some("status") => status::run(rest),
        Some("restart") => restart::run(rest),
        Some("history") => history::run(rest),
        Some(other) => Err(UsageError::new(
            "rollout",
            format!("unknown command {other:?} for \"kapi rollout\""),
        )
        .into()),
        None => {
            let m = args::parse("rollout", rest, &[])?;
            print!("{HELP}");
            Ok(ExitCode::from(if m.flag("help") {
                exit::OK
            } else {
                exit::USAGE
            }))
        }
    }
}

/// What a rollout subcommand acts on, checked before anything is sent:
/// `TYPE NAME...`, `TYPE/NAME...`, `TYPE` (every object of the type, as
/// kubectl's rollout commands take it), `TYPE -l SELECTOR`, or `-f FILE`.
enum Spec {
    Args(Args, Option<String>),
    Files(Vec<String>),
}

impl Spec {
    fn parse(command: &str, m: &Matches) -> Result<Spec> {
        let usage = |msg: &str| Error::Usage(UsageError::new(command, msg));
        let files = flags::filenames(m);
        if m.positionals.is_empty() && files.is_empty() {
            return Err(usage("required resource not specified"));
        }
        if !files.is_empty() {
            if !m.positionals.is_empty() {
                return Err(usage(
                    "when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well",
                ));
            }
            return Ok(Spec::Files(files.iter().map(|f| f.to_string()).collect()));
        }
        let selector = m
            .value("selector")
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let groups = objects::type_args(&m.positionals).map_err(|e| usage(&e))?;
        let named = groups.iter().any(|(_, names)| !names.is_empty());
        let pick = Pick {
            selector: selector.as_deref(),
            field_selector: None,
            // A type alone means all of its objects.
            all: !named && selector.is_none(),
        };
        let args = Args::parse(command, &m.positionals, &pick, false)?;
        Ok(Spec::Args(args, selector))
    }

    /// The targets, each with its object as the server has it now (named
    /// objects and manifest objects are read, as kubectl's `Latest()`).
    fn targets(&self, client: &Client, m: &Matches) -> Result<Vec<Result<Target>>> {
        let scope = Scope::new(client, m.given("namespace"), false);
        let targets = match self {
            Spec::Args(args, selector) => {
                let pick = Pick {
                    selector: selector.as_deref(),
                    field_selector: None,
                    all: selector.is_none(),
                };
                objects::from_args(client, &scope, args, &pick)?
            }
            Spec::Files(files) => {
                let files: Vec<&str> = files.iter().map(String::as_str).collect();
                objects::from_files(client, &scope, objects::read_files(&files)?)
            }
        };
        Ok(targets
            .into_iter()
            .map(|t| t.and_then(|t| latest(client, t)))
            .collect())
    }
}

/// `target` with its object read from the server, unless it was just
/// listed.
fn latest(client: &Client, mut target: Target) -> Result<Target> {
    if target.object.is_none() || !target.source.is_empty() {
        let name = target.require_name()?.to_string();
        target.object = Some(target.api(client).get::<Value>(&name)?);
    }
    Ok(target)
}

/// The workload kinds rollouts know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Workload {
    Deployment,
    DaemonSet,
    StatefulSet,
}

impl Workload {
    /// The workload `resource` is, as kubectl maps it (apps, and the old
    /// extensions group for Deployments and DaemonSets).
    fn of(resource: &ApiResource) -> Option<Workload> {
        match (resource.group.as_str(), resource.kind.as_str()) {
            ("apps" | "extensions", "Deployment") => Some(Workload::Deployment),
            ("apps" | "extensions", "DaemonSet") => Some(Workload::DaemonSet),
            ("apps", "StatefulSet") => Some(Workload::StatefulSet),
            _ => None,
        }
    }
}

/// `Kind.group` (or `Kind` for the core group), as Go prints a GroupKind.
fn group_kind(resource: &ApiResource) -> String {
    if resource.group.is_empty() {
        resource.kind.clone()
    } else {
        format!("{}.{}", resource.kind, resource.group)
    }
}

/// An integer field of an object, 0 when missing (Go's zero value).
fn int(value: &Value) -> i64 {
    value.as_i64().unwrap_or(0)
}

/// `--revision N` (0 when not given), with kubectl's message for a
/// value that is not a number.
fn revision(m: &crate::args::Matches) -> std::result::Result<i64, String> {
    match m.value("revision") {
        None => Ok(0),
        Some(text) => text.parse::<i64>().map_err(|_| {
            format!(
                "invalid argument {text:?} for \"--revision\" flag: strconv.ParseInt: parsing {text:?}: invalid syntax"
            )
        }),
    }
}
