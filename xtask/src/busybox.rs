//! `cargo xtask busybox`: ci/scenario.sh inside a busybox root filesystem
//! (no Docker engine needed), against the fake API server, with the
//! service account at the real kubelet path.
//!
//! The root holds only Debian's static busybox, the static `kapi` and the
//! library example, `/etc/hosts`, and the service-account files in the
//! kubelet's layout under `/var/run/secrets/kubernetes.io/serviceaccount`.
//! `KAPI_SERVICEACCOUNT_DIR` is not set: kapi finds the files where a pod has
//! them. The scenario runs twice: with `KUBERNETES_SERVICE_HOST=127.0.0.1`,
//! and with `kubernetes.default.svc` resolved through `/etc/hosts`. Then
//! the `FROM scratch` layout (`ci/Dockerfile.scratch`) is tried the same way
//! (`scratch.rs`).

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use kapi_fake::FakeApiServer;
use serde_json::json;

use crate::{dist, project_root};

/// Where Debian's `busybox-static` installs its binary.
const BUSYBOX: &str = "/bin/busybox";
/// The real in-pod path of the service-account files.
const SA_PATH: &str = "var/run/secrets/kubernetes.io/serviceaccount";
/// The fixture pod the scenario labels as "itself" (its `HOSTNAME`).
pub const SCENARIO_POD: &str = "kapi-scenario";

pub fn run(args: &[String]) -> Result<()> {
    if let Some(extra) = args.first() {
        bail!("unexpected argument '{extra}' (usage: cargo xtask busybox)");
    }
    let sudo = match privilege() {
        Ok(prefix) => prefix,
        Err(reason) => {
            if std::env::var_os("CI").is_some() {
                bail!("the busybox root test cannot run: {reason}");
            }
            eprintln!("busybox root test SKIPPED: {reason}");
            eprintln!("(it runs in CI, where .ci/run installs busybox-static; set CI=1 to make this an error)");
            return Ok(());
        }
    };
    let binaries = dist::build_static(&["kapi"], &["incluster"])?;
    let server = FakeApiServer::start();
    seed(&server);
    let root = tempdir("kapi-busybox-root")?;
    let result = (|| -> Result<()> {
        build_root(&root, &binaries, &server, sudo)?;
        for host in ["127.0.0.1", "kubernetes.default.svc"] {
            scenario(&root, host, server.port(), sudo)?;
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&root);
    result?;
    let kapi = binaries
        .iter()
        .find(|b| b.file_name().is_some_and(|n| n == "kapi"))
        .context("the kapi binary")?;
    crate::scratch::run(&server, kapi, sudo)
}

/// What the scenario expects besides the fixtures: the pod it runs in
/// (`$HOSTNAME`), a finished Job `setup` and a failed Job `fails`, as
/// ci/manifests/ create them in kind (the Service `gateway` and its
/// EndpointSlice are fixtures).
pub fn seed(server: &FakeApiServer) {
    server.put_object(
        &format!("/api/v1/namespaces/test/pods/{SCENARIO_POD}"),
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": SCENARIO_POD, "namespace": "test", "labels": {"job-name": "kapi-scenario"}},
            "spec": {"serviceAccountName": "kapi", "containers": [{"name": "scenario", "image": "kapi-e2e:dev"}]},
            "status": {"phase": "Running"}
        }),
    );
    server.put_object(
        "/apis/batch/v1/namespaces/test/jobs/setup",
        json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "setup", "namespace": "test"},
            "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "setup", "image": "busybox:1.37"}]}}},
            "status": {"succeeded": 1, "conditions": [
                {"type": "SuccessCriteriaMet", "status": "True"},
                {"type": "Complete", "status": "True"}
            ]}
        }),
    );
    server.put_object(
        "/apis/batch/v1/namespaces/test/jobs/fails",
        json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "fails", "namespace": "test"},
            "spec": {"backoffLimit": 0, "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "fails", "image": "busybox:1.37"}]}}},
            "status": {"failed": 1, "conditions": [
                {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"},
                {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}
            ]}
        }),
    );
}

/// The prefix that gives root for `mknod` and `unshare --root`: nothing
/// when already root, `sudo -n` where that works without a password (CI
/// runners), or why this machine cannot run the test.
fn privilege() -> std::result::Result<&'static [&'static str], String> {
    if !Path::new(BUSYBOX).exists() {
        return Err(format!(
            "{BUSYBOX} not found (apt-get install busybox-static)"
        ));
    }
    match dist::is_dynamic(Path::new(BUSYBOX)) {
        Ok(false) => {}
        Ok(true) => {
            return Err(format!(
                "{BUSYBOX} is dynamically linked (install busybox-static, not busybox)"
            ))
        }
        Err(e) => return Err(format!("{BUSYBOX}: {e}")),
    }
    if Command::new("unshare").arg("--version").output().is_err() {
        return Err("unshare (util-linux) not found".into());
    }
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|e| format!("id -u: {e}"))?;
    if String::from_utf8_lossy(&uid.stdout).trim() == "0" {
        return Ok(&[]);
    }
    let sudo = Command::new("sudo").args(["-n", "true"]).output();
    if sudo.is_ok_and(|o| o.status.success()) {
        return Ok(&["sudo", "-n"]);
    }
    Err("not root, and no password-less sudo: entering a root filesystem needs root (unshare --root)".into())
}

