//! Issue 15 item 3: `kapi logs` against the fake's pod log endpoint, its
//! output compared with kubectl's (tests/golden/logs), and `-f` streamed:
//! lines as they are written, several containers at once, a silent
//! connection resumed without repeating a line, retries while a container
//! is being created, and memory that stays flat on an endless stream.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use kapi_fake::{FakeApiServer, Recorded};
use serde_json::json;

use crate::util::*;

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/logs");

/// The cases kapi treats as usage errors (exit 2) where kubectl exits 1.
const USAGE_CASES: &[&str] = &["no_arguments", "selector_and_name", "bad_since"];

fn golden(name: &str, ext: &str) -> String {
    crate::util::golden_case(GOLDEN, name, ext)
}

/// kubectl's stderr as kapi words it on purpose (see the README there).
fn as_kapi(stderr: &str) -> String {
    stderr
        .replace(
            "See 'kubectl logs -h' for help and examples",
            "See 'kapi logs --help' for usage.",
        )
        .replace(
            "See 'kubectl logs --help' for usage.",
            "See 'kapi logs --help' for usage.",
        )
        .replace(
            "container nope is not valid for pod db-0\n",
            "container nope is not valid for pod db-0 out of: postgres, metrics\n",
        )
}

#[test]
fn output_matches_kubectl_golden_files() {
    let server = FakeApiServer::start();
    let cases = std::fs::read_to_string(format!("{GOLDEN}/cases")).unwrap();
    for line in cases.lines().filter(|l| !l.trim().is_empty()) {
        let mut words = line.split_whitespace();
        let name = words.next().unwrap();
        let args: Vec<&str> = words.collect();
        let out = kapi(&server)
            .args(["logs", "-n", "test"])
            .args(&args)
            .output()
            .unwrap();
        let (stdout, stderr) = output_text(&out);
        assert_eq!(stdout, golden(name, "stdout"), "{name}: stdout");
        assert_eq!(stderr, as_kapi(&golden(name, "stderr")), "{name}: stderr");
        let kubectl: i32 = golden(name, "code").trim().parse().unwrap();
        let expected = if USAGE_CASES.contains(&name) {
            2
        } else {
            kubectl
        };
        assert_eq!(out.status.code(), Some(expected), "{name}: exit code");
    }
}

fn log_requests(server: &FakeApiServer) -> Vec<Recorded> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/log"))
        .collect()
}

fn ok(server: &FakeApiServer, args: &[&str]) -> (String, String) {
    let out = kapi(server).args(args).output().unwrap();
    let (stdout, stderr) = output_text(&out);
    assert!(out.status.success(), "kapi {args:?}: {stderr}");
    (stdout, stderr)
}

