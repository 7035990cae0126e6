//! `kapi rollout restart`: kubectl's restart, a strategic merge patch that
//! sets `kubectl.kubernetes.io/restartedAt` in the pod template, which makes
//! the controller roll every pod.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use kapi::{Patch, PatchParams};
use serde_json::{json, Value};

use super::{Spec, Workload};
use crate::args::{value, Flag};
use crate::cmd::flags;
use crate::connect;
use crate::error::{Error, Result};
use crate::objects::{self, Target};
use crate::output::{self, result::ResultPrinter};

pub(in crate::cmd) const HELP: &str = "\
Restart the pods of a Deployment, DaemonSet or StatefulSet: the controller replaces them
as in any rollout (maxSurge, maxUnavailable and partitions hold).

Usage:
  kapi rollout restart (TYPE NAME | TYPE/NAME | TYPE | TYPE -l SELECTOR | -f FILE) [options]

As kubectl, the pod template gets the annotation kubectl.kubernetes.io/restartedAt (now, in
RFC 3339, UTC) through a strategic merge patch. A paused Deployment is refused. A type
alone restarts every object of that type in the namespace.

Examples:
  kapi rollout restart deployment/web
  kapi rollout restart deployment -l app=web
  # ... and wait for it:
  kapi rollout restart deployment/web && kapi rollout status deployment/web --timeout=5m

Options:
  -l, --selector SELECTOR   Every object of TYPE that matches
  -f, --filename FILE       The objects a manifest names
  -o, --output FORMAT       name|json|yaml (default: 'deployment.apps/web restarted')
      --field-manager NAME  Owner of the field written (default kapi-rollout)

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(in crate::cmd) const FLAGS: &[Flag] = &[
    value("selector", Some('l')),
    value("filename", Some('f')),
    value("output", Some('o')),
    value("field-manager", None),
];

/// The annotation kubectl's restart sets.
pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    let command = "rollout restart";
    let Some(m) = crate::cmd::parse(command, args, FLAGS, HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let format = flags::output(command, &m)?;
    let spec = Spec::parse(command, &m)?;
    let params = PatchParams::default().field_manager(flags::field_manager(&m, "kapi-rollout"));
    let client = connect::client(command, &m)?;
    let targets = spec.targets(&client, &m)?;
    if targets.is_empty() {
        eprintln!("No resources found in {} namespace.", client.namespace());
        return Ok(ExitCode::SUCCESS);
    }
    let mut printer = ResultPrinter::new(format, false);
    let mut out = output::stdout();
    let mut errors = Vec::new();
    for target in targets {
        match target.and_then(|t| restart(&client, &t, &params).map(|o| (t, o))) {
            Ok((target, object)) => {
                printer.print(&mut out, &target.resource, &object, "restarted")?;
                out.flush()?;
            }
            Err(e) => errors.push(e),
        }
    }
    out.finish()?;
    objects::finish(errors)
}

/// Patches one object; the object as patched.
fn restart(client: &kapi::Client, target: &Target, params: &PatchParams) -> Result<Value> {
    let name = target.require_name()?;
    let object = target.object.as_ref().cloned().unwrap_or_default();
    let refuse = |why: &str| {
        Error::msg(format!(
            "{} {name:?} {why}",
            target.resource.group_resource()
        ))
    };
    match Workload::of(&target.resource) {
        None => return Err(refuse("restarting is not supported")),
        Some(Workload::Deployment) if object["spec"]["paused"] == true => {
            return Err(refuse(
                "can't restart paused deployment (run rollout resume first)",
            ))
        }
        Some(_) => {}
    }
    let now = now_rfc3339();
    // kubectl sends the two-way diff of the object before and after; the
    // annotation already at this second is no change at all.
    if object["spec"]["template"]["metadata"]["annotations"][RESTARTED_AT] == now.as_str() {
        return Err(Error::msg(format!(
            "failed to create patch for {name}: if restart has already been triggered within the past second, please wait before attempting to trigger another"
        )));
    }
    let patch = json!({"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: now}}}}});
    target
        .api(client)
        .patch(name, params, &Patch::Strategic(patch))
        .map_err(|e| {
            let message = match e.status() {
                Some(status) => status.message.clone(),
                None => e.to_string(),
            };
            Error::msg(format!("failed to patch: {message}"))
        })
}

/// Now, as RFC 3339 in UTC to the second (kubectl writes its local time).
fn now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    kapi::gofmt::format_unix(i64::try_from(secs).unwrap_or_default())
}
