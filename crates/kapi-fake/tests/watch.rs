//! Watch streams and identities over real TLS (issue 4).

mod common;

use std::fs;
use std::time::{Duration, Instant};

use common::*;
use kapi_fake::{FakeApiServer, Rule};
use serde_json::json;

const CM: &str = "/api/v1/namespaces/test/configmaps/app-config";
const CMS: &str = "/api/v1/namespaces/test/configmaps";
const DS: &str = "/apis/apps/v1/namespaces/test/daemonsets/gateway";

fn wait_watching(server: &FakeApiServer, n: usize) {
    assert!(
        server.wait_for_watches(n, Duration::from_secs(10)),
        "no watch opened"
    );
}

#[test]
fn streams_initial_adds_then_changes_as_they_happen() {
    let server = FakeApiServer::start();
    let watch = WatchStream::open(
        &server,
        &format!("{CMS}?watch=1&fieldSelector=metadata.name%3Dapp-config"),
    );
    assert_eq!(watch.status, 200);
    assert_eq!(watch.header("content-type"), Some("application/json"));
    assert_eq!(watch.header("transfer-encoding"), Some("chunked"));
    let added = watch.event();
    assert_eq!(added["type"], "ADDED");
    assert_eq!(added["object"]["metadata"]["name"], "app-config");
    wait_watching(&server, 1);
    let rv = server.resource_version().parse::<u64>().unwrap();
    server.update(CM, json!({"data": {"LOG_LEVEL": "debug"}}));
    let modified = watch.event();
    assert_eq!(modified["type"], "MODIFIED");
    assert_eq!(modified["object"]["data"]["LOG_LEVEL"], "debug");
    assert_eq!(
        modified["object"]["metadata"]["resourceVersion"],
        (rv + 1).to_string()
    );
    // Other objects are not in this watch.
    server.update(
        "/api/v1/namespaces/test/configmaps/feature-flags",
        json!({"data": {"x": "1"}}),
    );
    assert!(server.delete_object(CM));
    assert_eq!(watch.summary(), format!("DELETED app-config {}", rv + 3));
    assert_eq!(watch.next_within(Duration::from_millis(200)), Next::Nothing);
}

