//! `cargo xtask soak --minutes N`: kapi left running for N minutes while
//! the world misbehaves, as it does around a long-lived pod.
//!
//! Two release `kapi` processes run against the TLS fake API server:
//!
//! - `kapi wait --for=jsonpath={.data.phase}=done cm/soak --timeout=…`, a
//!   wait that holds until the very end;
//! - `kapi get cm -w --watch-only -o jsonpath=…`, which prints every change.
//!
//! Meanwhile the soak changes the ConfigMap every second, rotates the token
//! through the kubelet's `..data` swap every minute, rotates the CA once (a
//! third of the way in: old and new CA in `ca.crt`, the server re-issued by
//! the new CA, every connection dropped; two thirds in: the new CA alone),
//! and every few seconds injects one fault: 429 with `Retry-After`, 503,
//! every connection dropped, watch streams cut, history compacted (410).
//!
//! It reports, per minute, each process's RSS, peak RSS and CPU time and the
//! requests the server saw; at the end, the failures: anything kapi
//! reported as an error, a process that died, a change the watch did not
//! show, or a wait that did not end with 0 once its condition held. It
//! fails unless there are none.

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use kapi_fake::wiremock::matchers::{method, path, query_param};
use kapi_fake::wiremock::{Mock, ResponseTemplate};
use kapi_fake::FakeApiServer;
use serde_json::json;

use crate::dist;

const CM: &str = "/api/v1/namespaces/test/configmaps/soak";
const CM_LIST: &str = "/api/v1/namespaces/test/configmaps";
/// How often the ConfigMap changes.
const CHANGE_EVERY: Duration = Duration::from_secs(1);
/// How often a fault is injected.
const FAULT_EVERY: Duration = Duration::from_secs(5);
/// How often the token is rotated.
const TOKEN_EVERY: Duration = Duration::from_secs(60);
/// How often memory and CPU are sampled.
const SAMPLE_EVERY: Duration = Duration::from_secs(5);

