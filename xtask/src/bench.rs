//! `cargo xtask bench`: speed, CPU and memory, measured side by side with
//! the other clients on the machine (never asserted in tests).
//!
//! One invocation runs, against the TLS fake API server serving realistic
//! pods (`kapi_fake::Builder::many_pods`, about 3.5 KB each with
//! managedFields and status), the static release `kapi` and, where
//! installed, curl and kubectl, their runs alternating:
//!
//! 1. a cold GET (a new process each time): wall time, peak RSS;
//! 2. lists of 5,000 and 50,000 pods (pages of 500) and one 50,000-pod page
//!    from a server that ignores `limit`, in every output format: wall time,
//!    client CPU time (user + system of the client process alone), peak
//!    RSS, the ratios kapi/kubectl, and kapi's instruction count (valgrind)
//!    at 5,000;
//! 3. watch throughput: 100,000 events printed with `-o name`;
//! 4. the library: 1,000 GETs on one `kapi::Client`, and the TCP and TLS
//!    connections the server saw;
//! 5. API load per waiting pod: 50 `kapi wait` processes on objects that
//!    change rarely, against a 2-second `kubectl get` polling loop and
//!    `kubectl wait --for=create`, requests per waiter per minute over 10
//!    minutes;
//! 6. sizes on disk, and the fake's own ceiling (curl into /dev/null).
//!
//! How a run is measured: [`measure`]. The results print as Markdown on
//! stdout (the README's Performance section is one run of it) and are
//! written as JSON to `target/bench/`.
//!
//! `cargo xtask` runs unoptimized; the fake must not be the bottleneck, so
//! the bench builds itself with the `xbench` profile (Cargo.toml) and runs
//! that build, after building the release `kapi` as `cargo xtask dist`
//! does. `--kapi PATH` measures a given binary instead.

mod measure;
mod peers;
mod report;
mod waiters;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use kapi_fake::FakeApiServer;
use serde_json::Value;

use crate::{cmd, dist, project_root};
use measure::Cost;
use peers::Peer;
use report::Report;

const USAGE: &str = "usage: cargo xtask bench [options]

Measures kapi beside curl and kubectl (where installed) against the fake API
server: cold GET, lists in every format, watch throughput, the library's
connection reuse, API load per waiting pod, sizes. Markdown on stdout, JSON
in target/bench/.

options:
    --quick              a short run for development: one run per case, 5,000
                         pods only, 1-minute waiter measurement with 10 waiters
    --only LIST          sections to run, comma-separated: get, lists, watch,
                         library, waiters, sizes (default: all)
    --runs N             runs per list case and client (default 3)
    --large-runs N       runs per case of 50,000 pods or more (default 1)
    --get-runs N         runs of the cold GET per client (default 20)
    --pods N,M           paged list sizes (default 5000,50000)
    --one-page N         pods in the page that ignores limit (default 50000)
    --watch-events N     watch events to print (default 100000)
    --waiters N          concurrent `kapi wait` and `kubectl wait` (default 50)
    --pollers N          concurrent 2-second `kubectl get` loops (default 5)
    --wait-minutes M     how long the waiters are measured (default 10)
    --no-valgrind        skip instruction counts
    --no-kubectl         do not run kubectl
    --kubectl PATH       the kubectl to measure
    --kapi PATH          a built kapi (an older one, say) instead of building";

/// What to run, from the command line.
#[derive(Clone, Debug)]
struct Options {
    quick: bool,
    only: Option<Vec<String>>,
    runs: usize,
    large_runs: usize,
    get_runs: usize,
    pods: Vec<usize>,
    one_page: usize,
    watch_events: usize,
    waiters: usize,
    pollers: usize,
    wait_minutes: f64,
    valgrind: bool,
    kubectl: bool,
    kubectl_path: Option<PathBuf>,
    kapi: Option<PathBuf>,
    /// The arguments as given, for the report and the optimized re-run.
    given: Vec<String>,
}

