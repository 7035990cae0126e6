//! `kapi wait`: until objects meet a condition, are created or deleted, on
//! a watch (no polling while it is healthy).

mod condition;
mod progress;
mod tracker;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use kapi::watcher::Event;
use kapi::{Api, Client, ListParams};
use serde_json::Value;

use crate::args::{switch, value, Flag, UsageError};
use crate::connect;
use crate::error::{exit, Error, Result};
use crate::output::{self, escape};
use condition::Condition;
use progress::Progress;
use tracker::{Conditions, Outcome, Target, Tracker};

pub(super) const HELP: &str = "\
Wait for one or many objects to meet a condition, to be created, or to be deleted.

Usage:
  kapi wait TYPE/NAME... --for=CONDITION [options]
  kapi wait TYPE NAME... --for=CONDITION [options]
  kapi wait TYPE (-l SELECTOR | --all) --for=CONDITION [options]

CONDITION is one of:
  condition=NAME[=VALUE]    status.conditions[type=NAME].status is VALUE (default true;
                            both compared without case), and not older than the object's
                            metadata.generation (observedGeneration)
  jsonpath='{EXPR}'[=VALUE] EXPR gives one value equal to VALUE (as text); without =VALUE,
                            any non-empty value. EXPR may be written a.b, .a.b or {.a.b}
  create                    the object exists
  delete                    the object is gone

A named object that does not exist yet is waited for. With a selector, every matching
object must meet the condition, and no match at all keeps the wait going.

Examples:
  # An initContainer that waits for a Job, and stops at once if it failed:
  kapi wait --for=condition=Complete --fail-on=condition=Failed job/migrate --timeout=10m
  # Until all 20 gateway pods are ready:
  kapi wait --for=jsonpath='{.status.numberReady}'=20 ds/gateway -n test
  # Until a Job ends either way (prints which):
  kapi wait --for=condition=Complete --for=condition=Failed --for-any job/migrate
  # Until a ConfigMap appears:
  kapi wait --for=create cm/settings --timeout=2m

Options:
      --for CONDITION          What to wait for; repeat it and all must hold (create first,
                               delete last)
      --for-any                Any one --for is enough for each object (says which held)
      --fail-on CONDITION      Stop at once with exit code 4 when this holds (repeatable;
                               same forms as --for)
      --timeout DURATION       Give up after this long (default 30s; 0 = check once;
                               negative = a week)
  -l, --selector SELECTOR      Wait on every object this label selector matches
      --field-selector SEL     Wait on every object this field selector matches
      --all                    Wait on every object of the type
  -A, --all-namespaces         With a selector or --all: across all namespaces

Output: '<kind>/<name> condition met' per object on stdout, nothing else. While waiting,
progress goes to stderr: one line rewritten in place on a terminal, else a line each time
what is observed changes. When list or watch is forbidden (RBAC), kapi says so once on
stderr and polls with get instead.

Exit codes:
  0  every condition met
  1  an error (server, connection, an expression that cannot be compared)
  2  a usage error
  3  timed out (or, with --timeout=0, not met): 'error: timed out waiting for the
     condition on jobs/migrate'
  4  a --fail-on condition held: 'error: fail-on condition=Failed met on jobs/migrate: ...'

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(super) const FLAGS: &[Flag] = &[
    value("for", None),
    switch("for-any", None),
    value("fail-on", None),
    value("timeout", None),
    value("selector", Some('l')),
    value("field-selector", None),
    switch("all", None),
    switch("all-namespaces", Some('A')),
];

/// kubectl's default `--timeout`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// What a negative `--timeout` means: a week, as kubectl.
const FOREVER: Duration = Duration::from_secs(168 * 3600);

/// Polling (when list or watch is forbidden) starts this often...
const POLL_FIRST: Duration = Duration::from_millis(500);

/// ... and slows down to this.
const POLL_MAX: Duration = Duration::from_secs(5);

/// Consecutive failed polls (connection errors, 5xx) before giving up.
const POLL_MAX_FAILURES: u32 = 10;

/// How one target's wait ended (errors aside).
enum Done {
    Met(Vec<String>),
    Failed(String),
    TimedOut(String),
}

/// Runs `kapi wait`; its errors exit with [`Error::wait_code`]'s codes.
pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    run_waiting(args).map_err(|e| Error::Waiting(Box::new(e)))
}

