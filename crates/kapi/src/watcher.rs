//! [`Watcher`]: the current state (one streaming watch, else a list), then
//! the changes, kept consistent through dropped streams and `410 Gone`.
//!
//! Prefer it over [`Api::watch`] unless you handle resuming yourself: it
//! is what `kapi wait` and `kapi get -w` run on.

use std::any::Any;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::backoff::jitter;
use crate::list::{ListParams, Pager};
use crate::watch::{WatchEvent, WatchParams, WatchStream, DEFAULT_WATCH_TIMEOUT_SECONDS};
use crate::watch_list::{self, Initial};
use crate::{Api, Error, Result};

pub use crate::watch_list::WATCH_LIST_ENV;

/// Consecutive failures after which a [`Watcher`] gives up, by default.
///
/// With the backoff (client-go's reflector: 0.8 s doubling to 30 s, each
/// wait drawn from [d, 2d)) that is about three to six minutes of an
/// unreachable or failing server.
pub const DEFAULT_MAX_FAILURES: u32 = 10;

/// A watch that ends cleanly after delivering nothing is only healthy if it
/// stayed open at least this long; one that ends sooner counts as a failure,
/// so a server that closes every watch at once is not hammered.
const MIN_HEALTHY_WATCH: Duration = Duration::from_secs(1);

/// What a [`Watcher`] yields.
///
/// `Init`, then one `InitApply` per object, then `InitDone` describe the
/// complete current set: at the start, and again after each relist (a
/// `410 Gone`, or a list or initial stream that failed part way: a second
/// `Init` before `InitDone` starts the set over). Objects you held that are
/// not re-applied between `Init` and `InitDone` are gone. `Added`,
/// `Modified` and `Deleted` follow the watch. The set comes from the
/// initial events of a streaming watch or from a list: the events are the
/// same either way.
///
/// This is kube-runtime's streaming shape rather than one
/// `Restarted(Vec<T>)`: the set is handed on object by object as it is
/// read, so memory holds one object (one event, or one list item) however
/// many objects match.
///
/// New events may be added: a `match` needs a `_` arm.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event<T> {
    /// A (re)list, or the initial events of a streaming watch, starts.
    Init,
    /// An object of the current set.
    InitApply(T),
    /// The set is complete (the list ended, or the initial-events-end
    /// bookmark came); watch events follow.
    InitDone,
    /// An object was created.
    Added(T),
    /// An object changed.
    Modified(T),
    /// An object was deleted; this is its last state.
    Deleted(T),
}

impl<T> Event<T> {
    /// The object, for every event that carries one.
    pub fn object(&self) -> Option<&T> {
        match self {
            Event::InitApply(o) | Event::Added(o) | Event::Modified(o) | Event::Deleted(o) => {
                Some(o)
            }
            Event::Init | Event::InitDone => None,
        }
    }
}

