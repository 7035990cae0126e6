//! Helpers: a `kapi` command wired to a fake API server, and fixtures.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use kapi_fake::FakeApiServer;

/// Env vars that could change kapi's behaviour on the test machine.
const SCRUBBED: &[&str] = &[
    "KUBERNETES_SERVICE_HOST",
    "KUBERNETES_SERVICE_PORT",
    "KAPI_SERVICEACCOUNT_DIR",
    "POD_NAMESPACE",
    "KUBECONFIG",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "RUST_BACKTRACE",
    "KUBE_FEATURE_WatchListClient",
];

/// `kapi` with a clean environment and no server configured.
pub fn kapi_bare() -> Command {
    let mut cmd = Command::cargo_bin("kapi").expect("the kapi binary is built");
    for name in SCRUBBED {
        cmd.env_remove(name);
    }
    cmd.env("HOME", std::env::temp_dir());
    cmd.timeout(std::time::Duration::from_secs(60));
    cmd
}

/// `kapi` in in-cluster mode against `server`.
pub fn kapi(server: &FakeApiServer) -> Command {
    let mut cmd = kapi_bare();
    for (name, value) in server.env() {
        cmd.env(name, value);
    }
    cmd
}

/// A file under `fixtures/`.
pub fn fixture(path: &str) -> PathBuf {
    kapi_fake::fixtures_dir().join(path)
}

/// The bytes of a file under `fixtures/`.
pub fn fixture_bytes(path: &str) -> Vec<u8> {
    std::fs::read(fixture(path)).unwrap_or_else(|e| panic!("reading fixture {path}: {e}"))
}

/// A copy of `server`'s service-account directory with one file replaced.
pub fn sa_dir_with(server: &FakeApiServer, file: &str, content: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["token", "ca.crt", "namespace"] {
        let from: &Path = server.sa_dir();
        std::fs::copy(from.join(name), dir.path().join(name)).expect("copy service-account file");
    }
    std::fs::write(dir.path().join(file), content).expect("write service-account file");
    dir
}

/// stdout and stderr of a finished command, as text.
pub fn output_text(output: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// One stream (`stdout`, `stderr`, `code`) of the recorded case `name` in
/// the golden directory `dir` (`tests/golden/create`, `tests/golden/logs`).
/// The recording scripts keep no empty files: a missing `stdout` or
/// `stderr` beside the case's `code` file is an empty stream, and a case
/// without its `code` file was never recorded.
pub fn golden_case(dir: &str, name: &str, ext: &str) -> String {
    let path = |ext: &str| format!("{dir}/{name}.{ext}");
    match std::fs::read_to_string(path(ext)) {
        Ok(text) => text,
        Err(e) if ext != "code" && Path::new(&path("code")).is_file() => {
            assert_eq!(e.kind(), std::io::ErrorKind::NotFound, "{}", path(ext));
            String::new()
        }
        Err(e) => panic!("golden {}: {e}", path(ext)),
    }
}
