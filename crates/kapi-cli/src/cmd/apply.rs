//! `kapi apply [--server-side] -f FILE|-`: server-side apply of a manifest.
//!
//! Without `--server-side`, where kubectl does client-side apply (a
//! three-way merge against the `last-applied-configuration` annotation,
//! computed by the client), kapi does what `kubectl apply --server-side`
//! does: server-side apply as field manager `kubectl`, then kubectl's
//! migration of client-side apply's ownership (`apply/migrate.rs`). That
//! field manager is the one the API server keeps in step with client-side
//! apply (conflicts with fields the annotation holds are forced, the
//! annotation is rewritten to what was applied), so `kapi apply -f x`
//! and `kubectl apply -f x` can follow each other without fighting over
//! fields. A one-line note on stderr says so.

mod migrate;

use std::ffi::OsString;
use std::process::ExitCode;

use kapi::{Patch, PatchParams};
use serde_json::Value;

use super::flags;
use crate::args::{switch, value, Flag};
use crate::error::{Error, Result};
use crate::objects::{self};

pub(super) const HELP: &str = "\
Apply a manifest with server-side apply: the server merges each object into the live one
and records which fields this field manager owns.

Usage:
  kapi apply -f FILE|DIR|- [options]
  kapi apply --server-side -f FILE|DIR|- [options]

kapi always applies on the server. Without --server-side (where kubectl would compute a
client-side three-way merge against the last-applied-configuration annotation) it does what
'kubectl apply --server-side' does, under kubectl's own field manager 'kubectl', and says so
in one line on stderr. The API server keeps that manager in step with kubectl's client-side
apply: fields the annotation holds at their live values are taken over without conflicts,
and the annotation is rewritten to what was applied. After the apply, as kubectl does, the
fields kubectl's client-side apply owned move to the 'kubectl' manager and the apply is sent
again, so fields dropped from the manifest are removed. So 'kapi apply -f x' then 'kubectl
apply -f x' (or the reverse) do not fight over fields. With --server-side the field manager
is kapi's ('kapi'), unless --field-manager says otherwise.

A field owned by another manager is a conflict: the server's message names the fields
and their managers. Re-run with --force-conflicts to take them over.

Examples:
  kapi apply --server-side -f settings.yaml
  kapi apply --server-side --field-manager=cleanup-job --force-conflicts -f - < cm.json

Options:
      --server-side         Apply as field manager 'kapi' (PATCH application/apply-patch+yaml);
                            without it, as 'kubectl' with kubectl's migration
  -f, --filename FILE       Manifest file, directory of .json/.yaml/.yml files, or - for stdin
                            (repeatable, or comma-separated)
      --field-manager NAME  The field manager that owns what is applied (default kapi with
                            --server-side, else kubectl)
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
    let server_side = m.flag("server-side");
    let files = flags::manifest_files("apply", &m)?;
    let format = flags::output("apply", &m)?;
    let dry_run = flags::dry_run("apply", &m)?;
    let validation = flags::validation("apply", &m)?;
    let default_manager = if server_side {
        "kapi"
    } else {
        migrate::MANAGER
    };
    let manager = flags::field_manager(&m, default_manager);
    if !server_side {
        eprintln!(
            "note: kapi apply is server-side apply as field manager \"{manager}\" ('kubectl apply --server-side'); see 'kapi apply --help'"
        );
    }
    let mut params = PatchParams::apply(manager).field_validation(validation);
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
            let api = target.api(client);
            match api.patch::<_, Value>(name, &params, &Patch::Apply(object.clone())) {
                Ok(applied) if manager == migrate::MANAGER && !dry_run => {
                    Ok(migrate::after_apply(&api, name, applied, &params, &object))
                }
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
