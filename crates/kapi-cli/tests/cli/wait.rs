//! Issue 4: `kapi wait`, through the real binary, while a test thread
//! changes the fake.

use std::time::{Duration, Instant};

use kapi_fake::{FakeApiServer, Recorded, Rule};
use serde_json::json;

use crate::running::{wait_for_requests, Running, PATIENCE};
use crate::util::*;

const DS: &str = "/apis/apps/v1/namespaces/test/daemonsets/gateway";
const DS_LIST: &str = "/apis/apps/v1/namespaces/test/daemonsets";
const JOB: &str = "/apis/batch/v1/namespaces/test/jobs/migrate";

fn is_watch(r: &Recorded, collection: &str) -> bool {
    r.path == collection && r.query_param("watch") == Some("1")
}

fn is_list(r: &Recorded, collection: &str) -> bool {
    r.path == collection && r.query_param("watch").is_none()
}

/// Waits until `n` watches are open, so a change made next is seen live.
fn watching(server: &FakeApiServer, n: usize) {
    assert!(
        server.wait_for_watches(n, PATIENCE),
        "no watch opened: {:?}",
        server.requests()
    );
}

fn job_conditions(conditions: serde_json::Value) -> serde_json::Value {
    json!({"status": {"conditions": conditions}})
}

#[test]
fn jsonpath_wait_ends_when_the_daemonset_becomes_ready() {
    let server = FakeApiServer::start();
    let wait = Running::start(
        &server,
        &[
            "wait",
            "--for=jsonpath={.status.numberReady}=20",
            "ds/gateway",
            "-n",
            "test",
            "--timeout=30s",
        ],
    );
    // A test thread plays the DaemonSet controller: the 20th pod becomes
    // ready ~300 ms into the wait.
    std::thread::scope(|scope| {
        scope.spawn(|| {
            watching(&server, 1);
            std::thread::sleep(Duration::from_millis(300));
            server.update(DS, json!({"status": {"numberReady": 20}}));
        });
    });
    let (status, stdout, stderr) = wait.finish();
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, "daemonset.apps/gateway condition met\n");
    assert!(
        stderr
            .contains("waiting for daemonset.apps/gateway: {.status.numberReady}=19, want 20 (0s)"),
        "{stderr}"
    );
    // One streaming watch (the state, then the changes) with bookmarks,
    // and no list.
    let requests = server.requests();
    assert!(!requests.iter().any(|r| is_list(r, DS_LIST)));
    let watch = requests.iter().find(|r| is_watch(r, DS_LIST)).unwrap();
    assert_eq!(watch.query_param("sendInitialEvents"), Some("true"));
    assert_eq!(
        watch.query_param("fieldSelector"),
        Some("metadata.name=gateway")
    );
    assert_eq!(watch.query_param("allowWatchBookmarks"), Some("true"));
    // The latest state (a consistent read), not the watch cache's.
    assert_eq!(watch.query_param("resourceVersion"), None);
}

#[test]
fn a_job_that_fails_ends_the_wait_at_once_with_the_fail_on_code() {
    let server = FakeApiServer::start();
    let wait = Running::start(
        &server,
        &[
            "wait",
            "--for=condition=Complete",
            "--fail-on=condition=Failed",
            "job/migrate",
            "--timeout=10m",
        ],
    );
    watching(&server, 1);
    let failed_at = Instant::now();
    server.update(
        JOB,
        job_conditions(
            json!([{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]),
        ),
    );
    let (status, stdout, stderr) = wait.finish();
    assert!(failed_at.elapsed() < Duration::from_secs(5));
    assert_eq!(status.code(), Some(4), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.ends_with(
            "error: fail-on condition=Failed met on jobs/migrate: condition Failed=True\n"
        ),
        "{stderr}"
    );
}

#[test]
fn for_any_succeeds_on_either_condition_and_says_which() {
    let server = FakeApiServer::start();
    server.update(
        JOB,
        job_conditions(json!([{"type": "Failed", "status": "True"}])),
    );
    kapi(&server)
        .args([
            "wait",
            "--for=condition=Complete",
            "--for=condition=Failed",
            "--for-any",
            "job/migrate",
        ])
        .assert()
        .success()
        .stdout("job.batch/migrate condition met (condition=Failed)\n");
}

#[test]
fn several_for_conditions_must_all_hold() {
    let server = FakeApiServer::start();
    let wait = Running::start(
        &server,
        &[
            "wait",
            "--for=jsonpath={.status.numberReady}=20",
            "--for=jsonpath={.status.numberAvailable}=20",
            "daemonset",
            "gateway",
        ],
    );
    watching(&server, 1);
    server.update(DS, json!({"status": {"numberReady": 20}}));
    wait.wait_for_stderr("{.status.numberAvailable}=19, want 20");
    server.update(DS, json!({"status": {"numberAvailable": 20}}));
    let (status, stdout, stderr) = wait.finish();
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, "daemonset.apps/gateway condition met\n");
}

