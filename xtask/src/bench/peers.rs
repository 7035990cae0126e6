//! The other clients on this machine, and what each weighs on disk.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result};

/// A program found on `PATH` (or given), with what it says its version is.
#[derive(Clone, Debug)]
pub struct Peer {
    pub path: PathBuf,
    pub version: String,
    /// For kubectl: the dispatcher that `kubectl` on `PATH` is, when the
    /// binary measured is the one it would hand over to.
    pub dispatcher: Option<PathBuf>,
}

/// `program` on `PATH`.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// curl, if installed.
pub fn curl() -> Option<Peer> {
    let path = which("curl")?;
    let out = Command::new(&path).arg("--version").output().ok()?;
    let version = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    Some(Peer {
        path,
        version,
        dispatcher: None,
    })
}

/// kubectl: `given`, else the one on `PATH`. Google Cloud SDK's `kubectl`
/// is a dispatcher that asks the server its version and then runs the
/// matching `kubectl.1.NN` beside it; that binary is measured instead,
/// chosen for `server_minor` (the fake says 1.33), so the extra request
/// and process are not counted against kubectl.
pub fn kubectl(given: Option<&Path>, server_minor: &str) -> Option<Peer> {
    let path = match given {
        Some(p) => p.to_path_buf(),
        None => which("kubectl")?,
    };
    let version = kubectl_version(&path)?;
    if !version.contains("dispatcher") {
        return Some(Peer {
            path,
            version,
            dispatcher: None,
        });
    }
    let real = std::fs::canonicalize(&path).ok()?;
    let dir = real.parent()?;
    let wanted = dir.join(format!("kubectl.1.{server_minor}"));
    let chosen = if wanted.is_file() {
        wanted
    } else {
        // The newest kubectl.1.NN there.
        let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(dir)
            .ok()?
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let minor: u32 = name.strip_prefix("kubectl.1.")?.parse().ok()?;
                Some((minor, e.path()))
            })
            .collect();
        versions.sort();
        versions.pop()?.1
    };
    let version = kubectl_version(&chosen)?;
    Some(Peer {
        path: chosen,
        version,
        dispatcher: Some(path),
    })
}

fn kubectl_version(path: &Path) -> Option<String> {
    let out = Command::new(path)
        .args(["version", "--client", "-o", "json"])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    v["clientVersion"]["gitVersion"]
        .as_str()
        .map(str::to_string)
}

/// A program's size on disk with the shared libraries `ldd` lists for it
/// (and the dynamic loader): (bytes, files).
pub fn size_with_libraries(program: &Path) -> Result<(u64, usize)> {
    let mut files: Vec<PathBuf> = vec![std::fs::canonicalize(program)?];
    let out = Command::new("ldd")
        .arg(program)
        .output()
        .context("failed to run ldd")?;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        // "libssl.so.3 => /lib/x86_64-linux-gnu/libssl.so.3 (0x...)" or
        // "/lib64/ld-linux-x86-64.so.2 (0x...)"; "linux-vdso.so.1 (0x...)" has no file.
        let target = match line.split_once("=>") {
            Some((_, rest)) => rest.trim(),
            None => line.trim(),
        };
        let file = target.split_whitespace().next().unwrap_or_default();
        if file.starts_with('/') {
            if let Ok(real) = std::fs::canonicalize(file) {
                files.push(real);
            }
        }
    }
    files.sort();
    files.dedup();
    let mut bytes = 0;
    for f in &files {
        bytes += std::fs::metadata(f)?.len();
    }
    Ok((bytes, files.len()))
}
