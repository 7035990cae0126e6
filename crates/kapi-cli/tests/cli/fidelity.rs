//! Real manifests, kubectl's answers (issue 12): manifests kubectl accepts,
//! its `%v` in custom columns, its messages for kinds the server lacks and
//! for empty inputs.

use kapi_fake::FakeApiServer;

use crate::util::*;

fn run(server: &FakeApiServer, args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut cmd = kapi(server);
    cmd.args(args).write_stdin(stdin.to_vec());
    let out = cmd.output().unwrap();
    let (stdout, stderr) = output_text(&out);
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

#[test]
fn flow_collection_closed_at_its_key_column_is_accepted() {
    let server = FakeApiServer::start();
    let manifest = b"\
apiVersion: v1
kind: ConfigMap
metadata:
  name: flow
  labels: {
    \"app\": \"filebeat\"
  }
binaryData: {
}
data:
  args: \"x\"
---
apiVersion: v1
kind: Pod
metadata:
  name: flow
spec:
  containers:
  - name: c
    image: busybox
    args: [
      \"-c\", \"/etc/filebeat.yml\",
      \"-e\",
    ]
    command: [
      \"sh\", \"-c\"
    ]
";
    let (code, stdout, stderr) = run(&server, &["create", "-f", "-"], manifest);
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (0, "configmap/flow created\npod/flow created\n", "")
    );
    let pod = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path.ends_with("/pods"))
        .unwrap();
    let pod: serde_json::Value = serde_json::from_slice(&pod.body).unwrap();
    assert_eq!(
        pod["spec"]["containers"][0]["args"],
        serde_json::json!(["-c", "/etc/filebeat.yml", "-e"])
    );
}

#[test]
fn custom_columns_print_maps_and_lists_as_go_v() {
    let server = FakeApiServer::start();
    let pod = br#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "mysql",
 "labels": {"app": "mysql", "app.kubernetes.io/name": "mysql"}},
 "spec": {"containers": [{"name": "c", "image": "busybox", "command": ["sh", "-c", "echo hi && sleep 3600"]}],
  "tolerations": [{"key": "k", "operator": "Exists", "tolerationSeconds": 30}],
  "x": {"list": [[1, 2], {"a": null, "z": [true]}], "f": 1.5, "big": 1e21, "e": ""}}}"#;
    let (code, _, stderr) = run(&server, &["create", "-f", "-"], pod);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let (code, stdout, stderr) = run(
        &server,
        &[
            "get",
            "pod",
            "mysql",
            "-o",
            "custom-columns=L:.metadata.labels,C:.spec.containers[0].command,T:.spec.tolerations,X:.spec.x,N:.spec.x.list[1].a",
        ],
        b"",
    );
    // kubectl's output on the fake, byte for byte.
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (
            0,
            "\
L                                             C                               T                                                   X                                                            N
map[app:mysql app.kubernetes.io/name:mysql]   [sh -c echo hi && sleep 3600]   [map[key:k operator:Exists tolerationSeconds:30]]   map[big:1e+21 e: f:1.5 list:[[1 2] map[a:<nil> z:[true]]]]   <nil>
",
            ""
        )
    );
}

#[test]
fn custom_columns_align_the_whole_list_as_kubectl_does() {
    let server = FakeApiServer::start();
    let (code, stdout, stderr) = run(
        &server,
        &[
            "get",
            "ns",
            "-o",
            "custom-columns=NAME:.metadata.name,UID:.metadata.uid",
        ],
        b"",
    );
    // kubectl's output on the fake: one width for the whole column, not
    // one that grows row by row.
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (
            0,
            "\
NAME          UID
big           0b4e4c2a-7d1e-4f3a-9c8b-1a2b3c4d5e04
default       0b4e4c2a-7d1e-4f3a-9c8b-1a2b3c4d5e01
kube-system   0b4e4c2a-7d1e-4f3a-9c8b-1a2b3c4d5e02
test          0b4e4c2a-7d1e-4f3a-9c8b-1a2b3c4d5e03
",
            ""
        )
    );
}

const PDB: &str = "\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: zk-pdb
spec:
  minAvailable: 2
";

