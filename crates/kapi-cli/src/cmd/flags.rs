//! Flags the write commands share: `--dry-run`, `--validate`,
//! `--field-manager` and `-o`, with kubectl's values and messages.

use kapi::FieldValidation;

use crate::args::{value, Flag, Matches, UsageError};
use crate::output::result::ResultFormat;

/// The flags of the commands that write the objects of manifests
/// (`create -f`, `replace -f`), as kubectl's share them.
pub const MANIFEST_WRITE: &[Flag] = &[
    value("filename", Some('f')),
    value("output", Some('o')),
    value("dry-run", None),
    value("field-manager", None),
    value("validate", None),
];

/// `--dry-run=none|server`; true for `server`.
///
/// `client` is refused: it would only print the object kapi read, which
/// `-o yaml --dry-run=server` does better (the server defaults, validates
/// and runs admission, and stores nothing).
pub fn dry_run(command: &str, m: &Matches) -> Result<bool, UsageError> {
    match m.value("dry-run") {
        None | Some("none") => Ok(false),
        Some("server") => Ok(true),
        Some("client") => Err(UsageError::new(
            command,
            "--dry-run=client is not supported: use --dry-run=server (the server validates the \
             request and runs admission, and stores nothing)",
        )),
        Some(other) => Err(UsageError::new(
            command,
            format!(r#"Invalid dry-run value ({other}). Must be "none", "server", or "client"."#),
        )),
    }
}

/// `--dry-run` for the commands that have kubectl's client strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DryRun {
    None,
    /// `dryRun=All`: the server validates and runs admission, stores nothing.
    Server,
    /// Nothing is sent: the object is printed as kapi would send it.
    Client,
}

/// `--dry-run=none|server|client` (kubectl's values and message).
pub fn dry_run_strategy(command: &str, m: &Matches) -> Result<DryRun, UsageError> {
    match m.value("dry-run") {
        Some("client") => Ok(DryRun::Client),
        _ => Ok(match dry_run(command, m)? {
            true => DryRun::Server,
            false => DryRun::None,
        }),
    }
}

/// `--validate=strict|warn|ignore` (`true` is `strict`, `false` is
/// `ignore`), sent as `fieldValidation`. Strict by default, as kubectl.
pub fn validation(command: &str, m: &Matches) -> Result<FieldValidation, UsageError> {
    match m.value("validate").map(str::to_ascii_lowercase).as_deref() {
        None | Some("strict" | "true") => Ok(FieldValidation::Strict),
        Some("warn") => Ok(FieldValidation::Warn),
        Some("ignore" | "false") => Ok(FieldValidation::Ignore),
        Some(_) => Err(UsageError::new(
            command,
            format!(
                "invalid - validate option {:?}; must be one of: strict (or true), warn, ignore (or false)",
                m.value("validate").unwrap_or_default()
            ),
        )),
    }
}

/// `--field-manager`, else `default` (kubectl's are `kubectl-create`,
/// `kubectl-patch`, ...; kapi's are `kapi-create`, `kapi-patch`, ...).
pub fn field_manager<'m>(m: &'m Matches, default: &'m str) -> &'m str {
    m.value("field-manager")
        .filter(|v| !v.is_empty())
        .unwrap_or(default)
}

/// `-o name|json|yaml`, as a usage error when it is anything else.
pub fn output(command: &str, m: &Matches) -> Result<ResultFormat, UsageError> {
    ResultFormat::parse(m.value("output")).map_err(|e| {
        let text = e.to_string();
        UsageError::new(command, text.trim_start_matches("error: "))
    })
}

/// `-f` values (repeatable, comma-separated).
pub fn filenames(m: &Matches) -> Vec<&str> {
    m.all("filename")
}

/// The `-f` values of a manifest command (create, replace, apply), which
/// takes no other arguments.
pub fn manifest_files<'m>(command: &str, m: &'m Matches) -> Result<Vec<&'m str>, UsageError> {
    let files = filenames(m);
    if files.is_empty() {
        return Err(UsageError::new(
            command,
            "must specify -f FILE (a manifest file, a directory or - for stdin)",
        ));
    }
    if let Some(arg) = m.positionals.first() {
        return Err(UsageError::new(
            command,
            format!("unexpected argument {arg:?}: kapi {command} only reads manifests (-f FILE)"),
        ));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{parse, value, Flag};

    const FLAGS: &[Flag] = &[value("dry-run", None), value("validate", None)];

    fn matches(args: &[&str]) -> Matches {
        parse("x", args.iter().map(Into::into).collect(), FLAGS).unwrap()
    }

    #[test]
    fn dry_run_values() {
        assert!(!dry_run("x", &matches(&[])).unwrap());
        assert!(!dry_run("x", &matches(&["--dry-run=none"])).unwrap());
        assert!(dry_run("x", &matches(&["--dry-run=server"])).unwrap());
        assert!(dry_run("x", &matches(&["--dry-run=client"]))
            .unwrap_err()
            .message
            .contains("--dry-run=server"));
        assert_eq!(
            dry_run("x", &matches(&["--dry-run=maybe"]))
                .unwrap_err()
                .message,
            r#"Invalid dry-run value (maybe). Must be "none", "server", or "client"."#
        );
    }

    #[test]
    fn validate_values() {
        assert_eq!(
            validation("x", &matches(&[])).unwrap(),
            FieldValidation::Strict
        );
        assert_eq!(
            validation("x", &matches(&["--validate=false"])).unwrap(),
            FieldValidation::Ignore
        );
        assert_eq!(
            validation("x", &matches(&["--validate=Warn"])).unwrap(),
            FieldValidation::Warn
        );
        assert!(validation("x", &matches(&["--validate=yes"])).is_err());
    }
}
