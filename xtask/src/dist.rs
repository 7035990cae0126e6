//! `cargo xtask dist`: the static release binary for busybox images.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::cmd;
use crate::project_root;

const MUSL: &str = "x86_64-unknown-linux-musl";
const GNU: &str = "x86_64-unknown-linux-gnu";

/// The size budget for the whole CLI.
pub const BUDGET: u64 = 3 * 1024 * 1024;

pub fn run(args: &[String]) -> Result<()> {
    if let Some(extra) = args.first() {
        bail!("unexpected argument '{extra}' (usage: cargo xtask dist)");
    }
    let binary = build()?;
    let size = std::fs::metadata(&binary)?.len();
    println!("{}", binary.display());
    println!(
        "size: {size} bytes ({:.2} MiB of the {} MiB budget)",
        size as f64 / (1024.0 * 1024.0),
        BUDGET / (1024 * 1024)
    );
    if is_dynamic(&binary)? {
        bail!(
            "{} is dynamically linked: it cannot run in a busybox image",
            binary.display()
        );
    }
    println!("static: yes (no ELF interpreter)");
    if size > BUDGET {
        bail!("the binary is {size} bytes, over the {BUDGET}-byte budget");
    }
    Ok(())
}

/// Builds the binary again, as `cargo xtask dist` would, and fails if cargo
/// compiled anything: a second `cargo xtask` run must be all `Fresh`. (The
/// child cargo once inherited `CARGO_MANIFEST_DIR` from `cargo run`, and
/// ring's build script reran on it, rebuilding half the tree every time.)
pub fn check_fresh() -> Result<()> {
    let root = project_root();
    let (target, rustflags) = target_and_flags(&root)?;
    let args = [
        "build",
        "--release",
        "-p",
        "kapi-cli",
        "--bin",
        "kapi",
        "--target",
        target,
        "--message-format=json",
    ];
    eprintln!(
        "$ RUSTFLAGS='{rustflags}' cargo {} (must be all fresh)",
        args.join(" ")
    );
    let output = cmd::clean(std::process::Command::new("cargo"))
        .args(args)
        .env("RUSTFLAGS", &rustflags)
        .current_dir(&root)
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("failed to start cargo")?;
    if !output.status.success() {
        bail!("the second build failed ({})", output.status);
    }
    let rebuilt: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["fresh"] == false)
        .filter_map(|m| m["target"]["name"].as_str().map(str::to_string))
        .collect();
    if !rebuilt.is_empty() {
        bail!(
            "a second build of the release binary compiled {} again: something in the \
             environment changes between runs",
            rebuilt.join(", ")
        );
    }
    eprintln!("second build: everything fresh");
    Ok(())
}

/// `$CARGO_HOME`, else `~/.cargo`.
fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo")
        })
}

/// The target to build for and its RUSTFLAGS (see [`build_static`]).
fn target_and_flags(root: &Path) -> Result<(&'static str, String)> {
    let installed =
        cmd::read(root, "rustup", &["target", "list", "--installed"]).unwrap_or_default();
    let target = if installed.lines().any(|l| l.trim() == MUSL) {
        MUSL
    } else {
        GNU
    };
    // --icf=all: rust-lld (the gnu target's default linker) folds identical
    // functions and constants, about 23 KB of the static binary. Rust makes
    // no promise that two functions have different addresses, and kapi
    // compares none. The musl build links with the system linker, which
    // may not have the flag.
    //
    // --no-eh-frame-hdr and discard-eh-frame.ld: with `panic = "abort"`
    // nothing unwinds; the unwind tables (`.eh_frame`, 308 KB, and its
    // index `.eh_frame_hdr`, 45 KB) only served backtraces of panics, which
    // the Architecture Invariant says never happen. A panic still prints
    // its message and location and aborts. (`-C force-unwind-tables=no`
    // does not remove them: std and glibc are prebuilt with them.)
    let mut rustflags = if target == GNU {
        format!(
            "-C target-feature=+crt-static -C relocation-model=static \
             -C link-arg=-Wl,--icf=all -C link-arg=-Wl,--no-eh-frame-hdr \
             -C link-arg=-Wl,-T,{}",
            root.join("xtask").join("discard-eh-frame.ld").display()
        )
    } else {
        "-C relocation-model=static".to_string()
    };
    // Panic locations name their source files; without the build machine's
    // prefixes (the cargo registry, this checkout) the paths are shorter,
    // and the binary does not depend on where it was built.
    let registry = cargo_home().join("registry").join("src");
    if let Ok(entries) = std::fs::read_dir(&registry) {
        for entry in entries.flatten() {
            rustflags.push_str(&format!(
                " --remap-path-prefix={}/=",
                entry.path().display()
            ));
        }
    }
    rustflags.push_str(&format!(" --remap-path-prefix={}/=", root.display()));
    // std's generic code, instantiated in kapi's crates, names its files
    // under /rustc/<commit>/.
    let version = cmd::read(root, "rustc", &["-vV"]).unwrap_or_default();
    if let Some(hash) = version
        .lines()
        .find_map(|l| l.strip_prefix("commit-hash: "))
    {
        rustflags.push_str(&format!(" --remap-path-prefix=/rustc/{}/=", hash.trim()));
    }
    Ok((target, rustflags))
}

