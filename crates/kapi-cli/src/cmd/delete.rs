//! `kapi delete`: delete objects by name, manifest, selector or `--all`,
//! and by default wait until they are gone.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use kapi::watcher::Event;
use kapi::{Client, DeleteParams, Deleted, FieldValidation, ListParams, PropagationPolicy};
use serde_json::Value;

use super::flags;
use crate::args::{switch, value, Flag, Matches, UsageError};
use crate::connect;
use crate::error::{Error, Result};
use crate::objects::{self, Args, Pick, Scope, Target};
use crate::output;

pub(super) const HELP: &str = "\
Delete objects by name, by the manifest that describes them, by label selector, or all of
a type. By default kapi then waits until they are gone (finalizers and grace periods
included), as kubectl does: on a watch, or, without permission to list and watch, by
reading the objects until they are gone.

Usage:
  kapi delete TYPE NAME [NAME...] [options]
  kapi delete TYPE/NAME [TYPE/NAME...] [options]
  kapi delete TYPE[,TYPE...] (-l SELECTOR | --all) [options]
  kapi delete -f FILE|DIR|- [options]

Examples:
  # A cleanup hook removes finished jobs, and their pods with them:
  kapi delete jobs -l app=migrate --cascade=foreground
  # Delete if present, without waiting:
  kapi delete cm settings --ignore-not-found --wait=false
  # Everything a manifest created:
  kapi delete -f app.yaml

Options:
  -f, --filename FILE         Delete the objects a manifest names (repeatable)
  -l, --selector SELECTOR     Delete the objects of TYPE that match, e.g. app=gateway
      --field-selector SEL    Delete the objects of TYPE whose fields match
      --all                   Delete every object of TYPE in the namespace
  -A, --all-namespaces        With -l or --all: in every namespace
      --ignore-not-found      A missing object is not an error (the default with -l and --all)
      --cascade MODE          background|foreground|orphan: what happens to the objects this
                              one owns (default background)
      --grace-period SECONDS  Seconds a pod gets to stop (default: its own; 0 is read as 1
                              unless --force)
      --now                   Same as --grace-period=1
      --force                 With --grace-period=0: remove at once, without waiting for the
                              kubelet to confirm the pod stopped
      --wait                  Wait until the objects are gone (default true; --wait=false)
      --timeout DURATION      Give up waiting after this long, e.g. 30s (default 0: a week)
      --dry-run STRATEGY      none|server: with server, nothing is deleted
  -o, --output name           Print kind/name only

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(super) const FLAGS: &[Flag] = &[
    value("filename", Some('f')),
    value("selector", Some('l')),
    value("field-selector", None),
    switch("all", None),
    switch("all-namespaces", Some('A')),
    switch("ignore-not-found", None),
    value("cascade", None),
    value("grace-period", None),
    switch("now", None),
    switch("force", None),
    switch("wait", None),
    value("timeout", None),
    value("dry-run", None),
    value("output", Some('o')),
];

/// kubectl waits "forever" as a week.
const WAIT_FOREVER: Duration = Duration::from_secs(168 * 3600);
/// The first and the longest pause between the reads that check whether
/// an object is gone, when it cannot be watched.
const POLL_FIRST: Duration = Duration::from_millis(100);
const POLL_MAX: Duration = Duration::from_secs(1);

/// One command line, checked.
struct Options {
    params: DeleteParams,
    force_deleted: bool,
    ignore_not_found: bool,
    dry_run: bool,
    name_only: bool,
    wait: Option<Duration>,
}

pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    let Some(m) = super::parse("delete", args, FLAGS, HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let usage = |msg: String| Error::Usage(UsageError::new("delete", msg));
    let options = options(&m).map_err(usage)?;
    let pick = Pick {
        selector: m.value("selector").filter(|s| !s.is_empty()),
        field_selector: m.value("field-selector").filter(|s| !s.is_empty()),
        all: m.flag("all"),
    };
    let files = flags::filenames(&m);
    let all_namespaces = m.flag("all-namespaces");
    let args = match (files.is_empty(), m.positionals.is_empty()) {
        (true, true) => {
            return Err(usage(
                "You must provide one or more resources by argument or filename.\n\
                 Example resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'"
                    .into(),
            ))
        }
        (false, false) => {
            return Err(usage(
                "when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well".into(),
            ))
        }
        (true, false) => Some(Args::parse("delete", &m.positionals, &pick, all_namespaces)?),
        (false, true) => None,
    };
    // Manifests are read one document at a time, each object deleted
    // before the next is read (delete has no --validate: a repeated key
    // keeps its last value, as in kubectl).
    let manifests = match &args {
        None => Some(objects::ManifestObjects::open(
            &files,
            FieldValidation::Ignore,
        )?),
        Some(_) => None,
    };
    let client = connect::client("delete", &m)?;
    let scope = Scope::new(&client, m.given("namespace"), all_namespaces);
    let targets: Box<dyn Iterator<Item = Result<Target>>> = match (&args, manifests) {
        (Some(args), _) => Box::new(objects::from_args(&client, &scope, args, &pick)?.into_iter()),
        (None, Some(manifests)) => Box::new(manifests.map(|object| {
            object.and_then(|(source, object)| {
                objects::from_manifest(&client, &scope, source, object)
            })
        })),
        (None, None) => Box::new(std::iter::empty()),
    };
    execute(&client, targets, &options)
}