#[test]
fn added_event_carries_the_fixture_bytes() {
    let server = FakeApiServer::start();
    let watch = WatchStream::open_as(
        &server,
        &format!("{CMS}?watch=true&fieldSelector=metadata.name%3Dapp-config&timeoutSeconds=1"),
        None,
        &server.token(),
    );
    let fixture = fixture("api/v1/namespaces/test/configmaps/app-config.json");
    match watch.next_within(Duration::from_secs(5)) {
        Next::Line(line) => assert_eq!(
            line,
            format!("{{\"type\":\"ADDED\",\"object\":{}}}", fixture.trim_end())
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(watch.next_within(Duration::from_secs(5)), Next::End);
}

#[test]
fn watch_from_a_resource_version_replays_later_changes() {
    let server = FakeApiServer::start();
    let rv = server.resource_version();
    server.update(DS, json!({"status": {"numberReady": 20}}));
    server.update(CM, json!({"data": {"k": "v"}}));
    let watch = WatchStream::open(
        &server,
        &format!("/apis/apps/v1/namespaces/test/daemonsets?watch=1&resourceVersion={rv}"),
    );
    let event = watch.event();
    assert_eq!(event["type"], "MODIFIED");
    assert_eq!(event["object"]["status"]["numberReady"], 20);
    assert_eq!(watch.next_within(Duration::from_millis(200)), Next::Nothing);
    // The request is recorded with its query, as a reconnect would be.
    let recorded = server.requests();
    let last = recorded.last().unwrap();
    assert_eq!(last.query_param("resourceVersion"), Some(rv.as_str()));
    assert_eq!(last.query_param("watch"), Some("1"));
}

#[test]
fn watch_ends_cleanly_at_timeout_seconds() {
    let server = FakeApiServer::start();
    let started = Instant::now();
    let watch = WatchStream::open(
        &server,
        &format!(
            "{CMS}?watch=1&resourceVersion={}&timeoutSeconds=1",
            server.resource_version()
        ),
    );
    assert_eq!(watch.next_within(Duration::from_secs(5)), Next::End);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "{took:?}"
    );
}

#[test]
fn dropped_watches_end_without_a_terminating_chunk() {
    let server = FakeApiServer::start();
    let rv = server.resource_version();
    let watch = WatchStream::open(&server, &format!("{CMS}?watch=1&resourceVersion={rv}"));
    wait_watching(&server, 1);
    server.update(CM, json!({"data": {"a": "1"}}));
    assert_eq!(watch.event()["type"], "MODIFIED");
    server.drop_watches();
    assert!(matches!(
        watch.next_within(Duration::from_secs(5)),
        Next::Broken(_)
    ));
    assert_eq!(server.watch_count(), 0);

    let watch = WatchStream::open(&server, &format!("{CMS}?watch=1&resourceVersion={rv}"));
    assert_eq!(watch.event()["type"], "MODIFIED");
    wait_watching(&server, 1);
    server.drop_watches_mid_event();
    match watch.next_within(Duration::from_secs(5)) {
        Next::Broken(err) => assert!(
            err.contains(r#"{"type":"MODIFIED","object":{"kind":"ConfigMap","apiVer"#),
            "{err}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn compacted_history_gives_an_expired_error_event() {
    let server = FakeApiServer::start();
    let old = server.resource_version();
    server.update(CM, json!({"data": {"a": "1"}}));
    server.compact_now();
    let now = server.resource_version();
    let watch = WatchStream::open(&server, &format!("{CMS}?watch=1&resourceVersion={old}"));
    assert_eq!(watch.status, 200);
    match watch.next_within(Duration::from_secs(5)) {
        Next::Line(line) => assert_eq!(
            line,
            format!(
                r#"{{"type":"ERROR","object":{{"kind":"Status","apiVersion":"v1","metadata":{{}},"status":"Failure","message":"too old resource version: {old} ({now})","reason":"Expired","code":410}}}}"#
            )
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(watch.next_within(Duration::from_secs(5)), Next::End);
    // Watching from the compaction point itself works.
    let fine = WatchStream::open(
        &server,
        &format!("{CMS}?watch=1&resourceVersion={now}&timeoutSeconds=1"),
    );
    assert_eq!(fine.next_within(Duration::from_secs(5)), Next::End);
}

#[test]
fn continue_tokens_from_before_a_compaction_expire() {
    let server = FakeApiServer::start();
    let first = get(&server, "/api/v1/namespaces/test/pods?limit=2").json();
    let token = first["metadata"]["continue"].as_str().unwrap().to_string();
    server.update(
        "/api/v1/namespaces/test/pods/db-0",
        json!({"metadata": {"labels": {"x": "y"}}}),
    );
    // Still consistent: the second page is served at the first page's RV.
    let second = get(
        &server,
        &format!("/api/v1/namespaces/test/pods?limit=2&continue={token}"),
    )
    .json();
    assert_eq!(
        second["metadata"]["resourceVersion"],
        first["metadata"]["resourceVersion"]
    );
    server.compact_now();
    let expired = get(
        &server,
        &format!("/api/v1/namespaces/test/pods?limit=2&continue={token}"),
    );
    assert_eq!(expired.status, 410);
    assert_eq!(expired.json()["reason"], "Expired");
}

#[test]
fn bookmarks_go_to_watchers_that_asked() {
    let server = FakeApiServer::start();
    let rv = server.resource_version();
    let with = WatchStream::open(
        &server,
        &format!("{CMS}?watch=1&resourceVersion={rv}&allowWatchBookmarks=true"),
    );
    let without = WatchStream::open(&server, &format!("{CMS}?watch=1&resourceVersion={rv}"));
    wait_watching(&server, 2);
    server.send_bookmarks();
    match with.next_within(Duration::from_secs(5)) {
        Next::Line(line) => assert_eq!(
            line,
            format!(
                r#"{{"type":"BOOKMARK","object":{{"kind":"ConfigMap","apiVersion":"v1","metadata":{{"resourceVersion":"{rv}","creationTimestamp":null}}}}}}"#
            )
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        without.next_within(Duration::from_millis(200)),
        Next::Nothing
    );
}

#[test]
fn objects_leaving_a_selector_are_deleted_for_the_watcher() {
    let server = FakeApiServer::start();
    let watch = WatchStream::open(
        &server,
        &format!("{CMS}?watch=1&labelSelector=app%3Dgateway"),
    );
    let mut initial = [watch.summary(), watch.summary()];
    initial.sort();
    assert!(initial[0].starts_with("ADDED app-config"));
    assert!(initial[1].starts_with("ADDED feature-flags"));
    wait_watching(&server, 1);
    server.update(
        "/api/v1/namespaces/test/configmaps/feature-flags",
        json!({"metadata": {"labels": {"app": null}}}),
    );
    assert!(watch.summary().starts_with("DELETED feature-flags"));
    server.update(
        "/api/v1/namespaces/test/configmaps/feature-flags",
        json!({"metadata": {"labels": {"app": "gateway"}}}),
    );
    assert!(watch.summary().starts_with("ADDED feature-flags"));
}

#[test]
fn put_object_creates_with_server_metadata() {
    let server = FakeApiServer::start();
    let watch = WatchStream::open(
        &server,
        &format!(
            "/apis/batch/v1/namespaces/test/jobs?watch=1&resourceVersion={}",
            server.resource_version()
        ),
    );
    wait_watching(&server, 1);
    let job = server.put_object(
        "/apis/batch/v1/namespaces/test/jobs/seed",
        json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}}}),
    );
    assert_eq!(job["kind"], "Job");
    assert_eq!(job["metadata"]["namespace"], "test");
    assert_eq!(job["metadata"]["generation"], 1);
    assert_eq!(job["metadata"]["creationTimestamp"], "2026-01-01T00:00:00Z");
    assert!(job["metadata"]["uid"].is_string());
    assert_eq!(watch.event()["type"], "ADDED");
    server.update(
        "/apis/batch/v1/namespaces/test/jobs/migrate",
        json!({"status": {"conditions": [{"type": "Complete", "status": "True"}], "succeeded": 1, "active": null}}),
    );
    let done = watch.event();
    assert_eq!(done["object"]["metadata"]["name"], "migrate");
    assert_eq!(
        done["object"]["metadata"]["generation"], 1,
        "status changes keep the generation"
    );
    let spec = server.update(
        "/apis/batch/v1/namespaces/test/jobs/migrate",
        json!({"spec": {"parallelism": 2}}),
    );
    assert_eq!(spec["metadata"]["generation"], 2);
}

#[test]
fn table_watch_sends_headers_once() {
    let server = FakeApiServer::start();
    let watch = WatchStream::open_as(
        &server,
        &format!("{CMS}?watch=1&fieldSelector=metadata.name%3Dapp-config"),
        Some(TABLE_ACCEPT),
        &server.token(),
    );
    let first = watch.event();
    assert_eq!(first["object"]["kind"], "Table");
    assert_eq!(first["object"]["columnDefinitions"][0]["name"], "Name");
    assert_eq!(first["object"]["rows"][0]["cells"][0], "app-config");
    wait_watching(&server, 1);
    server.update(CM, json!({"data": {"more": "1"}}));
    let second = watch.event();
    assert!(second["object"]["columnDefinitions"].is_null());
    assert_eq!(second["object"]["rows"][0]["cells"][1], 4);
}

#[test]
fn second_identity_with_only_get_is_forbidden_to_list_and_watch() {
    let server = FakeApiServer::start();
    let dir = server.add_service_account(
        "restricted",
        &[Rule::allow(
            &["get"],
            &["apps", "batch"],
            &["daemonsets", "jobs"],
        )],
    );
    assert_eq!(fs::read_to_string(dir.join("namespace")).unwrap(), "test");
    assert_eq!(
        fs::read(dir.join("ca.crt")).unwrap(),
        fs::read(kapi_fake::fixtures_dir().join("pki/ca.crt")).unwrap()
    );
    let token = fs::read_to_string(dir.join("token")).unwrap();
    assert!(token.ends_with("kapi-fixture-token-not-a-real-signature"));
    assert_ne!(token, server.token());
    let env = server.env_for(&dir);
    assert!(env.contains(&(
        "KAPI_SERVICEACCOUNT_DIR".to_string(),
        dir.to_string_lossy().into_owned()
    )));

    assert_eq!(get_as(&server, DS, None, &token).status, 200);
    let list = get_as(
        &server,
        "/apis/apps/v1/namespaces/test/daemonsets",
        None,
        &token,
    );
    assert_eq!(list.status, 403);
    assert_eq!(
        list.json()["message"],
        "daemonsets.apps is forbidden: User \"system:serviceaccount:test:restricted\" cannot list resource \"daemonsets\" in API group \"apps\" in the namespace \"test\""
    );
    let watch = get_as(
        &server,
        "/apis/apps/v1/namespaces/test/daemonsets?watch=1&fieldSelector=metadata.name%3Dgateway",
        None,
        &token,
    );
    assert_eq!(watch.status, 403);
    assert_eq!(
        watch.body,
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"daemonsets.apps \\\"gateway\\\" is forbidden: User \\\"system:serviceaccount:test:restricted\\\" cannot watch resource \\\"daemonsets\\\" in API group \\\"apps\\\" in the namespace \\\"test\\\"\",\"reason\":\"Forbidden\",\"details\":{\"name\":\"gateway\",\"group\":\"apps\",\"kind\":\"daemonsets\"},\"code\":403}\n"
    );
    let pods = get_as(&server, "/api/v1/namespaces/test/pods/db-0", None, &token);
    assert_eq!(pods.status, 403);
    assert_eq!(
        pods.json()["message"],
        "pods \"db-0\" is forbidden: User \"system:serviceaccount:test:restricted\" cannot get resource \"pods\" in API group \"\" in the namespace \"test\""
    );
    // The ServiceAccount object exists too.
    assert!(server
        .object("/api/v1/namespaces/test/serviceaccounts/restricted")
        .is_some());
    // Rules can change at run time.
    server.set_rules(
        "restricted",
        &[Rule::allow(&["list", "watch"], &["apps"], &["daemonsets"])],
    );
    assert_eq!(
        get_as(
            &server,
            "/apis/apps/v1/namespaces/test/daemonsets",
            None,
            &token
        )
        .status,
        200
    );
}

#[test]
fn default_identity_cannot_touch_kube_system_secrets() {
    let server = FakeApiServer::start();
    let list = get(&server, "/api/v1/namespaces/kube-system/secrets");
    assert_eq!(list.status, 403);
    assert_eq!(
        list.json()["message"],
        "secrets is forbidden: User \"system:serviceaccount:test:kapi\" cannot list resource \"secrets\" in API group \"\" at the cluster scope"
            .replace("at the cluster scope", "in the namespace \"kube-system\"")
    );
    assert_eq!(get(&server, "/api/v1/namespaces/test/secrets").status, 200);
}

/// `?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan…` on
/// the config maps, `extra` appended.
fn watch_list(extra: &str) -> String {
    format!(
        "{CMS}?watch=1&fieldSelector=metadata.name%3Dapp-config&sendInitialEvents=true&resourceVersionMatch=NotOlderThan{extra}"
    )
}

#[test]
fn watch_list_sends_the_state_then_the_annotated_bookmark_then_changes() {
    let server = FakeApiServer::start();
    let rv = server.resource_version();
    let watch = WatchStream::open(&server, &watch_list("&allowWatchBookmarks=true"));
    assert_eq!(watch.status, 200);
    let added = watch.event();
    assert_eq!(added["type"], "ADDED");
    assert_eq!(added["object"]["metadata"]["name"], "app-config");
    match watch.next_within(Duration::from_secs(5)) {
        Next::Line(line) => assert_eq!(
            line,
            format!(
                r#"{{"type":"BOOKMARK","object":{{"kind":"ConfigMap","apiVersion":"v1","metadata":{{"resourceVersion":"{rv}","creationTimestamp":null,"annotations":{{"k8s.io/initial-events-end":"true"}}}}}}}}"#
            )
        ),
        other => panic!("{other:?}"),
    }
    wait_watching(&server, 1);
    let changed = server.update(CM, json!({"data": {"LOG_LEVEL": "debug"}}));
    let modified = watch.event();
    assert_eq!(modified["type"], "MODIFIED");
    assert_eq!(
        modified["object"]["metadata"]["resourceVersion"],
        changed["metadata"]["resourceVersion"]
    );
}

#[test]
fn watch_list_from_a_resource_version_still_sends_the_current_state() {
    let server = FakeApiServer::start();
    let old = server.resource_version();
    server.update(CM, json!({"data": {"LOG_LEVEL": "debug"}}));
    server.compact_now();
    let now = server.resource_version();
    // NotOlderThan an old (even compacted) resourceVersion: the state now,
    // no replay, no 410.
    let watch = WatchStream::open(
        &server,
        &watch_list(&format!("&resourceVersion={old}&allowWatchBookmarks=true")),
    );
    let added = watch.event();
    assert_eq!(added["type"], "ADDED");
    assert_eq!(added["object"]["data"]["LOG_LEVEL"], "debug");
    let end = watch.event();
    assert_eq!(end["type"], "BOOKMARK");
    assert_eq!(end["object"]["metadata"]["resourceVersion"], now.as_str());
}

#[test]
fn watch_list_without_bookmarks_sends_no_end_marker() {
    let server = FakeApiServer::start();
    let watch = WatchStream::open(&server, &watch_list("&timeoutSeconds=1"));
    assert_eq!(watch.event()["type"], "ADDED");
    assert_eq!(watch.next_within(Duration::from_secs(5)), Next::End);
}

#[test]
fn send_initial_events_false_starts_now_without_initial_events() {
    let server = FakeApiServer::start();
    let watch = WatchStream::open(
        &server,
        &format!(
            "{CMS}?watch=1&sendInitialEvents=false&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1"
        ),
    );
    assert_eq!(watch.next_within(Duration::from_secs(5)), Next::End);
}

#[test]
fn watch_options_are_validated_as_the_apiserver_validates_them() {
    let server = FakeApiServer::start();
    // sendInitialEvents without resourceVersionMatch=NotOlderThan.
    let reply = get(
        &server,
        &format!("{CMS}?watch=1&sendInitialEvents=true&allowWatchBookmarks=true"),
    );
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.body,
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"ListOptions.meta.k8s.io \\\"\\\" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan\",\"reason\":\"Invalid\",\"details\":{\"group\":\"meta.k8s.io\",\"kind\":\"ListOptions\",\"causes\":[{\"reason\":\"FieldValueForbidden\",\"message\":\"Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan\",\"field\":\"resourceVersionMatch\"}]},\"code\":422}\n"
    );
    // resourceVersionMatch on a watch without sendInitialEvents, and a
    // value other than NotOlderThan: both errors, bracketed.
    let reply = get(
        &server,
        &format!("{CMS}?watch=1&resourceVersionMatch=Exact"),
    );
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.json()["message"],
        "ListOptions.meta.k8s.io \"\" is invalid: [resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided, resourceVersionMatch: Unsupported value: \"Exact\": supported values: \"NotOlderThan\"]"
    );
    // A list may not ask for initial events.
    let reply = get(&server, &format!("{CMS}?sendInitialEvents=true"));
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.json()["message"],
        "ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list"
    );
}

