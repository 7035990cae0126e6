//! The write path over real TLS: create, replace, the patch types,
//! server-side apply, delete, subresources, self reviews (issue 5).

mod common;

use std::time::Duration;

use common::*;
use kapi_fake::{FakeApiServer, Rule};
use serde_json::{json, Value};

const CMS: &str = "/api/v1/namespaces/test/configmaps";
const JSON: &str = "application/json";

fn create_cm(server: &FakeApiServer, name: &str) -> Reply {
    send(
        server,
        "POST",
        CMS,
        JSON,
        &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"key": "1"}}).to_string(),
    )
}

#[test]
fn create_stores_with_server_metadata_and_conflicts_the_second_time() {
    let server = FakeApiServer::start();
    let rv = server.resource_version().parse::<u64>().unwrap();
    let created = create_cm(&server, "foo");
    assert_eq!(created.status, 201, "{}", created.body);
    let object = created.json();
    assert_eq!(object["metadata"]["namespace"], "test");
    assert_eq!(
        object["metadata"]["creationTimestamp"],
        "2026-01-01T00:00:00Z"
    );
    assert_eq!(object["metadata"]["resourceVersion"], (rv + 1).to_string());
    assert!(object["metadata"]["uid"].is_string());
    assert!(object["metadata"].get("generation").is_none());
    assert!(created.body.starts_with(r#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"foo","namespace":"test","uid":"#));
    assert_eq!(
        get(&server, &format!("{CMS}/foo")).json()["data"]["key"],
        "1"
    );
    let requests = server.requests();
    let post = requests.iter().find(|r| r.method == "POST").unwrap();
    assert_eq!(post.header("content-type"), Some(JSON));

    let again = create_cm(&server, "foo");
    assert_eq!(again.status, 409);
    assert_eq!(
        again.body,
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"configmaps \\\"foo\\\" already exists\",\"reason\":\"AlreadyExists\",\"details\":{\"name\":\"foo\",\"kind\":\"configmaps\"},\"code\":409}\n"
    );
}

#[test]
fn invalid_objects_get_422_and_400() {
    let server = FakeApiServer::start();
    let bad = create_cm(&server, "Bad_Name");
    assert_eq!(bad.status, 422);
    let status = bad.json();
    assert_eq!(status["reason"], "Invalid");
    assert_eq!(
        status["message"],
        "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    );
    assert_eq!(
        status["details"]["causes"][0]["reason"],
        "FieldValueInvalid"
    );
    assert_eq!(status["details"]["causes"][0]["field"], "metadata.name");
    assert_eq!(status["details"]["kind"], "ConfigMap");

    let missing = send(
        &server,
        "POST",
        CMS,
        JSON,
        r#"{"kind":"ConfigMap","apiVersion":"v1","data":{}}"#,
    );
    assert_eq!(missing.status, 422);
    assert_eq!(
        missing.json()["message"],
        "ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required"
    );
    let number = send(
        &server,
        "POST",
        CMS,
        JSON,
        r#"{"metadata":{"name":"n"},"data":{"a":1}}"#,
    );
    assert_eq!(number.status, 400);
    assert_eq!(
        number.json()["message"],
        "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string"
    );
    let key = send(
        &server,
        "POST",
        CMS,
        JSON,
        r#"{"metadata":{"name":"n"},"data":{"no spaces":"x"}}"#,
    );
    assert_eq!(key.status, 422);
    assert_eq!(
        key.json()["details"]["causes"][0]["field"],
        "data[no spaces]"
    );
    let no_ns = send(
        &server,
        "POST",
        "/api/v1/namespaces/nope/configmaps",
        JSON,
        r#"{"metadata":{"name":"n"}}"#,
    );
    assert_eq!(no_ns.status, 404);
    assert_eq!(no_ns.json()["message"], "namespaces \"nope\" not found");
    let generated = send(
        &server,
        "POST",
        CMS,
        JSON,
        r#"{"metadata":{"generateName":"gen-"}}"#,
    );
    assert_eq!(generated.status, 201);
    assert!(generated.json()["metadata"]["name"]
        .as_str()
        .unwrap()
        .starts_with("gen-"));
    assert_eq!(send(&server, "POST", CMS, JSON, "{not json").status, 400);
    // Malformed shapes are 400s, never a crash.
    for body in [
        r#"[1]"#,
        r#""x""#,
        r#"{"metadata":"x"}"#,
        r#"{"metadata":{"name":"n","labels":"x"}}"#,
    ] {
        let reply = send(&server, "POST", CMS, JSON, body);
        assert!(
            matches!(reply.status, 400 | 422 | 201),
            "{body}: {}",
            reply.body
        );
        let patch = send(
            &server,
            "PATCH",
            &format!("{CMS}/app-config?fieldManager=x"),
            "application/apply-patch+yaml",
            body,
        );
        assert!(patch.status >= 400, "{body}: {}", patch.body);
    }
    assert_eq!(get(&server, "/version").status, 200, "still serving");
}

#[test]
fn replace_checks_the_resource_version() {
    let server = FakeApiServer::start();
    let path = format!("{CMS}/app-config");
    let mut cm = get(&server, &path).json();
    let stale = cm["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    cm["data"]["LOG_LEVEL"] = json!("warn");
    let replaced = send(&server, "PUT", &path, JSON, &cm.to_string());
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(replaced.json()["data"]["LOG_LEVEL"], "warn");
    assert_ne!(
        replaced.json()["metadata"]["resourceVersion"],
        stale.as_str()
    );
    // The same body again carries the old resourceVersion.
    let conflict = send(&server, "PUT", &path, JSON, &cm.to_string());
    assert_eq!(conflict.status, 409);
    assert_eq!(
        conflict.body,
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Operation cannot be fulfilled on configmaps \\\"app-config\\\": the object has been modified; please apply your changes to the latest version and try again\",\"reason\":\"Conflict\",\"details\":{\"name\":\"app-config\",\"kind\":\"configmaps\"},\"code\":409}\n"
    );
    let renamed = send(
        &server,
        "PUT",
        &path,
        JSON,
        r#"{"metadata":{"name":"other"}}"#,
    );
    assert_eq!(renamed.status, 400);
    assert_eq!(
        renamed.json()["message"],
        "the name of the object (other) does not match the name on the URL (app-config)"
    );
    let missing = send(
        &server,
        "PUT",
        &format!("{CMS}/nope"),
        JSON,
        r#"{"metadata":{"name":"nope"}}"#,
    );
    assert_eq!(missing.status, 404);
    // No resourceVersion: an unconditional update.
    let unconditional = send(
        &server,
        "PUT",
        &path,
        JSON,
        r#"{"metadata":{"name":"app-config"},"data":{"only":"one"}}"#,
    );
    assert_eq!(unconditional.status, 200);
    assert_eq!(unconditional.json()["data"], json!({"only": "one"}));
}

#[test]
fn the_three_patch_types() {
    let server = FakeApiServer::start();
    let path = format!("{CMS}/feature-flags");
    let merge = send(
        &server,
        "PATCH",
        &path,
        "application/merge-patch+json",
        r#"{"data":{"new-ui":null,"beta":"on"}}"#,
    );
    assert_eq!(merge.status, 200, "{}", merge.body);
    assert_eq!(
        merge.json()["data"],
        json!({"beta": "on", "rate-limit": "100"})
    );
    let json_patch = send(
        &server,
        "PATCH",
        &path,
        "application/json-patch+json",
        r#"[{"op":"test","path":"/data/beta","value":"on"},{"op":"replace","path":"/data/beta","value":"off"},{"op":"add","path":"/metadata/labels/x","value":"y"}]"#,
    );
    assert_eq!(json_patch.status, 200, "{}", json_patch.body);
    assert_eq!(json_patch.json()["data"]["beta"], "off");
    assert_eq!(json_patch.json()["metadata"]["labels"]["x"], "y");
    let failed = send(
        &server,
        "PATCH",
        &path,
        "application/json-patch+json",
        r#"[{"op":"test","path":"/data/beta","value":"on"}]"#,
    );
    assert_eq!(failed.status, 422);
    assert_eq!(
        failed.json()["message"],
        "testing value /data/beta failed: test failed"
    );
    let not_a_patch = send(
        &server,
        "PATCH",
        &path,
        "application/json-patch+json",
        r#"{"op":"add"}"#,
    );
    assert_eq!(not_a_patch.status, 400);

    let deploy = "/apis/apps/v1/namespaces/test/deployments/web";
    let strategic = send(
        &server,
        "PATCH",
        deploy,
        "application/strategic-merge-patch+json",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"docker.io/library/nginx:1.28.0"},{"name":"sidecar","image":"busybox"}]}}}}"#,
    );
    assert_eq!(strategic.status, 200, "{}", strategic.body);
    let web = strategic.json();
    let containers = web["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    assert_eq!(containers.len(), 2);
    assert_eq!(containers[0]["image"], "docker.io/library/nginx:1.28.0");
    assert_eq!(
        containers[0]["ports"][0]["containerPort"], 80,
        "merged by name, ports kept"
    );
    assert_eq!(
        web["metadata"]["generation"], 4,
        "spec changed: generation bumped"
    );

    let unsupported = send(&server, "PATCH", &path, "application/xml", "<x/>");
    assert_eq!(unsupported.status, 415);
    assert_eq!(
        unsupported.json()["message"],
        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"
    );
    let widget = send(
        &server,
        "PATCH",
        "/apis/example.com/v1/namespaces/test/widgets/small",
        "application/strategic-merge-patch+json",
        "{}",
    );
    assert_eq!(widget.status, 415);
    let missing = send(
        &server,
        "PATCH",
        &format!("{CMS}/nope"),
        "application/merge-patch+json",
        "{}",
    );
    assert_eq!(missing.status, 404);
    let stale = send(
        &server,
        "PATCH",
        &path,
        "application/merge-patch+json",
        r#"{"metadata":{"resourceVersion":"1"}}"#,
    );
    assert_eq!(stale.status, 409);
    // Content types were recorded as sent.
    let types: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH")
        .filter_map(|r| r.header("content-type").map(str::to_string))
        .collect();
    assert!(types.contains(&"application/strategic-merge-patch+json".to_string()));
}