#[test]
fn manifest_of_a_builtin_kind_the_server_does_not_serve_is_a_mapping_error() {
    let server = FakeApiServer::builder().without_api("policy/v1").build();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pdb.yaml");
    std::fs::write(&path, PDB).unwrap();
    let path = path.to_str().unwrap();
    // kubectl's message on the fake, for each verb (and delete even with
    // --ignore-not-found).
    let expected = format!(
        "error: resource mapping not found for name: \"zk-pdb\" namespace: \"\" from {path:?}: no matches for kind \"PodDisruptionBudget\" in version \"policy/v1\"\nensure CRDs are installed first\n"
    );
    for args in [
        &["create", "-f", path][..],
        &["apply", "--server-side", "-f", path],
        &["replace", "-f", path],
        &["delete", "-f", path],
        &["delete", "--ignore-not-found", "-f", path],
    ] {
        let (code, stdout, stderr) = run(&server, args, b"");
        assert_eq!(
            (code, stdout.as_str(), stderr.as_str()),
            (1, "", expected.as_str()),
            "{args:?}"
        );
    }
    // A 404 of a served type stays the server's.
    let (code, _, stderr) = run(
        &server,
        &["delete", "-f", "-"],
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nope}\n",
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("configmaps \"nope\" not found"), "{stderr}");
}

#[test]
fn get_of_a_builtin_type_the_server_does_not_serve_says_it_has_no_such_type() {
    let server = FakeApiServer::builder().without_api("policy/v1").build();
    for (args, name) in [
        (&["get", "pdb"][..], "pdb"),
        (
            &["get", "poddisruptionbudgets.policy", "zk"],
            "poddisruptionbudgets",
        ),
        (&["get", "pdb", "zk", "--ignore-not-found"], "pdb"),
    ] {
        let (code, stdout, stderr) = run(&server, args, b"");
        assert_eq!(
            (code, stdout.as_str(), stderr),
            (
                1,
                "",
                format!("error: the server doesn't have a resource type {name:?}\n")
            ),
            "{args:?}"
        );
    }
}

#[test]
fn an_input_without_objects_is_an_error_for_create_and_apply_and_nothing_for_replace() {
    let server = FakeApiServer::start();
    for input in [&b""[..], b"# only a comment\n---\n"] {
        // kubectl on the fake, verb by verb.
        for (args, expected) in [
            (
                &["create", "-f", "-"][..],
                (1, "", "error: no objects passed to create\n"),
            ),
            (
                &["apply", "--server-side", "-f", "-"],
                (1, "", "error: no objects passed to apply\n"),
            ),
            (&["replace", "-f", "-"], (0, "", "")),
            (&["delete", "-f", "-"], (0, "No resources found\n", "")),
        ] {
            let (code, stdout, stderr) = run(&server, args, input);
            assert_eq!(
                (code, stdout.as_str(), stderr.as_str()),
                expected,
                "{args:?}"
            );
        }
    }
    assert!(server.requests().iter().all(|r| r.method == "GET"));
}

#[test]
fn delete_of_objects_that_cannot_be_mapped_prints_only_the_error() {
    let server = FakeApiServer::start();
    let (code, stdout, stderr) = run(
        &server,
        &["delete", "-f", "-"],
        b"apiVersion: nope.example.com/v1\nkind: Gadget\nmetadata:\n  name: g\n",
    );
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (
            1,
            "",
            "error: resource mapping not found for name: \"g\" namespace: \"\" from \"STDIN\": no matches for kind \"Gadget\" in version \"nope.example.com/v1\"\nensure CRDs are installed first\n"
        )
    );
    let (code, stdout, _) = run(&server, &["delete", "-f", "-"], b"a: {b\n");
    assert_eq!((code, stdout.as_str()), (1, ""));
}

#[test]
fn yaml_syntax_error_has_kubectl_words_and_kapi_position() {
    let server = FakeApiServer::start();
    let broken =
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {a: b\ndata: {}\n";
    let (code, stdout, stderr) = run(&server, &["create", "-f", "-"], broken);
    // kubectl: `error: error parsing STDIN: error converting YAML to JSON:
    // yaml: line 5: did not find expected ',' or '}'`.
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (
            1,
            "",
            "error: error parsing STDIN: error converting YAML to JSON: yaml: document 1, line 6, column 5: while parsing a flow mapping, did not find expected ',' or '}'\n"
        )
    );
}

#[test]
fn cluster_scoped_object_is_sent_without_the_namespace_its_manifest_gives() {
    // kubernetes-dashboard's manifest has a ClusterRole in kube-system;
    // kubectl sends it without metadata.namespace.
    let server = FakeApiServer::start();
    let manifest = b"\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: dashboard
  namespace: kube-system
rules: []
";
    let (code, stdout, stderr) = run(&server, &["create", "-f", "-"], manifest);
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (
            0,
            "clusterrole.rbac.authorization.k8s.io/dashboard created\n",
            ""
        )
    );
    let post = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(post.path, "/apis/rbac.authorization.k8s.io/v1/clusterroles");
    let sent: serde_json::Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(sent["metadata"], serde_json::json!({"name": "dashboard"}));
}