#[test]
fn watch_list_is_refused_on_demand_as_a_1_33_server_or_a_400() {
    let server = FakeApiServer::start();
    server.set_watch_list(kapi_fake::WatchList::Disabled);
    let reply = get(&server, &watch_list("&allowWatchBookmarks=true"));
    assert_eq!(reply.status, 422);
    let status = reply.json();
    assert_eq!(status["reason"], "Invalid");
    assert_eq!(
        status["message"],
        "ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled"
    );
    assert_eq!(status["details"]["causes"][0]["field"], "sendInitialEvents");
    // The gate off, both mistakes are reported.
    let reply = get(&server, &format!("{CMS}?watch=1&sendInitialEvents=true"));
    assert_eq!(
        reply.json()["message"],
        "ListOptions.meta.k8s.io \"\" is invalid: [resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled]"
    );

    server.set_watch_list(kapi_fake::WatchList::BadRequest);
    let reply = get(&server, &watch_list(""));
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["reason"], "BadRequest");

    // Plain watches and lists are not affected.
    let plain = WatchStream::open(&server, &format!("{CMS}?watch=1&timeoutSeconds=1"));
    assert_eq!(plain.status, 200);
    assert_eq!(plain.event()["type"], "ADDED");
    assert_eq!(get(&server, CMS).status, 200);

    server.set_watch_list(kapi_fake::WatchList::Enabled);
    assert_eq!(
        WatchStream::open(&server, &watch_list("&timeoutSeconds=1")).status,
        200
    );
}