#[test]
fn requests_carry_the_options_as_kubectl_sends_them() {
    let server = FakeApiServer::start();
    ok(
        &server,
        &[
            "logs",
            "db-0",
            "-c",
            "metrics",
            "--tail=3",
            "--since=90s",
            "--timestamps",
            "--limit-bytes=100",
        ],
    );
    let r = log_requests(&server).pop().unwrap();
    assert_eq!(r.path, "/api/v1/namespaces/test/pods/db-0/log");
    assert_eq!(
        r.query,
        [
            ("container", "metrics"),
            ("limitBytes", "100"),
            ("sinceSeconds", "90"),
            ("tailLines", "3"),
            ("timestamps", "true")
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
    ok(
        &server,
        &[
            "logs",
            "gateway-b8n4q",
            "-p",
            "--since-time=2025-12-31T19:00:00+01:00",
        ],
    );
    let r = log_requests(&server).pop().unwrap();
    assert_eq!(r.query_param("previous"), Some("true"));
    assert_eq!(r.query_param("sinceTime"), Some("2025-12-31T18:00:00Z"));
    // A selector reads the last 10 lines of each pod unless told otherwise.
    ok(&server, &["logs", "-l", "app=db", "--all-containers"]);
    let requests = log_requests(&server);
    let last_two = &requests[requests.len() - 2..];
    assert!(last_two
        .iter()
        .all(|r| r.query_param("tailLines") == Some("10")));
}

#[test]
fn several_containers_and_pods_come_in_a_fixed_order() {
    let server = FakeApiServer::start();
    let (stdout, stderr) = ok(&server, &["logs", "db-0", "--all-containers", "--prefix"]);
    assert_eq!(stderr, "");
    let sources: Vec<&str> = stdout
        .lines()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        sources,
        [
            "[pod/db-0/postgres]",
            "[pod/db-0/postgres]",
            "[pod/db-0/postgres]",
            "[pod/db-0/postgres]",
            "[pod/db-0/metrics]"
        ]
    );
    // --all-pods: the best pod first (kubectl's ByLogging), all prefixed.
    server.set_log("test", "gateway-zt9xw", "gateway", "");
    server.update(
        "/api/v1/namespaces/test/pods/gateway-zt9xw",
        json!({"status": {"containerStatuses": [
            {"name": "gateway", "state": {"running": {"startedAt": "2025-12-31T23:59:00Z"}}}
        ]}}),
    );
    let (stdout, _) = ok(&server, &["logs", "ds/gateway", "--all-pods", "--tail=1"]);
    assert_eq!(
        stdout,
        "[pod/gateway-x7k2p/gateway] GET /healthz 200 0.3ms\n\
         [pod/gateway-b8n4q/gateway] GET /healthz 200 0.4ms\n"
    );
}

#[test]
fn the_default_container_annotation_is_read() {
    let server = FakeApiServer::start();
    server.update(
        "/api/v1/namespaces/test/pods/db-0",
        json!({"metadata": {"annotations": {"kubectl.kubernetes.io/default-container": "metrics"}}}),
    );
    let (stdout, stderr) = ok(&server, &["logs", "db-0"]);
    assert_eq!(stderr, "");
    assert!(stdout.contains("Listening on address"), "{stdout}");
}

/// A running `kapi`, its stdout read line by line on a thread.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Running {
    fn start(server: &FakeApiServer, args: &[&str], env: &[(&str, &str)]) -> Running {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("kapi"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", std::env::temp_dir());
        for (k, v) in server.env() {
            cmd.env(k, v);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running { child, lines }
    }

    /// The next `n` lines, within 10 s.
    fn next(&self, n: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                self.lines
                    .recv_timeout(Duration::from_secs(10))
                    .unwrap_or_else(|e| panic!("line {i} of {n}: {e}"))
            })
            .collect()
    }

    /// Waits for the exit: (code, stderr); what stdout still had must be `rest`.
    fn finish(mut self, rest: &[&str]) -> (i32, String) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "kapi did not exit");
            std::thread::sleep(Duration::from_millis(10));
        };
        let left: Vec<String> = self.lines.try_iter().collect();
        assert_eq!(left, rest);
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (status.code().unwrap_or(-1), stderr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn follow_prints_lines_as_they_are_written() {
    let server = FakeApiServer::start();
    let run = Running::start(&server, &["logs", "-f", "job/migrate", "--tail=1"], &[]);
    assert_eq!(run.next(1), ["applying 44_drop_legacy_flags.sql"]);
    assert!(server.wait_for_log_followers(1, Duration::from_secs(10)));
    server.append_log("test", "migrate-x8k2m", "migrate", "schema at 44\n");
    assert_eq!(run.next(1), ["schema at 44"]);
    server.append_log("test", "migrate-x8k2m", "migrate", "done\nbye\n");
    assert_eq!(run.next(2), ["done", "bye"]);
    server.finish_log("test", "migrate-x8k2m", "migrate");
    assert_eq!(run.finish(&[]), (0, String::new()));
    let r = log_requests(&server).pop().unwrap();
    assert_eq!(r.query_param("follow"), Some("true"));
    // Asked for so that a silent stream can be resumed; not printed.
    assert_eq!(r.query_param("timestamps"), Some("true"));
    assert_eq!(r.query_param("tailLines"), Some("1"));
}

#[test]
fn follow_reads_several_containers_at_once() {
    let server = FakeApiServer::start();
    let run = Running::start(
        &server,
        &["logs", "-f", "db-0", "--all-containers", "--tail=0"],
        &[],
    );
    assert!(server.wait_for_log_followers(2, Duration::from_secs(10)));
    server.append_log("test", "db-0", "metrics", "scrape ok\n");
    assert_eq!(run.next(1), ["scrape ok"]);
    server.append_log("test", "db-0", "postgres", "checkpoint starting\n");
    assert_eq!(run.next(1), ["checkpoint starting"]);
    server.finish_log("test", "db-0", "metrics");
    server.append_log("test", "db-0", "postgres", "checkpoint complete\n");
    assert_eq!(run.next(1), ["checkpoint complete"]);
    server.finish_log("test", "db-0", "postgres");
    assert_eq!(run.finish(&[]), (0, String::new()));
}

#[test]
fn a_silent_stream_is_resumed_after_the_last_line() {
    let server = FakeApiServer::start();
    server.set_log("test", "migrate-x8k2m", "migrate", "one\ntwo\n");
    let run = Running::start(
        &server,
        &["logs", "-f", "migrate-x8k2m", "--prefix"],
        &[("KAPI_LOGS_IDLE_TIMEOUT", "1s")],
    );
    let prefixed = |s: &str| format!("[pod/migrate-x8k2m/migrate] {s}");
    assert_eq!(run.next(2), [prefixed("one"), prefixed("two")]);
    // Silence: after a second kapi drops the connection and asks again
    // from the last line's second (so "one" and "two" come again).
    let deadline = Instant::now() + Duration::from_secs(10);
    while log_requests(&server).len() < 2 {
        assert!(Instant::now() < deadline, "no second request");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(server.wait_for_log_followers(1, Duration::from_secs(10)));
    server.append_log("test", "migrate-x8k2m", "migrate", "three\n");
    assert_eq!(run.next(1), [prefixed("three")]);
    server.finish_log("test", "migrate-x8k2m", "migrate");
    assert_eq!(run.finish(&[]), (0, String::new()));
    let requests = log_requests(&server);
    let resumed = &requests[1];
    assert_eq!(
        resumed.query_param("sinceTime"),
        Some("2026-01-01T00:00:00Z")
    );
    assert_eq!(resumed.query_param("follow"), Some("true"));
}

#[test]
fn follow_waits_for_a_container_being_created() {
    let server = FakeApiServer::start();
    server.set_log(
        "test",
        "gateway-zt9xw",
        "gateway",
        "gateway 1.4.2 listening on :8443\n",
    );
    let run = Running::start(&server, &["logs", "-f", "gateway-zt9xw"], &[]);
    // The second try shows the first was refused (and answered).
    let deadline = Instant::now() + Duration::from_secs(10);
    while log_requests(&server).len() < 2 {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(20));
    }
    server.update(
        "/api/v1/namespaces/test/pods/gateway-zt9xw",
        json!({"status": {"phase": "Running", "containerStatuses": [
            {"name": "gateway", "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}
        ]}}),
    );
    assert_eq!(run.next(1), ["gateway 1.4.2 listening on :8443"]);
    server.finish_log("test", "gateway-zt9xw", "gateway");
    let (code, stderr) = run.finish(&[]);
    assert_eq!(code, 0);
    assert!(
        stderr.starts_with(
            "Error from server (BadRequest): container \"gateway\" in pod \"gateway-zt9xw\" is waiting to start: ContainerCreating\n"
        ),
        "{stderr}"
    );
}

#[test]
fn a_controller_without_pods_waits_for_one() {
    let server = FakeApiServer::start();
    server.put_object(
        "/apis/batch/v1/namespaces/test/jobs/report",
        json!({"spec": {"selector": {"matchLabels": {"job-name": "report"}},
               "template": {"spec": {"containers": [{"name": "report", "image": "r"}]}}}}),
    );
    let run = Running::start(&server, &["logs", "job/report"], &[]);
    assert!(server.wait_for_watches(1, Duration::from_secs(10)));
    server.set_log("test", "report-abcde", "report", "report ready\n");
    server.put_object(
        "/api/v1/namespaces/test/pods/report-abcde",
        json!({"metadata": {"labels": {"job-name": "report"}},
               "spec": {"containers": [{"name": "report", "image": "r"}]},
               "status": {"phase": "Succeeded", "containerStatuses": [
                   {"name": "report", "state": {"terminated": {"exitCode": 0}}}]}}),
    );
    assert_eq!(run.next(1), ["report ready"]);
    assert_eq!(run.finish(&[]), (0, String::new()));
}

/// Resident memory of `pid`, from /proc.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn an_endless_stream_is_read_in_constant_memory() {
    let server = FakeApiServer::start();
    server.endless_log("test", "migrate-x8k2m", "migrate");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("kapi"))
        .env_clear()
        .envs(server.env())
        .args(["logs", "-f", "migrate-x8k2m", "--prefix"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut stdout = child.stdout.take().unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let mut read = 0usize;
    let mut at = |mb: usize| {
        while read < mb << 20 {
            let n = stdout.read(&mut buf).unwrap();
            assert!(n > 0, "the stream ended after {read} bytes");
            read += n;
        }
        rss_kib(pid)
    };
    let early = at(8);
    let late = at(200);
    eprintln!("kapi logs -f: RSS {early} KiB after 8 MiB, {late} KiB after 200 MiB");
    let _ = child.kill();
    let _ = child.wait();
    // 192 MB more went through; the process grew by (almost) nothing.
    assert!(
        late < early + 1024,
        "RSS grew from {early} KiB to {late} KiB while streaming"
    );
}