/// The current state, then every change, and it keeps going: a blocking
/// `Iterator<Item = Result<Event<T>>>`.
///
/// - It starts with one streaming watch ("WatchList", as client-go 1.35
///   does): `watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`
///   (no `resourceVersion`: the latest state). The server sends each
///   current object (`InitApply`), then a bookmark annotated
///   `k8s.io/initial-events-end` (`InitDone`, at that bookmark's
///   `resourceVersion`), then the changes on the same stream.
/// - If that request fails in any way (422 `Invalid` from a 1.33 server or
///   one before 1.27, 400 from an aggregated API server, 403, a dropped
///   connection, a stream that ends before the bookmark), it lists instead
///   (paged, as [`Api::list`]) and watches from the list's
///   `resourceVersion` with `allowWatchBookmarks`, and keeps listing for
///   the rest of its life: the refusal is remembered, not retried. `-v=4`
///   logs the fallback. [`watch_list(false)`](Watcher::watch_list), or
///   [`WATCH_LIST_ENV`] (`KUBE_FEATURE_WatchListClient=false`, read as
///   client-go reads it), starts with the list.
/// - When a watch ends (the server's `timeoutSeconds`) or drops, it watches
///   again from the last `resourceVersion` it saw, bookmarks included: no
///   new list, no new initial events.
/// - On `410 Gone`/`Expired` (an `ERROR` event or the HTTP status) it gets
///   the state again, by a streaming watch or a list as above: `Init` ...
///   `InitDone`.
/// - A failure that may pass (a connection error, a timeout, `429`, `5xx`, a
///   stream cut short) is retried after a backoff of 0.5 s doubling up to
///   30 s, with up to 50% jitter (or the server's `Retry-After`, if longer).
///   After [`max_failures`](Watcher::max_failures) consecutive failures
///   ([`DEFAULT_MAX_FAILURES`]) it yields the last error and ends. Any event
///   resets the count.
/// - Other errors (`403 Forbidden`, `404`, TLS, configuration) are yielded
///   at once, and the iteration ends.
/// - It never busy-loops: it is always blocked on the network or asleep in a
///   backoff.
/// - With [`until`](Watcher::until), each watch asks the server to end at the
///   deadline, and the iteration ends (`None`) once it has passed.
///
/// Each watch asks for a `timeoutSeconds` of 230 to 290 s
/// (jittered), so a read waits at most that plus
/// [`WATCH_IDLE_GRACE`](crate::watch::WATCH_IDLE_GRACE) for a connection
/// that died silently.
///
/// A list reads the latest state (a consistent read from etcd) unless the
/// [`ListParams`] give a `resourceVersion` (first list only) or
/// [`list_from_watch_cache`](Watcher::list_from_watch_cache) asks for
/// `resourceVersion=0`, as a waiter should.
///
/// Whichever way the state came, the events are the same. Here against a
/// server that refuses WatchList (as a 1.33 one does by default): the
/// first watcher asks for a stream, is refused and lists; the second lists
/// at once.
///
/// ```
/// # fn main() -> kapi::Result<()> {
/// use kapi::watcher::Event;
///
/// # let server = kapi_fake::FakeApiServer::start();
/// # server.set_watch_list(kapi_fake::WatchList::Disabled);
/// # let config = kapi::Config::new(server.url())
/// #     .with_ca_file(kapi_fake::fixtures_dir().join("pki/ca.crt"))?
/// #     .with_token(server.token());
/// # let client = kapi::Client::new(config)?;
/// let ds = client.api(client.resolve("ds")?).namespace("test");
/// let params = kapi::ListParams::default().fields("metadata.name=gateway");
/// let mut streamed = ds.watcher::<serde_json::Value>(params.clone());
/// let mut listed = ds.watcher::<serde_json::Value>(params).watch_list(false);
/// for watcher in [&mut streamed, &mut listed] {
///     assert_eq!(watcher.next().transpose()?, Some(Event::Init));
///     match watcher.next().transpose()? {
///         Some(Event::InitApply(ds)) => assert_eq!(ds["metadata"]["name"], "gateway"),
///         other => panic!("{other:?}"),
///     }
///     assert_eq!(watcher.next().transpose()?, Some(Event::InitDone));
/// }
/// assert!(!streamed.uses_watch_list());
/// # let queries: Vec<String> = server.requests().iter().map(|r| r.query_string()).collect();
/// # assert!(queries[0].starts_with(
/// #     "watch=1&fieldSelector=metadata.name=gateway&sendInitialEvents=true\
/// #      &resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds="
/// # ), "{queries:?}");
/// # assert_eq!(queries[1..], ["fieldSelector=metadata.name=gateway&limit=500"; 2], "{queries:?}");
/// # Ok(())
/// # }
/// ```
///
/// ```no_run
/// use kapi::watcher::Event;
///
/// # let client = kapi::Client::incluster()?;
/// let pods = client.api(client.resolve("pods")?).namespace("test");
/// let mut ready = std::collections::BTreeSet::new();
/// for event in pods.watcher::<serde_json::Value>(kapi::ListParams::default().labels("app=gateway")) {
///     match event? {
///         Event::Init => ready.clear(),
///         Event::InitApply(pod) | Event::Added(pod) | Event::Modified(pod) => {
///             let name = pod["metadata"]["name"].as_str().unwrap_or_default().to_string();
///             if pod["status"]["phase"] == "Running" { ready.insert(name); } else { ready.remove(&name); }
///         }
///         Event::Deleted(pod) => { ready.remove(pod["metadata"]["name"].as_str().unwrap_or_default()); }
///         _ => {}
///     }
///     println!("{} running", ready.len());
/// }
/// # Ok::<(), kapi::Error>(())
/// ```
pub struct Watcher<T> {
    api: Api,
    params: ListParams,
    /// The caller's `resourceVersion`, for the first list only: a relist
    /// after `410 Gone` must read the latest state.
    first_list_rv: Option<String>,
    watch_timeout: Option<u32>,
    max_failures: u32,
    deadline: Option<Instant>,
    state: State,
    resource_version: Option<String>,
    failures: u32,
    /// Whether any watch event arrived since the last list: a `410` right
    /// after a list counts as a failure, so relisting cannot loop fast.
    progressed: bool,
    /// Get the state with a streaming watch (`sendInitialEvents`) rather
    /// than a list: on unless turned off, until the first refusal.
    watch_list: bool,
    /// Lists with `resourceVersion=0` (the watch cache) when the caller
    /// gave none.
    list_from_cache: bool,
    _object: PhantomData<fn() -> T>,
}