/// Runs `program args` with the privilege prefix, printing it first.
pub fn privileged(dir: &Path, sudo: &[&str], program: &str, args: &[&str]) -> Result<()> {
    match sudo.split_first() {
        None => crate::cmd::run(dir, program, args),
        Some((first, rest)) => {
            let mut all: Vec<&str> = rest.to_vec();
            all.push(program);
            all.extend_from_slice(args);
            crate::cmd::run(dir, first, &all)
        }
    }
}

/// A fresh directory `/tmp/PREFIX-PID`.
pub fn tempdir(prefix: &str) -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Lays out the root filesystem.
fn build_root(
    root: &Path,
    binaries: &[PathBuf],
    server: &FakeApiServer,
    sudo: &[&str],
) -> Result<()> {
    let bin = root.join("bin");
    for dir in ["bin", "etc", "tmp", SA_PATH] {
        std::fs::create_dir_all(root.join(dir))?;
    }
    // A container has /dev/null; mknod needs root, which this test has.
    std::fs::create_dir_all(root.join("dev"))?;
    privileged(
        root,
        sudo,
        "mknod",
        &["-m", "666", "dev/null", "c", "1", "3"],
    )?;
    std::fs::copy(BUSYBOX, bin.join("busybox"))?;
    let applets = Command::new(BUSYBOX)
        .arg("--list")
        .output()
        .context("busybox --list")?;
    for applet in String::from_utf8_lossy(&applets.stdout).lines() {
        if !applet.is_empty() && applet != "busybox" {
            symlink("busybox", bin.join(applet))?;
        }
    }
    for binary in binaries {
        let name = binary.file_name().context("binary name")?;
        std::fs::copy(binary, bin.join(name))?;
    }
    std::fs::copy(
        project_root().join("ci/scenario.sh"),
        root.join("scenario.sh"),
    )?;
    std::fs::write(
        root.join("etc/hosts"),
        "127.0.0.1 localhost\n127.0.0.1 kubernetes kubernetes.default kubernetes.default.svc kubernetes.default.svc.cluster.local\n",
    )?;
    service_account(root, server)
}

/// The service account under `root` in the kubelet's layout: a timestamped
/// directory, `..data` pointing at it, and the three names pointing
/// through `..data`; files 0644, the projected volume's default mode.
pub fn service_account(root: &Path, server: &FakeApiServer) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let sa = root.join(SA_PATH);
    let data = "..2026_01_01_00_00_00.000000001";
    std::fs::create_dir_all(sa.join(data))?;
    for file in ["token", "ca.crt", "namespace"] {
        let to = sa.join(data).join(file);
        std::fs::copy(server.sa_dir().join(file), &to)?;
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o644))?;
        symlink(format!("..data/{file}"), sa.join(file))?;
    }
    symlink(data, sa.join("..data"))?;
    Ok(())
}

/// Runs the scenario inside the root; fails unless every step passed.
fn scenario(root: &Path, host: &str, port: u16, sudo: &[&str]) -> Result<()> {
    let port = port.to_string();
    let root_arg = format!("--root={}", root.display());
    let hostname = format!("HOSTNAME={SCENARIO_POD}");
    let host_env = format!("KUBERNETES_SERVICE_HOST={host}");
    let port_env = format!("KUBERNETES_SERVICE_PORT={port}");
    // `env -i` so nothing from this machine leaks in (no KAPI_SERVICEACCOUNT_DIR).
    let mut argv: Vec<&str> = sudo.to_vec();
    argv.extend([
        "env",
        "-i",
        "PATH=/bin",
        &hostname,
        &host_env,
        &port_env,
        "unshare",
        "--mount",
        &root_arg,
        "/bin/sh",
        "/scenario.sh",
    ]);
    eprintln!("$ {}", argv.join(" "));
    let output = Command::new(argv[0])
        .args(&argv[1..])
        .output()
        .context("failed to run unshare")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    print!("{stdout}");
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    crate::scenario_log::check(&stdout)?;
    if !output.status.success() {
        bail!(
            "the scenario failed in the busybox root ({})",
            output.status
        );
    }
    Ok(())
}
