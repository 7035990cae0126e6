//! kapi with k8s-openapi's generated types: a typed get, a paged list, and
//! a list-then-watch.
//!
//! kapi decodes responses with serde, so any `Deserialize` type works: the
//! k8s-openapi structs as they are, or a struct of your own with only the
//! fields you read (`incluster.rs`). kapi does not depend on k8s-openapi;
//! add it to your program with a Kubernetes version feature:
//! `k8s-openapi = { version = "0.29", features = ["v1_33"] }`.
//!
//! ```text
//! $ cargo run -p kapi-interop --example k8s_openapi
//! daemonset gateway: 19 of 20 ready
//! pod backup-29440920-q7v2n: Succeeded
//! ...
//! job migrate: 1 active, 0 succeeded
//! ```
//!
//! It uses a kubeconfig when there is one, else the pod's service account,
//! and follows the jobs for ten seconds. `tests/k8s_openapi.rs` runs it
//! against the fake API server.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kapi::watcher::Event;
use kapi::{Client, Config, ListParams};

fn main() -> ExitCode {
    let result = Config::infer()
        .and_then(Client::new)
        .and_then(|client| run(&client, Duration::from_secs(10), &mut std::io::stdout()));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the DaemonSet `gateway`, the pods, and the jobs and their changes
/// for `follow` (all in the client's namespace).
pub fn run(client: &Client, follow: Duration, out: &mut impl Write) -> kapi::Result<()> {
    // Api::get: one object.
    let daemonsets = client.api(client.resolve("daemonsets")?);
    let ds: DaemonSet = daemonsets.get("gateway")?;
    let status = ds.status.unwrap_or_default();
    writeln!(
        out,
        "daemonset gateway: {} of {} ready",
        status.number_ready, status.desired_number_scheduled
    )?;

    // Api::list: a Pager over pages of 2, one typed pod at a time.
    let pods = client.api(client.resolve("pods")?);
    for pod in pods.list(ListParams::default().limit(2)).items::<Pod>() {
        let pod = pod?;
        let phase = pod.status.and_then(|s| s.phase).unwrap_or_default();
        let name = pod.metadata.name.unwrap_or_default();
        writeln!(out, "pod {name}: {phase}")?;
    }

    // Api::watcher: the current jobs, then their changes, until the deadline.
    let jobs = client.api(client.resolve("jobs")?);
    let watcher = jobs
        .watcher::<Job>(ListParams::default())
        .until(Instant::now() + follow);
    for event in watcher {
        let (job, what) = match event? {
            Event::InitApply(job) | Event::Added(job) => (job, ""),
            Event::Modified(job) => (job, " (modified)"),
            Event::Deleted(job) => (job, " (deleted)"),
            _ => continue,
        };
        let status = job.status.unwrap_or_default();
        writeln!(
            out,
            "job {}: {} active, {} succeeded{what}",
            job.metadata.name.unwrap_or_default(),
            status.active.unwrap_or_default(),
            status.succeeded.unwrap_or_default(),
        )?;
        out.flush()?;
    }
    Ok(())
}
