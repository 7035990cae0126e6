//! Issue 5: the write path (create, replace, apply --server-side, patch,
//! label, annotate, delete) through the real binary against the stateful
//! fake, with the requests asserted as the fake received them.

use std::time::{Duration, Instant};

use kapi_fake::{FakeApiServer, Recorded, Rule};
use serde_json::{json, Value};

use crate::util::*;

const CM_PATH: &str = "/api/v1/namespaces/test/configmaps/settings";
const CMS_PATH: &str = "/api/v1/namespaces/test/configmaps";

const CM_YAML: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
";

/// Runs `kapi ARGS` (with `stdin`, if any): exit code, stdout, stderr.
fn run(server: &FakeApiServer, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut cmd = kapi(server);
    cmd.args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = cmd.output().unwrap();
    let (stdout, stderr) = output_text(&out);
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

/// Runs and expects success with an empty stderr; returns stdout.
fn ok(server: &FakeApiServer, args: &[&str], stdin: Option<&str>) -> String {
    let (code, stdout, stderr) = run(server, args, stdin);
    assert_eq!(code, 0, "kapi {args:?}\nstdout: {stdout}\nstderr: {stderr}");
    assert_eq!(stderr, "", "kapi {args:?}");
    stdout
}

/// The requests that were not reads, from index `from` on.
fn writes_since(server: &FakeApiServer, from: usize) -> Vec<Recorded> {
    server.requests()[from..]
        .iter()
        .filter(|r| r.method != "GET")
        .cloned()
        .collect()
}

fn body(r: &Recorded) -> Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("{r:?}: {e}"))
}

fn manifest(content: &str) -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new().suffix(".yaml").tempfile().unwrap();
    std::fs::write(file.path(), content).unwrap();
    file
}

