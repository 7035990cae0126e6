//! Issue 10: out of the pod. kubeconfigs (kind's client certificates, exec
//! plugins, merge order, overrides), proxies and a pinned leaf certificate,
//! through the real binary against the fake over TLS.

use std::path::{Path, PathBuf};

use kapi_fake::{ConnectProxy, FakeApiServer};

use crate::util::*;

/// The fixture token (the exec plugin prints it; tokens grep for its marker).
const TOKEN_MARKER: &str = "kapi-fixture-token-not-a-real-signature";
/// Pieces of the fixture admin key and certificate data, which must never show.
fn secrets() -> Vec<String> {
    let kind = String::from_utf8(fixture_bytes("kubeconfig/kind.yaml")).unwrap();
    let data = |key: &str| {
        kind.lines()
            .find_map(|l| l.trim().strip_prefix(key))
            .unwrap()
            .trim()
            .to_string()
    };
    let key_pem = String::from_utf8(fixture_bytes("pki/admin.key")).unwrap();
    let key_body = key_pem.lines().nth(1).unwrap().to_string();
    vec![
        TOKEN_MARKER.to_string(),
        data("client-key-data:")[..40].to_string(),
        key_body,
        "s3cr3t-password".into(),
    ]
}

fn assert_no_secret(texts: &[&str]) {
    for text in texts {
        for secret in secrets() {
            assert!(!text.contains(&secret), "a secret leaked:\n{text}");
        }
    }
}

/// A temp dir holding kubeconfig files.
struct Files(tempfile::TempDir);

