//! Retries as the API server's answers call for, and one deadline per
//! command that every request and retry under it respects.

use std::time::{Duration, Instant};

use kapi_fake::wiremock::matchers::{method, path, query_param};
use kapi_fake::wiremock::{Mock, ResponseTemplate};
use kapi_fake::FakeApiServer;

use crate::util::{kapi, output_text};

const CM: &str = "/api/v1/namespaces/test/configmaps/app-config";
const CM_LIST: &str = "/api/v1/namespaces/test/configmaps";
const NEW_CM: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n";

/// Answers the first `n` matching requests with `template`; later ones go
/// on to the fake's own API.
fn first_n(server: &FakeApiServer, verb: &str, at: &str, n: u64, template: ResponseTemplate) {
    server.mount(
        Mock::given(method(verb))
            .and(path(at))
            .respond_with(template)
            .up_to_n_times(n)
            .with_priority(1),
    );
}

fn too_many(retry_after: &str) -> ResponseTemplate {
    ResponseTemplate::new(429)
        .insert_header("Retry-After", retry_after)
        .insert_header("X-Kubernetes-PF-FlowSchema-UID", "fs-uid-1")
        .insert_header("X-Kubernetes-PF-PriorityLevel-UID", "pl-uid-1")
        .set_body_raw(
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Too many requests, please try again later.","reason":"TooManyRequests","details":{"retryAfterSeconds":1},"code":429}"#,
            "application/json",
        )
}

fn unavailable() -> ResponseTemplate {
    ResponseTemplate::new(503).set_body_raw(
        r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"apiserver is shutting down","reason":"ServiceUnavailable","code":503}"#,
        "application/json",
    )
}

fn count(server: &FakeApiServer, verb: &str, at: &str) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.method == verb && r.path == at)
        .count()
}

#[test]
fn a_get_throttled_with_retry_after_is_retried_and_logged_at_v4() {
    let server = FakeApiServer::start();
    first_n(&server, "GET", CM, 2, too_many("0"));
    let out = kapi(&server)
        .args(["get", "cm", "app-config", "-o", "name", "-v=4"])
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout, "configmap/app-config\n");
    assert_eq!(count(&server, "GET", CM), 3);
    let retries: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("Retrying request"))
        .collect();
    assert_eq!(retries.len(), 2, "{stderr}");
    for line in &retries {
        assert!(line.contains("429 TooManyRequests"), "{line}");
        assert!(line.contains(r#"delay="0s""#), "{line}");
        assert!(line.contains(r#"flowSchemaUID="fs-uid-1""#), "{line}");
        assert!(line.contains(r#"priorityLevelUID="pl-uid-1""#), "{line}");
    }
    assert!(retries[1].contains("attempt=3"), "{stderr}");
    assert!(!stderr.contains(&server.token()));
}

#[test]
fn retry_after_as_an_http_date_is_honoured() {
    let server = FakeApiServer::start();
    // A date in the past: retry at once.
    first_n(
        &server,
        "GET",
        CM,
        1,
        unavailable().insert_header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"),
    );
    let out = kapi(&server)
        .args(["get", "cm", "app-config", "-o", "name", "-v=4"])
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout, "configmap/app-config\n");
    assert!(
        stderr.contains(r#"reason="503 ServiceUnavailable" delay="0s""#),
        "{stderr}"
    );
}

#[test]
fn a_get_answered_503_without_retry_after_backs_off_and_retries() {
    let server = FakeApiServer::start();
    first_n(&server, "GET", CM, 1, unavailable());
    let out = kapi(&server)
        .args(["get", "cm", "app-config", "-o", "name", "-v=4"])
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout, "configmap/app-config\n");
    assert_eq!(count(&server, "GET", CM), 2);
    // The first backoff is at most 0.8 s (full jitter).
    let line = stderr
        .lines()
        .find(|l| l.contains("Retrying request"))
        .unwrap();
    assert!(
        line.contains("ms\"") || line.contains("delay=\"0s\""),
        "{line}"
    );
}

#[test]
fn a_write_throttled_with_retry_after_and_connection_close_is_sent_again() {
    let server = FakeApiServer::start();
    first_n(
        &server,
        "POST",
        CM_LIST,
        1,
        too_many("0").insert_header("Connection", "close"),
    );
    let out = kapi(&server)
        .args(["create", "-f", "-"])
        .write_stdin(NEW_CM)
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout, "configmap/settings created\n");
    assert_eq!(count(&server, "POST", CM_LIST), 2);
    assert!(server
        .object("/api/v1/namespaces/test/configmaps/settings")
        .is_some());
}

#[test]
fn a_write_answered_503_without_retry_after_is_not_sent_again() {
    let server = FakeApiServer::start();
    first_n(&server, "POST", CM_LIST, 1, unavailable());
    let out = kapi(&server)
        .args(["create", "-f", "-"])
        .write_stdin(NEW_CM)
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("apiserver is shutting down"), "{stderr}");
    // The server may have acted on it: never sent twice.
    assert_eq!(count(&server, "POST", CM_LIST), 1);
}

#[test]
fn a_write_answered_500_with_retry_after_is_not_sent_again() {
    let server = FakeApiServer::start();
    first_n(
        &server,
        "PATCH",
        CM,
        1,
        ResponseTemplate::new(500).insert_header("Retry-After", "0"),
    );
    let out = kapi(&server)
        .args(["label", "cm", "app-config", "x=y"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out).1);
    assert_eq!(count(&server, "PATCH", CM), 1);
}

#[test]
fn retries_end_after_ten_attempts_with_the_count_and_the_last_answer() {
    let server = FakeApiServer::start();
    first_n(&server, "GET", CM, 100, too_many("0"));
    let out = kapi(&server)
        .args(["get", "cm", "app-config"])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        "Error from server (TooManyRequests): Too many requests, please try again later. \
         (gave up after 10 attempts)\n"
    );
    assert_eq!(count(&server, "GET", CM), 10);
}

#[test]
fn a_retry_after_longer_than_the_deadline_ends_the_wait_at_once() {
    let server = FakeApiServer::start();
    first_n(
        &server,
        "GET",
        "/api/v1/namespaces/test/pods",
        100,
        too_many("30"),
    );
    let started = Instant::now();
    let out = kapi(&server)
        .args(["wait", "--for=condition=Ready", "pod/web", "--timeout=3s"])
        .timeout(Duration::from_secs(40))
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("timed out waiting"), "{stderr}");
    // Not 30 s: the wait knew the retry could not happen in time.
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn wait_timeout_cuts_off_a_watch_the_server_never_answers() {
    let server = FakeApiServer::start();
    // The list is answered; the watch is accepted and never answered.
    server.mount(
        Mock::given(method("GET"))
            .and(path("/api/v1/namespaces/test/pods"))
            .and(query_param("watch", "1"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(300))),
    );
    let started = Instant::now();
    let out = kapi(&server)
        .args(["wait", "--for=condition=Ready", "pod/never", "--timeout=2s"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("timed out waiting for the condition on pods/never"),
        "{stderr}"
    );
    // The watch would otherwise have been given its timeoutSeconds plus a
    // grace of silence: minutes.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn delete_wait_timeout_cuts_off_a_watch_the_server_never_answers() {
    let server = FakeApiServer::start();
    server.mount(
        Mock::given(method("GET"))
            .and(path(CM_LIST))
            .and(query_param("watch", "1"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(300))),
    );
    server.delay_deletion(CM, Duration::from_secs(300));
    let started = Instant::now();
    let out = kapi(&server)
        .args(["delete", "cm", "app-config", "--timeout=2s"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("timed out"), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}
