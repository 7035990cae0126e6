//! Lists read one item at a time (issue 9, issue 13 item 1): a page that
//! ignores `limit`, members in any order, a truncated page, and a continue
//! token that never advances, against the TLS fake API server.

use kapi::{Client, Config, Error, ListParams};
use kapi_fake::FakeApiServer;
use serde::Deserialize;

fn incluster(server: &FakeApiServer) -> Client {
    let config = Config::new(server.url())
        .with_ca_file(server.sa_dir().join("ca.crt"))
        .unwrap()
        .with_token_file(server.sa_dir().join("token"))
        .unwrap()
        .with_namespace("test");
    Client::new(config).unwrap()
}

#[derive(Deserialize, Debug)]
struct Pod {
    metadata: Meta,
    status: PodStatus,
}

#[derive(Deserialize, Debug)]
struct Meta {
    name: String,
}

#[derive(Deserialize, Debug)]
struct PodStatus {
    #[serde(rename = "podIP", default)]
    pod_ip: String,
}

#[test]
fn typed_items_stream_out_of_one_huge_page_that_ignores_limit() {
    let server = FakeApiServer::builder()
        .many_pods(20_000)
        .ignore_limit()
        .build();
    let client = incluster(&server);
    let api = client.api(client.resolve("pods").unwrap()).namespace("big");
    let mut count = 0;
    for (i, pod) in api.list(ListParams::default()).items::<Pod>().enumerate() {
        let pod = pod.unwrap();
        assert_eq!(pod.metadata.name, format!("pod-{i:05}"));
        assert!(pod.status.pod_ip.starts_with("10."));
        count += 1;
    }
    assert_eq!(count, 20_000);
    let lists: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v1/namespaces/big/pods")
        .collect();
    assert_eq!(lists.len(), 1, "one page");
    assert_eq!(lists[0].query_param("limit"), Some("500"));
}

#[test]
fn the_streaming_interface_gives_the_page_head_then_each_item() {
    let server = FakeApiServer::builder()
        .many_pods(1_200)
        .ignore_limit()
        .build();
    let client = incluster(&server);
    let mut pager = client
        .api(client.resolve("pods").unwrap())
        .namespace("big")
        .list(ListParams::default());
    let head = pager.begin_page().unwrap().unwrap();
    assert_eq!(head["kind"], "PodList");
    assert!(head.get("items").is_none());
    let mut n = 0;
    while let Some(pod) = pager.next_item::<serde_json::Value>().unwrap() {
        assert_eq!(pod["metadata"]["namespace"], "big");
        n += 1;
    }
    assert_eq!(n, 1_200);
    assert!(pager.begin_page().unwrap().is_none());
    assert!(pager.resource_version().is_some());
}

#[test]
fn members_after_the_items_are_read_when_the_page_ends() {
    let server = FakeApiServer::start();
    server.respond(
        "GET",
        "/api/v1/namespaces/odd/pods",
        200,
        "application/json",
        r#"{"items":[{"metadata":{"name":"a"},"status":{"podIP":"10.0.0.1"}},
                     {"metadata":{"name":"b"},"status":{"podIP":"10.0.0.2"}}],
            "metadata":{"resourceVersion":"42"},"apiVersion":"v1","kind":"PodList"}"#,
    );
    let client = incluster(&server);
    let api = client.api(client.resolve("pods").unwrap()).namespace("odd");
    let mut items = api.list(ListParams::default()).items::<Pod>();
    let names: Vec<String> = items.by_ref().map(|p| p.unwrap().metadata.name).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(items.pager().resource_version(), Some("42"));
    let page = api
        .list(ListParams::default())
        .next_page()
        .unwrap()
        .unwrap();
    assert_eq!(page["kind"], "PodList");
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
}

#[test]
fn a_continue_token_that_never_advances_stops_with_an_error() {
    let server = FakeApiServer::builder().stuck_continue().build();
    let client = incluster(&server);
    let api = client
        .api(client.resolve("pods").unwrap())
        .namespace("test");
    let results: Vec<_> = api
        .list(ListParams::default().limit(1))
        .items::<Pod>()
        .collect();
    // Page 1, page 2 (asked with page 1's token, answered with it again):
    // its items are not handed out twice.
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(results[0].is_ok());
    let err = results[1].as_ref().unwrap_err();
    assert!(matches!(err, Error::ListNotAdvancing { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("/api/v1/namespaces/test/pods"),
        "{message}"
    );
    assert!(message.contains("did not advance the list"), "{message}");
    let lists = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v1/namespaces/test/pods")
        .count();
    assert_eq!(lists, 2);
}

#[test]
fn a_repeated_continue_token_after_the_items_is_caught_at_the_page_end() {
    let server = FakeApiServer::start();
    // The same answer to every page: its token, after the items, is the
    // one the second request sends.
    server.respond(
        "GET",
        "/api/v1/namespaces/odd/pods",
        200,
        "application/json",
        r#"{"items":[{"metadata":{"name":"a"},"status":{"podIP":"10.0.0.1"}}],
            "metadata":{"continue":"same"},"kind":"PodList"}"#,
    );
    let client = incluster(&server);
    let api = client.api(client.resolve("pods").unwrap()).namespace("odd");
    let results: Vec<_> = api.list(ListParams::default()).items::<Pod>().collect();
    assert_eq!(results.len(), 3, "{results:?}");
    assert!(results[0].is_ok() && results[1].is_ok());
    assert!(matches!(results[2], Err(Error::ListNotAdvancing { .. })));
}

#[test]
fn a_truncated_page_is_an_error_not_a_short_list() {
    let server = FakeApiServer::start();
    server.respond(
        "GET",
        "/api/v1/namespaces/odd/pods",
        200,
        "application/json",
        r#"{"kind":"PodList","metadata":{},"items":[{"metadata":{"name":"a"},"status":{"podIP":"1"}},{"metadata":{"na"#,
    );
    let client = incluster(&server);
    let api = client.api(client.resolve("pods").unwrap()).namespace("odd");
    let results: Vec<_> = api.list(ListParams::default()).items::<Pod>().collect();
    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    let err = results[1].as_ref().unwrap_err().to_string();
    assert!(err.contains("ended early"), "{err}");
    assert!(err.contains("/api/v1/namespaces/odd/pods"), "{err}");
}
