//! Pod logs: `GET /api/v1/namespaces/NS/pods/NAME/log`, answered as the
//! apiserver and the kubelet answer it.
//!
//! The apiserver picks the container (`container`, else the only one; a
//! pod with several gets its 400 listing them) and the kubelet serves the
//! container's log file, or says why there is none (`is waiting to start:
//! ContainerCreating`, `previous terminated container ... not found`), as a
//! 400 whose message is the kubelet's text. The options are the kubelet's:
//! `tailLines` (the last N lines, before `sinceSeconds`/`sinceTime` drop
//! older ones), `timestamps` (each line prefixed with its RFC 3339 time,
//! nanoseconds always written out), `limitBytes`, `previous` and `follow`.
//! `sinceTime` has whole seconds, as the apiserver passes it on: lines of
//! that second are sent again.
//!
//! Logs are lines with a time each: from `fixtures/logs/NS/POD/CONTAINER.log`
//! (`CONTAINER.previous.log` for `previous=true`), lines as the kubelet
//! writes them with `timestamps=true`, or set by a test
//! ([`FakeApiServer::set_log`]). A line without a time gets the fake's "now"
//! plus one nanosecond per line, so times are distinct and in order.
//!
//! `follow=true` streams: the lines so far, then each line a test appends
//! ([`FakeApiServer::append_log`]) as it is appended, until the container
//! stops ([`FakeApiServer::finish_log`], or at once for a terminated
//! container or a previous log) or the client goes away.
//! [`FakeApiServer::endless_log`] makes a follow stream that never ends and
//! writes numbered lines as fast as the client reads them (memory tests).

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hyper::body::Bytes;
use hyper::Response;
use serde_json::Value;
use tokio::sync::{mpsc, watch};

use crate::api::Api;
use crate::clock::{format_rfc3339, parse_rfc3339};
use crate::request::{parse_bool, ApiRequest};
use crate::response::{self, Body, BoxError};
use crate::server::FakeApiServer;
use crate::status::{self, Status};
use crate::store::Key;

/// One container's log (or its previous instance's).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct LogKey {
    namespace: String,
    pod: String,
    container: String,
    previous: bool,
}

/// A log line: its time (seconds, nanoseconds) and its text (no newline).
#[derive(Debug, Clone)]
struct Line {
    seconds: i64,
    nanos: u32,
    text: String,
}

impl Line {
    /// `2026-01-01T00:00:00.000000001Z`, the kubelet's `timestamps=true` form.
    fn timestamp(&self) -> String {
        let whole = format_rfc3339(self.seconds);
        format!("{}.{:09}Z", whole.trim_end_matches('Z'), self.nanos)
    }

    fn render(&self, timestamps: bool) -> String {
        if timestamps {
            format!("{} {}\n", self.timestamp(), self.text)
        } else {
            format!("{}\n", self.text)
        }
    }
}

#[derive(Debug, Default)]
struct LogState {
    lines: Vec<Line>,
    /// Set by `finish_log`: follow streams end after the last line. Unset,
    /// the pod's status decides (a terminated container's stream ends).
    finished: bool,
    /// Follow streams never end and write generated lines.
    endless: bool,
}

/// Every log of one server, and the follow streams reading them.
#[derive(Debug)]
pub(crate) struct Logs {
    logs: Mutex<HashMap<LogKey, LogState>>,
    /// Bumped on every change, so follow streams look again.
    changed: watch::Sender<u64>,
    followers: Arc<AtomicUsize>,
}

