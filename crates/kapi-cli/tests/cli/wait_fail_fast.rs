//! Issue 14, item 1: a wait ends as soon as it can no longer succeed (exit
//! 4, with a line that says why), unless `--fail-fast=false`; states that
//! may recover are shown, and end the wait only when asked.

use std::time::{Duration, Instant};

use kapi_fake::FakeApiServer;
use serde_json::json;

use crate::running::Running;
use crate::util::*;

const JOB: &str = "/apis/batch/v1/namespaces/test/jobs/migrate";
const POD: &str = "/api/v1/namespaces/test/pods/migrate-x8k2m";
/// Pending (ContainerCreating), not Ready.
const PENDING: &str = "/api/v1/namespaces/test/pods/gateway-zt9xw";

fn watching(server: &FakeApiServer) {
    assert!(server.wait_for_watches(1, crate::running::PATIENCE));
}

fn failed_job() -> serde_json::Value {
    json!({"status": {"active": 0, "failed": 7, "conditions": [
        {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded"},
        {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
         "message": "Job has reached the specified backoff limit"},
    ]}})
}

#[test]
fn a_job_that_fails_ends_a_wait_for_complete_without_fail_on() {
    let server = FakeApiServer::start();
    let wait = Running::start(
        &server,
        &[
            "wait",
            "job/migrate",
            "--for=condition=Complete",
            "--timeout=10m",
        ],
    );
    watching(&server);
    let failed_at = Instant::now();
    server.update(JOB, failed_job());
    let (status, stdout, stderr) = wait.finish();
    assert!(failed_at.elapsed() < Duration::from_secs(5));
    assert_eq!(status.code(), Some(4), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.ends_with(
            "error: jobs/migrate can no longer meet condition=Complete: the Job has failed (BackoffLimitExceeded: Job has reached the specified backoff limit)\n"
        ),
        "{stderr}"
    );
}

#[test]
fn an_already_failed_job_ends_the_wait_at_once() {
    let server = FakeApiServer::start();
    server.update(JOB, failed_job());
    let out = kapi(&server)
        .args(["wait", "job/migrate", "--for=condition=Complete"])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("can no longer meet condition=Complete"));
    // --fail-on still says it its own way, and wins.
    let out = kapi(&server)
        .args([
            "wait",
            "job/migrate",
            "--for=condition=Complete",
            "--fail-on=condition=Failed",
        ])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr.ends_with(
            "error: fail-on condition=Failed met on jobs/migrate: condition Failed=True\n"
        ),
        "{stderr}"
    );
}

#[test]
fn fail_fast_false_waits_out_a_failed_job() {
    let server = FakeApiServer::start();
    server.update(JOB, failed_job());
    let out = kapi(&server)
        .args([
            "wait",
            "job/migrate",
            "--for=condition=Complete",
            "--fail-fast=false",
            "--timeout=1s",
        ])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.ends_with("error: timed out waiting for the condition on jobs/migrate\n"),
        "{stderr}"
    );
}