enum State {
    Relist,
    /// `head`: the members of the page being read (`None`: start the next).
    Listing {
        pager: Box<Pager>,
        head: Option<Value>,
    },
    Watch,
    /// `initial`: a streaming watch before its initial-events-end bookmark.
    Watching {
        stream: Box<WatchStream<Value>>,
        opened: Instant,
        events: u64,
        initial: bool,
    },
    Done,
}

impl Api {
    /// A [`Watcher`] over the collection in scope: the current state by a
    /// streaming watch or a list with `params` (selectors, page size,
    /// `Accept`; its `resourceVersion` applies to the first one only), then
    /// watch with the same selectors.
    ///
    /// With a Table `Accept`, each object is a one-row `Table`, for list
    /// pages and watch events alike. Every object from a list carries the
    /// column definitions; of the events of one watch request (the initial
    /// events of a streaming watch too), only the first does, as the
    /// server sends them.
    pub fn watcher<T: DeserializeOwned + 'static>(&self, params: ListParams) -> Watcher<T> {
        let mut params = params;
        let first_list_rv = params.resource_version.take();
        Watcher {
            api: self.clone(),
            params,
            first_list_rv,
            watch_timeout: None,
            max_failures: DEFAULT_MAX_FAILURES,
            deadline: None,
            state: State::Relist,
            resource_version: None,
            failures: 0,
            progressed: false,
            watch_list: watch_list::enabled(),
            list_from_cache: false,
            _object: PhantomData,
        }
    }
}

