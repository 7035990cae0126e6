//! `cargo xtask bench`: speed and memory, measured (never asserted in tests).
//!
//! Runs the static release `kapi` against the fake API server and, side by
//! side where they exist on the machine, curl and kubectl:
//!
//! 1. one GET of the DaemonSet: median wall time and peak RSS of 20 runs;
//! 2. listing 5,000 and 50,000 pods in pages of 500, and 50,000 pods as one
//!    page from a server that ignores `limit`, in each output format: peak
//!    RSS and wall time, which show whether memory stays flat as the list
//!    and the page grow.
//!
//! `--kapi PATH` measures a given binary (an older build, say) instead of
//! building the current one.
//!
//! Prints a Markdown table; the README quotes it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use kapi_fake::FakeApiServer;

use crate::dist;

const RUNS: usize = 20;
/// GNU time (Debian package `time`): reports a command's peak RSS.
const GNU_TIME: &str = "/usr/bin/time";
const DS_PATH: &str = "/apis/apps/v1/namespaces/test/daemonsets/gateway";

/// What one run of a command cost.
#[derive(Clone, Copy)]
struct Cost {
    wall: Duration,
    max_rss_kib: u64,
}

/// The size of the single page that ignores `limit`.
const ONE_PAGE: usize = 50_000;

