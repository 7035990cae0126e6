//! Issue 9: server text with control characters (ESC, BEL, CR, C1 CSI)
//! reaches the terminal escaped as Go's `%q` writes them, at every print
//! site that is not a raw body or JSON/YAML/JSONPath output.

use std::process::Output;

use kapi_fake::wiremock::matchers::{method, path, query_param};
use kapi_fake::wiremock::{Mock, ResponseTemplate};
use kapi_fake::FakeApiServer;
use serde_json::json;

use crate::util::*;

/// ESC + SGR red, BEL, CR and C1 CSI, as a server might send them.
const NASTY: &str = "\u{1b}[31mred\u{7}\r\u{9b}2J";
/// How kapi prints [`NASTY`].
const ESCAPED: &str = "\\x1b[31mred\\a\\r\\u009b2J";

/// No raw ESC, BEL, CR or C1 byte sequence on either stream.
fn assert_clean(out: &Output) {
    for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !bytes.contains(&0x1b) && !bytes.contains(&0x07) && !bytes.contains(&b'\r'),
            "raw control byte on {name}: {text:?}"
        );
        assert!(!text.contains('\u{9b}'), "raw U+009B on {name}: {text:?}");
        assert!(!text.contains("panicked"), "{text}");
    }
}

fn status(code: u16, reason: &str, message: &str) -> String {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": message, "reason": reason, "code": code})
    .to_string()
}

fn table(name: &str, header: &str) -> serde_json::Value {
    json!({
        "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {},
        "columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name", "priority": 0},
            {"name": header, "type": "string", "format": "", "priority": 0},
        ],
        "rows": [{"cells": [name, "a\tb"], "object": {"kind": "PartialObjectMetadata",
                  "apiVersion": "meta.k8s.io/v1", "metadata": {"name": name}}}],
    })
}

#[test]
fn a_status_message_with_escape_sequences_is_printed_escaped() {
    let server = FakeApiServer::start();
    server.respond(
        "GET",
        "/api/v1/namespaces/test/pods",
        403,
        "application/json",
        status(
            403,
            "Forbidden",
            &format!("pods is forbidden: {NASTY}\nsecond line"),
        ),
    );
    let out = kapi(&server).args(["get", "pods"]).output().unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_clean(&out);
    assert_eq!(
        stderr,
        format!("Error from server (Forbidden): pods is forbidden: {ESCAPED}\nsecond line\n")
    );
}

#[test]
fn a_non_status_error_body_quoted_by_the_fallback_is_escaped() {
    let server = FakeApiServer::start();
    server.respond(
        "GET",
        "/version",
        502,
        "text/html",
        format!("<html>{NASTY}</html>"),
    );
    let out = kapi(&server).args(["version"]).output().unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_clean(&out);
    assert_eq!(
        stderr,
        "Error from server (InternalError): an error on the server \
         (\"<html>\\x1b[31mred\\a\\r\\u009b2J</html>\") has prevented the request from succeeding\n"
    );
}

#[test]
fn an_invalid_status_cause_is_escaped() {
    let server = FakeApiServer::start();
    let invalid = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 422,
        "reason": "Invalid", "message": "x",
        "details": {"name": "cm", "kind": "ConfigMap", "causes": [
            {"field": "data", "message": NASTY}, {"field": "metadata", "message": "ok"}]}});
    server.respond(
        "POST",
        "/api/v1/namespaces/test/configmaps",
        422,
        "application/json",
        invalid.to_string(),
    );
    let out = kapi(&server)
        .args(["create", "-f", "-"])
        .write_stdin(r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}}"#)
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_clean(&out);
    assert_eq!(
        stderr,
        format!("The ConfigMap \"cm\" is invalid: \n* data: {ESCAPED}\n* metadata: ok\n")
    );
}

#[test]
fn table_cells_and_headers_are_escaped_and_stay_on_one_line() {
    let server = FakeApiServer::start();
    server.respond(
        "GET",
        "/api/v1/namespaces/test/pods",
        200,
        "application/json",
        table(&format!("web{NASTY}"), &format!("Col{NASTY}")).to_string(),
    );
    let out = kapi(&server).args(["get", "pods"]).output().unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_clean(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].starts_with("NAME"), "{stdout}");
    // Headers are upper-cased first, as kubectl does; then escaped.
    assert!(
        lines[0].ends_with("COL\\x1b[31MRED\\a\\r\\u009b2J"),
        "{stdout}"
    );
    // kubectl cuts a cell at its first line break (CR included).
    assert!(lines[1].starts_with("web\\x1b[31mred\\a...   "), "{stdout}");
    assert!(lines[1].ends_with("a\\tb"), "{stdout}");
}

#[test]
fn names_printed_with_o_name_are_escaped() {
    let server = FakeApiServer::start();
    let list = json!({"kind": "PodList", "apiVersion": "v1", "metadata": {},
        "items": [{"kind": "Pod", "apiVersion": "v1", "metadata": {"name": format!("x{NASTY}")}}]});
    server.respond(
        "GET",
        "/api/v1/namespaces/test/pods",
        200,
        "application/json",
        list.to_string(),
    );
    let out = kapi(&server)
        .args(["get", "pods", "-o", "name"])
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_clean(&out);
    assert_eq!(stdout, format!("pod/x{ESCAPED}\n"));
}

