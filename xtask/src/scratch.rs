//! The `FROM scratch` image (`ci/Dockerfile.scratch`) as a root filesystem:
//! only `/bin/kapi`, the `/etc/hosts` and `/etc/resolv.conf` the kubelet
//! writes, and the service account at its real path. No shell, so each
//! step is one `kapi` command line, as an initContainer's `command:` is,
//! run under `unshare --root` as 65532:65532 (the image's `USER`), against
//! the fake API server: with `KUBERNETES_SERVICE_HOST=127.0.0.1` and with
//! `kubernetes.default.svc` resolved through `/etc/hosts`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use kapi_fake::FakeApiServer;

use crate::busybox;

/// A kubelet-managed hosts file, as a pod sees it.
const HOSTS: &str = "\
# Kubernetes-managed hosts file.
127.0.0.1\tlocalhost
::1\tlocalhost ip6-localhost ip6-loopback
10.244.1.30\tkapi-scratch
127.0.0.1\tkubernetes kubernetes.default kubernetes.default.svc kubernetes.default.svc.cluster.local
";

/// The kubelet's resolv.conf for a pod in namespace `test` (ClusterFirst).
const RESOLV_CONF: &str = "\
search test.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
options ndots:5
";

/// (what, kapi's arguments, exit code, text its output must contain).
const STEPS: &[(&str, &[&str], i32, &str)] = &[
    ("kapi version", &["version"], 0, "Server Version: v1.33.1"),
    (
        "a Job and a Service's ready endpoints in one kapi wait",
        &[
            "wait",
            "job/setup",
            "--for=condition=Complete",
            "--and",
            "svc/gateway",
            "--for=endpoints",
            "--timeout=60s",
        ],
        0,
        "service/gateway condition met",
    ),
    (
        "a Job that failed ends the wait at once (exit 4)",
        &[
            "wait",
            "job/fails",
            "--for=condition=Complete",
            "--timeout=60s",
        ],
        4,
        "jobs/fails can no longer meet condition=Complete: the Job has failed",
    ),
    (
        "k8s-wait-for's job form",
        &["wait-for", "job", "setup"],
        0,
        "job.batch/setup condition met",
    ),
];

/// Builds the root, runs every step with both host forms, cleans up.
pub fn run(server: &FakeApiServer, kapi: &Path, sudo: &[&str]) -> Result<()> {
    let root = busybox::tempdir("kapi-scratch-root")?;
    let result = (|| {
        build_root(&root, kapi, server)?;
        check_layout(&root)?;
        for host in ["127.0.0.1", "kubernetes.default.svc"] {
            for (n, (what, args, code, want)) in STEPS.iter().enumerate() {
                step(&root, host, server.port(), sudo, args, *code, want)
                    .with_context(|| format!("scratch root, {host}: step {} ({what})", n + 1))?;
                println!("ok {} - scratch root ({host}): {what}", n + 1);
            }
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&root);
    result
}

/// `/bin/kapi`, `/etc/hosts`, `/etc/resolv.conf`, the service account.
fn build_root(root: &Path, kapi: &Path, server: &FakeApiServer) -> Result<()> {
    std::fs::create_dir_all(root.join("bin"))?;
    std::fs::create_dir_all(root.join("etc"))?;
    std::fs::copy(kapi, root.join("bin/kapi"))?;
    std::fs::write(root.join("etc/hosts"), HOSTS)?;
    std::fs::write(root.join("etc/resolv.conf"), RESOLV_CONF)?;
    busybox::service_account(root, server)
}

/// Nothing but what a scratch image and the kubelet put there.
fn check_layout(root: &Path) -> Result<()> {
    let mut files = Vec::new();
    walk(root, root, &mut files)?;
    files.sort();
    let allowed = |f: &str| {
        matches!(f, "bin/kapi" | "etc/hosts" | "etc/resolv.conf")
            || f.starts_with("var/run/secrets/kubernetes.io/serviceaccount/")
    };
    if let Some(extra) = files.iter().find(|f| !allowed(f)) {
        bail!("the scratch root holds {extra}, which the image would not");
    }
    Ok(())
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path: PathBuf = entry?.path();
        let meta = std::fs::symlink_metadata(&path)?;
        if meta.is_dir() {
            walk(root, &path, out)?;
        } else {
            out.push(path.strip_prefix(root)?.to_string_lossy().into_owned());
        }
    }
    Ok(())
}

/// `/bin/kapi ARGS` in the root, as the image's user, with only the
/// environment the kubelet gives a container.
fn step(
    root: &Path,
    host: &str,
    port: u16,
    sudo: &[&str],
    args: &[&str],
    want_code: i32,
    want: &str,
) -> Result<()> {
    let root_arg = format!("--root={}", root.display());
    let host_env = format!("KUBERNETES_SERVICE_HOST={host}");
    let port_env = format!("KUBERNETES_SERVICE_PORT={port}");
    let mut argv: Vec<&str> = sudo.to_vec();
    argv.extend([
        "env",
        "-i",
        "PATH=/bin",
        "HOSTNAME=kapi-scratch",
        &host_env,
        &port_env,
        "unshare",
        "--mount",
        &root_arg,
        "--setuid=65532",
        "--setgid=65532",
        "/bin/kapi",
    ]);
    argv.extend_from_slice(args);
    eprintln!("$ {}", argv.join(" "));
    let output = Command::new(argv[0])
        .args(&argv[1..])
        .output()
        .context("failed to run unshare")?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let code = output.status.code().unwrap_or(-1);
    if code != want_code {
        bail!("exit code {code}, want {want_code}: {text}");
    }
    if !text.contains(want) {
        bail!("output does not contain {want:?}: {text}");
    }
    Ok(())
}