impl<T: DeserializeOwned + 'static> Watcher<T> {
    /// Ends the iteration at `deadline`: each watch asks the server to end
    /// by then (`timeoutSeconds`), and backoffs are cut short.
    pub fn until(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Gives up after `n` consecutive failures (at least 1).
    pub fn max_failures(mut self, n: u32) -> Self {
        self.max_failures = n.max(1);
        self
    }

    /// Sets each watch's `timeoutSeconds` (default: 230 to 290 s,
    /// jittered).
    pub fn watch_timeout(mut self, seconds: u32) -> Self {
        self.watch_timeout = Some(seconds.max(1));
        self
    }

    /// Starts with a streaming watch (`true`, the default unless
    /// [`WATCH_LIST_ENV`] is false) or with a list (`false`).
    pub fn watch_list(mut self, enabled: bool) -> Self {
        self.watch_list = enabled;
        self
    }

    /// Whether the state is got (next time) by a streaming watch: false
    /// when turned off, and after the server refused one.
    pub fn uses_watch_list(&self) -> bool {
        self.watch_list
    }

    /// Lists (when it lists: WatchList off or refused) with
    /// `resourceVersion=0`, from the API server's watch cache, as
    /// client-go's reflector does: cheap for the server, and possibly a
    /// little stale, which a waiter does not mind, since the watch that
    /// follows brings every later change. A `resourceVersion` in the
    /// [`ListParams`] still wins for the first list.
    pub fn list_from_watch_cache(mut self) -> Self {
        self.list_from_cache = true;
        self
    }

    /// The `resourceVersion` the next watch starts from: the list's (or the
    /// initial-events-end bookmark's), then the last event's or bookmark's.
    pub fn resource_version(&self) -> Option<&str> {
        self.resource_version.as_deref()
    }

    fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    fn watch_params(&self) -> WatchParams {
        let base = self.watch_timeout.unwrap_or_else(|| {
            // 230 to 290 s: spread the reconnects of many clients.
            DEFAULT_WATCH_TIMEOUT_SECONDS - (jitter() * 60.0) as u32
        });
        let timeout = match self.remaining() {
            Some(left) => base.min(left.as_secs_f64().ceil() as u32).max(1),
            None => base,
        };
        WatchParams {
            label_selector: self.params.label_selector.clone(),
            field_selector: self.params.field_selector.clone(),
            resource_version: self.resource_version.clone(),
            timeout_seconds: Some(timeout),
            bookmarks: true,
            send_initial_events: false,
            accept: self.params.accept.clone(),
        }
    }

    /// Records a failure: retries into `retry` after a backoff, or returns
    /// the error to hand to the caller (and ends the iteration).
    fn fail(&mut self, e: Error, retry: State) -> Option<Error> {
        if !retryable(&e) {
            self.state = State::Done;
            return Some(e);
        }
        self.retry_later(e, retry)
    }

    /// Counts a failure and sleeps the backoff before `retry`, or gives up
    /// with `e` after too many in a row.
    fn retry_later(&mut self, e: Error, retry: State) -> Option<Error> {
        self.failures += 1;
        if self.failures >= self.max_failures {
            self.state = State::Done;
            return Some(e);
        }
        let server_says = e
            .status()
            .and_then(|s| s.retry_after_seconds())
            .map(|s| Duration::from_secs(s.into()))
            .unwrap_or_default();
        let mut delay = backoff(self.failures).max(server_says);
        if let Some(left) = self.remaining() {
            delay = delay.min(left);
        }
        std::thread::sleep(delay);
        self.state = retry;
        None
    }

    /// A `410 Gone`: relist, at once if the watch had made progress.
    fn gone(&mut self, e: Error) -> Option<Error> {
        self.resource_version = None;
        if self.progressed {
            self.state = State::Relist;
            None
        } else {
            self.retry_later(e, State::Relist)
        }
    }

    fn typed(&self, object: Value) -> Result<T> {
        let boxed: Box<dyn Any> = Box::new(object);
        match boxed.downcast::<T>() {
            // `T` is `serde_json::Value`: no second decoding.
            Ok(same) => Ok(*same),
            Err(boxed) => {
                // Invariant: the box holds the `Value` put in just above.
                let object = *boxed.downcast::<Value>().expect("a boxed Value");
                serde_json::from_value(object).map_err(|source| Error::Decode {
                    request: "a watched object".into(),
                    source,
                })
            }
        }
    }

    /// Opens the streaming watch that replaces a list; `None` (and lists
    /// from now on) when it fails.
    fn open_watch_list(&mut self) -> Option<WatchStream<Value>> {
        let params = watch_list::params(self.watch_params(), self.first_list_rv.clone());
        match self.api.watch::<Value>(&params) {
            Ok(stream) => {
                self.first_list_rv = None;
                Some(stream)
            }
            Err(e) => {
                self.refused(Some(&e));
                None
            }
        }
    }

    /// Gives the streaming start up for good, with a `-v=4` note.
    fn refused(&mut self, error: Option<&Error>) {
        self.watch_list = false;
        let resource = self.api.resource().group_resource();
        self.api.client().note(
            4,
            &watch_list::fallback_note(&resource, &watch_list::reason(error)),
        );
    }

    /// The next step of a streaming watch before its initial-events-end
    /// bookmark: an event to yield, or `None` to go on from `self.state`
    /// (a bookmark without the annotation, or a failure: then a list).
    fn initial_event(
        &mut self,
        mut stream: Box<WatchStream<Value>>,
        opened: Instant,
        events: u64,
    ) -> Option<Result<Event<T>>> {
        let event = match stream.next() {
            Some(Ok(event)) => event,
            _ if self.remaining().is_some_and(|left| left.is_zero()) => {
                // Ended by the deadline (`until`): nothing was refused.
                self.state = State::Done;
                return None;
            }
            failed => {
                // An error, or the end, before the state was complete: list
                // instead (a second `Init` starts the set over).
                let error = failed.and_then(Result::err);
                self.refused(error.as_ref());
                self.state = State::Relist;
                return None;
            }
        };
        self.failures = 0;
        let step = watch_list::initial(event);
        self.state = State::Watching {
            stream,
            opened,
            events: events + 1,
            initial: !matches!(step, Initial::Done(_)),
        };
        match step {
            Initial::Apply(o) => Some(self.typed(o).map(Event::InitApply)),
            Initial::Deleted(o) => Some(self.typed(o).map(Event::Deleted)),
            Initial::Done(rv) => {
                if !rv.is_empty() {
                    self.resource_version = Some(rv);
                }
                Some(Ok(Event::InitDone))
            }
            Initial::Bookmark(rv) => {
                if !rv.is_empty() {
                    self.resource_version = Some(rv);
                }
                None
            }
        }
    }

    fn note(&mut self, object: &Value) {
        if let Some(rv) = resource_version_of(object).filter(|rv| !rv.is_empty()) {
            self.resource_version = Some(rv.to_string());
        }
    }
}

