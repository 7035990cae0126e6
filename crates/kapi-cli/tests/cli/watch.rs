//! Issue 4: `kapi get -w`, `--watch-only`, `--output-watch-events`,
//! through the real binary while a test thread changes the fake.

use kapi_fake::FakeApiServer;
use serde_json::json;

use crate::running::{Running, PATIENCE};
use crate::util::*;

const DS: &str = "/apis/apps/v1/namespaces/test/daemonsets/gateway";

fn watching(server: &FakeApiServer) {
    assert!(server.wait_for_watches(1, PATIENCE), "no watch opened");
}

#[test]
fn get_watch_prints_the_table_then_each_event_in_order() {
    let server = FakeApiServer::start();
    let get = Running::start(&server, &["get", "ds", "-n", "test", "-w"]);
    assert!(get
        .line()
        .starts_with("NAME      DESIRED   CURRENT   READY"));
    assert!(get.line().starts_with("gateway   20        20        19 "));
    watching(&server);
    server.update(DS, json!({"status": {"numberReady": 20}}));
    assert!(get.line().starts_with("gateway   20        20        20 "));
    server.update(DS, json!({"status": {"numberAvailable": 20}}));
    let line = get.line();
    assert!(
        line.starts_with("gateway   20        20        20 "),
        "{line}"
    );
    assert!(server.delete_object(DS));
    assert!(get.line().starts_with("gateway   "));
    // The server was asked for Tables, for the list and the watch alike.
    let requests = server.requests();
    let watch = requests
        .iter()
        .find(|r| r.query_param("watch") == Some("1"))
        .unwrap();
    assert!(watch
        .header("accept")
        .unwrap()
        .starts_with("application/json;as=Table;v=v1;g=meta.k8s.io"));
    assert!(get.stderr().is_empty(), "{}", get.stderr());
}

#[test]
fn watch_only_with_events_prints_only_changes_with_their_type() {
    let server = FakeApiServer::start();
    let get = Running::start(
        &server,
        &["get", "ds", "--watch-only", "--output-watch-events"],
    );
    watching(&server);
    server.update(DS, json!({"status": {"numberReady": 20}}));
    let header = get.line();
    assert!(
        header.starts_with("EVENT      NAME      DESIRED   CURRENT   READY"),
        "{header}"
    );
    let row = get.line();
    assert!(row.starts_with("MODIFIED   gateway   20 "), "{row}");
    assert!(server.delete_object(DS));
    assert!(get.line().starts_with("DELETED    gateway   "));
}

#[test]
fn json_watch_events_are_one_line_each_as_kubectl_writes_them() {
    let server = FakeApiServer::start();
    let get = Running::start(
        &server,
        &[
            "get",
            "ds",
            "gateway",
            "-w",
            "-o",
            "json",
            "--output-watch-events",
        ],
    );
    let first = get.line();
    assert!(
        first
            .starts_with(r#"{"type":"ADDED","object":{"apiVersion":"apps/v1","kind":"DaemonSet","#),
        "{first}"
    );
    watching(&server);
    server.update(DS, json!({"status": {"numberReady": 20}}));
    let event: serde_json::Value = serde_json::from_str(&get.line()).unwrap();
    assert_eq!(event["type"], "MODIFIED");
    assert_eq!(event["object"]["status"]["numberReady"], 20);
}

#[test]
fn jsonpath_and_name_print_per_event() {
    let server = FakeApiServer::start();
    let get = Running::start(
        &server,
        &[
            "get",
            "ds/gateway",
            "-w",
            "-o",
            r#"jsonpath={.status.numberReady}{"\n"}"#,
        ],
    );
    assert_eq!(get.line(), "19");
    watching(&server);
    server.update(DS, json!({"status": {"numberReady": 20}}));
    assert_eq!(get.line(), "20");

    let names = Running::start(&server, &["get", "ds", "-w", "-o", "name"]);
    assert_eq!(names.line(), "daemonset.apps/gateway");
}

#[test]
fn a_dropped_watch_resumes_without_printing_twice() {
    let server = FakeApiServer::start();
    let rv = server.resource_version();
    let get = Running::start(
        &server,
        &["get", "ds", "-w", "-o", "name", "--output-watch-events"],
    );
    assert_eq!(get.line(), "daemonset.apps/gateway");
    watching(&server);
    server.drop_watches();
    assert!(server.wait_for_watches(1, PATIENCE));
    crate::running::wait_for_requests(&server, 2, |r| r.query_param("watch") == Some("1"));
    watching(&server);
    server.update(DS, json!({"status": {"numberReady": 20}}));
    assert_eq!(get.line(), "daemonset.apps/gateway");
    // The resumed watch asked for events after the initial state (the
    // streaming watch's end marker): nothing repeated.
    let watches: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.query_param("watch") == Some("1"))
        .collect();
    assert_eq!(watches[0].query_param("sendInitialEvents"), Some("true"));
    assert_eq!(watches[1].query_param("sendInitialEvents"), None);
    assert_eq!(watches[1].query_param("resourceVersion"), Some(rv.as_str()));
}

#[test]
fn request_timeout_ends_the_watch_with_success() {
    let server = FakeApiServer::start();
    let out = kapi(&server)
        .args(["get", "cm", "-w", "-o", "name", "--request-timeout=1s"])
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("configmap/app-config\n"), "{stdout}");
}

#[test]
fn watching_a_missing_name_reports_not_found_like_kubectl() {
    let server = FakeApiServer::start();
    let out = kapi(&server)
        .args(["get", "ds", "nope", "-w"])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr,
        "Error from server (NotFound): daemonsets.apps \"nope\" not found\n"
    );
}

#[test]
fn watching_several_types_is_refused() {
    let server = FakeApiServer::start();
    let out = kapi(&server).args(["get", "ds,cm", "-w"]).output().unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr,
        "error: watch is only supported on individual resources and resource collections, but a list of resources is found\n"
    );
}