#[test]
fn for_create_waits_for_an_object_created_later() {
    let server = FakeApiServer::start();
    let wait = Running::start(&server, &["wait", "--for=create", "configmap/late"]);
    watching(&server, 1);
    server.put_object(
        "/api/v1/namespaces/test/configmaps/late",
        json!({"data": {"k": "v"}}),
    );
    let (status, stdout, stderr) = wait.finish();
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, "configmap/late condition met\n");
    assert!(
        stderr.contains("waiting for configmap/late: not found"),
        "{stderr}"
    );
}

#[test]
fn a_condition_on_a_name_that_does_not_exist_yet_is_waited_for() {
    let server = FakeApiServer::start();
    let wait = Running::start(
        &server,
        &[
            "wait",
            "--for=condition=Complete",
            "job/later",
            "-n",
            "test",
        ],
    );
    watching(&server, 1);
    server.put_object(
        "/apis/batch/v1/namespaces/test/jobs/later",
        json!({"spec": {}, "status": {"conditions": [{"type": "Complete", "status": "False"}]}}),
    );
    wait.wait_for_stderr("condition Complete=False, want true");
    server.update(
        "/apis/batch/v1/namespaces/test/jobs/later",
        job_conditions(json!([{"type": "Complete", "status": "True"}])),
    );
    let (status, stdout, stderr) = wait.finish();
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, "job.batch/later condition met\n");
}

#[test]
fn for_delete_ends_when_the_object_is_deleted() {
    let server = FakeApiServer::start();
    let wait = Running::start(&server, &["wait", "--for=delete", "cm/app-config"]);
    watching(&server, 1);
    assert!(server.delete_object("/api/v1/namespaces/test/configmaps/app-config"));
    let (status, stdout, stderr) = wait.finish();
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, "configmap/app-config condition met\n");
}

#[test]
fn for_delete_of_a_missing_object_is_met_at_once() {
    let server = FakeApiServer::start();
    kapi(&server)
        .args(["wait", "--for=delete", "cm/never-was", "--timeout=0"])
        .assert()
        .success()
        .stdout("configmap/never-was condition met\n");
}

#[test]
fn a_dropped_stream_resumes_from_the_last_resource_version() {
    let server = FakeApiServer::start();
    let wait = Running::start(
        &server,
        &[
            "wait",
            "--for=jsonpath={.status.numberReady}=20",
            "ds/gateway",
        ],
    );
    watching(&server, 1);
    let seen = server.update(DS, json!({"status": {"numberAvailable": 18}}));
    let seen_rv = seen["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    wait.wait_for_stderr("{.status.numberReady}=19");
    // The client saw the event once the progress line could change; cut
    // the stream mid-event and let it come back.
    wait_for_requests(&server, 1, |r| is_watch(r, DS_LIST));
    server.drop_watches_mid_event();
    let watches = wait_for_requests(&server, 2, |r| is_watch(r, DS_LIST));
    watching(&server, 1);
    server.update(DS, json!({"status": {"numberReady": 20}}));
    let (status, stdout, stderr) = wait.finish();
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, "daemonset.apps/gateway condition met\n");
    assert_eq!(
        watches[1].query_param("resourceVersion"),
        Some(seen_rv.as_str())
    );
    // Resumed, not relisted: no list, no second initial state.
    let requests = server.requests();
    assert!(!requests.iter().any(|r| is_list(r, DS_LIST)));
    assert_eq!(watches[1].query_param("sendInitialEvents"), None);
}

#[test]
fn an_expired_resource_version_relists() {
    let server = FakeApiServer::start();
    let wait = Running::start(
        &server,
        &[
            "wait",
            "--for=jsonpath={.status.numberReady}=20",
            "ds/gateway",
        ],
    );
    watching(&server, 1);
    // Changes the watch does not match move the history on; compacting it
    // makes the client's resourceVersion too old for a new watch.
    server.update(
        "/api/v1/namespaces/test/configmaps/app-config",
        json!({"data": {"touched": "1"}}),
    );
    server.compact_now();
    server.drop_watches();
    // The state again: a second streaming watch.
    let states = wait_for_requests(&server, 2, |r| {
        is_watch(r, DS_LIST) && r.query_param("sendInitialEvents").is_some()
    });
    assert_eq!(states.len(), 2);
    watching(&server, 1);
    server.update(DS, json!({"status": {"numberReady": 20}}));
    let (status, stdout, stderr) = wait.finish();
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, "daemonset.apps/gateway condition met\n");
}

#[test]
fn a_service_account_that_may_not_watch_falls_back_to_polling() {
    let server = FakeApiServer::start();
    let dir = server.add_service_account(
        "restricted",
        &[Rule::allow(&["get"], &["apps"], &["daemonsets"])],
    );
    let wait = Running::start_with(
        server.env_for(&dir),
        &[
            "wait",
            "--for=jsonpath={.status.numberReady}=20",
            "ds/gateway",
        ],
    );
    wait.wait_for_stderr("polling with get instead of watching");
    wait_for_requests(&server, 1, |r| r.path == DS);
    server.update(DS, json!({"status": {"numberReady": 20}}));
    let (status, stdout, stderr) = wait.finish();
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, "daemonset.apps/gateway condition met\n");
    assert_eq!(
        stderr.matches("polling with get").count(),
        1,
        "said once: {stderr}"
    );
    assert!(
        stderr.contains("cannot list resource \"daemonsets\""),
        "{stderr}"
    );
}