#[test]
fn json_output_is_not_escaped_twice() {
    // JSON escapes controls itself: `\u001b`, as kubectl writes it.
    let server = FakeApiServer::start();
    let pod = json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p", "annotations": {"a": NASTY}}});
    server.respond(
        "GET",
        "/api/v1/namespaces/test/pods/p",
        200,
        "application/json",
        pod.to_string(),
    );
    let out = kapi(&server)
        .args(["get", "pod", "p", "-o", "json"])
        .output()
        .unwrap();
    let (stdout, _) = output_text(&out);
    assert!(!out.stdout.contains(&0x1b), "{stdout}");
    assert!(
        stdout.contains(&format!(r#""a": "\u001b[31mred\u0007\r{}2J""#, '\u{9b}')),
        "{stdout}"
    );
}

#[test]
fn result_lines_of_writes_are_escaped() {
    let server = FakeApiServer::start();
    let created = json!({"kind": "ConfigMap", "apiVersion": "v1",
        "metadata": {"name": format!("cm{NASTY}"), "namespace": "test"}});
    server.respond(
        "POST",
        "/api/v1/namespaces/test/configmaps",
        201,
        "application/json",
        created.to_string(),
    );
    let out = kapi(&server)
        .args(["create", "-f", "-"])
        .write_stdin(r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}}"#)
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_clean(&out);
    assert_eq!(stdout, format!("configmap/cm{ESCAPED} created\n"));
}

/// `get -w` against a list with `list` and a watch stream of one `event`.
fn watch_once(list: serde_json::Value, event: serde_json::Value, extra: &[&str]) -> Output {
    let server = FakeApiServer::start();
    let pods = "/api/v1/namespaces/test/pods";
    server.mount(
        Mock::given(method("GET"))
            .and(path(pods))
            .and(query_param("watch", "1"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(format!("{event}\n"), "application/json"),
            ),
    );
    server.mount(
        Mock::given(method("GET"))
            .and(path(pods))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(list.to_string(), "application/json"),
            )
            .with_priority(6),
    );
    kapi(&server)
        // The mocks are a list and a watch: no streaming start.
        .env("KUBE_FEATURE_WatchListClient", "false")
        .args(["get", "pods", "-w", "--request-timeout=2s"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn watch_event_rows_are_escaped() {
    let empty_table = json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": "1"}, "columnDefinitions": [], "rows": []});
    let event = json!({"type": "ADDED", "object": table(&format!("w{NASTY}"), "Status")});
    let out = watch_once(empty_table, event, &["--output-watch-events"]);
    let (stdout, stderr) = output_text(&out);
    assert_clean(&out);
    assert!(
        stdout.starts_with(
            "EVENT   NAME                STATUS\nADDED   w\\x1b[31mred\\a...   a\\tb\n"
        ),
        "{stdout}\n{stderr}"
    );
}

#[test]
fn watch_event_names_are_escaped() {
    let list = json!({"kind": "PodList", "apiVersion": "v1",
        "metadata": {"resourceVersion": "1"}, "items": []});
    let event = json!({"type": "ADDED", "object": {"kind": "Pod", "apiVersion": "v1",
        "metadata": {"name": format!("w{NASTY}"), "resourceVersion": "9"}}});
    let out = watch_once(list, event, &["-o", "name"]);
    let (stdout, stderr) = output_text(&out);
    assert_clean(&out);
    assert!(
        stdout.starts_with(&format!("pod/w{ESCAPED}\n")),
        "{stdout}\n{stderr}"
    );
}

#[test]
fn wait_progress_lines_are_escaped() {
    let server = FakeApiServer::start();
    server.update(
        "/apis/apps/v1/namespaces/test/daemonsets/gateway",
        json!({"status": {"phase": NASTY}}),
    );
    let out = kapi(&server)
        .args([
            "wait",
            "ds/gateway",
            "--for=jsonpath={.status.phase}=Ready",
            "--timeout=1s",
        ])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert_clean(&out);
    assert!(stderr.contains(ESCAPED), "{stderr}");
}

#[test]
fn auth_can_i_reasons_are_escaped() {
    let server = FakeApiServer::start();
    let review = json!({"kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1", "metadata": {},
        "spec": {}, "status": {"allowed": false, "reason": NASTY}});
    server.respond(
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        201,
        "application/json",
        review.to_string(),
    );
    let out = kapi(&server)
        .args(["auth", "can-i", "get", "pods"])
        .output()
        .unwrap();
    let (stdout, _) = output_text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_clean(&out);
    assert_eq!(stdout, format!("no - {ESCAPED}\n"));
}

#[test]
fn auth_whoami_table_is_escaped() {
    let server = FakeApiServer::start();
    let review = json!({"kind": "SelfSubjectReview",
        "apiVersion": "authentication.k8s.io/v1", "metadata": {},
        "status": {"userInfo": {"username": format!("u{NASTY}"), "groups": ["g"]}}});
    server.respond(
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        201,
        "application/json",
        review.to_string(),
    );
    let out = kapi(&server).args(["auth", "whoami"]).output().unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_clean(&out);
    assert!(stdout.contains(&format!("u{ESCAPED}")), "{stdout}");
}

#[test]
fn raw_bodies_stay_raw() {
    // `get --raw` is the body as sent: the one place control bytes pass.
    let server = FakeApiServer::start();
    server.respond("GET", "/healthz", 200, "text/plain", NASTY);
    let out = kapi(&server)
        .args(["get", "--raw", "/healthz"])
        .output()
        .unwrap();
    assert_eq!(out.stdout, NASTY.as_bytes());
}
