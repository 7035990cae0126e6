//! `cargo xtask demo`: kapi's main job, in-cluster mode, against the fake
//! API server, each command shown with its output.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};
use kapi_fake::FakeApiServer;

use crate::cmd::{self, shell_quote};
use crate::project_root;

/// The recipes the demo runs, in order: (comment, kapi arguments).
const STEPS: &[(&str, &[&str])] = &[
    ("Which API server is this?", &["version"]),
    (
        "The classic in-pod read that curl -k does, with verified TLS and the pod's token:",
        &[
            "get",
            "--raw",
            "/apis/apps/v1/namespaces/test/daemonsets/gateway?resourceVersion=0",
        ],
    ),
    (
        "How many gateway pods are ready? No jq needed:",
        &[
            "get",
            "ds",
            "gateway",
            "-o",
            "jsonpath={.status.numberReady}{\"\\n\"}",
        ],
    ),
    (
        "Which pods carry the label (paged 500 at a time, however many there are):",
        &["get", "pods", "-l", "app=gateway"],
    ),
    (
        "The same as names, for scripts:",
        &["get", "pods", "-l", "app=gateway", "-o", "name"],
    ),
    (
        "Am I allowed? (exit code 0 for yes, 1 for no)",
        &["auth", "can-i", "patch", "pods"],
    ),
    (
        "The pod marks itself with a label:",
        &["label", "pod", "gateway-x7k2p", "ready=true"],
    ),
    (
        "Wait for a condition (met at once here; --timeout bounds it, --fail-on stops early):",
        &[
            "wait",
            "--for=jsonpath={.status.numberReady}=19",
            "ds/gateway",
            "--timeout=10s",
        ],
    ),
    (
        "Errors read like kubectl's, with a non-zero exit code:",
        &["get", "ds", "missing"],
    ),
    (
        "-v=6 logs each request; the token never appears (-v=7 and up print it masked):",
        &["get", "--raw", "/version", "-v=6"],
    ),
];

pub fn run(args: &[String]) -> Result<()> {
    if let Some(extra) = args.first() {
        bail!("unexpected argument '{extra}' (usage: cargo xtask demo)");
    }
    let root = project_root();
    cmd::run(&root, "cargo", &["build", "--quiet", "-p", "kapi-cli"])?;
    let kapi = root.join("target/debug/kapi");
    let server = FakeApiServer::start();
    println!(
        "# A fake API server is serving {} over TLS with the fixture CA.",
        server.url()
    );
    println!("# kapi runs in in-cluster mode, exactly as in a pod:");
    for (name, value) in server.env() {
        println!("export {name}={}", shell_quote(&value));
    }
    println!(
        "# (KAPI_SERVICEACCOUNT_DIR stands in for /var/run/secrets/kubernetes.io/serviceaccount)"
    );
    for (comment, step) in STEPS {
        println!();
        println!("# {comment}");
        show(&kapi, step, &server)?;
    }
    println!();
    println!("# Done: the fake API server stops now.");
    Ok(())
}

/// Prints `$ kapi ARGS`, then runs it with the fake's environment.
fn show(kapi: &Path, args: &[&str], server: &FakeApiServer) -> Result<()> {
    let shown: Vec<String> = args.iter().map(|a| shell_quote(a)).collect();
    println!("$ kapi {}", shown.join(" "));
    let status = Command::new(kapi)
        .args(args)
        .env_remove("KUBECONFIG")
        .env_remove("POD_NAMESPACE")
        .envs(server.env())
        .status()
        .context("failed to run kapi")?;
    if !status.success() {
        println!("(exit code {})", status.code().unwrap_or(-1));
    }
    Ok(())
}
