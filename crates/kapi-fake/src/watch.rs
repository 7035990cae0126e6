//! Watch streams: `GET ...?watch=1` answered with 200, `Transfer-Encoding:
//! chunked` and one JSON watch event per line, each flushed as it happens.
//!
//! From resourceVersion "" or "0" the stream starts with a synthetic ADDED
//! per matching object (as the real server does); from a later
//! resourceVersion it replays the history after it, or sends one ERROR
//! event with a 410 `Expired` Status when that history was compacted. With
//! `sendInitialEvents=true` (WatchList; `resourceVersionMatch=NotOlderThan`
//! required, see [`crate::watch_list`]) it starts with an ADDED per current
//! object whatever the resourceVersion, then, with `allowWatchBookmarks`, the
//! BOOKMARK annotated `k8s.io/initial-events-end` at the resourceVersion of
//! that state; `sendInitialEvents=false` sends no initial events. It ends
//! cleanly after `timeoutSeconds` (default 30 minutes), or abruptly when a
//! test cuts it ([`WatchMsg::Cut`]).

use std::sync::Arc;
use std::time::Duration;

use hyper::body::Bytes;
use hyper::Response;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::api::Api;
use crate::catalog::ResourceInfo;
use crate::json::Json;
use crate::predicate::Predicate;
use crate::request::{parse_bool, ApiRequest};
use crate::response::{self, Body, BoxError};
use crate::status::{self, Status};
use crate::store::{EventKind, Store, Stored, WatchMsg, Watcher};
use crate::table::{self, Converter, IncludeObject, TableVersion};
use crate::watch_list::{self, WatchList};

/// The watch timeout when the client gives none (the real server picks one
/// between 30 and 60 minutes).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);

/// The error a test cut ends the stream with.
#[derive(Debug)]
struct Cut;

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("kapi-fake: watch stream cut by the test")
    }
}

impl std::error::Error for Cut {}

/// How event objects are written: as themselves, or as one-row Tables
/// (`kubectl get -w`), the first with column definitions.
struct Encoder {
    table: Option<(TableVersion, Converter, IncludeObject)>,
    headers_sent: bool,
    api: Arc<Api>,
}

impl Encoder {
    fn line(&mut self, kind: &str, object: &Stored) -> String {
        let encoded = match &self.table {
            None => object.encode(),
            Some((version, converter, include)) => {
                let rv = object.object["metadata"]["resourceVersion"].clone();
                let meta = Json::obj([(
                    "resourceVersion",
                    Json::Str(rv.as_str().unwrap_or_default().into()),
                )]);
                // Only the first event carries the column definitions.
                let mut table = table::table_start(*version, meta, converter, !self.headers_sent);
                self.headers_sent = true;
                let full = match include {
                    IncludeObject::Object => object.encode(),
                    _ => String::new(),
                };
                let template = if object.custom {
                    None
                } else {
                    object.template.as_deref()
                };
                table.push_str(
                    &converter
                        .row(
                            &object.object,
                            &full,
                            template,
                            *include,
                            self.api.clock.now(),
                        )
                        .encode(),
                );
                table.push_str("]}");
                table
            }
        };
        format!("{{\"type\":\"{kind}\",\"object\":{encoded}}}\n")
    }

