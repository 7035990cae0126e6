//! Watches: [`WatchParams`], typed [`WatchEvent`]s and the blocking
//! [`WatchStream`] that reads them as the server sends them.
//!
//! Prefer [`Watcher`](crate::Watcher) (the current state by one streaming
//! watch or a list, then the changes; resume; the state again on
//! `410 Gone`) unless you need the raw stream of one watch request.

use std::collections::BTreeMap;
use std::io::{self, BufReader, Read};
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::de::{DeserializeOwned, Error as _};
use serde::Deserialize;
use serde_json::Value;

use crate::{Api, Error, Result, Status};

/// The `timeoutSeconds` a watch asks for unless told otherwise: the server
/// ends the stream after this long (kube-rs's default).
pub const DEFAULT_WATCH_TIMEOUT_SECONDS: u32 = 290;

/// How much longer than `timeoutSeconds` a watch may stay silent before the
/// connection is taken for dead.
pub const WATCH_IDLE_GRACE: Duration = Duration::from_secs(15);

/// The longest a server keeps a watch open when the client sets no
/// `timeoutSeconds` (twice kube-apiserver's `--min-request-timeout` of 30 min).
const SERVER_MAX_WATCH: Duration = Duration::from_secs(3600);

/// The largest single event accepted. An object in etcd is at most 1.5 MiB
/// by default; a larger event means a broken or hostile stream, and reading
/// it would grow memory without bound.
pub const MAX_EVENT_BYTES: u64 = 16 << 20;

/// What to watch: selectors, where to start, and for how long. Built from
/// `Default` with the builder methods (new fields may be added, so it
/// cannot be written as a struct literal outside kapi).
///
/// ```
/// let params = kapi::WatchParams::default()
///     .fields("metadata.name=gateway")
///     .at("12345")
///     .timeout(60);
/// assert_eq!(params.timeout_seconds, Some(60));
/// assert!(params.bookmarks);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct WatchParams {
    /// `labelSelector`, e.g. `app=gateway`.
    pub label_selector: Option<String>,
    /// `fieldSelector`, e.g. `metadata.name=gateway`.
    pub field_selector: Option<String>,
    /// `resourceVersion` to start after: events newer than it are sent.
    /// `None` starts "now" and first sends synthetic `ADDED` events for what
    /// exists; `"0"` the same, from the watch cache.
    pub resource_version: Option<String>,
    /// `timeoutSeconds`: the server ends the stream after this long (default
    /// [`DEFAULT_WATCH_TIMEOUT_SECONDS`]). It also sets the no-progress limit:
    /// see [`WatchParams::idle_limit`].
    pub timeout_seconds: Option<u32>,
    /// `allowWatchBookmarks` (default true): the server may send `BOOKMARK`
    /// events that only carry a newer `resourceVersion` to resume from.
    pub bookmarks: bool,
    /// `sendInitialEvents=true` (with `resourceVersionMatch=NotOlderThan`):
    /// the server streams the current objects (not older than
    /// `resource_version`; `None`: the latest) as `ADDED` events, then, with
    /// `bookmarks`, a bookmark annotated `k8s.io/initial-events-end`
    /// ([`INITIAL_EVENTS_END`], [`Bookmark::is_initial_events_end`]) at the
    /// `resourceVersion` of that state ("WatchList", Kubernetes 1.27+).
    /// Off by default. Servers that do not serve it answer 422 or 400; the
    /// [`Watcher`](crate::Watcher) starts this way and falls back to a list.
    pub send_initial_events: bool,
    /// An `Accept` header, e.g. kubectl's Table media types: each event's
    /// object is then a one-row `Table`.
    pub accept: Option<String>,
}

impl Default for WatchParams {
    fn default() -> Self {
        WatchParams {
            label_selector: None,
            field_selector: None,
            resource_version: None,
            timeout_seconds: Some(DEFAULT_WATCH_TIMEOUT_SECONDS),
            bookmarks: true,
            send_initial_events: false,
            accept: None,
        }
    }
}

// `labels` and `fields` mirror ListParams's on purpose: the two option
// types are separate (as in kube-rs), each with its own builder.
impl WatchParams {
    /// Sets the label selector.
    pub fn labels(mut self, selector: &str) -> Self {
        self.label_selector = Some(selector.to_string());
        self
    }

