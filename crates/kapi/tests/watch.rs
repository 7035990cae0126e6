//! The watch stream and the list-then-watch [`kapi::Watcher`] against the
//! TLS fake API server, with watch answers mounted per test (each a whole
//! body: the stream ends where the body ends).
//!
//! The server refuses WatchList, as a 1.33 one does: each watcher's
//! streaming start is refused once, and what these tests look at is the
//! list and watches that follow. The streaming start itself is in
//! `watch_list.rs`.

use std::time::{Duration, Instant};

use kapi::watcher::Event;
use kapi::{Client, Config, ListParams, WatchEvent, WatchParams};
use kapi_fake::wiremock::matchers::{method, path, query_param, query_param_is_missing};
use kapi_fake::wiremock::{Mock, ResponseTemplate};
use kapi_fake::{FakeApiServer, Recorded, WatchList};
use serde_json::{json, Value};

const DS: &str = "/apis/apps/v1/namespaces/test/daemonsets";

/// A fake that refuses `sendInitialEvents` (422, as 1.33 does).
fn start() -> FakeApiServer {
    FakeApiServer::builder()
        .watch_list(WatchList::Disabled)
        .build()
}

fn client(server: &FakeApiServer) -> Client {
    let config = Config::new(server.url())
        .with_ca_file(kapi_fake::fixtures_dir().join("pki/ca.crt"))
        .unwrap()
        .with_token(server.token())
        .with_namespace("test");
    Client::new(config).unwrap()
}

fn ds(rv: &str, ready: u32) -> Value {
    json!({"kind": "DaemonSet", "apiVersion": "apps/v1",
           "metadata": {"name": "gateway", "namespace": "test", "resourceVersion": rv},
           "status": {"numberReady": ready}})
}

fn list_body(rv: &str, items: &[Value]) -> String {
    json!({"kind": "DaemonSetList", "apiVersion": "apps/v1",
           "metadata": {"resourceVersion": rv}, "items": items})
    .to_string()
}

fn events(events: &[(&str, Value)]) -> String {
    events
        .iter()
        .map(|(kind, object)| json!({"type": kind, "object": object}).to_string() + "\n")
        .collect()
}

fn bookmark(rv: &str) -> Value {
    json!({"kind": "DaemonSet", "apiVersion": "apps/v1", "metadata": {"resourceVersion": rv}})
}

fn gone() -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
           "message": "too old resource version: 100 (150)", "reason": "Expired", "code": 410})
}

fn ok(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body, "application/json")
}

/// The list (no `watch` parameter) answers `body`, `times` times.
fn mount_list(server: &FakeApiServer, body: String, times: u64) {
    server.mount(
        Mock::given(method("GET"))
            .and(path(DS))
            .and(query_param_is_missing("watch"))
            .respond_with(ok(body))
            .up_to_n_times(times),
    );
}

/// A watch from `rv` answers `response`.
fn mount_watch(server: &FakeApiServer, rv: &str, response: ResponseTemplate) {
    server.mount(
        Mock::given(method("GET"))
            .and(path(DS))
            .and(query_param("watch", "1"))
            .and(query_param("resourceVersion", rv))
            .respond_with(response),
    );
}

/// The watches, but for the refused streaming start.
fn watches(server: &FakeApiServer) -> Vec<Recorded> {
    server
        .requests()
        .into_iter()
        .filter(|r| {
            r.path == DS
                && r.query_param("watch") == Some("1")
                && r.query_param("sendInitialEvents").is_none()
        })
        .collect()
}

fn lists(server: &FakeApiServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path == DS && r.query_param("watch").is_none())
        .count()
}

fn ready(event: &Event<Value>) -> Option<u64> {
    event
        .object()
        .and_then(|o| o["status"]["numberReady"].as_u64())
}

#[test]
fn a_watch_request_streams_typed_events_with_its_parameters() {
    let server = start();
    let client = client(&server);
    mount_watch(
        &server,
        "100",
        ok(events(&[
            ("MODIFIED", ds("101", 20)),
            ("BOOKMARK", bookmark("105")),
            ("DELETED", ds("106", 20)),
        ])),
    );
    let api = client.api(kapi::builtin("ds").unwrap()).namespace("test");
    let params = WatchParams::default()
        .fields("metadata.name=gateway")
        .at("100")
        .timeout(30);
    let got: Vec<WatchEvent<Value>> = api
        .watch::<Value>(&params)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        got.iter().map(|e| e.type_name()).collect::<Vec<_>>(),
        ["MODIFIED", "BOOKMARK", "DELETED"]
    );
    let watch = &watches(&server)[0];
    assert_eq!(
        watch.query_param("fieldSelector"),
        Some("metadata.name=gateway")
    );
    assert_eq!(watch.query_param("allowWatchBookmarks"), Some("true"));
    assert_eq!(watch.query_param("timeoutSeconds"), Some("30"));
    assert_eq!(watch.query_param("timeout"), None);
}