#[test]
fn create_get_label_patch_apply_delete_round_trip() {
    let server = FakeApiServer::start();
    let file = manifest(CM_YAML);
    let path = file.path().to_str().unwrap();

    // create: POST application/json, namespace filled in, kubectl's line.
    let n = server.requests().len();
    assert_eq!(
        ok(&server, &["create", "-f", path], None),
        "configmap/settings created\n"
    );
    let w = writes_since(&server, n);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(
        (w[0].method.as_str(), w[0].path.as_str()),
        ("POST", CMS_PATH)
    );
    assert_eq!(w[0].header("content-type"), Some("application/json"));
    assert_eq!(w[0].query_param("fieldManager"), Some("kapi-create"));
    assert_eq!(w[0].query_param("fieldValidation"), Some("Strict"));
    assert_eq!(w[0].query_param("dryRun"), None);
    assert_eq!(body(&w[0])["metadata"]["namespace"], "test");

    // get sees it.
    assert_eq!(
        ok(
            &server,
            &["get", "cm", "settings", "-o", "jsonpath={.data.mode}"],
            None
        ),
        "fast"
    );

    // label: a merge patch of metadata.labels only.
    let n = server.requests().len();
    assert_eq!(
        ok(&server, &["label", "cm", "settings", "ready=true"], None),
        "configmap/settings labeled\n"
    );
    let w = writes_since(&server, n);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(
        (w[0].method.as_str(), w[0].path.as_str()),
        ("PATCH", CM_PATH)
    );
    assert_eq!(
        w[0].header("content-type"),
        Some("application/merge-patch+json")
    );
    assert_eq!(w[0].query_param("fieldManager"), Some("kapi-label"));
    assert_eq!(
        body(&w[0]),
        json!({"metadata": {"labels": {"ready": "true"}}})
    );

    // Another value needs --overwrite; the same value does not.
    let (code, stdout, stderr) = run(&server, &["label", "cm", "settings", "ready=false"], None);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "error: 'ready' already has a value (true), and --overwrite is false\n"
    );
    let n = server.requests().len();
    assert_eq!(
        ok(&server, &["label", "cm/settings", "ready=true"], None),
        "configmap/settings not labeled\n"
    );
    assert!(
        writes_since(&server, n).is_empty(),
        "nothing to change, nothing sent"
    );
    assert_eq!(
        ok(
            &server,
            &["label", "cm", "settings", "ready=false", "--overwrite"],
            None
        ),
        "configmap/settings labeled\n"
    );
    assert_eq!(
        ok(
            &server,
            &["label", "cm", "settings", "ready-", "gone-"],
            None
        ),
        "label \"gone\" not found.\nconfigmap/settings unlabeled\n"
    );
    assert_eq!(
        ok(
            &server,
            &["annotate", "cm", "settings", "example.com/owner=ops"],
            None
        ),
        "configmap/settings annotated\n"
    );

    // patch, each type, with its content type.
    for (kind, patch, content_type) in [
        (
            "merge",
            r#"{"data":{"mode":"slow"}}"#,
            "application/merge-patch+json",
        ),
        (
            "strategic",
            r#"{"data":{"extra":"1"}}"#,
            "application/strategic-merge-patch+json",
        ),
        (
            "json",
            r#"[{"op":"replace","path":"/data/mode","value":"medium"}]"#,
            "application/json-patch+json",
        ),
    ] {
        let n = server.requests().len();
        assert_eq!(
            ok(
                &server,
                &["patch", "cm", "settings", "--type", kind, "-p", patch],
                None
            ),
            "configmap/settings patched\n",
            "{kind}"
        );
        let w = writes_since(&server, n);
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].method, "PATCH");
        assert_eq!(w[0].header("content-type"), Some(content_type), "{kind}");
        assert_eq!(w[0].query_param("fieldManager"), Some("kapi-patch"));
        assert_eq!(body(&w[0]), serde_json::from_str::<Value>(patch).unwrap());
    }
    let stored = server.object(CM_PATH).unwrap();
    assert_eq!(stored["data"], json!({"mode": "medium", "extra": "1"}));

    // apply --server-side: PATCH application/apply-patch+yaml, fieldManager=kapi.
    // The manifest agrees with kapi-patch on data.mode (co-owned, no
    // conflict) and adds a field.
    let applied = CM_YAML.replace("mode: fast", "mode: medium\n  applied: \"yes\"");
    let n = server.requests().len();
    assert_eq!(
        ok(
            &server,
            &["apply", "--server-side", "-f", "-"],
            Some(&applied)
        ),
        "configmap/settings serverside-applied\n"
    );
    let w = writes_since(&server, n);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(
        (w[0].method.as_str(), w[0].path.as_str()),
        ("PATCH", CM_PATH)
    );
    assert_eq!(
        w[0].header("content-type"),
        Some("application/apply-patch+yaml")
    );
    assert_eq!(w[0].query_param("fieldManager"), Some("kapi"));
    assert_eq!(w[0].query_param("force"), None);
    assert_eq!(
        body(&w[0])["data"],
        json!({"mode": "medium", "applied": "yes"})
    );
    let n = server.requests().len();
    ok(
        &server,
        &[
            "apply",
            "--server-side",
            "--force-conflicts",
            "--field-manager=job",
            "-f",
            "-",
        ],
        Some(&applied),
    );
    let w = writes_since(&server, n);
    assert_eq!(w[0].query_param("force"), Some("true"));
    assert_eq!(w[0].query_param("fieldManager"), Some("job"));

    // delete: DeleteOptions with kubectl's default propagation; then gone.
    let n = server.requests().len();
    assert_eq!(
        ok(&server, &["delete", "cm", "settings"], None),
        "configmap \"settings\" deleted\n"
    );
    let w = writes_since(&server, n);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(
        (w[0].method.as_str(), w[0].path.as_str()),
        ("DELETE", CM_PATH)
    );
    assert_eq!(w[0].header("content-type"), Some("application/json"));
    assert_eq!(
        body(&w[0]),
        json!({"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"})
    );
    assert!(server.object(CM_PATH).is_none());
    let (code, _, stderr) = run(&server, &["get", "cm", "settings"], None);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "Error from server (NotFound): configmaps \"settings\" not found\n"
    );
}