/// The sections, in the order they run.
const SECTIONS: [&str; 6] = ["get", "lists", "watch", "library", "waiters", "sizes"];

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut o = Options {
            quick: false,
            only: None,
            runs: 3,
            large_runs: 1,
            get_runs: 20,
            pods: vec![5_000, 50_000],
            one_page: 50_000,
            watch_events: 100_000,
            waiters: 50,
            pollers: 5,
            wait_minutes: 10.0,
            valgrind: true,
            kubectl: true,
            kubectl_path: None,
            kapi: None,
            given: args.to_vec(),
        };
        // --quick first, so that explicit options override it.
        if args.iter().any(|a| a == "--quick") {
            o.quick = true;
            o.runs = 1;
            o.get_runs = 5;
            o.pods = vec![5_000];
            o.one_page = 5_000;
            o.waiters = 10;
            o.pollers = 2;
            o.wait_minutes = 1.0;
        }
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let mut value = |what: &str| -> Result<String> {
                args.next()
                    .cloned()
                    .with_context(|| format!("{flag} needs {what}\n\n{USAGE}"))
            };
            let number = |text: String| -> Result<usize> {
                text.replace('_', "")
                    .parse()
                    .with_context(|| format!("{flag}: '{text}' is not a number"))
            };
            match flag.as_str() {
                "--quick" => {}
                "--only" => {
                    let list: Vec<String> =
                        value("a list")?.split(',').map(str::to_string).collect();
                    if let Some(bad) = list.iter().find(|s| !SECTIONS.contains(&s.as_str())) {
                        bail!(
                            "--only: no section '{bad}' (sections: {})",
                            SECTIONS.join(", ")
                        );
                    }
                    o.only = Some(list);
                }
                "--runs" => o.runs = number(value("a number")?)?.max(1),
                "--large-runs" => o.large_runs = number(value("a number")?)?.max(1),
                "--get-runs" => o.get_runs = number(value("a number")?)?.max(1),
                "--pods" => {
                    o.pods = value("numbers")?
                        .split(',')
                        .map(|n| number(n.to_string()))
                        .collect::<Result<_>>()?
                }
                "--one-page" => o.one_page = number(value("a number")?)?,
                "--watch-events" => o.watch_events = number(value("a number")?)?.max(1),
                "--waiters" => o.waiters = number(value("a number")?)?.max(1),
                "--pollers" => o.pollers = number(value("a number")?)?.max(1),
                "--wait-minutes" => {
                    let text = value("minutes")?;
                    o.wait_minutes = text
                        .parse()
                        .ok()
                        .filter(|m: &f64| *m > 0.0)
                        .with_context(|| format!("--wait-minutes: '{text}' is not a duration"))?;
                }
                "--no-valgrind" => o.valgrind = false,
                "--no-kubectl" => o.kubectl = false,
                "--kubectl" => o.kubectl_path = Some(PathBuf::from(value("a path")?)),
                "--kapi" => o.kapi = Some(PathBuf::from(value("a path")?)),
                "-h" | "--help" => {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                other => bail!("unknown option '{other}'\n\n{USAGE}"),
            }
        }
        Ok(o)
    }

    fn runs(&self, section: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|s| s == section))
    }

    /// Runs per case of `pods` pods.
    fn runs_for(&self, pods: usize) -> usize {
        if pods >= 50_000 {
            self.large_runs
        } else {
            self.runs
        }
    }
}

pub fn run(args: &[String]) -> Result<()> {
    let opts = Options::parse(args)?;
    if cfg!(debug_assertions) {
        return run_optimized(&opts);
    }
    let kapi = match &opts.kapi {
        Some(path) => {
            std::fs::canonicalize(path).with_context(|| format!("--kapi {}", path.display()))?
        }
        None => dist::build()?,
    };
    Bench::new(opts, kapi)?.run()
}

/// Builds the release kapi and this bench with the `xbench` profile, then
/// runs that build with the same arguments.
fn run_optimized(opts: &Options) -> Result<()> {
    let root = project_root();
    let kapi = match &opts.kapi {
        Some(path) => {
            std::fs::canonicalize(path).with_context(|| format!("--kapi {}", path.display()))?
        }
        None => dist::build()?,
    };
    cmd::run(
        &root,
        "cargo",
        &["build", "--quiet", "--profile", "xbench", "-p", "xtask"],
    )?;
    let bench = root.join("target").join("xbench").join("xtask");
    let mut args: Vec<String> = vec!["bench".into()];
    let mut given = opts.given.iter();
    while let Some(arg) = given.next() {
        if arg == "--kapi" {
            given.next();
            continue;
        }
        args.push(arg.clone());
    }
    args.push("--kapi".into());
    args.push(kapi.to_string_lossy().into_owned());
    let status = cmd::clean(Command::new(&bench))
        .args(&args)
        .env("KAPI_BENCH_COMMAND", command_line(&opts.given))
        .status()
        .with_context(|| format!("failed to start {}", bench.display()))?;
    if !status.success() {
        bail!("the bench failed ({status})");
    }
    Ok(())
}