pub fn run(args: &[String]) -> Result<()> {
    let minutes: u64 = match args {
        [] => 10,
        [flag, n] if flag == "--minutes" => n.parse().context("--minutes takes a number")?,
        _ => bail!("usage: cargo xtask soak [--minutes N]"),
    };
    if minutes == 0 {
        bail!("--minutes must be at least 1");
    }
    let kapi = dist::build()?;
    let server = FakeApiServer::start();
    server.put_object(
        CM,
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "soak", "namespace": "test"},
               "data": {"phase": "running", "n": "0"}}),
    );
    let total = Duration::from_secs(minutes * 60);
    let timeout = format!("{}s", total.as_secs() + 120);
    let wait_args = [
        "wait",
        "--for=jsonpath={.data.phase}=done",
        "cm/soak",
        &format!("--timeout={timeout}"),
    ];
    let watch_args = [
        "get",
        "cm",
        "soak",
        "-w",
        "--watch-only",
        "-o",
        "jsonpath={.data.n}{\"\\n\"}",
    ];
    println!(
        "soak: {minutes} min; kapi {} ({} bytes)",
        kapi.display(),
        fs::metadata(&kapi)?.len()
    );
    let mut wait = Proc::start(&kapi, &server, &wait_args)?;
    let mut watch = Proc::start(&kapi, &server, &watch_args)?;
    let mut faults = Faults::default();

    let started = Instant::now();
    let mut n: u64 = 0;
    let mut next_change = started;
    let mut next_fault = started + FAULT_EVERY;
    let mut next_token = started + TOKEN_EVERY;
    let mut next_sample = started;
    let mut ca_step = 0;
    let mut samples: Vec<Sample> = Vec::new();
    let mut tokens = 0;
    println!("\n| minute | requests | wait RSS / peak (KiB) | wait CPU (ms) | watch RSS / peak (KiB) | watch CPU (ms) |");
    println!("|---:|---:|---:|---:|---:|---:|");
    let mut last_minute = 0;
    let mut last_requests = 0;
    let mut last_cpu = (0, 0);
    while started.elapsed() < total {
        let now = Instant::now();
        if now >= next_change {
            n += 1;
            server.update(CM, json!({"data": {"n": n.to_string()}}));
            next_change += CHANGE_EVERY;
        }
        if now >= next_token {
            tokens += 1;
            server.rotate_token(&format!("{}-rotated-{tokens}", server.token()));
            next_token += TOKEN_EVERY;
        }
        let elapsed = started.elapsed();
        if ca_step == 0 && elapsed >= total / 3 {
            let bundle = format!("{}{}", pem("ca.crt")?, pem("rotated-ca.crt")?);
            server.set_ca_bundle(&bundle);
            server.serve_certificate("rotated-server");
            server.close_connections();
            println!(
                "| {:.1} | CA rotation: overlap (old + new CA), server re-issued |",
                elapsed.as_secs_f64() / 60.0
            );
            ca_step = 1;
        } else if ca_step == 1 && elapsed >= total * 2 / 3 {
            server.set_ca_bundle(&pem("rotated-ca.crt")?);
            server.close_connections();
            println!(
                "| {:.1} | CA rotation: new CA only |",
                elapsed.as_secs_f64() / 60.0
            );
            ca_step = 2;
        }
        if now >= next_fault {
            faults.inject(&server);
            next_fault += FAULT_EVERY;
        }
        if now >= next_sample {
            samples.push(Sample {
                at: elapsed,
                wait: wait.stats()?,
                watch: watch.stats()?,
            });
            next_sample += SAMPLE_EVERY;
        }
        let minute = elapsed.as_secs() / 60;
        if minute > last_minute {
            last_minute = minute;
            let requests = server.requests().len();
            let s = samples.last().expect("sampled at the start");
            let cpu = (s.wait.cpu_ms, s.watch.cpu_ms);
            println!(
                "| {minute} | {} | {} / {} | {} | {} / {} | {} |",
                requests - last_requests,
                s.wait.rss_kib,
                s.wait.peak_kib,
                cpu.0 - last_cpu.0,
                s.watch.rss_kib,
                s.watch.peak_kib,
                cpu.1 - last_cpu.1,
            );
            last_requests = requests;
            last_cpu = cpu;
        }
        for proc in [&mut wait, &mut watch] {
            if let Some(status) = proc.child.try_wait()? {
                bail!(
                    "`kapi {}` exited early ({status}); stderr:\n{}",
                    proc.args,
                    proc.stderr()
                );
            }
        }
        thread::sleep(Duration::from_millis(50));
    }

    // The end: the condition holds; the wait must end with 0 and the watch
    // must have shown the last change.
    server.update(CM, json!({"data": {"phase": "done"}}));
    let wait_status = wait.wait_for_exit(Duration::from_secs(60))?;
    thread::sleep(Duration::from_secs(3));
    let _ = watch.child.kill();
    let _ = watch.child.wait();
    let seen: Vec<u64> = watch
        .stdout()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    let mut failures = Vec::new();
    if wait_status != Some(0) {
        failures.push(format!("the wait exited with {wait_status:?}, not 0"));
    }
    if seen.last() != Some(&n) {
        failures.push(format!(
            "the watch's last change was {:?}, not {n}",
            seen.last()
        ));
    }
    let missed = (1..=n).filter(|i| !seen.contains(i)).count();
    for proc in [&wait, &watch] {
        for line in proc.stderr().lines() {
            if line.contains("rror") || line.contains("panicked") {
                failures.push(format!("`kapi {}`: {line}", proc.args));
            }
        }
    }
    let first = samples
        .iter()
        .find(|s| s.at >= Duration::from_secs(30))
        .unwrap_or(&samples[0]);
    let last = samples.last().expect("sampled");
    println!("\n## Soak summary ({minutes} min)\n");
    println!("| | value |");
    println!("|---|---:|");
    println!("| changes made / shown by the watch / missed (coalesced by a 410 relist) | {n} / {} / {missed} |", seen.len());
    println!("| faults injected | {} |", faults.summary());
    println!("| token rotations / CA rotation steps | {tokens} / {ca_step} |");
    println!(
        "| requests the server saw | {} ({:.0}/min) |",
        server.requests().len(),
        server.requests().len() as f64 / minutes as f64
    );
    for (name, a, b) in [
        ("wait", &first.wait, &last.wait),
        ("watch", &first.watch, &last.watch),
    ] {
        println!(
            "| `kapi {name}` RSS at 30 s → end; peak | {} → {} KiB; {} KiB |",
            a.rss_kib, b.rss_kib, b.peak_kib
        );
        println!(
            "| `kapi {name}` CPU total ({:.2} ms/min) | {} ms |",
            b.cpu_ms as f64 / minutes as f64,
            b.cpu_ms
        );
    }
    println!(
        "| failed requests (errors kapi reported, early exits, lost changes) | {} |",
        failures.len()
    );
    if !failures.is_empty() {
        for f in &failures {
            println!("- {f}");
        }
        bail!("the soak found {} failure(s)", failures.len());
    }
    Ok(())
}