#[test]
fn server_side_apply_creates_conflicts_and_forces() {
    let server = FakeApiServer::start();
    let path = format!("{CMS}/applied");
    let config = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  key: one\n";
    let created = send(
        &server,
        "PATCH",
        &format!("{path}?fieldManager=kapi"),
        "application/apply-patch+yaml",
        config,
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let object = created.json();
    assert_eq!(object["data"]["key"], "one");
    assert_eq!(object["metadata"]["managedFields"][0]["manager"], "kapi");
    assert_eq!(object["metadata"]["managedFields"][0]["operation"], "Apply");

    let other = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"applied"},"data":{"key":"two"}}"#;
    let conflict = send(
        &server,
        "PATCH",
        &format!("{path}?fieldManager=other-manager"),
        "application/apply-patch+yaml",
        other,
    );
    assert_eq!(conflict.status, 409);
    let status = conflict.json();
    assert_eq!(
        status["message"],
        "Apply failed with 1 conflict: conflict with \"kapi\": .data.key"
    );
    assert_eq!(status["reason"], "Conflict");
    assert_eq!(
        status["details"]["causes"][0]["reason"],
        "FieldManagerConflict"
    );
    assert_eq!(status["details"]["causes"][0]["field"], ".data.key");

    let forced = send(
        &server,
        "PATCH",
        &format!("{path}?fieldManager=other-manager&force=true"),
        "application/apply-patch+yaml",
        other,
    );
    assert_eq!(forced.status, 200, "{}", forced.body);
    assert_eq!(forced.json()["data"]["key"], "two");
    let back = send(
        &server,
        "PATCH",
        &format!("{path}?fieldManager=kapi"),
        "application/apply-patch+yaml",
        config,
    );
    assert_eq!(back.status, 409);
    assert_eq!(
        back.json()["message"],
        "Apply failed with 1 conflict: conflict with \"other-manager\": .data.key"
    );

    // An update by kubectl-style manager, then an apply that changes it.
    let updated = send(
        &server,
        "PATCH",
        &format!("{CMS}/app-config?fieldManager=kubectl-edit"),
        "application/merge-patch+json",
        r#"{"data":{"LOG_LEVEL":"trace"}}"#,
    );
    assert_eq!(updated.status, 200);
    let apply = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app-config"},"data":{"LOG_LEVEL":"info"}}"#;
    let vs_update = send(
        &server,
        "PATCH",
        &format!("{CMS}/app-config?fieldManager=kapi"),
        "application/apply-patch+yaml",
        apply,
    );
    assert_eq!(
        vs_update.json()["message"],
        "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using v1: .data.LOG_LEVEL"
    );

    let no_manager = send(
        &server,
        "PATCH",
        &path,
        "application/apply-patch+yaml",
        config,
    );
    assert_eq!(no_manager.status, 422);
    assert_eq!(
        no_manager.json()["message"],
        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
    );
    let force_merge = send(
        &server,
        "PATCH",
        &format!("{path}?force=true"),
        "application/merge-patch+json",
        "{}",
    );
    assert_eq!(force_merge.status, 422);
}

