//! Issue 15 item 6: `--dry-run=client` for create, label, annotate and
//! patch, and `--local` for label, annotate and patch: the output kubectl
//! 1.32.4 prints for the same input, and nothing sent (no server at all
//! for `--local` and `create --dry-run=client`); `--dry-run=server` sends
//! `dryRun=All`.

use kapi_fake::FakeApiServer;

use crate::util::*;

const CM: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: a
  labels:
    x: \"1\"
data:
  k: v
";

fn manifest() -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new().suffix(".yaml").tempfile().unwrap();
    std::fs::write(file.path(), CM).unwrap();
    file
}

/// `kapi ARGS` with no server configured: (code, stdout, stderr).
fn bare(args: &[&str]) -> (i32, String, String) {
    let out = kapi_bare().args(args).output().unwrap();
    let (stdout, stderr) = output_text(&out);
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

#[test]
fn local_edits_need_no_server() {
    let file = manifest();
    let f = file.path().to_str().unwrap();
    // Outputs as kubectl printed them for the same file.
    assert_eq!(
        bare(&["label", "--local", "-f", f, "y=2"]),
        (0, "configmap/a labeled\n".into(), String::new())
    );
    assert_eq!(
        bare(&["label", "--local", "-f", f, "y=2", "-o", "yaml"]).1,
        "apiVersion: v1\ndata:\n  k: v\nkind: ConfigMap\nmetadata:\n  labels:\n    x: \"1\"\n    \"y\": \"2\"\n  name: a\n"
    );
    assert_eq!(
        bare(&["label", "--local", "-f", f, "x=3"]),
        (
            1,
            String::new(),
            "error: 'x' already has a value (1), and --overwrite is false\n".into()
        )
    );
    assert_eq!(
        bare(&["label", "--local", "-f", f, "x-"]).1,
        "configmap/a unlabeled\n"
    );
    assert_eq!(
        bare(&["annotate", "--local", "-f", f, "a=b", "--dry-run=client"]).1,
        "configmap/a annotated (dry run)\n"
    );
    assert_eq!(
        bare(&["label", "--local", "cm", "a", "y=2"]).2,
        "error: can only use local files by -f pod.yaml or --filename=pod.json when --local=true is set\n"
    );
    assert_eq!(
        bare(&["patch", "--local", "-f", f, "-p", r#"{"data":{"k":"w"}}"#, "-o", "yaml"]).1,
        "apiVersion: v1\ndata:\n  k: w\nkind: ConfigMap\nmetadata:\n  labels:\n    x: \"1\"\n  name: a\n"
    );
    assert_eq!(
        bare(&[
            "patch",
            "--local",
            "-f",
            f,
            "--type",
            "json",
            "-p",
            r#"[{"op":"remove","path":"/data/k"}]"#
        ])
        .1,
        "configmap/a patched\n"
    );
    let (code, _, stderr) = bare(&[
        "patch",
        "--local",
        "-f",
        f,
        "-p",
        r#"{"spec":{"containers":[{"name":"c"}]}}"#,
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("use --type merge"), "{stderr}");
    assert_eq!(
        bare(&["create", "-f", f, "--dry-run=client"]),
        (0, "configmap/a created (dry run)\n".into(), String::new())
    );
}

#[test]
fn client_dry_runs_read_but_never_write() {
    let server = FakeApiServer::start();
    let path = "/api/v1/namespaces/test/configmaps/app-config";
    let before = server.object(path).unwrap();
    let run = |args: &[&str]| {
        let out = kapi(&server).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", output_text(&out).1);
        output_text(&out).0
    };
    assert_eq!(
        run(&["label", "cm", "app-config", "y=2", "--dry-run=client"]),
        "configmap/app-config labeled (dry run)\n"
    );
    let yaml = run(&[
        "annotate",
        "cm",
        "app-config",
        "note=x",
        "--dry-run=client",
        "-o",
        "yaml",
    ]);
    assert!(yaml.contains("note: x"), "{yaml}");
    assert_eq!(
        run(&[
            "patch",
            "cm",
            "app-config",
            "-p",
            r#"{"data":{"k":"w"}}"#,
            "--dry-run=client"
        ]),
        "configmap/app-config patched\n"
    );
    assert!(server.requests().iter().all(|r| r.method == "GET"));
    assert_eq!(server.object(path).unwrap(), before);
    // --dry-run=server sends dryRun=All.
    assert_eq!(
        run(&["label", "cm", "app-config", "y=2", "--dry-run=server"]),
        "configmap/app-config labeled (server dry run)\n"
    );
    let patch = server
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PATCH")
        .unwrap();
    assert_eq!(patch.query_param("dryRun"), Some("All"));
    assert_eq!(server.object(path).unwrap(), before);
}