fn pem(name: &str) -> Result<String> {
    let path = kapi_fake::fixtures_dir().join("pki").join(name);
    fs::read_to_string(&path).with_context(|| format!("failed to read {}", path.display()))
}

/// A running kapi with its output collected.
struct Proc {
    child: Child,
    args: String,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Proc {
    fn start(kapi: &std::path::Path, server: &FakeApiServer, args: &[&str]) -> Result<Proc> {
        let mut child = crate::cmd::clean(Command::new(kapi))
            .args(args)
            .env_clear()
            .envs(server.env())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("failed to start kapi")?;
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        collect(child.stdout.take(), stdout.clone());
        collect(child.stderr.take(), stderr.clone());
        Ok(Proc {
            child,
            args: args.join(" "),
            stdout,
            stderr,
        })
    }

    fn stdout(&self) -> String {
        self.stdout
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn stderr(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// RSS, peak RSS and CPU time from /proc.
    fn stats(&self) -> Result<Stats> {
        let pid = self.child.id();
        let status = fs::read_to_string(format!("/proc/{pid}/status"))?;
        let field = |name: &str| -> u64 {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        let stat = fs::read_to_string(format!("/proc/{pid}/stat"))?;
        // Fields after the command name (which may hold spaces) in ")".
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
            + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
        // USER_HZ is 100 on Linux.
        Ok(Stats {
            rss_kib: field("VmRSS:"),
            peak_kib: field("VmHWM:"),
            cpu_ms: ticks * 10,
        })
    }

    fn wait_for_exit(&mut self, patience: Duration) -> Result<Option<i32>> {
        let until = Instant::now() + patience;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status.code());
            }
            if Instant::now() >= until {
                let _ = self.child.kill();
                bail!("`kapi {}` did not end within {patience:?} of its condition holding; stderr:\n{}", self.args, self.stderr());
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(pipe: Option<impl Read + Send + 'static>, into: Arc<Mutex<String>>) {
    if let Some(pipe) = pipe {
        thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut text = into.lock().unwrap_or_else(|e| e.into_inner());
                text.push_str(&line);
                text.push('\n');
            }
        });
    }
}

#[derive(Clone, Copy)]
struct Stats {
    rss_kib: u64,
    peak_kib: u64,
    cpu_ms: u64,
}

struct Sample {
    at: Duration,
    wait: Stats,
    watch: Stats,
}

/// The faults, injected in turn.
#[derive(Default)]
struct Faults {
    /// How many of each kind were injected.
    kinds: [u64; 6],
}

const FAULT_NAMES: [&str; 6] = [
    "429 Retry-After: 1 on a GET",
    "503 on a GET",
    "429 Retry-After: 1 on a watch",
    "connections dropped",
    "watch streams cut",
    "history compacted (410)",
];

impl Faults {
    fn inject(&mut self, server: &FakeApiServer) {
        let total: u64 = self.kinds.iter().sum();
        let n = (total % FAULT_NAMES.len() as u64) as usize;
        self.kinds[n] += 1;
        let once = |template: ResponseTemplate, watch: bool| {
            let mock = Mock::given(method("GET")).and(path(CM_LIST));
            let mock = if watch {
                mock.and(query_param("watch", "1"))
            } else {
                mock
            };
            server.mount(
                mock.respond_with(template)
                    .up_to_n_times(1)
                    .with_priority(1),
            );
        };
        match n {
            0 => once(too_many(), false),
            1 => once(ResponseTemplate::new(503), false),
            2 => once(too_many(), true),
            3 => server.close_connections(),
            4 => server.drop_watches(),
            _ => server.compact_now(),
        }
    }

    fn summary(&self) -> String {
        let total: u64 = self.kinds.iter().sum();
        let parts: Vec<String> = FAULT_NAMES
            .iter()
            .zip(self.kinds.iter())
            .map(|(name, n)| format!("{n}× {name}"))
            .collect();
        format!("{total}: {}", parts.join(", "))
    }
}

fn too_many() -> ResponseTemplate {
    ResponseTemplate::new(429)
        .insert_header("Retry-After", "1")
        .set_body_raw(
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Too many requests, please try again later.","reason":"TooManyRequests","details":{"retryAfterSeconds":1},"code":429}"#,
            "application/json",
        )
}
