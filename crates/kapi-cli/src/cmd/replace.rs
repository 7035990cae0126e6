//! `kapi replace -f FILE|-`: replace every object of a manifest (PUT).

use std::ffi::OsString;
use std::process::ExitCode;

use kapi::PostParams;

use super::flags;
use crate::args::Flag;
use crate::error::{Error, Result};
use crate::objects::{self};

pub(super) const HELP: &str = "\
Replace objects with the content of a manifest: JSON or YAML, several documents, kind: List.

Usage:
  kapi replace -f FILE|DIR|- [options]

Each object must exist. When the manifest carries metadata.resourceVersion, the server
replaces the object only if that is still its version, else the replace fails with a
Conflict: read the object again, change it, and retry. Without one, the object is
overwritten whatever its version.

Examples:
  kapi get cm settings -o yaml > cm.yaml && vi cm.yaml && kapi replace -f cm.yaml
  kapi get cm settings -o json | sed 's/fast/slow/' | kapi replace -f -

Options:
  -f, --filename FILE       Manifest file, directory of .json/.yaml/.yml files, or - for stdin
                            (repeatable, or comma-separated)
  -o, --output FORMAT       name|json|yaml (default: a line per object, 'configmap/foo replaced')
      --dry-run STRATEGY    none|server: with server, nothing is stored
      --field-manager NAME  Owner of the fields written (default kapi-replace)
      --validate MODE       strict|warn|ignore: what the server does with unknown fields
                            (default strict)

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(super) const FLAGS: &[Flag] = super::flags::MANIFEST_WRITE;

pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    let Some(m) = super::parse("replace", args, FLAGS, HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let files = flags::manifest_files("replace", &m)?;
    let format = flags::output("replace", &m)?;
    let dry_run = flags::dry_run("replace", &m)?;
    let validation = flags::validation("replace", &m)?;
    let mut params = PostParams::default()
        .field_manager(flags::field_manager(&m, "kapi-replace"))
        .field_validation(validation);
    params.dry_run = dry_run;
    objects::each_manifest_object(
        "replace",
        &m,
        &files,
        validation,
        format,
        dry_run,
        "replaced",
        |client, target| {
            let name = target.require_name()?;
            let object = target
                .object
                .as_ref()
                .ok_or_else(|| Error::msg("no object to send"))?;
            target
                .api(client)
                .replace(name, &params, object)
                .map_err(|e| objects::with_source(e, "replacing", &target.source))
        },
    )
}