/// `cargo xtask bench ARGS`, as the report shows it.
fn command_line(given: &[String]) -> String {
    let mut line = String::from("cargo xtask bench");
    for arg in given {
        line.push(' ');
        line.push_str(&cmd::shell_quote(arg));
    }
    line
}

/// The DaemonSet every GET fetches.
const DS_PATH: &str = "/apis/apps/v1/namespaces/test/daemonsets/gateway";
/// The output formats every list is printed in: (name, kapi/kubectl args).
const FORMATS: [(&str, &[&str]); 7] = [
    ("name", &["-o", "name"]),
    ("json", &["-o", "json"]),
    ("yaml", &["-o", "yaml"]),
    (
        "jsonpath",
        &[
            "-o",
            "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}",
        ],
    ),
    (
        "custom-columns",
        &["-o", "custom-columns=NAME:.metadata.name,IP:.status.podIP"],
    ),
    ("table", &[]),
    ("wide", &["-o", "wide"]),
];

/// One client, one way of reaching a server.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    Kapi,
    Kubectl,
    Curl,
}

impl Who {
    fn name(self) -> &'static str {
        match self {
            Who::Kapi => "kapi",
            Who::Kubectl => "kubectl",
            Who::Curl => "curl",
        }
    }
}

/// A fake API server and the files its clients need.
struct Target {
    server: FakeApiServer,
    kubeconfig: PathBuf,
    cache: PathBuf,
}

impl Target {
    fn new(server: FakeApiServer, scratch: &Path) -> Result<Target> {
        let kubeconfig = scratch.join(format!("kubeconfig-{}", server.port()));
        std::fs::write(&kubeconfig, server.kubeconfig())?;
        let cache = scratch.join(format!("kubectl-cache-{}", server.port()));
        Ok(Target {
            server,
            kubeconfig,
            cache,
        })
    }
}

struct Bench {
    opts: Options,
    kapi: PathBuf,
    curl: Option<Peer>,
    kubectl: Option<Peer>,
    valgrind: Option<PathBuf>,
    scratch: Scratch,
    report: Report,
}

