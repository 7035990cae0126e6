//! `cargo xtask kind [--keep]`: ci/scenario.sh as a Job in a real kind
//! cluster, from the busybox image, with a real service account and RBAC.
//!
//! Steps, each printed before it runs: check the tools; build the static
//! binaries; build the image from ci/Dockerfile; create the cluster
//! `kapi-e2e`; run kapi from the runner with the kubeconfig kind wrote
//! (client certificates, as a laptop or CI would); load the image; apply
//! ci/manifests/ (with the image tag rendered in); wait for the Jobs; print
//! their logs; check them; delete the cluster unless `--keep`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::{cmd, dist, project_root, scenario_log};

const CLUSTER: &str = "kapi-e2e";
const CONTEXT: &str = "kind-kapi-e2e";
const NAMESPACE: &str = "test";
/// The image name the manifests use; its tag is rendered per build.
const IMAGE: &str = "kapi-e2e";
const MANIFEST_TAG: &str = "kapi-e2e:dev";
const JOBS: &[&str] = &["kapi-scenario", "kapi-example"];
const JOB_TIMEOUT: Duration = Duration::from_secs(300);

pub fn run(args: &[String]) -> Result<()> {
    let keep = match args {
        [] => false,
        [flag] if flag == "--keep" => true,
        _ => bail!("usage: cargo xtask kind [--keep]"),
    };
    check_tools()?;
    let root = project_root();
    let binaries = dist::build_static(&["kapi"], &["incluster"])?;
    let tag = format!("{IMAGE}:{}", image_tag(&root));
    let context_dir = build_context(&root, &binaries)?;
    cmd::run(
        &root,
        "docker",
        &["build", "-t", &tag, &context_dir.to_string_lossy()],
    )?;
    cmd::run(
        &root,
        "kind",
        &[
            "create",
            "cluster",
            "--name",
            CLUSTER,
            "--config",
            "ci/kind.yaml",
            "--wait",
            "180s",
        ],
    )?;
    let result = from_runner(&root, &binaries[0]).and_then(|()| deploy_and_check(&root, &tag));
    if keep {
        eprintln!(
            "--keep: the cluster stays; delete it with: kind delete cluster --name {CLUSTER}"
        );
    } else {
        cmd::run(&root, "kind", &["delete", "cluster", "--name", CLUSTER])?;
    }
    let _ = std::fs::remove_dir_all(&context_dir);
    result
}

/// Says exactly which of docker, kind and kubectl is missing.
fn check_tools() -> Result<()> {
    let hints = [
        (
            "docker",
            "a running Docker engine: https://docs.docker.com/engine/install/",
        ),
        (
            "kind",
            "https://kind.sigs.k8s.io/docs/user/quick-start/#installation",
        ),
        ("kubectl", "https://kubernetes.io/docs/tasks/tools/#kubectl"),
    ];
    let missing: Vec<String> = hints
        .iter()
        .filter(|(tool, _)| Command::new(tool).arg("version").output().is_err())
        .map(|(tool, hint)| format!("{tool} ({hint})"))
        .collect();
    if !missing.is_empty() {
        bail!(
            "cargo xtask kind needs docker, kind and kubectl on PATH; missing: {}",
            missing.join(", ")
        );
    }
    let info = Command::new("docker").arg("info").output()?;
    if !info.status.success() {
        bail!(
            "docker is installed but no engine answers (`docker info` failed): start Docker first"
        );
    }
    Ok(())
}

/// The short git commit, so every build gets a fresh tag.
fn image_tag(root: &Path) -> String {
    cmd::read(root, "git", &["rev-parse", "--short", "HEAD"])
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "dev".into())
}

/// A docker build context: the Dockerfile, the scenario and the binaries.
fn build_context(root: &Path, binaries: &[PathBuf]) -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("kapi-kind-context-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    std::fs::copy(root.join("ci/Dockerfile"), dir.join("Dockerfile"))?;
    std::fs::copy(root.join("ci/scenario.sh"), dir.join("scenario.sh"))?;
    for binary in binaries {
        let name = binary.file_name().context("binary name")?;
        std::fs::copy(binary, dir.join(name))?;
    }
    Ok(dir)
}

