//! Cases run twice against the same fake: once by kubectl, to record what
//! it prints, exits with and writes (the golden files in
//! `tests/golden/kubectl/`), and on every test run by kapi, which must do
//! the same. One table of cases drives both, so the scenarios cannot drift.
//!
//! Record again (kubectl on PATH; the `kubectl` here picks the release
//! matching the fake's v1.33.1):
//!
//! ```sh
//! KAPI_RECORD_KUBECTL=1 cargo test -p kapi-cli --test cli -- kubectl_golden
//! ```
//!
//! A case is: objects changed before the command (`before`), the command's
//! arguments, and changes made once its watch is open (`during`), each a
//! JSON merge patch of an object through the fake's test knobs, which is
//! what a controller's update looks like on a watch. What is compared:
//! stdout and stderr byte for byte, the exit code, and every request that
//! is not a read (method, path, query, content type, body: strategic
//! patches byte for byte, other bodies as JSON values), with kubectl's
//! field managers (`kubectl-set`) mapped to kapi's (`kapi-set`) and
//! `restartedAt` times replaced by `NOW`.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kapi_fake::FakeApiServer;
use serde_json::{json, Map, Value};

use crate::running::PATIENCE;

/// A change to the fake: a merge patch of the object at an API path, or
/// `"delete"` to delete it.
pub struct Step(pub &'static str, pub &'static str);

fn apply(server: &FakeApiServer, Step(path, patch): &Step) {
    if *patch == "delete" {
        server.delete_object(path);
    } else {
        server.update(path, serde_json::from_str(patch).unwrap());
    }
}

/// How kapi is expected to differ from kubectl in one case, on purpose.
#[derive(Clone, Copy)]
pub enum Differs {
    /// Not at all.
    No,
    /// Same output, another exit code (kapi's waiting codes).
    Exit(i32),
    /// A usage error: kapi exits 2 and adds its `See 'kapi COMMAND --help'`
    /// line after kubectl's message.
    Usage(&'static str),
}

pub struct Case {
    pub name: &'static str,
    pub before: &'static [Step],
    pub args: &'static [&'static str],
    pub during: &'static [Step],
    pub differs: Differs,
}

/// What one run did.
#[derive(Debug, PartialEq)]
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
    writes: Vec<Value>,
    /// The `User-Agent` it sent (not compared): the kubectl release.
    agent: String,
}

fn golden_path(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/kubectl")
        .join(format!("{file}.json"))
}