/// A directory for kubeconfigs and kubectl caches, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch> {
        let dir = std::env::temp_dir().join(format!("kapi-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Bench {
    fn new(opts: Options, kapi: PathBuf) -> Result<Bench> {
        let server_minor = "33";
        let kubectl = if opts.kubectl {
            peers::kubectl(opts.kubectl_path.as_deref(), server_minor)
        } else {
            None
        };
        let curl = peers::curl();
        let valgrind = if opts.valgrind {
            peers::which("valgrind")
        } else {
            None
        };
        let command =
            std::env::var("KAPI_BENCH_COMMAND").unwrap_or_else(|_| command_line(&opts.given));
        let mut report = Report::new(&command);
        let kapi_bytes = std::fs::metadata(&kapi)?.len();
        report.header(
            &kapi,
            kapi_bytes,
            curl.as_ref(),
            kubectl.as_ref(),
            valgrind.as_deref(),
        );
        Ok(Bench {
            opts,
            kapi,
            curl,
            kubectl,
            valgrind,
            scratch: Scratch::new()?,
            report,
        })
    }

    fn run(mut self) -> Result<()> {
        if self.opts.runs("get") {
            self.cold_get()?;
        }
        if self.opts.runs("lists") {
            self.lists()?;
        }
        if self.opts.runs("watch") {
            self.watch()?;
        }
        if self.opts.runs("library") {
            self.library()?;
        }
        if self.opts.runs("waiters") {
            let found = waiters::run(
                &self.kapi,
                self.kubectl.as_ref().map(|k| k.path.as_path()),
                &waiters::Plan {
                    waiters: self.opts.waiters,
                    pollers: self.opts.pollers,
                    duration: Duration::from_secs_f64(self.opts.wait_minutes * 60.0),
                },
                self.scratch.path(),
            )?;
            self.report.waiters(&found);
        }
        if self.opts.runs("sizes") {
            self.sizes()?;
        }
        self.report.ceiling();
        self.report.goals();
        let written = self
            .report
            .write(&project_root().join("target").join("bench"))?;
        eprintln!("bench: JSON in {}", written.display());
        Ok(())
    }

    fn target(&self, builder: kapi_fake::Builder) -> Result<Target> {
        Target::new(builder.build(), self.scratch.path())
    }

    /// The command `who` runs for `args` (kubectl's arguments, which kapi
    /// takes too) against `target`.
    fn client(&self, who: Who, target: &Target, args: &[&str]) -> Command {
        match who {
            Who::Kapi => {
                let mut c = Command::new(&self.kapi);
                c.args(args)
                    .envs(target.server.env())
                    .env_remove("KUBECONFIG");
                c
            }
            Who::Kubectl => {
                let kubectl = self.kubectl.as_ref().expect("only asked for when found");
                let mut c = Command::new(&kubectl.path);
                c.arg("--kubeconfig")
                    .arg(&target.kubeconfig)
                    .arg("--cache-dir")
                    .arg(&target.cache)
                    .args(args);
                c
            }
            Who::Curl => unreachable!("curl takes a URL, see curl()"),
        }
    }

    /// curl fetching `path` (with its query) from `target`.
    fn curl(&self, target: &Target, path: &str, stream: bool) -> Command {
        let curl = self.curl.as_ref().expect("only asked for when found");
        let mut c = Command::new(&curl.path);
        c.args(["-sS", "--fail", "--cacert"])
            .arg(target.server.sa_dir().join("ca.crt"))
            .arg("-H")
            .arg(format!("Authorization: Bearer {}", target.server.token()));
        if stream {
            c.arg("-N");
        }
        c.arg(format!("{}{path}", target.server.url()));
        c
    }

    /// The clients present, kapi first.
    fn clients(&self) -> Vec<Who> {
        let mut who = vec![Who::Kapi];
        if self.kubectl.is_some() {
            who.push(Who::Kubectl);
        }
        if self.curl.is_some() {
            who.push(Who::Curl);
        }
        who
    }

    fn cold_get(&mut self) -> Result<()> {
        let runs = self.opts.get_runs;
        eprintln!("bench: cold GET, {runs} runs per client");
        let target = self.target(FakeApiServer::builder())?;
        let mut commands: Vec<(Who, Command)> = Vec::new();
        for who in self.clients() {
            let command = match who {
                Who::Curl => self.curl(&target, DS_PATH, false),
                _ => self.client(who, &target, &["get", "--raw", DS_PATH]),
            };
            commands.push((who, command));
        }
        // One run each first: kubectl fills its discovery cache, and every
        // binary is read into the page cache.
        for (_, command) in &mut commands {
            measure::run(command)?;
        }
        let mut costs: Vec<Vec<Cost>> = vec![Vec::new(); commands.len()];
        for _ in 0..runs {
            for (i, (_, command)) in commands.iter_mut().enumerate() {
                costs[i].push(measure::run(command)?);
            }
        }
        let mut rows = Vec::new();
        for (i, (who, command)) in commands.iter().enumerate() {
            let instructions = match (&self.valgrind, who) {
                (Some(vg), Who::Kapi | Who::Curl) => Some(measure::instructions(vg, command)?),
                _ => None,
            };
            rows.push(report::GetRow {
                client: who.name(),
                command: format!(
                    "{} {}",
                    who.name(),
                    match who {
                        Who::Curl => "-sS --cacert ca.crt -H 'Authorization: Bearer …' URL",
                        Who::Kubectl => "get --raw PATH",
                        Who::Kapi => "get --raw PATH",
                    }
                ),
                median: measure::median_cost(&costs[i]),
                runs,
                instructions,
            });
        }
        self.report.cold_get(&rows);
        Ok(())
    }

    fn lists(&mut self) -> Result<()> {
        // (pods, one page)
        let mut cases: Vec<(usize, bool)> = self.opts.pods.iter().map(|&n| (n, false)).collect();
        if self.opts.one_page > 0 {
            cases.push((self.opts.one_page, true));
        }
        let counted = self.opts.pods.first().copied();
        for (pods, one_page) in cases {
            let runs = self.opts.runs_for(pods);
            eprintln!(
                "bench: {pods} pods{}, {runs} run(s) per format and client",
                if one_page { " in one page" } else { "" }
            );
            let mut builder = FakeApiServer::builder().many_pods(pods);
            if one_page {
                builder = builder.ignore_limit();
            }
            let target = self.target(builder)?;
            let mut clients = vec![Who::Kapi];
            if self.kubectl.is_some() {
                clients.push(Who::Kubectl);
                // Discovery, cached from now on.
                measure::run(&self.client(Who::Kubectl, &target, &["get", "ns"]))?;
            }
            let mut rows: Vec<report::ListRow> = Vec::new();
            let mut commands: Vec<(usize, Who, Command)> = Vec::new();
            for (f, (format, args)) in FORMATS.iter().enumerate() {
                for &who in &clients {
                    let mut full = vec!["get", "pods", "-n", "big"];
                    full.extend_from_slice(args);
                    commands.push((f, who, self.client(who, &target, &full)));
                }
                rows.push(report::ListRow::new(format));
            }
            // The raw list, one page of all pods: what the bytes alone cost.
            let raw_path = "/api/v1/namespaces/big/pods";
            let raw = FORMATS.len();
            rows.push(report::ListRow::new("raw (get --raw, one page)"));
            for &who in &clients {
                commands.push((
                    raw,
                    who,
                    self.client(who, &target, &["get", "--raw", raw_path]),
                ));
            }
            if self.curl.is_some() {
                commands.push((raw, Who::Curl, self.curl(&target, raw_path, false)));
            }
            let mut costs: Vec<Vec<Cost>> = vec![Vec::new(); commands.len()];
            for run in 0..runs {
                for (i, (f, who, command)) in commands.iter_mut().enumerate() {
                    eprintln!(
                        "bench:   run {}/{runs}: {} {}",
                        run + 1,
                        who.name(),
                        rows[*f].format
                    );
                    costs[i].push(measure::run(command)?);
                }
            }
            for (i, (f, who, command)) in commands.iter().enumerate() {
                let median = measure::median_cost(&costs[i]);
                let instructions = match (&self.valgrind, who) {
                    (Some(vg), Who::Kapi) if Some(pods) == counted && !one_page => {
                        eprintln!("bench:   valgrind: kapi {}", rows[*f].format);
                        Some(measure::instructions(vg, command)?)
                    }
                    _ => None,
                };
                rows[*f].set(who.name(), median, instructions);
            }
            let bytes = raw_bytes(&target, raw_path)?;
            self.report.list(pods, one_page, runs, bytes, &rows);
        }
        Ok(())
    }

    fn watch(&mut self) -> Result<()> {
        let events = self.opts.watch_events;
        let runs = self.opts.runs;
        eprintln!("bench: watch, {events} events, {runs} run(s) per client");
        // A few pods to list first; the events cycle through them.
        let target = self.target(
            FakeApiServer::builder()
                .many_pods(1_000)
                .watch_events(events),
        )?;
        let rv = target.server.resource_version();
        let watch_path = format!(
            "/api/v1/namespaces/big/pods?watch=1&resourceVersion={rv}&allowWatchBookmarks=true"
        );
        let args = [
            "get",
            "pods",
            "-n",
            "big",
            "-w",
            "--watch-only",
            "-o",
            "name",
        ];
        let mut commands: Vec<(Who, Command)> = Vec::new();
        for who in self.clients() {
            let command = match who {
                Who::Curl => self.curl(&target, &watch_path, true),
                _ => self.client(who, &target, &args),
            };
            commands.push((who, command));
        }
        if self.kubectl.is_some() {
            measure::run(&self.client(Who::Kubectl, &target, &["get", "ns"]))?;
        }
        let mut results: Vec<Vec<report::WatchRun>> = vec![Vec::new(); commands.len()];
        for _ in 0..runs {
            for (i, (who, command)) in commands.iter_mut().enumerate() {
                eprintln!("bench:   {} watch", who.name());
                results[i].push(watch_run(command, events)?);
            }
        }
        let rows: Vec<report::WatchRow> = commands
            .iter()
            .zip(results)
            .map(|((who, _), mut runs)| {
                runs.sort_by(|a, b| a.rate().total_cmp(&b.rate()));
                report::WatchRow {
                    client: who.name(),
                    command: match who {
                        Who::Curl => "curl -N '…/pods?watch=1&resourceVersion=…'".to_string(),
                        _ => format!("{} {}", who.name(), args.join(" ")),
                    },
                    median: runs[runs.len() / 2],
                    events,
                }
            })
            .collect();
        self.report.watch(&rows);
        Ok(())
    }

    fn library(&mut self) -> Result<()> {
        const GETS: usize = 1_000;
        eprintln!("bench: the library, {GETS} GETs on one Client");
        let server = FakeApiServer::start();
        let sa = server.sa_dir().to_path_buf();
        let config = kapi::Config::new(server.url())
            .with_ca_file(sa.join("ca.crt"))?
            .with_token_file(sa.join("token"))?;
        let client = kapi::Client::new(config)?;
        let started = Instant::now();
        for _ in 0..GETS {
            let _: Value = client.get(DS_PATH).json()?;
        }
        let elapsed = started.elapsed();
        let connections = server.connections();
        let requests = server.request_count();
        self.report.library(GETS, elapsed, connections, requests);
        Ok(())
    }

    fn sizes(&mut self) -> Result<()> {
        let mut rows = vec![report::SizeRow {
            client: "kapi (static)".into(),
            path: self.kapi.clone(),
            bytes: std::fs::metadata(&self.kapi)?.len(),
            files: 1,
        }];
        if let Some(k) = &self.kubectl {
            rows.push(report::SizeRow {
                client: format!("kubectl {} (static)", k.version),
                path: k.path.clone(),
                bytes: std::fs::metadata(&k.path)?.len(),
                files: 1,
            });
        }
        if let Some(c) = &self.curl {
            let (bytes, files) = peers::size_with_libraries(&c.path)?;
            rows.push(report::SizeRow {
                client: format!("{} with its shared libraries (ldd)", c.version),
                path: c.path.clone(),
                bytes,
                files,
            });
        }
        self.report.sizes(&rows);
        Ok(())
    }
}

/// The size of the raw list at `path`, fetched once in-process.
fn raw_bytes(target: &Target, path: &str) -> Result<u64> {
    let sa = target.server.sa_dir();
    let config = kapi::Config::new(target.server.url())
        .with_ca_file(sa.join("ca.crt"))?
        .with_token_file(sa.join("token"))?;
    let client = kapi::Client::new(config)?;
    let mut body = client.get(path).send()?;
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = body.read(&mut buf)?;
        if n == 0 {
            return Ok(total);
        }
        total += n as u64;
    }
}