#[test]
fn an_ignoring_server_sends_old_style_events_and_no_end_marker() {
    let server = FakeApiServer::builder()
        .watch_list(kapi_fake::WatchList::Ignored)
        .build();
    let watch = WatchStream::open(
        &server,
        &watch_list("&allowWatchBookmarks=true&timeoutSeconds=1"),
    );
    assert_eq!(watch.status, 200);
    assert_eq!(watch.event()["type"], "ADDED");
    assert_eq!(watch.next_within(Duration::from_secs(5)), Next::End);
}

#[test]
fn every_request_is_recorded_with_its_query_in_order() {
    let server = FakeApiServer::start();
    let _ = get(
        &server,
        &watch_list("&allowWatchBookmarks=true&timeoutSeconds=1"),
    );
    let recorded = server.requests();
    assert_eq!(
        recorded.last().unwrap().query_string(),
        "watch=1&fieldSelector=metadata.name=app-config&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1"
    );
}

#[test]
fn table_watch_bookmarks_are_tables_too_and_the_end_marker_keeps_its_metadata() {
    let server = FakeApiServer::start();
    let rv = server.resource_version();
    let watch = WatchStream::open_as(
        &server,
        &watch_list("&allowWatchBookmarks=true&includeObject=None"),
        Some(TABLE_ACCEPT),
        &server.token(),
    );
    let added = watch.event();
    assert_eq!(added["object"]["columnDefinitions"][0]["name"], "Name");
    assert!(added["object"]["rows"][0]["object"].is_null());
    let end = watch.event();
    assert_eq!(end["type"], "BOOKMARK");
    let table = &end["object"];
    assert_eq!(table["kind"], "Table");
    assert!(table["columnDefinitions"].is_null());
    assert_eq!(table["metadata"]["resourceVersion"], rv.as_str());
    // includeObject=None, but the end marker's row keeps its metadata, so
    // a client can see the annotation (apiserver `asTable`).
    let partial = &table["rows"][0]["object"];
    assert_eq!(partial["kind"], "PartialObjectMetadata");
    assert_eq!(partial["metadata"]["resourceVersion"], rv.as_str());
    assert_eq!(
        partial["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
}

#[test]
fn a_table_watch_whose_first_event_is_a_bookmark_sends_the_headers_there() {
    let server = FakeApiServer::start();
    let watch = WatchStream::open_as(
        &server,
        &format!(
            "{CMS}?watch=1&fieldSelector=metadata.name%3Dnone&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"
        ),
        Some(TABLE_ACCEPT),
        &server.token(),
    );
    let end = watch.event();
    assert_eq!(end["type"], "BOOKMARK");
    assert_eq!(end["object"]["columnDefinitions"][0]["name"], "Name");
    wait_watching(&server, 1);
    server.put_object(
        "/api/v1/namespaces/test/configmaps/none",
        json!({"data": {"k": "v"}}),
    );
    let added = watch.event();
    assert_eq!(added["type"], "ADDED");
    assert!(added["object"]["columnDefinitions"].is_null());
    assert_eq!(added["object"]["rows"][0]["cells"][0], "none");
}