impl Logs {
    /// The fixture logs under `dir` (`NS/POD/CONTAINER.log` and
    /// `NS/POD/CONTAINER.previous.log`); none when it does not exist.
    pub(crate) fn load(dir: &Path) -> Logs {
        let logs = Logs {
            logs: Mutex::new(HashMap::new()),
            changed: watch::Sender::new(0),
            followers: Arc::new(AtomicUsize::new(0)),
        };
        let Ok(namespaces) = std::fs::read_dir(dir) else {
            return logs;
        };
        for ns in namespaces.flatten() {
            let Ok(pods) = std::fs::read_dir(ns.path()) else {
                continue;
            };
            for pod in pods.flatten() {
                let Ok(files) = std::fs::read_dir(pod.path()) else {
                    continue;
                };
                for file in files.flatten() {
                    let name = file.file_name().to_string_lossy().into_owned();
                    let (container, previous) = match name.strip_suffix(".previous.log") {
                        Some(c) => (c.to_string(), true),
                        None => match name.strip_suffix(".log") {
                            Some(c) => (c.to_string(), false),
                            None => continue,
                        },
                    };
                    let text = std::fs::read_to_string(file.path()).unwrap_or_else(|e| {
                        panic!("reading fixture log {}: {e}", file.path().display())
                    });
                    let key = LogKey {
                        namespace: ns.file_name().to_string_lossy().into_owned(),
                        pod: pod.file_name().to_string_lossy().into_owned(),
                        container,
                        previous,
                    };
                    let mut state = LogState::default();
                    push_lines(&mut state, &text, 0);
                    logs.lock().insert(key, state);
                }
            }
        }
        logs
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<LogKey, LogState>> {
        self.logs.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn edit(&self, key: LogKey, edit: impl FnOnce(&mut LogState)) {
        edit(self.lock().entry(key).or_default());
        self.changed.send_modify(|n| *n += 1);
    }
}

/// Appends the lines of `text`: `TIME TEXT` when the line starts with an
/// RFC 3339 time, else `now` plus one nanosecond per line so far.
fn push_lines(state: &mut LogState, text: &str, now: i64) {
    for line in text.lines() {
        let stamped = line
            .split_once(' ')
            .and_then(|(time, rest)| Some((parse_time(time)?, rest)));
        let (seconds, nanos, text) = match stamped {
            Some(((seconds, nanos), rest)) => (seconds, nanos, rest),
            None => {
                let after = state
                    .lines
                    .last()
                    .filter(|l| l.seconds == now)
                    .map_or(0, |l| l.nanos + 1);
                (now, after.max(1), line)
            }
        };
        state.lines.push(Line {
            seconds,
            nanos,
            text: text.to_string(),
        });
    }
}

/// An RFC 3339 time with its nanoseconds.
fn parse_time(text: &str) -> Option<(i64, u32)> {
    let seconds = parse_rfc3339(text)?;
    let nanos = match text.get(19..).and_then(|r| r.strip_prefix('.')) {
        Some(frac) => {
            let digits: String = frac.chars().take_while(char::is_ascii_digit).collect();
            format!("{digits:0<9}").get(..9)?.parse().ok()?
        }
        None => 0,
    };
    Some((seconds, nanos))
}

/// The kubelet's log options of one request.
struct Options {
    tail: Option<usize>,
    /// Lines before this second are dropped.
    since: Option<i64>,
    timestamps: bool,
    limit: Option<usize>,
    follow: bool,
    previous: bool,
}

impl Options {
    fn parse(req: &ApiRequest, now: i64) -> Result<Options, Status> {
        let number = |name: &str| -> Result<Option<i64>, Status> {
            match req.param(name) {
                None => Ok(None),
                Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                    status::bad_request(format!(
                        "{name}: Invalid value: {}: must be an integer",
                        status::go_quote(v)
                    ))
                }),
            }
        };
        let invalid = |field: &str, value: i64, why: &str| {
            Status::failure(
                422,
                "Invalid",
                format!("PodLogOptions \"\" is invalid: {field}: Invalid value: {value}: {why}"),
            )
        };
        let tail = match number("tailLines")? {
            Some(n) if n < 0 => {
                return Err(invalid(
                    "tailLines",
                    n,
                    "must be greater than or equal to 0",
                ))
            }
            Some(n) => Some(n as usize),
            None => None,
        };
        let limit = match number("limitBytes")? {
            Some(n) if n < 1 => return Err(invalid("limitBytes", n, "must be greater than 0")),
            Some(n) => Some(n as usize),
            None => None,
        };
        let since_seconds = match number("sinceSeconds")? {
            Some(n) if n < 1 => return Err(invalid("sinceSeconds", n, "must be greater than 0")),
            other => other,
        };
        let since_time = match req.param("sinceTime") {
            None => None,
            Some(t) => Some(parse_rfc3339(t).ok_or_else(|| {
                status::bad_request(format!(
                    "sinceTime: Invalid value: {}: parsing time {} as \"2006-01-02T15:04:05Z07:00\": cannot parse",
                    status::go_quote(t),
                    status::go_quote(t)
                ))
            })?),
        };
        if since_seconds.is_some() && since_time.is_some() {
            return Err(Status::failure(
                422,
                "Invalid",
                "PodLogOptions \"\" is invalid: []: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified",
            ));
        }
        let flag = |name: &str| req.param(name).is_some_and(parse_bool);
        Ok(Options {
            tail,
            since: since_time.or(since_seconds.map(|s| now - s)),
            timestamps: flag("timestamps"),
            limit,
            follow: flag("follow"),
            previous: flag("previous"),
        })
    }