#[test]
fn create_reads_documents_and_lists_and_fills_in_the_namespace() {
    let server = FakeApiServer::start();
    let input = "\
apiVersion: v1
kind: ConfigMap
metadata: {name: one}
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: two, namespace: kube-system}
- apiVersion: v1
  kind: Secret
  metadata: {name: three}
  stringData: {k: v}
";
    assert_eq!(
        ok(&server, &["create", "-f", "-"], Some(input)),
        "configmap/one created\nconfigmap/two created\nsecret/three created\n"
    );
    assert!(server
        .object("/api/v1/namespaces/test/configmaps/one")
        .is_some());
    assert!(server
        .object("/api/v1/namespaces/kube-system/configmaps/two")
        .is_some());
    assert!(server
        .object("/api/v1/namespaces/test/secrets/three")
        .is_some());

    // -n fills in objects without a namespace, and must not contradict one;
    // the other objects are still created, as kubectl's ContinueOnError.
    let (code, stdout, stderr) = run(
        &server,
        &["create", "-n", "default", "-f", "-"],
        Some(input),
    );
    assert_eq!(code, 1);
    assert_eq!(stdout, "configmap/one created\nsecret/three created\n");
    assert_eq!(
        stderr,
        "error: the namespace from the provided object \"kube-system\" does not match the namespace \"default\". You must pass '--namespace=kube-system' to perform this operation.\n"
    );
    assert!(server
        .object("/api/v1/namespaces/default/configmaps/one")
        .is_some());
    assert!(server
        .object("/api/v1/namespaces/default/secrets/three")
        .is_some());
}

#[test]
fn create_twice_is_already_exists_naming_the_manifest() {
    let server = FakeApiServer::start();
    let file = manifest(CM_YAML);
    let path = file.path().to_str().unwrap();
    ok(&server, &["create", "-f", path], None);
    let (code, stdout, stderr) = run(&server, &["create", "-f", path], None);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        format!(
            "Error from server (AlreadyExists): error when creating \"{path}\": configmaps \"settings\" already exists\n"
        )
    );
    let (_, _, stderr) = run(&server, &["create", "-f", "-"], Some(CM_YAML));
    assert_eq!(
        stderr,
        "Error from server (AlreadyExists): error when creating \"STDIN\": configmaps \"settings\" already exists\n"
    );
}

#[test]
fn replace_with_a_stale_resource_version_is_a_conflict() {
    let server = FakeApiServer::start();
    ok(&server, &["create", "-f", "-"], Some(CM_YAML));
    let mut current = server.object(CM_PATH).unwrap();
    let stale = current.clone();
    current["data"]["mode"] = json!("slow");
    let n = server.requests().len();
    assert_eq!(
        ok(&server, &["replace", "-f", "-"], Some(&current.to_string())),
        "configmap/settings replaced\n"
    );
    let w = writes_since(&server, n);
    assert_eq!((w[0].method.as_str(), w[0].path.as_str()), ("PUT", CM_PATH));
    assert_eq!(w[0].header("content-type"), Some("application/json"));
    assert_eq!(server.object(CM_PATH).unwrap()["data"]["mode"], "slow");

    let (code, _, stderr) = run(&server, &["replace", "-f", "-"], Some(&stale.to_string()));
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "Error from server (Conflict): error when replacing \"STDIN\": Operation cannot be fulfilled on configmaps \"settings\": the object has been modified; please apply your changes to the latest version and try again\n"
    );
    assert_eq!(server.object(CM_PATH).unwrap()["data"]["mode"], "slow");
}

