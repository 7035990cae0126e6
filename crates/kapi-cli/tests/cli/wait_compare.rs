//! Issue 14, item 4: comparisons in `--for=jsonpath=` (`=`, `==`, `!=`,
//! `<`, `<=`, `>`, `>=`; numbers as numbers) and in its filters.

use kapi_fake::FakeApiServer;
use serde_json::json;

use crate::running::{Running, PATIENCE};
use crate::util::*;

const DEPLOY: &str = "/apis/apps/v1/namespaces/test/deployments/web";

#[test]
fn at_least_n_ready_replicas() {
    let server = FakeApiServer::start();
    let wait = Running::start(
        &server,
        &[
            "wait",
            "deploy/web",
            "--for=jsonpath={.status.readyReplicas}>=3",
        ],
    );
    assert!(server.wait_for_watches(1, PATIENCE));
    wait.wait_for_stderr("{.status.readyReplicas}=2, want >=3");
    // 10 is more than 3 as a number (as text it would sort first).
    server.update(DEPLOY, json!({"status": {"readyReplicas": 10}}));
    let (status, stdout, stderr) = wait.finish();
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, "deployment.apps/web condition met\n");
}

#[test]
fn every_operator_through_the_binary() {
    let server = FakeApiServer::start();
    for (condition, met) in [
        ("--for=jsonpath={.status.readyReplicas}=2", true),
        ("--for=jsonpath={.status.readyReplicas}==2.0", true),
        ("--for=jsonpath={.status.readyReplicas}!=2", false),
        ("--for=jsonpath={.status.readyReplicas}<3", true),
        ("--for=jsonpath={.status.readyReplicas}<=1", false),
        ("--for=jsonpath={.status.readyReplicas}>1", true),
        ("--for=jsonpath={.status.readyReplicas}>=2", true),
        (
            "--for=jsonpath={.spec.template.spec.containers[0].image}!=nginx:1.26",
            true,
        ),
        // A filter with != inside the expression, then a comparison.
        (
            r#"--for=jsonpath={.status.conditions[?(@.type!="Progressing")].status}=True"#,
            true,
        ),
    ] {
        let out = kapi(&server)
            .args(["wait", "deploy/web", condition, "--timeout=0"])
            .output()
            .unwrap();
        let (_, stderr) = output_text(&out);
        let want = if met { 0 } else { 3 };
        assert_eq!(out.status.code(), Some(want), "{condition}: {stderr}");
    }
}

#[test]
fn ordering_a_value_that_is_not_a_number_is_an_error() {
    let server = FakeApiServer::start();
    let out = kapi(&server)
        .args(["wait", "pod/db-0", "--for=jsonpath={.status.phase}>=1"])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        "error: {.status.phase} is \"Running\", not a number: cannot compare it with >=1\n"
    );
    let out = kapi(&server)
        .args(["wait", "pod/db-0", "--for=jsonpath={.status.phase}>=one"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(output_text(&out)
        .1
        .starts_with("error: jsonpath wait: >= compares numbers, and \"one\" is not a number"));
}