fn deploy_and_check(root: &Path, tag: &str) -> Result<()> {
    cmd::run(
        root,
        "kind",
        &["load", "docker-image", tag, "--name", CLUSTER],
    )?;
    let manifests = render_manifests(&root.join("ci/manifests"), tag)?;
    let file =
        std::env::temp_dir().join(format!("kapi-kind-manifests-{}.yaml", std::process::id()));
    std::fs::write(&file, manifests)?;
    let applied = cmd::run(
        root,
        "kubectl",
        &["--context", CONTEXT, "apply", "-f", &file.to_string_lossy()],
    );
    let _ = std::fs::remove_file(&file);
    applied?;
    let mut logs = Vec::new();
    for job in JOBS {
        let outcome = wait_for_job(root, job)?;
        let log = cmd::read(
            root,
            "kubectl",
            &[
                "--context",
                CONTEXT,
                "logs",
                "-n",
                NAMESPACE,
                &format!("job/{job}"),
            ],
        )?;
        println!("--- logs of job/{job} ({outcome}) ---\n{log}");
        if outcome != "Complete" {
            let _ = cmd::run(
                root,
                "kubectl",
                &[
                    "--context",
                    CONTEXT,
                    "get",
                    "pods",
                    "-n",
                    NAMESPACE,
                    "-o",
                    "wide",
                ],
            );
            bail!("job/{job} ended {outcome}");
        }
        logs.push(log);
    }
    check_logs(&logs[0], &logs[1])
}

/// What kapi runs on the runner against kind's own kubeconfig, and what
/// its stdout must contain.
pub const RUNNER_STEPS: &[(&[&str], &str)] = &[
    (&["config", "current-context"], CONTEXT),
    (
        &["config", "view", "--minify"],
        "client-key-data: DATA+OMITTED",
    ),
    (&["version"], "Server Version: v1."),
    (&["auth", "whoami"], "kubernetes-admin"),
    (&["auth", "can-i", "create", "namespaces"], "yes"),
    (&["get", "nodes"], "kapi-e2e-control-plane"),
    (
        &["get", "pods", "-n", "kube-system"],
        "kube-apiserver-kapi-e2e-control-plane",
    ),
];

