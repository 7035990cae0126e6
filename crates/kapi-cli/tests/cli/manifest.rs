//! Reading `-f` manifests (issue 9): one document at a time, UTF-8 only,
//! a cap on one document, and repeated keys handled as `--validate` says.

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use kapi_fake::FakeApiServer;

use crate::util::*;

fn cm(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n")
}

fn run(server: &FakeApiServer, args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut cmd = kapi(server);
    cmd.args(args).write_stdin(stdin.to_vec());
    let out = cmd.output().unwrap();
    let (stdout, stderr) = output_text(&out);
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

fn posts(server: &FakeApiServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect()
}

#[test]
fn create_sends_each_object_before_reading_the_next_document() {
    let server = FakeApiServer::start();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kapi"))
        .args(["create", "-f", "-"])
        .env_clear()
        .env("HOME", std::env::temp_dir())
        .envs(server.env())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{}---\n", cm("first")).as_bytes())
        .unwrap();
    stdin.flush().unwrap();
    // The first object is sent while stdin is still open: kapi did not
    // wait for the end of the input. (The deadline only bounds a failure.)
    let deadline = Instant::now() + Duration::from_secs(60);
    while !posts(&server).iter().any(|b| b.contains("first")) {
        assert!(
            Instant::now() < deadline,
            "the first document was not sent before the input ended"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    stdin.write_all(cm("second").as_bytes()).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "configmap/first created\nconfigmap/second created\n"
    );
    assert!(out.status.success());
}

#[test]
fn non_utf8_input_is_refused_at_the_first_bad_byte() {
    let server = FakeApiServer::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("random.bin");
    std::fs::write(&path, b"ab\x8f\xff\x00garbage").unwrap();
    let path = path.to_str().unwrap();
    let (code, stdout, stderr) = run(&server, &["create", "-f", path], b"");
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert_eq!(
        stderr,
        format!(
            "error: failed to parse '{path}': document 1, line 1, column 3: the input is not UTF-8 \
             text (byte 0x8f at line 1, column 3, byte offset 2); manifests must be UTF-8 JSON or YAML\n"
        )
    );
    assert!(server.requests().is_empty());
}

#[test]
fn a_document_larger_than_the_cap_is_refused_naming_file_and_document() {
    let server = FakeApiServer::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.yaml");
    let mut text = format!("{}---\n{}data:\n  big: ", cm("small"), cm("big"));
    text.push_str(&"x".repeat(17 << 20));
    text.push('\n');
    std::fs::write(&path, text).unwrap();
    let path = path.to_str().unwrap();
    let (code, stdout, stderr) = run(&server, &["create", "-f", path], b"");
    assert_eq!(code, 1);
    assert_eq!(stdout, "configmap/small created\n");
    assert_eq!(
        stderr,
        format!(
            "error: failed to parse '{path}': document 2, line 5, column 1: document 2 is larger \
             than 16 MiB; split it into smaller documents (the apiserver takes at most 3 MiB per object)\n"
        )
    );
    assert_eq!(posts(&server).len(), 1);
}

const DUPLICATE: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: one
  name: two
";

#[test]
fn duplicate_keys_are_a_strict_decoding_error_by_default() {
    let server = FakeApiServer::start();
    for validate in [None, Some("--validate=strict"), Some("--validate=true")] {
        let mut args = vec!["create", "-f", "-"];
        args.extend(validate);
        let (code, stdout, stderr) = run(&server, &args, DUPLICATE.as_bytes());
        assert_eq!((code, stdout.as_str()), (1, ""), "{validate:?}");
        assert_eq!(
            stderr,
            "error: failed to parse stdin: document 1, line 5, column 3: strict decoding error: \
             duplicate field \"metadata.name\"\nremove one of them, or pass --validate=warn to keep the last one\n"
        );
    }
    let json = br#"{"apiVersion": "v1", "kind": "ConfigMap",
 "metadata": {"name": "one", "name": "two"}}"#;
    let (code, _, stderr) = run(&server, &["apply", "--server-side", "-f", "-"], json);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("error: failed to parse stdin: document 1, line 2, column")
            && stderr.contains("strict decoding error: duplicate field \"metadata.name\""),
        "{stderr}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn duplicate_keys_with_validate_warn_print_a_warning_and_the_last_wins() {
    let server = FakeApiServer::start();
    let (code, stdout, stderr) = run(
        &server,
        &["create", "-f", "-", "--validate=warn"],
        DUPLICATE.as_bytes(),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "configmap/two created\n");
    assert_eq!(stderr, "Warning: duplicate field \"metadata.name\"\n");
}

#[test]
fn duplicate_keys_with_validate_ignore_pass_silently_and_the_last_wins() {
    let server = FakeApiServer::start();
    for validate in ["--validate=ignore", "--validate=false"] {
        let args = ["create", "-f", "-", "--dry-run=server", validate];
        let (code, stdout, stderr) = run(&server, &args, DUPLICATE.as_bytes());
        assert_eq!((code, stderr.as_str()), (0, ""));
        assert_eq!(stdout, "configmap/two created (server dry run)\n");
    }
}

#[test]
fn delete_acts_on_the_documents_before_a_broken_one() {
    let server = FakeApiServer::start();
    let input = format!("{}---\nkind: : x\n", cm("doomed"));
    let (code, _, _) = run(&server, &["create", "-f", "-"], cm("doomed").as_bytes());
    assert_eq!(code, 0);
    let (code, stdout, stderr) = run(&server, &["delete", "-f", "-"], input.as_bytes());
    assert_eq!(code, 1);
    assert_eq!(stdout, "configmap \"doomed\" deleted\n");
    assert!(
        stderr.starts_with(
            "error: error parsing STDIN: error converting YAML to JSON: yaml: document 2, line 6"
        ),
        "{stderr}"
    );
}