impl<T: DeserializeOwned + 'static> Iterator for Watcher<T> {
    type Item = Result<Event<T>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if matches!(self.state, State::Done) {
                return None;
            }
            if self.remaining().is_some_and(|left| left.is_zero()) {
                self.state = State::Done;
                return None;
            }
            match std::mem::replace(&mut self.state, State::Done) {
                State::Done => return None,
                State::Relist => {
                    self.progressed = false;
                    if self.watch_list {
                        if let Some(stream) = self.open_watch_list() {
                            self.state = State::Watching {
                                stream: Box::new(stream),
                                opened: Instant::now(),
                                events: 0,
                                initial: true,
                            };
                            return Some(Ok(Event::Init));
                        }
                    }
                    let mut params = self.params.clone();
                    params.resource_version = self
                        .first_list_rv
                        .take()
                        .or_else(|| self.list_from_cache.then(|| "0".to_string()));
                    self.state = State::Listing {
                        pager: Box::new(self.api.list(params)),
                        head: None,
                    };
                    return Some(Ok(Event::Init));
                }
                State::Listing {
                    mut pager,
                    head: Some(head),
                } => match pager.next_item::<Value>() {
                    Ok(Some(entry)) => {
                        let object = object_of(&head, entry);
                        self.state = State::Listing {
                            pager,
                            head: Some(head),
                        };
                        return Some(self.typed(object).map(Event::InitApply));
                    }
                    Ok(None) => {
                        self.state = State::Listing { pager, head: None };
                    }
                    Err(e) => {
                        if let Some(e) = self.fail(e, State::Relist) {
                            return Some(Err(e));
                        }
                    }
                },
                State::Listing {
                    mut pager,
                    head: None,
                } => match pager.begin_page() {
                    Ok(Some(head)) => {
                        self.state = State::Listing {
                            pager,
                            head: Some(head),
                        };
                    }
                    Ok(None) => {
                        self.resource_version = pager.resource_version().map(str::to_string);
                        self.failures = 0;
                        self.state = State::Watch;
                        return Some(Ok(Event::InitDone));
                    }
                    Err(e) => {
                        if let Some(e) = self.fail(e, State::Relist) {
                            return Some(Err(e));
                        }
                    }
                },
                State::Watch => match self.api.watch::<Value>(&self.watch_params()) {
                    Ok(stream) => {
                        self.state = State::Watching {
                            stream: Box::new(stream),
                            opened: Instant::now(),
                            events: 0,
                            initial: false,
                        }
                    }
                    Err(e) if e.is_gone() => {
                        if let Some(e) = self.gone(e) {
                            return Some(Err(e));
                        }
                    }
                    Err(e) => {
                        if let Some(e) = self.fail(e, State::Watch) {
                            return Some(Err(e));
                        }
                    }
                },
                State::Watching {
                    stream,
                    opened,
                    events,
                    initial: true,
                } => {
                    if let Some(event) = self.initial_event(stream, opened, events) {
                        return Some(event);
                    }
                }
                State::Watching {
                    mut stream,
                    opened,
                    events,
                    initial: false,
                } => match stream.next() {
                    Some(Ok(event)) => {
                        self.failures = 0;
                        self.progressed = true;
                        let event = match event {
                            WatchEvent::Bookmark(b) => {
                                if !b.resource_version.is_empty() {
                                    self.resource_version = Some(b.resource_version);
                                }
                                None
                            }
                            WatchEvent::Added(o) => {
                                self.note(&o);
                                Some(self.typed(o).map(Event::Added))
                            }
                            WatchEvent::Modified(o) => {
                                self.note(&o);
                                Some(self.typed(o).map(Event::Modified))
                            }
                            WatchEvent::Deleted(o) => {
                                self.note(&o);
                                Some(self.typed(o).map(Event::Deleted))
                            }
                        };
                        self.state = State::Watching {
                            stream,
                            opened,
                            events: events + 1,
                            initial: false,
                        };
                        if event.is_some() {
                            return event;
                        }
                    }
                    Some(Err(e)) if e.is_gone() => {
                        if let Some(e) = self.gone(e) {
                            return Some(Err(e));
                        }
                    }
                    Some(Err(e)) => {
                        if let Some(e) = self.fail(e, State::Watch) {
                            return Some(Err(e));
                        }
                    }
                    None => {
                        if events > 0 || opened.elapsed() >= MIN_HEALTHY_WATCH {
                            self.state = State::Watch;
                        } else {
                            let e = Error::Transport {
                                server: self.api.client().config().server().to_string(),
                                message: "the server ended the watch at once, without an event"
                                    .into(),
                                source: None,
                            };
                            if let Some(e) = self.fail(e, State::Watch) {
                                return Some(Err(e));
                            }
                        }
                    }
                },
            }
        }
    }
}

