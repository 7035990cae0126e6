//! `kapi create -f FILE|-`: create every object of a manifest; `kapi
//! create configmap|secret ...` (`objects.rs` for the data): an object
//! from literals and files.

mod data;
pub(super) mod from_data;

use std::ffi::OsString;
use std::process::ExitCode;

use kapi::PostParams;

use super::flags;
use crate::args::Flag;
use crate::error::{Error, Result};
use crate::objects::{self};

pub(super) const HELP: &str = "\
Create the objects of a manifest: JSON or YAML, several documents, kind: List.

Usage:
  kapi create -f FILE|DIR|- [options]
  kapi create configmap NAME [--from-literal=K=V] [--from-file=[K=]PATH] [--from-env-file=F]
  kapi create secret generic NAME [--type=T] [the same --from-* options]
  kapi create secret docker-registry NAME --docker-server=S --docker-username=U
                                          --docker-password=P [--docker-email=E]
  kapi create secret tls NAME --cert=FILE --key=FILE

(see 'kapi create configmap --help' for those)

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
      --dry-run STRATEGY    none|server|client: with server, the server validates and runs
                            admission but stores nothing; with client, the objects are
                            printed as read (with -o), nothing is sent
      --field-manager NAME  Owner of the fields written (default kapi-create)
      --validate MODE       strict|warn|ignore: what the server does with unknown fields
                            (default strict)

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(super) const FLAGS: &[Flag] = super::flags::MANIFEST_WRITE;

pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    if let Some(sub) = from_data::subcommand(&args) {
        return from_data::run(sub, args);
    }
    let Some(m) = super::parse("create", args, FLAGS, HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let files = flags::manifest_files("create", &m)?;
    let format = flags::output("create", &m)?;
    let strategy = flags::dry_run_strategy("create", &m)?;
    let validation = flags::validation("create", &m)?;
    if strategy == flags::DryRun::Client {
        return client_dry_run(&m, &files, validation, format);
    }
    let dry_run = strategy == flags::DryRun::Server;
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

/// `--dry-run=client`: each object printed as it would be sent, nothing
/// sent, no server needed. The namespace of `-n` is filled in for
/// built-in namespaced kinds (others are printed as read).
fn client_dry_run(
    m: &crate::args::Matches,
    files: &[&str],
    validation: kapi::FieldValidation,
    format: crate::output::result::ResultFormat,
) -> Result<ExitCode> {
    use std::io::Write;
    let namespace = m.value("namespace").filter(|n| !n.is_empty());
    let mut printer = crate::output::result::ResultPrinter::client_dry_run(format);
    let mut out = crate::output::stdout();
    let mut errors = Vec::new();
    let mut seen = 0;
    for object in objects::ManifestObjects::open(files, validation)? {
        let mut object = match object {
            Ok((_, object)) => object,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        seen += 1;
        let api_version = object["apiVersion"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let kind = object["kind"].as_str().unwrap_or_default();
        let resource = kapi::builtin_kind(&api_version, kind);
        if let (Some(ns), Some(r)) = (namespace, &resource) {
            if r.namespaced && object["metadata"]["namespace"].is_null() {
                object["metadata"]["namespace"] = ns.into();
            }
        }
        printer.print_object(&mut out, &object, "created")?;
        out.flush()?;
    }
    out.finish()?;
    if seen == 0 && errors.is_empty() {
        return Err(Error::msg("no objects passed to create"));
    }
    objects::finish(errors)
}