#[test]
fn watcher_lists_then_resumes_from_the_last_resource_version_bookmarks_included() {
    let server = start();
    let client = client(&server);
    mount_list(&server, list_body("100", &[ds("90", 19)]), 1);
    mount_watch(
        &server,
        "100",
        ok(events(&[
            ("MODIFIED", ds("101", 19)),
            ("BOOKMARK", bookmark("105")),
        ])),
    );
    mount_watch(&server, "105", ok(events(&[("MODIFIED", ds("106", 20))])));
    let api = client.api(kapi::builtin("ds").unwrap()).namespace("test");
    let got: Vec<Event<Value>> = api
        .watcher::<Value>(ListParams::default().fields("metadata.name=gateway"))
        .take(5)
        .map(Result::unwrap)
        .collect();
    assert!(matches!(got[0], Event::Init));
    assert!(matches!(got[1], Event::InitApply(_)));
    assert_eq!(got[1].object().unwrap()["kind"], "DaemonSet");
    assert!(matches!(got[2], Event::InitDone));
    assert!(matches!(got[3], Event::Modified(_)));
    assert_eq!(ready(&got[4]), Some(20));
    let watches = watches(&server);
    assert_eq!(watches.len(), 2);
    for w in &watches {
        assert_eq!(w.query_param("allowWatchBookmarks"), Some("true"));
        assert_eq!(
            w.query_param("fieldSelector"),
            Some("metadata.name=gateway")
        );
        let timeout: u32 = w.query_param("timeoutSeconds").unwrap().parse().unwrap();
        assert!((230..=290).contains(&timeout), "{timeout}");
    }
    assert_eq!(watches[1].query_param("resourceVersion"), Some("105"));
    // Asked for a stream once, then listed; no second try.
    let streams = server
        .requests()
        .iter()
        .filter(|r| r.query_param("sendInitialEvents").is_some())
        .count();
    assert_eq!(streams, 1);
}

#[test]
fn a_stream_cut_mid_event_resumes_from_the_last_event() {
    let server = start();
    let client = client(&server);
    mount_list(&server, list_body("100", &[ds("90", 19)]), 1);
    let cut = events(&[("MODIFIED", ds("101", 19))]) + r#"{"type":"MODIFIED","object":{"meta"#;
    mount_watch(&server, "100", ok(cut));
    mount_watch(&server, "101", ok(events(&[("MODIFIED", ds("102", 20))])));
    let api = client.api(kapi::builtin("ds").unwrap()).namespace("test");
    let got: Vec<Event<Value>> = api
        .watcher::<Value>(ListParams::default())
        .take(5)
        .map(Result::unwrap)
        .collect();
    assert_eq!(ready(&got[4]), Some(20));
    assert_eq!(
        watches(&server)[1].query_param("resourceVersion"),
        Some("101")
    );
}

#[test]
fn gone_as_an_error_event_relists() {
    let server = start();
    let client = client(&server);
    mount_list(&server, list_body("100", &[ds("90", 19)]), 1);
    mount_list(&server, list_body("200", &[ds("190", 20)]), 1);
    mount_watch(
        &server,
        "100",
        ok(events(&[("MODIFIED", ds("101", 19)), ("ERROR", gone())])),
    );
    let api = client.api(kapi::builtin("ds").unwrap()).namespace("test");
    let got: Vec<Event<Value>> = api
        .watcher::<Value>(ListParams::default())
        .take(7)
        .map(Result::unwrap)
        .collect();
    assert!(matches!(got[3], Event::Modified(_)));
    assert!(matches!(got[4], Event::Init));
    assert_eq!(ready(&got[5]), Some(20));
    assert!(matches!(got[6], Event::InitDone));
    assert_eq!(lists(&server), 2);
}

#[test]
fn gone_as_an_http_status_relists() {
    let server = start();
    let client = client(&server);
    mount_list(&server, list_body("100", &[ds("90", 19)]), 1);
    mount_list(&server, list_body("200", &[ds("190", 20)]), 1);
    mount_watch(
        &server,
        "100",
        ResponseTemplate::new(410).set_body_raw(gone().to_string(), "application/json"),
    );
    let api = client.api(kapi::builtin("ds").unwrap()).namespace("test");
    let started = Instant::now();
    let got: Vec<Event<Value>> = api
        .watcher::<Value>(ListParams::default())
        .take(6)
        .map(Result::unwrap)
        .collect();
    assert!(matches!(got[3], Event::Init));
    assert_eq!(ready(&got[4]), Some(20));
    assert_eq!(lists(&server), 2);
    // A 410 right after a list counts as a failure: one backoff, no more.
    assert!(started.elapsed() >= Duration::from_millis(500));
}