    /// Sets the field selector.
    pub fn fields(mut self, selector: &str) -> Self {
        self.field_selector = Some(selector.to_string());
        self
    }

    /// Starts after `resource_version` (a list's, or the last event's).
    pub fn at(mut self, resource_version: &str) -> Self {
        self.resource_version = Some(resource_version.to_string());
        self
    }

    /// Sets `timeoutSeconds`.
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.timeout_seconds = Some(seconds);
        self
    }

    /// Turns `allowWatchBookmarks` on or off.
    pub fn bookmarks(mut self, allow: bool) -> Self {
        self.bookmarks = allow;
        self
    }

    /// Asks for the current objects first (`sendInitialEvents=true`).
    pub fn initial_events(mut self) -> Self {
        self.send_initial_events = true;
        self
    }

    /// Sets the `Accept` header.
    pub fn accept(mut self, accept: &str) -> Self {
        self.accept = Some(accept.to_string());
        self
    }

    /// How long a read may wait for data before the watch is taken for dead:
    /// `timeoutSeconds` plus [`WATCH_IDLE_GRACE`], since a quiet resource may
    /// send nothing until the server ends the stream. Without
    /// `timeoutSeconds` the server picks up to an hour, so the limit is an
    /// hour plus the grace. A watch has no whole-request limit
    /// (`--request-timeout` does not apply to it).
    ///
    /// ```
    /// use std::time::Duration;
    /// let params = kapi::WatchParams::default().timeout(60);
    /// assert_eq!(params.idle_limit(), Duration::from_secs(75));
    /// ```
    pub fn idle_limit(&self) -> Duration {
        let server_side = match self.timeout_seconds {
            Some(seconds) => Duration::from_secs(seconds.into()),
            None => SERVER_MAX_WATCH,
        };
        server_side + WATCH_IDLE_GRACE
    }
}

/// One event of a watch.
///
/// An `ERROR` event is not a variant: the stream yields it as
/// `Err(Error::Api(status))` with the server's `Status` (`410 Expired`: the
/// `resourceVersion` is too old, list again).
///
/// New event types may be added: a `match` needs a `_` arm.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum WatchEvent<T> {
    /// `ADDED`: the object was created (or is new to this watch).
    Added(T),
    /// `MODIFIED`: the object changed.
    Modified(T),
    /// `DELETED`: the object is gone; this is its last state.
    Deleted(T),
    /// `BOOKMARK`: nothing changed, but the watch is now at this
    /// `resourceVersion`.
    Bookmark(Bookmark),
}

impl<T> WatchEvent<T> {
    /// The event type as the server names it: `ADDED`, `MODIFIED`,
    /// `DELETED` or `BOOKMARK`.
    pub fn type_name(&self) -> &'static str {
        match self {
            WatchEvent::Added(_) => "ADDED",
            WatchEvent::Modified(_) => "MODIFIED",
            WatchEvent::Deleted(_) => "DELETED",
            WatchEvent::Bookmark(_) => "BOOKMARK",
        }
    }
}

/// The annotation of the bookmark that ends the initial events of a
/// `sendInitialEvents` watch (its value is `"true"`).
pub const INITIAL_EVENTS_END: &str = "k8s.io/initial-events-end";

/// The object of a `BOOKMARK` event: only its `resourceVersion` (and
/// annotations) are meaningful.
///
/// In a Table watch (a Table `Accept`) the server converts bookmarks too:
/// the object is a one-row `Table`, its `resourceVersion` the Table's, its
/// annotations those of the row's object (which the server keeps for the
/// initial-events-end bookmark whatever `includeObject` says).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Bookmark {
    /// Where a new watch can resume from.
    pub resource_version: String,
    /// Annotations, e.g. `k8s.io/initial-events-end: "true"`.
    pub annotations: BTreeMap<String, String>,
}

impl Bookmark {
    /// True for the bookmark that ends the initial events of a
    /// `sendInitialEvents` watch.
    pub fn is_initial_events_end(&self) -> bool {
        self.annotations
            .get(INITIAL_EVENTS_END)
            .is_some_and(|v| v == "true")
    }
}

