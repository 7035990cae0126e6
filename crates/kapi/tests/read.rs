//! The library's read path against the TLS fake API server: in-cluster
//! config, typed gets and lists, the pager, discovery, token rotation.

use kapi::{Client, Config, ListParams};
use kapi_fake::FakeApiServer;
use serde::Deserialize;

/// A client built from the fake's service-account files, as
/// `Config::incluster` builds it from the pod's (the env vars it also reads
/// cannot be set per test; the CLI tests cover that path).
fn incluster(server: &FakeApiServer) -> Client {
    let config = Config::new(server.url())
        .with_ca_file(server.sa_dir().join("ca.crt"))
        .unwrap()
        .with_token_file(server.sa_dir().join("token"))
        .unwrap()
        .with_namespace("test");
    Client::new(config).unwrap()
}

/// A caller's own struct: no generated Kubernetes types needed.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Pod {
    metadata: Meta,
    status: PodStatus,
}

#[derive(Deserialize, Debug)]
struct Meta {
    name: String,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct PodStatus {
    phase: String,
}

#[test]
fn the_classic_daemonset_read_in_five_lines() {
    let server = FakeApiServer::start();
    let client = incluster(&server);
    let ds: serde_json::Value = client
        .get("/apis/apps/v1/namespaces/test/daemonsets/gateway")
        .query("resourceVersion", "0")
        .json()
        .unwrap();
    assert_eq!(ds["status"]["numberReady"], 19);
    let req = server.requests().pop().unwrap();
    assert_eq!(req.query_param("resourceVersion"), Some("0"));
}

#[test]
fn typed_list_with_a_plain_serde_struct_across_pages() {
    let server = FakeApiServer::start();
    let client = incluster(&server);
    let pods = client
        .api(client.resolve("pods").unwrap())
        .namespace("test");
    let names: Vec<(String, String)> = pods
        .list(ListParams::default().labels("app=gateway").limit(2))
        .items::<Pod>()
        .map(|p| p.map(|p| (p.metadata.name, p.status.phase)))
        .collect::<kapi::Result<_>>()
        .unwrap();
    assert_eq!(
        names,
        [
            ("gateway-b8n4q".to_string(), "Running".to_string()),
            ("gateway-x7k2p".into(), "Running".into()),
            ("gateway-zt9xw".into(), "Pending".into()),
        ]
    );
    let lists: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v1/namespaces/test/pods")
        .collect();
    assert_eq!(lists.len(), 2, "two pages of 2");
    assert_eq!(lists[1].query_param("labelSelector"), Some("app=gateway"));
    assert!(lists[1].query_param("continue").is_some());
}

#[test]
fn pager_holds_one_page_at_a_time() {
    let server = FakeApiServer::builder().many_pods(1200).build();
    let client = incluster(&server);
    let mut pager = client
        .api(client.resolve("pods").unwrap())
        .namespace("big")
        .list(ListParams::default());
    let mut sizes = Vec::new();
    while let Some(page) = pager.next_page().unwrap() {
        sizes.push(page["items"].as_array().unwrap().len());
    }
    assert_eq!(sizes, [500, 500, 200]);
    assert!(pager.resource_version().is_some());
}

#[test]
fn expired_continue_token_does_not_repeat_or_lose_items() {
    let server = FakeApiServer::start();
    let client = incluster(&server);
    let pods = client
        .api(client.resolve("pods").unwrap())
        .namespace("test");
    let all: Vec<String> = pods
        .list(ListParams::default().limit(0))
        .items::<Pod>()
        .map(|p| p.unwrap().metadata.name)
        .collect();
    server.expire_continue_after(0);
    let paged: Vec<String> = pods
        .list(ListParams::default().limit(2))
        .items::<Pod>()
        .map(|p| p.unwrap().metadata.name)
        .collect();
    assert_eq!(paged, all);
}

#[test]
fn discovery_resolves_custom_resources_once() {
    let server = FakeApiServer::start();
    let client = incluster(&server);
    let wg = client.resolve("wg").unwrap();
    assert_eq!(
        (wg.group.as_str(), wg.version.as_str(), wg.plural.as_str()),
        ("example.com", "v1", "widgets")
    );
    assert!(wg.namespaced);
    client.resolve("widget").unwrap();
    client.resolve("Widget").unwrap();
    let rounds = server
        .requests()
        .iter()
        .filter(|r| r.path == "/apis")
        .count();
    assert_eq!(rounds, 1, "discovery is fetched once per client");
    let err = client.resolve("gizmos").unwrap_err();
    assert_eq!(
        err.to_string(),
        "the server doesn't have a resource type \"gizmos\""
    );
}

#[test]
fn a_rotated_token_is_picked_up_after_a_401_and_the_request_retried_once() {
    let server = FakeApiServer::start();
    let client = incluster(&server);
    client.get("/version").send().unwrap();
    server.rotate_token("kapi-fixture-token-rotated");
    // The client still holds the old token (re-read only every 50 s), so the
    // server says 401; kapi re-reads the file, sees a new token and retries.
    client.get("/version").send().unwrap();
    let auth: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.header("authorization").unwrap_or_default().to_string())
        .collect();
    assert_eq!(auth.len(), 3);
    assert_eq!(
        auth[0], auth[1],
        "the second request went out with the old token (401)"
    );
    assert_eq!(auth[2], "Bearer kapi-fixture-token-rotated");
}