pub fn run(args: &[String]) -> Result<()> {
    let mut sizes: Vec<usize> = vec![5_000, 50_000];
    let mut prebuilt: Option<PathBuf> = None;
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        match (flag.as_str(), args.next()) {
            ("--pods", Some(list)) => {
                sizes = list
                    .split(',')
                    .map(|n| n.parse().context("--pods takes numbers, e.g. 5000,50000"))
                    .collect::<Result<_>>()?
            }
            ("--kapi", Some(path)) => prebuilt = Some(PathBuf::from(path)),
            _ => bail!("usage: cargo xtask bench [--pods 5000,50000] [--kapi PATH (a built kapi, e.g. an older one, instead of building)]"),
        }
    }
    if !Path::new(GNU_TIME).exists() {
        bail!("{GNU_TIME} not found: install GNU time (apt-get install time) to measure peak RSS");
    }
    let kapi = match prebuilt {
        Some(path) => path,
        None => dist::build()?,
    };
    let curl = available("curl");
    let kubectl = available("kubectl");
    println!(
        "kapi: {} ({} bytes, static)",
        kapi.display(),
        std::fs::metadata(&kapi)?.len()
    );
    println!(
        "machine: {} cores; fake API server on loopback TLS\n",
        cores()
    );

    let server = FakeApiServer::start();
    let kubeconfig = write_kubeconfig(&server)?;
    println!("## One GET of the DaemonSet (median of {RUNS} runs)\n");
    println!("| client | wall | peak RSS |\n|---|---:|---:|");
    let url = format!("{}{DS_PATH}", server.url());
    let token = server.token();
    let mut kapi_get = Command::new(&kapi);
    kapi_get.args(["get", "--raw", DS_PATH]).envs(server.env());
    report("kapi get --raw", median(kapi_get)?);
    if curl {
        let mut c = Command::new("curl");
        c.args(["-sS", "--fail", "--cacert"])
            .arg(server.sa_dir().join("ca.crt"))
            .arg("-H")
            .arg(format!("Authorization: Bearer {token}"))
            .arg(&url);
        report("curl --cacert -H 'Authorization: Bearer …'", median(c)?);
    }
    if kubectl {
        let mut k = Command::new("kubectl");
        k.arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(["get", "--raw", DS_PATH]);
        report("kubectl get --raw", median(k)?);
    }
    drop(server);
    let _ = std::fs::remove_file(&kubeconfig);

    println!("\n## Listing pods: peak RSS (wall time)\n");
    // Paged lists of each size, then one page of ONE_PAGE pods from a
    // server that ignores `limit`: memory should be flat across all.
    let mut cases: Vec<(String, usize, bool)> = sizes
        .iter()
        .map(|&n| (format!("{n} pods"), n, false))
        .collect();
    cases.push((
        format!("{ONE_PAGE} pods, one page (ignores limit)"),
        ONE_PAGE,
        true,
    ));
    let mut header = String::from("| command |");
    let mut rule = String::from("|---|");
    for (title, _, _) in &cases {
        header.push_str(&format!(" {title} |"));
        rule.push_str("---:|");
    }
    println!("{header}\n{rule}");
    let mut rows: Vec<(String, Vec<Cost>)> = Vec::new();
    for &(_, n, ignore_limit) in &cases {
        let mut builder = FakeApiServer::builder().many_pods(n);
        if ignore_limit {
            builder = builder.ignore_limit();
        }
        let server = builder.build();
        let kubeconfig = write_kubeconfig(&server)?;
        let mut commands: Vec<(String, Command)> = Vec::new();
        for (label, extra) in [
            ("kapi get pods -o name", &["-o", "name"][..]),
            ("kapi get pods (table)", &[][..]),
            ("kapi get pods -o json", &["-o", "json"][..]),
            ("kapi get pods -o yaml", &["-o", "yaml"][..]),
            (
                "kapi get pods -o custom-columns=NAME:…,IP:…",
                &["-o", "custom-columns=NAME:.metadata.name,IP:.status.podIP"][..],
            ),
            (
                "kapi get pods -o jsonpath={range .items[*]}…",
                &[
                    "-o",
                    "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}",
                ][..],
            ),
        ] {
            let mut c = Command::new(&kapi);
            c.args(["get", "pods", "-n", "big"])
                .args(extra)
                .envs(server.env());
            commands.push((label.to_string(), c));
        }
        if kubectl {
            for (label, extra) in [
                ("kubectl get pods -o name", &["-o", "name"][..]),
                ("kubectl get pods (table)", &[][..]),
            ] {
                let mut k = Command::new("kubectl");
                k.arg("--kubeconfig")
                    .arg(&kubeconfig)
                    .args(["get", "pods", "-n", "big"])
                    .args(extra);
                commands.push((label.to_string(), k));
            }
        }
        for (label, command) in commands {
            let cost = measure(command)?;
            match rows.iter_mut().find(|(l, _)| *l == label) {
                Some((_, costs)) => costs.push(cost),
                None => rows.push((label, vec![cost])),
            }
        }
        let _ = std::fs::remove_file(&kubeconfig);
    }
    for (label, costs) in rows {
        let cells: Vec<String> = costs
            .iter()
            .map(|c| format!("{} ({})", mib(c.max_rss_kib), secs(c.wall)))
            .collect();
        println!("| `{label}` | {} |", cells.join(" | "));
    }
    if !curl || !kubectl {
        println!(
            "\n(not on this machine: {})",
            [(!curl).then_some("curl"), (!kubectl).then_some("kubectl")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}

fn report(label: &str, cost: Cost) {
    println!(
        "| `{label}` | {:.1} ms | {} |",
        cost.wall.as_secs_f64() * 1000.0,
        mib(cost.max_rss_kib)
    );
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
}

fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
        || Command::new(program)
            .args(["version", "--client"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

fn write_kubeconfig(server: &FakeApiServer) -> Result<PathBuf> {
    let path = std::env::temp_dir().join(format!(
        "kapi-bench-kubeconfig-{}-{}",
        std::process::id(),
        server.port()
    ));
    std::fs::write(&path, server.kubeconfig())?;
    Ok(path)
}

/// The median wall time and RSS of [`RUNS`] runs (after one warm-up).
fn median(mut command: Command) -> Result<Cost> {
    measure_ref(&mut command)?;
    let mut costs: Vec<Cost> = (0..RUNS)
        .map(|_| measure_ref(&mut command))
        .collect::<Result<_>>()?;
    costs.sort_by_key(|c| c.wall);
    let wall = costs[RUNS / 2].wall;
    costs.sort_by_key(|c| c.max_rss_kib);
    Ok(Cost {
        wall,
        max_rss_kib: costs[RUNS / 2].max_rss_kib,
    })
}

fn measure(mut command: Command) -> Result<Cost> {
    measure_ref(&mut command)
}

/// Runs the command (stdout discarded) under GNU time, which reports the
/// command's own peak RSS. (Measuring with `wait4` from here would not do:
/// a child spawned by this process inherits this process's high-water mark
/// until it execs, and the fake API server makes that about 14 MiB.)
fn measure_ref(command: &mut Command) -> Result<Cost> {
    let report = std::env::temp_dir().join(format!("kapi-bench-time-{}", std::process::id()));
    let mut timed = Command::new(GNU_TIME);
    timed
        .args(["-f", "%M", "-o"])
        .arg(&report)
        .arg(command.get_program())
        .args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(v) => timed.env(key, v),
            None => timed.env_remove(key),
        };
    }
    let started = Instant::now();
    let status = timed
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .with_context(|| format!("failed to start {GNU_TIME}"))?;
    let wall = started.elapsed();
    if !status.success() {
        bail!("{:?} failed ({status})", Path::new(command.get_program()));
    }
    let text = std::fs::read_to_string(&report)?;
    let _ = std::fs::remove_file(&report);
    let max_rss_kib = text
        .trim()
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .context("GNU time printed no %M")?;
    Ok(Cost { wall, max_rss_kib })
}
