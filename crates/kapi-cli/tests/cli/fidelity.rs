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
