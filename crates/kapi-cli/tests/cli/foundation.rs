//! Issue 2: in-cluster config, TLS, errors, `get --raw`, `raw`, `version`, `-v`.

use std::time::{Duration, Instant};

use kapi_fake::{silent_server, FakeApiServer};

use crate::util::*;

const DS_PATH: &str = "/apis/apps/v1/namespaces/test/daemonsets/gateway";
const DS_FIXTURE: &str = "api/apis/apps/v1/namespaces/test/daemonsets/gateway.json";

#[test]
fn get_raw_prints_the_daemonset_exactly_as_received() {
    let server = FakeApiServer::start();
    let out = kapi(&server)
        .args(["get", "--raw", &format!("{DS_PATH}?resourceVersion=0")])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, fixture_bytes(DS_FIXTURE));
    assert!(out.stderr.is_empty());
    let req = &server.requests()[0];
    assert_eq!(req.path, DS_PATH);
    assert_eq!(req.query_param("resourceVersion"), Some("0"));
    assert_eq!(req.header("accept"), Some("application/json, */*"));
    let ua = req.header("user-agent").unwrap();
    assert!(
        ua.starts_with(&format!("kapi/{} (linux/", env!("CARGO_PKG_VERSION"))),
        "{ua}"
    );
    assert_eq!(
        req.header("authorization"),
        Some(format!("Bearer {}", server.token()).as_str())
    );
}

#[test]
fn ipv6_host_is_bracketed() {
    let server = FakeApiServer::builder().bind_ipv6().build();
    kapi(&server)
        .env("KUBERNETES_SERVICE_HOST", "::1")
        .args(["get", "--raw", DS_PATH])
        .assert()
        .success()
        .stdout(fixture_bytes(DS_FIXTURE));
}

#[test]
fn dns_name_host_is_verified_against_the_certificate() {
    let server = FakeApiServer::start();
    kapi(&server)
        .env("KUBERNETES_SERVICE_HOST", "localhost")
        .args(["get", "--raw", DS_PATH])
        .assert()
        .success()
        .stdout(fixture_bytes(DS_FIXTURE));
}

#[test]
fn wrong_ca_is_a_tls_error_naming_the_ca_file() {
    let server = FakeApiServer::start();
    let dir = sa_dir_with(&server, "ca.crt", &fixture_bytes("pki/other-ca.crt"));
    let out = kapi(&server)
        .env("KAPI_SERVICEACCOUNT_DIR", dir.path())
        .args(["get", "--raw", DS_PATH])
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.is_empty());
    assert!(
        stderr.starts_with("error: Unable to connect to the server https://127.0.0.1:"),
        "{stderr}"
    );
    assert!(stderr.contains("UnknownIssuer"), "{stderr}");
    assert!(
        stderr.contains(&dir.path().join("ca.crt").display().to_string()),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn expired_server_certificate_is_rejected() {
    let server = FakeApiServer::builder().expired_cert().build();
    let out = kapi(&server)
        .args(["get", "--raw", DS_PATH])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("expired"), "{stderr}");
}

#[test]
fn missing_env_vars_give_client_go_message() {
    let out = kapi_bare()
        .args(["get", "--raw", "/version"])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1));
    // Neither a kubeconfig nor a pod: both reasons, kube-rs's InferConfigError shape.
    let home = std::env::temp_dir().join(".kube/config");
    assert_eq!(
        stderr,
        format!(
            "error: failed to infer config: kubeconfig: (KUBECONFIG is not set and {} does not \
             exist), in-cluster: (unable to load in-cluster configuration, \
             KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined)\n",
            home.display()
        )
    );
}

