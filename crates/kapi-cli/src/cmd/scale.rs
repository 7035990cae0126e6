//! `kapi scale`: a new replica count through the `scale` subresource, with
//! kubectl's `--current-replicas` and `--resource-version` preconditions.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use kapi::watcher::Event;
use kapi::{Client, ListParams, Patch, PatchParams, PostParams};
use serde_json::{json, Value};

use super::flags;
use crate::args::{switch, value, Flag, Matches, UsageError};
use crate::connect;
use crate::error::{Error, Result};
use crate::objects::{self, Args, Pick, Scope, Target};
use crate::output::{self, result::ResultPrinter};

pub(in crate::cmd) const HELP: &str = "\
Set a new size for a Deployment, ReplicaSet, StatefulSet, ReplicationController or any
resource with a scale subresource.

Usage:
  kapi scale --replicas=COUNT (TYPE NAME... | TYPE/NAME... | TYPE -l SELECTOR | TYPE --all
             | -f FILE) [options]

The count goes through the scale subresource: a merge patch of spec.replicas, or, with a
precondition, a read of the Scale, the check, and a replace that the server refuses if the
object changed in between (kapi then reads and checks again, for up to 5 minutes, as
kubectl).

Examples:
  kapi scale --replicas=3 deployment/web
  # Only if it still has 2 (exits 1 with 'Expected replicas to be 2, was 3' otherwise):
  kapi scale --current-replicas=2 --replicas=3 deployment/web
  # And wait until the controller has them:
  kapi scale --replicas=0 statefulset/db --timeout=2m

Options:
      --replicas COUNT         The new number of replicas (required)
      --current-replicas N     Precondition: the current count must be N (default -1: none)
      --resource-version RV    Precondition: the object must be at this resourceVersion
                               (one object only)
      --timeout DURATION       Wait until status.replicas is COUNT (default 0: do not wait)
  -l, --selector SELECTOR      Every object of TYPE that matches
      --all                    Every object of TYPE in the namespace
  -f, --filename FILE          The objects a manifest names
  -o, --output FORMAT          name|json|yaml (default: 'deployment.apps/web scaled')
      --dry-run STRATEGY       none|server|client: server sends the change with
                               dryRun=All; client sends nothing

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(in crate::cmd) const FLAGS: &[Flag] = &[
    value("replicas", None),
    value("current-replicas", None),
    value("resource-version", None),
    value("timeout", None),
    value("selector", Some('l')),
    switch("all", None),
    value("filename", Some('f')),
    value("output", Some('o')),
    value("dry-run", None),
];

/// How long a precondition scale retries on conflicts, and how often
/// (kubectl's retry parameters).
const RETRY_FOR: Duration = Duration::from_secs(300);
const RETRY_EVERY: Duration = Duration::from_secs(1);

/// `--dry-run`, with kubectl's three strategies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DryRun {
    None,
    /// Nothing is sent: the object is changed locally and printed.
    Client,
    /// The change is sent with `dryRun=All`.
    Server,
}

impl DryRun {
    /// `--dry-run=none|client|server` (kubectl's message otherwise).
    pub fn parse(command: &str, m: &Matches) -> std::result::Result<DryRun, UsageError> {
        match m.value("dry-run") {
            None | Some("none") => Ok(DryRun::None),
            Some("client") => Ok(DryRun::Client),
            Some("server") => Ok(DryRun::Server),
            Some(other) => Err(UsageError::new(
                command,
                format!(
                    r#"Invalid dry-run value ({other}). Must be "none", "server", or "client"."#
                ),
            )),
        }
    }

    /// The printer for `format` with kubectl's suffix, and the word after
    /// the name (`scaled`, `scaled (dry run)`).
    pub fn printer(
        self,
        format: output::result::ResultFormat,
        done: &str,
    ) -> (ResultPrinter, String) {
        match self {
            DryRun::None => (ResultPrinter::new(format, false), done.to_string()),
            DryRun::Server => (ResultPrinter::new(format, true), done.to_string()),
            DryRun::Client => (
                ResultPrinter::new(format, false),
                format!("{done} (dry run)"),
            ),
        }
    }
}

