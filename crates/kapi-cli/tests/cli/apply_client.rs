//! Issue 15 item 5: `kapi apply -f` without `--server-side` is server-side
//! apply as kubectl's field manager `kubectl`, with kubectl's migration of
//! client-side apply's ownership. Interleaved with kubectl's own
//! client-side applies (the requests kubectl 1.32 sent in the same
//! sequence, tests/golden/apply), neither fights the other over fields:
//! every apply goes through, fields dropped from the manifest go, and the
//! `last-applied-configuration` annotation stays what was last applied.

use kapi_fake::FakeApiServer;
use serde_json::{json, Value};

use crate::util::*;

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/apply");
const CM: &str = "/api/v1/namespaces/test/configmaps/settings";
const NOTE: &str = "note: kapi apply is server-side apply as field manager \"kubectl\" ('kubectl apply --server-side'); see 'kapi apply --help'\n";
const ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

fn kapi_apply(server: &FakeApiServer, manifest: &str) {
    let out = kapi(server)
        .current_dir(GOLDEN)
        .args(["apply", "-f", manifest])
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert!(out.status.success(), "kapi apply -f {manifest}: {stderr}");
    assert_eq!(stdout, "configmap/settings serverside-applied\n");
    assert_eq!(stderr, NOTE, "kapi apply -f {manifest}");
}

/// Sends the write kubectl's client-side apply sent at this point.
fn kubectl_apply(server: &FakeApiServer, recorded: &str) {
    let text = std::fs::read_to_string(format!("{GOLDEN}/{recorded}")).unwrap();
    let write: Value = serde_json::from_str(&text).unwrap();
    let out = kapi(server)
        .args(["raw", write["method"].as_str().unwrap()])
        .arg(write["path"].as_str().unwrap())
        .args(["-f", "-", "--content-type"])
        .arg(write["content_type"].as_str().unwrap())
        .write_stdin(write["body"].as_str().unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{recorded}: {}", output_text(&out).1);
}

fn stored(server: &FakeApiServer) -> Value {
    server.object(CM).unwrap()
}

/// (manager, operation) of each managedFields entry.
fn owners(object: &Value) -> Vec<(String, String)> {
    object["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["manager"].as_str().unwrap().to_string(),
                e["operation"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pair(manager: &str, operation: &str) -> (String, String) {
    (manager.to_string(), operation.to_string())
}

fn last_applied(object: &Value) -> Value {
    serde_json::from_str(
        object["metadata"]["annotations"][ANNOTATION]
            .as_str()
            .unwrap(),
    )
    .unwrap()
}

#[test]
fn kapi_first_then_kubectl_then_kapi() {
    let server = FakeApiServer::start();
    kapi_apply(&server, "x1.yaml");
    let patch = server
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PATCH")
        .unwrap();
    assert_eq!(
        patch.header("content-type"),
        Some("application/apply-patch+yaml")
    );
    assert_eq!(patch.query_param("fieldManager"), Some("kubectl"));
    assert_eq!(owners(&stored(&server)), [pair("kubectl", "Apply")]);

    // kubectl (no annotation yet: its warning, then a patch of b, c).
    kubectl_apply(&server, "kapi_first.kubectl_x2.json");
    assert_eq!(
        stored(&server)["data"],
        json!({"a": "1", "b": "3", "c": "4"})
    );

    // kapi changes a field kubectl's client-side apply now owns and drops
    // one: no conflict, b is gone, and kubectl's fields moved to kapi's
    // manager.
    kapi_apply(&server, "x3.yaml");
    let object = stored(&server);
    assert_eq!(object["data"], json!({"a": "5", "c": "4"}));
    assert_eq!(
        owners(&object),
        [
            pair("kubectl", "Apply"),
            pair("kubectl-last-applied", "Apply")
        ]
    );
    // The server rewrote the annotation: kubectl's next three-way merge
    // starts from what kapi applied.
    assert_eq!(last_applied(&object)["data"], json!({"a": "5", "c": "4"}));

    kubectl_apply(&server, "kapi_first.kubectl_x1.json");
    assert_eq!(stored(&server)["data"], json!({"a": "1", "b": "2"}));
    kapi_apply(&server, "x2.yaml");
    let object = stored(&server);
    assert_eq!(object["data"], json!({"a": "1", "b": "3", "c": "4"}));
    assert!(!owners(&object).contains(&pair("kubectl-client-side-apply", "Update")));
}

#[test]
fn kubectl_first_then_kapi_then_kubectl() {
    let server = FakeApiServer::start();
    kubectl_apply(&server, "kubectl_first.kubectl_x1.json");
    assert_eq!(
        owners(&stored(&server)),
        [pair("kubectl-client-side-apply", "Update")]
    );
    // Every field conflicts with kubectl's client-side apply; the server
    // lets kubectl's manager take what the annotation holds.
    kapi_apply(&server, "x2.yaml");
    let object = stored(&server);
    assert_eq!(object["data"], json!({"a": "1", "b": "3", "c": "4"}));
    assert_eq!(
        owners(&object),
        [
            pair("kubectl", "Apply"),
            pair("kubectl-last-applied", "Apply")
        ]
    );
    assert_eq!(last_applied(&object)["data"], object["data"]);

    // kubectl's patch removes b: it read kapi's configuration from the
    // annotation.
    kubectl_apply(&server, "kubectl_first.kubectl_x3.json");
    assert_eq!(stored(&server)["data"], json!({"a": "5", "c": "4"}));
    kapi_apply(&server, "x1.yaml");
    assert_eq!(stored(&server)["data"], json!({"a": "1", "b": "2"}));
}

#[test]
fn server_side_keeps_kapis_own_manager() {
    let server = FakeApiServer::start();
    let out = kapi(&server)
        .current_dir(GOLDEN)
        .args(["apply", "--server-side", "-f", "x1.yaml"])
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(stdout, "configmap/settings serverside-applied\n");
    assert_eq!(stderr, "");
    assert_eq!(owners(&stored(&server)), [pair("kapi", "Apply")]);
    let help = kapi(&server).args(["apply", "--help"]).output().unwrap();
    let help = output_text(&help).0;
    assert!(help.contains("kapi always applies on the server"), "{help}");
}
