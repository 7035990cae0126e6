//! `kapi wait`: until objects meet a condition, are created or deleted, on
//! a watch (no polling while it is healthy); several targets at once, each
//! with its own conditions (`--and`).

mod compare;
mod condition;
mod endpoints;
mod lifecycle;
mod progress;
mod rbac;
mod runner;
mod targets;
mod tracker;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kapi::Client;

use crate::args::{self, switch, value, Flag, Matches, UsageError};
use crate::connect;
use crate::error::{exit, Error, Result};
use crate::output::{self, escape};
use condition::Condition;
use progress::Progress;
use runner::{Done, Failure, Report};
use targets::{Judge, Spec};
use tracker::{Conditions, Target};

pub(super) const HELP: &str = "\
Wait for one or many objects to meet a condition, to be created, or to be deleted.

Usage:
  kapi wait TYPE/NAME... --for=CONDITION [options]
  kapi wait TYPE NAME... --for=CONDITION [options]
  kapi wait TYPE (-l SELECTOR | --all) --for=CONDITION [options]
  kapi wait TARGETS --for=CONDITION... --and TARGETS --for=CONDITION... [options]

CONDITION is one of:
  condition=NAME[=VALUE]    status.conditions[type=NAME].status is VALUE (default true;
                            both compared without case), and not older than the object's
                            metadata.generation (observedGeneration)
  jsonpath='{EXPR}'[OP VALUE]
                            EXPR gives one value that compares with VALUE by OP: = or ==
                            (as text; numbers as numbers), != (the same, negated), <, <=,
                            >, >= (numbers only: any other value is an error). Without
                            OP VALUE, any non-empty value. A missing field is no value yet.
                            EXPR may be written a.b, .a.b or {.a.b}; its filters take the
                            same operators: {.status.conditions[?(@.type!=\"Ready\")].status}
  reason=REASON             the object shows REASON: a Pod's status.reason (Evicted), a
                            container's waiting or terminated reason (CrashLoopBackOff,
                            ImagePullBackOff, OOMKilled) or a status condition's reason
                            (BackoffLimitExceeded, ProgressDeadlineExceeded)
  endpoints[=N]             Services: at least N (default 1) ready endpoints in the
                            Service's EndpointSlices (discovery.k8s.io/v1), watched
  create                    the object exists
  delete                    the object is gone

A named object that does not exist yet is waited for. With a selector, every matching
object must meet the condition, and no match at all keeps the wait going.

A wait ends as soon as it can no longer succeed, with exit code 4 and a line that says
why: a Job waited on for a condition (Complete) that has failed or completed; a Pod
waited on for a condition (Ready) that has reached phase Failed or Succeeded; a named
object deleted while waited on for anything but delete. --fail-fast=false waits on
instead (until the timeout, or until a deleted object is back). States that may recover
(CrashLoopBackOff, ImagePullBackOff, ErrImagePull, CreateContainerConfigError,
Unschedulable) are shown in the progress line and the timeout message; they end the
wait only when asked: --fail-on=reason=CrashLoopBackOff.

Several targets, each with its own conditions: one group per target, separated by --and.
The groups are waited for at the same time, each with its own list and watch (scoped to
the name for named objects, by fieldSelector=metadata.name), and all must hold. -n, -l,
--field-selector, --all, -A, --for, --for-any, --fail-on and --fail-fast belong to their
group; --timeout and the global options apply to the whole command wherever written.

Examples:
  # An initContainer that waits for a Job (and stops at once if it fails):
  kapi wait job/migrate --for=condition=Complete --timeout=10m
  # ... and for the database Service in namespace db to have a ready endpoint:
  kapi wait job/migrate --for=condition=Complete --and svc/postgres -n db --for=endpoints
  # Until at least 3 replicas are ready (quote it: > is a redirection in a shell):
  kapi wait deploy/web '--for=jsonpath={.status.readyReplicas}>=3'
  # Until all 20 gateway pods are ready:
  kapi wait --for=jsonpath='{.status.numberReady}'=20 ds/gateway -n test
  # Until the web pods are ready, but not if one of them crash-loops:
  kapi wait pod -l app=web --for=condition=Ready --fail-on=reason=CrashLoopBackOff
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
      --fail-fast[=false]      End with exit code 4 as soon as the wait can no longer
                               succeed (default true)
      --timeout DURATION       Give up after this long (default 30s; 0 = check once;
                               negative = a week)
  -l, --selector SELECTOR      Wait on every object this label selector matches
      --field-selector SEL     Wait on every object this field selector matches
      --all                    Wait on every object of the type
  -A, --all-namespaces         With a selector or --all: across all namespaces
      --and                    Start the next group: its own targets and conditions

Output: '<kind>/<name> condition met' per object on stdout, nothing else. While waiting,
progress goes to stderr: one line rewritten in place on a terminal, else a line each time
what is observed changes. When list or watch is forbidden (RBAC), kapi says so once on
stderr, with the rule that would allow it, and polls with get instead.

Exit codes:
  0  every condition met
  1  any other error (an expression that cannot be compared, a server error)
  2  a usage error
  3  timed out (or, with --timeout=0, not met): 'error: timed out waiting for the
     condition on jobs/migrate'
  4  a --fail-on condition held, or the wait can no longer succeed: 'error: jobs/migrate
     can no longer meet condition=Complete: the Job has failed (BackoffLimitExceeded: ...)'
  5  not allowed: the server refused the credentials (401), or RBAC forbids the request
     (403; the message adds the rule the wait needs, ready for a Role's rules:)
  6  the API server cannot be reached (connection refused or timed out, TLS failed),
     after the retries

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(super) const FLAGS: &[Flag] = &[
    value("for", None),
    switch("for-any", None),
    value("fail-on", None),
    switch("fail-fast", None),
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

/// Once one wait has timed out, how long the others (past the same
/// deadline) may take to say so.
const GATHER: Duration = Duration::from_secs(5);

/// Runs `kapi wait`; its errors exit with [`Error::wait_code`]'s codes.
pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    run_waiting(args).map_err(|e| Error::Waiting(Box::new(e)))
}

/// One group of the command line, checked, before anything is resolved.
struct Group {
    conditions: Arc<Conditions>,
    /// `--for=endpoints[=N]`: N.
    endpoints: Option<u64>,
    types: Vec<super::get::Target>,
    named: bool,
    selector: Option<String>,
    field_selector: Option<String>,
    all_namespaces: bool,
    namespace: Option<String>,
}

fn run_waiting(args: Vec<OsString>) -> Result<ExitCode> {
    let raw_groups = targets::split(args.clone());
    let mut matches = Vec::with_capacity(raw_groups.len());
    for raw in raw_groups {
        let Some(m) = super::parse("wait", raw, FLAGS, HELP)? else {
            return Ok(ExitCode::SUCCESS);
        };
        matches.push(m);
    }
    // Everything but -n, for the client: each group has its own namespace.
    let everything: Vec<OsString> = args
        .into_iter()
        .filter(|a| a != targets::SEPARATOR)
        .collect();
    let global = args::parse("wait", targets::without_namespace(&everything), FLAGS)?;
    let usage = |msg: String| Error::Usage(UsageError::new("wait", msg));
    let (timeout, check_once) = match global.value("timeout") {
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
    let several = matches.len() > 1;
    let mut groups = Vec::with_capacity(matches.len());
    for (i, m) in matches.iter().enumerate() {
        let group = plan(m).map_err(|msg| {
            if several {
                usage(format!("{msg} (in group {} of {})", i + 1, matches.len()))
            } else {
                usage(msg)
            }
        })?;
        groups.push(group);
    }

    let deadline = Instant::now() + timeout;
    let client = connect::client("wait", &global)?;
    // One deadline for everything under this command: a request in flight
    // (a watch the server never answers) is cut off when it comes, and no
    // retry waits past it. `--timeout=0` looks once, however long that takes.
    let client = if check_once {
        client
    } else {
        client.with_deadline(deadline)
    };
    let mut specs = Vec::new();
    for group in &groups {
        specs.extend(resolve(&client, group)?);
    }
    watch_all(&client, specs, deadline, check_once)
}

/// Checks one group's flags and arguments (no request is sent).
fn plan(m: &Matches) -> std::result::Result<Group, String> {
    let fors = m.all("for");
    if fors.is_empty() {
        return Err("--for must be given: e.g. --for=condition=Ready, --for=jsonpath='{.status.phase}'=Running, --for=endpoints, --for=delete or --for=create".into());
    }
    let parse_all = |values: Vec<&str>| -> std::result::Result<Vec<Condition>, String> {
        values.into_iter().map(Condition::parse).collect()
    };
    let conditions = Conditions {
        wanted: parse_all(fors)?,
        fail_on: parse_all(m.all("fail-on"))?,
        any: m.flag("for-any"),
        fail_fast: !m.given("fail-fast") || m.flag("fail-fast"),
    };
    let endpoints = targets::endpoints_condition(&conditions)?;
    let selector = m.value("selector").map(str::to_string);
    let field_selector = m.value("field-selector").map(str::to_string);
    let all = m.flag("all");
    let all_namespaces = m.flag("all-namespaces");
    let types = super::get::targets(&m.positionals)?;
    let named = types.iter().any(|t| !t.names.is_empty());
    if named && (selector.is_some() || field_selector.is_some()) {
        return Err("name cannot be provided when a selector is specified".into());
    }
    if named && all {
        return Err("name cannot be provided when --all is specified".into());
    }
    if !named && selector.is_none() && field_selector.is_none() && !all {
        return Err("resource(s) were provided, but no name was specified".into());
    }
    if named && all_namespaces {
        return Err("a resource cannot be retrieved by name across all namespaces".into());
    }
    if endpoints.is_some() && field_selector.is_some() {
        return Err(
            "--for=endpoints selects Services by name or by label (-l), not with --field-selector"
                .into(),
        );
    }
    Ok(Group {
        conditions: Arc::new(conditions),
        endpoints,
        types,
        named,
        selector: if named {
            None
        } else {
            Some(selector.unwrap_or_default())
        },
        field_selector,
        all_namespaces,
        namespace: m.value("namespace").map(str::to_string),
    })
}

/// The waits of one group: a type name resolved per type, a wait per name.
fn resolve(client: &Client, group: &Group) -> Result<Vec<Spec>> {
    let mut specs = Vec::new();
    for target in &group.types {
        for type_name in target.type_name.split(',').filter(|t| !t.is_empty()) {
            let resource = client.resolve(type_name)?;
            let base = Target {
                resource: resource.clone(),
                name: None,
                label_selector: group.selector.clone(),
                field_selector: group.field_selector.clone(),
                all_namespaces: group.all_namespaces,
                namespace: group.namespace.clone(),
            };
            let names: Vec<Option<&String>> = if group.named {
                target.names.iter().map(Some).collect()
            } else {
                vec![None]
            };
            for name in names {
                if let Some(name) = name {
                    kapi::check_segment("name", name)?;
                }
                let mut t = base.clone();
                t.name = name.cloned();
                let Some(min) = group.endpoints else {
                    specs.push(Spec {
                        target: t,
                        conditions: group.conditions.clone(),
                        judge: Judge::Objects,
                    });
                    continue;
                };
                if !(resource.group.is_empty() && resource.plural == "services") {
                    return Err(Error::Usage(UsageError::new(
                        "wait",
                        format!(
                            "--for=endpoints waits on Services (svc/NAME), not {}",
                            resource.group_resource()
                        ),
                    )));
                }
                // The Service's EndpointSlices, by the label the
                // EndpointSlice controller gives them (or, for -l, the
                // Service's own labels, which it copies onto them).
                let slices = kapi::builtin("endpointslices.discovery.k8s.io")
                    .ok_or_else(|| Error::msg("the EndpointSlice type is not built in"))?;
                let selector = endpoints::EndpointsTracker::label_selector(
                    t.name.as_deref(),
                    t.label_selector.as_deref(),
                );
                specs.push(Spec {
                    target: Target {
                        resource: slices,
                        name: None,
                        label_selector: Some(selector.unwrap_or_default()),
                        field_selector: None,
                        all_namespaces: t.all_namespaces,
                        namespace: t.namespace.clone(),
                    },
                    conditions: group.conditions.clone(),
                    judge: Judge::Endpoints {
                        service: t.name.clone(),
                        min,
                    },
                });
            }
        }
    }
    Ok(specs)
}

/// What the wait threads tell the main thread.
enum Msg {
    Progress(usize, String),
    Note(String),
    Done(usize, std::result::Result<Done, Failure>),
}

/// Runs every wait at once, each on its own thread (a blocking watch
/// each), and reports: progress on stderr, the `condition met` lines on
/// stdout in the order of the command line, and the first failure.
fn watch_all(
    client: &Client,
    specs: Vec<Spec>,
    deadline: Instant,
    check_once: bool,
) -> Result<ExitCode> {
    let n = specs.len();
    let (tx, rx) = mpsc::channel::<Msg>();
    for (i, spec) in specs.into_iter().enumerate() {
        let tx = tx.clone();
        let client = client.clone();
        std::thread::Builder::new()
            .name(format!("wait-{i}"))
            .spawn(move || {
                let report = |r: Report| {
                    let _ = tx.send(match r {
                        Report::Progress(text) => Msg::Progress(i, text),
                        Report::Note(text) => Msg::Note(text),
                    });
                };
                let done = runner::run(&client, &spec, deadline, check_once, &report);
                let _ = tx.send(Msg::Done(i, done));
            })?;
    }
    drop(tx);
    let mut board = Board {
        progress: Progress::start(),
        out: output::stdout(),
        texts: vec![None; n],
        met: vec![None; n],
        printed: 0,
    };
    loop {
        let Ok(msg) = rx.recv() else {
            // Every wait ended without saying how: not expected.
            return Err(Error::msg("a wait ended without a result"));
        };
        match msg {
            Msg::Progress(i, text) => {
                board.texts[i] = Some(text);
                board.show();
            }
            Msg::Note(text) => board.progress.note(&text),
            Msg::Done(i, Ok(Done::Met(lines))) => {
                board.met[i] = Some(lines);
                board.texts[i] = None;
                board.print_met(false)?;
                if board.met.iter().all(Option::is_some) {
                    board.progress.clear();
                    board.out.flush()?;
                    return Ok(ExitCode::SUCCESS);
                }
                board.show();
            }
            Msg::Done(_, Ok(Done::Failed(message))) => {
                board.print_met(false)?;
                eprintln!("error: {}", escape::text(&message));
                return Ok(ExitCode::from(exit::FAIL_ON));
            }
            Msg::Done(i, Ok(Done::TimedOut(message))) => {
                return board.timed_out(i, message, &rx, check_once);
            }
            Msg::Done(_, Err(failure)) => {
                board.print_met(false)?;
                return Ok(report_failure(failure));
            }
        }
    }
}

/// The main thread's view of all the waits.
struct Board {
    progress: Progress,
    out: output::Stdout,
    /// Each unfinished wait's progress text.
    texts: Vec<Option<String>>,
    /// Each met wait's lines (`Some(empty)` once printed).
    met: Vec<Option<Vec<String>>>,
    /// The waits before this one have had their lines printed.
    printed: usize,
}

impl Board {
    /// The progress line: each unfinished wait's text.
    fn show(&mut self) {
        let texts: Vec<&str> = self
            .texts
            .iter()
            .zip(&self.met)
            .filter(|(_, met)| met.is_none())
            .filter_map(|(t, _)| t.as_deref())
            .collect();
        if !texts.is_empty() {
            self.progress.update(&texts.join(" | "));
        }
    }

    /// Prints the lines of met waits in command-line order: up to the
    /// first unfinished one, or (`all`) every met one.
    fn print_met(&mut self, all: bool) -> Result<()> {
        self.progress.clear();
        for i in self.printed..self.met.len() {
            match &mut self.met[i] {
                Some(lines) => {
                    for line in lines.drain(..) {
                        writeln!(self.out, "{}", escape::text(&line))?;
                    }
                    if i == self.printed {
                        self.printed += 1;
                    }
                }
                None if all => {}
                None => break,
            }
        }
        self.out.flush()?;
        Ok(())
    }

    /// Wait `first` ran out of time: so have the others (one deadline;
    /// or, checking once, they are looking once too); their messages are
    /// gathered, every unmet wait gets a line, and the exit code is 3.
    fn timed_out(
        mut self,
        first: usize,
        message: String,
        rx: &Receiver<Msg>,
        check_once: bool,
    ) -> Result<ExitCode> {
        let n = self.met.len();
        let mut messages: Vec<Option<String>> = vec![None; n];
        messages[first] = Some(format!("error: {message}"));
        let until = Instant::now() + GATHER;
        let pending = |messages: &[Option<String>], met: &[Option<Vec<String>>]| {
            (0..n).any(|j| messages[j].is_none() && met[j].is_none())
        };
        while pending(&messages, &self.met) {
            let msg = if check_once {
                rx.recv().ok()
            } else {
                rx.recv_timeout(until.saturating_duration_since(Instant::now()))
                    .ok()
            };
            let Some(msg) = msg else { break };
            match msg {
                Msg::Done(j, Ok(Done::Met(lines))) => self.met[j] = Some(lines),
                Msg::Done(j, Ok(Done::TimedOut(m) | Done::Failed(m))) => {
                    messages[j] = Some(format!("error: {m}"))
                }
                Msg::Done(j, Err(failure)) => {
                    let mut text = failure.error.to_string();
                    if let Some(hint) = failure.hint {
                        text.push('\n');
                        text.push_str(&hint);
                    }
                    messages[j] = Some(text);
                }
                Msg::Progress(..) | Msg::Note(_) => {}
            }
        }
        self.print_met(true)?;
        for message in messages.into_iter().flatten() {
            eprintln!("{}", escape::text(&message));
        }
        Ok(ExitCode::from(exit::TIMED_OUT))
    }
}

/// Prints an error that ended a wait (and the RBAC rule after a 403);
/// the exit code tells the cause ([`Error::wait_code`]).
fn report_failure(failure: Failure) -> ExitCode {
    let code = Error::Waiting(Box::new(failure.error)).report();
    if let Some(hint) = failure.hint {
        eprintln!("{}", escape::text(&hint));
    }
    code
}
