//! `kapi wait-for`: the argument forms of groundnuty/k8s-wait-for's
//! `wait_for.sh` (`pod NAME`, `pod -lSELECTOR`, `job NAME`, `job-we`,
//! `service NAME`, ...), each run as the `kapi wait` that means the same,
//! so that an initContainer that used that image switches by changing its
//! image and command. What each form runs is printed first, on stderr.
//!
//! On purpose, it watches instead of polling `kubectl` every `WAIT_TIME`
//! seconds, waits for a Job that does not exist yet instead of exiting 1,
//! and detects a failed Job or Pod (exit 4) instead of waiting it out.

use std::ffi::OsString;
use std::process::ExitCode;

use crate::args::UsageError;
use crate::error::{Error, Result};

pub(super) const HELP: &str = "\
Wait as groundnuty/k8s-wait-for's wait_for.sh does, with kapi wait: same arguments, same
environment variables, a watch instead of a 2-second poll.

Usage:
  kapi wait-for TYPE NAME [kapi wait options...]
  kapi wait-for TYPE -lSELECTOR [kapi wait options...]

TYPE, and the kapi wait it runs (printed on stderr first):
  pod       every pod Ready (or Succeeded); a pod that Failed ends the wait (exit 4)
            pods NAME --for=condition=Ready --for=jsonpath={.status.phase}=Succeeded
            --for-any --fail-on=jsonpath={.status.phase}=Failed --fail-fast=false
  pod-we    every pod Ready, Succeeded, or with a container that ended in Error
            (errors count as ready): --for=reason=Error instead of --fail-on
  pod-wr    as pod-we (what wait_for.sh does: its 'at least one Ready' test matches any
            pod that has a Ready condition at all)
  job       every Job Complete; a Job that Failed ends the wait (exit 4)
            jobs NAME --for=condition=Complete
  job-we    every Job Complete or Failed (a failure counts as done)
            jobs NAME --for=condition=Complete --for=condition=Failed --for-any
  job-wr    as job: a Job whose failed pods were retried until one succeeded is Complete
  service   every Service has a ready endpoint in its EndpointSlices (covers Services
            without a selector too): services NAME --for=endpoints

Environment (wait_for.sh's):
  TREAT_ERRORS_AS_READY  0, 1 or 2: pod and job as pod/job, pod-we/job-we, pod-wr/job-wr
                         (the -we and -wr forms set it; services ignore it)
  DEBUG                  2 or more: log each request (kapi wait -v=6); progress lines are
                         always printed
  WAIT_TIME              ignored: kapi watches instead of polling

The wait has no time limit by default (--timeout=168h, as wait_for.sh waits forever); any
kapi wait option after NAME or the selector is passed on (-n NS, --timeout=5m, --context).

Exit codes are kapi wait's: 0 ready, 1 error, 2 usage, 3 timed out, 4 failed (a Job or
Pod that can no longer become ready), 5 not allowed (RBAC; the rule needed is printed),
6 the API server cannot be reached. wait_for.sh exits 1 for all of these.

Examples:
  kapi wait-for job develop-onezone-ready-check
  kapi wait-for pod -lapp=develop-volume-ceph-krakow
  kapi wait-for service postgres -n db
";

/// The forms, as wait_for.sh's `main` reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pod,
    Job,
    Service,
}

/// Runs `kapi wait-for`.
pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    let text: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // Global options written before `wait-for` (`kapi -n db wait-for ...`)
    // come first: they go to the end, with the other options.
    let (leading, form) = split_leading_options(&text);
    if leading.iter().any(|a| a == "-h" || a == "--help")
        || form.first().is_some_and(|a| a == "-h" || a == "--help")
    {
        print!("{HELP}");
        return Ok(ExitCode::SUCCESS);
    }
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut wait_args = translate(form, env("TREAT_ERRORS_AS_READY"), env("DEBUG"))
        .map_err(|m| Error::Usage(UsageError::new("wait-for", m)))?;
    wait_args.extend(leading.iter().cloned());
    eprintln!(
        "kapi wait-for {}: kapi wait {}",
        shell_words(&form[..form.len().min(2)]),
        shell_words(&wait_args)
    );
    super::wait::run(wait_args.into_iter().map(OsString::from).collect())
}

