//! Issue 5: `kapi auth can-i` (SelfSubjectAccessReview, exit 0/1) and
//! `kapi auth whoami` (SelfSubjectReview v1, falling back to v1beta1).

use kapi_fake::{FakeApiServer, Rule};
use serde_json::{json, Value};

use crate::util::*;

const SSAR_PATH: &str = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

fn run(
    server: &FakeApiServer,
    env: Option<&std::path::Path>,
    args: &[&str],
) -> (i32, String, String) {
    let mut cmd = kapi(server);
    if let Some(dir) = env {
        cmd.env("KAPI_SERVICEACCOUNT_DIR", dir);
    }
    let out = cmd.args(args).output().unwrap();
    let (stdout, stderr) = output_text(&out);
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

fn last_review(server: &FakeApiServer) -> Value {
    let r = server
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path == SSAR_PATH)
        .expect("a SelfSubjectAccessReview was sent");
    assert_eq!(r.method, "POST");
    assert_eq!(r.header("content-type"), Some("application/json"));
    serde_json::from_slice(&r.body).unwrap()
}

#[test]
fn can_i_prints_yes_or_no_and_exits_0_or_1() {
    let server = FakeApiServer::start();
    assert_eq!(
        run(&server, None, &["auth", "can-i", "patch", "pods"]),
        (0, "yes\n".into(), String::new())
    );
    assert_eq!(
        last_review(&server),
        json!({
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": {"namespace": "test", "verb": "patch", "resource": "pods"}},
        })
    );
    // The default identity may not read secrets in kube-system.
    let (code, stdout, stderr) = run(
        &server,
        None,
        &["auth", "can-i", "get", "secrets", "-n", "kube-system"],
    );
    assert_eq!((code, stderr.as_str()), (1, ""));
    assert!(stdout == "no\n" || stdout.starts_with("no - "), "{stdout}");
    assert_eq!(
        run(
            &server,
            None,
            &["auth", "can-i", "get", "secrets", "-n", "kube-system", "-q"]
        ),
        (1, String::new(), String::new())
    );
    assert_eq!(
        run(&server, None, &["auth", "can-i", "list", "pods", "-q"]),
        (0, String::new(), String::new())
    );
    // Cluster-scoped types get kubectl's warning.
    let (code, _, stderr) = run(&server, None, &["auth", "can-i", "delete", "nodes"]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "Warning: resource 'nodes' is not namespace scoped\n"
    );
}

#[test]
fn can_i_checks_names_groups_subresources_and_all_namespaces() {
    let server = FakeApiServer::start();
    let dir = server.add_service_account(
        "narrow",
        &[
            Rule::allow(&["get"], &[""], &["configmaps"]).names(&["app-config"]),
            Rule::allow(&["delete"], &["batch"], &["jobs"]).namespaces(&["test"]),
            Rule::allow(&["get"], &[""], &["pods/log"]),
        ],
    );
    let dir = Some(dir.as_path());
    assert_eq!(
        run(&server, dir, &["auth", "can-i", "get", "cm/app-config"]).0,
        0
    );
    assert_eq!(
        run(
            &server,
            dir,
            &["auth", "can-i", "get", "configmaps/feature-flags"]
        )
        .0,
        1
    );
    assert_eq!(
        run(&server, dir, &["auth", "can-i", "delete", "jobs.batch"]).0,
        0
    );
    assert_eq!(
        last_review(&server)["spec"]["resourceAttributes"],
        json!({"namespace": "test", "verb": "delete", "group": "batch", "resource": "jobs"})
    );
    assert_eq!(
        run(&server, dir, &["auth", "can-i", "delete", "jobs", "-A"]).0,
        1
    );
    assert!(last_review(&server)["spec"]["resourceAttributes"]["namespace"].is_null());
    assert_eq!(
        run(
            &server,
            dir,
            &["auth", "can-i", "get", "pods", "--subresource=log"]
        )
        .0,
        0
    );
    assert_eq!(
        last_review(&server)["spec"]["resourceAttributes"]["subresource"],
        "log"
    );
    assert_eq!(run(&server, dir, &["auth", "can-i", "get", "pods"]).0, 1);
}

#[test]
fn can_i_usage_errors() {
    let server = FakeApiServer::start();
    let (code, _, stderr) = run(&server, None, &["auth", "can-i", "get"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: you must specify two or three arguments: verb, resource, and optional resourceName\nSee 'kapi auth can-i --help' for usage.\n"
    );
    let (code, _, stderr) = run(
        &server,
        None,
        &["auth", "can-i", "get", "/healthz", "--subresource=x"],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: --subresource can not be used with NonResourceURL\n"),
        "{stderr}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn whoami_prints_kubectls_table_or_the_review() {
    let server = FakeApiServer::start();
    let (code, stdout, stderr) = run(&server, None, &["auth", "whoami"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(
        stdout,
        "\
ATTRIBUTE   VALUE
Username    system:serviceaccount:test:kapi
UID         5f0c2a4e-1b7d-4c9a-8e3f-6a2b9d1c7e40
Groups      [system:serviceaccounts system:serviceaccounts:test system:authenticated]
"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(
        requests[0].path,
        "/apis/authentication.k8s.io/v1/selfsubjectreviews"
    );

    let (code, stdout, _) = run(&server, None, &["auth", "whoami", "-o", "json"]);
    assert_eq!(code, 0);
    let review: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(review["apiVersion"], "authentication.k8s.io/v1");
    assert_eq!(review["kind"], "SelfSubjectReview");
    assert_eq!(
        review["status"]["userInfo"]["username"],
        "system:serviceaccount:test:kapi"
    );
    let (_, stdout, _) = run(&server, None, &["auth", "whoami", "-o", "yaml"]);
    assert!(
        stdout.starts_with("apiVersion: authentication.k8s.io/v1\nkind: SelfSubjectReview\n"),
        "{stdout}"
    );
}

#[test]
fn whoami_falls_back_to_v1beta1() {
    let server = FakeApiServer::start();
    server.self_subject_review_v1beta1_only();
    let (code, stdout, stderr) = run(&server, None, &["auth", "whoami"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(
        stdout.contains("Username    system:serviceaccount:test:kapi\n"),
        "{stdout}"
    );
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            "/apis/authentication.k8s.io/v1beta1/selfsubjectreviews"
        ]
    );
}

#[test]
fn whoami_says_when_the_api_is_missing_or_forbidden() {
    let server = FakeApiServer::start();
    let not_found = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}"#;
    for version in ["v1", "v1beta1", "v1alpha1"] {
        let path = format!("/apis/authentication.k8s.io/{version}/selfsubjectreviews");
        server.respond("POST", &path, 404, "application/json", not_found);
    }
    let (code, stdout, stderr) = run(&server, None, &["auth", "whoami"]);
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert_eq!(
        stderr,
        "error: the selfsubjectreviews API is not enabled in the cluster\nenable APISelfSubjectReview feature gate and authentication.k8s.io/v1alpha1 or authentication.k8s.io/v1beta1 API\n"
    );
    let forbidden = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"forbidden","reason":"Forbidden","details":{},"code":403}"#;
    server.respond(
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        403,
        "application/json",
        forbidden,
    );
    let (code, _, stderr) = run(&server, None, &["auth", "whoami"]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "error: the selfsubjectreviews API is not enabled in the cluster or you do not have permission to call it\n"
    );
}