#[test]
fn dry_run_stores_nothing() {
    let server = FakeApiServer::start();
    let rv = server.resource_version();
    let created = send(
        &server,
        "POST",
        &format!("{CMS}?dryRun=All"),
        JSON,
        r#"{"metadata":{"name":"dry"}}"#,
    );
    assert_eq!(created.status, 201);
    assert_eq!(get(&server, &format!("{CMS}/dry")).status, 404);
    let patched = send(
        &server,
        "PATCH",
        &format!("{CMS}/app-config?dryRun=All"),
        "application/merge-patch+json",
        r#"{"data":{"x":"1"}}"#,
    );
    assert_eq!(patched.json()["data"]["x"], "1");
    assert!(get(&server, &format!("{CMS}/app-config")).json()["data"]
        .get("x")
        .is_none());
    let deleted = send(
        &server,
        "DELETE",
        &format!("{CMS}/app-config?dryRun=All"),
        JSON,
        "",
    );
    assert_eq!(deleted.status, 200);
    assert_eq!(get(&server, &format!("{CMS}/app-config")).status, 200);
    assert_eq!(server.resource_version(), rv);
    assert_eq!(
        send(&server, "POST", &format!("{CMS}?dryRun=Some"), JSON, "{}").status,
        400
    );
}

#[test]
fn delete_answers_like_the_real_server() {
    let server = FakeApiServer::start();
    let deleted = send(&server, "DELETE", &format!("{CMS}/feature-flags"), JSON, "");
    assert_eq!(deleted.status, 200);
    assert_eq!(
        deleted.body,
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Success\",\"details\":{\"name\":\"feature-flags\",\"kind\":\"configmaps\",\"uid\":\"3d5f7b9c-1e3a-4c5e-9a7b-2d4f6a8c0e11\"}}\n"
    );
    assert_eq!(get(&server, &format!("{CMS}/feature-flags")).status, 404);
    assert_eq!(
        send(&server, "DELETE", &format!("{CMS}/feature-flags"), JSON, "").status,
        404
    );
    // Pods answer with the object.
    let pod = send(
        &server,
        "DELETE",
        "/api/v1/namespaces/test/pods/db-0",
        JSON,
        "",
    );
    assert_eq!(pod.json()["kind"], "Pod");
    // Preconditions.
    let wrong_uid = send(
        &server,
        "DELETE",
        &format!("{CMS}/app-config"),
        JSON,
        r#"{"preconditions":{"uid":"x"}}"#,
    );
    assert_eq!(wrong_uid.status, 409);
    assert!(wrong_uid.json()["message"]
        .as_str()
        .unwrap()
        .contains("Precondition failed: UID in precondition: x"));
    // RBAC: the default identity may not delete nodes.
    let node = send(&server, "DELETE", "/api/v1/nodes/node-2", JSON, "");
    assert_eq!(node.status, 403);
    assert_eq!(
        node.json()["message"],
        "nodes \"node-2\" is forbidden: User \"system:serviceaccount:test:kapi\" cannot delete resource \"nodes\" in API group \"\" at the cluster scope"
    );
    // A collection with a selector.
    let collection = send(
        &server,
        "DELETE",
        "/api/v1/namespaces/test/pods?labelSelector=app%3Dgateway",
        JSON,
        "",
    );
    assert_eq!(collection.status, 200);
    assert_eq!(names(&collection.json()).len(), 3);
    assert_eq!(
        names(&get(&server, "/api/v1/namespaces/test/pods").json()),
        ["backup-29440920-q7v2n", "migrate-x8k2m"]
    );
}