/// kubectl's message for a bad integer flag.
fn int_flag(command: &str, m: &Matches, flag: &str) -> Result<Option<i64>> {
    let Some(text) = m.value(flag) else {
        return Ok(None);
    };
    text.parse::<i64>().map(Some).map_err(|_| {
        UsageError::new(
            command,
            format!("invalid argument {text:?} for \"--{flag}\" flag: strconv.ParseInt: parsing {text:?}: invalid syntax"),
        )
        .into()
    })
}

pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    let Some(m) = super::parse("scale", args, FLAGS, HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let usage = |msg: &str| Error::Usage(UsageError::new("scale", msg));
    let Some(replicas) = int_flag("scale", &m, "replicas")? else {
        return Err(usage("required flag(s) \"replicas\" not set"));
    };
    let current = int_flag("scale", &m, "current-replicas")?.unwrap_or(-1);
    let format = flags::output("scale", &m)?;
    let dry_run = DryRun::parse("scale", &m)?;
    if replicas < 0 {
        return Err(usage(
            "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0",
        ));
    }
    if current < -1 {
        return Err(usage(
            "The --current-replicas must specify an integer of -1 or greater",
        ));
    }
    let timeout = match m.value("timeout") {
        None => None,
        Some(text) => {
            let (d, negative) = kapi::duration::parse(text).map_err(|e| usage(&e))?;
            (!negative && !d.is_zero()).then_some(d)
        }
    };
    let resource_version = m.value("resource-version").filter(|v| !v.is_empty());
    let files = flags::filenames(&m);
    let pick = Pick {
        selector: m.value("selector").filter(|s| !s.is_empty()),
        field_selector: None,
        all: m.flag("all"),
    };
    let args = if files.is_empty() {
        Some(Args::parse("scale", &m.positionals, &pick, false)?)
    } else if !m.positionals.is_empty() {
        return Err(usage(
            "when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well",
        ));
    } else {
        None
    };
    let docs = match &args {
        None => Some(objects::read_files(&files)?),
        Some(_) => None,
    };
    let client = connect::client("scale", &m)?;
    let scope = Scope::new(&client, m.given("namespace"), false);
    let targets = match (&args, docs) {
        (Some(args), _) => objects::from_args(&client, &scope, args, &pick)?,
        (None, Some(docs)) => objects::from_files(&client, &scope, docs),
        (None, None) => Vec::new(),
    };
    // As kubectl's builder: every object is read (named ones fetched)
    // before any is scaled.
    let mut infos = Vec::new();
    let mut errors = Vec::new();
    for target in targets {
        match target.and_then(|t| fetched(&client, t)) {
            Ok(t) => infos.push(t),
            Err(e) => errors.push(e),
        }
    }
    if resource_version.is_some() && infos.len() > 1 {
        return Err(Error::msg(
            "cannot use --resource-version with multiple resources",
        ));
    }
    if infos.is_empty() {
        return Err(match errors.as_slice() {
            [] => Error::msg("no objects passed to scale"),
            _ => Error::msg(format!("no objects passed to scale {}", aggregate(&errors))),
        });
    }
    let precondition = (current != -1 || resource_version.is_some()).then_some(Precondition {
        replicas: current,
        resource_version,
    });
    let (mut printer, done) = dry_run.printer(format, "scaled");
    let mut out = output::stdout();
    for target in infos {
        let mut object = target.object.clone().unwrap_or_default();
        let actual = if dry_run == DryRun::Client {
            replicas
        } else {
            let actual = scale(
                &client,
                &target,
                replicas,
                precondition.as_ref(),
                dry_run == DryRun::Server,
            )?;
            if let (Some(timeout), DryRun::None) = (timeout, dry_run) {
                wait_synced(&client, &target, replicas, timeout)?;
            }
            actual
        };
        // The object as scaled (kubectl 1.33 prints it as read; newer ones
        // with the new count, as here), for the built-in types whose count
        // is spec.replicas.
        if matches!(target.resource.group.as_str(), "" | "apps") && object["spec"].is_object() {
            object["spec"]["replicas"] = Value::from(actual);
        }
        printer.print(&mut out, &target.resource, &object, &done)?;
        out.flush()?;
    }
    out.finish()?;
    objects::finish(errors)
}

