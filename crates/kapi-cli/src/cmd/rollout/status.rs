//! `kapi rollout status`: watches a Deployment, DaemonSet or StatefulSet
//! (a list-then-watch with a name field selector, never a poll) and prints
//! kubectl's progress lines until the rollout is done.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use kapi::watcher::Event;
use kapi::{Client, ListParams};
use serde_json::Value;

use super::{group_kind, int, Spec, Workload};
use crate::args::{switch, value, Flag, UsageError};
use crate::connect;
use crate::error::{exit, Error, Result};
use crate::objects::Target;
use crate::output::{self, escape};

pub(in crate::cmd) const HELP: &str = "\
Watch the rollout of a Deployment, DaemonSet or StatefulSet until it is done, printing
kubectl's progress lines.

Usage:
  kapi rollout status (TYPE NAME | TYPE/NAME | TYPE -l SELECTOR | -f FILE) [options]

A Deployment is done when the controller has seen its latest spec and every replica is
updated and available; a DaemonSet when every scheduled pod is updated and available; a
StatefulSet when its pods are ready and updated to the latest revision (or up to the
partition). A Deployment whose Progressing condition says ProgressDeadlineExceeded ends
the wait at once. If a new rollout starts meanwhile, the latest one is watched; pin one
with --revision.

Examples:
  # In a pipeline, after kapi apply or kapi set image:
  kapi rollout status deployment/web --timeout=120s
  # Print where it is now, without waiting:
  kapi rollout status daemonset/gateway --watch=false

Options:
  -w, --watch              Watch until done (default true; --watch=false prints the status
                           once and exits 0 whatever it is)
      --revision N         Deployments: fail (exit 4) unless the rollout is at revision N
      --timeout DURATION   Give up after this long (default 0: never), per object
  -l, --selector SELECTOR  Every object of TYPE that matches, one after the other
  -f, --filename FILE      The objects a manifest names

Output: the progress lines on stdout, as kubectl prints them, one per change seen:
  Waiting for deployment \"web\" rollout to finish: 1 of 3 updated replicas are available...
  deployment \"web\" successfully rolled out

Exit codes (as 'kapi wait'; kubectl exits 1 for all failures):
  0  rolled out (or --watch=false)
  1  an error (not found, not a rollout type, the object was deleted)
  2  a usage error
  3  timed out: 'error: timed out waiting for the condition'
  4  cannot succeed: 'error: deployment \"web\" exceeded its progress deadline', or the
     rollout is not at --revision
  5  the credentials were refused (401) or RBAC forbids get, list or watch (403)
  6  the API server could not be reached

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(in crate::cmd) const FLAGS: &[Flag] = &[
    switch("watch", Some('w')),
    value("revision", None),
    value("timeout", None),
    value("selector", Some('l')),
    value("filename", Some('f')),
];

/// kubectl's message when `--timeout` passes.
const TIMED_OUT: &str = "timed out waiting for the condition";

/// Why watching one object stopped short of success.
enum Failure {
    /// An error, with [`Error::wait_code`]'s exit code.
    Error(Error),
    /// A message and its exit code (timed out, cannot succeed).
    Stop(String, u8),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Error(e)
    }
}

impl From<kapi::Error> for Failure {
    fn from(e: kapi::Error) -> Failure {
        Failure::Error(e.into())
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::Error(e.into())
    }
}

/// Runs `kapi rollout status`; its errors exit with [`Error::wait_code`]'s codes.
pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    run_waiting(args).map_err(|e| Error::Waiting(Box::new(e)))
}

