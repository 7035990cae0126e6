//! The cluster CA rotates while kapi runs: the kubelet swaps `ca.crt`
//! (old and new CA during the overlap, then the new one), the server is
//! re-issued by the new CA, connections drop. The next connection must
//! trust the new CA at once, not minutes later.

use std::time::Duration;

use kapi_fake::FakeApiServer;
use serde_json::json;

use crate::running::{Running, PATIENCE};
use crate::util::fixture_bytes;

const CM: &str = "/api/v1/namespaces/test/configmaps/app-config";

fn pem(name: &str) -> String {
    String::from_utf8(fixture_bytes(&format!("pki/{name}"))).unwrap()
}

/// Drops every connection and waits for kapi's next watch request: the
/// old watch may still be registered for a moment after the close, so a
/// watch count alone would not show that kapi connected again.
fn reconnected(server: &FakeApiServer) -> bool {
    let watches = || {
        server
            .requests()
            .iter()
            .filter(|r| r.query_param("watch") == Some("1"))
            .count()
    };
    let before = watches();
    server.close_connections();
    let deadline = std::time::Instant::now() + PATIENCE;
    while std::time::Instant::now() < deadline {
        if watches() > before && server.wait_for_watches(1, PATIENCE) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

fn change(server: &FakeApiServer, value: &str) {
    server.update(CM, json!({"data": {"rotation": value}}));
}

#[test]
fn a_rotated_ca_is_trusted_by_the_next_connection() {
    let server = FakeApiServer::start();
    let watch = Running::start(
        &server,
        &[
            "get",
            "cm",
            "app-config",
            "-w",
            "--watch-only",
            "-o",
            "name",
            "-v=2",
        ],
    );
    assert!(server.wait_for_watches(1, PATIENCE));

    // The overlap: the bundle holds both CAs; the server now presents a
    // certificate of the new CA, and every connection is dropped.
    server.set_ca_bundle(&format!("{}{}", pem("ca.crt"), pem("rotated-ca.crt")));
    server.serve_certificate("rotated-server");
    assert!(
        reconnected(&server),
        "kapi did not watch again after the rotation: {}",
        watch.stderr()
    );
    change(&server, "overlap");
    assert_eq!(watch.line(), "configmap/app-config");

    // The old CA leaves the bundle.
    server.set_ca_bundle(&pem("rotated-ca.crt"));
    assert!(reconnected(&server), "{}", watch.stderr());
    change(&server, "new");
    assert_eq!(watch.line(), "configmap/app-config");

    let (_, _, stderr) = watch.stop();
    assert!(stderr.contains("re-read the CA bundle"), "{stderr}");
    assert!(!stderr.contains("UnknownIssuer"), "{stderr}");
}

#[test]
fn an_unusable_new_ca_file_keeps_the_old_roots_and_says_so_once() {
    let server = FakeApiServer::start();
    let watch = Running::start(
        &server,
        &[
            "get",
            "cm",
            "app-config",
            "-w",
            "--watch-only",
            "-o",
            "name",
            "-v=2",
        ],
    );
    assert!(server.wait_for_watches(1, PATIENCE));
    server.set_ca_bundle("-----BEGIN CERTIFICATE-----\nMIIB");
    for round in 0..2 {
        assert!(reconnected(&server), "{}", watch.stderr());
        change(&server, &format!("round {round}"));
        assert_eq!(watch.line(), "configmap/app-config");
    }
    let (_, _, stderr) = watch.stop();
    let notes: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("cannot be used") && l.contains("keeping the previous one"))
        .collect();
    assert_eq!(notes.len(), 1, "{stderr}");
    assert!(notes[0].contains("ca.crt"), "{stderr}");
}

#[test]
fn without_the_new_ca_a_rotated_server_is_refused() {
    // The control for the two tests above: the server's new certificate is
    // really not trusted by the old bundle.
    let server = FakeApiServer::start();
    server.serve_certificate("rotated-server");
    let out = crate::util::kapi(&server)
        .args(["get", "--raw", "/version"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let (_, stderr) = crate::util::output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not signed by a CA in"), "{stderr}");
}
