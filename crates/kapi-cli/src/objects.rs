//! What a write command acts on: the objects of `-f` manifests, or objects
//! named on the command line (`TYPE NAME...`, `TYPE/NAME...`, `TYPE -l SEL`,
//! `TYPE --all`), each resolved to its resource type, namespace and name.
//!
//! Prefer [`from_files`] and [`from_args`] over resolving by hand: they apply
//! kubectl's namespace rules and its messages. Errors that concern one
//! object are returned per object, so a command can carry on with the
//! others and report them all at the end ([`finish`]), as kubectl's
//! `ContinueOnError` does.

use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use kapi::manifest::{flatten_lists, Documents, ManifestError};
use kapi::{Api, ApiResource, Client, FieldValidation, ListParams};
use serde_json::Value;

use crate::args::{Matches, UsageError};
use crate::connect;
use crate::error::{Error, Result};
use crate::output::{self, result::ResultFormat, result::ResultPrinter};

/// The namespace rules of one command line.
#[derive(Clone, Debug)]
pub struct Scope {
    /// The namespace of objects that name none: `-n`, else the pod's own.
    pub namespace: String,
    /// `-n` was given: a manifest naming another namespace is an error.
    pub enforce: bool,
    /// `-A`: selectors match across all namespaces.
    pub all_namespaces: bool,
}

impl Scope {
    /// The scope of `client` (built with `-n` applied), `-n` given or not.
    pub fn new(client: &Client, explicit: bool, all_namespaces: bool) -> Scope {
        Scope {
            namespace: client.namespace().to_string(),
            enforce: explicit,
            all_namespaces,
        }
    }
}

/// One object to act on.
#[derive(Clone, Debug)]
pub struct Target {
    /// Its resource type.
    pub resource: ApiResource,
    /// Its namespace; `None` for cluster-scoped types.
    pub namespace: Option<String>,
    /// Its name; empty only for a manifest that relies on `generateName`.
    pub name: String,
    /// The manifest it came from (`STDIN` for `-`), or empty for objects
    /// named on the command line: kubectl's `error when creating "..."`.
    pub source: String,
    /// The object: the manifest's, or the listed one for `-l`/`--all`.
    pub object: Option<Value>,
    /// The namespace the manifest gave (empty if none, or not from a
    /// manifest): kubectl's mapping errors name it.
    pub declared_namespace: String,
}

impl Target {
    /// An [`Api`] on its type, in its namespace.
    pub fn api(&self, client: &Client) -> Api {
        let api = client.api(self.resource.clone());
        match &self.namespace {
            Some(ns) => api.namespace(ns),
            None => api,
        }
    }

    /// kubectl's "resource name may not be empty" for verbs that need a name.
    pub fn require_name(&self) -> Result<&str> {
        if self.name.is_empty() {
            return Err(Error::msg("resource name may not be empty"));
        }
        Ok(&self.name)
    }
}

/// The objects of every `-f` value, read one document at a time, with
/// `List`s flattened, as (source, object) pairs. Values may be
/// comma-separated (`-f a.yaml,b.yaml`), `-` for stdin, or a directory (its
/// `.json`, `.yaml` and `.yml` files, in name order).
///
/// Like kubectl's builder, it hands out each object before it reads the
/// next document, so memory holds one document, and the objects before a
/// broken document are acted on. A broken document ends its file (the
/// error is the item); the next file is read.
pub struct ManifestObjects {
    paths: std::vec::IntoIter<String>,
    validation: FieldValidation,
    current: Option<ManifestFile>,
    /// The items of the current document (more than one for a `List`).
    items: std::collections::VecDeque<Value>,
    stdin_read: bool,
}

/// A manifest being read: its source name and its documents.
type ManifestFile = (String, Documents<Box<dyn Read>>);

impl ManifestObjects {
    /// Checks that every path exists (nothing is read yet). With
    /// `FieldValidation::Strict` a repeated key in a manifest is an error,
    /// with `Warn` a `Warning:` line on stderr, with `Ignore` nothing.
    pub fn open(values: &[&str], validation: FieldValidation) -> Result<ManifestObjects> {
        let mut paths: Vec<String> = Vec::new();
        for value in values {
            for part in value.split(',').filter(|p| !p.is_empty()) {
                let path = Path::new(part);
                if part == "-" {
                    paths.push(part.to_string());
                } else if path.is_dir() {
                    paths.extend(manifest_files(path)?);
                } else if path.exists() {
                    paths.push(part.to_string());
                } else {
                    return Err(Error::msg(format!("the path {part:?} does not exist")));
                }
            }
        }
        Ok(ManifestObjects {
            paths: paths.into_iter(),
            validation,
            current: None,
            items: Default::default(),
            stdin_read: false,
        })
    }

