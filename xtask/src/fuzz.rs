//! `cargo xtask fuzz --seconds N [TARGET...]`: runs the cargo-fuzz targets
//! in `fuzz/` (nightly and cargo-fuzz), each for N seconds, and reports per
//! target the executions, the coverage and any crash with its artifact.
//!
//! Adding a target: `fuzz/fuzz_targets/<name>.rs`, its `[[bin]]` in
//! `fuzz/Cargo.toml`, and one line in [`TARGETS`]. `cargo xtask test` only
//! type-checks the targets (stable, no cargo-fuzz): see [`CHECK_ARGS`].

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::cmd;
use crate::project_root;

/// One fuzz target: its name (the `[[bin]]` in `fuzz/Cargo.toml`) and the
/// largest input libFuzzer may try (`-max_len`), in bytes.
struct Target {
    name: &'static str,
    max_len: usize,
}

/// Every target, in the order they run: one line each.
const TARGETS: &[Target] = &[
    Target::new("jsonpath_parse", 4096),
    Target::new("jsonpath_eval", 8192),
    Target::new("watch_decode", 16384),
    Target::new("status_decode", 8192),
    Target::new("manifest_read", 16384),
    Target::new("kubeconfig_load", 8192),
];

impl Target {
    const fn new(name: &'static str, max_len: usize) -> Target {
        Target { name, max_len }
    }
}

/// libFuzzer's memory bounds: the whole process (`-rss_limit_mb`) and any
/// single allocation (`-malloc_limit_mb`). Inputs are at most 16 KiB, so a
/// larger allocation means unbounded growth.
const RSS_LIMIT_MB: u32 = 2048;
const MALLOC_LIMIT_MB: u32 = 512;
/// One input slower than this is reported as a `timeout-` artifact.
const UNIT_TIMEOUT_SECONDS: u32 = 30;

const USAGE: &str = "usage: cargo xtask fuzz --seconds N [TARGET...]";

/// The stable `cargo` arguments `cargo xtask test` runs to prove the
/// targets compile: without the default feature, libfuzzer-sys builds no
/// C++ (libFuzzer itself), and `cargo check` links nothing. Shares the
/// workspace's target directory; `--locked` keeps `fuzz/Cargo.lock`
/// committed and current.
pub const CHECK_ARGS: &[&str] = &[
    "check",
    "--manifest-path",
    "fuzz/Cargo.toml",
    "--bins",
    "--no-default-features",
    "--locked",
    "--target-dir",
    "target",
    "--quiet",
];

/// What one run of a target showed.
#[derive(Debug, Default, PartialEq)]
struct Outcome {
    executions: Option<u64>,
    /// libFuzzer's last `cov: N ft: M corp: K/S` figures.
    coverage: Option<String>,
    peak_rss_mb: Option<u64>,
    /// `Test unit written to <path>`: a crash, leak, timeout or OOM input.
    artifact: Option<String>,
}

pub fn run(args: &[String]) -> Result<()> {
    let (seconds, names) = parse_args(args)?;
    let targets: Vec<&Target> = if names.is_empty() {
        TARGETS.iter().collect()
    } else {
        names.iter().map(|n| target(n)).collect::<Result<_>>()?
    };
    let root = project_root();
    check_tools(&root)?;
    cmd::run(&root, "cargo", &["+nightly", "fuzz", "build"])?;
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for t in targets {
        let (outcome, success) = run_target(&root, t, seconds)?;
        if !success || outcome.artifact.is_some() {
            failed.push(match &outcome.artifact {
                Some(a) => format!(
                    "{}: {a} (reproduce: cargo +nightly fuzz run {} {a})",
                    t.name, t.name
                ),
                None => format!(
                    "{}: failed without an artifact (see its output above)",
                    t.name
                ),
            });
        }
        rows.push((t.name, outcome, success));
    }
    println!("\n| target | seconds | executions | coverage | peak RSS | result |");
    println!("|---|---:|---:|---|---:|---|");
    for (name, o, success) in &rows {
        let result = match (&o.artifact, success) {
            (Some(a), _) => format!("CRASH `{a}`"),
            (None, false) => "FAILED".to_string(),
            (None, true) => "no crash".to_string(),
        };
        println!(
            "| {name} | {seconds} | {} | {} | {} | {result} |",
            o.executions.map_or("?".into(), |n| n.to_string()),
            o.coverage.as_deref().unwrap_or("?"),
            o.peak_rss_mb.map_or("?".into(), |n| format!("{n} MB")),
        );
    }
    if !failed.is_empty() {
        bail!("fuzzing found problems:\n  {}", failed.join("\n  "));
    }
    Ok(())
}