/// Builds the static `kapi` binary.
pub fn build() -> Result<PathBuf> {
    let mut built = build_static(&["kapi"], &[])?;
    built.pop().context("cargo built nothing")
}

/// Builds static release binaries (`bins` of kapi-cli, `examples` of kapi):
/// musl where the target is installed, else gnu with `+crt-static` (which
/// needs an explicit `--target` so proc-macros still build for the host).
///
/// Both are linked non-PIE (`relocation-model=static`), as Go links
/// kubectl: in a static binary, position-independent code costs about 90 KB
/// of relocations, and buys address randomisation for a short-lived
/// process whose inputs are parsed by memory-safe code. The measured sizes
/// are in the README.
pub fn build_static(bins: &[&str], examples: &[&str]) -> Result<Vec<PathBuf>> {
    let root = project_root();
    let (target, rustflags) = target_and_flags(&root)?;
    let release = root.join("target").join(target).join("release");
    let mut built = Vec::new();
    for bin in bins {
        let args = [
            "build",
            "--release",
            "--quiet",
            "-p",
            "kapi-cli",
            "--bin",
            bin,
            "--target",
            target,
        ];
        cmd::run_env(&root, "cargo", &args, &[("RUSTFLAGS", &rustflags)])?;
        built.push(release.join(bin));
    }
    for example in examples {
        let args = [
            "build",
            "--release",
            "--quiet",
            "-p",
            "kapi",
            "--example",
            example,
            "--target",
            target,
        ];
        cmd::run_env(&root, "cargo", &args, &[("RUSTFLAGS", &rustflags)])?;
        built.push(release.join("examples").join(example));
    }
    for binary in &built {
        if is_dynamic(binary)? {
            bail!(
                "{} is dynamically linked: it cannot run in a busybox image",
                binary.display()
            );
        }
    }
    Ok(built)
}

/// True when the ELF file asks for a dynamic loader (has a PT_INTERP header).
pub fn is_dynamic(path: &Path) -> Result<bool> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    elf_has_interpreter(&bytes)
        .with_context(|| format!("{} is not a 64-bit little-endian ELF file", path.display()))
}

fn elf_has_interpreter(elf: &[u8]) -> Option<bool> {
    const PT_INTERP: u32 = 3;
    if elf.get(..4)? != b"\x7fELF" || *elf.get(4)? != 2 || *elf.get(5)? != 1 {
        return None;
    }
    let u16_at = |o: usize| elf.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |o: usize| {
        elf.get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let u64_at = |o: usize| {
        elf.get(o..o + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
    };
    let phoff = usize::try_from(u64_at(0x20)?).ok()?;
    let phentsize = usize::from(u16_at(0x36)?);
    let phnum = usize::from(u16_at(0x38)?);
    for i in 0..phnum {
        if u32_at(phoff + i * phentsize)? == PT_INTERP {
            return Some(true);
        }
    }
    Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_runner_itself_is_dynamic_and_garbage_is_not_elf() {
        let me = std::env::current_exe().unwrap();
        assert!(
            is_dynamic(&me).unwrap(),
            "test binaries link glibc dynamically"
        );
        assert!(elf_has_interpreter(b"#!/bin/sh\n").is_none());
        assert!(elf_has_interpreter(b"\x7fELF\x02\x01").is_none());
    }
}