#[test]
fn a_pod_that_finishes_cannot_become_ready() {
    let server = FakeApiServer::start();
    let wait = Running::start(
        &server,
        &[
            "wait",
            "pod/gateway-zt9xw",
            "--for=condition=Ready",
            "--timeout=10m",
        ],
    );
    watching(&server);
    server.update(
        PENDING,
        json!({"status": {"phase": "Failed", "containerStatuses": [{"name": "gateway", "ready": false,
            "restartCount": 0, "image": "registry.example.com/migrate:3.1.0", "imageID": "", "started": false,
            "state": {"terminated": {"exitCode": 2, "reason": "Error"}}}],
            "conditions": [{"type": "Ready", "status": "False", "reason": "PodFailed"}]}}),
    );
    let (status, _, stderr) = wait.finish();
    assert_eq!(status.code(), Some(4), "{stderr}");
    assert!(
        stderr.ends_with(
            "error: pods/gateway-zt9xw can no longer meet condition=Ready: the Pod has phase Failed: container gateway exited with code 2 (Error)\n"
        ),
        "{stderr}"
    );
    // A Succeeded pod that was waited on for its phase is met, not doomed.
    kapi(&server)
        .args([
            "wait",
            "pod/backup-29440920-q7v2n",
            "--for=jsonpath={.status.phase}=Succeeded",
        ])
        .assert()
        .success()
        .stdout("pod/backup-29440920-q7v2n condition met\n");
    let out = kapi(&server)
        .args(["wait", "pod/backup-29440920-q7v2n", "--for=condition=Ready"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(output_text(&out)
        .1
        .contains("can no longer meet condition=Ready: the Pod has phase Succeeded"));
}

#[test]
fn a_deleted_object_ends_a_wait_for_anything_but_delete() {
    let server = FakeApiServer::start();
    let wait = Running::start(
        &server,
        &[
            "wait",
            "job/migrate",
            "--for=condition=Complete",
            "--timeout=10m",
        ],
    );
    watching(&server);
    wait.wait_for_stderr("condition Complete not set");
    assert!(server.delete_object(JOB));
    let (status, _, stderr) = wait.finish();
    assert_eq!(status.code(), Some(4), "{stderr}");
    assert!(
        stderr.ends_with(
            "error: jobs/migrate can no longer meet condition=Complete: it was deleted\n"
        ),
        "{stderr}"
    );
    // With --fail-fast=false the wait goes on, and sees the object come back.
    let wait = Running::start(
        &server,
        &[
            "wait",
            "cm/app-config",
            "--for=jsonpath={.data.v}=2",
            "--fail-fast=false",
        ],
    );
    watching(&server);
    assert!(server.delete_object("/api/v1/namespaces/test/configmaps/app-config"));
    wait.wait_for_stderr("waiting for configmap/app-config: not found");
    server.put_object(
        "/api/v1/namespaces/test/configmaps/app-config",
        json!({"data": {"v": "2"}}),
    );
    let (status, stdout, stderr) = wait.finish();
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, "configmap/app-config condition met\n");
}

fn crash_looping() -> serde_json::Value {
    json!({"status": {"phase": "Running", "containerStatuses": [{"name": "migrate", "ready": false,
        "restartCount": 4, "image": "registry.example.com/migrate:3.1.0", "imageID": "", "started": false,
        "state": {"waiting": {"reason": "CrashLoopBackOff",
            "message": "back-off 1m20s restarting failed container=migrate pod=migrate-x8k2m_test"}},
        "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}],
        "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady"}]}})
}

#[test]
fn crash_loop_back_off_is_shown_while_waiting_and_in_the_timeout_message() {
    let server = FakeApiServer::start();
    server.update(POD, crash_looping());
    let out = kapi(&server)
        .args([
            "wait",
            "pod/migrate-x8k2m",
            "--for=condition=Ready",
            "--timeout=1s",
        ])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(
            "waiting for pod/migrate-x8k2m: condition Ready=False, want true; container migrate is in CrashLoopBackOff (4 restarts, last exit code 1: Error)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.ends_with(
            "error: timed out waiting for the condition on pods/migrate-x8k2m: container migrate is in CrashLoopBackOff (4 restarts, last exit code 1: Error)\n"
        ),
        "{stderr}"
    );
}

#[test]
fn a_recoverable_state_ends_the_wait_when_asked() {
    let server = FakeApiServer::start();
    let wait = Running::start(
        &server,
        &[
            "wait",
            "pods",
            "-l",
            "app=gateway",
            "--for=condition=Ready",
            "--fail-on=reason=CrashLoopBackOff",
            "--fail-on=reason=ImagePullBackOff",
            "--timeout=10m",
        ],
    );
    watching(&server);
    server.update(PENDING, crash_looping());
    let (status, _, stderr) = wait.finish();
    assert_eq!(status.code(), Some(4), "{stderr}");
    assert!(
        stderr.ends_with(
            "error: fail-on reason=CrashLoopBackOff met on pods/gateway-zt9xw: container migrate: CrashLoopBackOff\n"
        ),
        "{stderr}"
    );
}

#[test]
fn an_image_that_cannot_be_pulled_shows_why() {
    let server = FakeApiServer::start();
    server.update(
        PENDING,
        json!({"status": {"phase": "Pending", "containerStatuses": [{"name": "migrate", "ready": false,
            "restartCount": 0, "image": "registry.example.com/migrate:9", "imageID": "", "started": false,
            "state": {"waiting": {"reason": "ImagePullBackOff",
                "message": "Back-off pulling image \"registry.example.com/migrate:9\""}}}]}}),
    );
    let out = kapi(&server)
        .args([
            "wait",
            "pod/gateway-zt9xw",
            "--for=condition=Ready",
            "--timeout=1s",
        ])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.ends_with(
            "pods/gateway-zt9xw: container migrate is in ImagePullBackOff: Back-off pulling image \"registry.example.com/migrate:9\"\n"
        ),
        "{stderr}"
    );
}