    /// The lines of `all` this request gets: the last `tail`, then those
    /// not before `since`.
    fn select<'l>(&self, all: &'l [Line]) -> Vec<&'l Line> {
        let start = self.tail.map_or(0, |n| all.len().saturating_sub(n));
        all[start..]
            .iter()
            .filter(|l| self.since.is_none_or(|since| l.seconds >= since))
            .collect()
    }
}

/// The container names of `pod`: init containers, containers, ephemeral
/// containers (the apiserver's `VisitContainers` order).
fn container_names(pod: &Value) -> Vec<String> {
    ["initContainers", "containers", "ephemeralContainers"]
        .iter()
        .flat_map(|kind| pod["spec"][kind].as_array().into_iter().flatten())
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect()
}

/// Go's `%s` of a `[]string`: `[a b]`.
fn go_list(names: &[String]) -> String {
    format!("[{}]", names.join(" "))
}

/// The container the apiserver reads (`validateContainer`).
fn pick_container(pod: &Value, name: &str, asked: Option<&str>) -> Result<String, Status> {
    let names = container_names(pod);
    let regular = pod["spec"]["containers"].as_array().map_or(0, Vec::len);
    match asked.filter(|c| !c.is_empty()) {
        Some(c) if names.iter().any(|n| n == c) => Ok(c.to_string()),
        Some(c) => Err(status::bad_request(format!(
            "container {c} is not valid for pod {name}"
        ))),
        None if regular == 1 => Ok(pod["spec"]["containers"][0]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string()),
        None if regular == 0 => Err(status::bad_request(format!(
            "a container name must be specified for pod {name}"
        ))),
        None => Err(status::bad_request(format!(
            "a container name must be specified for pod {name}, choose one of: {}",
            go_list(&names)
        ))),
    }
}

/// The container's status entry, if the pod has one.
fn container_status<'p>(pod: &'p Value, container: &str) -> Option<&'p Value> {
    [
        "initContainerStatuses",
        "containerStatuses",
        "ephemeralContainerStatuses",
    ]
    .iter()
    .flat_map(|kind| pod["status"][kind].as_array().into_iter().flatten())
    .find(|s| s["name"].as_str() == Some(container))
}

/// The kubelet's `validateContainerLogStatus`: whether there is a log to
/// read, and whether the container is still running (a follow stream
/// stays open). A container without a status entry counts as running.
fn log_status(pod: &Value, name: &str, container: &str, previous: bool) -> Result<bool, Status> {
    let Some(s) = container_status(pod, container) else {
        return Ok(!previous);
    };
    let why = |what: String| Err(status::bad_request(what));
    let last_terminated = s["lastState"]["terminated"].is_object();
    let state = &s["state"];
    if previous {
        if !last_terminated {
            return why(format!(
                "previous terminated container {container:?} in pod {name:?} not found"
            ));
        }
        return Ok(false);
    }
    if state["running"].is_object() {
        return Ok(true);
    }
    if state["terminated"].is_object() || last_terminated {
        return Ok(false);
    }
    match state["waiting"]["reason"].as_str() {
        Some("ErrImagePull") => why(format!(
            "container {container:?} in pod {name:?} is waiting to start: image can't be pulled"
        )),
        Some("ImagePullBackOff") => why(format!(
            "container {container:?} in pod {name:?} is waiting to start: trying and failing to pull image"
        )),
        Some(reason) => why(format!(
            "container {container:?} in pod {name:?} is waiting to start: {reason}"
        )),
        None => why(format!(
            "container {container:?} in pod {name:?} is waiting to start - no logs yet"
        )),
    }
}