fn parse_args(args: &[String]) -> Result<(u64, Vec<String>)> {
    let mut seconds = None;
    let mut names = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                let n = args
                    .next()
                    .with_context(|| format!("--seconds needs a number\n{USAGE}"))?;
                seconds = Some(n.parse::<u64>().ok().filter(|&n| n > 0).with_context(|| {
                    format!("--seconds takes a whole number above 0, not '{n}'")
                })?);
            }
            flag if flag.starts_with('-') => bail!("unknown flag '{flag}'\n{USAGE}"),
            name => names.push(name.to_string()),
        }
    }
    let Some(seconds) = seconds else {
        bail!("--seconds is required\n{USAGE}");
    };
    Ok((seconds, names))
}

fn target(name: &str) -> Result<&'static Target> {
    TARGETS.iter().find(|t| t.name == name).with_context(|| {
        let all: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
        format!("unknown fuzz target '{name}' (targets: {})", all.join(", "))
    })
}

/// Nightly and cargo-fuzz, or exactly how to install them.
fn check_tools(root: &Path) -> Result<()> {
    let works = |args: &[&str]| {
        cmd::clean(Command::new("cargo"))
            .args(args)
            .current_dir(root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !works(&["+nightly", "--version"]) {
        bail!(
            "the nightly toolchain is missing: install it with `rustup toolchain install nightly`"
        );
    }
    if !works(&["+nightly", "fuzz", "--version"]) {
        bail!("cargo-fuzz is missing: install it with `cargo install cargo-fuzz --locked`");
    }
    Ok(())
}

/// Runs one target for `seconds`, its output passed through, and reads
/// libFuzzer's figures from it. The corpus grows in `fuzz/corpus/<name>`;
/// the committed seeds in `fuzz/seeds/<name>` are read, never written.
fn run_target(root: &Path, t: &Target, seconds: u64) -> Result<(Outcome, bool)> {
    let corpus = format!("fuzz/corpus/{}", t.name);
    let seeds = format!("fuzz/seeds/{}", t.name);
    std::fs::create_dir_all(root.join(&corpus))?;
    let mut args = vec![
        "+nightly".to_string(),
        "fuzz".into(),
        "run".into(),
        t.name.into(),
        corpus,
    ];
    if root.join(&seeds).is_dir() {
        args.push(seeds);
    }
    args.extend([
        "--".to_string(),
        format!("-max_total_time={seconds}"),
        format!("-max_len={}", t.max_len),
        format!("-rss_limit_mb={RSS_LIMIT_MB}"),
        format!("-malloc_limit_mb={MALLOC_LIMIT_MB}"),
        format!("-timeout={UNIT_TIMEOUT_SECONDS}"),
        "-print_final_stats=1".into(),
    ]);
    let shown: Vec<String> = args.iter().map(|a| cmd::shell_quote(a)).collect();
    eprintln!("$ cargo {}", shown.join(" "));
    let mut child = cmd::clean(Command::new("cargo"))
        .args(&args)
        .current_dir(root)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("failed to start cargo +nightly fuzz run")?;
    let stderr = child.stderr.take().context("no stderr pipe")?;
    let mut outcome = Outcome::default();
    let mut out = std::io::stderr().lock();
    for line in BufReader::new(stderr).lines() {
        let line = line?;
        read_line(&mut outcome, &line);
        // The user sees libFuzzer as if it ran directly.
        let _ = writeln!(out, "{line}");
    }
    drop(out);
    let status = child.wait()?;
    Ok((outcome, status.success()))
}

/// Picks libFuzzer's figures out of one line of its output.
fn read_line(outcome: &mut Outcome, line: &str) {
    if let Some(n) = line.strip_prefix("stat::number_of_executed_units:") {
        outcome.executions = n.trim().parse().ok();
    } else if let Some(n) = line.strip_prefix("stat::peak_rss_mb:") {
        outcome.peak_rss_mb = n.trim().parse().ok();
    } else if let Some((_, path)) = line.split_once("Test unit written to ") {
        // `slow-unit-*` (over `-report_slow_units`) is a note, not a failure.
        if !path.contains("/slow-unit-") {
            outcome.artifact = Some(path.trim().to_string());
        }
    } else if line.starts_with('#') {
        // `#1234\tNEW    cov: 56 ft: 78 corp: 9/120b lim: 4 exec/s: 0 rss: 30Mb`
        if let Some(start) = line.find("cov: ") {
            let end = line
                .find(" lim:")
                .or_else(|| line.find(" exec/s:"))
                .unwrap_or(line.len());
            if start < end {
                outcome.coverage = Some(line[start..end].trim().to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn reads_seconds_and_targets_and_rejects_the_rest() {
        assert_eq!(
            parse_args(&args(&["--seconds", "600", "watch_decode"])).unwrap(),
            (600, vec!["watch_decode".to_string()])
        );
        assert_eq!(parse_args(&args(&["--seconds", "5"])).unwrap(), (5, vec![]));
        assert!(parse_args(&args(&["watch_decode"])).is_err());
        assert!(parse_args(&args(&["--seconds", "0"])).is_err());
        assert!(parse_args(&args(&["--seconds", "x"])).is_err());
        assert!(parse_args(&args(&["--seconds", "5", "--jobs"])).is_err());
        let err = target("nope").err().unwrap().to_string();
        assert!(err.contains("jsonpath_parse, jsonpath_eval"), "{err}");
    }

    #[test]
    fn every_target_has_a_source_file_and_a_bin() {
        let root = project_root();
        let manifest = std::fs::read_to_string(root.join("fuzz/Cargo.toml")).unwrap();
        for t in TARGETS {
            let path = format!("fuzz_targets/{}.rs", t.name);
            assert!(root.join("fuzz").join(&path).is_file(), "{path}");
            assert!(
                manifest.contains(&format!("name = \"{}\"", t.name)),
                "{}",
                t.name
            );
        }
    }

    #[test]
    fn reads_libfuzzer_figures_and_the_artifact() {
        let mut o = Outcome::default();
        for line in [
            "#2\tINITED cov: 10 ft: 11 corp: 1/1b exec/s: 0 rss: 30Mb",
            "#524288\tpulse  cov: 1234 ft: 5678 corp: 345/12Kb lim: 4096 exec/s: 8738 rss: 45Mb",
            "==1== ERROR: libFuzzer: deadly signal",
            "artifact_prefix='/w/fuzz/artifacts/watch_decode/'; Test unit written to /w/fuzz/artifacts/watch_decode/crash-da39a3ee",
            "Test unit written to /w/fuzz/artifacts/watch_decode/slow-unit-0a1b",
            "stat::number_of_executed_units: 524301",
            "stat::peak_rss_mb: 46",
        ] {
            read_line(&mut o, line);
        }
        assert_eq!(
            o,
            Outcome {
                executions: Some(524_301),
                coverage: Some("cov: 1234 ft: 5678 corp: 345/12Kb".into()),
                peak_rss_mb: Some(46),
                artifact: Some("/w/fuzz/artifacts/watch_decode/crash-da39a3ee".into()),
            }
        );
    }
}