impl<'de> Deserialize<'de> for Bookmark {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize, Default)]
        #[serde(rename_all = "camelCase")]
        struct Meta {
            #[serde(default)]
            resource_version: String,
            #[serde(default)]
            annotations: Option<BTreeMap<String, String>>,
        }
        #[derive(Deserialize)]
        struct Row {
            #[serde(default)]
            object: Option<RowObject>,
        }
        #[derive(Deserialize)]
        struct RowObject {
            #[serde(default)]
            metadata: Meta,
        }
        #[derive(Deserialize)]
        struct Object {
            #[serde(default)]
            kind: Option<String>,
            #[serde(default)]
            metadata: Meta,
            #[serde(default)]
            rows: Option<Vec<Row>>,
        }
        let object = Object::deserialize(d)?;
        let mut meta = object.metadata;
        if object.kind.as_deref() == Some("Table") {
            let row = object
                .rows
                .into_iter()
                .flatten()
                .next()
                .and_then(|r| r.object)
                .map(|o| o.metadata)
                .unwrap_or_default();
            if meta.resource_version.is_empty() {
                meta.resource_version = row.resource_version;
            }
            meta.annotations = row.annotations;
        }
        Ok(Bookmark {
            resource_version: meta.resource_version,
            annotations: meta.annotations.unwrap_or_default(),
        })
    }
}

/// The events of one watch request, read from the chunked response as they
/// arrive: a blocking `Iterator<Item = Result<WatchEvent<T>>>`.
///
/// Each call to `next` blocks until the server sends an event, ends the
/// stream (`None`: a clean end, e.g. after `timeoutSeconds`), or fails.
/// Only the event being decoded is held, so memory stays flat however long
/// the watch runs; an event over [`MAX_EVENT_BYTES`] is an error.
///
/// Errors: an `ERROR` event is `Err(Error::Api(status))` and the stream goes
/// on (the server usually closes it next). A stream cut in the middle of an
/// event is `Err(Error::Transport { .. })` ("ended in the middle of an
/// event"), distinct from the clean end; it, and any read or decode error,
/// ends the iteration. An event whose object does not decode as `T` is an
/// `Err(Error::Decode { .. })` and the stream goes on.
///
/// ```no_run
/// # let client = kapi::Client::incluster()?;
/// let pods = client.api(client.resolve("pods")?).namespace("test");
/// for event in pods.watch::<serde_json::Value>(&kapi::WatchParams::default().labels("app=gateway"))? {
///     match event? {
///         kapi::WatchEvent::Added(pod) | kapi::WatchEvent::Modified(pod) => {
///             println!("{} {}", pod["metadata"]["name"], pod["status"]["phase"])
///         }
///         kapi::WatchEvent::Deleted(pod) => println!("{} deleted", pod["metadata"]["name"]),
///         _ => {} // bookmarks, and event types added later
///     }
/// }
/// # Ok::<(), kapi::Error>(())
/// ```
pub struct WatchStream<T> {
    events: serde_json::StreamDeserializer<'static, serde_json::de::IoRead<Body>, RawEvent>,
    /// Where the reader may read up to before the current event is too big.
    limit: Arc<AtomicU64>,
    max_event: u64,
    /// `GET https://.../pods`, for messages.
    request: String,
    server: String,
    done: bool,
    /// The column definitions of a Table watch that came on a bookmark
    /// (the first event of a watch carries them), for the next object.
    columns: Option<Value>,
    _object: PhantomData<fn() -> T>,
}

type Body = BufReader<Capped>;

impl<T: DeserializeOwned> WatchStream<T> {
    /// Decodes a watch body from any reader: a response, a recorded stream,
    /// a test's bytes.
    ///
    /// ```
    /// let body = br#"{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"5"}}}
    /// {"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}}
    /// "#;
    /// let mut events = kapi::WatchStream::<serde_json::Value>::from_reader(&body[..]);
    /// assert!(matches!(events.next(), Some(Ok(kapi::WatchEvent::Added(_)))));
    /// match events.next() {
    ///     Some(Ok(kapi::WatchEvent::Bookmark(b))) => assert_eq!(b.resource_version, "9"),
    ///     other => panic!("{other:?}"),
    /// }
    /// assert!(events.next().is_none());
    /// ```
    pub fn from_reader(reader: impl Read + Send + 'static) -> WatchStream<T> {
        WatchStream::new(Box::new(reader), "a watch".into(), "the server".into())
    }