impl Files {
    fn new() -> Files {
        Files(tempfile::tempdir().unwrap())
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

/// kind's kubeconfig pointed at `server`.
fn kind_for(server: &FakeApiServer) -> String {
    String::from_utf8(fixture_bytes("kubeconfig/kind.yaml"))
        .unwrap()
        .replace("https://127.0.0.1:6443", &server.url())
}

/// A one-context kubeconfig for `server` with the fixture CA and `user`.
fn kubeconfig_with(server: &FakeApiServer, ca: &Path, cluster_extra: &str, user: &str) -> String {
    format!(
        "apiVersion: v1
kind: Config
current-context: fake
clusters:
- name: fake
  cluster:
    server: {server}
    certificate-authority: {ca}
{cluster_extra}users:
- name: me
  user:
{user}contexts:
- name: fake
  context: {{cluster: fake, user: me, namespace: test}}
",
        server = server.url(),
        ca = ca.display(),
    )
}

fn exec_user(args: &str) -> String {
    format!(
        "    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: /bin/sh
      args: [{args}]
      interactiveMode: Never
      installHint: |
        install kapi-login from https://example.com/kapi-login
"
    )
}

fn run(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    let (stdout, stderr) = output_text(&out);
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

#[test]
fn kind_kubeconfig_with_client_certificates_lists_pods() {
    let server = FakeApiServer::start();
    let files = Files::new();
    let config = files.write("kind", &kind_for(&server));
    let (code, stdout, stderr) = run(kapi_bare()
        .env("KUBECONFIG", &config)
        .args(["get", "pods", "-n", "test", "-v=8"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("NAME"), "{stdout}");
    let requests = server.requests();
    assert!(requests.iter().all(|r| r.header("authorization").is_none()));
    assert_no_secret(&[&stdout, &stderr]);
    // The certificate's CN is the user, O=system:masters its group.
    let (code, stdout, _) = run(kapi_bare()
        .env("KUBECONFIG", &config)
        .args(["auth", "whoami"]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("kubernetes-admin") && stdout.contains("system:masters"),
        "{stdout}"
    );
}

#[test]
fn exec_plugin_v1_and_v1beta1() {
    let server = FakeApiServer::start();
    let files = Files::new();
    let script = fixture("kubeconfig/exec-plugin.sh");
    for api in [
        "client.authentication.k8s.io/v1",
        "client.authentication.k8s.io/v1beta1",
    ] {
        let user = exec_user(&format!("{}, {api}", script.display())).replace(
            "apiVersion: client.authentication.k8s.io/v1\n",
            &format!("apiVersion: {api}\n"),
        );
        let config = files.write(
            "exec",
            &kubeconfig_with(&server, &fixture("pki/ca.crt"), "", &user),
        );
        let (code, stdout, stderr) = run(kapi_bare()
            .env("KUBECONFIG", &config)
            .args(["get", "pods", "-v=8"]));
        assert_eq!(code, 0, "{api}: {stderr}");
        assert!(stdout.starts_with("NAME"), "{stdout}");
        assert!(
            stderr.contains("Authorization: Bearer <masked>"),
            "{stderr}"
        );
        assert_no_secret(&[&stdout, &stderr]);
    }
    // The namespace came from the context.
    assert!(server
        .requests()
        .iter()
        .any(|r| r.path == "/api/v1/namespaces/test/pods"));
}

#[test]
fn exec_credential_is_cached_until_it_expires() {
    let server = FakeApiServer::start();
    let files = Files::new();
    let user = exec_user(&fixture("kubeconfig/exec-plugin.sh").display().to_string());
    let config = files.write(
        "exec",
        &kubeconfig_with(&server, &fixture("pki/ca.crt"), "", &user),
    );
    for (expiry, runs) in [("2100-01-01T00:00:00Z", 1), ("2001-01-01T00:00:00Z", 2)] {
        let log = files.0.path().join(format!("log-{runs}"));
        let (code, _, stderr) = run(kapi_bare()
            .env("KUBECONFIG", &config)
            .env("KAPI_FIXTURE_EXEC_LOG", &log)
            .env("KAPI_FIXTURE_EXEC_EXPIRY", expiry)
            .args(["get", "pods,configmaps"]));
        assert_eq!(code, 0, "{stderr}");
        let seen = std::fs::read_to_string(&log).unwrap().lines().count();
        assert_eq!(seen, runs, "expiry {expiry}");
    }
}

#[test]
fn exec_plugin_runs_again_after_a_401() {
    let server = FakeApiServer::start();
    let files = Files::new();
    let log = files.0.path().join("log");
    // First run: a stale token; later runs: the good one.
    let wrapper = files.write(
        "plugin.sh",
        &format!(
            "if [ -e {log} ]; then exec sh {script}; fi\n\
             echo run > {log}\n\
             KAPI_FIXTURE_EXEC_TOKEN=stale exec sh {script}\n",
            log = log.display(),
            script = fixture("kubeconfig/exec-plugin.sh").display()
        ),
    );
    let user = exec_user(&wrapper.display().to_string());
    let config = files.write(
        "exec",
        &kubeconfig_with(&server, &fixture("pki/ca.crt"), "", &user),
    );
    let (code, _, stderr) = run(kapi_bare().env("KUBECONFIG", &config).args(["get", "pods"]));
    assert_eq!(code, 0, "{stderr}");
    let auths: Vec<_> = server
        .requests()
        .iter()
        .filter_map(|r| r.header("authorization").map(str::to_string))
        .collect();
    assert_eq!(
        auths.len(),
        2,
        "the request was sent again with the new token"
    );
    assert_eq!(auths[0], "Bearer stale");
}

#[test]
fn exec_plugin_failures_are_named_without_the_output() {
    let server = FakeApiServer::start();
    let files = Files::new();
    let ca = fixture("pki/ca.crt");
    let hang = files.write("hang.sh", "exec sleep 30\n");
    let fail = files.write("fail.sh", "echo 'login failed: no browser' >&2\nexit 4\n");
    let bad = files.write("bad.sh", &format!("echo '{TOKEN_MARKER} is not JSON'\n"));
    for (name, user, says) in [
        (
            "missing",
            exec_user("").replace("command: /bin/sh", "command: kapi-login-not-installed"),
            "exec plugin \"kapi-login-not-installed\"",
        ),
        (
            "exit",
            exec_user(&fail.display().to_string()),
            "ended with exit status 4",
        ),
        (
            "hang",
            exec_user(&hang.display().to_string()),
            "did not finish within 500ms",
        ),
        (
            "bad",
            exec_user(&bad.display().to_string()),
            "its output is not a valid ExecCredential: not JSON",
        ),
    ] {
        let config = files.write(name, &kubeconfig_with(&server, &ca, "", &user));
        let started = std::time::Instant::now();
        let (code, stdout, stderr) = run(kapi_bare()
            .env("KUBECONFIG", &config)
            .env("KAPI_EXEC_TIMEOUT", "500ms")
            .args(["get", "pods"]));
        assert_eq!(code, 1, "{name}: {stderr}");
        assert!(stderr.contains(says), "{name}: {stderr}");
        assert!(
            stderr.contains(&config.display().to_string()),
            "{name} names the kubeconfig: {stderr}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        assert_no_secret(&[&stdout, &stderr]);
        match name {
            "missing" => assert!(
                stderr.contains("install kapi-login from https://example.com"),
                "{stderr}"
            ),
            "exit" => assert!(
                stderr.contains("login failed: no browser"),
                "the plugin's stderr: {stderr}"
            ),
            _ => {}
        }
    }
}

#[test]
fn proxy_url_tunnels_and_the_proxy_never_sees_credentials() {
    let server = FakeApiServer::start();
    let proxy = ConnectProxy::start();
    let files = Files::new();
    let extra = format!("    proxy-url: {}\n", proxy.url());
    let user = format!("    token: {}\n", server.token());
    let config = files.write(
        "proxied",
        &kubeconfig_with(&server, &fixture("pki/ca.crt"), &extra, &user),
    );
    let (code, stdout, stderr) = run(kapi_bare().env("KUBECONFIG", &config).args(["get", "pods"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("NAME"));
    let seen = proxy.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].starts_with(&format!("CONNECT 127.0.0.1:{} HTTP/1.1\r\n", server.port())),
        "{seen:?}"
    );
    assert!(
        !seen[0].to_ascii_lowercase().contains("authorization"),
        "{seen:?}"
    );
    assert!(!seen[0].contains(TOKEN_MARKER));
    assert!(server
        .requests()
        .iter()
        .all(|r| r.header("authorization").is_some()));
}

#[test]
fn https_proxy_from_the_environment_for_a_name_only_the_proxy_resolves() {
    let server = FakeApiServer::start();
    let proxy = ConnectProxy::start();
    let files = Files::new();
    let config = kind_for(&server).replace(
        &server.url(),
        &format!("https://kubernetes.default.svc:{}", server.port()),
    );
    let path = files.write("kind", &config);
    let (code, _, stderr) = run(kapi_bare()
        .env("KUBECONFIG", &path)
        .env("HTTPS_PROXY", proxy.url())
        .env("NO_PROXY", "10.0.0.0/8,.example.com")
        .args(["get", "pods", "-n", "test"]));
    assert_eq!(code, 0, "{stderr}");
    let seen = proxy.requests();
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0].starts_with(&format!(
            "CONNECT kubernetes.default.svc:{} ",
            server.port()
        )),
        "{seen:?}"
    );
    // In-cluster configurations ignore the proxy variables.
    let (code, _, stderr) = run(kapi(&server)
        .env("HTTPS_PROXY", proxy.url())
        .args(["get", "pods"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(proxy.requests().len(), 1, "in-cluster went direct");
}

#[test]
fn a_pinned_leaf_certificate_is_trusted_and_a_different_one_refused() {
    let server = FakeApiServer::start();
    let files = Files::new();
    let user = format!("    token: {}\n", server.token());
    // Self-signed, and the RKE2 shape: a leaf whose CA is not in the bundle.
    for (serve, pin) in [
        ("pinned-server", "pki/pinned-server.crt"),
        ("rotated-server", "pki/rotated-server.crt"),
    ] {
        server.serve_certificate(serve);
        let config = files.write(
            "pinned",
            &kubeconfig_with(&server, &fixture(pin), "", &user),
        );
        let (code, _, stderr) = run(kapi_bare()
            .env("KUBECONFIG", &config)
            .args(["get", "pods", "-v=6"]));
        assert_eq!(code, 0, "{serve}: {stderr}");
        assert!(
            stderr.contains("the CA bundle pins the server's own certificate"),
            "{stderr}"
        );
        server.close_connections();
    }
    // Another leaf in the bundle is no pin: refused.
    server.serve_certificate("pinned-server");
    let config = files.write(
        "other",
        &kubeconfig_with(&server, &fixture("pki/server.crt"), "", &user),
    );
    let (code, _, stderr) = run(kapi_bare().env("KUBECONFIG", &config).args(["get", "pods"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("UnknownIssuer"), "{stderr}");
    // The pinned leaf must still name the server.
    let config = files.write(
        "name",
        &kubeconfig_with(
            &server,
            &fixture("pki/pinned-server.crt"),
            "    tls-server-name: elsewhere.example\n",
            &user,
        ),
    );
    let (code, _, stderr) = run(kapi_bare().env("KUBECONFIG", &config).args(["get", "pods"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("not valid for name"), "{stderr}");
}

#[test]
fn kubeconfig_merge_order_and_overrides() {
    let server = FakeApiServer::start();
    let files = Files::new();
    let ca = fixture("pki/ca.crt");
    let good = files.write(
        "good",
        &kubeconfig_with(
            &server,
            &ca,
            "",
            &format!("    token: {}\n", server.token()),
        )
        .replace("name: me", "name: good-user")
        .replace("user: me", "user: good-user"),
    );
    let bad = files.write(
        "bad",
        "current-context: bad
contexts:
- name: bad
  context: {cluster: fake, user: bad-user, namespace: default}
- name: fake
  context: {cluster: nowhere, user: bad-user}
users:
- name: bad-user
  user: {token: wrong, username: ignored, password: s3cr3t-password}
",
    );
    let missing = files.0.path().join("missing");
    let list =
        |a: &Path, b: &Path| format!("{}:{}:{}", missing.display(), a.display(), b.display());
    // good first: its current-context and its "fake" context win.
    let (code, _, stderr) = run(kapi_bare()
        .env("KUBECONFIG", list(&good, &bad))
        .args(["get", "pods"]));
    assert_eq!(code, 0, "{stderr}");
    // bad first: its current-context "bad" (a wrong token) wins.
    let (code, _, stderr) = run(kapi_bare()
        .env("KUBECONFIG", list(&bad, &good))
        .args(["get", "pods"]));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("You must be logged in to the server (Unauthorized)"),
        "{stderr}"
    );
    // --context, --user, --cluster overrides.
    let env = list(&good, &bad);
    let (code, _, _) =
        run(kapi_bare()
            .env("KUBECONFIG", &env)
            .args(["get", "pods", "--context", "bad"]));
    assert_eq!(code, 1);
    let (code, _, stderr) = run(kapi_bare().env("KUBECONFIG", &env).args([
        "--context=bad",
        "--user=good-user",
        "get",
        "pods",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.path == "/api/v1/namespaces/default/pods"),
        "the context's namespace"
    );
    let (code, _, stderr) =
        run(kapi_bare()
            .env("KUBECONFIG", &env)
            .args(["get", "pods", "--cluster", "nowhere"]));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("cluster \"nowhere\" is not in the kubeconfig"),
        "{stderr}"
    );
    // -n wins over the context's namespace.
    let (code, _, _) =
        run(kapi_bare()
            .env("KUBECONFIG", &env)
            .args(["get", "pods", "-n", "kube-system"]));
    assert_eq!(code, 0);
    assert!(server
        .requests()
        .iter()
        .any(|r| r.path == "/api/v1/namespaces/kube-system/pods"));
    // --kubeconfig beats KUBECONFIG.
    let (code, _, _) = run(kapi_bare().env("KUBECONFIG", list(&bad, &good)).args([
        "--kubeconfig",
        good.to_str().unwrap(),
        "get",
        "pods",
    ]));
    assert_eq!(code, 0);
    // kapi config reads the same merge.
    let (_, stdout, _) = run(kapi_bare()
        .env("KUBECONFIG", list(&bad, &good))
        .args(["config", "current-context"]));
    assert_eq!(stdout, "bad\n");
    let (_, stdout, _) = run(kapi_bare()
        .env("KUBECONFIG", list(&bad, &good))
        .args(["config", "view"]));
    assert!(
        stdout.contains("password: REDACTED") && stdout.contains("token: REDACTED"),
        "{stdout}"
    );
    assert_no_secret(&[&stdout]);
    let (_, stdout, _) = run(kapi_bare()
        .env("KUBECONFIG", list(&good, &bad))
        .args(["config", "get-contexts"]));
    assert_eq!(
        stdout,
        "CURRENT   NAME   CLUSTER   AUTHINFO    NAMESPACE\n          bad    fake      bad-user    default\n*         fake   fake      good-user   test\n"
    );
}

#[test]
fn flags_alone_need_no_kubeconfig() {
    let server = FakeApiServer::start();
    let ca = fixture("pki/ca.crt");
    let token = server.token();
    let (code, stdout, stderr) = run(kapi_bare().args([
        "get",
        "pods",
        "-n",
        "test",
        &format!("--server={}", server.url()),
        "--token",
        &token,
        "--certificate-authority",
        ca.to_str().unwrap(),
        "--tls-server-name",
        "kubernetes.default.svc",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("NAME"));
}

#[test]
fn bad_kubeconfigs_name_the_file_and_the_field() {
    let server = FakeApiServer::start();
    let files = Files::new();
    let kind = kind_for(&server);
    let b64 = base64;
    let field = |name: &str| {
        kind.lines()
            .find(|l| l.trim().starts_with(name))
            .unwrap()
            .to_string()
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "pod",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n".into(),
            "not a kubeconfig: kind is \"Pod\", not Config",
        ),
        ("yaml", "clusters: [\n".into(), "not valid YAML"),
        (
            "no-cluster",
            kind.replace("cluster: kind-kapi\n", "cluster: gone\n"),
            "context \"kind-kapi\" names cluster \"gone\", which is not in the kubeconfig",
        ),
        (
            "no-user",
            kind.replace("    user: kind-kapi\n", "    user: ghost\n"),
            "context \"kind-kapi\" names user \"ghost\", which is not in the kubeconfig",
        ),
        (
            "ca-not-pem",
            kind.replace(
                &field("certificate-authority-data:"),
                &format!(
                    "    certificate-authority-data: {}",
                    b64(b"not a certificate")
                ),
            ),
            "certificate-authority-data: no PEM CERTIFICATE block found",
        ),
        (
            "ca-not-base64",
            kind.replace(
                &field("certificate-authority-data:"),
                "    certificate-authority-data: '!!!'",
            ),
            "cluster \"kind-kapi\" has certificate-authority-data that is not valid base64",
        ),
        (
            "mismatched-key",
            kind.replace(
                &field("client-key-data:"),
                &format!(
                    "    client-key-data: {}",
                    b64(&fixture_bytes("pki/server.key"))
                ),
            ),
            "the private key does not belong to the certificate",
        ),
        (
            "bad-key",
            kind.replace(
                &field("client-key-data:"),
                &format!(
                    "    client-key-data: {}",
                    b64(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
                ),
            ),
            "the private key cannot be used",
        ),
        (
            "unreadable-key",
            kind.replace(
                &field("client-key-data:"),
                "    client-key: /nonexistent/admin.key",
            ),
            "failed to read client key file \"/nonexistent/admin.key\"",
        ),
        (
            "expired-cert",
            kind.replace(
                &field("client-certificate-data:"),
                &format!(
                    "    client-certificate-data: {}",
                    b64(&fixture_bytes("pki/expired.crt"))
                ),
            )
            .replace(
                &field("client-key-data:"),
                &format!(
                    "    client-key-data: {}",
                    b64(&fixture_bytes("pki/expired.key"))
                ),
            ),
            "the certificate expired on 2001-01-01",
        ),
        (
            "no-context",
            kind.replace("current-context: kind-kapi\n", ""),
            "no current-context in kubeconfig",
        ),
    ];
    for (name, text, says) in cases {
        let path = files.write(name, &text);
        let (code, stdout, stderr) = run(kapi_bare()
            .env("KUBECONFIG", &path)
            .args(["get", "pods", "-v=8"]));
        assert_eq!(code, 1, "{name}: {stderr}");
        assert!(stderr.contains(says), "{name}: {stderr}");
        if name != "unreadable-key" {
            assert!(
                stderr.contains(&path.display().to_string()),
                "{name} names the file: {stderr}"
            );
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_no_secret(&[&stdout, &stderr]);
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn exec_plugin_client_certificate_and_cluster_info() {
    let server = FakeApiServer::start();
    let files = Files::new();
    let info = files.0.path().join("info.json");
    let json_pem = |path: &str| {
        serde_json::Value::from(String::from_utf8(fixture_bytes(path)).unwrap()).to_string()
    };
    let credential = format!(
        r#"{{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{{"clientCertificateData":{},"clientKeyData":{}}}}}"#,
        json_pem("pki/admin.crt"),
        json_pem("pki/admin.key")
    );
    std::fs::write(files.0.path().join("credential.json"), &credential).unwrap();
    let plugin = files.write(
        "plugin.sh",
        &format!(
            "printf '%s' \"$KUBERNETES_EXEC_INFO\" > {info}\ncat {dir}/credential.json\n",
            info = info.display(),
            dir = files.0.path().display()
        ),
    );
    let user = exec_user(&plugin.display().to_string()).replace(
        "      interactiveMode: Never\n",
        "      interactiveMode: Never\n      provideClusterInfo: true\n",
    );
    let config = files.write(
        "exec",
        &kubeconfig_with(&server, &fixture("pki/ca.crt"), "", &user),
    );
    let (code, stdout, stderr) = run(kapi_bare()
        .env("KUBECONFIG", &config)
        .args(["auth", "whoami", "-v=8"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("kubernetes-admin"), "{stdout}");
    assert_no_secret(&[&stdout, &stderr]);
    let info: serde_json::Value = serde_json::from_slice(&std::fs::read(&info).unwrap()).unwrap();
    assert_eq!(info["kind"], "ExecCredential");
    assert_eq!(info["spec"]["interactive"], false);
    assert_eq!(info["spec"]["cluster"]["server"], server.url());
    assert!(info["spec"]["cluster"]["certificate-authority-data"]
        .as_str()
        .unwrap()
        .starts_with("LS0t"));
    // interactiveMode: Always cannot be honoured without a terminal.
    let always = exec_user("x").replace("interactiveMode: Never", "interactiveMode: Always");
    let config = files.write(
        "always",
        &kubeconfig_with(&server, &fixture("pki/ca.crt"), "", &always),
    );
    let (code, _, stderr) = run(kapi_bare().env("KUBECONFIG", &config).args(["get", "pods"]));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("interactiveMode Always, but kapi never gives an exec plugin a terminal"),
        "{stderr}"
    );
}

#[test]
fn token_file_basic_auth_and_insecure_from_the_kubeconfig() {
    let server = FakeApiServer::start();
    let files = Files::new();
    std::fs::write(files.0.path().join("token"), server.token()).unwrap();
    // A relative tokenFile is relative to the kubeconfig's directory.
    let config = files.write(
        "tf",
        &kubeconfig_with(
            &server,
            &fixture("pki/ca.crt"),
            "",
            "    tokenFile: token\n",
        ),
    );
    let (code, _, stderr) = run(kapi_bare()
        .env("KUBECONFIG", &config)
        .current_dir("/")
        .args(["get", "pods"]));
    assert_eq!(code, 0, "{stderr}");
    // Basic credentials: sent as the apiserver would get them (the fake
    // has no basic authenticator: 401), masked in the trace.
    let config = files.write(
        "basic",
        &kubeconfig_with(
            &server,
            &fixture("pki/ca.crt"),
            "",
            "    username: admin\n    password: s3cr3t-password\n",
        ),
    );
    let (code, _, stderr) = run(kapi_bare()
        .env("KUBECONFIG", &config)
        .args(["get", "pods", "-v=8"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("Authorization: Basic <masked>"), "{stderr}");
    assert_no_secret(&[&stderr]);
    let last = server.requests().pop().unwrap();
    assert_eq!(
        last.header("authorization"),
        Some("Basic YWRtaW46czNjcjN0LXBhc3N3b3Jk")
    );
    // insecure-skip-tls-verify in the kubeconfig warns as the flag does.
    let config = files.write(
        "insecure",
        &kubeconfig_with(
            &server,
            &fixture("pki/other-ca.crt"),
            "    insecure-skip-tls-verify: true\n",
            &format!("    token: {}\n", server.token()),
        ),
    );
    let (code, _, stderr) = run(kapi_bare().env("KUBECONFIG", &config).args(["get", "pods"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.starts_with("warning: the kubeconfig sets insecure-skip-tls-verify"),
        "{stderr}"
    );
}