#[test]
fn empty_port_is_not_in_cluster_and_bad_port_is_named() {
    let server = FakeApiServer::start();
    let out = kapi(&server)
        .env("KUBERNETES_SERVICE_PORT", "")
        .args(["version"])
        .output()
        .unwrap();
    assert!(output_text(&out).1.contains("must be defined"));
    let out = kapi(&server)
        .env("KUBERNETES_SERVICE_PORT", "https")
        .args(["version"])
        .output()
        .unwrap();
    assert_eq!(
        output_text(&out).1,
        "error: invalid KUBERNETES_SERVICE_PORT \"https\": expected a port number from 1 to 65535\n"
    );
}

#[test]
fn empty_token_file_is_named() {
    let server = FakeApiServer::start();
    let dir = sa_dir_with(&server, "token", b"\n");
    let out = kapi(&server)
        .env("KAPI_SERVICEACCOUNT_DIR", dir.path())
        .args(["get", "--raw", DS_PATH])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        output_text(&out).1,
        format!(
            "error: read empty token from file {:?}\n",
            dir.path().join("token")
        )
    );
    assert!(server.requests().is_empty(), "no request without a token");
}

#[test]
fn token_rotated_by_the_kubelet_is_used_by_the_next_run() {
    let server = FakeApiServer::start();
    kapi(&server)
        .args(["get", "--raw", DS_PATH])
        .assert()
        .success();
    let old = server.token();
    server.rotate_token("rotated-token-for-the-next-run");
    kapi(&server)
        .args(["get", "--raw", DS_PATH])
        .assert()
        .success();
    let auth: Vec<String> = server
        .requests()
        .iter()
        .filter_map(|r| r.header("authorization").map(str::to_string))
        .collect();
    assert_eq!(
        auth,
        [
            format!("Bearer {old}"),
            "Bearer rotated-token-for-the-next-run".to_string()
        ]
    );
}

#[test]
fn not_found_reads_like_kubectl() {
    let server = FakeApiServer::start();
    kapi(&server)
        .args([
            "get",
            "--raw",
            "/apis/apps/v1/namespaces/test/daemonsets/nope",
        ])
        .assert()
        .code(1)
        .stdout("")
        .stderr("Error from server (NotFound): daemonsets.apps \"nope\" not found\n");
}

#[test]
fn forbidden_reads_like_kubectl() {
    let server = FakeApiServer::start();
    kapi(&server)
        .args(["get", "--raw", "/api/v1/namespaces/kube-system/secrets/admin"])
        .assert()
        .code(1)
        .stderr(
            "Error from server (Forbidden): secrets \"admin\" is forbidden: User \
             \"system:serviceaccount:test:kapi\" cannot get resource \"secrets\" in API group \"\" in \
             the namespace \"kube-system\"\n",
        );
}

#[test]
fn unauthorized_reads_like_kubectl() {
    let server = FakeApiServer::start();
    let dir = sa_dir_with(&server, "token", b"not-the-token");
    kapi(&server)
        .env("KAPI_SERVICEACCOUNT_DIR", dir.path())
        .args(["get", "--raw", DS_PATH])
        .assert()
        .code(1)
        .stderr("error: You must be logged in to the server (Unauthorized)\n");
}

#[test]
fn html_502_from_a_proxy_is_one_readable_line() {
    let server = FakeApiServer::start();
    let html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>nginx</body>\r\n</html>\r\n";
    server.respond("GET", "/version", 502, "text/html", html);
    let out = kapi(&server)
        .args(["get", "--raw", "/version"])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr,
        "Error from server (InternalError): an error on the server (\"<html>\\r\\n<head><title>502 Bad \
         Gateway</title></head>\\r\\n<body>nginx</body>\\r\\n</html>\") has prevented the request from \
         succeeding\n"
    );
}

