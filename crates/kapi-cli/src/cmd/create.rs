//! `kapi create -f FILE|-`: create every object of a manifest.

use std::ffi::OsString;
use std::process::ExitCode;

use kapi::PostParams;

use super::flags;
use crate::args::{value, Flag};
use crate::error::{Error, Result};
use crate::objects::{self};

pub(super) const HELP: &str = "\
Create the objects of a manifest: JSON or YAML, several documents, kind: List.

Usage:
  kapi create -f FILE|DIR|- [options]

An object without a namespace is created in the pod's namespace (or -n). With -n, an
object naming another namespace is an error. A name that is taken is an error
(AlreadyExists): use 'kapi apply --server-side' to create or update.

Examples:
  kapi create -f job.yaml
  kapi create -f - <<EOF
  apiVersion: v1
  kind: ConfigMap
  metadata: {name: settings}
  data: {mode: fast}
  EOF
  kapi create -f cm.yaml --dry-run=server -o yaml

Options:
  -f, --filename FILE       Manifest file, directory of .json/.yaml/.yml files, or - for stdin
                            (repeatable, or comma-separated)
  -o, --output FORMAT       name|json|yaml (default: a line per object, 'configmap/foo created')
      --dry-run STRATEGY    none|server: with server, the server validates and runs admission
                            but stores nothing
      --field-manager NAME  Owner of the fields written (default kapi-create)
      --validate MODE       strict|warn|ignore: what the server does with unknown fields
                            (default strict)

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(super) const FLAGS: &[Flag] = &[
    value("filename", Some('f')),
    value("output", Some('o')),
    value("dry-run", None),
    value("field-manager", None),
    value("validate", None),
];

pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    let Some(m) = super::parse("create", args, FLAGS, HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let files = flags::manifest_files("create", &m)?;
    let format = flags::output("create", &m)?;
    let dry_run = flags::dry_run("create", &m)?;
    let validation = flags::validation("create", &m)?;
    let mut params = PostParams::default()
        .field_manager(flags::field_manager(&m, "kapi-create"))
        .field_validation(validation);
    params.dry_run = dry_run;
    objects::each_manifest_object(
        "create",
        &m,
        &files,
        validation,
        format,
        dry_run,
        "created",
        |client, target| {
            let object = target
                .object
                .as_ref()
                .ok_or_else(|| Error::msg("no object to send"))?;
            target
                .api(client)
                .create(&params, object)
                .map_err(|e| objects::with_source(e, "creating", &target.source))
        },
    )
}