#[test]
fn forbidden_is_yielded_at_once_and_ends_the_watcher() {
    let server = start();
    let client = client(&server);
    mount_list(&server, list_body("100", &[]), 1);
    let forbidden = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
        "message": "daemonsets.apps is forbidden: User \"system:serviceaccount:test:restricted\" cannot watch resource \"daemonsets\" in API group \"apps\" in the namespace \"test\"",
        "reason": "Forbidden", "code": 403});
    mount_watch(
        &server,
        "100",
        ResponseTemplate::new(403).set_body_raw(forbidden.to_string(), "application/json"),
    );
    let api = client.api(kapi::builtin("ds").unwrap()).namespace("test");
    let mut watcher = api.watcher::<Value>(ListParams::default());
    assert!(matches!(watcher.next(), Some(Ok(Event::Init))));
    assert!(matches!(watcher.next(), Some(Ok(Event::InitDone))));
    let err = watcher.next().unwrap().unwrap_err();
    assert!(err.is_forbidden(), "{err}");
    assert!(watcher.next().is_none());
    assert_eq!(watches(&server).len(), 1);
}

#[test]
fn a_failing_server_is_given_up_on_after_backing_off() {
    let server = start();
    let client = client(&server);
    mount_list(&server, list_body("100", &[]), 1);
    mount_watch(&server, "100", ResponseTemplate::new(503));
    let api = client.api(kapi::builtin("ds").unwrap()).namespace("test");
    let started = Instant::now();
    let mut watcher = api.watcher::<Value>(ListParams::default()).max_failures(2);
    let results: Vec<_> = watcher.by_ref().collect();
    assert!(
        results
            .last()
            .unwrap()
            .as_ref()
            .unwrap_err()
            .status()
            .unwrap()
            .code
            == 503
    );
    assert!(watcher.next().is_none());
    assert_eq!(watches(&server).len(), 2);
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(500), "{waited:?}");
}

#[test]
fn watches_that_end_at_once_back_off_instead_of_spinning() {
    let server = start();
    let client = client(&server);
    mount_list(&server, list_body("100", &[]), 1);
    mount_watch(&server, "100", ok(String::new()));
    let api = client.api(kapi::builtin("ds").unwrap()).namespace("test");
    let started = Instant::now();
    let results: Vec<_> = api
        .watcher::<Value>(ListParams::default())
        .max_failures(2)
        .collect();
    let err = results.last().unwrap().as_ref().unwrap_err();
    assert!(err.to_string().contains("ended the watch at once"), "{err}");
    assert_eq!(watches(&server).len(), 2);
    assert!(started.elapsed() >= Duration::from_millis(500));
}

#[test]
fn a_deadline_ends_the_watcher_and_bounds_each_watch() {
    let server = start();
    let client = client(&server);
    mount_list(&server, list_body("100", &[]), 1);
    mount_watch(&server, "100", ok(String::new()));
    let api = client.api(kapi::builtin("ds").unwrap()).namespace("test");
    let started = Instant::now();
    let results: Vec<_> = api
        .watcher::<Value>(ListParams::default())
        .until(Instant::now() + Duration::from_millis(300))
        .collect();
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(watches(&server)[0].query_param("timeoutSeconds"), Some("1"));
}

/// The fake's own watch: a live chunked stream, written as things change.
#[test]
fn a_live_stream_delivers_each_change_as_it_happens_and_a_cut_is_an_error() {
    let server = start();
    let client = client(&server);
    let api = client.api(kapi::builtin("ds").unwrap()).namespace("test");
    let rv = server.resource_version();
    let params = WatchParams::default()
        .fields("metadata.name=gateway")
        .at(&rv);
    let mut stream = api.watch::<Value>(&params).unwrap();
    assert!(server.wait_for_watches(1, Duration::from_secs(10)));
    server.update(
        "/apis/apps/v1/namespaces/test/daemonsets/gateway",
        json!({"status": {"numberReady": 20}}),
    );
    match stream.next() {
        Some(Ok(WatchEvent::Modified(ds))) => assert_eq!(ds["status"]["numberReady"], 20),
        other => panic!("{other:?}"),
    }
    server.send_bookmarks();
    match stream.next() {
        Some(Ok(WatchEvent::Bookmark(b))) => {
            assert_eq!(b.resource_version, server.resource_version())
        }
        other => panic!("{other:?}"),
    }
    server.drop_watches_mid_event();
    let err = stream.next().unwrap().unwrap_err();
    assert!(matches!(err, kapi::Error::Transport { .. }), "{err:?}");
    assert!(stream.next().is_none());
}

#[test]
fn a_watch_from_a_compacted_resource_version_gets_gone() {
    let server = start();
    let client = client(&server);
    let api = client.api(kapi::builtin("ds").unwrap()).namespace("test");
    let old = server.resource_version();
    server.update(
        "/api/v1/namespaces/test/configmaps/app-config",
        json!({"data": {"x": "1"}}),
    );
    server.compact_now();
    let mut stream = api
        .watch::<Value>(&WatchParams::default().at(&old))
        .unwrap();
    let err = stream.next().unwrap().unwrap_err();
    assert!(err.is_gone(), "{err}");
}
