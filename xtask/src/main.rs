//! Project automation: `cargo xtask <task>` (the cargo alias lives in
//! `.cargo/config.toml`).
//!
//! Tasks:
//! - `test`: fmt, clippy, fixtures --check, the dependency guard, docs, all tests.
//! - `demo`: kapi in in-cluster mode against the fake API server.
//! - `dist`: the static release binary, its size against the budget.
//! - `fuzz --seconds N [TARGET...]`: the cargo-fuzz targets in `fuzz/`, each
//!   for N seconds (nightly and cargo-fuzz).
//! - `bench [--quick]`: kapi beside curl and kubectl: time, CPU, memory, API load.
//! - `soak [--minutes N]`: long-running kapi under rotation and faults.
//! - `busybox`: ci/scenario.sh in a busybox root filesystem, fake API server;
//!   then the `FROM scratch` layout (`ci/Dockerfile.scratch`) the same way.
//! - `kind [--keep]`: ci/scenario.sh as a Job in a real kind cluster.
//! - `corpus DIR`: every manifest under DIR through `kapi::manifest`,
//!   compared with what kubectl would send (opt-in).
//! - `fixtures [--check]`: regenerate `fixtures/pki` and
//!   `fixtures/serviceaccount`, or check that the committed files match.

mod bench;
mod busybox;
mod cmd;
mod corpus;
mod demo;
mod dist;
mod fixtures;
mod fuzz;
mod kind;
mod scenario_log;
mod scratch;
mod soak;
mod test;

use std::env;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <task>

tasks:
    test                  everything CI runs: fmt, clippy, fixtures --check, docs, all tests
    demo [--check]        run kapi's in-pod recipes against the built-in fake API server
                          (--check: compare the README's demo block with them)
    dist                  build the static release binary and check its size
    fuzz --seconds N [TARGET...]
                          run the fuzz targets in fuzz/ for N seconds each (nightly, cargo-fuzz)
    bench [--quick]       kapi beside curl and kubectl: GET, lists in every format, watch, the
                          library, API load per waiting pod, sizes (--help for the options)
    soak [--minutes N]    kapi wait and get -w for N minutes (default 10) under token and CA
                          rotation and injected faults; fails on any failed request
    busybox               run ci/scenario.sh in a busybox root against the fake API server,
                          then kapi alone in a FROM scratch root
    kind [--keep]         run ci/scenario.sh as a Job in a kind cluster (needs docker, kind, kubectl)
    corpus DIR            parse every *.yaml|*.yml|*.json under DIR with kapi::manifest and compare
                          the objects with kubectl create --dry-run=client -o json (if kubectl is installed)
    fixtures [--check]    regenerate the committed fixtures (or check them)";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or_default();
    match args.first().map(String::as_str) {
        Some("test") => test::run(rest),
        Some("demo") => demo::run(rest),
        Some("dist") => dist::run(rest),
        Some("busybox") => busybox::run(rest),
        Some("bench") => bench::run(rest),
        Some("fuzz") => fuzz::run(rest),
        Some("kind") => kind::run(rest),
        Some("soak") => soak::run(rest),
        Some("fixtures") => fixtures::run(rest),
        Some("corpus") => corpus::run(rest),
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(task) => anyhow::bail!("unknown task '{task}'\n\n{USAGE}"),
        None => anyhow::bail!("no task given\n\n{USAGE}"),
    }
}

/// The workspace root: the directory holding the top-level `Cargo.toml`.
pub(crate) fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        // Invariant: xtask/ is a direct child of the workspace root.
        .expect("xtask's manifest dir has a parent")
        .to_path_buf()
}
