//! The [`kapi::Watcher`]'s streaming start (WatchList: `sendInitialEvents`)
//! and its fallback to a list, against the TLS fake API server: its own
//! watch-list streams, its refusals ([`WatchList`]), and stream bodies
//! mounted per test.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kapi::watcher::Event;
use kapi::{Client, Config, ListParams};
use kapi_fake::wiremock::matchers::{method, path, query_param, query_param_is_missing};
use kapi_fake::wiremock::{Mock, ResponseTemplate};
use kapi_fake::{FakeApiServer, Recorded, WatchList};
use serde_json::{json, Value};

const DS: &str = "/apis/apps/v1/namespaces/test/daemonsets";
const GATEWAY: &str = "/apis/apps/v1/namespaces/test/daemonsets/gateway";

/// The streaming start's query, up to its (jittered) `timeoutSeconds`.
const STREAM: &str = "watch=1&fieldSelector=metadata.name=gateway&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true";

fn client(server: &FakeApiServer) -> Client {
    let config = Config::new(server.url())
        .with_ca_file(kapi_fake::fixtures_dir().join("pki/ca.crt"))
        .unwrap()
        .with_token(server.token())
        .with_namespace("test");
    Client::new(config).unwrap()
}

fn api(client: &Client) -> kapi::Api {
    client.api(kapi::builtin("ds").unwrap()).namespace("test")
}

fn gateway() -> ListParams {
    ListParams::default().fields("metadata.name=gateway")
}

/// The requests on the DaemonSet collection.
fn requests(server: &FakeApiServer) -> Vec<Recorded> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path == DS)
        .collect()
}

/// Each request's query, `timeoutSeconds` (jittered) cut off.
fn queries(server: &FakeApiServer) -> Vec<String> {
    requests(server)
        .iter()
        .map(|r| {
            let q = r.query_string();
            match q.find("&timeoutSeconds=") {
                Some(at) => q[..at].to_string(),
                None => q,
            }
        })
        .collect()
}

/// The event names, objects as `name@numberReady`.
fn shape(events: &[Event<Value>]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            Event::Init => "Init".to_string(),
            Event::InitDone => "InitDone".to_string(),
            Event::InitApply(o) | Event::Added(o) | Event::Modified(o) | Event::Deleted(o) => {
                let kind = match e {
                    Event::InitApply(_) => "InitApply",
                    Event::Added(_) => "Added",
                    Event::Modified(_) => "Modified",
                    _ => "Deleted",
                };
                format!(
                    "{kind} {}@{}",
                    o["metadata"]["name"].as_str().unwrap_or("-"),
                    o["status"]["numberReady"]
                )
            }
            other => format!("{other:?}"),
        })
        .collect()
}

/// The first three events (the state), then one change a test thread
/// makes once the watch is open.
fn state_then_a_change(
    server: &FakeApiServer,
    watcher: &mut kapi::Watcher<Value>,
) -> Vec<Event<Value>> {
    let mut got: Vec<Event<Value>> = watcher.take(3).map(Result::unwrap).collect();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            assert!(server.wait_for_watches(1, Duration::from_secs(10)));
            server.update(GATEWAY, json!({"status": {"numberReady": 20}}));
        });
        got.push(watcher.next().unwrap().unwrap());
    });
    got
}

/// Takes the first three events (the state), then lets a test thread cut
/// the watch once it is open after compacting the history, so the watch
/// that resumes gets `410 Gone`; returns the next three (the state again).
fn state_then_gone(
    server: &FakeApiServer,
    watcher: &mut kapi::Watcher<Value>,
) -> Vec<Event<Value>> {
    let first: Vec<_> = watcher.by_ref().take(3).map(Result::unwrap).collect();
    assert_eq!(shape(&first), ["Init", "InitApply gateway@19", "InitDone"]);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            assert!(server.wait_for_watches(1, Duration::from_secs(10)));
            // Changes the watch does not see move the history on.
            server.update(
                "/api/v1/namespaces/test/configmaps/app-config",
                json!({"data": {"x": "1"}}),
            );
            server.compact_now();
            server.drop_watches();
        });
        watcher.by_ref().take(3).map(Result::unwrap).collect()
    })
}