    pub(crate) fn new(
        reader: Box<dyn Read + Send>,
        request: String,
        server: String,
    ) -> WatchStream<T> {
        WatchStream::with_max_event(reader, request, server, MAX_EVENT_BYTES)
    }

    /// [`WatchStream::from_reader`] with another event cap (`kapi::__fuzz`).
    #[cfg(feature = "_fuzz")]
    pub(crate) fn fuzz_with_max_event(
        reader: Box<dyn Read + Send>,
        max_event: u64,
    ) -> WatchStream<T> {
        WatchStream::with_max_event(reader, "a watch".into(), "the server".into(), max_event)
    }

    fn with_max_event(
        reader: Box<dyn Read + Send>,
        request: String,
        server: String,
        max_event: u64,
    ) -> WatchStream<T> {
        let limit = Arc::new(AtomicU64::new(max_event + BUFFER as u64));
        let capped = Capped {
            inner: reader,
            read: 0,
            limit: limit.clone(),
            max_event,
            request: request.clone(),
            server: server.clone(),
        };
        let body = BufReader::with_capacity(BUFFER, capped);
        WatchStream {
            events: serde_json::Deserializer::from_reader(body).into_iter(),
            limit,
            max_event,
            request,
            server,
            done: false,
            columns: None,
            _object: PhantomData,
        }
    }

    fn stream_error(&self, e: serde_json::Error) -> Error {
        if e.is_io() {
            return Error::from_io(e.into());
        }
        if e.is_eof() {
            return Error::Transport {
                server: self.server.clone(),
                message: format!(
                    "the watch stream of {} ended in the middle of an event",
                    self.request
                ),
                source: None,
            };
        }
        Error::Decode {
            request: self.request.clone(),
            source: e,
        }
    }

    fn decode(&mut self, mut raw: RawEvent) -> Result<WatchEvent<T>> {
        // In a Table watch only the first event carries the column
        // definitions; when that is a bookmark, the next object gets them.
        if raw.object["kind"] == "Table" {
            let defs = &mut raw.object["columnDefinitions"];
            let has_defs = defs.as_array().is_some_and(|d| !d.is_empty());
            if raw.kind == "BOOKMARK" {
                if has_defs {
                    self.columns = Some(defs.take());
                }
            } else if matches!(raw.kind.as_str(), "ADDED" | "MODIFIED" | "DELETED") {
                match self.columns.take() {
                    Some(saved) if !has_defs => *defs = saved,
                    _ => {}
                }
            }
        }
        let object = |value: Value| {
            serde_json::from_value::<T>(value).map_err(|source| Error::Decode {
                request: format!("a {} event of {}", raw.kind, self.request),
                source,
            })
        };
        match raw.kind.as_str() {
            "ADDED" => Ok(WatchEvent::Added(object(raw.object)?)),
            "MODIFIED" => Ok(WatchEvent::Modified(object(raw.object)?)),
            "DELETED" => Ok(WatchEvent::Deleted(object(raw.object)?)),
            "BOOKMARK" => serde_json::from_value::<Bookmark>(raw.object)
                .map(WatchEvent::Bookmark)
                .map_err(|source| Error::Decode {
                    request: format!("a BOOKMARK event of {}", self.request),
                    source,
                }),
            "ERROR" => Err(Error::Api(Box::new(error_status(raw.object)))),
            other => Err(Error::Decode {
                request: self.request.clone(),
                source: serde_json::Error::custom(format!("got invalid watch event type: {other}")),
            }),
        }
    }
}

impl<T: DeserializeOwned> Iterator for WatchStream<T> {
    type Item = Result<WatchEvent<T>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.events.next() {
            None => {
                self.done = true;
                None
            }
            Some(Ok(raw)) => {
                // The next event may read MAX_EVENT_BYTES past this one
                // (plus what the buffer already holds).
                let consumed = self.events.byte_offset() as u64;
                self.limit
                    .store(consumed + self.max_event + BUFFER as u64, Ordering::Relaxed);
                Some(self.decode(raw))
            }
            Some(Err(e)) => {
                self.done = true;
                Some(Err(self.stream_error(e)))
            }
        }
    }
}

