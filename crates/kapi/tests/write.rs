//! The write verbs of [`kapi::Api`] (create, replace, patch, delete) against
//! the stateful TLS fake API server: typed results, content types as sent,
//! and `409`/`422` errors callers can act on.

use kapi::{
    Client, Config, DeleteParams, Deleted, Patch, PatchParams, PostParams, PropagationPolicy,
};
use kapi_fake::{FakeApiServer, Recorded};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

const CM: &str = "/api/v1/namespaces/test/configmaps/settings";

fn client(server: &FakeApiServer) -> Client {
    let config = Config::new(server.url())
        .with_ca_file(kapi_fake::fixtures_dir().join("pki/ca.crt"))
        .unwrap()
        .with_token(server.token())
        .with_namespace("test");
    Client::new(config).unwrap()
}

fn last(server: &FakeApiServer) -> Recorded {
    server.requests().pop().unwrap()
}

/// A typed ConfigMap, as a caller without k8s-openapi would write it.
#[derive(Serialize, Deserialize, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
struct ConfigMap {
    api_version: String,
    kind: String,
    metadata: Meta,
    #[serde(default)]
    data: std::collections::BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Meta {
    name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    resource_version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    uid: String,
}

fn settings(mode: &str) -> ConfigMap {
    ConfigMap {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        metadata: Meta {
            name: "settings".into(),
            ..Meta::default()
        },
        data: [("mode".to_string(), mode.to_string())].into(),
    }
}

#[test]
fn create_is_typed_and_a_second_create_is_already_exists() {
    let server = FakeApiServer::start();
    let client = client(&server);
    let cms = client.api(client.resolve("cm").unwrap());
    let created = cms
        .create(
            &PostParams::default().field_manager("lib"),
            &settings("fast"),
        )
        .unwrap();
    assert_eq!(created.data["mode"], "fast");
    assert!(!created.metadata.uid.is_empty());
    assert!(!created.metadata.resource_version.is_empty());
    let r = last(&server);
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/api/v1/namespaces/test/configmaps")
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.query_param("fieldManager"), Some("lib"));

    let err = cms
        .create(&PostParams::default(), &settings("fast"))
        .unwrap_err();
    assert!(err.is_already_exists(), "{err}");
    assert!(err.is_conflict());
    assert_eq!(err.status().unwrap().code, 409);
}

#[test]
fn invalid_objects_carry_one_cause_per_field() {
    let server = FakeApiServer::start();
    let client = client(&server);
    let cms = client.api(client.resolve("cm").unwrap());
    let bad = json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "Bad_Name", "labels": {"-x": "y"}},
    });
    let err = cms.create(&PostParams::default(), &bad).unwrap_err();
    assert!(err.is_invalid(), "{err}");
    let status = err.status().unwrap();
    assert_eq!(status.code, 422);
    let fields: Vec<&str> = status.causes().iter().map(|c| c.field.as_str()).collect();
    assert!(fields.contains(&"metadata.name"), "{fields:?}");
    assert!(fields.contains(&"metadata.labels"), "{fields:?}");
    assert!(err
        .to_string()
        .starts_with("Error from server (Invalid): ConfigMap \"Bad_Name\" is invalid"));
}

#[test]
fn replace_with_a_stale_resource_version_is_a_conflict() {
    let server = FakeApiServer::start();
    let client = client(&server);
    let cms = client.api(client.resolve("cm").unwrap());
    let mut cm = cms
        .create(&PostParams::default(), &settings("fast"))
        .unwrap();
    let stale = cms.get::<ConfigMap>("settings").unwrap();
    cm.data.insert("mode".into(), "slow".into());
    let replaced = cms
        .replace("settings", &PostParams::default(), &cm)
        .unwrap();
    assert_eq!(replaced.data["mode"], "slow");
    assert_eq!(last(&server).method, "PUT");
    let err = cms
        .replace("settings", &PostParams::default(), &stale)
        .unwrap_err();
    assert!(err.is_conflict() && !err.is_already_exists(), "{err}");
}