/// Runs a watching client until it has printed `events` lines, then ends
/// it: the time to the last line, and the rate from the first to the last.
fn watch_run(command: &Command, events: usize) -> Result<report::WatchRun> {
    let what = measure::shown(command);
    // The tracer thread starts the child and services its stops (a Go
    // runtime's signals, say) until it exits, while this one reads.
    let (tx, rx) = std::sync::mpsc::channel();
    let copy = measure::copy(command);
    let shown = what.clone();
    let tracer = std::thread::spawn(move || -> Result<Cost> {
        let mut traced = measure::spawn(&copy, Stdio::piped())?;
        let stdout = traced.child.stdout.take();
        let _ = tx.send((traced.pid(), stdout, Instant::now()));
        traced.finish(true, &shown)
    });
    let Ok((pid, Some(mut stdout), started)) = rx.recv() else {
        return match tracer.join() {
            Ok(Err(e)) => Err(e),
            _ => bail!("{what}: no stdout"),
        };
    };
    let kill = |signal| {
        // SAFETY: plain system call on our own child's pid, which stays
        // ours (a zombie at worst) until the tracer thread reaps it.
        unsafe {
            libc::kill(pid as libc::pid_t, signal);
        }
    };
    // A client that stalls is ended after a generous deadline.
    let done = Arc::new(AtomicBool::new(false));
    let watchdog = {
        let done = done.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(300);
            while !done.load(Ordering::SeqCst) {
                if Instant::now() > deadline {
                    eprintln!("bench: watch client {pid} stalled; ending it");
                    // SAFETY: as above.
                    unsafe {
                        libc::kill(pid as libc::pid_t, libc::SIGKILL);
                    }
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let mut buf = vec![0u8; 1 << 16];
    let mut lines = 0usize;
    let mut first: Option<Duration> = None;
    let mut last = Duration::ZERO;
    while lines < events {
        let n = match stdout.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                kill(libc::SIGKILL);
                return Err(e.into());
            }
        };
        let now = started.elapsed();
        let seen = buf[..n].iter().filter(|&&b| b == b'\n').count();
        if seen > 0 && first.is_none() {
            first = Some(now);
        }
        lines += seen;
        if seen > 0 {
            last = now;
        }
    }
    done.store(true, Ordering::SeqCst);
    kill(libc::SIGTERM);
    drop(stdout);
    let cost = match tracer.join() {
        Ok(cost) => cost?,
        Err(_) => bail!("the tracer thread of {what} panicked"),
    };
    let _ = watchdog.join();
    if lines < events {
        bail!("{what} printed {lines} lines of {events}, then stopped");
    }
    Ok(report::WatchRun {
        to_last: last,
        first_to_last: last.saturating_sub(first.unwrap_or_default()),
        cost,
    })
}