#[test]
fn invalid_objects_print_each_field_cause_on_its_own_line() {
    let server = FakeApiServer::start();
    let one = CM_YAML.replace("name: settings", "name: Bad_Name");
    let (code, stdout, stderr) = run(&server, &["create", "-f", "-"], Some(&one));
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with(
            "The ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"
        ),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let two = one.replace(
        "  name: Bad_Name",
        "  name: Bad_Name\n  labels: {\"-x\": \"y\"}",
    );
    let (code, _, stderr) = run(&server, &["create", "-f", "-"], Some(&two));
    assert_eq!(code, 1);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines[0], "The ConfigMap \"Bad_Name\" is invalid: ",
        "{stderr}"
    );
    assert!(lines.len() >= 3, "{stderr}");
    assert!(lines[1..].iter().all(|l| l.starts_with("* ")), "{stderr}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("* metadata.name: Invalid value: \"Bad_Name\"")),
        "{stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("* metadata.labels: Invalid value: \"-x\"")),
        "{stderr}"
    );
}

#[test]
fn dry_run_server_stores_nothing() {
    let server = FakeApiServer::start();
    let rv = server.resource_version();
    assert_eq!(
        ok(
            &server,
            &["create", "-f", "-", "--dry-run=server"],
            Some(CM_YAML)
        ),
        "configmap/settings created (server dry run)\n"
    );
    assert!(server.object(CM_PATH).is_none());
    assert_eq!(server.resource_version(), rv);
    ok(&server, &["create", "-f", "-"], Some(CM_YAML));
    let stored = server.object(CM_PATH).unwrap();
    let rv = server.resource_version();
    for args in [
        &["label", "cm", "settings", "x=y", "--dry-run=server"][..],
        &["annotate", "cm", "settings", "x=y", "--dry-run=server"],
        &[
            "patch",
            "cm",
            "settings",
            "-p",
            r#"{"data":{"mode":"slow"}}"#,
            "--dry-run=server",
        ],
        &["delete", "cm", "settings", "--dry-run=server"],
    ] {
        let n = server.requests().len();
        let stdout = ok(&server, args, None);
        assert!(
            stdout.ends_with(" (server dry run)\n"),
            "{args:?}: {stdout}"
        );
        let w = writes_since(&server, n);
        assert_eq!(w.len(), 1, "{args:?}: {w:?}");
        assert_eq!(w[0].query_param("dryRun"), Some("All"), "{args:?}");
    }
    assert_eq!(server.object(CM_PATH).unwrap(), stored);
    assert_eq!(server.resource_version(), rv);
    // Taking data.mode from kapi-create needs --force-conflicts, dry run or not.
    let stdout = ok(
        &server,
        &[
            "apply",
            "--server-side",
            "--force-conflicts",
            "--dry-run=server",
            "-f",
            "-",
        ],
        Some(&CM_YAML.replace("fast", "slow")),
    );
    assert_eq!(
        stdout,
        "configmap/settings serverside-applied (server dry run)\n"
    );
    assert_eq!(server.object(CM_PATH).unwrap(), stored);
}

#[test]
fn a_malformed_manifest_acts_on_the_documents_before_it_and_names_file_document_and_line() {
    // kubectl's builder visits one document at a time: the objects before
    // a broken document are created, the ones after it are not read.
    let server = FakeApiServer::start();
    let file = manifest(&format!(
        "{CM_YAML}---\napiVersion: v1\nkind: ConfigMap\nmetadata: name: x\n---\n{}",
        CM_YAML.replace("settings", "after")
    ));
    let path = file.path().to_str().unwrap();
    for (command, done) in [("create", "created"), ("replace", "replaced")] {
        let (code, stdout, stderr) = run(&server, &[command, "-f", path], None);
        assert_eq!(code, 1);
        assert_eq!(stdout, format!("configmap/settings {done}\n"));
        assert_eq!(
            stderr,
            format!("error: error parsing {path}: error converting YAML to JSON: yaml: document 2, line 10, column 15: mapping values are not allowed in this context\n")
        );
    }
    assert!(server
        .requests()
        .iter()
        .all(|r| !r.path.contains("after") && !String::from_utf8_lossy(&r.body).contains("after")));
    let before = server.requests().len();
    let (_, _, stderr) = run(
        &server,
        &["apply", "--server-side", "-f", "-"],
        Some("{\"kind\": }"),
    );
    assert!(
        stderr.starts_with("error: failed to parse stdin: document 1, line 1"),
        "{stderr}"
    );
    assert_eq!(server.requests().len(), before);
}

