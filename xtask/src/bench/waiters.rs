//! API load per waiting pod: many processes wait, at the same time, on
//! objects that change rarely, and each server counts what it is asked.
//!
//! Three fake servers, one per way of waiting, so that each count is one
//! client's alone:
//!
//! - `kapi wait --for=jsonpath={.data.ready}=yes configmap/wait-N`: a watch;
//! - a loop of `kubectl get configmap/wait-N` every 2 seconds, the way
//!   k8s-wait-for waits (fewer of them: each is a process start every 2 s);
//! - `kubectl wait --for=create configmap/absent-N`, which polls.
//!
//! Each waiter has its own kubectl cache directory, as each pod would. The
//! waited-on objects change twice in the window (a `data.tick` the
//! conditions do not look at), so the watches carry events too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use kapi_fake::FakeApiServer;
use serde_json::json;

/// What to run.
pub struct Plan {
    pub waiters: usize,
    pub pollers: usize,
    pub duration: Duration,
}

/// One way of waiting, counted.
pub struct WaitRow {
    pub client: &'static str,
    pub how: String,
    pub processes: usize,
    pub requests: usize,
    pub per_waiter_per_minute: f64,
    /// Median peak RSS of one waiting process.
    pub rss_kib: Option<u64>,
    pub alive_at_end: usize,
    /// The requests by method and path (without the object's name).
    pub paths: Vec<(String, usize)>,
}

pub struct Found {
    pub minutes: f64,
    pub change_every_minutes: f64,
    pub rows: Vec<WaitRow>,
}

fn name(prefix: &str, i: usize) -> String {
    format!("{prefix}-{i:03}")
}

fn object_path(name: &str) -> String {
    format!("/api/v1/namespaces/test/configmaps/{name}")
}

fn seed(server: &FakeApiServer, n: usize) {
    for i in 0..n {
        let name = name("wait", i);
        server.put_object(
            &object_path(&name),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"ready": "no"}}),
        );
    }
}

fn kubeconfig(server: &FakeApiServer, scratch: &Path, what: &str) -> Result<PathBuf> {
    let path = scratch.join(format!("kubeconfig-{what}-{}", server.port()));
    std::fs::write(&path, server.kubeconfig())?;
    Ok(path)
}