#[test]
fn each_patch_kind_sends_its_content_type() {
    let server = FakeApiServer::start();
    let client = client(&server);
    let cms = client.api(client.resolve("cm").unwrap());
    cms.create(&PostParams::default(), &settings("fast"))
        .unwrap();
    let pp = PatchParams::default().field_manager("lib");
    for (patch, content_type) in [
        (
            Patch::Merge(json!({"data": {"a": "1"}})),
            "application/merge-patch+json",
        ),
        (
            Patch::Strategic(json!({"data": {"b": "2"}})),
            "application/strategic-merge-patch+json",
        ),
        (
            Patch::Json(json!([{"op": "add", "path": "/data/c", "value": "3"}])),
            "application/json-patch+json",
        ),
    ] {
        let _: Value = cms.patch("settings", &pp, &patch).unwrap();
        let r = last(&server);
        assert_eq!((r.method.as_str(), r.path.as_str()), ("PATCH", CM));
        assert_eq!(r.header("content-type"), Some(content_type));
    }
    let applied: ConfigMap = cms
        .patch(
            "settings",
            &PatchParams::apply("lib").force(),
            &Patch::Apply(settings("slow")),
        )
        .unwrap();
    assert_eq!(applied.data["mode"], "slow");
    assert_eq!(applied.data["c"], "3");
    let r = last(&server);
    assert_eq!(
        r.header("content-type"),
        Some("application/apply-patch+yaml")
    );
    assert_eq!(r.query_param("fieldManager"), Some("lib"));
    assert_eq!(r.query_param("force"), Some("true"));
}

#[test]
fn dry_run_writes_nothing() {
    let server = FakeApiServer::start();
    let client = client(&server);
    let cms = client.api(client.resolve("cm").unwrap());
    let would = cms
        .create(&PostParams::default().dry_run(), &settings("fast"))
        .unwrap();
    assert_eq!(would.metadata.name, "settings");
    assert_eq!(last(&server).query_param("dryRun"), Some("All"));
    assert!(server.object(CM).is_none());
}

#[test]
fn delete_answers_the_object_or_a_status() {
    let server = FakeApiServer::start();
    let client = client(&server);
    let cms = client.api(client.resolve("cm").unwrap());
    cms.create(&PostParams::default(), &settings("fast"))
        .unwrap();
    let dp = DeleteParams::default().propagation_policy(PropagationPolicy::Foreground);
    let answer = cms.delete::<ConfigMap>("settings", &dp).unwrap();
    match &answer {
        Deleted::Object(cm) => assert_eq!(cm.metadata.name, "settings"),
        Deleted::Status(status) => assert_eq!(status.status, "Success"),
    }
    let r = last(&server);
    assert_eq!(r.method, "DELETE");
    assert_eq!(
        serde_json::from_slice::<Value>(&r.body).unwrap(),
        json!({"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Foreground"})
    );
    assert!(server.object(CM).is_none());
    let err = cms
        .delete::<Value>("settings", &DeleteParams::default())
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");

    // A pod in its grace period comes back as the object, still there.
    let pod = "/api/v1/namespaces/test/pods/gateway-x7k2p";
    server.delay_deletion(pod, std::time::Duration::from_secs(30));
    let pods = client.api(client.resolve("pods").unwrap());
    match pods
        .delete::<Value>("gateway-x7k2p", &DeleteParams::default())
        .unwrap()
    {
        Deleted::Object(pod) => assert!(pod["metadata"]["deletionTimestamp"].is_string()),
        Deleted::Status(s) => panic!("expected the pod, got {s:?}"),
    }
}

#[test]
fn subresources_are_patched_at_their_own_path() {
    let server = FakeApiServer::start();
    let client = client(&server);
    let deploys = client.api(client.resolve("deploy").unwrap());
    let scale: Value = deploys
        .patch_subresource(
            "scale",
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 4}})),
        )
        .unwrap();
    assert_eq!(scale["kind"], "Scale");
    assert_eq!(
        last(&server).path,
        "/apis/apps/v1/namespaces/test/deployments/web/scale"
    );
    let web: Value = deploys.get("web").unwrap();
    assert_eq!(web["spec"]["replicas"], 4);
}