    /// The next file, opened; `None` after the last.
    fn next_file(&mut self) -> Option<Result<ManifestFile>> {
        loop {
            let path = self.paths.next()?;
            let reader: Box<dyn Read> = if path == "-" {
                if self.stdin_read {
                    continue;
                }
                self.stdin_read = true;
                Box::new(std::io::stdin().lock())
            } else {
                match std::fs::File::open(&path) {
                    Ok(file) => Box::new(file),
                    Err(e) => {
                        return Some(Err(Error::msg(format!("failed to read {path:?}: {e}"))))
                    }
                }
            };
            let documents = Documents::new(&path, reader).field_validation(self.validation);
            let source = if path == "-" {
                "STDIN".to_string()
            } else {
                path
            };
            return Some(Ok((source, documents)));
        }
    }
}

impl Iterator for ManifestObjects {
    type Item = Result<(String, Value)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let (Some(item), Some((source, _))) = (self.items.pop_front(), &self.current) {
                return Some(Ok((source.clone(), item)));
            }
            let Some((_, documents)) = &mut self.current else {
                match self.next_file()? {
                    Ok(file) => self.current = Some(file),
                    Err(e) => return Some(Err(e)),
                }
                continue;
            };
            match documents.next() {
                Some(Ok(doc)) => {
                    for warning in doc.warnings() {
                        eprintln!("Warning: {warning}");
                    }
                    self.items.extend(flatten_lists(vec![doc.into_value()]));
                }
                Some(Err(e)) => {
                    self.current = None;
                    return Some(Err(manifest_error(&e)));
                }
                None => self.current = None,
            }
        }
    }
}

/// A manifest that cannot be read, with the fix for a repeated key. A YAML
/// syntax error has kubectl's words (`error parsing F: error converting
/// YAML to JSON: yaml: …`, which scripts grep for) with kapi's position.
fn manifest_error(e: &ManifestError) -> Error {
    if e.is_yaml_syntax() {
        let source = match e.source_name() {
            "-" => "STDIN",
            path => path,
        };
        Error::msg(format!(
            "error parsing {source}: error converting YAML to JSON: yaml: document {}, line {}, column {}: {}",
            e.document(),
            e.line(),
            e.column(),
            e.message()
        ))
    } else if e.is_duplicate_field() {
        Error::msg(format!(
            "{e}\nremove one of them, or pass --validate=warn to keep the last one"
        ))
    } else {
        Error::msg(e.to_string())
    }
}

/// All objects of `values` (see [`ManifestObjects`]), read before anything
/// is sent; the first unreadable document is the error. Repeated keys keep
/// their last value (these commands have no `--validate`).
pub fn read_files(values: &[&str]) -> Result<Vec<(String, Value)>> {
    ManifestObjects::open(values, FieldValidation::Ignore)?.collect()
}

/// The `.json`, `.yaml` and `.yml` files of `dir`, sorted (not recursive).
fn manifest_files(dir: &Path) -> Result<Vec<String>> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::msg(format!("failed to read {}: {e}", dir.display())))?;
    let mut files: Vec<String> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e, "json" | "yaml" | "yml"))
        })
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    files.sort();
    Ok(files)
}

/// Resolves manifest objects to targets: the type from `apiVersion` and
/// `kind`, the namespace by kubectl's rules (the object's own, else the
/// scope's, which is written into the object; with `-n`, a different one
/// is an error), the name from `metadata.name`.
pub fn from_files(
    client: &Client,
    scope: &Scope,
    docs: Vec<(String, Value)>,
) -> Vec<Result<Target>> {
    docs.into_iter()
        .map(|(source, object)| from_manifest(client, scope, source, object))
        .collect()
}