const STATE_THEN_CHANGE: [&str; 4] = [
    "Init",
    "InitApply gateway@19",
    "InitDone",
    "Modified gateway@20",
];

#[test]
fn the_state_comes_from_one_streaming_watch_that_goes_on_with_the_changes() {
    let server = FakeApiServer::start();
    let client = client(&server);
    let mut watcher = api(&client).watcher::<Value>(gateway());
    assert!(watcher.uses_watch_list());
    let got = state_then_a_change(&server, &mut watcher);
    assert_eq!(shape(&got), STATE_THEN_CHANGE);
    // The object came as a watch event carries it.
    assert_eq!(got[1].object().unwrap()["kind"], "DaemonSet");
    // One request: no list, and the change came on the same stream.
    assert_eq!(queries(&server), [STREAM]);
    let timeout: u32 = requests(&server)[0]
        .query_param("timeoutSeconds")
        .unwrap()
        .parse()
        .unwrap();
    assert!((230..=290).contains(&timeout), "{timeout}");
    assert!(watcher.uses_watch_list());
}

#[test]
fn the_initial_events_end_bookmark_sets_where_to_resume_from() {
    let server = FakeApiServer::start();
    let rv = server.resource_version();
    let client = client(&server);
    let mut watcher = api(&client).watcher::<Value>(gateway());
    assert!(matches!(watcher.next(), Some(Ok(Event::Init))));
    assert!(matches!(watcher.next(), Some(Ok(Event::InitApply(_)))));
    // The object's own resourceVersion is not a position in the stream.
    assert_eq!(watcher.resource_version(), None);
    assert!(matches!(watcher.next(), Some(Ok(Event::InitDone))));
    assert_eq!(watcher.resource_version(), Some(rv.as_str()));
}

/// The same events, and list-then-watch requests, when the server refuses
/// the stream with `mode`.
fn falls_back_when(mode: WatchList, status: u16) {
    let server = FakeApiServer::start();
    server.set_watch_list(mode);
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let client =
        client(&server).with_trace(4, move |line| sink.lock().unwrap().push(line.to_string()));
    let mut watcher = api(&client).watcher::<Value>(gateway());
    let got = state_then_a_change(&server, &mut watcher);
    assert_eq!(shape(&got), STATE_THEN_CHANGE);
    assert!(!watcher.uses_watch_list());
    let rv_listed = requests(&server)[2]
        .query_param("resourceVersion")
        .unwrap()
        .to_string();
    assert_eq!(
        queries(&server),
        [
            STREAM.to_string(),
            "fieldSelector=metadata.name=gateway&limit=500".to_string(),
            format!("watch=1&fieldSelector=metadata.name=gateway&resourceVersion={rv_listed}&allowWatchBookmarks=true"),
        ]
    );
    let lines = lines.lock().unwrap();
    let note = lines
        .iter()
        .find(|l| l.contains("Falling back to regular list"))
        .unwrap_or_else(|| panic!("no note: {lines:?}"));
    assert!(note.contains("resource=\"daemonsets.apps\""), "{note}");
    assert!(
        note.contains(if status == 422 {
            "(Invalid)"
        } else {
            "(BadRequest)"
        }),
        "{note}"
    );
}

#[test]
fn a_422_from_a_1_33_server_falls_back_to_list_then_watch() {
    falls_back_when(WatchList::Disabled, 422);
}

#[test]
fn a_400_falls_back_to_list_then_watch() {
    falls_back_when(WatchList::BadRequest, 400);
}

#[test]
fn the_refusal_is_remembered_through_a_relist_after_gone() {
    let server = FakeApiServer::builder()
        .watch_list(WatchList::Disabled)
        .build();
    let client = client(&server);
    let mut watcher = api(&client).watcher::<Value>(gateway());
    let again = state_then_gone(&server, &mut watcher);
    assert_eq!(shape(&again), ["Init", "InitApply gateway@19", "InitDone"]);
    let streams = requests(&server)
        .iter()
        .filter(|r| r.query_param("sendInitialEvents").is_some())
        .count();
    assert_eq!(streams, 1, "{:?}", queries(&server));
    let lists = requests(&server)
        .iter()
        .filter(|r| r.query_param("watch").is_none())
        .count();
    assert_eq!(lists, 2, "{:?}", queries(&server));
}