/// Answers a log request for pod `name` in `namespace`.
pub(crate) fn get(
    api: &Arc<Api>,
    req: &ApiRequest,
    namespace: &str,
    name: &str,
) -> Result<Response<Body>, Status> {
    let pod = api
        .store()
        .get(&Key::new("", "pods", namespace, name))
        .map(|s| s.object.clone())
        .ok_or_else(|| status::not_found_status("", "pods", name))?;
    let container = pick_container(&pod, name, req.param("container"))?;
    let options = Options::parse(req, api.clock.now())?;
    let running = log_status(&pod, name, &container, options.previous)?;
    let key = LogKey {
        namespace: namespace.to_string(),
        pod: name.to_string(),
        container,
        previous: options.previous,
    };
    let logs = &api.logs;
    let (mut text, sent, finished, endless) = {
        let map = logs.lock();
        let state = map.get(&key);
        let lines = state.map_or(&[][..], |s| &s.lines[..]);
        let text: String = options
            .select(lines)
            .into_iter()
            .map(|l| l.render(options.timestamps))
            .collect();
        let finished = state.is_some_and(|s| s.finished) || !running;
        (
            text,
            lines.len(),
            finished,
            state.is_some_and(|s| s.endless),
        )
    };
    if let Some(limit) = options.limit {
        truncate(&mut text, limit);
    }
    if !options.follow || (finished && !endless) {
        return Ok(response::with_type(200, "text/plain", response::full(text)));
    }
    let (tx, body) = response::channel(16);
    let stream = Follow {
        api: api.clone(),
        key,
        timestamps: options.timestamps,
        budget: options.limit.map(|l| l.saturating_sub(text.len())),
        sent,
        tx,
        _guard: Follower::new(&logs.followers),
    };
    tokio::spawn(stream.run(text, endless));
    Ok(response::with_type(200, "text/plain", body))
}

