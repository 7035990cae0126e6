//! `kapi patch TYPE NAME -p PATCH`: strategic, merge or JSON patches;
//! `--local` and `--dry-run=client` apply them in kapi (`patch/local.rs`).

mod local;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use kapi::{Patch, PatchParams};
use serde_json::Value;

use super::flags;
use crate::args::{value, Flag, Matches, UsageError};
use crate::connect;
use crate::error::{Error, Result};
use crate::objects::{self, Args, Pick, Scope, Target};
use crate::output::{self, result::ResultFormat, result::ResultPrinter};
use kapi::manifest::parse_manifests;

pub(super) const HELP: &str = "\
Update fields of an object with a strategic merge patch, a JSON merge patch (RFC 7386)
or a JSON patch (RFC 6902). The patch is JSON or YAML.

Usage:
  kapi patch TYPE NAME [NAME...] (-p PATCH | --patch-file FILE) [options]
  kapi patch TYPE/NAME (-p PATCH | --patch-file FILE) [options]
  kapi patch -f FILE (-p PATCH | --patch-file FILE) [options]

Examples:
  # Mark this pod ready for a selector (merge patch: maps merge, null deletes a key):
  kapi patch pod \"$HOSTNAME\" --type merge -p '{\"metadata\":{\"labels\":{\"ready\":\"true\"}}}'
  # Change one container's image (strategic: containers merge by name):
  kapi patch ds gateway -p '{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"gw\",\"image\":\"gw:2\"}]}}}}'
  # Precise operations (JSON patch):
  kapi patch deploy web --type json -p '[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":3}]'
  # Scale without owning the spec:
  kapi patch deploy web --subresource scale --type merge -p '{\"spec\":{\"replicas\":2}}'

Options:
  -p, --patch PATCH         The patch, JSON or YAML
      --patch-file FILE     Read the patch from FILE
      --type TYPE           strategic|merge|json (default strategic; custom resources need
                            merge or json)
      --subresource NAME    status|scale: patch that subresource
  -f, --filename FILE       Patch the objects a manifest names
  -o, --output FORMAT       name|json|yaml (default: 'daemonset.apps/gateway patched', or
                            'patched (no change)' when the object did not change)
      --dry-run STRATEGY    none|server|client: with server, nothing is stored; with client,
                            the object is read and printed patched by kapi, not sent
      --local               Patch the objects of -f and print them: no server at all
                            (--local and --dry-run=client: merge and JSON patches, and
                            strategic ones without lists)
      --field-manager NAME  Owner of the fields written (default kapi-patch)

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(super) const FLAGS: &[Flag] = &[
    value("patch", Some('p')),
    value("patch-file", None),
    value("type", None),
    value("subresource", None),
    value("filename", Some('f')),
    value("output", Some('o')),
    value("dry-run", None),
    value("field-manager", None),
    crate::args::switch("local", None),
];

const PATCH_TYPES: &str = "[json merge strategic]";
const SUBRESOURCES: &[&str] = &["status", "scale"];

pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    let Some(m) = super::parse("patch", args, FLAGS, HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let usage = |msg: String| Error::Usage(UsageError::new("patch", msg));
    let (patch, subresource) = patch_of(&m)?;
    let files = flags::filenames(&m);
    let pick = Pick::default();
    let args = if files.is_empty() {
        if m.positionals.is_empty() {
            return Err(usage(
                "You must provide one or more resources by argument or filename.".into(),
            ));
        }
        Some(Args::parse("patch", &m.positionals, &pick, false)?)
    } else if !m.positionals.is_empty() {
        return Err(usage(
            "when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well".into(),
        ));
    } else {
        None
    };
    let format = flags::output("patch", &m)?;
    let strategy = flags::dry_run_strategy("patch", &m)?;
    let dry_run = strategy == flags::DryRun::Server;
    if m.flag("local") {
        if args.is_some() {
            return Err(Error::msg("cannot specify --local and server resources"));
        }
        return local(&files, &patch, format);
    }
    let client_side = strategy == flags::DryRun::Client;
    let mut params = PatchParams::default().field_manager(flags::field_manager(&m, "kapi-patch"));
    params.dry_run = dry_run;
    let docs = match args {
        None => Some(objects::read_files(&files)?),
        Some(_) => None,
    };
    let client = connect::client("patch", &m)?;
    let scope = Scope::new(&client, m.given("namespace"), false);
    let targets = match (&args, docs) {
        (Some(args), _) => objects::from_args(&client, &scope, args, &pick)?,
        (None, Some(docs)) => objects::from_files(&client, &scope, docs),
        (None, None) => Vec::new(),
    };
    let mut printer = ResultPrinter::new(format, dry_run);
    let mut out = output::stdout();
    let mut errors = Vec::new();
    let count = targets.len();
    for target in targets {
        match target.and_then(|t| patch_one(&client, &t, subresource, &params, &patch, client_side))
        {
            Ok((resource, before, after)) => {
                let operation = if before == after {
                    "patched (no change)"
                } else {
                    "patched"
                };
                printer.print(&mut out, &resource, &after, operation)?;
                out.flush()?;
            }
            Err(e) => errors.push(e),
        }
    }
    out.finish()?;
    if count == 0 {
        return Err(Error::msg("no objects passed to patch"));
    }
    objects::finish(errors)
}