#[test]
fn turned_off_it_lists_first_without_asking_for_a_stream() {
    let server = FakeApiServer::start();
    let client = client(&server);
    let mut watcher = api(&client).watcher::<Value>(gateway()).watch_list(false);
    assert!(!watcher.uses_watch_list());
    let got = state_then_a_change(&server, &mut watcher);
    assert_eq!(shape(&got), STATE_THEN_CHANGE);
    let queries = queries(&server);
    assert_eq!(queries.len(), 2, "{queries:?}");
    assert_eq!(queries[0], "fieldSelector=metadata.name=gateway&limit=500");
    assert!(queries[1].starts_with("watch=1&fieldSelector=metadata.name=gateway&resourceVersion="));
}

#[test]
fn lists_from_the_watch_cache_when_asked_first_and_after_gone() {
    let server = FakeApiServer::builder()
        .watch_list(WatchList::Disabled)
        .build();
    let client = client(&server);
    let mut watcher = api(&client)
        .watcher::<Value>(gateway())
        .list_from_watch_cache();
    let again = state_then_gone(&server, &mut watcher);
    assert_eq!(shape(&again), ["Init", "InitApply gateway@19", "InitDone"]);
    let lists: Vec<String> = requests(&server)
        .iter()
        .filter(|r| r.query_param("watch").is_none())
        .map(Recorded::query_string)
        .collect();
    assert_eq!(
        lists,
        ["fieldSelector=metadata.name=gateway&limit=500&resourceVersion=0"; 2]
    );
    // The streaming start is not a list: it reads the latest state.
    assert_eq!(requests(&server)[0].query_param("resourceVersion"), None);
}

#[test]
fn a_resource_version_in_the_params_starts_the_stream_there() {
    let server = FakeApiServer::start();
    let rv = server.resource_version();
    let client = client(&server);
    let mut watcher = api(&client)
        .watcher::<Value>(gateway().resource_version(&rv))
        .list_from_watch_cache();
    let got: Vec<_> = watcher.by_ref().take(3).map(Result::unwrap).collect();
    assert_eq!(shape(&got), ["Init", "InitApply gateway@19", "InitDone"]);
    assert_eq!(
        requests(&server)[0].query_param("resourceVersion"),
        Some(rv.as_str())
    );
}

fn ds(rv: &str, ready: u32) -> Value {
    json!({"kind": "DaemonSet", "apiVersion": "apps/v1",
           "metadata": {"name": "gateway", "namespace": "test", "resourceVersion": rv},
           "status": {"numberReady": ready}})
}

fn bookmark(rv: &str, end: bool) -> Value {
    let mut meta = json!({"resourceVersion": rv});
    if end {
        meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    json!({"kind": "DaemonSet", "apiVersion": "apps/v1", "metadata": meta})
}

fn events(events: &[(&str, Value)]) -> String {
    events
        .iter()
        .map(|(kind, object)| json!({"type": kind, "object": object}).to_string() + "\n")
        .collect()
}

fn ok(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body, "application/json")
}

/// The streaming start answers `body` (once).
fn mount_stream(server: &FakeApiServer, body: String) {
    server.mount(
        Mock::given(method("GET"))
            .and(path(DS))
            .and(query_param("sendInitialEvents", "true"))
            .respond_with(ok(body))
            .up_to_n_times(1),
    );
}

/// A plain watch from `rv` answers `body`.
fn mount_watch(server: &FakeApiServer, rv: &str, body: String) {
    server.mount(
        Mock::given(method("GET"))
            .and(path(DS))
            .and(query_param("watch", "1"))
            .and(query_param_is_missing("sendInitialEvents"))
            .and(query_param("resourceVersion", rv))
            .respond_with(ok(body)),
    );
}

