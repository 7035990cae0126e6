//! Issue 14, item 3: several targets in one process, each with its own
//! conditions (`--and`), waited for at the same time, each name-scoped.

use std::time::{Duration, Instant};

use kapi_fake::FakeApiServer;
use serde_json::json;

use crate::running::{Running, PATIENCE};
use crate::util::*;

const JOB: &str = "/apis/batch/v1/namespaces/test/jobs/migrate";
const JOBS: &str = "/apis/batch/v1/namespaces/test/jobs";
const SLICES: &str = "/apis/discovery.k8s.io/v1/namespaces/test/endpointslices";

fn db_slice() -> serde_json::Value {
    json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": "db-x1", "namespace": "test",
            "labels": {"kubernetes.io/service-name": "db"}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": ["10.244.1.20"], "conditions": {"ready": true}}]})
}

#[test]
fn a_job_and_a_service_are_waited_for_at_the_same_time() {
    let server = FakeApiServer::start();
    let wait = Running::start(
        &server,
        &[
            "wait",
            "job/migrate",
            "--for=condition=Complete",
            "--and",
            "svc/db",
            "--for=endpoints",
            "--timeout=1m",
        ],
    );
    // Both watches are open before anything holds.
    assert!(
        server.wait_for_watches(2, PATIENCE),
        "{:?}",
        server.requests()
    );
    wait.wait_for_stderr(
        "waiting for job.batch/migrate: condition Complete not set, want true | waiting for service/db: no EndpointSlices yet, want 1 ready",
    );
    server.update(
        JOB,
        json!({"status": {"conditions": [{"type": "Complete", "status": "True"}]}}),
    );
    assert_eq!(wait.line(), "job.batch/migrate condition met");
    server.put_object(&format!("{SLICES}/db-x1"), db_slice());
    let (status, stdout, stderr) = wait.finish();
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, "service/db condition met\n");
    // Each target its own streaming watch, scoped to its name.
    let requests = server.requests();
    for (path, param, value) in [
        (JOBS, "fieldSelector", "metadata.name=migrate"),
        (SLICES, "labelSelector", "kubernetes.io/service-name=db"),
    ] {
        let mine: Vec<_> = requests.iter().filter(|r| r.path == path).collect();
        assert_eq!(mine.len(), 1, "one watch of {path}: {requests:?}");
        assert_eq!(mine[0].query_param("watch"), Some("1"));
        assert!(mine.iter().all(|r| r.query_param(param) == Some(value)));
    }
}

#[test]
fn a_failure_in_any_group_ends_the_wait_at_once() {
    let server = FakeApiServer::start();
    let wait = Running::start(
        &server,
        &[
            "wait",
            "svc/db",
            "--for=endpoints",
            "--and",
            "job/migrate",
            "--for=condition=Complete",
            "--timeout=10m",
        ],
    );
    assert!(server.wait_for_watches(2, PATIENCE));
    let failed_at = Instant::now();
    server.update(
        JOB,
        json!({"status": {"conditions": [{"type": "Failed", "status": "True", "reason": "DeadlineExceeded"}]}}),
    );
    let (status, stdout, stderr) = wait.finish();
    assert!(failed_at.elapsed() < Duration::from_secs(5));
    assert_eq!(status.code(), Some(4), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.ends_with(
            "error: jobs/migrate can no longer meet condition=Complete: the Job has failed (DeadlineExceeded)\n"
        ),
        "{stderr}"
    );
}

#[test]
fn a_timeout_names_every_wait_that_was_not_met() {
    let server = FakeApiServer::start();
    let out = kapi(&server)
        .args([
            "wait",
            "job/migrate",
            "--for=condition=Complete",
            "--and",
            "ds/gateway",
            "--for=jsonpath={.status.numberReady}=19",
            "--and",
            "svc/db",
            "--for=endpoints",
            "--timeout=1s",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert_eq!(stdout, "daemonset.apps/gateway condition met\n");
    assert!(
        stderr.ends_with(
            "error: timed out waiting for the condition on jobs/migrate\nerror: timed out waiting for the condition on services/db: no EndpointSlices yet, want 1 ready\n"
        ),
        "{stderr}"
    );
}

#[test]
fn each_group_has_its_own_namespace_and_the_timeout_is_shared() {
    let server = FakeApiServer::start();
    kapi(&server)
        .args([
            "wait",
            "cm/coredns",
            "-n",
            "kube-system",
            "--for=create",
            "--and",
            "--timeout=20s",
            "cm/app-config",
            "--for=create",
        ])
        .assert()
        .success()
        .stdout("configmap/coredns condition met\nconfigmap/app-config condition met\n");
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert!(paths.contains(&"/api/v1/namespaces/kube-system/configmaps".to_string()));
    assert!(paths.contains(&"/api/v1/namespaces/test/configmaps".to_string()));
    assert!(!paths.contains(&"/api/v1/namespaces/kube-system/configmaps/app-config".to_string()));
}

#[test]
fn a_usage_error_names_its_group() {
    let server = FakeApiServer::start();
    let out = kapi(&server)
        .args([
            "wait",
            "job/migrate",
            "--for=condition=Complete",
            "--and",
            "svc/db",
        ])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.starts_with("error: --for must be given") && stderr.contains("(in group 2 of 2)"),
        "{stderr}"
    );
    assert!(server.requests().is_empty());
}