#[test]
fn apply_conflicts_print_the_servers_message_and_kubectls_advice() {
    let server = FakeApiServer::start();
    ok(
        &server,
        &["apply", "--server-side", "--field-manager=first", "-f", "-"],
        Some(CM_YAML),
    );
    let (code, stdout, stderr) = run(
        &server,
        &[
            "apply",
            "--server-side",
            "--field-manager=second",
            "-f",
            "-",
        ],
        Some(&CM_YAML.replace("fast", "slow")),
    );
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("error: Apply failed with 1 conflict: conflict with \"first\""),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            ".data.mode\nPlease review the fields above--they currently have other managers."
        ),
        "{stderr}"
    );
    assert!(
        stderr.ends_with(
            "See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts\n"
        ),
        "{stderr}"
    );
    assert_eq!(
        ok(
            &server,
            &[
                "apply",
                "--server-side",
                "--field-manager=second",
                "--force-conflicts",
                "-f",
                "-"
            ],
            Some(&CM_YAML.replace("fast", "slow"))
        ),
        "configmap/settings serverside-applied\n"
    );
    assert_eq!(server.object(CM_PATH).unwrap()["data"]["mode"], "slow");
}

#[test]
fn label_and_annotate_act_on_every_object_a_selector_matches() {
    let server = FakeApiServer::start();
    let stdout = ok(
        &server,
        &["label", "pods", "-l", "app=gateway", "canary=true"],
        None,
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("pod/gateway-") && l.ends_with(" labeled")),
        "{stdout}"
    );
    let (code, _, stderr) = run(
        &server,
        &["annotate", "pods", "-l", "app=gateway", "note=a"],
        None,
    );
    assert_eq!((code, stderr.as_str()), (0, ""));
    let (code, _, stderr) = run(
        &server,
        &["annotate", "pods", "-l", "app=gateway", "note=a"],
        None,
    );
    assert_eq!(code, 1);
    assert_eq!(stderr.lines().count(), 3, "{stderr}");
    assert!(stderr.lines().all(|l| l == "error: --overwrite is false but found the following declared annotation(s): 'note' already has a value (a)"), "{stderr}");
    let (code, _, stderr) = run(
        &server,
        &["label", "pods", "--all", "-l", "a=b", "x=y"],
        None,
    );
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: cannot set --all and --selector at the same time\n"),
        "{stderr}"
    );
}

#[test]
fn label_the_pod_itself_the_readme_recipe() {
    let server = FakeApiServer::start();
    let pod = "gateway-x7k2p";
    assert_eq!(
        ok(&server, &["label", "pod", pod, "ready=true"], None),
        format!("pod/{pod} labeled\n")
    );
    let stored = server
        .object(&format!("/api/v1/namespaces/test/pods/{pod}"))
        .unwrap();
    assert_eq!(stored["metadata"]["labels"]["ready"], "true");
    assert_eq!(
        stored["metadata"]["labels"]["app"], "gateway",
        "other labels kept"
    );
}

#[test]
fn patch_a_subresource_and_print_the_object() {
    let server = FakeApiServer::start();
    let n = server.requests().len();
    let stdout = ok(
        &server,
        &[
            "patch",
            "deploy",
            "web",
            "--subresource=scale",
            "--type=merge",
            "-p",
            r#"{"spec":{"replicas":5}}"#,
            "-o",
            "json",
        ],
        None,
    );
    let scale: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(scale["kind"], "Scale");
    assert_eq!(scale["spec"]["replicas"], 5);
    let w = writes_since(&server, n);
    assert_eq!(
        w[0].path,
        "/apis/apps/v1/namespaces/test/deployments/web/scale"
    );
    let stored = server
        .object("/apis/apps/v1/namespaces/test/deployments/web")
        .unwrap();
    assert_eq!(stored["spec"]["replicas"], 5);
    let (code, _, stderr) = run(
        &server,
        &["patch", "deploy", "web", "--subresource=log", "-p", "{}"],
        None,
    );
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with(
            "error: invalid subresource value: \"log\". Must be one of [status scale]\n"
        ),
        "{stderr}"
    );
}

