//! Issue 9: faults, bad input and secrets. Each input kapi can be handed
//! wrong (env vars, service-account files, flags, selectors, templates,
//! names, durations, manifests, server bodies) goes through the real
//! binary: the documented exit code, a message naming the input, no panic,
//! no token on any output, and an end within the command's timeout.
//!
//! The regression tests for the messages that pointed the wrong way come
//! first; the table-driven matrix follows.

use std::path::Path;
use std::time::{Duration, Instant};

use kapi_fake::FakeApiServer;

use crate::util::*;

// ---------------------------------------------------------------------------
// Regression tests: messages that pointed the wrong way.

fn run_with_sa(server: &FakeApiServer, dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = kapi(server)
        .env("KAPI_SERVICEACCOUNT_DIR", dir)
        .args(args)
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&out);
    (out.status.code(), stdout, stderr)
}

#[test]
fn a_token_with_a_nul_byte_names_the_token_file_not_the_connection() {
    let server = FakeApiServer::start();
    let mut token = server.token().into_bytes();
    token.insert(5, 0);
    let dir = sa_dir_with(&server, "token", &token);
    let (code, _, stderr) = run_with_sa(&server, dir.path(), &["get", "pods"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        format!(
            "error: invalid token file {:?}: it holds a control character (0x00 at byte 5); \
             a bearer token is one line of printable ASCII: write the token alone to the file\n",
            dir.path().join("token")
        )
    );
    assert!(!stderr.contains(&server.token()[..5]));
}

#[test]
fn a_huge_token_file_is_refused_naming_the_file_and_its_size() {
    let server = FakeApiServer::start();
    let dir = sa_dir_with(&server, "token", &vec![b'a'; 1 << 20]);
    let (code, _, stderr) = run_with_sa(&server, dir.path(), &["get", "pods"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        format!(
            "error: invalid token file {:?}: it is 1048576 bytes, more than the {} kapi \
             accepts (a service-account token is 1-2 KB); point kapi at the token file\n",
            dir.path().join("token"),
            kapi::MAX_TOKEN_BYTES
        )
    );
}

#[test]
fn a_truncated_ca_names_the_file_and_the_certificate_in_words() {
    let server = FakeApiServer::start();
    let ca = std::fs::read(server.sa_dir().join("ca.crt")).unwrap();
    let dir = sa_dir_with(&server, "ca.crt", &ca[..ca.len() / 2]);
    let (code, _, stderr) = run_with_sa(&server, dir.path(), &["get", "pods"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        format!(
            "error: failed to load CA bundle {:?}: certificate 1 is cut short: its \
             \"-----END CERTIFICATE-----\" line is missing (is the file truncated?)\n",
            dir.path().join("ca.crt")
        )
    );
}

#[test]
fn a_non_ascii_name_is_asked_for_and_not_found_like_kubectl() {
    let server = FakeApiServer::start();
    for (args, message) in [
        (
            ["get", "pod", "héllo"],
            "Error from server (NotFound): pods \"héllo\" not found\n",
        ),
        (
            ["get", "cm", "a b"],
            "Error from server (NotFound): configmaps \"a b\" not found\n",
        ),
    ] {
        let out = kapi(&server).args(args).output().unwrap();
        let (_, stderr) = output_text(&out);
        assert_eq!((out.status.code(), stderr.as_str()), (Some(1), message));
    }
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert!(
        paths
            .iter()
            .any(|p| p == "/api/v1/namespaces/test/pods/h%C3%A9llo"),
        "{paths:?}"
    );
}

#[test]
fn a_namespace_file_with_a_control_byte_names_the_file() {
    let server = FakeApiServer::start();
    let dir = sa_dir_with(&server, "namespace", b"te\0st\n");
    let out = kapi(&server)
        .env("KAPI_SERVICEACCOUNT_DIR", dir.path())
        .env_remove("POD_NAMESPACE")
        .args(["get", "pods"])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr,
        format!(
            "error: failed to read namespace file {:?}: it holds a control character ('\\0'); \
             write the namespace alone, or set POD_NAMESPACE\n",
            dir.path().join("namespace")
        )
    );
}

// ---------------------------------------------------------------------------
// The matrix.

/// What a case changes in the service-account directory.
#[derive(Clone, Copy)]
enum Sa {
    /// The server's own files.
    Good,
    /// `file` replaced by these bytes.
    File(&'static str, fn(&FakeApiServer) -> Vec<u8>),
    /// `file` removed.
    Missing(&'static str),
    /// `file` is a directory.
    Dir(&'static str),
}

/// Which server the command talks to.
#[derive(Clone, Copy, PartialEq)]
enum Srv {
    Fake,
    /// Accepts TCP and never answers.
    Silent,
}

/// A canned answer: method, path, status, content type, body.
type Canned = (
    &'static str,
    &'static str,
    u16,
    &'static str,
    fn() -> Vec<u8>,
);

struct Case {
    name: &'static str,
    args: &'static [&'static str],
    /// Env overrides; `None` removes the variable. `{port}` is the server's port.
    env: &'static [(&'static str, Option<&'static str>)],
    sa: Sa,
    srv: Srv,
    canned: Option<Canned>,
    stdin: Option<&'static str>,
    code: i32,
    /// A substring of stderr (or stdout on success) naming the input.
    says: &'static str,
}

const fn case(
    name: &'static str,
    args: &'static [&'static str],
    code: i32,
    says: &'static str,
) -> Case {
    Case {
        name,
        args,
        env: &[],
        sa: Sa::Good,
        srv: Srv::Fake,
        canned: None,
        stdin: None,
        code,
        says,
    }
}

impl Case {
    const fn env(mut self, env: &'static [(&'static str, Option<&'static str>)]) -> Case {
        self.env = env;
        self
    }
    const fn sa(mut self, sa: Sa) -> Case {
        self.sa = sa;
        self
    }
    const fn silent(mut self) -> Case {
        self.srv = Srv::Silent;
        self
    }
    const fn canned(mut self, canned: Canned) -> Case {
        self.canned = Some(canned);
        self
    }
    const fn stdin(mut self, stdin: &'static str) -> Case {
        self.stdin = Some(stdin);
        self
    }
}

/// Runs every case (one server for the lot: cases with canned answers use
/// paths of their own) and reports every failure at once.
fn run_matrix(cases: &[Case]) {
    let server = FakeApiServer::start();
    let silent = kapi_fake::silent_server();
    let token = server.token();
    let mut failures = Vec::new();
    for case in cases {
        let dir = match case.sa {
            Sa::Good => None,
            Sa::File(file, content) => Some(sa_dir_with(&server, file, &content(&server))),
            Sa::Missing(file) => {
                let dir = sa_dir_with(&server, file, b"");
                std::fs::remove_file(dir.path().join(file)).unwrap();
                Some(dir)
            }
            Sa::Dir(file) => {
                let dir = sa_dir_with(&server, file, b"");
                std::fs::remove_file(dir.path().join(file)).unwrap();
                std::fs::create_dir(dir.path().join(file)).unwrap();
                Some(dir)
            }
        };
        if let Some((method, path, status, content_type, body)) = case.canned {
            server.respond(method, path, status, content_type, body());
        }
        let mut cmd = kapi(&server);
        if case.srv == Srv::Silent {
            cmd.env("KUBERNETES_SERVICE_PORT", silent.port().to_string());
        }
        if let Some(dir) = &dir {
            cmd.env("KAPI_SERVICEACCOUNT_DIR", dir.path());
        }
        for (name, value) in case.env {
            match value {
                Some(v) => cmd.env(name, v.replace("{port}", &server.port().to_string())),
                None => cmd.env_remove(name),
            };
        }
        cmd.env("RUST_BACKTRACE", "1").args(case.args);
        cmd.write_stdin(case.stdin.unwrap_or(""));
        let started = Instant::now();
        let out = cmd.output().unwrap();
        let elapsed = started.elapsed();
        let (stdout, stderr) = output_text(&out);
        let shown = if case.code == 0 { &stdout } else { &stderr };
        let mut problems = Vec::new();
        if out.status.code() != Some(case.code) {
            problems.push(format!("exit {:?}, want {}", out.status.code(), case.code));
        }
        if !shown.contains(case.says) {
            problems.push(format!("no {:?}", case.says));
        }
        for text in [&stdout, &stderr] {
            if text.contains("panicked")
                || text.contains("RUST_BACKTRACE")
                || text.contains("stack backtrace")
            {
                problems.push("panicked".into());
            }
            if text.contains(&token) {
                problems.push("the token was printed".into());
            }
        }
        if out.stderr.contains(&0x1b) || out.stdout.contains(&0x1b) {
            problems.push("a raw ESC was printed".into());
        }
        if elapsed > Duration::from_secs(20) {
            problems.push(format!("took {elapsed:?}"));
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {}\n  args: {:?}\n  stdout: {}\n  stderr: {}",
                case.name,
                problems.join("; "),
                case.args,
                stdout.chars().take(300).collect::<String>(),
                stderr.chars().take(600).collect::<String>()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

const HOST: &str = "KUBERNETES_SERVICE_HOST";
const PORT: &str = "KUBERNETES_SERVICE_PORT";
/// No pod and no kubeconfig: `Config::infer`'s error names both (issue 10).
const NOT_IN_CLUSTER: &str =
    "in-cluster: (unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined)";

#[test]
fn bad_environment_variables() {
    run_matrix(&[
        case("host empty", &["get", "pods"], 1, NOT_IN_CLUSTER).env(&[(HOST, Some(""))]),
        case("port empty", &["get", "pods"], 1, NOT_IN_CLUSTER).env(&[(PORT, Some(""))]),
        case("both unset", &["get", "pods"], 1, NOT_IN_CLUSTER).env(&[(HOST, None), (PORT, None)]),
        case("port unset", &["version"], 1, NOT_IN_CLUSTER).env(&[(PORT, None)]),
        case(
            "port zero",
            &["get", "pods"],
            1,
            "invalid KUBERNETES_SERVICE_PORT \"0\": expected a port number from 1 to 65535",
        )
        .env(&[(PORT, Some("0"))]),
        case(
            "port out of range",
            &["get", "pods"],
            1,
            "invalid KUBERNETES_SERVICE_PORT \"65536\"",
        )
        .env(&[(PORT, Some("65536"))]),
        case(
            "port huge",
            &["get", "pods"],
            1,
            "invalid KUBERNETES_SERVICE_PORT \"99999999999999999999\"",
        )
        .env(&[(PORT, Some("99999999999999999999"))]),
        case(
            "port negative",
            &["get", "pods"],
            1,
            "invalid KUBERNETES_SERVICE_PORT \"-1\"",
        )
        .env(&[(PORT, Some("-1"))]),
        case(
            "port not a number",
            &["get", "pods"],
            1,
            "invalid KUBERNETES_SERVICE_PORT \"https\"",
        )
        .env(&[(PORT, Some("https"))]),
        case(
            "port with a suffix",
            &["get", "pods"],
            1,
            "invalid KUBERNETES_SERVICE_PORT \"443x\"",
        )
        .env(&[(PORT, Some("443x"))]),
        case(
            "host bracketed IPv6",
            &["get", "pods"],
            1,
            "invalid KUBERNETES_SERVICE_HOST \"[::1]\": expected a host name or an IP address",
        )
        .env(&[(HOST, Some("[::1]"))]),
        case(
            "host IPv6 with a zone",
            &["get", "pods"],
            1,
            "invalid KUBERNETES_SERVICE_HOST \"fe80::1%eth0\"",
        )
        .env(&[(HOST, Some("fe80::1%eth0"))]),
        case(
            "host IPv6 unbracketed, nothing listening",
            &["get", "pods"],
            1,
            "The connection to the server [::1]:",
        )
        .env(&[(HOST, Some("::1"))]),
        case(
            "host with a space",
            &["get", "pods"],
            1,
            "invalid KUBERNETES_SERVICE_HOST \"a b\"",
        )
        .env(&[(HOST, Some("a b"))]),
        case(
            "host as a URL",
            &["get", "pods"],
            1,
            "invalid KUBERNETES_SERVICE_HOST \"https://10.0.0.1\"",
        )
        .env(&[(HOST, Some("https://10.0.0.1"))]),
        case(
            "host with a port",
            &["get", "pods"],
            1,
            "invalid KUBERNETES_SERVICE_HOST \"127.0.0.1:443\"",
        )
        .env(&[(HOST, Some("127.0.0.1:443"))]),
        case(
            "host with a control character",
            &["get", "pods"],
            1,
            "invalid KUBERNETES_SERVICE_HOST \"10.0.0.1\\u{1b}[31m\"",
        )
        .env(&[(HOST, Some("10.0.0.1\u{1b}[31m"))]),
        case(
            "service-account dir missing",
            &["get", "pods"],
            1,
            "failed to read token file \"/nonexistent/sa/token\"",
        )
        .env(&[("KAPI_SERVICEACCOUNT_DIR", Some("/nonexistent/sa"))]),
    ]);
}

fn nul_token(s: &FakeApiServer) -> Vec<u8> {
    let mut t = s.token().into_bytes();
    t.insert(3, 0);
    t
}

#[test]
fn bad_service_account_files() {
    run_matrix(&[
        case(
            "token missing",
            &["get", "pods"],
            1,
            "failed to read token file",
        )
        .sa(Sa::Missing("token")),
        case(
            "token empty",
            &["get", "pods"],
            1,
            "read empty token from file",
        )
        .sa(Sa::File("token", |_| Vec::new())),
        case(
            "token whitespace only",
            &["get", "pods"],
            1,
            "read empty token from file",
        )
        .sa(Sa::File("token", |_| b" \n\t\r\n".to_vec())),
        case(
            "token binary",
            &["get", "pods"],
            1,
            "it holds a non-ASCII byte (0xff at byte 0)",
        )
        .sa(Sa::File("token", |_| vec![0xff, 0xfe, 0, 1, 2])),
        case(
            "token with a NUL",
            &["get", "pods"],
            1,
            "invalid token file",
        )
        .sa(Sa::File("token", nul_token)),
        case(
            "token with ESC",
            &["get", "pods"],
            1,
            "it holds a control character (0x1b at byte 3)",
        )
        .sa(Sa::File("token", |_| b"abc\x1b[31mdef".to_vec())),
        case(
            "token with CR inside",
            &["get", "pods"],
            1,
            "it holds a control character (0x0d at byte 3)",
        )
        .sa(Sa::File("token", |_| b"abc\rdef\n".to_vec())),
        case(
            "token of two lines",
            &["get", "pods"],
            1,
            "it holds a control character (0x0a at byte 3)",
        )
        .sa(Sa::File("token", |_| b"abc\ndef\n".to_vec())),
        case(
            "token huge",
            &["get", "pods"],
            1,
            "it is 1048576 bytes, more than the 65536 kapi accepts",
        )
        .sa(Sa::File("token", |_| vec![b'a'; 1 << 20])),
        case(
            "token a directory",
            &["get", "pods"],
            1,
            "failed to read token file",
        )
        .sa(Sa::Dir("token")),
        case(
            "token wrong",
            &["get", "pods"],
            1,
            "You must be logged in to the server (Unauthorized)",
        )
        .sa(Sa::File("token", |_| b"not-the-token\n".to_vec())),
        case("ca missing", &["get", "pods"], 1, "failed to read CA file").sa(Sa::Missing("ca.crt")),
        case(
            "ca empty",
            &["get", "pods"],
            1,
            "ca.crt\": the file is empty",
        )
        .sa(Sa::File("ca.crt", |_| Vec::new())),
        case(
            "ca garbage",
            &["get", "pods"],
            1,
            "no PEM CERTIFICATE block found",
        )
        .sa(Sa::File("ca.crt", |_| {
            b"this is not a certificate\n".to_vec()
        })),
        case(
            "ca binary",
            &["get", "pods"],
            1,
            "no PEM CERTIFICATE block found",
        )
        .sa(Sa::File("ca.crt", |_| {
            vec![0xff, 0xfe, 0, 0x1b, 0x80, 0x9b]
        })),
        case(
            "ca truncated",
            &["get", "pods"],
            1,
            "certificate 1 is cut short",
        )
        .sa(Sa::File("ca.crt", |s| {
            let ca = std::fs::read(s.sa_dir().join("ca.crt")).unwrap();
            ca[..ca.len() / 2].to_vec()
        })),
        case(
            "ca second certificate truncated",
            &["get", "pods"],
            1,
            "certificate 2 is cut short",
        )
        .sa(Sa::File("ca.crt", |s| {
            let ca = std::fs::read(s.sa_dir().join("ca.crt")).unwrap();
            [&ca[..], &ca[..ca.len() / 2]].concat()
        })),
        case(
            "ca damaged base64",
            &["get", "pods"],
            1,
            "certificate 1 is not valid PEM: its base64 text is damaged",
        )
        .sa(Sa::File("ca.crt", |s| {
            let ca = std::fs::read_to_string(s.sa_dir().join("ca.crt")).unwrap();
            ca.replacen("MI", "M!", 1).into_bytes()
        })),
        case(
            "ca a directory",
            &["get", "pods"],
            1,
            "failed to read CA file",
        )
        .sa(Sa::Dir("ca.crt")),
        case(
            "ca a private key",
            &["get", "pods"],
            1,
            "no PEM CERTIFICATE block found",
        )
        .sa(Sa::File("ca.crt", |_| {
            b"-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n".to_vec()
        })),
        case(
            "ca another CA",
            &["get", "pods"],
            1,
            "the server's certificate is not signed by a CA in",
        )
        .sa(Sa::File("ca.crt", |_| fixture_bytes("pki/other-ca.crt"))),
        case("namespace a directory", &["get", "pods"], 0, "")
            .sa(Sa::Dir("namespace"))
            .env(&[("POD_NAMESPACE", None)]),
        case(
            "namespace with a NUL",
            &["get", "pods"],
            1,
            "failed to read namespace file",
        )
        .sa(Sa::File("namespace", |_| b"te\0st".to_vec()))
        .env(&[("POD_NAMESPACE", None)]),
        case("namespace missing", &["get", "pods", "-o", "name"], 0, "")
            .sa(Sa::Missing("namespace"))
            .env(&[("POD_NAMESPACE", None)]),
    ]);
}

#[test]
fn bad_command_lines() {
    run_matrix(&[
        case(
            "unknown flag",
            &["get", "pods", "--bogus"],
            2,
            "error: unknown flag: --bogus",
        ),
        case(
            "unknown short flag",
            &["get", "pods", "-Z"],
            2,
            "error: unknown flag: -Z",
        ),
        case(
            "unknown command",
            &["frobnicate"],
            2,
            "unknown command \"frobnicate\"",
        ),
        case(
            "-o without a value",
            &["get", "pods", "-o"],
            2,
            "flag needs an argument: -o",
        ),
        case(
            "-n without a value",
            &["get", "pods", "-n"],
            2,
            "flag needs an argument: -n",
        ),
        case(
            "bad -o",
            &["get", "pods", "-o", "bogus"],
            2,
            "output format \"bogus\"",
        ),
        case(
            "empty jsonpath",
            &["get", "pods", "-o", "jsonpath="],
            2,
            "jsonpath format specified but no template given",
        ),
        case(
            "empty custom-columns",
            &["get", "pods", "-o", "custom-columns="],
            2,
            "custom-columns format specified but no template given",
        ),
        case(
            "bad custom-columns",
            &["get", "pods", "-o", "custom-columns=A"],
            2,
            "unexpected custom-columns spec: A",
        ),
        case(
            "bad -v",
            &["get", "pods", "-v", "abc"],
            2,
            "invalid argument \"abc\" for \"-v\" flag",
        ),
        case(
            "-v too high",
            &["get", "pods", "-v=11"],
            2,
            "invalid argument \"11\" for \"-v\" flag",
        ),
        case(
            "bad bool",
            &["get", "pods", "--insecure-skip-tls-verify=maybe"],
            2,
            "invalid argument \"maybe\" for \"--insecure-skip-tls-verify\" flag",
        ),
        case(
            "name with a selector",
            &["get", "pod", "x", "-l", "a=b"],
            2,
            "name cannot be provided when a selector is specified",
        ),
        case(
            "--raw with a type",
            &["get", "pods", "--raw", "/x"],
            2,
            "arguments may not be passed when --raw is specified",
        ),
        case(
            "get without a type",
            &["get"],
            2,
            "You must specify the type of resource to get",
        ),
        case(
            "wait without --for",
            &["wait", "pod/x"],
            2,
            "--for must be given",
        ),
        case(
            "wait with a bad --for",
            &["wait", "pod/x", "--for=bogus"],
            2,
            "unrecognized condition: \"bogus\"",
        ),
        case(
            "delete without arguments",
            &["delete"],
            2,
            "You must provide one or more resources",
        ),
        case("create without -f", &["create"], 2, "must specify -f FILE"),
        case(
            "watch of two types",
            &["get", "pods,svc", "-w"],
            1,
            "watch is only supported on individual resources",
        ),
        case(
            "unknown type",
            &["get", "frobs"],
            1,
            "the server doesn't have a resource type \"frobs\"",
        ),
    ]);
}

#[test]
fn bad_selectors_and_templates() {
    run_matrix(&[
        case("label selector of bangs", &["get", "pods", "-l", "!!"], 1, "unable to parse requirement"),
        case("label selector unclosed set", &["get", "pods", "-l", "a in (b"], 1, "label selector \"a in (b\""),
        case("label selector with ESC", &["get", "pods", "-l", "a=\u{1b}[31m"], 1, "label selector \"a=\\u{1b}[31m\""),
        case("field selector without operator", &["get", "pods", "--field-selector", "x"], 1, "field selector \"x\""),
        case("field selector unknown field", &["get", "pods", "--field-selector", "spec.bogus=x"], 1, "field label not supported: spec.bogus"),
        case("jsonpath unterminated array", &["get", "pods", "-o", "jsonpath={.items["], 1, "failed to parse jsonpath \"{.items[\""),
        case("jsonpath unclosed action", &["get", "pods", "-o", "jsonpath={.a}{"], 1, "unclosed action"),
        case("jsonpath end without range", &["get", "pods", "-o", "jsonpath={end}"], 1, "not in range, nothing to end"),
        case("jsonpath bad filter", &["get", "pods", "-o", "jsonpath={.items[?(@.x==)]}"], 1, "failed to parse jsonpath \"{.items[?(@.x==)]}\""),
        case("jsonpath file missing", &["get", "pods", "-o", "jsonpath-file=/nonexistent/t"], 2, "/nonexistent/t"),
        case("jsonpath deep nesting", &["get", "pods", "-o", "jsonpath={((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((}"], 1, "jsonpath"),
        case("wait jsonpath bad", &["wait", "pod/x", "--for=jsonpath={.a", "--timeout=1s"], 2, "{.a"),
    ]);
}

#[test]
fn bad_object_names() {
    run_matrix(&[
        case(
            "non-ASCII name",
            &["get", "pod", "héllo"],
            1,
            "pods \"héllo\" not found",
        ),
        case(
            "name with a space",
            &["get", "cm", "a b"],
            1,
            "configmaps \"a b\" not found",
        ),
        case(
            "name with ? and #",
            &["get", "pod", "a?b#c"],
            1,
            "pods \"a?b#c\" not found",
        ),
        case(
            "name ..",
            &["get", "pod", ".."],
            1,
            "invalid resource name \"..\": may not be '.' or '..'",
        ),
        case(
            "name empty",
            &["get", "pod", ""],
            1,
            "invalid resource name \"\": may not be empty",
        ),
        case(
            "name with %",
            &["get", "pod", "a%2F"],
            1,
            "invalid resource name \"a%2F\": may not contain '%'",
        ),
        case(
            "name with ESC",
            &["get", "pod", "a\u{1b}b"],
            1,
            "invalid resource name \"a\\u{1b}b\": may not contain control characters",
        ),
        case(
            "name with a slash",
            &["get", "pod/a/b"],
            1,
            "may not contain '/'",
        ),
        case(
            "namespace escaping",
            &["get", "pods", "-n", "../kube-system"],
            1,
            "invalid resource namespace \"../kube-system\": may not contain '/'",
        ),
        case(
            "delete non-ASCII name",
            &["delete", "pod", "héllo"],
            1,
            "pods \"héllo\" not found",
        ),
    ]);
}

#[test]
fn bad_durations() {
    run_matrix(&[
        case(
            "request timeout word",
            &["get", "pods", "--request-timeout", "abc"],
            2,
            "invalid duration \"abc\"",
        ),
        case(
            "request timeout negative",
            &["get", "pods", "--request-timeout=-1s"],
            2,
            "--request-timeout must not be negative",
        ),
        case(
            "request timeout bad unit",
            &["get", "pods", "--request-timeout", "1x"],
            2,
            "invalid duration \"1x\"",
        ),
        case(
            "request timeout huge",
            &["get", "pods", "--request-timeout", "99999999999999h"],
            2,
            "invalid duration \"99999999999999h\"",
        ),
        case(
            "request timeout empty",
            &["get", "pods", "--request-timeout="],
            2,
            "invalid duration \"\"",
        ),
        case(
            "wait timeout word",
            &["wait", "pod/x", "--for=delete", "--timeout", "abc"],
            2,
            "invalid duration \"abc\"",
        ),
        case(
            "wait timeout bad unit",
            &["wait", "pod/x", "--for=delete", "--timeout=1x"],
            2,
            "invalid duration \"1x\"",
        ),
        case(
            "wait timeout huge",
            &["wait", "pod/x", "--for=delete", "--timeout=1e99h"],
            2,
            "invalid duration \"1e99h\"",
        ),
        case(
            "delete timeout word",
            &["delete", "pod", "x", "--timeout", "abc"],
            2,
            "invalid duration \"abc\"",
        ),
        case(
            "stalled server under a request timeout",
            &["get", "pods", "--request-timeout=1s"],
            1,
            "timed out waiting for the whole request (--request-timeout) for GET",
        )
        .silent(),
    ]);
}

#[test]
fn bad_manifests() {
    const CREATE: &[&str] = &["create", "-f", "-"];
    run_matrix(&[
        case("empty", CREATE, 1, "no objects passed to create").stdin(""),
        case("only a separator", CREATE, 1, "no objects passed to create").stdin("---\n"),
        case("a number", CREATE, 1, "error").stdin("42\n"),
        case("a string", CREATE, 1, "error").stdin("\"hello\"\n"),
        case("a list of numbers", CREATE, 1, "error").stdin("[1, 2]\n"),
        case("empty object", CREATE, 1, "error validating \"STDIN\": error validating data: [apiVersion not set, kind not set]").stdin("{}\n"),
        case("no apiVersion", CREATE, 1, "error validating data: [apiVersion not set]").stdin("{\"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"a\"}}"),
        case("no kind", CREATE, 1, "error validating data: [kind not set]").stdin("{\"apiVersion\": \"v1\", \"metadata\": {\"name\": \"a\"}}"),
        case("no name", CREATE, 1, "name").stdin("apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n"),
        case("bad YAML", CREATE, 1, "line").stdin("apiVersion: v1\nkind: [ConfigMap\n"),
        case("tab indentation", CREATE, 1, "error").stdin("apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: a\n"),
        case("JSON with trailing garbage", CREATE, 1, "error").stdin("{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"a\"}} trailing"),
        case("unknown kind", CREATE, 1, "no matches for kind \"Gadget\" in version \"example.com/v1\"")
            .stdin("apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: a\n"),
        case("missing file", &["create", "-f", "/nonexistent/m.yaml"], 1, "/nonexistent/m.yaml"),
        case("a repeated key (strict)", CREATE, 1, "strict decoding error: duplicate field \"metadata.name\"")
            .stdin("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"),
        case("a repeated JSON key (strict)", CREATE, 1, "duplicate field \"kind\"")
            .stdin("{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"kind\": \"Secret\", \"metadata\": {\"name\": \"a\"}}"),
        case("random bytes", &["create", "-f", "/dev/urandom"], 1, "is not UTF-8 text"),
        case("control characters in a name", CREATE, 1, "The ConfigMap \"a\\u{1b}[31m\" is invalid: metadata.name: Invalid value").stdin("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"a\\x1b[31m\"\n"),
    ]);
}

fn status(code: u16, reason: &str, message: &str) -> Vec<u8> {
    serde_json::json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code})
    .to_string()
    .into_bytes()
}

#[test]
fn bad_server_bodies() {
    run_matrix(&[
        case(
            "a continue token that does not advance",
            &["get", "secrets", "-o", "name"],
            1,
            "the server did not advance the list",
        )
        .canned((
            "GET",
            "/api/v1/namespaces/test/secrets",
            200,
            "application/json",
            || br#"{"kind":"SecretList","apiVersion":"v1","metadata":{"continue":"abc","resourceVersion":"1"},"items":[]}"#.to_vec(),
        )),
        case(
            "list items that are not an array",
            &["get", "serviceaccounts", "-o", "name"],
            1,
            "/serviceaccounts",
        )
        .canned((
            "GET",
            "/api/v1/namespaces/test/serviceaccounts",
            200,
            "application/json",
            || br#"{"kind":"ServiceAccountList","apiVersion":"v1","metadata":{},"items":7}"#.to_vec(),
        )),
        case(
            "one list item over 16 MiB",
            &["get", "endpoints", "-o", "name"],
            1,
            "is larger than 16777216 bytes",
        )
        .canned((
            "GET",
            "/api/v1/namespaces/test/endpoints",
            200,
            "application/json",
            || {
                let mut body = br#"{"kind":"EndpointsList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":""#.to_vec();
                body.extend(std::iter::repeat_n(b'x', 17 << 20));
                body.extend_from_slice(br#""}}]}"#);
                body
            },
        )),
        case(
            "not JSON",
            &["get", "pod", "b1"],
            1,
            "failed to decode the response to GET",
        )
        .canned((
            "GET",
            "/api/v1/namespaces/test/pods/b1",
            200,
            "application/json",
            || b"hello".to_vec(),
        )),
        case(
            "truncated JSON",
            &["get", "pod", "b2"],
            1,
            "/pods/b2: EOF while parsing a list",
        )
        .canned((
            "GET",
            "/api/v1/namespaces/test/pods/b2",
            200,
            "application/json",
            || b"{\"kind\": \"Table\", \"rows\": [".to_vec(),
        )),
        case(
            "HTML 502",
            &["get", "pod", "b3"],
            1,
            "an error on the server (\"<html><body>Bad Gateway",
        )
        .canned((
            "GET",
            "/api/v1/namespaces/test/pods/b3",
            502,
            "text/html",
            || b"<html><body>Bad Gateway</body></html>".to_vec(),
        )),
        case(
            "302 without Location",
            &["get", "pod", "b4"],
            1,
            "302 Found without a Location header",
        )
        .canned((
            "GET",
            "/api/v1/namespaces/test/pods/b4",
            302,
            "text/plain",
            || Vec::new(),
        )),
        case(
            "huge error body",
            &["get", "pod", "b5"],
            1,
            "an error on the server (\"xxxx",
        )
        .canned((
            "GET",
            "/api/v1/namespaces/test/pods/b5",
            500,
            "text/plain",
            || vec![b'x'; 8 << 20],
        )),
        case(
            "a never-ending line",
            &["get", "pod", "b6"],
            1,
            "/pods/b6: EOF while parsing a string",
        )
        .canned((
            "GET",
            "/api/v1/namespaces/test/pods/b6",
            200,
            "application/json",
            || {
                let mut body = b"{\"kind\": \"Pod\", \"metadata\": {\"name\": \"".to_vec();
                body.extend(std::iter::repeat_n(b'a', 16 << 20));
                body
            },
        )),
        case(
            "control characters in a 500",
            &["get", "pod", "b7"],
            1,
            "\\x1b[31mboom\\a",
        )
        .canned((
            "GET",
            "/api/v1/namespaces/test/pods/b7",
            500,
            "text/plain",
            || b"\x1b[31mboom\x07\r".to_vec(),
        )),
        case(
            "control characters in a Status",
            &["get", "pod", "b8"],
            1,
            "Error from server (Forbidden): no \\x1b]0;owned\\a",
        )
        .canned((
            "GET",
            "/api/v1/namespaces/test/pods/b8",
            403,
            "application/json",
            || status(403, "Forbidden", "no \u{1b}]0;owned\u{7}"),
        )),
        case(
            "empty 404",
            &["get", "pod", "b9"],
            1,
            "the server could not find the requested resource",
        )
        .canned((
            "GET",
            "/api/v1/namespaces/test/pods/b9",
            404,
            "text/plain",
            || Vec::new(),
        )),
        case(
            "JSON that is not a Status",
            &["get", "pod", "b10"],
            1,
            "Error from server",
        )
        .canned((
            "GET",
            "/api/v1/namespaces/test/pods/b10",
            403,
            "application/json",
            || b"{\"a\": 1}".to_vec(),
        )),
        // A read would be retried with backoff; a write without
        // Retry-After may have been acted on, so it is not sent again.
        case(
            "429 without Retry-After on a write",
            &["create", "-f", "-"],
            1,
            "too many requests",
        )
        .stdin("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b11\n")
        .canned((
            "POST",
            "/api/v1/namespaces/test/configmaps",
            429,
            "text/plain",
            || Vec::new(),
        )),
        case(
            "JSON null",
            &["get", "pod", "b12", "-o", "name"],
            1,
            "failed to decode the response to GET https://127.0.0.1",
        )
        .canned((
            "GET",
            "/api/v1/namespaces/test/pods/b12",
            200,
            "application/json",
            || b"null".to_vec(),
        )),
        case(
            "bad --raw answer keeps the body raw",
            &["get", "--raw", "/bodies/raw"],
            1,
            "Error from server",
        )
        .canned(("GET", "/bodies/raw", 500, "application/json", || {
            status(500, "InternalError", "raw \u{1b}[1m")
        })),
    ]);
}