impl<T> std::fmt::Debug for Watcher<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher")
            .field("resource", &self.api.resource().group_resource())
            .field("watch_list", &self.watch_list)
            .field("resource_version", &self.resource_version)
            .field("failures", &self.failures)
            .finish_non_exhaustive()
    }
}

/// Whether a failure may pass by itself: worth a retry after a backoff.
fn retryable(e: &Error) -> bool {
    match e {
        Error::Api(status) => {
            matches!(status.code, 408 | 429 | 500..=599) || status.reason == "TooManyRequests"
        }
        Error::ConnectionRefused { .. }
        | Error::Timeout { .. }
        | Error::Transport { .. }
        | Error::Decode { .. }
        | Error::Io(_) => true,
        _ => false,
    }
}

/// The delay before retry number `failures` (from 1): client-go's
/// reflector backoff, 0.8 s doubling to 30 s, with its jitter of 1.0 (each
/// wait drawn from [d, 2d)).
fn backoff(failures: u32) -> Duration {
    crate::backoff::ceiling(failures).mul_f64(1.0 + jitter())
}

/// The `resourceVersion` of an object, or of a one-row Table's object.
fn resource_version_of(object: &Value) -> Option<&str> {
    let object = if object["kind"] == "Table" {
        &object["rows"][0]["object"]
    } else {
        object
    };
    object["metadata"]["resourceVersion"].as_str()
}

