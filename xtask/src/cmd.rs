//! Running commands the way a person would: each one printed first.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

/// Prints `$ program args...` and runs it in `dir`; fails on a non-zero exit.
pub fn run(dir: &Path, program: &str, args: &[&str]) -> Result<()> {
    run_env(dir, program, args, &[])
}

/// [`run`] with extra environment variables.
pub fn run_env(dir: &Path, program: &str, args: &[&str], env: &[(&str, &str)]) -> Result<()> {
    let shown: Vec<String> = env
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .chain(std::iter::once(program.to_string()))
        .chain(args.iter().map(|a| shell_quote(a)))
        .collect();
    eprintln!("$ {}", shown.join(" "));
    let status = clean(Command::new(program))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .stdin(Stdio::null())
        .status()
        .with_context(|| format!("failed to start {program}"))?;
    if !status.success() {
        bail!("`{}` failed ({status})", shown.join(" "));
    }
    Ok(())
}

/// The stdout of a command, which must succeed.
pub fn read(dir: &Path, program: &str, args: &[&str]) -> Result<String> {
    let out = clean(Command::new(program))
        .args(args)
        .current_dir(dir)
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("failed to start {program}"))?;
    if !out.status.success() {
        bail!("`{program} {}` failed ({})", args.join(" "), out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `command` without the variables `cargo run` set for xtask itself
/// (`CARGO_MANIFEST_DIR`, `CARGO_PKG_*`, ...). A child `cargo build` that
/// inherits them hands them to build scripts: ring's declares
/// `rerun-if-env-changed=CARGO_MANIFEST_DIR`, so every `cargo xtask` run
/// would otherwise rebuild ring, rustls, ureq, kapi and kapi-cli, and a
/// plain `cargo build` after it would rebuild them again.
pub fn clean(mut command: Command) -> Command {
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        if is_cargo_run_var(name) {
            command.env_remove(name);
        }
    }
    command
}

/// The variables cargo sets for the crate it runs, as opposed to the ones
/// a user sets to configure cargo (`CARGO_HOME`, `CARGO_TARGET_DIR`, ...).
fn is_cargo_run_var(name: &str) -> bool {
    name.starts_with("CARGO_PKG_")
        || matches!(
            name,
            "CARGO_MANIFEST_DIR"
                | "CARGO_MANIFEST_PATH"
                | "CARGO_MANIFEST_LINKS"
                | "CARGO_CRATE_NAME"
                | "CARGO_BIN_NAME"
                | "CARGO_PRIMARY_PACKAGE"
                | "CARGO_RUSTC_CURRENT_DIR"
        )
}

/// Quotes an argument for display the way sh would need it.
pub fn shell_quote(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,@%+".contains(&b))
    {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_commands_lose_cargo_run_variables_but_keep_user_ones() {
        assert!(is_cargo_run_var("CARGO_MANIFEST_DIR"));
        assert!(is_cargo_run_var("CARGO_PKG_VERSION"));
        assert!(!is_cargo_run_var("CARGO_HOME"));
        assert!(!is_cargo_run_var("CARGO_TARGET_DIR"));
        // xtask itself runs under `cargo run`, so this variable is set here.
        let cmd = clean(Command::new("true"));
        assert!(cmd
            .get_envs()
            .any(|(k, v)| k == "CARGO_MANIFEST_DIR" && v.is_none()));
    }

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(shell_quote("get"), "get");
        assert_eq!(
            shell_quote("/apis/x?resourceVersion=0"),
            "'/apis/x?resourceVersion=0'"
        );
        assert_eq!(shell_quote("{.status}"), "'{.status}'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