/// The options before the form (`-n db`, `--context=x`), and the rest.
fn split_leading_options(args: &[String]) -> (&[String], &[String]) {
    let mut i = 0;
    while let Some(arg) = args.get(i).filter(|a| a.starts_with('-') && a.len() > 1) {
        let name = arg.trim_start_matches('-');
        let takes_value = !name.contains('=')
            && crate::args::GLOBAL_FLAGS.iter().any(|f| {
                f.kind == crate::args::Kind::Value
                    && (f.long == name || (name.len() == 1 && f.short == name.chars().next()))
            });
        i += if takes_value { 2 } else { 1 };
    }
    let i = i.min(args.len());
    (&args[..i], &args[i..])
}

/// The `kapi wait` arguments for a wait_for.sh command line.
fn translate(
    args: &[String],
    treat_errors: Option<String>,
    debug: Option<String>,
) -> std::result::Result<Vec<String>, String> {
    let (Some(form), Some(what)) = (args.first(), args.get(1)) else {
        return Err(
            "wait-for needs a type and a name or selector: e.g. 'kapi wait-for job migrate' or 'kapi wait-for pod -lapp=db'"
                .into(),
        );
    };
    let (kind, suffix) = match form.as_str() {
        "pod" => (Kind::Pod, None),
        "pod-we" => (Kind::Pod, Some(1)),
        "pod-wr" => (Kind::Pod, Some(2)),
        "job" => (Kind::Job, None),
        "job-we" => (Kind::Job, Some(1)),
        "job-wr" => (Kind::Job, Some(2)),
        "service" => (Kind::Service, None),
        other => {
            return Err(format!(
            "unknown resource type {other:?}: pod, pod-we, pod-wr, job, job-we, job-wr or service"
        ))
        }
    };
    let treat = match (suffix, treat_errors.as_deref()) {
        (Some(level), _) => level,
        (None, None) => 0,
        (None, Some(v)) => match v.trim() {
            "0" => 0,
            "1" => 1,
            "2" => 2,
            other => {
                return Err(format!(
                    "TREAT_ERRORS_AS_READY must be 0, 1 or 2, not {other:?}"
                ))
            }
        },
    };
    let mut rest = &args[2..];
    let plural = match kind {
        Kind::Pod => "pods",
        Kind::Job => "jobs",
        Kind::Service => "services",
    };
    let mut out = vec![plural.to_string()];
    // `-lSEL` as wait_for.sh documents it; `-l SEL`, `--selector` too.
    if let Some(selector) = what.strip_prefix("-l").filter(|s| !s.is_empty()) {
        out.extend([
            "-l".to_string(),
            selector.trim_start_matches('=').to_string(),
        ]);
    } else if what == "-l" || what == "--selector" {
        let Some((selector, after)) = rest.split_first() else {
            return Err(format!("{what} needs a selector"));
        };
        out.extend(["-l".to_string(), selector.clone()]);
        rest = after;
    } else if let Some(selector) = what.strip_prefix("--selector=") {
        out.extend(["-l".to_string(), selector.to_string()]);
    } else if what.starts_with('-') {
        return Err(format!(
            "expected a name or -lSELECTOR after {form:?}, got {what:?}"
        ));
    } else {
        out.push(what.clone());
    }
    let conditions: &[&str] = match (kind, treat) {
        (Kind::Pod, 0) => &[
            "--for=condition=Ready",
            "--for=jsonpath={.status.phase}=Succeeded",
            "--for-any",
            "--fail-on=jsonpath={.status.phase}=Failed",
            "--fail-fast=false",
        ],
        (Kind::Pod, _) => &[
            "--for=condition=Ready",
            "--for=jsonpath={.status.phase}=Succeeded",
            "--for=reason=Error",
            "--for-any",
            "--fail-fast=false",
        ],
        (Kind::Job, 1) => &[
            "--for=condition=Complete",
            "--for=condition=Failed",
            "--for-any",
        ],
        (Kind::Job, _) => &["--for=condition=Complete"],
        (Kind::Service, _) => &["--for=endpoints"],
    };
    out.extend(conditions.iter().map(|c| c.to_string()));
    out.push("--timeout=168h".into());
    if debug
        .as_deref()
        .and_then(|d| d.trim().parse::<u32>().ok())
        .is_some_and(|d| d >= 2)
    {
        out.push("-v=6".into());
    }
    // The rest, as wait_for.sh passes it to kubectl: -n, --context, ...;
    // last, so that a --timeout there wins.
    out.extend(rest.iter().cloned());
    Ok(out)
}