fn run_waiting(args: Vec<OsString>) -> Result<ExitCode> {
    let Some(m) = super::parse("wait", args, FLAGS, HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let usage = |msg: String| Error::Usage(UsageError::new("wait", msg));
    let fors = m.all("for");
    if fors.is_empty() {
        return Err(usage(
            "--for must be given: e.g. --for=condition=Ready, --for=jsonpath='{.status.phase}'=Running, --for=delete or --for=create".into(),
        ));
    }
    let parse_all = |values: Vec<&str>| -> Result<Vec<Condition>> {
        values
            .into_iter()
            .map(|v| Condition::parse(v).map_err(usage))
            .collect()
    };
    let conditions = Conditions {
        wanted: parse_all(fors)?,
        fail_on: parse_all(m.all("fail-on"))?,
        any: m.flag("for-any"),
    };
    let (timeout, check_once) = match m.value("timeout") {
        None => (DEFAULT_TIMEOUT, false),
        Some(text) => {
            let (d, negative) = kapi::duration::parse(text).map_err(usage)?;
            if negative {
                (FOREVER, false)
            } else {
                (d, d.is_zero())
            }
        }
    };
    let selector = m.value("selector");
    let field_selector = m.value("field-selector");
    let all = m.flag("all");
    let all_namespaces = m.flag("all-namespaces");
    let groups = super::get::targets(&m.positionals).map_err(usage)?;
    let named = groups.iter().any(|t| !t.names.is_empty());
    if named && (selector.is_some() || field_selector.is_some()) {
        return Err(usage(
            "name cannot be provided when a selector is specified".into(),
        ));
    }
    if named && all {
        return Err(usage(
            "name cannot be provided when --all is specified".into(),
        ));
    }
    if !named && selector.is_none() && field_selector.is_none() && !all {
        return Err(usage(
            "resource(s) were provided, but no name was specified".into(),
        ));
    }
    if named && all_namespaces {
        return Err(usage(
            "a resource cannot be retrieved by name across all namespaces".into(),
        ));
    }

    let deadline = Instant::now() + timeout;
    let client = connect::client("wait", &m)?;
    // One deadline for everything under this command: a request in flight
    // (a watch the server never answers) is cut off when it comes, and no
    // retry waits past it. `--timeout=0` looks once, however long that takes.
    let client = if check_once {
        client
    } else {
        client.with_deadline(deadline)
    };
    let mut targets = Vec::new();
    for group in &groups {
        for type_name in group.type_name.split(',').filter(|t| !t.is_empty()) {
            let resource = client.resolve(type_name)?;
            if named {
                for name in &group.names {
                    kapi::check_segment("name", name)?;
                    targets.push(Target {
                        resource: resource.clone(),
                        name: Some(name.clone()),
                        label_selector: None,
                        field_selector: None,
                        all_namespaces: false,
                    });
                }
            } else {
                targets.push(Target {
                    resource,
                    name: None,
                    label_selector: Some(selector.unwrap_or_default().to_string()),
                    field_selector: field_selector.map(str::to_string),
                    all_namespaces,
                });
            }
        }
    }

    let mut progress = Progress::start();
    let mut waiter = Waiter {
        client: &client,
        conditions: &conditions,
        deadline,
        check_once,
        polling: false,
    };
    let mut out = output::stdout();
    for target in &targets {
        let done = waiter.wait(target, &mut progress);
        progress.clear();
        match done? {
            Done::Met(lines) => {
                for line in lines {
                    writeln!(out, "{}", escape::text(&line))?;
                }
                out.flush()?;
            }
            Done::Failed(message) => {
                out.flush()?;
                eprintln!("error: {}", escape::text(&message));
                return Ok(ExitCode::from(exit::FAIL_ON));
            }
            Done::TimedOut(message) => {
                out.flush()?;
                eprintln!("error: {}", escape::text(&message));
                return Ok(ExitCode::from(exit::TIMED_OUT));
            }
        }
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// Waits on targets one after the other, under one deadline.
struct Waiter<'a> {
    client: &'a Client,
    conditions: &'a Conditions,
    deadline: Instant,
    /// `--timeout=0`: look once.
    check_once: bool,
    /// List or watch was forbidden once: poll with get from then on.
    polling: bool,
}

impl<'a> Waiter<'a> {
    fn wait(&mut self, target: &Target, progress: &mut Progress) -> Result<Done> {
        let api = self.api(target);
        let mut tracker = Tracker::new(target, self.conditions);
        if self.check_once {
            load(&mut tracker, snapshot(&api, target)?)?;
            return Ok(match tracker.outcome() {
                Outcome::Met(lines) => Done::Met(lines),
                Outcome::Failed(message) => Done::Failed(message),
                Outcome::Waiting(_) => Done::TimedOut(tracker.timeout_message(true)),
            });
        }
        if self.polling {
            return self.poll(&api, target, tracker, progress);
        }
        let mut params = ListParams::default();
        params.label_selector = target.label_selector.clone().filter(|s| !s.is_empty());
        params.field_selector = match &target.name {
            Some(name) => Some(format!("metadata.name={name}")),
            None => target.field_selector.clone(),
        };
        let watcher = api
            .watcher::<Value>(params)
            .list_from_watch_cache()
            .until(self.deadline);
        for event in watcher {
            let event = match event {
                Ok(event) => event,
                Err(e) if e.is_forbidden() => {
                    let reason = e
                        .status()
                        .map(|s| s.message.clone())
                        .unwrap_or_else(|| e.to_string());
                    progress.note(&format!(
                        "note: {reason}; polling with get instead of watching"
                    ));
                    self.polling = true;
                    return self.poll(&api, target, tracker, progress);
                }
                Err(e) if e.is_deadline_exceeded() => {
                    return Ok(Done::TimedOut(tracker.timeout_message(false)))
                }
                Err(e) => return Err(e.into()),
            };
            match event {
                Event::Init => {
                    tracker.begin();
                    continue;
                }
                Event::InitApply(object) => {
                    tracker.apply(&object).map_err(Error::msg)?;
                    continue;
                }
                Event::InitDone => tracker.commit(),
                Event::Added(object) | Event::Modified(object) => {
                    tracker.apply(&object).map_err(Error::msg)?
                }
                Event::Deleted(object) => tracker.remove(&object),
                _ => continue,
            }
            match tracker.outcome() {
                Outcome::Waiting(text) => progress.update(&text),
                Outcome::Met(lines) => return Ok(Done::Met(lines)),
                Outcome::Failed(message) => return Ok(Done::Failed(message)),
            }
        }
        Ok(Done::TimedOut(tracker.timeout_message(false)))
    }

    /// Gets (or lists) again and again, more slowly over time, until done
    /// or out of time: for service accounts that may get but not watch.
    fn poll(
        &self,
        api: &Api,
        target: &Target,
        mut tracker: Tracker<'_>,
        progress: &mut Progress,
    ) -> Result<Done> {
        let mut interval = POLL_FIRST;
        let mut failures = 0;
        loop {
            match snapshot(api, target) {
                Ok(objects) => {
                    failures = 0;
                    load(&mut tracker, objects)?;
                    match tracker.outcome() {
                        Outcome::Waiting(text) => progress.update(&text),
                        Outcome::Met(lines) => return Ok(Done::Met(lines)),
                        Outcome::Failed(message) => return Ok(Done::Failed(message)),
                    }
                }
                Err(e) if e.is_deadline_exceeded() => {
                    return Ok(Done::TimedOut(tracker.timeout_message(false)))
                }
                Err(e) if transient(&e) && failures + 1 < POLL_MAX_FAILURES => failures += 1,
                Err(e) => return Err(e.into()),
            }
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(Done::TimedOut(tracker.timeout_message(false)));
            }
            std::thread::sleep(interval.min(left));
            interval = (interval * 2).min(POLL_MAX);
        }
    }

    fn api(&self, target: &Target) -> Api {
        let api = self.client.api(target.resource.clone());
        if target.all_namespaces {
            api.all_namespaces()
        } else {
            api
        }
    }
}

/// The objects of `target` now: a get for a named object (absent when not
/// found), else a list.
fn snapshot(api: &Api, target: &Target) -> kapi::Result<Vec<Value>> {
    if let Some(name) = &target.name {
        return match api.get::<Value>(name) {
            Ok(object) => Ok(vec![object]),
            Err(e) if e.is_not_found() => Ok(Vec::new()),
            Err(e) => Err(e),
        };
    }
    let mut params = ListParams::default();
    params.label_selector = target.label_selector.clone().filter(|s| !s.is_empty());
    params.field_selector = target.field_selector.clone();
    api.list(params).items::<Value>().collect()
}

/// Replaces what the tracker knows with `objects`.
fn load(tracker: &mut Tracker<'_>, objects: Vec<Value>) -> Result<()> {
    tracker.begin();
    for object in &objects {
        tracker.apply(object).map_err(Error::msg)?;
    }
    tracker.commit();
    Ok(())
}

/// A failure worth polling again for.
fn transient(e: &kapi::Error) -> bool {
    match e {
        kapi::Error::Api(status) => matches!(status.code, 429 | 500..=599),
        kapi::Error::ConnectionRefused { .. }
        | kapi::Error::Timeout { .. }
        | kapi::Error::Transport { .. } => true,
        _ => false,
    }
}