#[test]
fn timing_out_exits_with_its_code_and_kubectls_message() {
    let server = FakeApiServer::start();
    let started = Instant::now();
    let out = kapi(&server)
        .args([
            "wait",
            "--for=jsonpath={.status.numberReady}=20",
            "ds/gateway",
            "--timeout=1s",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(stdout, "");
    assert!(
        stderr.ends_with("error: timed out waiting for the condition on daemonsets/gateway\n"),
        "{stderr}"
    );
}

#[test]
fn a_zero_timeout_checks_once() {
    let server = FakeApiServer::start();
    let out = kapi(&server)
        .args([
            "wait",
            "--for=condition=Complete",
            "job/migrate",
            "--timeout=0",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(stdout, "");
    assert_eq!(stderr, "error: condition not met for jobs/migrate\n");
    kapi(&server)
        .args([
            "wait",
            "--for=jsonpath={.status.numberReady}=19",
            "ds/gateway",
            "--timeout=0",
        ])
        .assert()
        .success()
        .stdout("daemonset.apps/gateway condition met\n");
}

#[test]
fn with_a_selector_every_match_must_hold() {
    let server = FakeApiServer::start();
    let wait = Running::start(
        &server,
        &["wait", "--for=condition=Ready", "pods", "-l", "app=gateway"],
    );
    watching(&server, 1);
    wait.wait_for_stderr("2 of 3 met; pod/gateway-zt9xw: condition Ready=False, want true");
    server.update(
        "/api/v1/namespaces/test/pods/gateway-zt9xw",
        json!({"status": {"conditions": [{"type": "Ready", "status": "True"}]}}),
    );
    let (status, stdout, stderr) = wait.finish();
    assert!(status.success(), "{stderr}");
    assert_eq!(
        stdout,
        "pod/gateway-b8n4q condition met\npod/gateway-x7k2p condition met\npod/gateway-zt9xw condition met\n"
    );
}

#[test]
fn an_empty_selector_match_keeps_waiting_until_the_timeout() {
    let server = FakeApiServer::start();
    let out = kapi(&server)
        .args([
            "wait",
            "--for=condition=Ready",
            "pods",
            "-l",
            "app=nothing",
            "--timeout=1s",
        ])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr.ends_with(
            "error: timed out waiting for the condition on pods: no matching resources found\n"
        ),
        "{stderr}"
    );
}

#[test]
fn jsonpath_that_cannot_be_compared_is_an_error() {
    let server = FakeApiServer::start();
    let out = kapi(&server)
        .args(["wait", "--for=jsonpath={.metadata.labels}=x", "ds/gateway"])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr,
        "error: jsonpath leads to a nested object or list which is not supported\n"
    );
    let out = kapi(&server)
        .args([
            "wait",
            "--for=jsonpath={.metadata.labels.*}=x",
            "pod/gateway-b8n4q",
        ])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr,
        "error: given jsonpath expression matches more than one value\n"
    );
}

#[test]
fn bad_for_values_are_usage_errors_with_kubectls_messages() {
    let server = FakeApiServer::start();
    for (value, message) in [
        ("--for=ready", r#"error: unrecognized condition: "ready""#),
        (
            "--for=jsonpath={.status.numberReady}=",
            "error: jsonpath wait has to have a value after equal sign",
        ),
        (
            "--for=jsonpath={.status.numberReady=20",
            "error: failed to parse jsonpath",
        ),
    ] {
        let out = kapi(&server)
            .args(["wait", value, "ds/gateway"])
            .output()
            .unwrap();
        let (_, stderr) = output_text(&out);
        assert_eq!(out.status.code(), Some(2), "{value}: {stderr}");
        assert!(stderr.starts_with(message), "{value}: {stderr}");
    }
    let out = kapi(&server).args(["wait", "ds"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(output_text(&out).1.contains("--for must be given"));
    let out = kapi(&server)
        .args(["wait", "--for=delete", "ds"])
        .output()
        .unwrap();
    assert!(output_text(&out)
        .1
        .contains("resource(s) were provided, but no name was specified"));
    assert!(
        server.requests().is_empty(),
        "nothing sent before the checks"
    );
}

#[test]
fn help_documents_the_exit_codes() {
    let out = kapi_bare().args(["wait", "--help"]).output().unwrap();
    let (stdout, _) = output_text(&out);
    assert!(out.status.success());
    for code in ["3  timed out", "4  a --fail-on condition held"] {
        assert!(stdout.contains(code), "{stdout}");
    }
    let (root, _) = output_text(&kapi_bare().arg("--help").output().unwrap());
    assert!(root.contains("3 timed out"), "{root}");
}