/// `target` with its object: a manifest's or a listed one as it is, a
/// named one read.
fn fetched(client: &Client, mut target: Target) -> Result<Target> {
    if target.object.is_none() {
        let name = target.require_name()?.to_string();
        target.object = Some(target.api(client).get::<Value>(&name)?);
    }
    Ok(target)
}

/// Go's aggregate error text: the one message, or `[a, b]`.
fn aggregate(errors: &[Error]) -> String {
    let messages: Vec<String> = errors
        .iter()
        .map(|e| match e {
            Error::Kapi(k) => match k.status() {
                Some(status) => status.message.clone(),
                None => k.to_string(),
            },
            other => other.to_string().trim_start_matches("error: ").to_string(),
        })
        .collect();
    match messages.as_slice() {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    }
}

/// `--current-replicas` (-1: none) and `--resource-version`.
struct Precondition<'a> {
    replicas: i64,
    resource_version: Option<&'a str>,
}

impl Precondition<'_> {
    /// kubectl's `PreconditionError`s.
    fn check(&self, scale: &Value) -> Result<()> {
        let replicas = scale["spec"]["replicas"].as_i64().unwrap_or(0);
        if self.replicas != -1 && replicas != self.replicas {
            return Err(Error::msg(format!(
                "Expected replicas to be {}, was {replicas}",
                self.replicas
            )));
        }
        let rv = scale["metadata"]["resourceVersion"]
            .as_str()
            .unwrap_or_default();
        if let Some(wanted) = self.resource_version.filter(|w| *w != rv) {
            return Err(Error::msg(format!(
                "Expected resource version to be {wanted}, was {rv}"
            )));
        }
        Ok(())
    }
}

/// Scales one object; the count the server answered with.
fn scale(
    client: &Client,
    target: &Target,
    replicas: i64,
    precondition: Option<&Precondition<'_>>,
    dry_run: bool,
) -> Result<i64> {
    let name = target.require_name()?;
    let api = target.api(client);
    let Some(precondition) = precondition else {
        let mut params = PatchParams::default();
        params.dry_run = dry_run;
        let patch = Patch::Merge(json!({"spec": {"replicas": replicas}}));
        let scaled: Value = api.patch_subresource("scale", name, &params, &patch)?;
        return Ok(scaled["spec"]["replicas"].as_i64().unwrap_or(replicas));
    };
    let mut params = PostParams::default();
    params.dry_run = dry_run;
    let give_up = Instant::now() + RETRY_FOR;
    loop {
        let path = format!("{}/scale", api.object_path(name)?);
        let mut scale: Value = client.get(&path).json()?;
        precondition.check(&scale)?;
        scale["spec"]["replicas"] = Value::from(replicas);
        match api.replace_subresource::<Value>("scale", name, &params, &scale) {
            Ok(scaled) => return Ok(scaled["spec"]["replicas"].as_i64().unwrap_or(replicas)),
            // Changed since it was read: read and check again.
            Err(e) if e.is_conflict() && Instant::now() + RETRY_EVERY < give_up => {
                std::thread::sleep(RETRY_EVERY);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// `--timeout`: watches the object until its status has `replicas` (or
/// someone else set another count), as kubectl's wait after a scale.
fn wait_synced(client: &Client, target: &Target, replicas: i64, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    let client = client.clone().with_deadline(deadline);
    let mut params = ListParams::default();
    params.field_selector = Some(format!("metadata.name={}", target.name));
    let timed_out = || {
        Error::msg(format!(
            "timed out waiting for {:?} to be synced",
            target.name
        ))
    };
    for event in target.api(&client).watcher::<Value>(params).until(deadline) {
        let object = match event {
            Ok(Event::InitApply(o) | Event::Added(o) | Event::Modified(o)) => o,
            Ok(_) => continue,
            Err(e) if e.is_deadline_exceeded() => return Err(timed_out()),
            Err(e) => return Err(e.into()),
        };
        let wanted = object["spec"]["replicas"].as_i64().unwrap_or(0);
        let actual = object["status"]["replicas"].as_i64().unwrap_or(0);
        if wanted != replicas || actual == replicas {
            return Ok(());
        }
    }
    Err(timed_out())
}
