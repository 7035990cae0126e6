//! The library out of the pod: `Config::from_kubeconfig` with kind's client
//! certificates, an exec plugin's credential kept across requests, and
//! `Config::with_client_cert_files`, against the TLS fake API server.

use std::path::PathBuf;

use kapi::config::KubeconfigOptions;
use kapi::{Client, Config};
use kapi_fake::FakeApiServer;

fn fixture(path: &str) -> PathBuf {
    kapi_fake::fixtures_dir().join(path)
}

/// A kubeconfig file, removed on drop.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn temp(name: &str, text: &str) -> TempFile {
    let path = std::env::temp_dir().join(format!("kapi-lib-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    TempFile(path)
}

fn options(file: &TempFile) -> KubeconfigOptions {
    KubeconfigOptions::default().kubeconfig(&file.0)
}

#[test]
fn kind_kubeconfig_authenticates_with_its_client_certificate() {
    let server = FakeApiServer::start();
    let text = std::fs::read_to_string(fixture("kubeconfig/kind.yaml"))
        .unwrap()
        .replace("https://127.0.0.1:6443", &server.url());
    let file = temp("kind", &text);
    let config = Config::from_kubeconfig(&options(&file)).unwrap();
    assert!(config.has_client_cert());
    assert!(!format!("{config:?}").contains("PRIVATE"));
    let client = Client::new(config).unwrap();
    let pods: serde_json::Value = client.get("/api/v1/namespaces/test/pods").json().unwrap();
    assert_eq!(pods["kind"], "PodList");
    assert!(server
        .requests()
        .iter()
        .all(|r| r.header("authorization").is_none()));
}

#[test]
fn client_cert_files_without_a_kubeconfig() {
    let server = FakeApiServer::start();
    let config = Config::new(server.url())
        .with_ca_file(fixture("pki/ca.crt"))
        .unwrap()
        .with_client_cert_files(fixture("pki/admin.crt"), fixture("pki/admin.key"))
        .unwrap();
    let client = Client::new(config).unwrap();
    let version: serde_json::Value = client.get("/version").json().unwrap();
    assert!(version["gitVersion"].is_string());
}

#[test]
fn an_exec_credential_serves_every_request_until_it_expires() {
    let server = FakeApiServer::start();
    let log = std::env::temp_dir().join(format!("kapi-lib-{}-exec-log", std::process::id()));
    let _cleanup = TempFile(log.clone());
    let text = format!(
        "current-context: fake
clusters:
- name: fake
  cluster: {{server: '{server}', certificate-authority: '{ca}'}}
users:
- name: me
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: /bin/sh
      args: ['{plugin}', client.authentication.k8s.io/v1beta1]
      env: [{{name: KAPI_FIXTURE_EXEC_LOG, value: '{log}'}}]
contexts:
- name: fake
  context: {{cluster: fake, user: me, namespace: test}}
",
        server = server.url(),
        ca = fixture("pki/ca.crt").display(),
        plugin = fixture("kubeconfig/exec-plugin.sh").display(),
        log = log.display(),
    );
    let file = temp("exec", &text);
    let config = Config::from_kubeconfig(&options(&file)).unwrap();
    assert_eq!(config.namespace(), "test");
    let client = Client::new(config).unwrap();
    for _ in 0..3 {
        client.get("/version").send().unwrap();
    }
    let runs = std::fs::read_to_string(&log).unwrap().lines().count();
    assert_eq!(
        runs, 1,
        "no expirationTimestamp: one run serves all requests"
    );
}
