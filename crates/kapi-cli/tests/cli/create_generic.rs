//! Issue 15 items 4 and 6: `kapi create configmap|secret generic|secret
//! docker-registry|secret tls`, compared with kubectl's output for the
//! same inputs (tests/golden/create, `--dry-run=client`, no server and no
//! kubeconfig), then sent to the fake (`--dry-run=server`, a real create).

use kapi_fake::FakeApiServer;
use serde_json::Value;

use crate::util::*;

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/create");

fn golden(name: &str, ext: &str) -> String {
    crate::util::golden_case(GOLDEN, name, ext)
}

#[test]
fn client_dry_run_matches_kubectl_without_a_server() {
    let cases = std::fs::read_to_string(format!("{GOLDEN}/cases")).unwrap();
    for line in cases.lines().filter(|l| !l.trim().is_empty()) {
        let mut words = line.split_whitespace();
        let name = words.next().unwrap();
        let args: Vec<&str> = words.collect();
        // No server, no kubeconfig, no service account: kapi_bare.
        let out = kapi_bare()
            .current_dir(GOLDEN)
            .env("FROM_ENV", "from-the-environment")
            .arg("create")
            .args(&args)
            .arg("--dry-run=client")
            .output()
            .unwrap();
        let (stdout, stderr) = output_text(&out);
        assert_eq!(stdout, golden(name, "stdout"), "{name}: stdout");
        let kubectl_err = golden(name, "stderr").replace(
            "See 'kubectl create configmap -h' for help and examples",
            "See 'kapi create configmap --help' for usage.",
        );
        assert_eq!(stderr, kubectl_err, "{name}: stderr");
        let code: i32 = golden(name, "code").trim().parse().unwrap();
        let code = if name == "no_name" { 2 } else { code };
        assert_eq!(out.status.code(), Some(code), "{name}: exit code");
    }
}

#[test]
fn the_pipeline_pattern_needs_no_server() {
    // kapi create ... --dry-run=client -o yaml | kapi apply --server-side -f -
    let out = kapi_bare()
        .current_dir(GOLDEN)
        .args([
            "create",
            "cm",
            "app",
            "--from-file=inputs/dir",
            "--dry-run=client",
            "-o",
            "yaml",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let yaml = String::from_utf8(out.stdout).unwrap();
    let server = FakeApiServer::start();
    let out = kapi(&server)
        .args(["apply", "--server-side", "-f", "-"])
        .write_stdin(yaml)
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(stdout, "configmap/app serverside-applied\n", "{stderr}");
    let stored = server
        .object("/api/v1/namespaces/test/configmaps/app")
        .unwrap();
    assert_eq!(stored["data"]["two.conf"], "y: 1\n");
}

#[test]
fn server_dry_run_and_create_send_the_object() {
    let server = FakeApiServer::start();
    let out = kapi(&server)
        .current_dir(GOLDEN)
        .args([
            "create",
            "secret",
            "generic",
            "s",
            "--from-literal=pw=p@ss",
            "--dry-run=server",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(stdout, "secret/s created (server dry run)\n", "{stderr}");
    let post = server
        .requests()
        .into_iter()
        .rfind(|r| r.method == "POST")
        .unwrap();
    assert_eq!(post.path, "/api/v1/namespaces/test/secrets");
    assert_eq!(post.query_param("dryRun"), Some("All"));
    assert_eq!(post.query_param("fieldManager"), Some("kapi-create"));
    let body: Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(body["data"]["pw"], "cEBzcw==");
    assert!(server.object("/api/v1/namespaces/test/secrets/s").is_none());

    let create = || {
        kapi(&server)
            .args(["create", "configmap", "app", "--from-literal=a=1"])
            .output()
            .unwrap()
    };
    let out = create();
    assert_eq!(output_text(&out).0, "configmap/app created\n");
    assert_eq!(
        server
            .object("/api/v1/namespaces/test/configmaps/app")
            .unwrap()["data"]["a"],
        "1"
    );
    let out = create();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        output_text(&out).1,
        "error: failed to create configmap: configmaps \"app\" already exists\n"
    );
}