/// Deletes each target as it comes, prints kubectl's lines, then waits
/// for the deleted objects to be gone (`--wait`).
fn execute(
    client: &Client,
    targets: Box<dyn Iterator<Item = Result<Target>> + '_>,
    options: &Options,
) -> Result<ExitCode> {
    if options.params.grace_period_seconds == Some(0) {
        eprintln!(
            "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely."
        );
    }
    let mut out = output::stdout();
    let mut errors = Vec::new();
    let mut found = 0;
    // Objects the server sent back (a grace period, finalizers): they may
    // still be there. A `Success` Status means the object is already gone.
    let mut pending: Vec<(Target, Option<String>)> = Vec::new();
    for target in targets {
        let target = match target {
            Ok(t) => t,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        found += 1;
        let name = match target.require_name() {
            Ok(name) => name.to_string(),
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        match target.api(client).delete::<Value>(&name, &options.params) {
            Ok(answer) => {
                print_deleted(&mut out, options, &target, &name)?;
                out.flush()?;
                if let Deleted::Object(object) = &answer {
                    let uid = object["metadata"]["uid"].as_str().filter(|u| !u.is_empty());
                    pending.push((target, uid.map(str::to_string)));
                }
            }
            Err(e) => {
                let e = objects::unmapped_or(
                    client,
                    &target,
                    objects::with_source(e, "deleting", &target.source),
                );
                // An unmapped kind is an error even with --ignore-not-found.
                match e {
                    Error::Kapi(k) if k.is_not_found() && options.ignore_not_found => {}
                    e => errors.push(e),
                }
            }
        }
    }
    // Only when nothing matched: not when the objects could not be read or
    // mapped (kubectl prints just the error then).
    if found == 0 && errors.is_empty() {
        writeln!(out, "No resources found")?;
    }
    out.finish()?;
    if let Some(timeout) = options.wait.filter(|_| !options.dry_run) {
        let deadline = Instant::now() + timeout;
        // Every request of the wait ends by the deadline, in flight or not.
        let waiting = client.clone().with_deadline(deadline);
        for (target, uid) in &pending {
            if let Err(e) = wait_gone(&waiting, target, uid.as_deref(), deadline) {
                errors.push(e);
                break;
            }
        }
    }
    objects::finish(errors)
}

/// Checks the flags as kubectl's `DeleteOptions.Complete` and `Validate` do.
fn options(m: &Matches) -> std::result::Result<Options, String> {
    let name_only = match m.value("output") {
        None | Some("") => false,
        Some("name") => true,
        Some(other) => {
            return Err(format!(
                "unexpected -o output mode: {other}. We only support '-o name'"
            ))
        }
    };
    let cascade = match m.value("cascade").unwrap_or("background") {
        "background" => PropagationPolicy::Background,
        "foreground" => PropagationPolicy::Foreground,
        "orphan" => PropagationPolicy::Orphan,
        "true" => {
            eprintln!("warning: --cascade=true is deprecated (boolean value) and can be replaced with --cascade=background.");
            PropagationPolicy::Background
        }
        "false" => {
            eprintln!("warning: --cascade=false is deprecated (boolean value) and can be replaced with --cascade=orphan.");
            PropagationPolicy::Orphan
        }
        other => {
            return Err(format!(
                r#"invalid cascade value ({other}). Must be "background", "foreground", or "orphan""#
            ))
        }
    };
    let mut grace: i64 = match m.value("grace-period") {
        None => -1,
        Some(v) => v.parse().map_err(|_| {
            format!("invalid argument {v:?} for \"--grace-period\" flag: not a number")
        })?,
    };
    let force = m.flag("force");
    if m.flag("now") {
        if grace != -1 {
            return Err("--now and --grace-period cannot be specified together".into());
        }
        grace = 1;
    }
    if grace == 0 && !force {
        // kubectl: --grace-period=0 without --force means 1, to avoid
        // losing data by accident.
        grace = 1;
    }
    if force && grace < 0 {
        grace = 0;
    }
    if force && grace > 0 {
        return Err(
            "--force and --grace-period greater than 0 cannot be specified together".into(),
        );
    }
    let dry_run = flags::dry_run("delete", m).map_err(|e| e.message)?;
    let selecting =
        m.flag("all") || m.value("selector").is_some() || m.value("field-selector").is_some();
    let ignore_not_found = if m.given("ignore-not-found") {
        m.flag("ignore-not-found")
    } else {
        selecting
    };
    let wait = if m.given("wait") && !m.flag("wait") {
        None
    } else {
        Some(match m.value("timeout") {
            None => WAIT_FOREVER,
            Some(t) => {
                let (timeout, negative) = kapi::duration::parse(t)?;
                if negative || timeout.is_zero() {
                    WAIT_FOREVER
                } else {
                    timeout
                }
            }
        })
    };
    let mut params = DeleteParams::default().propagation_policy(cascade);
    if grace >= 0 {
        params = params.grace_period(u32::try_from(grace).unwrap_or(u32::MAX));
    }
    params.dry_run = dry_run;
    Ok(Options {
        params,
        force_deleted: grace == 0,
        ignore_not_found,
        dry_run,
        name_only,
        wait,
    })
}

/// kubectl's delete line: `configmap "foo" deleted`, or `configmap/foo`
/// with `-o name`.
fn print_deleted(
    out: &mut dyn Write,
    options: &Options,
    target: &Target,
    name: &str,
) -> Result<()> {
    let kind = target.resource.kind_group();
    let name = crate::output::escape::cell(name);
    if options.name_only {
        writeln!(out, "{kind}/{name}")?;
        return Ok(());
    }
    let operation = if options.force_deleted {
        "force deleted"
    } else {
        "deleted"
    };
    let suffix = if options.dry_run {
        " (server dry run)"
    } else {
        ""
    };
    writeln!(out, "{kind} \"{name}\" {operation}{suffix}")?;
    Ok(())
}

/// Waits until the object is gone, or replaced by one with another UID,
/// until `deadline`, as kubectl does: a list and a watch on
/// `metadata.name=NAME`, so nothing is polled while the watch is healthy.
///
/// Without permission to list and watch, it reads the object instead, with
/// pauses from 100 ms growing to 1 s. Without permission to read either,
/// it stops waiting without an error, as kubectl does.
fn wait_gone(client: &Client, target: &Target, uid: Option<&str>, deadline: Instant) -> Result<()> {
    let api = target.api(client);
    let ours = |object: &Value| {
        uid.is_none()
            || object["metadata"]["uid"]
                .as_str()
                .is_none_or(|u| Some(u) == uid)
    };
    let params = ListParams::default().fields(&format!("metadata.name={}", target.name));
    let mut present = false;
    for event in api.watcher::<Value>(params).until(deadline) {
        match event {
            Ok(Event::Init) => present = false,
            Ok(Event::InitApply(o) | Event::Added(o) | Event::Modified(o)) => {
                present |= ours(&o);
            }
            Ok(Event::InitDone) if !present => return Ok(()),
            Ok(Event::InitDone) => {}
            Ok(Event::Deleted(o)) if ours(&o) => return Ok(()),
            Ok(_) => {}
            Err(e) if not_permitted(&e) => return poll_gone(&api, target, uid, deadline),
            Err(e) if e.is_deadline_exceeded() => break,
            Err(e) => return Err(e.into()),
        }
    }
    Err(timed_out(target))
}

/// [`wait_gone`] by reading the object again and again.
fn poll_gone(api: &kapi::Api, target: &Target, uid: Option<&str>, deadline: Instant) -> Result<()> {
    let mut pause = POLL_FIRST;
    loop {
        match api.get::<Value>(&target.name) {
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) if not_permitted(&e) => return Ok(()),
            Err(e) if e.is_deadline_exceeded() => return Err(timed_out(target)),
            Err(e) => return Err(e.into()),
            Ok(object) => {
                let now_uid = object["metadata"]["uid"].as_str();
                if uid.is_some() && now_uid.is_some() && now_uid != uid {
                    return Ok(());
                }
            }
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(timed_out(target));
        }
        thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(POLL_MAX);
    }
}

/// Forbidden, or the type cannot be listed or watched (`405`).
fn not_permitted(e: &kapi::Error) -> bool {
    e.is_forbidden() || e.status().is_some_and(|s| s.code == 405)
}

/// kubectl's wait timeout, e.g. `timed out waiting for the condition on configmaps/foo`.
fn timed_out(target: &Target) -> Error {
    Error::msg(format!(
        "timed out waiting for the condition on {}/{}",
        target.resource.plural, target.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::parse;

    fn options_of(args: &[&str]) -> std::result::Result<Options, String> {
        let m = parse("delete", args.iter().map(Into::into).collect(), FLAGS).unwrap();
        options(&m)
    }

    #[test]
    fn grace_period_rules_follow_kubectl() {
        assert_eq!(options_of(&[]).unwrap().params.grace_period_seconds, None);
        assert_eq!(
            options_of(&["--grace-period=0"])
                .unwrap()
                .params
                .grace_period_seconds,
            Some(1)
        );
        let forced = options_of(&["--force"]).unwrap();
        assert_eq!(forced.params.grace_period_seconds, Some(0));
        assert!(forced.force_deleted);
        assert_eq!(
            options_of(&["--now"]).unwrap().params.grace_period_seconds,
            Some(1)
        );
        assert!(options_of(&["--now", "--grace-period=5"]).is_err());
        assert!(options_of(&["--force", "--grace-period=5"]).is_err());
    }

    #[test]
    fn cascade_and_output_values() {
        assert_eq!(
            options_of(&[]).unwrap().params.propagation_policy,
            Some(PropagationPolicy::Background)
        );
        assert_eq!(
            options_of(&["--cascade=orphan"])
                .unwrap()
                .params
                .propagation_policy,
            Some(PropagationPolicy::Orphan)
        );
        assert_eq!(
            options_of(&["--cascade=sideways"]).err().unwrap(),
            r#"invalid cascade value (sideways). Must be "background", "foreground", or "orphan""#
        );
        assert_eq!(
            options_of(&["-o", "json"]).err().unwrap(),
            "unexpected -o output mode: json. We only support '-o name'"
        );
    }

    #[test]
    fn selectors_ignore_not_found_unless_told_otherwise() {
        assert!(!options_of(&[]).unwrap().ignore_not_found);
        assert!(options_of(&["-l", "a=b"]).unwrap().ignore_not_found);
        assert!(
            !options_of(&["--all", "--ignore-not-found=false"])
                .unwrap()
                .ignore_not_found
        );
    }

    #[test]
    fn waiting_is_the_default_and_zero_means_a_week() {
        assert_eq!(options_of(&[]).unwrap().wait, Some(WAIT_FOREVER));
        assert_eq!(options_of(&["--wait=false"]).unwrap().wait, None);
        assert_eq!(
            options_of(&["--timeout=30s"]).unwrap().wait,
            Some(Duration::from_secs(30))
        );
    }
}