impl<T> std::fmt::Debug for WatchStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatchStream")
            .field("request", &self.request)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Api {
    /// Starts one watch request (`?watch=1`) on the collection in scope.
    ///
    /// The request streams: it has no whole-request limit, and each read
    /// may wait up to [`WatchParams::idle_limit`] (the `timeoutSeconds` the
    /// server was asked for, plus [`WATCH_IDLE_GRACE`]) before the
    /// connection is taken for dead. A `410 Gone` answer (the
    /// `resourceVersion` is too old) is `Err(Error::Api)` with
    /// [`Error::is_gone`].
    ///
    /// ```no_run
    /// # let client = kapi::Client::incluster()?;
    /// let ds = client.api(client.resolve("ds")?).namespace("test");
    /// let mut list = ds.list(kapi::ListParams::default().fields("metadata.name=gateway"));
    /// while list.begin_page()?.is_some() {
    ///     while list.next_item::<serde_json::Value>()?.is_some() {}
    /// }
    /// let rv = list.resource_version().unwrap_or_default().to_string();
    /// let params = kapi::WatchParams::default().fields("metadata.name=gateway").at(&rv);
    /// for event in ds.watch::<serde_json::Value>(&params)? {
    ///     if let kapi::WatchEvent::Modified(ds) = event? {
    ///         println!("{} ready", ds["status"]["numberReady"]);
    ///     }
    /// }
    /// # Ok::<(), kapi::Error>(())
    /// ```
    pub fn watch<T: DeserializeOwned>(&self, params: &WatchParams) -> Result<WatchStream<T>> {
        let path = self.collection_path()?;
        let mut req = self.client().get(&path).query("watch", "1");
        if let Some(s) = &params.label_selector {
            req = req.query("labelSelector", s);
        }
        if let Some(s) = &params.field_selector {
            req = req.query("fieldSelector", s);
        }
        if let Some(rv) = &params.resource_version {
            req = req.query("resourceVersion", rv);
        }
        if params.send_initial_events {
            req = req
                .query("sendInitialEvents", "true")
                .query("resourceVersionMatch", "NotOlderThan");
        }
        if params.bookmarks {
            req = req.query("allowWatchBookmarks", "true");
        }
        if let Some(seconds) = params.timeout_seconds {
            req = req.query("timeoutSeconds", &seconds.to_string());
        }
        if let Some(accept) = &params.accept {
            req = req.header("Accept", accept);
        }
        let response = req.streaming(params.idle_limit()).send()?;
        let server = self.client().config().server().to_string();
        Ok(WatchStream::new(
            Box::new(response),
            format!("GET {server}{path}?watch=1"),
            server,
        ))
    }
}

/// The read buffer: a few events at a time.
const BUFFER: usize = 64 * 1024;

/// One event on the wire, its object still untyped.
#[derive(Deserialize)]
struct RawEvent {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    object: Value,
}

/// The `Status` of an `ERROR` event; anything else becomes a 500 that says
/// what came.
fn error_status(object: Value) -> Status {
    match serde_json::from_value::<Status>(object.clone()) {
        Ok(mut status) if status.code != 0 || !status.message.is_empty() => {
            if status.code == 0 {
                status.code = 500;
            }
            if status.reason.is_empty() {
                status.reason = "InternalError".into();
            }
            status
        }
        _ => Status::failure(
            500,
            "InternalError",
            &format!(
                "the watch sent an ERROR event without a Status: {}",
                crate::jsonpath::format_value(&object)
            ),
        ),
    }
}

/// The response body, refusing to read further than the shared limit: one
/// event may not grow past [`MAX_EVENT_BYTES`].
struct Capped {
    inner: Box<dyn Read + Send>,
    read: u64,
    limit: Arc<AtomicU64>,
    max_event: u64,
    request: String,
    server: String,
}

impl Read for Capped {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.read >= self.limit.load(Ordering::Relaxed) {
            return Err(io::Error::other(Error::Transport {
                server: self.server.clone(),
                message: format!(
                    "a watch event of {} is larger than {} bytes; the stream was dropped",
                    self.request, self.max_event
                ),
                source: None,
            }));
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn events(body: &'static str) -> Vec<Result<WatchEvent<Value>>> {
        WatchStream::<Value>::from_reader(body.as_bytes()).collect()
    }