#[test]
fn a_stream_that_ends_after_the_state_resumes_from_the_last_resource_version() {
    let server = FakeApiServer::start();
    let client = client(&server);
    mount_stream(
        &server,
        events(&[
            ("ADDED", ds("90", 19)),
            // A bookmark before the end marker moves nothing on.
            ("BOOKMARK", bookmark("150", false)),
            ("BOOKMARK", bookmark("200", true)),
            ("MODIFIED", ds("201", 19)),
            ("BOOKMARK", bookmark("205", false)),
        ]),
    );
    mount_watch(&server, "205", events(&[("MODIFIED", ds("206", 20))]));
    let mut watcher = api(&client).watcher::<Value>(gateway());
    let got: Vec<_> = watcher.by_ref().take(5).map(Result::unwrap).collect();
    assert_eq!(
        shape(&got),
        [
            "Init",
            "InitApply gateway@19",
            "InitDone",
            "Modified gateway@19",
            "Modified gateway@20"
        ]
    );
    let queries = queries(&server);
    assert_eq!(queries.len(), 2, "{queries:?}");
    assert_eq!(queries[0], STREAM);
    // Resumed from the last bookmark: no list, no new initial events.
    assert_eq!(
        queries[1],
        "watch=1&fieldSelector=metadata.name=gateway&resourceVersion=205&allowWatchBookmarks=true"
    );
}

#[test]
fn a_stream_that_ends_before_the_end_marker_falls_back_to_a_list() {
    let server = FakeApiServer::start();
    let client = client(&server);
    // Half the state, then the end (a cut, or a server that does not know
    // the parameters).
    mount_stream(&server, events(&[("ADDED", ds("90", 18))]));
    let mut watcher = api(&client).watcher::<Value>(gateway());
    let got: Vec<_> = watcher.by_ref().take(5).map(Result::unwrap).collect();
    // The set starts over: the fake's own list has gateway at 19.
    assert_eq!(
        shape(&got),
        [
            "Init",
            "InitApply gateway@18",
            "Init",
            "InitApply gateway@19",
            "InitDone"
        ]
    );
    assert!(!watcher.uses_watch_list());
    assert_eq!(
        queries(&server)[1],
        "fieldSelector=metadata.name=gateway&limit=500"
    );
}

#[test]
fn a_server_that_ignores_the_parameters_is_listed_once_its_stream_ends() {
    let server = FakeApiServer::builder()
        .watch_list(WatchList::Ignored)
        .build();
    let client = client(&server);
    let mut watcher = api(&client).watcher::<Value>(gateway()).watch_timeout(1);
    let got: Vec<_> = watcher.by_ref().take(5).map(Result::unwrap).collect();
    assert_eq!(
        shape(&got),
        [
            "Init",
            "InitApply gateway@19",
            "Init",
            "InitApply gateway@19",
            "InitDone"
        ]
    );
    assert!(!watcher.uses_watch_list());
}

#[test]
fn a_stream_that_is_forbidden_falls_back_and_the_list_error_is_yielded() {
    let server = FakeApiServer::start();
    let dir = server.add_service_account(
        "getter",
        &[kapi_fake::Rule::allow(&["get"], &["apps"], &["daemonsets"])],
    );
    let config = Config::new(server.url())
        .with_ca_file(kapi_fake::fixtures_dir().join("pki/ca.crt"))
        .unwrap()
        .with_token(std::fs::read_to_string(dir.join("token")).unwrap().trim())
        .with_namespace("test");
    let client = Client::new(config).unwrap();
    let mut watcher = api(&client).watcher::<Value>(gateway());
    // The list's refusal, as without the streaming start.
    assert!(matches!(watcher.next(), Some(Ok(Event::Init))));
    let err = watcher.next().unwrap().unwrap_err();
    assert!(err.is_forbidden(), "{err}");
    assert!(err.to_string().contains("cannot list resource"), "{err}");
    assert!(watcher.next().is_none());
}

#[test]
fn after_gone_the_state_comes_from_a_new_stream() {
    let server = FakeApiServer::start();
    let client = client(&server);
    let mut watcher = api(&client).watcher::<Value>(gateway());
    let again = state_then_gone(&server, &mut watcher);
    assert_eq!(shape(&again), ["Init", "InitApply gateway@19", "InitDone"]);
    let queries = queries(&server);
    assert_eq!(queries.len(), 3, "{queries:?}");
    assert_eq!(queries[0], STREAM);
    // The stream was cut: resumed from the end marker's resourceVersion,
    // which was compacted away meanwhile (410).
    assert!(
        queries[1].starts_with("watch=1&fieldSelector=metadata.name=gateway&resourceVersion="),
        "{queries:?}"
    );
    // Then the state again, streamed (a consistent read, no resourceVersion).
    assert_eq!(queries[2], STREAM);
}