#[test]
fn slow_deletion_lingers_with_a_deletion_timestamp() {
    let server = FakeApiServer::start();
    let path = "/api/v1/namespaces/test/pods/gateway-x7k2p";
    server.delay_deletion(path, Duration::from_millis(400));
    let watch = WatchStream::open(
        &server,
        &format!(
            "/api/v1/namespaces/test/pods?watch=1&resourceVersion={}",
            server.resource_version()
        ),
    );
    assert!(server.wait_for_watches(1, Duration::from_secs(5)));
    let deleted = send(&server, "DELETE", path, JSON, "");
    assert_eq!(deleted.status, 200);
    let object = deleted.json();
    assert_eq!(
        object["metadata"]["deletionTimestamp"],
        "2026-01-01T00:00:30Z"
    );
    assert_eq!(object["metadata"]["deletionGracePeriodSeconds"], 30);
    assert_eq!(get(&server, path).status, 200, "still there");
    let table = get_table(&server, path).json();
    assert_eq!(table["rows"][0]["cells"][2], "Terminating");
    assert_eq!(watch.event()["type"], "MODIFIED");
    assert_eq!(watch.event()["type"], "DELETED");
    assert_eq!(get(&server, path).status, 404);

    // Foreground: marked, then gone at once.
    let fg = send(
        &server,
        "DELETE",
        "/apis/apps/v1/namespaces/test/deployments/web?propagationPolicy=Foreground",
        JSON,
        "",
    );
    assert_eq!(fg.status, 200);
    assert_eq!(fg.json()["metadata"]["finalizers"][0], "foregroundDeletion");
    assert_eq!(
        get(&server, "/apis/apps/v1/namespaces/test/deployments/web").status,
        404
    );
}