/// One object of a list page, from the page's members before its items
/// (`head`) and the item: the item with `kind` and `apiVersion` filled in,
/// as watch events carry them, or a Table row as a one-row Table (as Table
/// watch events carry them).
fn object_of(head: &Value, mut entry: Value) -> Value {
    if head["kind"] == "Table" {
        return json!({
            "kind": "Table",
            "apiVersion": head["apiVersion"],
            "metadata": {},
            "columnDefinitions": head["columnDefinitions"],
            "rows": [entry],
        });
    }
    if let Some(obj) = entry.as_object_mut() {
        if let Some(kind) = head["kind"].as_str().and_then(|k| k.strip_suffix("List")) {
            obj.entry("kind").or_insert_with(|| json!(kind));
        }
        if let Some(api_version) = head["apiVersion"].as_str() {
            obj.entry("apiVersion")
                .or_insert_with(|| json!(api_version));
        }
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Status;

    #[test]
    fn backoff_doubles_from_0_8_s_to_thirty_with_jitter() {
        for (failures, base) in [(1, 0.8), (2, 1.6), (3, 3.2), (7, 30.0), (40, 30.0)] {
            let d = backoff(failures).as_secs_f64();
            assert!(d >= base && d < base * 2.0 + 1e-9, "{failures}: {d}");
        }
    }

    #[test]
    fn transient_failures_are_retried_and_others_are_not() {
        let api = |code, reason| Error::from(Status::failure(code, reason, "x"));
        assert!(retryable(&api(500, "InternalError")));
        assert!(retryable(&api(503, "ServiceUnavailable")));
        assert!(retryable(&api(429, "TooManyRequests")));
        assert!(retryable(&Error::Timeout {
            request: "GET x".into(),
            phase: "waiting",
            after: None
        }));
        assert!(!retryable(&api(403, "Forbidden")));
        assert!(!retryable(&api(404, "NotFound")));
        assert!(!retryable(&Error::InvalidRequest("bad".into())));
    }

    #[test]
    fn list_items_get_kind_and_api_version() {
        let head = json!({
            "kind": "DaemonSetList", "apiVersion": "apps/v1",
            "metadata": {"resourceVersion": "7"},
        });
        let objects = [object_of(
            &head,
            json!({"metadata": {"name": "a", "resourceVersion": "5"}}),
        )];
        assert_eq!(objects.len(), 1);
        assert_eq!(objects[0]["kind"], "DaemonSet");
        assert_eq!(objects[0]["apiVersion"], "apps/v1");
        assert_eq!(resource_version_of(&objects[0]), Some("5"));
    }

    #[test]
    fn table_pages_split_into_one_row_tables() {
        let head = json!({
            "kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "columnDefinitions": [{"name": "Name"}],
        });
        let objects: Vec<Value> = [
            json!({"cells": ["a"], "object": {"metadata": {"name": "a", "resourceVersion": "3"}}}),
            json!({"cells": ["b"], "object": {"metadata": {"name": "b", "resourceVersion": "4"}}}),
        ]
        .into_iter()
        .map(|row| object_of(&head, row))
        .collect();
        assert_eq!(objects.len(), 2);
        assert_eq!(objects[1]["rows"][0]["cells"][0], "b");
        assert_eq!(objects[1]["columnDefinitions"][0]["name"], "Name");
        assert_eq!(resource_version_of(&objects[1]), Some("4"));
    }
}
