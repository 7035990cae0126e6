//! Issue 14, item 2: `kapi wait svc/NAME --for=endpoints[=N]`, from the
//! Service's EndpointSlices, watched (not polled).

use kapi_fake::FakeApiServer;
use serde_json::json;

use crate::running::{Running, PATIENCE};
use crate::util::*;

const SLICES: &str = "/apis/discovery.k8s.io/v1/namespaces/test/endpointslices";

fn slice(name: &str, service: &str, ready: &[(&str, bool)]) -> serde_json::Value {
    let endpoints: Vec<_> = ready
        .iter()
        .map(|(ip, r)| json!({"addresses": [ip], "conditions": {"ready": r}}))
        .collect();
    json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": name, "namespace": "test", "labels": {
            "kubernetes.io/service-name": service,
            "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}},
        "addressType": "IPv4", "endpoints": endpoints,
        "ports": [{"name": "", "protocol": "TCP", "port": 5432}]})
}

#[test]
fn a_service_with_ready_endpoints_is_met_at_once() {
    let server = FakeApiServer::start();
    kapi(&server)
        .args(["wait", "svc/gateway", "--for=endpoints"])
        .assert()
        .success()
        .stdout("service/gateway condition met\n");
    kapi(&server)
        .args(["wait", "svc/gateway", "--for=endpoints=2", "--timeout=0"])
        .assert()
        .success();
    let out = kapi(&server)
        .args([
            "wait",
            "service/gateway",
            "--for=endpoints=3",
            "--timeout=0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        output_text(&out).1,
        "error: condition not met for services/gateway: 2 ready endpoints, want 3\n"
    );
}

#[test]
fn the_wait_watches_the_services_slices_until_enough_are_ready() {
    let server = FakeApiServer::start();
    let wait = Running::start(
        &server,
        &["wait", "svc/db", "--for=endpoints=2", "--timeout=1m"],
    );
    assert!(server.wait_for_watches(1, PATIENCE));
    wait.wait_for_stderr("waiting for service/db: no EndpointSlices yet, want 2 ready");
    server.put_object(
        &format!("{SLICES}/db-x1"),
        slice(
            "db-x1",
            "db",
            &[("10.244.1.20", true), ("10.244.2.21", false)],
        ),
    );
    wait.wait_for_stderr("waiting for service/db: 1 ready endpoint (1 not ready), want 2");
    server.update(
        &format!("{SLICES}/db-x1"),
        json!({"endpoints": [
            {"addresses": ["10.244.1.20"], "conditions": {"ready": true}},
            {"addresses": ["10.244.2.21"], "conditions": {"ready": true}},
        ]}),
    );
    let (status, stdout, stderr) = wait.finish();
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, "service/db condition met\n");
    // One streaming watch of the EndpointSlices (the state, then the
    // changes), by the Service's label; nothing else (no list, no polling,
    // no Service get).
    let requests = server.requests();
    let label = Some("kubernetes.io/service-name=db");
    let lists: Vec<_> = requests
        .iter()
        .filter(|r| r.path == SLICES && r.query_param("watch").is_none())
        .collect();
    let watches: Vec<_> = requests
        .iter()
        .filter(|r| r.path == SLICES && r.query_param("watch") == Some("1"))
        .collect();
    assert_eq!((lists.len(), watches.len()), (0, 1), "{requests:?}");
    assert_eq!(watches[0].query_param("labelSelector"), label);
    assert_eq!(watches[0].query_param("sendInitialEvents"), Some("true"));
    assert_eq!(requests.len(), 1, "{requests:?}");
}

#[test]
fn services_by_label_each_need_their_endpoints() {
    let server = FakeApiServer::start();
    kapi(&server)
        .args(["wait", "svc", "-l", "app=gateway", "--for=endpoints"])
        .assert()
        .success()
        .stdout("service/gateway condition met\n");
    let out = kapi(&server)
        .args([
            "wait",
            "svc",
            "-l",
            "app=db",
            "--for=endpoints",
            "--timeout=0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        output_text(&out).1,
        "error: condition not met for services: no matching EndpointSlices found\n"
    );
}

#[test]
fn endpoints_are_for_services_only_and_alone() {
    let server = FakeApiServer::start();
    for (args, message) in [
        (
            &["wait", "deploy/web", "--for=endpoints"][..],
            "error: --for=endpoints waits on Services (svc/NAME), not deployments.apps",
        ),
        (
            &["wait", "svc/db", "--for=endpoints", "--for=create"],
            "error: --for=endpoints cannot be combined with other conditions",
        ),
        (
            &["wait", "svc/db", "--for=endpoints=0"],
            "error: endpoints wants a number of ready endpoints of at least 1",
        ),
    ] {
        let out = kapi(&server).args(args).output().unwrap();
        let (_, stderr) = output_text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with(message), "{args:?}: {stderr}");
    }
    assert!(server.requests().is_empty());
}
