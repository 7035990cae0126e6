//! `kapi apply --server-side -f FILE|-`: server-side apply of a manifest.
//!
//! Client-side apply (kubectl's default, a three-way merge against the
//! `last-applied-configuration` annotation) is out of scope: it is refused
//! with a message rather than done half right.

use std::ffi::OsString;
use std::process::ExitCode;

use kapi::{Patch, PatchParams};
use serde_json::Value;

use super::flags;
use crate::args::{switch, value, Flag, UsageError};
use crate::error::{Error, Result};
use crate::objects::{self};

pub(super) const HELP: &str = "\
Apply a manifest with server-side apply: the server merges each object into the live one
and records which fields this field manager owns.

Usage:
  kapi apply --server-side -f FILE|DIR|- [options]

Only server-side apply is supported. kubectl's default client-side apply (a three-way
merge against the last-applied-configuration annotation) is not: 'kapi apply' without
--server-side is an error rather than something half right.

A field owned by another manager is a conflict: the server's message names the fields
and their managers. Re-run with --force-conflicts to take them over.

Examples:
  kapi apply --server-side -f settings.yaml
  kapi apply --server-side --field-manager=cleanup-job --force-conflicts -f - < cm.json

Options:
      --server-side         Required: apply on the server (PATCH application/apply-patch+yaml)
  -f, --filename FILE       Manifest file, directory of .json/.yaml/.yml files, or - for stdin
                            (repeatable, or comma-separated)
      --field-manager NAME  The field manager that owns what is applied (default kapi)
      --force-conflicts     Take over fields other managers own instead of failing
  -o, --output FORMAT       name|json|yaml (default: a line per object,
                            'configmap/foo serverside-applied')
      --dry-run STRATEGY    none|server: with server, nothing is stored
      --validate MODE       strict|warn|ignore: what the server does with unknown fields
                            (default strict)

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(super) const FLAGS: &[Flag] = &[
    switch("server-side", None),
    value("filename", Some('f')),
    value("field-manager", None),
    switch("force-conflicts", None),
    value("output", Some('o')),
    value("dry-run", None),
    value("validate", None),
];

/// kubectl's advice after an apply conflict (`pkg/cmd/apply/apply.go`).
const CONFLICT_ADVICE: &str = "\
Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the `--force-conflicts` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts";

pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    let Some(m) = super::parse("apply", args, FLAGS, HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    if !m.flag("server-side") {
        let message = if m.flag("force-conflicts") {
            "--force-conflicts only works with --server-side"
        } else {
            "client-side apply is not supported: use 'kapi apply --server-side -f FILE' (the \
             server merges the manifest and tracks field ownership)"
        };
        return Err(UsageError::new("apply", message).into());
    }
    let files = flags::manifest_files("apply", &m)?;
    let format = flags::output("apply", &m)?;
    let dry_run = flags::dry_run("apply", &m)?;
    let validation = flags::validation("apply", &m)?;
    let mut params =
        PatchParams::apply(flags::field_manager(&m, "kapi")).field_validation(validation);
    params.force = m.flag("force-conflicts");
    params.dry_run = dry_run;
    objects::each_manifest_object(
        "apply",
        &m,
        &files,
        validation,
        format,
        dry_run,
        "serverside-applied",
        |client, target| {
            let name = target.require_name()?;
            let object = target.object.clone().unwrap_or(Value::Null);
            match target
                .api(client)
                .patch::<_, Value>(name, &params, &Patch::Apply(object))
            {
                Ok(applied) => Ok(applied),
                Err(e) if e.is_conflict() && !e.is_already_exists() => {
                    let server = e.status().map(|s| s.message.clone()).unwrap_or_default();
                    Err(Error::msg(format!("{server}\n{CONFLICT_ADVICE}")))
                }
                Err(e) => Err(e.into()),
            }
        },
    )
}