/// Checks every case against `tests/golden/kubectl/FILE.json`, or records
/// that file with kubectl when `KAPI_RECORD_KUBECTL` is set.
pub fn check(file: &str, cases: &[Case]) {
    if std::env::var_os("KAPI_RECORD_KUBECTL").is_some() {
        record(file, cases);
        return;
    }
    let text = std::fs::read_to_string(golden_path(file))
        .unwrap_or_else(|e| panic!("{}: {e}", golden_path(file).display()));
    let golden: Value = serde_json::from_str(&text).unwrap();
    let mut failures = Vec::new();
    for case in cases {
        let recorded = &golden["cases"][case.name];
        assert!(
            recorded.is_object(),
            "case {} is not in {file}.json: record it again",
            case.name
        );
        assert_eq!(
            recorded["args"],
            json!(case.args),
            "case {} changed since it was recorded: record it again",
            case.name
        );
        let mut expected = Outcome {
            code: recorded["exit"].as_i64().unwrap() as i32,
            stdout: recorded["stdout"].as_str().unwrap().to_string(),
            stderr: recorded["stderr"].as_str().unwrap().to_string(),
            writes: recorded["writes"].as_array().unwrap().clone(),
            agent: String::new(),
        };
        match case.differs {
            Differs::No => {}
            Differs::Exit(code) => expected.code = code,
            Differs::Usage(command) => {
                expected.code = 2;
                expected
                    .stderr
                    .push_str(&format!("See 'kapi {command} --help' for usage.\n"));
            }
        }
        let actual = run_case(case, false);
        if !same(&expected, &actual) {
            failures.push(format!(
                "case {}: kapi {}\nexpected (kubectl): {expected:#?}\nactual (kapi): {actual:#?}",
                case.name,
                case.args.join(" ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Outcomes compared: strategic merge patches byte for byte, other
/// bodies as JSON (kubectl writes typed objects in Go struct order).
fn same(expected: &Outcome, actual: &Outcome) -> bool {
    let bodies = |o: &Outcome| -> Vec<Value> {
        o.writes
            .iter()
            .map(|w| {
                let mut w = w.clone();
                // What a PUT's body is needs no content type (kubectl's
                // scale client sends none); a PATCH's does.
                if w["method"] != "PATCH" {
                    w["content_type"] = Value::Null;
                }
                let strategic = w["content_type"] == "application/strategic-merge-patch+json";
                if !strategic {
                    let text = w["body"].as_str().unwrap_or_default().to_string();
                    w["body"] = serde_json::from_str(&text).unwrap_or(Value::String(text));
                }
                w
            })
            .collect()
    };
    expected.code == actual.code
        && expected.stdout == actual.stdout
        && expected.stderr == actual.stderr
        && bodies(expected) == bodies(actual)
}

fn record(file: &str, cases: &[Case]) {
    let mut out = Map::new();
    let mut agent = String::new();
    for case in cases {
        let outcome = run_case(case, true);
        if agent.is_empty() {
            agent = outcome.agent.clone();
        }
        out.insert(
            case.name.to_string(),
            json!({
                "args": case.args,
                "exit": outcome.code,
                "stdout": outcome.stdout,
                "stderr": outcome.stderr,
                "writes": outcome.writes,
            }),
        );
    }
    let golden = json!({
        // As its User-Agent says (the kubectl on PATH may dispatch to the
        // release matching the server's version).
        "recorded_with": agent,
        "cases": out,
    });
    let path = golden_path(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, serde_json::to_string_pretty(&golden).unwrap() + "\n").unwrap();
    eprintln!("recorded {}", path.display());
}

/// Runs one case on a fresh fake with kubectl or kapi.
fn run_case(case: &Case, kubectl: bool) -> Outcome {
    let server = FakeApiServer::start();
    for step in case.before {
        apply(&server, step);
    }
    let home = tempfile::tempdir().unwrap();
    let first = server.requests().len();
    let mut cmd = if kubectl {
        let config = home.path().join("kubeconfig");
        std::fs::write(&config, server.kubeconfig()).unwrap();
        let mut cmd = Command::new("kubectl");
        cmd.arg("--kubeconfig").arg(&config);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default());
        cmd
    } else {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("kapi"));
        cmd.env_clear().envs(server.env());
        cmd
    };
    cmd.args(case.args)
        .env("HOME", home.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start the command");
    let mut stdout_pipe = child.stdout.take().unwrap();
    let mut stderr_pipe = child.stderr.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout_pipe.read_to_string(&mut s);
        s
    });
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr_pipe.read_to_string(&mut s);
        s
    });
    if !case.during.is_empty() {
        assert!(
            server.wait_for_watches(1, PATIENCE),
            "case {}: no watch opened",
            case.name
        );
        for step in case.during {
            // A controller's pace: each change its own watch event, seen
            // one at a time.
            std::thread::sleep(Duration::from_millis(50));
            apply(&server, step);
        }
    }
    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("case {}: the command did not exit", case.name);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let agent = server.requests()[first..]
        .iter()
        .filter_map(|r| r.header("user-agent"))
        .find(|a| a.starts_with("kubectl/"))
        .unwrap_or_default()
        .to_string();
    let writes = server.requests()[first..]
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| {
            let mut query: Vec<(String, String)> = r
                .query
                .iter()
                .map(|(k, v)| (k.clone(), v.replace("kubectl-", "kapi-")))
                .collect();
            query.sort();
            json!({
                "method": r.method,
                "path": r.path,
                "query": query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&"),
                "content_type": r.header("content-type").unwrap_or_default(),
                "body": normalize_times(&r.body_text()),
            })
        })
        .collect();
    Outcome {
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
        writes,
        agent,
    }
}

/// `"kubectl.kubernetes.io/restartedAt":"<any time>"` as `"NOW"`.
fn normalize_times(body: &str) -> String {
    const KEY: &str = "\"kubectl.kubernetes.io/restartedAt\":\"";
    let Some(start) = body.find(KEY).map(|i| i + KEY.len()) else {
        return body.to_string();
    };
    let end = body[start..].find('"').map_or(body.len(), |i| start + i);
    format!("{}NOW{}", &body[..start], &body[end..])
}