#[test]
fn a_401_with_an_unchanged_token_is_returned_not_retried_forever() {
    let server = FakeApiServer::start();
    let client = Client::new(
        Config::new(server.url())
            .with_ca_file(server.sa_dir().join("ca.crt"))
            .unwrap()
            .with_token("wrong"),
    )
    .unwrap();
    let err = client.get("/version").send().unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn retry_after_on_503_is_honoured_like_client_go() {
    use kapi_fake::wiremock::{matchers, Mock, ResponseTemplate};
    let server = FakeApiServer::start();
    server.mount(
        Mock::given(matchers::path("/version"))
            .respond_with(
                ResponseTemplate::new(503)
                    .insert_header("Retry-After", "0")
                    .set_body_string("busy"),
            )
            .up_to_n_times(2),
    );
    let client = incluster(&server);
    let version: serde_json::Value = client.get("/version").json().unwrap();
    assert_eq!(version["gitVersion"], "v1.33.1");
    assert_eq!(server.requests().len(), 3, "two 503s, then the answer");
}

#[test]
fn a_5xx_without_retry_after_is_not_retried() {
    use kapi_fake::wiremock::{matchers, Mock, ResponseTemplate};
    let server = FakeApiServer::start();
    server.mount(
        Mock::given(matchers::path("/version"))
            .respond_with(ResponseTemplate::new(500).set_body_string("boom")),
    );
    let err = incluster(&server).get("/version").send().unwrap_err();
    assert_eq!(err.status().unwrap().code, 500);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_read_that_makes_no_progress_fails_after_the_idle_timeout() {
    use kapi_fake::wiremock::{matchers, Mock, ResponseTemplate};
    use std::time::{Duration, Instant};
    let server = FakeApiServer::start();
    server.mount(
        Mock::given(matchers::path("/version"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5))),
    );
    let config = Config::new(server.url())
        .with_ca_file(server.sa_dir().join("ca.crt"))
        .unwrap()
        .with_token_file(server.sa_dir().join("token"))
        .unwrap()
        .with_idle_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let err = Client::new(config)
        .unwrap()
        .get("/version")
        .send()
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        err.to_string(),
        format!(
            "timed out waiting for data from the server for GET {}/version after 300ms",
            server.url()
        )
    );
}

#[test]
fn a_server_that_never_finishes_the_handshake_fails_after_the_connect_timeout() {
    use std::time::{Duration, Instant};
    let silent = kapi_fake::silent_server();
    let config = Config::new(silent.url())
        .with_ca_file(kapi_fake::fixtures_dir().join("pki/ca.crt"))
        .unwrap()
        .with_connect_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let err = Client::new(config)
        .unwrap()
        .get("/version")
        .send()
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        err.to_string(),
        format!(
            "timed out connecting (TCP and TLS handshake) for GET {}/version after 300ms",
            silent.url()
        )
    );
}
