//! Issue 14, items 5 and 6: exit codes that tell causes apart (3 timed
//! out, 4 cannot succeed, 5 not allowed, 6 unreachable), and a 403 that
//! says which RBAC rule the wait needs.

use std::time::Duration;

use kapi_fake::wiremock::matchers::{method, path};
use kapi_fake::wiremock::{Mock, ResponseTemplate};
use kapi_fake::{FakeApiServer, Rule};
use serde_json::json;

use crate::running::{Running, PATIENCE};
use crate::util::*;

#[test]
fn a_bad_token_exits_5() {
    let server = FakeApiServer::start();
    let dir = sa_dir_with(&server, "token", b"not-a-valid-token");
    let out = kapi(&server)
        .env("KAPI_SERVICEACCOUNT_DIR", dir.path())
        .args(["wait", "job/migrate", "--for=condition=Complete"])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("Unauthorized"), "{stderr}");
}

#[test]
fn forbidden_exits_5_with_the_rule_to_paste_into_a_role() {
    let server = FakeApiServer::start();
    let dir = server.add_service_account("nobody", &[]);
    let out = kapi_bare()
        .envs(server.env_for(&dir))
        .args(["wait", "job/migrate", "--for=condition=Complete"])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert_eq!(
        stderr,
        "Error from server (Forbidden): jobs.batch \"migrate\" is forbidden: User \"system:serviceaccount:test:nobody\" cannot get resource \"jobs\" in API group \"batch\" in the namespace \"test\"\n\
         kapi wait needs this rule in a Role in namespace \"test\", bound to system:serviceaccount:test:nobody:\n  \
         - apiGroups: [\"batch\"]\n    resources: [\"jobs\"]\n    resourceNames: [\"migrate\"]\n    verbs: [\"get\", \"list\", \"watch\"]\n"
    );
    // Not said twice: no "polling instead" note when polling is refused too.
    assert!(!stderr.contains("polling"), "{stderr}");
}

#[test]
fn the_rule_it_prints_is_enough_to_watch() {
    let server = FakeApiServer::start();
    // Exactly the rule above, as a Role would hold it.
    let dir = server.add_service_account(
        "waiter",
        &[
            Rule::allow(&["get", "list", "watch"], &["batch"], &["jobs"])
                .names(&["migrate"])
                .namespaces(&["test"]),
        ],
    );
    let wait = Running::start_with(
        server.env_for(&dir),
        &["wait", "job/migrate", "--for=condition=Complete"],
    );
    assert!(server.wait_for_watches(1, PATIENCE), "{}", wait.stderr());
    server.update(
        "/apis/batch/v1/namespaces/test/jobs/migrate",
        json!({"status": {"conditions": [{"type": "Complete", "status": "True"}]}}),
    );
    let (status, stdout, stderr) = wait.finish();
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, "job.batch/migrate condition met\n");
    assert!(!stderr.contains("polling"), "watched, not polled: {stderr}");
}

#[test]
fn services_need_endpointslices_and_selectors_no_resource_names() {
    let server = FakeApiServer::start();
    let dir = server.add_service_account("nobody", &[]);
    let out = kapi_bare()
        .envs(server.env_for(&dir))
        .args([
            "wait",
            "svc/db",
            "--for=endpoints",
            "--and",
            "pods",
            "-l",
            "app=db",
            "-A",
            "--for=condition=Ready",
        ])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    let rule = if stderr.contains("endpointslices.discovery.k8s.io is forbidden") {
        "kapi wait needs this rule in a Role in namespace \"test\", bound to system:serviceaccount:test:nobody:\n  - apiGroups: [\"discovery.k8s.io\"]\n    resources: [\"endpointslices\"]\n    verbs: [\"get\", \"list\", \"watch\"]\n"
    } else {
        "kapi wait needs this rule in a ClusterRole, bound to system:serviceaccount:test:nobody:\n  - apiGroups: [\"\"]\n    resources: [\"pods\"]\n    verbs: [\"get\", \"list\", \"watch\"]\n"
    };
    assert!(stderr.ends_with(rule), "{stderr}");
}

#[test]
fn a_server_that_refuses_connections_exits_6() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let server = FakeApiServer::start();
    let out = kapi(&server)
        .env("KUBERNETES_SERVICE_PORT", port.to_string())
        .args([
            "wait",
            "job/migrate",
            "--for=condition=Complete",
            "--timeout=2m",
        ])
        .timeout(Duration::from_secs(90))
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(6), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "The connection to the server 127.0.0.1:{port} was refused"
        )),
        "{stderr}"
    );
}

#[test]
fn the_timeout_cutting_a_discovery_request_off_exits_3() {
    let server = FakeApiServer::start();
    for p in ["/apis", "/api"] {
        server.mount(
            Mock::given(method("GET"))
                .and(path(p))
                .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(300))),
        );
    }
    let out = kapi(&server)
        .args(["wait", "widgets/small", "--for=create", "--timeout=2s"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("did not finish within the deadline of"),
        "{stderr}"
    );
}

#[test]
fn usage_errors_still_exit_2() {
    let server = FakeApiServer::start();
    let out = kapi(&server)
        .args([
            "wait",
            "job/migrate",
            "--for=condition=Complete",
            "--fail-fast=maybe",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_documents_every_exit_code_and_the_new_forms() {
    let out = kapi_bare().args(["wait", "--help"]).output().unwrap();
    let (stdout, _) = output_text(&out);
    for text in [
        "0  every condition met",
        "1  any other error",
        "2  a usage error",
        "3  timed out",
        "4  a --fail-on condition held, or the wait can no longer succeed",
        "5  not allowed",
        "6  the API server cannot be reached",
        "--fail-fast[=false]",
        "--and",
        "endpoints[=N]",
        "reason=REASON",
        ">=",
    ] {
        assert!(stdout.contains(text), "{text}: {stdout}");
    }
    let (root, _) = output_text(&kapi_bare().arg("--help").output().unwrap());
    assert!(
        root.contains("5 not allowed (401/403), 6 the API server cannot be reached"),
        "{root}"
    );
    assert!(root.contains("wait-for"), "{root}");
}