    #[test]
    fn decodes_each_event_type() {
        let all = events(concat!(
            r#"{"type":"ADDED","object":{"metadata":{"name":"a"}}}"#,
            "\n",
            r#"{"type":"MODIFIED","object":{"metadata":{"name":"a"},"x":1}}"#,
            "\n",
            r#"{"type":"DELETED","object":{"metadata":{"name":"a"}}}"#,
            "\n",
            r#"{"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"12","annotations":{"k8s.io/initial-events-end":"true"}}}}"#,
            "\n",
        ));
        let names: Vec<&str> = all
            .iter()
            .map(|e| e.as_ref().unwrap().type_name())
            .collect();
        assert_eq!(names, ["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]);
        match &all[1] {
            Ok(WatchEvent::Modified(o)) => assert_eq!(o["x"], 1),
            other => panic!("{other:?}"),
        }
        match &all[3] {
            Ok(WatchEvent::Bookmark(b)) => {
                assert_eq!(b.resource_version, "12");
                assert!(b.is_initial_events_end());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn table_bookmarks_give_their_row_annotations_and_their_columns_to_the_next_event() {
        let all = events(concat!(
            r#"{"type":"BOOKMARK","object":{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"12"},"columnDefinitions":[{"name":"Name"}],"rows":[{"cells":[""],"object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"12","annotations":{"k8s.io/initial-events-end":"true"}}}}]}}"#,
            "\n",
            r#"{"type":"ADDED","object":{"kind":"Table","metadata":{"resourceVersion":"13"},"columnDefinitions":null,"rows":[{"cells":["a"],"object":null}]}}"#,
            "\n",
            r#"{"type":"BOOKMARK","object":{"kind":"Table","metadata":{"resourceVersion":"14"},"columnDefinitions":null,"rows":[{"cells":[""],"object":null}]}}"#,
            "\n",
            r#"{"type":"MODIFIED","object":{"kind":"Table","metadata":{"resourceVersion":"15"},"columnDefinitions":null,"rows":[{"cells":["a"],"object":null}]}}"#,
        ));
        match &all[0] {
            Ok(WatchEvent::Bookmark(b)) => {
                assert_eq!(b.resource_version, "12");
                assert!(b.is_initial_events_end());
            }
            other => panic!("{other:?}"),
        }
        match &all[1] {
            Ok(WatchEvent::Added(t)) => assert_eq!(t["columnDefinitions"][0]["name"], "Name"),
            other => panic!("{other:?}"),
        }
        match &all[2] {
            Ok(WatchEvent::Bookmark(b)) => {
                assert_eq!(b.resource_version, "14");
                assert!(!b.is_initial_events_end());
            }
            other => panic!("{other:?}"),
        }
        // Only once.
        match &all[3] {
            Ok(WatchEvent::Modified(t)) => assert!(t["columnDefinitions"].is_null()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn error_event_is_an_api_error_with_its_status_and_the_stream_goes_on() {
        let all = events(concat!(
            r#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 5 (10)","reason":"Expired","code":410}}"#,
            r#"{"type":"ADDED","object":{"metadata":{"name":"b"}}}"#,
        ));
        assert_eq!(all.len(), 2);
        let err = all[0].as_ref().unwrap_err();
        assert!(err.is_gone(), "{err}");
        assert_eq!(
            err.to_string(),
            "Error from server (Expired): too old resource version: 5 (10)"
        );
        assert!(matches!(all[1], Ok(WatchEvent::Added(_))));
    }

    #[test]
    fn error_event_without_status_is_still_an_api_error() {
        let all = events(r#"{"type":"ERROR","object":{"weird":true}}"#);
        let status = all[0].as_ref().unwrap_err().status().unwrap().clone();
        assert_eq!(status.code, 500);
        assert!(status.message.contains(r#"{"weird":true}"#), "{status:?}");
    }

    #[test]
    fn truncated_event_is_an_error_distinct_from_a_clean_end() {
        let all = events(concat!(
            r#"{"type":"ADDED","object":{"metadata":{"name":"a"}}}"#,
            "\n",
            r#"{"type":"MODIFIED","object":{"metad"#,
        ));
        assert_eq!(all.len(), 2);
        let err = all[1].as_ref().unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err:?}");
        assert!(
            err.to_string().contains("ended in the middle of an event"),
            "{err}"
        );
        // A clean end: just None.
        assert!(events("").is_empty());
        assert!(events("\n\n").is_empty());
    }

    #[test]
    fn unknown_event_type_is_reported_like_client_go() {
        let all = events(r#"{"type":"RENAMED","object":{}}"#);
        let err = all[0].as_ref().unwrap_err();
        assert!(
            err.to_string()
                .contains("got invalid watch event type: RENAMED"),
            "{err}"
        );
    }

    #[test]
    fn events_need_no_newlines_between_them() {
        let all = events(
            r#"{"type":"ADDED","object":{}}{"type":"ADDED","object":{}} {"type":"DELETED","object":{}}"#,
        );
        assert_eq!(all.len(), 3);
        assert!(all.iter().all(Result::is_ok));
    }

    #[test]
    fn objects_decode_into_the_callers_type_and_mismatches_do_not_end_the_stream() {
        #[derive(Deserialize, Debug)]
        struct Ds {
            status: DsStatus,
        }
        #[derive(Deserialize, Debug)]
        #[serde(rename_all = "camelCase")]
        struct DsStatus {
            number_ready: u32,
        }
        let body = concat!(
            r#"{"type":"MODIFIED","object":{"status":{"numberReady":"many"}}}"#,
            r#"{"type":"MODIFIED","object":{"status":{"numberReady":20}}}"#,
        );
        let all: Vec<_> = WatchStream::<Ds>::from_reader(body.as_bytes()).collect();
        assert!(matches!(all[0], Err(Error::Decode { .. })));
        match &all[1] {
            Ok(WatchEvent::Modified(ds)) => assert_eq!(ds.status.number_ready, 20),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn garbage_ends_the_stream_with_a_decode_error() {
        let all = events("{\"type\":\"ADDED\",\"object\":{}}\n<html>502</html>\n{\"type\":\"ADDED\",\"object\":{}}");
        assert_eq!(all.len(), 2);
        assert!(matches!(all[1], Err(Error::Decode { .. })), "{:?}", all[1]);
    }

    /// A reader that yields `{"type":"ADDED","object":{"pad":"xxxx...` forever.
    struct Endless {
        started: bool,
    }

    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if !self.started {
                self.started = true;
                let head = br#"{"type":"ADDED","object":{"pad":""#;
                buf[..head.len()].copy_from_slice(head);
                return Ok(head.len());
            }
            buf.fill(b'x');
            Ok(buf.len())
        }
    }

    fn capped(reader: impl Read + Send + 'static, max_event: u64) -> WatchStream<Value> {
        WatchStream::with_max_event(
            Box::new(reader),
            "GET x".into(),
            "https://h".into(),
            max_event,
        )
    }

    #[test]
    fn an_endless_event_is_cut_off_at_the_limit() {
        let mut stream = capped(Endless { started: false }, 1000);
        let err = stream.next().unwrap().unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err:?}");
        assert!(err.to_string().contains("larger than 1000 bytes"), "{err}");
        assert!(stream.next().is_none());
    }

    #[test]
    fn the_limit_is_per_event_not_per_stream() {
        // 500 events of ~600 bytes: 300 KB in all, far past the limit plus
        // the read buffer, each event under it.
        let pad = "y".repeat(600);
        let mut body = String::new();
        for i in 0..500 {
            body.push_str(&json!({"type": "MODIFIED", "object": {"i": i, "pad": pad}}).to_string());
            body.push('\n');
        }
        let count = capped(io::Cursor::new(body.into_bytes()), 1000)
            .inspect(|e| assert!(e.is_ok(), "{e:?}"))
            .count();
        assert_eq!(count, 500);
    }

    #[test]
    fn idle_limit_follows_timeout_seconds() {
        assert_eq!(
            WatchParams::default().idle_limit(),
            Duration::from_secs(290) + WATCH_IDLE_GRACE
        );
        let p = WatchParams {
            timeout_seconds: None,
            ..WatchParams::default()
        };
        assert_eq!(p.idle_limit(), Duration::from_secs(3615));
    }
}