#[test]
fn delete_by_selector_ignores_missing_objects_and_says_when_nothing_matched() {
    let server = FakeApiServer::start();
    let stdout = ok(
        &server,
        &["delete", "pods", "-l", "app=gateway", "--wait=false"],
        None,
    );
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    assert!(
        stdout
            .lines()
            .all(|l| l.starts_with("pod \"gateway-") && l.ends_with("\" deleted")),
        "{stdout}"
    );
    assert_eq!(
        ok(&server, &["delete", "pods", "-l", "app=gateway"], None),
        "No resources found\n"
    );
    let (code, _, stderr) = run(&server, &["delete", "cm", "missing"], None);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "Error from server (NotFound): configmaps \"missing\" not found\n"
    );
    assert_eq!(
        ok(
            &server,
            &["delete", "cm", "missing", "--ignore-not-found"],
            None
        ),
        ""
    );
    assert_eq!(
        ok(&server, &["delete", "cm/app-config", "-o", "name"], None),
        "configmap/app-config\n"
    );
    let (code, _, stderr) = run(&server, &["delete", "cm"], None);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: resource(s) were provided, but no name was specified\n"),
        "{stderr}"
    );
}

#[test]
fn delete_from_a_manifest_with_cascade_and_grace_period() {
    let server = FakeApiServer::start();
    ok(&server, &["create", "-f", "-"], Some(CM_YAML));
    let n = server.requests().len();
    assert_eq!(
        ok(
            &server,
            &[
                "delete",
                "-f",
                "-",
                "--cascade=foreground",
                "--grace-period=5"
            ],
            Some(CM_YAML)
        ),
        "configmap \"settings\" deleted\n"
    );
    let w = writes_since(&server, n);
    assert_eq!(
        body(&w[0]),
        json!({"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 5, "propagationPolicy": "Foreground"})
    );
    assert!(server.object(CM_PATH).is_none());
}

#[test]
fn a_patch_that_changes_nothing_says_no_change() {
    use kapi_fake::wiremock::matchers::{method, path};
    use kapi_fake::wiremock::{Mock, ResponseTemplate};

    let server = FakeApiServer::start();
    ok(&server, &["create", "-f", "-"], Some(CM_YAML));
    // The API server answers a patch that changes nothing with the object
    // as it was (same resourceVersion): kubectl's "(no change)".
    let stored = server.object(CM_PATH).unwrap();
    server.mount(
        Mock::given(method("PATCH"))
            .and(path(CM_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_json(&stored)),
    );
    assert_eq!(
        ok(
            &server,
            &[
                "patch",
                "cm",
                "settings",
                "--type=merge",
                "-p",
                "data:\n  mode: fast\n"
            ],
            None
        ),
        "configmap/settings patched (no change)\n"
    );
    assert_eq!(
        ok(
            &server,
            &[
                "patch",
                "cm",
                "settings",
                "--type=merge",
                "-p",
                "{}",
                "-o",
                "name"
            ],
            None
        ),
        "configmap/settings\n"
    );
}

#[test]
fn delete_waits_until_the_object_is_gone_and_times_out_like_kubectl() {
    let server = FakeApiServer::start();
    let pod = "/api/v1/namespaces/test/pods/gateway-x7k2p";
    server.delay_deletion(pod, Duration::from_millis(500));
    let started = Instant::now();
    assert_eq!(
        ok(&server, &["delete", "pod", "gateway-x7k2p"], None),
        "pod \"gateway-x7k2p\" deleted\n"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(450),
        "{:?}",
        started.elapsed()
    );
    assert!(server.object(pod).is_none());
    // On a watch, not by polling: one streaming watch (the state, then
    // the deletion) after the DELETE.
    let after_delete: Vec<Recorded> = server
        .requests()
        .into_iter()
        .skip_while(|r| r.method != "DELETE")
        .skip(1)
        .collect();
    assert_eq!(after_delete.len(), 1, "{after_delete:?}");
    assert_eq!(after_delete[0].query_param("watch"), Some("1"));
    assert_eq!(
        after_delete[0].query_param("sendInitialEvents"),
        Some("true")
    );
    assert_eq!(
        after_delete[0].query_param("fieldSelector"),
        Some("metadata.name=gateway-x7k2p")
    );

    server.delay_deletion("/api/v1/namespaces/test/pods/db-0", Duration::from_secs(30));
    let (code, stdout, stderr) = run(&server, &["delete", "pod", "db-0", "--timeout=1s"], None);
    assert_eq!(code, 1);
    assert_eq!(stdout, "pod \"db-0\" deleted\n");
    assert_eq!(
        stderr,
        "error: timed out waiting for the condition on pods/db-0\n"
    );
}

#[test]
fn delete_polls_when_it_may_not_watch() {
    let server = FakeApiServer::start();
    let pod = "/api/v1/namespaces/test/pods/gateway-x7k2p";
    let dir = server.add_service_account(
        "deleter",
        &[Rule::allow(&["get", "delete"], &[""], &["pods"])],
    );
    server.delay_deletion(pod, Duration::from_millis(300));
    let out = kapi(&server)
        .env("KAPI_SERVICEACCOUNT_DIR", &dir)
        .args(["delete", "pod", "gateway-x7k2p"])
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout, "pod \"gateway-x7k2p\" deleted\n");
    assert_eq!(stderr, "");
    assert!(server.object(pod).is_none());
    // The watch was refused, so the pod was read until it was gone.
    let reads = server
        .requests()
        .into_iter()
        .skip_while(|r| r.method != "DELETE")
        .filter(|r| r.method == "GET" && r.path == pod)
        .count();
    assert!(reads >= 2, "{reads}");
}

#[test]
fn manifests_of_unknown_kinds_and_unsupported_patch_types_say_so() {
    let server = FakeApiServer::start();
    let gadget = "apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g\n";
    let (code, _, stderr) = run(&server, &["create", "-f", "-"], Some(gadget));
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "error: resource mapping not found for name: \"g\" namespace: \"\" from \"STDIN\": no matches for kind \"Gadget\" in version \"example.com/v1\"\nensure CRDs are installed first\n"
    );
    let (code, _, stderr) = run(
        &server,
        &["create", "-f", "-"],
        Some("metadata:\n  name: x\n"),
    );
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "error: error validating \"STDIN\": error validating data: [apiVersion not set, kind not set]\n"
    );
    // Custom resources take merge and JSON patches, not strategic ones.
    let (code, _, stderr) = run(
        &server,
        &["patch", "widget", "small", "-p", r#"{"spec":{"size":3}}"#],
        None,
    );
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("error: application/strategic-merge-patch+json is not supported by example.com/v1, Kind=Widget: "),
        "{stderr}"
    );
    assert_eq!(
        ok(
            &server,
            &[
                "patch",
                "widget",
                "small",
                "--type=merge",
                "-p",
                r#"{"spec":{"size":3}}"#
            ],
            None
        ),
        "widget.example.com/small patched\n"
    );
}

#[test]
fn patch_that_changes_nothing_says_no_change_like_kubectl() {
    let server = kapi_fake::FakeApiServer::start();
    let patch = r#"{"metadata":{"labels":{"tier":"edge"}}}"#;
    let first = kapi(&server)
        .args([
            "patch", "ds", "gateway", "-n", "test", "--type", "merge", "-p", patch,
        ])
        .output()
        .unwrap();
    assert_eq!(output_text(&first).0, "daemonset.apps/gateway patched\n");
    let rv = server.resource_version();
    let second = kapi(&server)
        .args([
            "patch", "ds", "gateway", "-n", "test", "--type", "merge", "-p", patch,
        ])
        .output()
        .unwrap();
    assert_eq!(
        output_text(&second).0,
        "daemonset.apps/gateway patched (no change)\n"
    );
    assert_eq!(server.resource_version(), rv, "nothing was written");
}