/// The patch of `--patch` or `--patch-file` with its `--type`, and the
/// `--subresource`, checked as kubectl checks them.
fn patch_of(m: &Matches) -> Result<(Patch<Value>, Option<&str>)> {
    let usage = |msg: String| Error::Usage(UsageError::new("patch", msg));
    let (text, file) = (m.value("patch"), m.value("patch-file"));
    if text.is_some_and(|t| !t.is_empty()) && file.is_some_and(|f| !f.is_empty()) {
        return Err(usage(
            "cannot specify --patch and --patch-file together".into(),
        ));
    }
    let kind = m.value("type").unwrap_or("strategic").to_ascii_lowercase();
    if !matches!(kind.as_str(), "json" | "merge" | "strategic") {
        return Err(usage(format!(
            "--type must be one of {PATCH_TYPES}, not {:?}",
            m.value("type").unwrap_or_default()
        )));
    }
    let subresource = m.value("subresource").filter(|s| !s.is_empty());
    if let Some(s) = subresource.filter(|s| !SUBRESOURCES.contains(s)) {
        return Err(usage(format!(
            "invalid subresource value: {s:?}. Must be one of [status scale]"
        )));
    }
    let bytes = match (
        text.filter(|t| !t.is_empty()),
        file.filter(|f| !f.is_empty()),
    ) {
        (Some(text), _) => text.as_bytes().to_vec(),
        (None, Some(file)) => std::fs::read(file)
            .map_err(|e| Error::msg(format!("unable to read patch file: {e}")))?,
        (None, None) => {
            return Err(usage(
                "must specify --patch or --patch-file containing the contents of the patch".into(),
            ))
        }
    };
    let body = parse_patch(&bytes).map_err(|e| {
        Error::msg(format!(
            "unable to parse {:?}: {e}",
            text.unwrap_or_default()
        ))
    })?;
    let patch = match kind.as_str() {
        "json" => Patch::Json(body),
        "merge" => Patch::Merge(body),
        _ => Patch::Strategic(body),
    };
    Ok((patch, subresource))
}

/// `--local`: the manifests' objects patched and printed; nothing is sent.
fn local(files: &[&str], patch: &Patch<Value>, format: ResultFormat) -> Result<ExitCode> {
    let mut printer = ResultPrinter::new(format, false);
    let mut out = output::stdout();
    for (_, object) in objects::read_files(files)? {
        let after = local::apply(&object, patch).map_err(Error::msg)?;
        printer.print_object(&mut out, &after, "patched")?;
        out.flush()?;
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// Reads the object (as kubectl does, to tell a patch that changed nothing)
/// and patches it: (resource, before, after).
fn patch_one(
    client: &kapi::Client,
    target: &Target,
    subresource: Option<&str>,
    params: &PatchParams,
    patch: &Patch<Value>,
    client_side: bool,
) -> Result<(kapi::ApiResource, Value, Value)> {
    let name = target.require_name()?;
    let api = target.api(client);
    let path = match subresource {
        Some(sub) => format!("{}/{sub}", api.object_path(name)?),
        None => api.object_path(name)?,
    };
    let before: Value = client.get(&path).json()?;
    if client_side {
        let after = local::apply(&before, patch).map_err(Error::msg)?;
        return Ok((target.resource.clone(), before, after));
    }
    let result = match subresource {
        Some(sub) => api.patch_subresource(sub, name, params, patch),
        None => api.patch(name, params, patch),
    };
    let after: Value = result.map_err(|e| match e.status() {
        Some(status) if status.code == 415 => Error::msg(format!(
            "{} is not supported by {}, Kind={}: {}",
            patch.content_type(),
            target.resource.api_version(),
            target.resource.kind,
            status.message
        )),
        _ => e.into(),
    })?;
    Ok((target.resource.clone(), before, after))
}

/// The patch as JSON: JSON as given, or YAML converted (kubectl accepts both).
fn parse_patch(bytes: &[u8]) -> std::result::Result<Value, String> {
    if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
        return Ok(value);
    }
    let mut docs = parse_manifests("patch", bytes).map_err(|e| e.message().to_string())?;
    match docs.len() {
        1 => Ok(docs.remove(0)),
        0 => Err("the patch is empty".into()),
        _ => Err("the patch has more than one document".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patches_may_be_json_or_yaml() {
        assert_eq!(
            parse_patch(br#"{"spec":{"replicas":2}}"#).unwrap(),
            json!({"spec": {"replicas": 2}})
        );
        assert_eq!(
            parse_patch(b"spec:\n  replicas: 2\n").unwrap(),
            json!({"spec": {"replicas": 2}})
        );
        assert_eq!(
            parse_patch(b"- op: remove\n  path: /metadata/labels/x\n").unwrap(),
            json!([{"op": "remove", "path": "/metadata/labels/x"}])
        );
        assert!(parse_patch(b"a: b: c").is_err());
        assert!(parse_patch(b"").is_err());
    }
}