fn run_waiting(args: Vec<OsString>) -> Result<ExitCode> {
    let command = "rollout status";
    let Some(m) = crate::cmd::parse(command, args, FLAGS, HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let usage = |msg: String| Error::Usage(UsageError::new(command, msg));
    let revision = super::revision(&m).map_err(usage)?;
    let timeout = match m.value("timeout") {
        None => None,
        Some(text) => {
            let (d, negative) = kapi::duration::parse(text).map_err(usage)?;
            // 0 (kubectl's default) and negative values mean no limit.
            (!negative && !d.is_zero()).then_some(d)
        }
    };
    let spec = Spec::parse(command, &m)?;
    if revision < 0 {
        return Err(usage(format!(
            "revision must be a positive integer: {revision}"
        )));
    }
    let options = Options {
        watch: !m.given("watch") || m.flag("watch"),
        revision,
        timeout,
    };
    let client = connect::client(command, &m)?;
    let targets = spec.targets(&client, &m)?;
    let found = !targets.is_empty();
    let mut out = output::stdout();
    let mut failures = Vec::new();
    for target in targets {
        let result = match target {
            Ok(target) => watch_one(&client, &target, &options, &mut out),
            Err(e) => Err(e.into()),
        };
        if let Err(failure) = result {
            failures.push(failure);
        }
    }
    out.finish()?;
    if !found {
        eprintln!("No resources found in {} namespace.", client.namespace());
    }
    // kubectl goes on with the next object after a failure and reports
    // them all at the end; the first one gives the exit code.
    let mut code = exit::OK;
    for failure in failures {
        let this = match failure {
            Failure::Error(e) => {
                let c = e.wait_code();
                let _ = e.report();
                c
            }
            Failure::Stop(message, c) => {
                eprintln!("error: {}", escape::text(&message));
                c
            }
        };
        if code == exit::OK {
            code = this;
        }
    }
    Ok(ExitCode::from(code))
}

struct Options {
    watch: bool,
    revision: i64,
    timeout: Option<Duration>,
}

/// Watches one object until its rollout is done (or, without `--watch`,
/// prints its status once).
fn watch_one(
    client: &Client,
    target: &Target,
    options: &Options,
    out: &mut dyn Write,
) -> std::result::Result<(), Failure> {
    let Some(workload) = Workload::of(&target.resource) else {
        return Err(Error::msg(format!(
            "no status viewer has been implemented for {}",
            group_kind(&target.resource)
        ))
        .into());
    };
    // One deadline for the watch of this object, as kubectl's per-object
    // timeout: requests in flight are cut off when it comes.
    let deadline = options.timeout.map(|t| Instant::now() + t);
    let client = match deadline {
        Some(d) => client.clone().with_deadline(d),
        None => client.clone(),
    };
    let mut params = ListParams::default();
    params.field_selector = Some(format!("metadata.name={}", target.name));
    let mut watcher = target.api(&client).watcher::<Value>(params);
    if let Some(d) = deadline {
        watcher = watcher.until(d);
    }
    let timed_out = || Failure::Stop(TIMED_OUT.into(), exit::TIMED_OUT);
    // Whether the object was seen at all, and in the (re)list under way.
    let mut seen = false;
    let mut listed = false;
    for event in watcher {
        let event = match event {
            Ok(event) => event,
            Err(e) if e.is_deadline_exceeded() => return Err(timed_out()),
            Err(e) => return Err(e.into()),
        };
        let object = match event {
            Event::Init => {
                listed = false;
                continue;
            }
            Event::InitApply(object) => {
                listed = true;
                object
            }
            Event::InitDone => {
                if seen && !listed {
                    // Gone while the watch was down: kubectl's informer
                    // reports it as a deletion.
                    return Err(deleted());
                }
                continue;
            }
            Event::Added(object) | Event::Modified(object) => object,
            Event::Deleted(_) => return Err(deleted()),
            _ => continue,
        };
        seen = true;
        let (line, done) = status(workload, &object, options.revision)?;
        out.write_all(escape::text(&line).as_bytes())?;
        out.flush()?;
        if done || !options.watch {
            return Ok(());
        }
    }
    Err(timed_out())
}

/// kubectl aborts rather than watch a new object of the same name.
fn deleted() -> Failure {
    Error::msg("object has been deleted").into()
}

/// The status line of `object` and whether its rollout is done, as
/// kubectl's status viewers decide (`polymorphichelpers/rollout_status.go`).
fn status(
    workload: Workload,
    object: &Value,
    revision: i64,
) -> std::result::Result<(String, bool), Failure> {
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let generation = int(&object["metadata"]["generation"]);
    let spec = &object["spec"];
    let st = &object["status"];
    let observed = int(&st["observedGeneration"]);
    let waiting = |text: String| Ok((text, false));
    let done = |text: String| Ok((text, true));
    match workload {
        Workload::Deployment => {
            if revision > 0 {
                let current = deployment_revision(object, name)?;
                if current != revision {
                    return Err(Failure::Stop(
                        format!("desired revision ({revision}) is different from the running revision ({current})"),
                        exit::FAIL_ON,
                    ));
                }
            }
            if generation > observed {
                return waiting("Waiting for deployment spec update to be observed...\n".into());
            }
            let progressing = st["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["type"] == "Progressing");
            if progressing.is_some_and(|c| c["reason"] == "ProgressDeadlineExceeded") {
                return Err(Failure::Stop(
                    format!("deployment {name:?} exceeded its progress deadline"),
                    exit::FAIL_ON,
                ));
            }
            let updated = int(&st["updatedReplicas"]);
            let replicas = int(&st["replicas"]);
            let available = int(&st["availableReplicas"]);
            let prefix = format!("Waiting for deployment {name:?} rollout to finish: ");
            if let Some(wanted) = spec["replicas"].as_i64() {
                if updated < wanted {
                    return waiting(format!(
                        "{prefix}{updated} out of {wanted} new replicas have been updated...\n"
                    ));
                }
            }
            if replicas > updated {
                return waiting(format!(
                    "{prefix}{} old replicas are pending termination...\n",
                    replicas - updated
                ));
            }
            if available < updated {
                return waiting(format!(
                    "{prefix}{available} of {updated} updated replicas are available...\n"
                ));
            }
            done(format!("deployment {name:?} successfully rolled out\n"))
        }
        Workload::DaemonSet => {
            rolling_update_only(spec)?;
            if generation > observed {
                return waiting("Waiting for daemon set spec update to be observed...\n".into());
            }
            let desired = int(&st["desiredNumberScheduled"]);
            let updated = int(&st["updatedNumberScheduled"]);
            let available = int(&st["numberAvailable"]);
            let prefix = format!("Waiting for daemon set {name:?} rollout to finish: ");
            if updated < desired {
                return waiting(format!(
                    "{prefix}{updated} out of {desired} new pods have been updated...\n"
                ));
            }
            if available < desired {
                return waiting(format!(
                    "{prefix}{available} of {desired} updated pods are available...\n"
                ));
            }
            done(format!("daemon set {name:?} successfully rolled out\n"))
        }
        Workload::StatefulSet => {
            rolling_update_only(spec)?;
            if observed == 0 || generation > observed {
                return waiting("Waiting for statefulset spec update to be observed...\n".into());
            }
            let wanted = spec["replicas"].as_i64();
            let ready = int(&st["readyReplicas"]);
            let updated = int(&st["updatedReplicas"]);
            if let Some(wanted) = wanted {
                if ready < wanted {
                    return waiting(format!(
                        "Waiting for {} pods to be ready...\n",
                        wanted - ready
                    ));
                }
            }
            let rolling = &spec["updateStrategy"]["rollingUpdate"];
            if !rolling.is_null() {
                if let (Some(wanted), Some(partition)) = (wanted, rolling["partition"].as_i64()) {
                    if updated < wanted - partition {
                        return waiting(format!(
                            "Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...\n",
                            wanted - partition
                        ));
                    }
                }
                return done(format!(
                    "partitioned roll out complete: {updated} new pods have been updated...\n"
                ));
            }
            let update_revision = st["updateRevision"].as_str().unwrap_or_default();
            let current_revision = st["currentRevision"].as_str().unwrap_or_default();
            if update_revision != current_revision {
                return waiting(format!(
                    "waiting for statefulset rolling update to complete {updated} pods at revision {update_revision}...\n"
                ));
            }
            done(format!(
                "statefulset rolling update complete {} pods at revision {current_revision}...\n",
                int(&st["currentReplicas"])
            ))
        }
    }
}

/// kubectl's check: other update strategies (`OnDelete`) have no rollout
/// to watch.
fn rolling_update_only(spec: &Value) -> std::result::Result<(), Failure> {
    if spec["updateStrategy"]["type"] != "RollingUpdate" {
        return Err(
            Error::msg("rollout status is only available for RollingUpdate strategy type").into(),
        );
    }
    Ok(())
}

/// The `deployment.kubernetes.io/revision` annotation (0 when absent).
fn deployment_revision(object: &Value, name: &str) -> std::result::Result<i64, Failure> {
    match object["metadata"]["annotations"]["deployment.kubernetes.io/revision"].as_str() {
        None => Ok(0),
        Some(text) => text.parse().map_err(|_| {
            Error::msg(format!(
                "cannot get the revision of deployment {name:?}: strconv.ParseInt: parsing {text:?}: invalid syntax"
            ))
            .into()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn line(workload: Workload, object: Value) -> (String, bool) {
        match status(workload, &object, 0) {
            Ok(r) => r,
            Err(Failure::Stop(m, _)) => (format!("stop: {m}"), true),
            Err(Failure::Error(e)) => (format!("{e}"), true),
        }
    }

    fn deploy(status: Value) -> Value {
        json!({"metadata": {"name": "web", "generation": 2}, "spec": {"replicas": 3}, "status": status})
    }

    #[test]
    fn deployment_lines_in_kubectl_order() {
        let d = Workload::Deployment;
        assert_eq!(
            line(d, deploy(json!({"observedGeneration": 1}))).0,
            "Waiting for deployment spec update to be observed...\n"
        );
        assert_eq!(
            line(d, deploy(json!({"observedGeneration": 2, "updatedReplicas": 1, "replicas": 3}))).0,
            "Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...\n"
        );
        assert_eq!(
            line(d, deploy(json!({"observedGeneration": 2, "updatedReplicas": 3, "replicas": 4}))).0,
            "Waiting for deployment \"web\" rollout to finish: 1 old replicas are pending termination...\n"
        );
        assert_eq!(
            line(d, deploy(json!({"observedGeneration": 2, "updatedReplicas": 3, "replicas": 3, "availableReplicas": 1}))).0,
            "Waiting for deployment \"web\" rollout to finish: 1 of 3 updated replicas are available...\n"
        );
        assert_eq!(
            line(
                d,
                deploy(
                    json!({"observedGeneration": 2, "updatedReplicas": 3, "replicas": 3, "availableReplicas": 3})
                )
            ),
            (
                "deployment \"web\" successfully rolled out\n".to_string(),
                true
            )
        );
    }

    #[test]
    fn a_progress_deadline_cannot_succeed() {
        let object = deploy(json!({"observedGeneration": 2, "conditions": [
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}));
        match status(Workload::Deployment, &object, 0) {
            Err(Failure::Stop(m, code)) => {
                assert_eq!(m, "deployment \"web\" exceeded its progress deadline");
                assert_eq!(code, exit::FAIL_ON);
            }
            _ => panic!("not a stop"),
        }
    }

    #[test]
    fn statefulsets_with_a_partition_and_without() {
        let sts = |strategy: Value, st: Value| json!({"metadata": {"name": "db", "generation": 1}, "spec": {"replicas": 3, "updateStrategy": strategy}, "status": st});
        let s = Workload::StatefulSet;
        assert_eq!(
            line(
                s,
                sts(
                    json!({"type": "RollingUpdate"}),
                    json!({"observedGeneration": 1, "readyReplicas": 1})
                )
            )
            .0,
            "Waiting for 2 pods to be ready...\n"
        );
        assert_eq!(
            line(s, sts(json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 1}}),
                json!({"observedGeneration": 1, "readyReplicas": 3, "updatedReplicas": 1}))).0,
            "Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...\n"
        );
        assert_eq!(
            line(s, sts(json!({"type": "RollingUpdate"}),
                json!({"observedGeneration": 1, "readyReplicas": 3, "updatedReplicas": 1, "updateRevision": "db-2", "currentRevision": "db-1"}))).0,
            "waiting for statefulset rolling update to complete 1 pods at revision db-2...\n"
        );
        assert_eq!(
            line(s, sts(json!({"type": "OnDelete"}), json!({}))).0,
            "error: rollout status is only available for RollingUpdate strategy type"
        );
    }
}