/// Runs [`RUNNER_STEPS`] with `KUBECONFIG` set to what `kind get kubeconfig`
/// prints, and no in-cluster variables.
fn from_runner(root: &Path, kapi: &Path) -> Result<()> {
    let kubeconfig = cmd::read(root, "kind", &["get", "kubeconfig", "--name", CLUSTER])?;
    let file = std::env::temp_dir().join(format!("kapi-kind-kubeconfig-{}", std::process::id()));
    std::fs::write(&file, kubeconfig)?;
    let result = RUNNER_STEPS.iter().try_for_each(|(args, want)| {
        eprintln!("$ KUBECONFIG={} kapi {}", file.display(), args.join(" "));
        let out = cmd::clean(Command::new(kapi))
            .args(*args)
            .env("KUBECONFIG", &file)
            .env_remove("KUBERNETES_SERVICE_HOST")
            .env_remove("KUBERNETES_SERVICE_PORT")
            .output()
            .with_context(|| format!("failed to start {}", kapi.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        print!("{stdout}");
        check_runner_step(args, out.status.success(), &stdout, want)
    });
    let _ = std::fs::remove_file(&file);
    result
}

/// One runner step passed: exit 0 and `want` in its output, and no
/// secret printed (kind's kubeconfig holds the admin key).
pub fn check_runner_step(args: &[&str], success: bool, stdout: &str, want: &str) -> Result<()> {
    if !success {
        bail!("`kapi {}` failed", args.join(" "));
    }
    if !stdout.contains(want) {
        bail!("`kapi {}` did not print {want:?}", args.join(" "));
    }
    if stdout.contains("PRIVATE KEY") || stdout.contains("LS0tLS1CRUdJTi") {
        bail!("`kapi {}` printed key or certificate data", args.join(" "));
    }
    Ok(())
}

/// Every manifest in `dir`, in file-name order, as one multi-document
/// YAML, with the image placeholder replaced by `tag`.
pub fn render_manifests(dir: &Path, tag: &str) -> Result<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|f| f.extension().is_some_and(|e| e == "yaml"));
    files.sort();
    let mut out = String::new();
    for file in files {
        let text = std::fs::read_to_string(&file)?;
        out.push_str(&format!(
            "---\n# {}\n",
            file.file_name().unwrap_or_default().to_string_lossy()
        ));
        out.push_str(&text.replace(MANIFEST_TAG, tag));
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    Ok(out)
}

/// Polls the Job until it is Complete or Failed.
fn wait_for_job(root: &Path, job: &str) -> Result<String> {
    eprintln!(
        "$ kubectl --context {CONTEXT} get job/{job} -n {NAMESPACE} (until Complete or Failed)"
    );
    let started = Instant::now();
    loop {
        let conditions = cmd::read(
            root,
            "kubectl",
            &[
                "--context",
                CONTEXT,
                "get",
                &format!("job/{job}"),
                "-n",
                NAMESPACE,
                "-o",
                "jsonpath={.status.conditions[?(@.status==\"True\")].type}",
            ],
        )?;
        for outcome in ["Complete", "Failed"] {
            if conditions.split_whitespace().any(|c| c == outcome) {
                return Ok(outcome.to_string());
            }
        }
        if started.elapsed() > JOB_TIMEOUT {
            bail!("job/{job} did not finish within {}s", JOB_TIMEOUT.as_secs());
        }
        std::thread::sleep(Duration::from_secs(3));
    }
}

/// The scenario passed every step; the example printed its line.
pub fn check_logs(scenario: &str, example: &str) -> Result<()> {
    scenario_log::check(scenario)?;
    if !example.contains(&format!("daemonset gateway in namespace {NAMESPACE}: ")) {
        bail!("the library example did not print the DaemonSet's scheduled count: {example:?}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_render_with_the_image_tag_and_in_order() {
        let rendered =
            render_manifests(&project_root().join("ci/manifests"), "kapi-e2e:abc1234").unwrap();
        assert!(!rendered.contains(MANIFEST_TAG));
        assert_eq!(rendered.matches("image: kapi-e2e:abc1234").count(), 2);
        assert!(rendered.contains("image: busybox:1.37"));
        let namespace = rendered.find("kind: Namespace").unwrap();
        let jobs = rendered.find("name: kapi-scenario").unwrap();
        assert!(namespace < jobs, "the namespace must come first");
        for kind in ["ServiceAccount", "Role", "RoleBinding", "DaemonSet", "Job"] {
            assert!(rendered.contains(&format!("kind: {kind}\n")), "{kind}");
        }
    }

    #[test]
    fn the_role_does_not_grant_cluster_wide_access() {
        let text =
            std::fs::read_to_string(project_root().join("ci/manifests/10-rbac.yaml")).unwrap();
        // Comments may mention what is denied; only the YAML counts.
        let yaml: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect();
        let rbac = yaml.join("\n");
        assert!(
            !rbac.contains("ClusterRole"),
            "the can-i 'no' case must really be denied"
        );
        assert!(!rbac.contains("nodes"));
    }

    #[test]
    fn runner_steps_use_kinds_context_and_check_output() {
        assert_eq!(RUNNER_STEPS[0].1, "kind-kapi-e2e");
        assert!(RUNNER_STEPS.iter().any(|(args, _)| args[0] == "get"));
        check_runner_step(
            &["version"],
            true,
            "Server Version: v1.33.1\n",
            "Server Version: v1.",
        )
        .unwrap();
        assert!(check_runner_step(&["version"], false, "", "x").is_err());
        assert!(
            check_runner_step(&["get", "nodes"], true, "No resources found\n", "kapi-e2e").is_err()
        );
        let leaked = "client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=\n";
        assert!(check_runner_step(&["config", "view"], true, leaked, "client-key-data").is_err());
    }

    #[test]
    fn log_checks() {
        let mut scenario: String = (1..=scenario_log::MIN_STEPS)
            .map(|n| format!("ok {n} - s\n"))
            .collect();
        scenario.push_str(&format!("# all {} steps passed\n", scenario_log::MIN_STEPS));
        check_logs(
            &scenario,
            "daemonset gateway in namespace test: 1 pods scheduled, 1 ready\n",
        )
        .unwrap();
        assert!(check_logs(&scenario, "error: Unauthorized\n").is_err());
        assert!(check_logs("not ok 1 - x\n", "daemonset gateway in namespace test: 1").is_err());
    }
}