#[test]
fn verbose_8_masks_the_token() {
    let server = FakeApiServer::start();
    let out = kapi(&server)
        .args(["get", "--raw", DS_PATH, "-v=8"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let (stdout, stderr) = output_text(&out);
    let token = server.token();
    assert!(
        !stderr.contains(&token) && !stdout.contains(&token),
        "token leaked"
    );
    assert!(!stderr.contains("kapi-fixture-token"), "token leaked");
    assert!(
        stderr.contains("\tAuthorization: Bearer <masked>"),
        "{stderr}"
    );
    assert!(
        stderr.contains(r#""Request" verb="GET" url="https://127.0.0.1:"#),
        "{stderr}"
    );
    assert!(
        stderr.contains(r#""Response" status="200 OK" headers=<"#),
        "{stderr}"
    );
    assert!(
        stderr.contains(r#""Response Body" body="{\"kind\":\"DaemonSet\""#),
        "{stderr}"
    );
}

#[test]
fn verbose_6_logs_method_url_status_and_latency_only() {
    let server = FakeApiServer::start();
    let out = kapi(&server)
        .args(["-v", "6", "get", "--raw", "/version"])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(r#""Response" verb="GET" url="https://127.0.0.1:"#),
        "{stderr}"
    );
    assert!(
        stderr.contains(r#"/version" status="200 OK" milliseconds="#),
        "{stderr}"
    );
}

#[test]
fn server_that_never_answers_times_out_instead_of_hanging() {
    let silent = silent_server();
    let server = FakeApiServer::start();
    let started = Instant::now();
    let out = kapi(&server)
        .env("KUBERNETES_SERVICE_PORT", silent.port().to_string())
        .args(["get", "--raw", "/version", "--request-timeout=1s"])
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_eq!(
        stderr,
        format!(
            "error: timed out waiting for the whole request (--request-timeout) for GET \
             https://127.0.0.1:{}/version after 1s\n",
            silent.port()
        )
    );
}

#[test]
fn refused_connection_names_the_server_like_kubectl() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let server = FakeApiServer::start();
    kapi(&server)
        .env("KUBERNETES_SERVICE_PORT", port.to_string())
        .args(["version"])
        .assert()
        .code(1)
        .stderr(format!(
            "The connection to the server 127.0.0.1:{port} was refused - did you specify the right host or port? (gave up after 4 attempts)\n"
        ));
}

#[test]
fn raw_sends_any_method_with_a_body_from_stdin() {
    let server = FakeApiServer::start();
    server.respond(
        "POST",
        "/api/v1/namespaces/test/configmaps",
        201,
        "application/json",
        "{\"kind\":\"ConfigMap\"}\n",
    );
    kapi(&server)
        .args([
            "raw",
            "POST",
            "/api/v1/namespaces/test/configmaps",
            "-f",
            "-",
            "--content-type",
            "application/yaml",
        ])
        .write_stdin("kind: ConfigMap\n")
        .assert()
        .success()
        .stdout("{\"kind\":\"ConfigMap\"}\n");
    let req = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(req.header("content-type"), Some("application/yaml"));
    assert_eq!(req.body_text(), "kind: ConfigMap\n");
}

#[test]
fn raw_reads_the_body_from_a_file() {
    let server = FakeApiServer::start();
    server.respond(
        "PUT",
        "/api/v1/namespaces/test/configmaps/x",
        200,
        "application/json",
        "{}",
    );
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), "{\"a\":1}").unwrap();
    kapi(&server)
        .args(["raw", "PUT", "/api/v1/namespaces/test/configmaps/x", "-f"])
        .arg(file.path())
        .assert()
        .success();
    let req = server
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(req.body_text(), "{\"a\":1}");
}

#[test]
fn version_prints_client_and_server() {
    let server = FakeApiServer::start();
    kapi(&server)
        .arg("version")
        .assert()
        .success()
        .stdout(format!(
            "Client Version: v{}\nServer Version: v1.33.1\n",
            env!("CARGO_PKG_VERSION")
        ));
}

#[test]
fn usage_errors_exit_2_with_a_pointer_to_help() {
    kapi_bare()
        .args(["get", "--bogus"])
        .assert()
        .code(2)
        .stderr("error: unknown flag: --bogus\nSee 'kapi get --help' for usage.\n");
    kapi_bare().args(["frobnicate"]).assert().code(2).stderr(
        "error: unknown command \"frobnicate\" for \"kapi\"\nSee 'kapi --help' for usage.\n",
    );
    kapi_bare()
        .args(["get", "--raw", "/version", "pods"])
        .assert()
        .code(2)
        .stderr("error: arguments may not be passed when --raw is specified\nSee 'kapi get --help' for usage.\n");
    kapi_bare()
        .args(["get", "--raw", "version"])
        .assert()
        .code(2)
        .stderr("error: --raw must be a valid URL path\nSee 'kapi get --help' for usage.\n");
}

#[test]
fn every_command_has_help() {
    for cmd in [
        &["--help"][..],
        &["get", "--help"],
        &["raw", "-h"],
        &["version", "--help"],
    ] {
        let out = kapi_bare().args(cmd).output().unwrap();
        assert!(out.status.success(), "{cmd:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage:"),
            "{cmd:?}"
        );
    }
}

#[test]
fn help_command_prints_the_commands_own_help_as_kubectl() {
    let own = |args: &[&str]| {
        let out = kapi_bare().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    for (help, command) in [
        (&["help", "get"][..], &["get", "--help"][..]),
        (&["help", "get", "pods"], &["get", "--help"]),
        (&["help", "auth", "can-i"], &["auth", "can-i", "--help"]),
        (&["help", "config", "view"], &["config", "view", "--help"]),
        (&["help", "wait"], &["wait", "--help"]),
    ] {
        assert_eq!(own(help), own(command), "{help:?}");
    }
    assert_ne!(own(&["help", "get"]), own(&["help", "wait"]));
    // As kubectl: an unknown topic is named on stderr, then the overview; exit 0.
    let out = kapi_bare().args(["help", "frobnicate"]).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("Unknown help topic [`frobnicate`]\n"),
        "{stderr}"
    );
    assert!(stderr.contains("Commands:"), "{stderr}");
}

#[test]
fn no_arguments_print_the_overview_and_exit_0_as_kubectl() {
    let out = kapi_bare().output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let overview = String::from_utf8(out.stdout).unwrap();
    assert!(overview.contains("Commands:") && overview.contains("Usage:"));
    assert_eq!(
        overview,
        String::from_utf8(kapi_bare().arg("--help").output().unwrap().stdout).unwrap()
    );
}

#[test]
fn closed_stdout_pipe_is_not_an_error() {
    let server = FakeApiServer::start();
    let big = format!("{{\"items\":\"{}\"}}", "x".repeat(4 << 20));
    server.respond("GET", "/big", 200, "application/json", &big);
    let kapi_bin = assert_cmd::cargo::cargo_bin("kapi");
    let mut sh = std::process::Command::new("bash");
    sh.arg("-c")
        .arg("set -o pipefail; \"$KAPI\" get --raw /big | head -c 10 >/dev/null")
        .env("KAPI", kapi_bin);
    for (k, v) in server.env() {
        sh.env(k, v);
    }
    let out = sh.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn insecure_skip_tls_verify_says_so_on_stderr() {
    let server = FakeApiServer::start();
    let dir = sa_dir_with(&server, "ca.crt", &fixture_bytes("pki/other-ca.crt"));
    let out = kapi(&server)
        .env("KAPI_SERVICEACCOUNT_DIR", dir.path())
        .args(["get", "--raw", "/version", "--insecure-skip-tls-verify"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(output_text(&out)
        .1
        .starts_with("warning: --insecure-skip-tls-verify"));
}

#[test]
fn proxy_env_vars_are_ignored_in_cluster() {
    let server = FakeApiServer::start();
    kapi(&server)
        .env("HTTPS_PROXY", "http://127.0.0.1:1")
        .env("ALL_PROXY", "http://127.0.0.1:1")
        .args(["get", "--raw", "/version"])
        .assert()
        .success();
}