    /// A BOOKMARK's object (`object`: only kind, apiVersion and metadata)
    /// as it is written: itself, or, in a Table watch, converted like any
    /// event (a one-row Table, with the column definitions if it is the
    /// first event), its row's object the PartialObjectMetadata when it
    /// carries the initial-events-end annotation, whatever `includeObject`
    /// (apiserver `asTable`).
    fn bookmark(&mut self, object: &Value, initial_events_end: bool) -> String {
        let Some((version, converter, include)) = &self.table else {
            return Json::object(object, None).encode();
        };
        let meta = Json::obj([(
            "resourceVersion",
            Json::from(
                object["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or_default(),
            ),
        )]);
        let mut table = table::table_start(*version, meta, converter, !self.headers_sent);
        self.headers_sent = true;
        let include = if initial_events_end {
            IncludeObject::Metadata
        } else {
            *include
        };
        let encoded = Json::object(object, None).encode();
        table.push_str(
            &converter
                .row(object, &encoded, None, include, self.api.clock.now())
                .encode(),
        );
        table.push_str("]}");
        table
    }
}

/// Answers a watch on `info` (in `namespace`, or all), optionally on the
/// object `name` only.
pub(crate) fn watch(
    api: &Arc<Api>,
    req: &ApiRequest,
    info: &ResourceInfo,
    crd: Option<&Value>,
    namespace: Option<&str>,
    name: Option<&str>,
) -> Response<Body> {
    let mut field_selector = req.param("fieldSelector").unwrap_or_default().to_string();
    if let Some(name) = name {
        if !field_selector.is_empty() {
            field_selector.push(',');
        }
        field_selector.push_str(&format!("metadata.name={name}"));
    }
    let predicate = match Predicate::parse(
        req.param("labelSelector"),
        Some(&field_selector),
        &info.group,
        &info.resource,
    ) {
        Ok(p) => p,
        Err(message) => return response::status(&status::bad_request(message)),
    };
    let timeout = match req.param("timeoutSeconds").map(str::parse::<u64>) {
        None => DEFAULT_TIMEOUT,
        Some(Ok(seconds)) => Duration::from_secs(seconds),
        Some(Err(_)) => {
            return response::status(&status::bad_request(format!(
                "timeoutSeconds: Invalid value: {}: must be a number of seconds",
                status::go_quote(req.param("timeoutSeconds").unwrap_or_default())
            )))
        }
    };
    let mode = api.watch_list();
    if let Err(status) = watch_list::validate_watch(req, mode) {
        return response::status(&status);
    }
    // `Some(true)`: WatchList; `Some(false)`: no initial events at all.
    let send_initial = match mode {
        WatchList::Ignored => None,
        _ => watch_list::send_initial_events(req),
    };
    let bookmarks = req.param("allowWatchBookmarks").is_some_and(parse_bool);
    let rv_param = req.param("resourceVersion").unwrap_or_default();
    let from: Option<u64> = match rv_param {
        "" | "0" => None,
        rv => match rv.parse() {
            Ok(rv) => Some(rv),
            Err(_) => {
                return response::status(&status::bad_request(format!(
                    "invalid resource version: {}",
                    status::go_quote(rv)
                )))
            }
        },
    };
    let table = match table::negotiate(req.header("accept")) {
        Some(version) => {
            let include = match IncludeObject::parse(req.param("includeObject")) {
                Ok(include) => include,
                Err(message) => return response::status(&status::bad_request(message)),
            };
            let converter = match crd {
                Some(crd) => Converter::custom(crd, &info.version),
                None => Converter::builtin(&info.group, &info.resource),
            };
            Some((version, converter, include))
        }
        None => None,
    };
    // Builder::watch_events: objects only, not Tables.
    let synthetic = match table {
        None if covers_generated(info, namespace) && api.many_pods.count() > 0 => api.watch_events,
        _ => 0,
    };

    let (tx, rx) = mpsc::unbounded_channel();
    let watcher = Watcher {
        group: info.group.clone(),
        resource: info.resource.clone(),
        namespace: namespace.map(str::to_string),
        predicate: predicate.clone(),
        bookmarks,
        tx,
    };
    // Under one lock: the starting events and the registration, so no
    // change falls between them.
    let (initial, error, start_rv) = {
        let mut store = api.store();
        let start_rv = store.rv();
        match from {
            Some(rv) if rv > store.rv() => (
                Vec::new(),
                Some(Status::failure(
                    504,
                    "Timeout",
                    format!("Too large resource version: {rv}, current: {}", store.rv()),
                )),
                start_rv,
            ),
            // The state now, which is not older than any resourceVersion
            // asked for.
            _ if send_initial == Some(true) => {
                let initial = current_objects(api, &store, info, namespace, &predicate);
                store.add_watcher(watcher);
                (initial, None, start_rv)
            }
            None if send_initial == Some(false) => {
                store.add_watcher(watcher);
                (Vec::new(), None, start_rv)
            }
            None => {
                let initial = current_objects(api, &store, info, namespace, &predicate);
                store.add_watcher(watcher);
                (initial, None, start_rv)
            }
            Some(rv) => match store.events_since(rv, &watcher) {
                Ok(events) => {
                    let initial = Store::view_for(&watcher, &events);
                    store.add_watcher(watcher);
                    (initial, None, start_rv)
                }
                Err(compacted) => (
                    Vec::new(),
                    Some(status::too_old_resource_version(rv, compacted.0)),
                    start_rv,
                ),
            },
        }
    };

    let (body_tx, body) = response::channel(16);
    let encoder = Encoder {
        table,
        headers_sent: false,
        api: api.clone(),
    };
    let kind = info.kind.clone();
    let api_version = info.api_version();
    let custom = crd.is_some();
    let pods = api.many_pods;
    tokio::spawn(async move {
        let mut stream = Stream {
            body: body_tx,
            encoder,
            kind,
            api_version,
            custom,
        };
        if let Some(error) = error {
            let line = format!(
                "{{\"type\":\"ERROR\",\"object\":{}}}\n",
                error.json().encode()
            );
            let _ = stream.body.send(Ok(Bytes::from(line))).await;
            return;
        }
        for msg in initial {
            if !stream.deliver(msg).await {
                return;
            }
        }
        if send_initial == Some(true) && bookmarks && !stream.bookmark(start_rv, true).await {
            return;
        }
        if synthetic > 0 && !stream.synthetic(&pods, synthetic, start_rv).await {
            return;
        }
        stream.run(rx, timeout).await;
    });
    response::with_type(200, "application/json", body)
}

/// The objects a watch from "now" starts with, as ADDED events.
fn current_objects(
    api: &Api,
    store: &Store,
    info: &ResourceInfo,
    namespace: Option<&str>,
    predicate: &Predicate,
) -> Vec<WatchMsg> {
    let listed = store
        .list(&info.group, &info.resource, namespace, None)
        .unwrap_or_default();
    let mut out: Vec<WatchMsg> = listed
        .into_iter()
        .filter(|(_, s)| predicate.matches(&s.object))
        .map(|(_, object)| WatchMsg::Event {
            kind: EventKind::Added,
            object,
        })
        .collect();
    let pods = api.many_pods;
    if covers_generated(info, namespace) {
        for i in 0..pods.count() {
            if predicate.is_everything() || predicate.matches(&pods.selectable(i)) {
                out.push(WatchMsg::Event {
                    kind: EventKind::Added,
                    object: Stored::new(pods.value(i), None, false),
                });
            }
        }
    }
    out
}

/// Whether a watch on `info` in `namespace` sees the generated pods.
fn covers_generated(info: &ResourceInfo, namespace: Option<&str>) -> bool {
    info.group.is_empty()
        && info.resource == "pods"
        && namespace.is_none_or(|ns| ns == crate::many_pods::NAMESPACE)
}

struct Stream {
    body: mpsc::Sender<Result<Bytes, BoxError>>,
    encoder: Encoder,
    kind: String,
    api_version: String,
    custom: bool,
}

impl Stream {
    /// Writes one message; `false` once the stream is over.
    async fn deliver(&mut self, msg: WatchMsg) -> bool {
        match msg {
            WatchMsg::Event { kind, object } => {
                let line = self.encoder.line(kind.as_str(), &object);
                self.body.send(Ok(Bytes::from(line))).await.is_ok()
            }
            WatchMsg::Bookmark(rv) => self.bookmark(rv, false).await,
            WatchMsg::Cut { mid_line } => {
                if mid_line {
                    let half = format!(
                        "{{\"type\":\"MODIFIED\",\"object\":{{\"kind\":\"{}\",\"apiVer",
                        self.kind
                    );
                    let _ = self.body.send(Ok(Bytes::from(half))).await;
                    // hyper drops unflushed output when a body fails: let
                    // the half line reach the client first.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                let _ = self.body.send(Err(Box::new(Cut))).await;
                false
            }
        }
    }

    /// The `n` events of [`Builder::watch_events`](crate::Builder::watch_events),
    /// at resourceVersions after `rv`, written in chunks of about 64 KB as a
    /// real server coalesces events that queue up.
    async fn synthetic(&mut self, pods: &crate::many_pods::ManyPods, n: usize, rv: u64) -> bool {
        // Each pod's event text once, then copies: the fake must outrun
        // the client it measures.
        let distinct = pods.count().min(n);
        let parts: Vec<(String, String)> = (0..distinct)
            .map(|i| pods.modified_event_parts(i))
            .collect();
        const CHUNK: usize = 64 * 1024;
        let mut chunk = String::with_capacity(2 * CHUNK);
        for k in 0..n {
            let (before, after) = &parts[k % distinct];
            chunk.push_str(before);
            chunk.push_str(&(rv + 1 + k as u64).to_string());
            chunk.push_str(after);
            if chunk.len() >= CHUNK || k + 1 == n {
                let full = Bytes::from(std::mem::replace(
                    &mut chunk,
                    String::with_capacity(2 * CHUNK),
                ));
                if self.body.send(Ok(full)).await.is_err() {
                    return false;
                }
            }
        }
        true
    }

    /// A BOOKMARK: an object of the watched kind with only its
    /// resourceVersion (and the initial-events-end annotation when asked).
    async fn bookmark(&mut self, rv: u64, initial_events_end: bool) -> bool {
        let mut meta = serde_json::Map::new();
        meta.insert("resourceVersion".into(), rv.to_string().into());
        if !self.custom {
            meta.insert("creationTimestamp".into(), Value::Null);
        }
        if initial_events_end {
            meta.insert(
                "annotations".into(),
                serde_json::json!({"k8s.io/initial-events-end": "true"}),
            );
        }
        let object = serde_json::json!({
            "kind": self.kind,
            "apiVersion": self.api_version,
            "metadata": meta,
        });
        let object = self.encoder.bookmark(&object, initial_events_end);
        let line = format!("{{\"type\":\"BOOKMARK\",\"object\":{object}}}\n");
        self.body.send(Ok(Bytes::from(line))).await.is_ok()
    }

    /// Forwards store events until the timeout, the client leaving, or a cut.
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<WatchMsg>, timeout: Duration) {
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                _ = &mut deadline => return,
                _ = self.body.closed() => return,
                msg = rx.recv() => match msg {
                    Some(msg) => if !self.deliver(msg).await { return },
                    None => return,
                },
            }
        }
    }
}
