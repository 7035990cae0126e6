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
        &["get", "ds", "gateway", "-o", "name", "-v=6"],
    ),
];

pub fn run(args: &[String]) -> Result<()> {
    match args {
        [] => {}
        [check] if check == "--check" => return check_readme(),
        [extra, ..] => bail!("unexpected argument '{extra}' (usage: cargo xtask demo [--check])"),
    }
    let kapi = build()?;
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
        println!("$ kapi {}", command_line(step));
        let status = kapi_command(&kapi, step, &server)
            .status()
            .context("failed to run kapi")?;
        if !status.success() {
            println!("(exit code {})", status.code().unwrap_or(-1));
        }
    }
    println!();
    println!("# Done: the fake API server stops now.");
    Ok(())
}

/// Checks the README's "What `cargo xtask demo` shows" block against a
/// fresh run of the demo: every `$ kapi ...` there must be a demo step, and
/// its output what the step prints now. The server's port, log timestamps
/// and latencies differ from run to run and are compared as placeholders.
pub fn check_readme() -> Result<()> {
    let root = project_root();
    let readme = std::fs::read_to_string(root.join("README.md")).context("reading README.md")?;
    let shown = readme_steps(&readme)?;
    let kapi = build()?;
    let server = FakeApiServer::start();
    for (command, expected) in &shown {
        let Some((_, step)) = STEPS.iter().find(|(_, s)| command_line(s) == *command) else {
            bail!(
                "README.md shows `$ kapi {command}`, which `cargo xtask demo` does not run: \
                 add it to xtask/src/demo.rs STEPS or change the README"
            );
        };
        let out = kapi_command(&kapi, step, &server)
            .output()
            .context("failed to run kapi")?;
        let mut actual = String::from_utf8_lossy(&out.stderr).into_owned();
        actual.push_str(&String::from_utf8_lossy(&out.stdout));
        if !out.status.success() {
            actual.push_str(&format!(
                "(exit code {})\n",
                out.status.code().unwrap_or(-1)
            ));
        }
        if normalize(&actual) != normalize(expected) {
            bail!(
                "README.md's output of `$ kapi {command}` is not what the demo prints now \
                 (run `cargo xtask demo` and copy it):\n--- README\n{expected}--- demo\n{actual}"
            );
        }
    }
    eprintln!(
        "README: {} demo commands match `cargo xtask demo`",
        shown.len()
    );
    Ok(())
}

/// Builds the debug `kapi` the demo runs.
fn build() -> Result<std::path::PathBuf> {
    let root = project_root();
    cmd::run(&root, "cargo", &["build", "--quiet", "-p", "kapi-cli"])?;
    Ok(root.join("target/debug/kapi"))
}

/// The arguments as the demo prints them after `$ kapi `.
fn command_line(args: &[&str]) -> String {
    let shown: Vec<String> = args.iter().map(|a| shell_quote(a)).collect();
    shown.join(" ")
}

/// `kapi ARGS` with the fake's in-cluster environment and nothing else.
fn kapi_command(kapi: &Path, args: &[&str], server: &FakeApiServer) -> Command {
    let mut command = Command::new(kapi);
    command
        .args(args)
        .env_remove("KUBECONFIG")
        .env_remove("POD_NAMESPACE")
        .envs(server.env());
    command
}

/// The `$ kapi` commands and their output in the README's demo section.
fn readme_steps(readme: &str) -> Result<Vec<(String, String)>> {
    let section = readme
        .split("\n## What `cargo xtask demo` shows")
        .nth(1)
        .context("README.md has no \"What `cargo xtask demo` shows\" section")?;
    let block = section
        .split("```console\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .context("the README's demo section has no console block")?;
    let mut steps: Vec<(String, String)> = Vec::new();
    for line in block.lines() {
        if let Some(command) = line.strip_prefix("$ kapi ") {
            steps.push((command.to_string(), String::new()));
        } else if let Some((_, output)) = steps.last_mut() {
            output.push_str(line);
            output.push('\n');
        }
    }
    for (_, output) in &mut steps {
        while output.ends_with("\n\n") {
            output.pop();
        }
    }
    if steps.is_empty() {
        bail!("the README's demo block shows no `$ kapi` command");
    }
    Ok(steps)
}

/// Replaces what differs between runs with placeholders: the digits after
/// `127.0.0.1:` (the port), a klog header's date and time, and the value of
/// `milliseconds=`.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut line = line.to_string();
        let bytes = line.as_bytes();
        if bytes.len() > 22
            && bytes[0] == b'I'
            && bytes[1..5].iter().all(u8::is_ascii_digit)
            && bytes[5] == b' '
        {
            line.replace_range(1..22, "MMDD hh:mm:ss.uuuuuu");
        }
        out.push_str(&mask_digits_after(
            &mask_digits_after(&line, "127.0.0.1:"),
            "milliseconds=",
        ));
        out.push('\n');
    }
    out
}

/// `text` with each run of digits right after `marker` replaced by `N`.
fn mask_digits_after(text: &str, marker: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let (head, tail) = rest.split_at(at + marker.len());
        out.push_str(head);
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            out.push('N');
        }
        rest = &tail[digits..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_block_is_split_into_commands_and_outputs() {
        let readme = "intro\n## What `cargo xtask demo` shows\n\n```console\n\
                      $ kapi version\nClient Version: v0.1.0\n\n$ kapi get ds missing\n\
                      Error\n(exit code 1)\n```\n";
        let steps = readme_steps(readme).unwrap();
        assert_eq!(
            steps,
            vec![
                ("version".into(), "Client Version: v0.1.0\n".into()),
                ("get ds missing".into(), "Error\n(exit code 1)\n".into()),
            ]
        );
    }

    #[test]
    fn ports_times_and_latencies_are_placeholders_and_nothing_else() {
        let a =
            "I1129 09:51:29.259597 kapi] url=\"https://127.0.0.1:38907/version\" milliseconds=6\n";
        let b =
            "I1204 21:02:03.000001 kapi] url=\"https://127.0.0.1:41001/version\" milliseconds=12\n";
        assert_eq!(normalize(a), normalize(b));
        let c = "I1204 21:02:03.000001 kapi] url=\"https://127.0.0.1:41001/versions\" milliseconds=12\n";
        assert_ne!(normalize(a), normalize(c));
        assert_ne!(normalize("19\n"), normalize("20\n"));
    }
}
