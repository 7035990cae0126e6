//! One wait, from start to end: list then watch (no polling while the
//! watch is healthy), or get again and again when RBAC forbids list or
//! watch, until its state says met, failed or the deadline passes.

use std::time::{Duration, Instant};

use kapi::watcher::Event;
use kapi::{Api, Client, ListParams};
use serde_json::Value;

use super::rbac;
use super::targets::Spec;
use super::tracker::{Outcome, Target, Track};
use crate::error::Error;

/// Polling (when list or watch is forbidden) starts this often...
const POLL_FIRST: Duration = Duration::from_millis(500);

/// ... and slows down to this.
const POLL_MAX: Duration = Duration::from_secs(5);

/// Consecutive failed polls (connection errors, 5xx) before giving up.
const POLL_MAX_FAILURES: u32 = 10;

/// How one wait ended (errors aside).
pub enum Done {
    /// Met: the lines for stdout.
    Met(Vec<String>),
    /// It can no longer succeed, or a `--fail-on` held: the message.
    Failed(String),
    /// Out of time (or, checking once, not met): the message.
    TimedOut(String),
}

/// An error that ended a wait, with the RBAC rule it needs after a 403.
pub struct Failure {
    /// The error.
    pub error: Error,
    /// Lines to print after it.
    pub hint: Option<String>,
}

/// What a wait reports while it runs.
pub enum Report {
    /// The progress line's text for this wait.
    Progress(String),
    /// A note for stderr.
    Note(String),
}

/// Runs one wait under `client`'s deadline.
pub fn run(
    client: &Client,
    spec: &Spec,
    deadline: Instant,
    check_once: bool,
    report: &dyn Fn(Report),
) -> Result<Done, Failure> {
    let waiter = Waiter {
        client,
        spec,
        deadline,
        report,
    };
    waiter.wait(check_once).map_err(|error| {
        let hint = match &error {
            Error::Kapi(e) if e.is_forbidden() => Some(waiter.rbac_hint(e)),
            _ => None,
        };
        Failure { error, hint }
    })
}

struct Waiter<'a> {
    client: &'a Client,
    spec: &'a Spec,
    deadline: Instant,
    report: &'a dyn Fn(Report),
}

impl Waiter<'_> {
    fn wait(&self, check_once: bool) -> Result<Done, Error> {
        let target = &self.spec.target;
        let api = self.api();
        let mut tracker = self.spec.tracker();
        if check_once {
            load(&mut *tracker, snapshot(&api, target)?)?;
            return Ok(match tracker.outcome() {
                Outcome::Met(lines) => Done::Met(lines),
                Outcome::Failed(message) => Done::Failed(message),
                Outcome::Waiting(_) => Done::TimedOut(tracker.timeout_message(true)),
            });
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
                    let note = format!(
                        "note: {reason}; polling with get instead of watching\nTo watch instead, {}",
                        self.rbac_hint(&e)
                    );
                    return self.poll(&api, tracker, note);
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
                Outcome::Waiting(text) => (self.report)(Report::Progress(text)),
                Outcome::Met(lines) => return Ok(Done::Met(lines)),
                Outcome::Failed(message) => return Ok(Done::Failed(message)),
            }
        }
        Ok(Done::TimedOut(tracker.timeout_message(false)))
    }

    /// Gets (or lists) again and again, more slowly over time, until done
    /// or out of time: for service accounts that may get but not watch.
    /// `note` (why) is printed once the first poll has worked: when it is
    /// forbidden too, the error says it all.
    fn poll(
        &self,
        api: &Api,
        mut tracker: Box<dyn Track + '_>,
        note: String,
    ) -> Result<Done, Error> {
        let mut interval = POLL_FIRST;
        let mut failures = 0;
        let mut note = Some(note);
        loop {
            match snapshot(api, &self.spec.target) {
                Ok(objects) => {
                    if let Some(note) = note.take() {
                        (self.report)(Report::Note(note));
                    }
                    failures = 0;
                    load(&mut *tracker, objects)?;
                    match tracker.outcome() {
                        Outcome::Waiting(text) => (self.report)(Report::Progress(text)),
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

    fn api(&self) -> Api {
        let target = &self.spec.target;
        let api = self.client.api(target.resource.clone());
        if target.all_namespaces {
            api.all_namespaces()
        } else if let Some(ns) = &target.namespace {
            api.namespace(ns)
        } else {
            api
        }
    }

    fn rbac_hint(&self, e: &kapi::Error) -> String {
        let message = e.status().map(|s| s.message.as_str()).unwrap_or_default();
        rbac::hint(&self.spec.access(self.client.namespace()), message)
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
fn load(tracker: &mut dyn Track, objects: Vec<Value>) -> Result<(), Error> {
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
