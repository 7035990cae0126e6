//! Issue 15: `kapi scale` through the real binary against the fake,
//! compared with kubectl on the same scenarios
//! (`tests/golden/kubectl/scale.json`, see `kubectl_cases.rs`).

use std::time::Duration;

use kapi_fake::FakeApiServer;
use serde_json::json;

use crate::kubectl_cases::{check, Case, Differs};
use crate::running::{Running, PATIENCE};
use crate::util::*;

const DEPLOY: &str = "/apis/apps/v1/namespaces/test/deployments/web";

const fn case(name: &'static str, args: &'static [&'static str], differs: Differs) -> Case {
    Case {
        name,
        before: &[],
        args,
        during: &[],
        differs,
    }
}

const SCALE: &[Case] = &[
    case(
        "deployment",
        &["scale", "--replicas=3", "deployment/web", "-n", "test"],
        Differs::No,
    ),
    case(
        "current_replicas_hold",
        &[
            "scale",
            "--current-replicas=2",
            "--replicas=3",
            "deploy/web",
            "-n",
            "test",
        ],
        Differs::No,
    ),
    case(
        "current_replicas_differ",
        &[
            "scale",
            "--current-replicas=5",
            "--replicas=3",
            "deploy/web",
            "-n",
            "test",
        ],
        Differs::No,
    ),
    case(
        "resource_version_holds",
        &[
            "scale",
            "--resource-version=170000",
            "--replicas=1",
            "deploy/web",
            "-n",
            "test",
        ],
        Differs::No,
    ),
    case(
        "resource_version_differs",
        &[
            "scale",
            "--resource-version=1",
            "--replicas=1",
            "deploy/web",
            "-n",
            "test",
        ],
        Differs::No,
    ),
    case(
        "resource_version_with_several",
        &[
            "scale",
            "--resource-version=1",
            "--replicas=1",
            "deploy,sts",
            "--all",
            "-n",
            "test",
        ],
        Differs::No,
    ),
    case(
        "server_dry_run",
        &[
            "scale",
            "deploy",
            "web",
            "--replicas=4",
            "--dry-run=server",
            "-n",
            "test",
        ],
        Differs::No,
    ),
    case(
        "client_dry_run",
        &[
            "scale",
            "deploy",
            "web",
            "--replicas=4",
            "--dry-run=client",
            "-n",
            "test",
        ],
        Differs::No,
    ),
    case(
        "names",
        &[
            "scale",
            "deploy",
            "-l",
            "app=web",
            "--replicas=1",
            "-o",
            "name",
            "-n",
            "test",
        ],
        Differs::No,
    ),
    case(
        "all",
        &["scale", "deploy,sts", "--all", "--replicas=0", "-n", "test"],
        Differs::No,
    ),
    case(
        "statefulset_manifest",
        &[
            "scale",
            "--replicas=2",
            "-f",
            "../../fixtures/api/apis/apps/v1/namespaces/test/statefulsets/db.json",
        ],
        Differs::No,
    ),
    case(
        "selector_matches_nothing",
        &[
            "scale",
            "deploy",
            "-l",
            "app=nope",
            "--replicas=1",
            "-n",
            "test",
        ],
        Differs::No,
    ),
    case(
        "daemonsets_have_no_scale",
        &["scale", "ds/gateway", "--replicas=1", "-n", "test"],
        Differs::No,
    ),
    case(
        "configmaps_have_no_scale",
        &["scale", "cm/app-config", "--replicas=1", "-n", "test"],
        Differs::No,
    ),
    case(
        "not_found",
        &["scale", "deploy/nope", "--replicas=1", "-n", "test"],
        Differs::No,
    ),
    case(
        "two_not_found",
        &[
            "scale",
            "deploy/nope",
            "deploy/gone",
            "--replicas=1",
            "-n",
            "test",
        ],
        Differs::No,
    ),
    case(
        "one_not_found",
        &[
            "scale",
            "deploy/nope",
            "deploy/web",
            "--replicas=1",
            "-n",
            "test",
        ],
        Differs::No,
    ),
    case(
        "no_replicas",
        &["scale", "deploy/web", "-n", "test"],
        Differs::Usage("scale"),
    ),
    case(
        "negative_replicas",
        &["scale", "deploy/web", "--replicas=-1", "-n", "test"],
        Differs::Usage("scale"),
    ),
    case(
        "bad_current_replicas",
        &[
            "scale",
            "deploy/web",
            "--replicas=1",
            "--current-replicas=-2",
            "-n",
            "test",
        ],
        Differs::Usage("scale"),
    ),
    case(
        "a_type_alone",
        &["scale", "deploy", "--replicas=1", "-n", "test"],
        Differs::Usage("scale"),
    ),
    case(
        "nothing",
        &["scale", "--replicas=1", "-n", "test"],
        Differs::Usage("scale"),
    ),
];

#[test]
fn kubectl_golden_scale() {
    check("scale", SCALE);
}

#[test]
fn a_precondition_scale_retries_a_conflict_and_checks_again() {
    let server = FakeApiServer::start();
    // The first replace of the Scale is refused as a concurrent writer's
    // would be; kapi reads the Scale again and the precondition still holds.
    server.mount(
        kapi_fake::wiremock::Mock::given(kapi_fake::wiremock::matchers::method("PUT"))
            .and(kapi_fake::wiremock::matchers::path(format!("{DEPLOY}/scale")))
            .respond_with(
                kapi_fake::wiremock::ResponseTemplate::new(409).set_body_json(json!({
                    "kind": "Status", "apiVersion": "v1", "status": "Failure",
                    "message": "Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply your changes to the latest version and try again",
                    "reason": "Conflict", "code": 409})),
            )
            .up_to_n_times(1),
    );
    let out = kapi(&server)
        .args([
            "scale",
            "--current-replicas=2",
            "--replicas=5",
            "deploy/web",
            "-n",
            "test",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout, "deployment.apps/web scaled\n");
    let scale_reads = server
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/scale"))
        .count();
    assert_eq!(scale_reads, 2);
    assert_eq!(server.object(DEPLOY).unwrap()["spec"]["replicas"], 5);
}

#[test]
fn timeout_waits_on_a_watch_until_status_has_the_replicas() {
    let server = FakeApiServer::start();
    let scale = Running::start(
        &server,
        &[
            "scale",
            "--replicas=3",
            "deploy/web",
            "-n",
            "test",
            "--timeout=20s",
        ],
    );
    assert!(server.wait_for_watches(1, PATIENCE));
    std::thread::sleep(Duration::from_millis(100));
    server.update(DEPLOY, json!({"status": {"replicas": 3}}));
    let (code, stdout, stderr) = scale.finish();
    assert_eq!(code.code(), Some(0), "{stderr}");
    assert_eq!(stdout, "deployment.apps/web scaled\n");

    let out = kapi(&server)
        .args([
            "scale",
            "--replicas=4",
            "deploy/web",
            "-n",
            "test",
            "--timeout=1s",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "error: timed out waiting for \"web\" to be synced\n"
    );
}

#[test]
fn yaml_output_has_the_new_count() {
    let server = FakeApiServer::start();
    let out = kapi(&server)
        .args([
            "scale",
            "--replicas=3",
            "deploy/web",
            "-n",
            "test",
            "-o",
            "yaml",
            "--dry-run=client",
        ])
        .output()
        .unwrap();
    let (stdout, _) = output_text(&out);
    assert!(stdout.contains("\n  replicas: 3\n"), "{stdout}");
    // Client dry run: nothing but the read.
    assert!(server.requests().iter().all(|r| r.method == "GET"));
}