/// Cuts `text` to at most `limit` bytes (on a character boundary).
fn truncate(text: &mut String, limit: usize) {
    if text.len() > limit {
        let mut end = limit;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
}

/// Counts open follow streams.
struct Follower(Arc<AtomicUsize>);

impl Follower {
    fn new(count: &Arc<AtomicUsize>) -> Follower {
        count.fetch_add(1, Ordering::SeqCst);
        Follower(count.clone())
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One `follow=true` stream.
struct Follow {
    api: Arc<Api>,
    key: LogKey,
    timestamps: bool,
    /// What `limitBytes` leaves.
    budget: Option<usize>,
    /// How many of the log's lines were sent (or skipped by the options).
    sent: usize,
    tx: mpsc::Sender<Result<Bytes, BoxError>>,
    _guard: Follower,
}

impl Follow {
    /// Sends `chunk` within the budget; `false` when the stream is over.
    async fn send(&mut self, mut chunk: String) -> bool {
        if let Some(budget) = &mut self.budget {
            truncate(&mut chunk, *budget);
            *budget -= chunk.len();
        }
        if !chunk.is_empty() && self.tx.send(Ok(Bytes::from(chunk))).await.is_err() {
            return false;
        }
        self.budget != Some(0)
    }

    async fn run(mut self, first: String, endless: bool) {
        if !self.send(first).await {
            return;
        }
        if endless {
            return self.endless().await;
        }
        let mut changed = self.api.logs.changed.subscribe();
        loop {
            let (chunk, finished) = {
                let map = self.api.logs.lock();
                let state = map.get(&self.key);
                let lines = state.map_or(&[][..], |s| &s.lines[..]);
                let chunk: String = lines[self.sent.min(lines.len())..]
                    .iter()
                    .map(|l| l.render(self.timestamps))
                    .collect();
                self.sent = lines.len();
                (chunk, state.is_some_and(|s| s.finished))
            };
            changed.borrow_and_update();
            if !self.send(chunk).await || finished {
                return;
            }
            tokio::select! {
                _ = changed.changed() => {}
                _ = self.tx.closed() => return,
            }
        }
    }

    /// Numbered lines, 64 to a chunk, for as long as the client reads.
    async fn endless(mut self) {
        let now = self.api.clock.now();
        for n in 0u64.. {
            let mut chunk = String::with_capacity(64 * 80);
            for i in 0..64 {
                let line = Line {
                    seconds: now + (n / 1_000_000) as i64,
                    nanos: ((n * 64 + i) % 1_000_000_000) as u32,
                    text: format!("endless line {}: {}", n * 64 + i, "x".repeat(48)),
                };
                chunk.push_str(&line.render(self.timestamps));
            }
            if !self.send(chunk).await {
                return;
            }
            // Let other tasks run now and then on a busy runtime.
            if n % 256 == 0 {
                tokio::task::yield_now().await;
            }
        }
    }
}

impl FakeApiServer {
    fn log_key(namespace: &str, pod: &str, container: &str, previous: bool) -> LogKey {
        LogKey {
            namespace: namespace.to_string(),
            pod: pod.to_string(),
            container: container.to_string(),
            previous,
        }
    }

    /// Replaces the log of `container` in pod `pod` of `namespace`. Each
    /// line of `text` is one log line; a line that starts with an RFC 3339
    /// time and a space (`2025-12-31T23:59:00.5Z started`, the kubelet's
    /// `timestamps=true` form) has that time, others get the fake's now
    /// plus one nanosecond per line. The pod need not exist yet.
    pub fn set_log(&self, namespace: &str, pod: &str, container: &str, text: &str) {
        self.replace_log(Self::log_key(namespace, pod, container, false), text);
    }

    /// Replaces the log of the previous instance of `container`
    /// (`previous=true`; the pod's status must show a terminated last state).
    pub fn set_previous_log(&self, namespace: &str, pod: &str, container: &str, text: &str) {
        self.replace_log(Self::log_key(namespace, pod, container, true), text);
    }

    fn replace_log(&self, key: LogKey, text: &str) {
        let now = self.api().clock.now();
        self.api().logs.edit(key, |s| {
            s.lines.clear();
            push_lines(s, text, now);
        });
    }

    /// Appends the lines of `text` to the log of `container` (times as in
    /// [`set_log`](Self::set_log)): follow streams send them at once.
    pub fn append_log(&self, namespace: &str, pod: &str, container: &str, text: &str) {
        let now = self.api().clock.now();
        self.api()
            .logs
            .edit(Self::log_key(namespace, pod, container, false), |s| {
                push_lines(s, text, now)
            });
    }

    /// The container stopped: follow streams of its log end (cleanly)
    /// after the last line, and new ones end at once.
    pub fn finish_log(&self, namespace: &str, pod: &str, container: &str) {
        self.api()
            .logs
            .edit(Self::log_key(namespace, pod, container, false), |s| {
                s.finished = true
            });
    }

    /// Follow streams of `container`'s log never end: after its lines they
    /// write numbered lines (about 80 bytes each) as fast as the client
    /// reads them, until it goes away.
    pub fn endless_log(&self, namespace: &str, pod: &str, container: &str) {
        self.api()
            .logs
            .edit(Self::log_key(namespace, pod, container, false), |s| {
                s.endless = true
            });
    }

    /// How many `follow=true` log streams are open now.
    pub fn log_followers(&self) -> usize {
        self.api().logs.followers.load(Ordering::SeqCst)
    }

    /// Waits until at least `n` log streams are following; `false` on timeout.
    pub fn wait_for_log_followers(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.log_followers() < n {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn times_from_the_text_or_now_in_order() {
        let mut state = LogState::default();
        push_lines(
            &mut state,
            "2025-12-31T23:59:00.25Z first\nsecond\nthird",
            1_767_225_600,
        );
        let stamps: Vec<String> = state.lines.iter().map(Line::timestamp).collect();
        assert_eq!(
            stamps,
            [
                "2025-12-31T23:59:00.250000000Z",
                "2026-01-01T00:00:00.000000001Z",
                "2026-01-01T00:00:00.000000002Z"
            ]
        );
        assert_eq!(state.lines[0].text, "first");
        assert_eq!(state.lines[2].render(false), "third\n");
    }

    #[test]
    fn containers_as_the_apiserver_picks_them() {
        let pod = json!({"spec": {
            "initContainers": [{"name": "init"}],
            "containers": [{"name": "a"}, {"name": "b"}]
        }});
        assert_eq!(pick_container(&pod, "p", Some("b")).unwrap(), "b");
        assert_eq!(pick_container(&pod, "p", Some("init")).unwrap(), "init");
        let message = |s: Status| s.body();
        assert!(
            message(pick_container(&pod, "p", None).unwrap_err()).contains(
                r#""a container name must be specified for pod p, choose one of: [init a b]""#
            )
        );
        assert!(message(pick_container(&pod, "p", Some("c")).unwrap_err())
            .contains(r#""container c is not valid for pod p""#));
    }

    #[test]
    fn tail_comes_before_since() {
        let mut state = LogState::default();
        push_lines(
            &mut state,
            "2026-01-01T00:00:01Z a\n2026-01-01T00:00:02Z b\n2026-01-01T00:00:03Z c",
            0,
        );
        let options = Options {
            tail: Some(2),
            since: Some(parse_rfc3339("2026-01-01T00:00:03Z").unwrap()),
            timestamps: false,
            limit: None,
            follow: false,
            previous: false,
        };
        let got: Vec<&str> = options
            .select(&state.lines)
            .into_iter()
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(got, ["c"]);
    }
}
