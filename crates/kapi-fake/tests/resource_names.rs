//! RBAC `resourceNames` on list and watch, as kube-apiserver authorizes
//! them: a field selector naming one object (`metadata.name=NAME`) makes
//! the request that object's (the RBAC docs' `kubectl get configmaps
//! --field-selector=metadata.name=my-configmap`). What a name-scoped
//! `kapi wait` relies on (issue 14).

mod common;

use common::*;
use kapi_fake::{FakeApiServer, Rule};

const JOBS: &str = "/apis/batch/v1/namespaces/test/jobs";

#[test]
fn a_rule_with_resource_names_allows_a_list_and_watch_of_that_name_only() {
    let server = FakeApiServer::start();
    let dir = server.add_service_account(
        "waiter",
        &[Rule::allow(&["get", "list", "watch"], &["batch"], &["jobs"]).names(&["migrate"])],
    );
    let token = std::fs::read_to_string(dir.join("token")).unwrap();
    let status = |path: &str| get_as(&server, path, None, &token).status;
    assert_eq!(status(&format!("{JOBS}/migrate")), 200);
    assert_eq!(
        status(&format!("{JOBS}?fieldSelector=metadata.name%3Dmigrate")),
        200
    );
    assert_eq!(
        status(&format!(
            "{JOBS}?fieldSelector=metadata.name%3D%3Dmigrate&watch=1&timeoutSeconds=1"
        )),
        200
    );
    // Not the whole collection, not another name, not "all but this one".
    assert_eq!(status(JOBS), 403);
    assert_eq!(
        status(&format!("{JOBS}?fieldSelector=metadata.name%3Dother")),
        403
    );
    let not = get_as(
        &server,
        &format!("{JOBS}?fieldSelector=metadata.name%21%3Dmigrate"),
        None,
        &token,
    );
    assert_eq!(not.status, 403);
    assert_eq!(
        not.json()["message"],
        "jobs.batch is forbidden: User \"system:serviceaccount:test:waiter\" cannot list resource \"jobs\" in API group \"batch\" in the namespace \"test\""
    );
    let other = get_as(
        &server,
        &format!("{JOBS}?fieldSelector=metadata.name%3Dother"),
        None,
        &token,
    );
    assert_eq!(
        other.json()["message"],
        "jobs.batch \"other\" is forbidden: User \"system:serviceaccount:test:waiter\" cannot list resource \"jobs\" in API group \"batch\" in the namespace \"test\""
    );
}
