//! Issue 14, item 7: `kapi wait-for`, groundnuty/k8s-wait-for's argument
//! forms run as `kapi wait`.

use kapi_fake::FakeApiServer;
use serde_json::json;

use crate::running::{Running, PATIENCE};
use crate::util::*;

const JOB: &str = "/apis/batch/v1/namespaces/test/jobs/migrate";

fn failed() -> serde_json::Value {
    json!({"status": {"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]}})
}

#[test]
fn job_waits_for_complete_and_says_what_it_runs() {
    let server = FakeApiServer::start();
    let wait = Running::start(&server, &["wait-for", "job", "migrate"]);
    assert!(server.wait_for_watches(1, PATIENCE));
    server.update(
        JOB,
        json!({"status": {"conditions": [{"type": "Complete", "status": "True"}]}}),
    );
    let (status, stdout, stderr) = wait.finish();
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, "job.batch/migrate condition met\n");
    assert!(
        stderr.starts_with(
            "kapi wait-for job migrate: kapi wait jobs migrate --for=condition=Complete --timeout=168h\n"
        ),
        "{stderr}"
    );
}

#[test]
fn job_ends_on_a_failure_and_job_we_counts_it_as_done() {
    let server = FakeApiServer::start();
    server.update(JOB, failed());
    let out = kapi(&server)
        .args(["wait-for", "job", "migrate"])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("can no longer meet condition=Complete: the Job has failed"));
    kapi(&server)
        .args(["wait-for", "job-we", "migrate"])
        .assert()
        .success()
        .stdout("job.batch/migrate condition met (condition=Failed)\n");
    // TREAT_ERRORS_AS_READY=1 is job-we, as in wait_for.sh.
    kapi(&server)
        .env("TREAT_ERRORS_AS_READY", "1")
        .args(["wait-for", "job", "migrate"])
        .assert()
        .success();
}

#[test]
fn pod_by_selector_counts_succeeded_pods_as_ready() {
    let server = FakeApiServer::start();
    // migrate-x8k2m is Running and Ready; backup-... has Succeeded.
    kapi(&server)
        .args(["wait-for", "pod", "-ljob-name=migrate"])
        .assert()
        .success()
        .stdout("pod/migrate-x8k2m condition met (condition=Ready)\n");
    kapi(&server)
        .args(["wait-for", "pod", "backup-29440920-q7v2n"])
        .assert()
        .success()
        .stdout("pod/backup-29440920-q7v2n condition met (jsonpath={.status.phase}=Succeeded)\n");
    server.update(
        "/api/v1/namespaces/test/pods/migrate-x8k2m",
        json!({"status": {"phase": "Failed"}}),
    );
    let out = kapi(&server)
        .args(["wait-for", "pod", "-l", "job-name=migrate", "--timeout=5s"])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("fail-on jsonpath={.status.phase}=Failed met on pods/migrate-x8k2m"));
}

#[test]
fn service_waits_for_ready_endpoints() {
    let server = FakeApiServer::start();
    kapi(&server)
        .args(["wait-for", "service", "gateway"])
        .assert()
        .success()
        .stdout("service/gateway condition met\n");
    // Options after the name are kapi wait's, as wait_for.sh passed them to kubectl.
    let out = kapi(&server)
        .args(["wait-for", "service", "db", "-n", "test", "--timeout=1s"])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.ends_with(
        "error: timed out waiting for the condition on services/db: no EndpointSlices yet, want 1 ready\n"
    ));
}

#[test]
fn unknown_forms_are_usage_errors() {
    let server = FakeApiServer::start();
    let out = kapi(&server)
        .args(["wait-for", "deployment", "web"])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.starts_with("error: unknown resource type \"deployment\""),
        "{stderr}"
    );
    let out = kapi_bare().args(["wait-for", "--help"]).output().unwrap();
    assert!(out.status.success());
    assert!(output_text(&out).0.contains("TREAT_ERRORS_AS_READY"));
}