/// One manifest object resolved as [`from_files`] resolves them.
pub fn from_manifest(
    client: &Client,
    scope: &Scope,
    source: String,
    mut object: Value,
) -> Result<Target> {
    if !object.is_object() {
        return Err(Error::msg(format!(
            "error validating {source:?}: a manifest must be an object, not {}",
            json_type(&object)
        )));
    }
    let api_version = object["apiVersion"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let kind = object["kind"].as_str().unwrap_or_default().to_string();
    let missing: Vec<&str> = [
        ("apiVersion not set", api_version.is_empty()),
        ("kind not set", kind.is_empty()),
    ]
    .iter()
    .filter(|(_, m)| *m)
    .map(|(what, _)| *what)
    .collect();
    if !missing.is_empty() {
        return Err(Error::msg(format!(
            "error validating {source:?}: error validating data: [{}]",
            missing.join(", ")
        )));
    }
    let name = object["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let declared_namespace = object["metadata"]["namespace"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let resource = client
        .resolve_kind(&api_version, &kind)
        .map_err(|e| match e {
            kapi::Error::UnknownKind { .. } => {
                mapping_not_found(&name, &declared_namespace, &source, &e)
            }
            other => Error::from(other),
        })?;
    let namespace = if resource.namespaced {
        let own = object["metadata"]["namespace"].as_str().unwrap_or_default();
        if own.is_empty() {
            set_namespace(&mut object, &scope.namespace);
            Some(scope.namespace.clone())
        } else if scope.enforce && own != scope.namespace {
            return Err(Error::msg(format!(
                "the namespace from the provided object {own:?} does not match the namespace {:?}. You must pass '--namespace={own}' to perform this operation.",
                scope.namespace
            )));
        } else {
            Some(own.to_string())
        }
    } else {
        // kubectl's SetNamespace visitor: a cluster-scoped object is sent
        // without the namespace its manifest may give it.
        if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("namespace");
        }
        None
    };
    Ok(Target {
        resource,
        namespace,
        name,
        source,
        object: Some(object),
        declared_namespace,
    })
}

/// kubectl's error for an object whose kind no resource type serves.
fn mapping_not_found(name: &str, namespace: &str, source: &str, e: &kapi::Error) -> Error {
    Error::msg(format!(
        "resource mapping not found for name: {name:?} namespace: {namespace:?} from {source:?}: {e}\nensure CRDs are installed first"
    ))
}

/// Whether a 404 for `resource` means the server does not serve the type
/// at all. kubectl maps every kind through discovery; kapi maps built-in
/// kinds from its compiled table without a request, so on a 404 for one
/// of those it asks discovery (once per client) whether the server has
/// the type. A discovery failure keeps the 404.
pub fn not_served(client: &Client, resource: &ApiResource, e: &kapi::Error) -> bool {
    e.is_not_found()
        && kapi::builtin_kind(&resource.api_version(), &resource.kind).is_some()
        && client.discovery().is_ok_and(|d| !d.serves(resource))
}

/// `e`, the error of acting on a manifest's `target`, as kubectl gives it:
/// a type the server does not serve is kubectl's "resource mapping not
/// found" error.
pub fn unmapped_or(client: &Client, target: &Target, e: Error) -> Error {
    let Error::Kapi(k) = &e else { return e };
    if target.source.is_empty() || !not_served(client, &target.resource, k) {
        return e;
    }
    let unknown = kapi::Error::UnknownKind {
        api_version: target.resource.api_version(),
        kind: target.resource.kind.clone(),
    };
    mapping_not_found(
        &target.name,
        &target.declared_namespace,
        &target.source,
        &unknown,
    )
}

fn set_namespace(object: &mut Value, namespace: &str) {
    if let Some(obj) = object.as_object_mut() {
        let meta = obj
            .entry("metadata")
            .or_insert_with(|| Value::Object(Default::default()));
        if !meta.is_object() {
            *meta = Value::Object(Default::default());
        }
        if let Some(meta) = meta.as_object_mut() {
            meta.insert("namespace".into(), Value::String(namespace.to_string()));
        }
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// How objects are picked on the command line besides their names.
#[derive(Clone, Debug, Default)]
pub struct Pick<'a> {
    /// `-l`.
    pub selector: Option<&'a str>,
    /// `--field-selector`.
    pub field_selector: Option<&'a str>,
    /// `--all`.
    pub all: bool,
}

/// The `TYPE [NAME...]` / `TYPE/NAME...` arguments of one command line,
/// checked against `-l`/`--field-selector`/`--all`/`-A` before anything
/// is sent. Mistakes are usage errors.
#[derive(Clone, Debug)]
pub struct Args {
    groups: Vec<(String, Vec<String>)>,
    named: bool,
}

impl Args {
    /// Checks `args` for `command` as kubectl's resource builder does.
    pub fn parse(
        command: &str,
        args: &[String],
        pick: &Pick<'_>,
        all_namespaces: bool,
    ) -> std::result::Result<Args, UsageError> {
        let usage = |m: &str| UsageError::new(command, m);
        let selecting = pick.selector.is_some() || pick.field_selector.is_some();
        let groups = type_args(args).map_err(|m| usage(&m))?;
        let named = groups.iter().any(|(_, names)| !names.is_empty());
        if named && selecting {
            return Err(usage(
                "name cannot be provided when a selector is specified",
            ));
        }
        if named && pick.all {
            return Err(usage("name cannot be provided when --all is specified"));
        }
        if pick.all && pick.selector.is_some() {
            return Err(usage("cannot set --all and --selector at the same time"));
        }
        if pick.all && pick.field_selector.is_some() {
            return Err(usage(
                "cannot set --all and --field-selector at the same time",
            ));
        }
        if !named && !selecting && !pick.all {
            return Err(usage(
                "resource(s) were provided, but no name was specified",
            ));
        }
        if named && all_namespaces {
            return Err(usage(
                "a resource cannot be retrieved by name across all namespaces",
            ));
        }
        Ok(Args { groups, named })
    }
}

/// Targets from checked [`Args`]: named objects (not fetched, `object` is
/// `None`) or, with `-l`/`--field-selector`/`--all`, the listed objects of
/// each type. The outer error is a failed lookup or list.
pub fn from_args(
    client: &Client,
    scope: &Scope,
    args: &Args,
    pick: &Pick<'_>,
) -> Result<Vec<Result<Target>>> {
    let mut targets = Vec::new();
    for (type_names, names) in &args.groups {
        for type_name in type_names.split(',').filter(|t| !t.is_empty()) {
            let resource = client.resolve(type_name)?;
            let namespace = resource.namespaced.then(|| scope.namespace.clone());
            if args.named {
                for name in names {
                    targets.push(Ok(Target {
                        resource: resource.clone(),
                        namespace: namespace.clone(),
                        name: name.clone(),
                        source: String::new(),
                        object: None,
                        declared_namespace: String::new(),
                    }));
                }
                continue;
            }
            let mut api = client.api(resource.clone());
            if let Some(ns) = &namespace {
                api = api.namespace(ns);
            }
            if scope.all_namespaces {
                api = api.all_namespaces();
            }
            let mut params = ListParams::default();
            params.label_selector = pick.selector.map(str::to_string);
            params.field_selector = pick.field_selector.map(str::to_string);
            for item in api.list(params).items::<Value>() {
                let mut item = item?;
                let name = item["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let item_ns = item["metadata"]["namespace"].as_str().map(str::to_string);
                if let Some(obj) = item.as_object_mut() {
                    // List items come without kind and apiVersion.
                    obj.entry("apiVersion")
                        .or_insert_with(|| Value::String(resource.api_version()));
                    obj.entry("kind")
                        .or_insert_with(|| Value::String(resource.kind.clone()));
                }
                targets.push(Ok(Target {
                    resource: resource.clone(),
                    namespace: if resource.namespaced {
                        item_ns.or_else(|| namespace.clone())
                    } else {
                        None
                    },
                    name,
                    source: String::new(),
                    object: Some(item),
                    declared_namespace: String::new(),
                }));
            }
        }
    }
    Ok(targets)
}

/// `TYPE [NAME...]` or `TYPE/NAME...` as (types, names) groups.
pub fn type_args(args: &[String]) -> std::result::Result<Vec<(String, Vec<String>)>, String> {
    let Some(first) = args.first() else {
        return Err("You must provide one or more resources by argument or filename.\n\
                    Example resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'"
            .into());
    };
    if !first.contains('/') {
        if let Some(slashed) = args[1..].iter().find(|a| a.contains('/')) {
            return Err(format!(
                "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kapi get resource/<resource_name>' instead of 'kapi get resource {slashed}')"
            ));
        }
        return Ok(vec![(first.clone(), args[1..].to_vec())]);
    }
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for arg in args {
        let (type_name, name) = arg
            .split_once('/')
            .filter(|(t, n)| !t.is_empty() && !n.is_empty() && !n.contains('/'))
            .ok_or_else(|| {
                format!("arguments in resource/name form must have a single resource and name, got {arg:?}")
            })?;
        match groups.last_mut() {
            Some((t, names)) if t == type_name => names.push(name.to_string()),
            _ => groups.push((type_name.to_string(), vec![name.to_string()])),
        }
    }
    Ok(groups)
}

/// kubectl's `error when <verb> "<source>": ` before an error about an
/// object read from a manifest (nothing for objects named in arguments).
pub fn with_source(e: kapi::Error, verb: &str, source: &str) -> Error {
    if source.is_empty() {
        return e.into();
    }
    match e {
        kapi::Error::Api(mut status) => {
            status.message = format!("error when {verb} {source:?}: {}", status.message);
            Error::Kapi(kapi::Error::Api(status))
        }
        other => Error::msg(format!("error when {verb} {source:?}: {other}")),
    }
}

/// The body of a manifest command (create, replace, apply): reads `files`
/// one document at a time, hands each object to `act` before reading the
/// next, and prints kubectl's `<kind>/<name> <done>` line (or the `-o`
/// form) for the object it returns. `validation` is `--validate`, which
/// also decides what a repeated key in a manifest is. Errors are reported
/// after the output, as kubectl does; the connection is made at the first
/// object.
#[allow(clippy::too_many_arguments)]
pub fn each_manifest_object(
    command: &str,
    m: &Matches,
    files: &[&str],
    validation: FieldValidation,
    format: ResultFormat,
    dry_run: bool,
    done: &str,
    mut act: impl FnMut(&Client, &Target) -> Result<Value>,
) -> Result<ExitCode> {
    let objects = ManifestObjects::open(files, validation)?;
    let mut connection: Option<(Client, Scope)> = None;
    let mut printer = ResultPrinter::new(format, dry_run);
    let mut out = output::stdout();
    let mut errors = Vec::new();
    let mut seen = 0;
    for object in objects {
        let (source, object) = match object {
            Ok(o) => o,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        seen += 1;
        let (client, scope) = match &connection {
            Some(c) => c,
            None => {
                let client = connect::client(command, m)?;
                let scope = Scope::new(&client, m.given("namespace"), false);
                connection.insert((client, scope))
            }
        };
        let target = from_manifest(client, scope, source, object);
        let target = match target {
            Ok(t) => t,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        match act(client, &target) {
            Ok(object) => {
                printer.print(&mut out, &target.resource, &object, done)?;
                out.flush()?;
            }
            Err(e) => errors.push(unmapped_or(client, &target, e)),
        }
    }
    out.finish()?;
    // kubectl's create and apply refuse an input without objects; its
    // replace does nothing and succeeds.
    if seen == 0 && errors.is_empty() && command != "replace" {
        return Err(Error::msg(format!("no objects passed to {command}")));
    }
    finish(errors)
}

/// Ends a command that carried on past failed objects: no error is
/// success; one is returned as the error (printed in full, an `Invalid`
/// with its causes); several are printed one per line in kubectl's short
/// form, and the exit code is 1.
pub fn finish(errors: Vec<Error>) -> Result<ExitCode> {
    let mut errors = errors.into_iter();
    match (errors.next(), errors.next()) {
        (None, _) => Ok(ExitCode::SUCCESS),
        (Some(only), None) => Err(only),
        (Some(first), Some(second)) => {
            for e in [first, second].into_iter().chain(errors) {
                match e {
                    Error::Kapi(k @ kapi::Error::Api(_)) if k.is_invalid() => eprintln!("{k}"),
                    Error::BrokenPipe => {}
                    other => eprintln!("{other}"),
                }
            }
            Ok(ExitCode::from(crate::error::exit::ERROR))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn type_and_names_or_type_slash_name() {
        assert_eq!(
            type_args(&args(&["cm", "a", "b"])).unwrap(),
            [("cm".to_string(), args(&["a", "b"]))]
        );
        assert_eq!(
            type_args(&args(&["cm/a", "cm/b", "secret/c"])).unwrap(),
            [
                ("cm".to_string(), args(&["a", "b"])),
                ("secret".to_string(), args(&["c"]))
            ]
        );
        assert!(type_args(&args(&["cm", "secret/c"])).is_err());
        assert!(type_args(&args(&["cm/a/b"])).is_err());
        assert!(type_args(&[]).unwrap_err().starts_with("You must provide"));
    }

    #[test]
    fn sources_prefix_api_messages_like_kubectl() {
        let status =
            kapi::Status::failure(409, "AlreadyExists", r#"configmaps "foo" already exists"#);
        let e = with_source(kapi::Error::Api(Box::new(status)), "creating", "cm.yaml");
        assert_eq!(
            e.to_string(),
            r#"Error from server (AlreadyExists): error when creating "cm.yaml": configmaps "foo" already exists"#
        );
        let status = kapi::Status::failure(404, "NotFound", "x");
        let e = with_source(kapi::Error::Api(Box::new(status)), "deleting", "");
        assert_eq!(e.to_string(), "Error from server (NotFound): x");
    }

    #[test]
    fn namespaces_are_filled_in() {
        let mut obj = serde_json::json!({"kind": "ConfigMap"});
        set_namespace(&mut obj, "test");
        assert_eq!(obj["metadata"]["namespace"], "test");
    }
}