#[test]
fn status_and_scale_subresources() {
    let server = FakeApiServer::start();
    let ds = "/apis/apps/v1/namespaces/test/daemonsets/gateway";
    let status = send(
        &server,
        "PATCH",
        &format!("{ds}/status"),
        "application/merge-patch+json",
        r#"{"status":{"numberReady":20},"spec":{"revisionHistoryLimit":1}}"#,
    );
    assert_eq!(status.status, 200, "{}", status.body);
    let object = status.json();
    assert_eq!(object["status"]["numberReady"], 20);
    assert_eq!(
        object["spec"]["revisionHistoryLimit"], 10,
        "status ignores spec"
    );
    assert_eq!(object["metadata"]["generation"], 1);
    assert_eq!(
        get(&server, &format!("{ds}/status")).json()["status"]["numberReady"],
        20
    );

    let deploy = "/apis/apps/v1/namespaces/test/deployments/web";
    let scale = get(&server, &format!("{deploy}/scale"));
    assert_eq!(scale.status, 200);
    assert!(scale.body.starts_with(r#"{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web","namespace":"test","#));
    assert_eq!(scale.json()["spec"]["replicas"], 2);
    assert_eq!(scale.json()["status"]["selector"], "app=web");
    let scaled = send(
        &server,
        "PATCH",
        &format!("{deploy}/scale"),
        "application/merge-patch+json",
        r#"{"spec":{"replicas":5}}"#,
    );
    assert_eq!(scaled.status, 200, "{}", scaled.body);
    assert_eq!(scaled.json()["spec"]["replicas"], 5);
    assert_eq!(get(&server, deploy).json()["spec"]["replicas"], 5);
}

#[test]
fn writes_are_watch_events() {
    let server = FakeApiServer::start();
    let watch = WatchStream::open(
        &server,
        &format!(
            "{CMS}?watch=1&resourceVersion={}",
            server.resource_version()
        ),
    );
    assert!(server.wait_for_watches(1, Duration::from_secs(5)));
    create_cm(&server, "evented");
    send(
        &server,
        "PATCH",
        &format!("{CMS}/evented"),
        "application/merge-patch+json",
        r#"{"data":{"k":"2"}}"#,
    );
    send(&server, "DELETE", &format!("{CMS}/evented"), JSON, "");
    assert!(watch.summary().starts_with("ADDED evented"));
    assert!(watch.summary().starts_with("MODIFIED evented"));
    assert!(watch.summary().starts_with("DELETED evented"));
}

fn review(server: &FakeApiServer, token: &str, attributes: Value) -> Value {
    let reply = send_as(
        server,
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        JSON,
        &json!({"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1", "spec": attributes}).to_string(),
        token,
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()
}

#[test]
fn self_subject_access_reviews_follow_the_rbac_table() {
    let server = FakeApiServer::start();
    let token = server.token();
    let yes = review(
        &server,
        &token,
        json!({"resourceAttributes": {"namespace": "test", "verb": "get", "resource": "pods"}}),
    );
    assert_eq!(yes["status"]["allowed"], true);
    assert!(yes["status"]["reason"]
        .as_str()
        .unwrap()
        .starts_with("RBAC: allowed by"));
    assert_eq!(yes["spec"]["resourceAttributes"]["verb"], "get");
    let no = review(
        &server,
        &token,
        json!({"resourceAttributes": {"verb": "delete", "resource": "nodes"}}),
    );
    assert_eq!(no["status"], json!({"allowed": false}));
    let secrets = review(
        &server,
        &token,
        json!({"resourceAttributes": {"namespace": "kube-system", "verb": "list", "resource": "secrets"}}),
    );
    assert_eq!(secrets["status"]["allowed"], false);
    let dir = server.add_service_account(
        "restricted",
        &[Rule::allow(&["get"], &["apps"], &["daemonsets"])],
    );
    let restricted = std::fs::read_to_string(dir.join("token")).unwrap();
    let watch = review(
        &server,
        &restricted,
        json!({"resourceAttributes": {"namespace": "test", "verb": "watch", "group": "apps", "resource": "daemonsets"}}),
    );
    assert_eq!(watch["status"]["allowed"], false);
    let get_ds = review(
        &server,
        &restricted,
        json!({"resourceAttributes": {"namespace": "test", "verb": "get", "group": "apps", "resource": "daemonsets", "name": "gateway"}}),
    );
    assert_eq!(get_ds["status"]["allowed"], true);
    let api = review(
        &server,
        &restricted,
        json!({"nonResourceAttributes": {"path": "/api", "verb": "get"}}),
    );
    assert_eq!(api["status"]["allowed"], true);
}

#[test]
fn self_subject_review_and_its_v1beta1_fallback() {
    let server = FakeApiServer::start();
    let v1 = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
    let beta = "/apis/authentication.k8s.io/v1beta1/selfsubjectreviews";
    let body = r#"{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1"}"#;
    let me = send(&server, "POST", v1, JSON, body);
    assert_eq!(me.status, 201);
    assert_eq!(
        me.body,
        "{\"kind\":\"SelfSubjectReview\",\"apiVersion\":\"authentication.k8s.io/v1\",\"metadata\":{\"creationTimestamp\":null},\"status\":{\"userInfo\":{\"username\":\"system:serviceaccount:test:kapi\",\"uid\":\"5f0c2a4e-1b7d-4c9a-8e3f-6a2b9d1c7e40\",\"groups\":[\"system:serviceaccounts\",\"system:serviceaccounts:test\",\"system:authenticated\"]}}}\n"
    );
    assert_eq!(send(&server, "POST", beta, JSON, body).status, 404);
    server.self_subject_review_v1beta1_only();
    let gone = send(&server, "POST", v1, JSON, body);
    assert_eq!(gone.status, 404);
    assert_eq!(gone.json()["reason"], "NotFound");
    let old = send(&server, "POST", beta, JSON, body);
    assert_eq!(old.status, 201);
    assert_eq!(old.json()["apiVersion"], "authentication.k8s.io/v1beta1");
}

#[test]
fn a_change_that_changes_nothing_writes_nothing() {
    let server = FakeApiServer::start();
    let path = format!("{CMS}/app-config");
    let before = server.object(&path).unwrap();
    let rv = server.resource_version();
    let same = send(
        &server,
        "PATCH",
        &path,
        "application/merge-patch+json",
        r#"{"data":{"LOG_LEVEL":"info"}}"#,
    );
    assert_eq!(same.status, 200);
    assert_eq!(
        same.body,
        fixture("api/v1/namespaces/test/configmaps/app-config.json")
    );
    assert_eq!(server.resource_version(), rv);
    assert_eq!(server.object(&path).unwrap(), before);
    let config = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app-config"},"data":{"x":"1"}}"#;
    let first = send(
        &server,
        "PATCH",
        &format!("{path}?fieldManager=kapi"),
        "application/apply-patch+yaml",
        config,
    )
    .json();
    let again = send(
        &server,
        "PATCH",
        &format!("{path}?fieldManager=kapi"),
        "application/apply-patch+yaml",
        config,
    )
    .json();
    assert_eq!(
        first["metadata"]["resourceVersion"],
        again["metadata"]["resourceVersion"]
    );
}

#[test]
fn secrets_get_their_string_data_encoded() {
    let server = FakeApiServer::start();
    let created = send(
        &server,
        "POST",
        "/api/v1/namespaces/test/secrets",
        JSON,
        r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"stringData":{"k":"v"}}"#,
    );
    assert_eq!(created.status, 201);
    let secret = created.json();
    assert_eq!(secret["data"], json!({"k": "dg=="}));
    assert_eq!(secret["type"], "Opaque");
    assert!(secret.get("stringData").is_none());
    // Managed fields in Go field order.
    assert!(created.body.contains(r#""managedFields":[{"manager":"ureq","operation":"Update","apiVersion":"v1","time":"2026-01-01T00:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:k":{}},"f:type":{}}}]"#), "{}", created.body);
}
