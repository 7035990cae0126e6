//! `kapi replace -f FILE|-`: replace every object of a manifest (PUT).

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use kapi::PostParams;

use super::flags;
use crate::args::{value, Flag, UsageError};
use crate::connect;
use crate::error::{Error, Result};
use crate::objects::{self, Scope};
use crate::output::{self, result::ResultPrinter};

const HELP: &str = "\
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

const FLAGS: &[Flag] = &[
    value("filename", Some('f')),
    value("output", Some('o')),
    value("dry-run", None),
    value("field-manager", None),
    value("validate", None),
];

pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    let Some(m) = super::parse("replace", args, FLAGS, HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let files = flags::filenames(&m);
    if files.is_empty() {
        return Err(UsageError::new("replace", "must specify --filename to replace").into());
    }
    if let Some(arg) = m.positionals.first() {
        return Err(UsageError::new(
            "replace",
            format!("unexpected argument {arg:?}: kapi replace only reads manifests (-f FILE)"),
        )
        .into());
    }
    let format = flags::output("replace", &m)?;
    let dry_run = flags::dry_run("replace", &m)?;
    let mut params = PostParams::default()
        .field_manager(flags::field_manager(&m, "kapi-replace"))
        .field_validation(flags::validation("replace", &m)?);
    params.dry_run = dry_run;
    let docs = objects::read_files(&files)?;
    let client = connect::client("replace", &m)?;
    let scope = Scope::new(&client, m.given("namespace"), false);
    let mut printer = ResultPrinter::new(format, dry_run);
    let mut out = output::stdout();
    let mut errors = Vec::new();
    let count = docs.len();
    for target in objects::from_files(&client, &scope, docs) {
        let result = target.and_then(|t| {
            let name = t.require_name()?;
            let object = t
                .object
                .as_ref()
                .ok_or_else(|| Error::msg("no object to send"))?;
            t.api(&client)
                .replace(name, &params, object)
                .map(|replaced| (replaced, t.clone()))
                .map_err(|e| objects::with_source(e, "replacing", &t.source))
        });
        match result {
            Ok((replaced, t)) => {
                printer.print(&mut out, &t.resource, &replaced, "replaced")?;
                out.flush()?;
            }
            Err(e) => errors.push(e),
        }
    }
    out.finish()?;
    if count == 0 {
        return Err(Error::msg("no objects passed to replace"));
    }
    objects::finish(errors)
}