pub fn run(kapi: &Path, kubectl: Option<&Path>, plan: &Plan, scratch: &Path) -> Result<Found> {
    let minutes = plan.duration.as_secs_f64() / 60.0;
    eprintln!(
        "bench: waiters: {} kapi wait, {} kubectl wait, {} kubectl get loops, for {minutes:.1} minutes",
        plan.waiters,
        if kubectl.is_some() { plan.waiters } else { 0 },
        if kubectl.is_some() { plan.pollers } else { 0 },
    );
    // Long enough never to time out inside the window.
    let timeout = format!("{}s", plan.duration.as_secs() + 600);

    let kapi_server = FakeApiServer::start();
    seed(&kapi_server, plan.waiters);
    let mut kapi_children: Vec<Child> = Vec::new();
    for i in 0..plan.waiters {
        let child = Command::new(kapi)
            .args([
                "wait",
                "--for=jsonpath={.data.ready}=yes",
                &format!("configmap/{}", name("wait", i)),
                "-n",
                "test",
                &format!("--timeout={timeout}"),
            ])
            .envs(kapi_server.env())
            .env_remove("KUBECONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("failed to start kapi wait")?;
        kapi_children.push(child);
    }

    let mut kubectl_side = None;
    if let Some(kubectl) = kubectl {
        let wait_server = FakeApiServer::start();
        let wait_config = kubeconfig(&wait_server, scratch, "wait")?;
        let mut children = Vec::new();
        for i in 0..plan.waiters {
            let child = Command::new(kubectl)
                .arg("--kubeconfig")
                .arg(&wait_config)
                .arg("--cache-dir")
                .arg(scratch.join(format!("kubectl-wait-cache-{i}")))
                .args([
                    "wait",
                    "--for=create",
                    &format!("configmap/{}", name("absent", i)),
                    "-n",
                    "test",
                    &format!("--timeout={timeout}"),
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("failed to start kubectl wait")?;
            children.push(child);
        }
        let poll_server = FakeApiServer::start();
        seed(&poll_server, plan.pollers);
        let poll_config = kubeconfig(&poll_server, scratch, "poll")?;
        kubectl_side = Some((wait_server, children, poll_server, poll_config));
    }

    let started = Instant::now();
    let deadline = started + plan.duration;
    let stop = Arc::new(AtomicBool::new(false));
    let mut pollers = Vec::new();
    if let (Some(kubectl), Some((_, _, _, poll_config))) = (kubectl, &kubectl_side) {
        for i in 0..plan.pollers {
            let (kubectl, config, stop) =
                (kubectl.to_path_buf(), poll_config.clone(), stop.clone());
            let cache = scratch.join(format!("kubectl-poll-cache-{i}"));
            pollers.push(std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                    let _ = Command::new(&kubectl)
                        .arg("--kubeconfig")
                        .arg(&config)
                        .arg("--cache-dir")
                        .arg(&cache)
                        .args([
                            "get",
                            &format!("configmap/{}", name("wait", i)),
                            "-n",
                            "test",
                            "-o",
                            "jsonpath={.data.ready}",
                        ])
                        .stdin(Stdio::null())
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .status();
                    std::thread::sleep(Duration::from_secs(2));
                }
            }));
        }
    }

    // The objects change twice in the window, a third and two thirds in.
    let change_every = plan.duration / 3;
    for tick in 1..=2 {
        sleep_until(started + change_every * tick);
        for i in 0..plan.waiters {
            kapi_server.update(
                &object_path(&name("wait", i)),
                json!({"data": {"tick": tick.to_string()}}),
            );
        }
        if let Some((_, _, poll_server, _)) = &kubectl_side {
            for i in 0..plan.pollers {
                poll_server.update(
                    &object_path(&name("wait", i)),
                    json!({"data": {"tick": tick.to_string()}}),
                );
            }
        }
        eprintln!("bench:   waiters: objects changed ({tick}/2)");
    }
    sleep_until(deadline);
    let elapsed_minutes = started.elapsed().as_secs_f64() / 60.0;

    let mut rows = Vec::new();
    rows.push(count(
        "kapi",
        "kapi wait --for=jsonpath={.data.ready}=yes configmap/NAME".into(),
        &kapi_server,
        &mut kapi_children,
        elapsed_minutes,
    ));
    if let Some((wait_server, mut children, poll_server, _)) = kubectl_side {
        stop.store(true, Ordering::SeqCst);
        let poll_requests = poll_server.request_count();
        for p in pollers {
            let _ = p.join();
        }
        rows.push(count(
            "kubectl wait",
            "kubectl wait --for=create configmap/NAME".into(),
            &wait_server,
            &mut children,
            elapsed_minutes,
        ));
        let mut row = count(
            "kubectl get loop",
            "while sleep 2; do kubectl get configmap/NAME …; done".into(),
            &poll_server,
            &mut [],
            elapsed_minutes,
        );
        row.processes = plan.pollers;
        row.requests = poll_requests;
        row.per_waiter_per_minute = poll_requests as f64 / plan.pollers as f64 / elapsed_minutes;
        row.alive_at_end = plan.pollers;
        rows.push(row);
    }
    Ok(Found {
        minutes: elapsed_minutes,
        change_every_minutes: change_every.as_secs_f64() / 60.0,
        rows,
    })
}

fn sleep_until(when: Instant) {
    let now = Instant::now();
    if when > now {
        std::thread::sleep(when - now);
    }
}

/// Counts what `server` saw, then ends `children` (reading each one's
/// peak RSS first).
fn count(
    client: &'static str,
    how: String,
    server: &FakeApiServer,
    children: &mut [Child],
    minutes: f64,
) -> WaitRow {
    let requests = server.request_count();
    let mut alive = 0;
    let mut rss: Vec<u64> = Vec::new();
    for child in children.iter_mut() {
        if matches!(child.try_wait(), Ok(None)) {
            alive += 1;
            if let Some(kib) = vm_hwm(child.id()) {
                rss.push(kib);
            }
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    rss.sort();
    let mut paths: BTreeMap<String, usize> = BTreeMap::new();
    for r in server.requests() {
        let mut path = r.path.clone();
        for prefix in ["wait-", "absent-"] {
            if let Some(at) = path.find(prefix) {
                path.replace_range(at.., &format!("{prefix}N"));
            }
        }
        let watch = r
            .query_param("watch")
            .is_some_and(|w| w == "1" || w == "true");
        let key = format!("{} {path}{}", r.method, if watch { "?watch" } else { "" });
        *paths.entry(key).or_default() += 1;
    }
    let processes = children.len().max(1);
    WaitRow {
        client,
        how,
        processes: children.len(),
        requests,
        per_waiter_per_minute: requests as f64 / processes as f64 / minutes,
        rss_kib: rss.get(rss.len() / 2).copied(),
        alive_at_end: alive,
        paths: paths.into_iter().collect(),
    }
}

fn vm_hwm(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