/// Arguments as a POSIX shell would need them written.
fn shell_words(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            let plain = !a.is_empty()
                && a.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_=./:,@%+".contains(&b));
            if plain {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> String {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        shell_words(&translate(&args, None, None).unwrap())
    }

    #[test]
    fn each_form_maps_onto_kapi_wait() {
        assert_eq!(
            run(&["job", "migrate"]),
            "jobs migrate --for=condition=Complete --timeout=168h"
        );
        assert_eq!(
            run(&["job-we", "migrate", "-n", "db"]),
            "jobs migrate --for=condition=Complete --for=condition=Failed --for-any --timeout=168h -n db"
        );
        assert_eq!(
            run(&["job-wr", "-lapp=batch"]),
            "jobs -l app=batch --for=condition=Complete --timeout=168h"
        );
        assert_eq!(
            run(&["pod", "-lapp=develop-volume-ceph-krakow"]),
            "pods -l app=develop-volume-ceph-krakow --for=condition=Ready '--for=jsonpath={.status.phase}=Succeeded' --for-any '--fail-on=jsonpath={.status.phase}=Failed' --fail-fast=false --timeout=168h"
        );
        assert_eq!(
            run(&["pod-we", "web-0"]),
            "pods web-0 --for=condition=Ready '--for=jsonpath={.status.phase}=Succeeded' --for=reason=Error --for-any --fail-fast=false --timeout=168h"
        );
        assert_eq!(run(&["pod-wr", "web-0"]), run(&["pod-we", "web-0"]));
        assert_eq!(
            run(&["service", "postgres", "--timeout=5m"]),
            "services postgres --for=endpoints --timeout=168h --timeout=5m"
        );
        assert_eq!(
            run(&["pod", "-l", "release in (develop)"]),
            "pods -l 'release in (develop)' --for=condition=Ready '--for=jsonpath={.status.phase}=Succeeded' --for-any '--fail-on=jsonpath={.status.phase}=Failed' --fail-fast=false --timeout=168h"
        );
    }

    #[test]
    fn the_environment_is_read_as_wait_for_sh_reads_it() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let we = translate(&args(&["job", "x"]), Some("1".into()), None).unwrap();
        assert!(we.contains(&"--for=condition=Failed".to_string()));
        // The form's suffix wins over the variable, as in the script.
        let plain = translate(&args(&["job-wr", "x"]), Some("1".into()), None).unwrap();
        assert!(!plain.contains(&"--for=condition=Failed".to_string()));
        let debug = translate(&args(&["job", "x"]), None, Some("2".into())).unwrap();
        assert!(debug.contains(&"-v=6".to_string()));
        let quiet = translate(&args(&["job", "x"]), None, Some("1".into())).unwrap();
        assert!(!quiet.contains(&"-v=6".to_string()));
        assert!(translate(&args(&["job", "x"]), Some("3".into()), None)
            .unwrap_err()
            .contains("TREAT_ERRORS_AS_READY must be 0, 1 or 2"));
    }

    #[test]
    fn options_before_the_form_are_moved_after_it() {
        let args: Vec<String> = ["-n", "db", "--v=6", "service", "pg"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (leading, form) = split_leading_options(&args);
        assert_eq!(leading, ["-n", "db", "--v=6"]);
        assert_eq!(form, ["service", "pg"]);
    }

    #[test]
    fn bad_forms_are_usage_errors() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(translate(&args(&["deployment", "x"]), None, None)
            .unwrap_err()
            .starts_with("unknown resource type \"deployment\""));
        assert!(translate(&args(&["job"]), None, None)
            .unwrap_err()
            .starts_with("wait-for needs a type"));
        assert!(translate(&args(&["pod", "-l"]), None, None).is_err());
        assert!(translate(&args(&["pod", "--bogus"]), None, None).is_err());
    }
}
