//! `kapi get`: resources as kubectl shows them, or a raw path with `--raw`.

mod watch;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use kapi::{ApiResource, Client, ListParams};

use crate::args::{switch, value, Flag, Matches, UsageError};
use crate::connect;
use crate::error::{Error, Result};
use crate::objects;
use crate::output::decode::{self, Shape};
use crate::output::printer::{Format, Printer};
use crate::output::table::TableOptions;
use crate::output::{self, TABLE_ACCEPT};

pub(super) const HELP: &str = "\
Display one or many resources, or the body of a raw API path.

Usage:
  kapi get TYPE[.VERSION][.GROUP] [NAME...] [options]
  kapi get TYPE/NAME [TYPE/NAME...] [options]
  kapi get --raw PATH [options]

TYPE is a plural, singular, kind or short name (po, svc, cm, ds, deploy, ...); built-in
types resolve without a request, others (CRDs) through discovery. Several types can be
given as TYPE1,TYPE2.

Examples:
  # How many gateway pods are ready?
  kapi get ds gateway -n test -o jsonpath='{.status.numberReady}'
  # Which pods carry a label, across pages of 500, on any list size:
  kapi get pods -l app=gateway -o name
  # The classic in-pod read, with verified TLS and the pod's token:
  kapi get --raw '/apis/apps/v1/namespaces/test/daemonsets/gateway?resourceVersion=0'

Options:
  -A, --all-namespaces                   List across all namespaces
  -l, --selector SELECTOR                Label selector, e.g. app=gateway,tier!=db
      --field-selector SELECTOR          Field selector, e.g. status.phase=Running
  -o, --output FORMAT                    json|yaml|name|wide|jsonpath=T|jsonpath-as-json=T|
                                         jsonpath-file=F|custom-columns=SPEC (default: the
                                         server's table)
      --chunk-size N                     List in pages of N (default 500; 0 = one request)
      --ignore-not-found                 Do not fail when a named object does not exist
      --no-headers                       Omit table and custom-columns headers
      --show-labels                      Add a LABELS column
      --show-kind                        Prefix names with their kind
      --allow-missing-template-keys      Ignore missing keys in JSONPath templates (default true)
      --show-managed-fields              Keep metadata.managedFields in json and yaml output
      --raw PATH                         GET this API path and print the body as received
  -w, --watch                            After listing, print each change as it happens
      --watch-only                       Print changes only, not the objects listed first
      --output-watch-events              Print the event type too (ADDED, MODIFIED, DELETED)

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(super) const FLAGS: &[Flag] = &[
    value("raw", None),
    value("output", Some('o')),
    switch("all-namespaces", Some('A')),
    value("selector", Some('l')),
    value("field-selector", None),
    value("chunk-size", None),
    switch("ignore-not-found", None),
    switch("no-headers", None),
    switch("show-labels", None),
    switch("show-kind", None),
    switch("allow-missing-template-keys", None),
    switch("show-managed-fields", None),
    switch("watch", Some('w')),
    switch("watch-only", None),
    switch("output-watch-events", None),
];

/// What the command line asks for: a type and (maybe) names.
#[derive(Debug, PartialEq)]
pub(super) struct Target {
    pub(super) type_name: String,
    pub(super) names: Vec<String>,
}

pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    let Some(m) = super::parse("get", args, FLAGS, HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    if let Some(path) = m.value("raw") {
        return raw(&m, path);
    }
    let options = options(&m)?;
    let client = connect::client("get", &m)?;
    execute(&client, options)
}

/// What `kapi get` was asked for, checked before any request.
struct Options {
    targets: Vec<Target>,
    /// Some target names objects (`get pod a`, `get pod/a`).
    named: bool,
    all_namespaces: bool,
    format: Format,
    params: ListParams,
    no_headers: bool,
    show_labels: bool,
    show_kind: bool,
    show_managed_fields: bool,
    ignore_not_found: bool,
    /// `-w` / `--watch-only`: `Some(watch_only)`.
    watch: Option<bool>,
    output_watch_events: bool,
    /// kubectl says "No resources found" only for these formats.
    note_when_empty: bool,
}

fn options(m: &Matches) -> Result<Options> {
    let usage = |msg: String| Error::Usage(UsageError::new("get", msg));
    let targets = targets(&m.positionals).map_err(usage)?;
    let named = targets.iter().any(|t| !t.names.is_empty());
    let all_namespaces = m.flag("all-namespaces");
    if named && (m.given("selector") || m.given("field-selector")) {
        return Err(usage(
            "name cannot be provided when a selector is specified".into(),
        ));
    }
    if named && all_namespaces {
        return Err(usage(
            "a resource cannot be retrieved by name across all namespaces".into(),
        ));
    }
    let chunk_size: u32 = match m.value("chunk-size") {
        None => kapi::DEFAULT_PAGE_SIZE,
        Some(v) => v.parse().map_err(|_| {
            usage(format!(
                "invalid argument {v:?} for \"--chunk-size\" flag: not a number"
            ))
        })?,
    };
    let allow_missing =
        !m.given("allow-missing-template-keys") || m.flag("allow-missing-template-keys");
    let format = Format::parse(m.value("output"), allow_missing).map_err(|e| match e {
        Error::Message(msg) => usage(msg),
        other => other,
    })?;
    let mut params = ListParams::default().limit(chunk_size);
    params.label_selector = m.value("selector").map(str::to_string);
    params.field_selector = m.value("field-selector").map(str::to_string);
    params.accept = format.wants_table().then(|| TABLE_ACCEPT.to_string());
    Ok(Options {
        targets,
        named,
        all_namespaces,
        format,
        params,
        no_headers: m.flag("no-headers"),
        show_labels: m.flag("show-labels"),
        show_kind: m.flag("show-kind"),
        show_managed_fields: m.flag("show-managed-fields"),
        ignore_not_found: m.flag("ignore-not-found"),
        watch: (m.flag("watch") || m.flag("watch-only")).then(|| m.flag("watch-only")),
        output_watch_events: m.flag("output-watch-events"),
        note_when_empty: matches!(m.value("output"), None | Some("wide" | "name")),
    })
}

fn execute(client: &Client, o: Options) -> Result<ExitCode> {
    let mut resolved = Vec::new();
    // The type names as given, for kubectl's "doesn't have a resource type".
    let mut typed = Vec::new();
    for target in &o.targets {
        for type_name in target.type_name.split(',') {
            resolved.push((client.resolve(type_name)?, &target.names));
            typed.push(type_name);
        }
    }
    let several_types = o.show_kind || resolved.windows(2).any(|w| w[0].0 != w[1].0);
    let single = resolved.len() == 1 && resolved[0].1.len() == 1;
    let wants_table = o.format.wants_table();
    let table = TableOptions {
        no_headers: o.no_headers,
        show_labels: o.show_labels,
        namespace_column: o.all_namespaces,
        name_prefix: several_types.then(String::new),
        ..TableOptions::default()
    };
    if let Some(watch_only) = o.watch {
        let [(resource, names)] = resolved.as_slice() else {
            return Err(Error::msg("watch is only supported on individual resources and resource collections, but a list of resources is found"));
        };
        if names.len() > 1 {
            return Err(Error::msg("watch is only supported on individual resources and resource collections, but a list of resources is found"));
        }
        let watch = watch::Watch {
            resource,
            name: names.first().map(String::as_str),
            all_namespaces: o.all_namespaces,
            params: o.params,
            watch_only,
            events: o.output_watch_events,
        };
        return watch::run(client, watch, o.format, table);
    }
    let mut printer =
        Printer::new(o.format, single, table).show_managed_fields(o.show_managed_fields);
    let mut out = output::stdout();
    // Like kubectl, errors for single objects are printed after the output.
    let mut errors = Vec::new();
    for ((resource, names), type_name) in resolved.iter().zip(&typed) {
        // A built-in type the server lacks: kubectl, which asks discovery,
        // says so before any request.
        let unserved = |e: &kapi::Error| {
            objects::not_served(client, resource, e).then(|| {
                let short = type_name.split('.').next().unwrap_or(type_name);
                Error::Kapi(kapi::Error::UnknownResource(short.to_string()))
            })
        };
        let mut api = client.api(resource.clone());
        if o.all_namespaces {
            api = api.all_namespaces();
        }
        if names.is_empty() {
            // One item at a time: memory stays bounded by the largest item,
            // however large a page the server sends.
            let mut pager = api.list(o.params.clone());
            while let Some(head) = pager.begin_page().map_err(|e| match unserved(&e) {
                Some(unknown) => unknown,
                None => list_error(e, resource, &o.params).into(),
            })? {
                printer.begin_page(resource, &head, &mut out)?;
                loop {
                    // Only what the format prints is decoded.
                    let item = match printer.shape() {
                        Shape::Full => pager.next_item::<serde_json::Value>()?,
                        Shape::WithoutManagedFields => pager
                            .next_item::<decode::WithoutManagedFields>()?
                            .map(|d| d.0),
                        Shape::Row => pager.next_item::<decode::Row>()?.map(|d| d.0),
                        Shape::Name => pager.next_item::<decode::NameOnly>()?.map(|d| d.0),
                    };
                    let Some(item) = item else { break };
                    printer.page_item(resource, item, &mut out)?;
                }
                printer.end_page(&mut out)?;
                out.flush()?;
            }
            continue;
        }
        for name in names.iter() {
            match get_one(&api, name, wants_table) {
                Ok(object) => printer.object(resource, object, &mut out)?,
                Err(e) => match unserved(&e) {
                    Some(unknown) => return Err(unknown),
                    None if e.is_not_found() && o.ignore_not_found => {}
                    None if matches!(e, kapi::Error::Api(_)) => {
                        errors.push(Error::Kapi(e).to_string())
                    }
                    None => return Err(e.into()),
                },
            }
        }
    }
    let printed = printer.finish(&mut out)?;
    out.finish()?;
    for error in &errors {
        eprintln!("{}", crate::output::escape::text(error));
    }
    let failed = !errors.is_empty();
    if printed == 0 && !o.named && !failed && o.note_when_empty {
        no_resources_found(client, &resolved, o.all_namespaces);
    }
    Ok(if failed {
        ExitCode::from(crate::error::exit::ERROR)
    } else {
        ExitCode::SUCCESS
    })
}

/// kubectl's wording for a rejected list (a bad selector): it names the
/// resource and both selectors before the server's message.
fn list_error(e: kapi::Error, resource: &ApiResource, params: &ListParams) -> kapi::Error {
    match e {
        kapi::Error::Api(mut status) if status.reason == "BadRequest" => {
            let gvr = format!(
                "{}/{}, Resource={}",
                resource.group, resource.version, resource.plural
            );
            status.message = format!(
                "Unable to find {gvr:?} that match label selector {:?}, field selector {:?}: {}",
                params.label_selector.as_deref().unwrap_or(""),
                params.field_selector.as_deref().unwrap_or(""),
                status.message
            );
            kapi::Error::Api(status)
        }
        other => other,
    }
}

/// One named object (as a one-row Table for the table format).
fn get_one(api: &kapi::Api, name: &str, table: bool) -> kapi::Result<serde_json::Value> {
    let mut request = api.get_request(name)?;
    if table {
        request = request.header("Accept", TABLE_ACCEPT);
    }
    // An object, not any JSON: a `null` or a number would print as an
    // object without a name (`pod/`).
    request.json().map(serde_json::Value::Object)
}

/// kubectl's note on stderr when a list came back empty.
fn no_resources_found(
    client: &Client,
    resolved: &[(ApiResource, &Vec<String>)],
    all_namespaces: bool,
) {
    let namespaced = resolved.iter().all(|(r, _)| r.namespaced);
    if namespaced && !all_namespaces {
        eprintln!("No resources found in {} namespace.", client.namespace());
    } else {
        eprintln!("No resources found");
    }
}

/// `TYPE [NAME...]`, `TYPE1,TYPE2 [NAME...]` or `TYPE/NAME...`.
pub(super) fn targets(args: &[String]) -> std::result::Result<Vec<Target>, String> {
    let Some(first) = args.first() else {
        return Err("You must specify the type of resource to get. Use \"kapi api-resources\" for a complete list of supported resources.".into());
    };
    if !first.contains('/') {
        if let Some(slashed) = args[1..].iter().find(|a| a.contains('/')) {
            return Err(format!(
                "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kapi get resource/<resource_name>' instead of 'kapi get resource {slashed}')"
            ));
        }
        return Ok(vec![Target {
            type_name: first.clone(),
            names: args[1..].to_vec(),
        }]);
    }
    let mut targets: Vec<Target> = Vec::new();
    for arg in args {
        let Some((type_name, name)) = arg.split_once('/') else {
            return Err(format!(
                "arguments in resource/name form must have a single resource and name, got {arg:?}"
            ));
        };
        if type_name.is_empty() || name.is_empty() {
            return Err(format!(
                "arguments in resource/name form must have a single resource and name, got {arg:?}"
            ));
        }
        match targets.last_mut() {
            Some(last) if last.type_name == type_name => last.names.push(name.to_string()),
            _ => targets.push(Target {
                type_name: type_name.to_string(),
                names: vec![name.to_string()],
            }),
        }
    }
    Ok(targets)
}

/// `get --raw PATH`, with kubectl's checks and messages.
fn raw(m: &Matches, path: &str) -> Result<ExitCode> {
    if !m.positionals.is_empty() {
        return Err(
            UsageError::new("get", "arguments may not be passed when --raw is specified").into(),
        );
    }
    if m.given("output") {
        return Err(UsageError::new("get", "--raw and --output are mutually exclusive").into());
    }
    if !path.starts_with('/') {
        return Err(UsageError::new("get", "--raw must be a valid URL path").into());
    }
    let client = connect::client("get", m)?;
    let response = client.get(path).send()?;
    let mut out = output::stdout();
    response.copy_to(&mut out)?;
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn type_and_names() {
        assert_eq!(
            targets(&args(&["pods", "a", "b"])).unwrap(),
            [Target {
                type_name: "pods".into(),
                names: args(&["a", "b"])
            }]
        );
    }

    #[test]
    fn type_slash_name_groups_consecutive_types() {
        assert_eq!(
            targets(&args(&["po/a", "po/b", "svc/c"])).unwrap(),
            [
                Target {
                    type_name: "po".into(),
                    names: args(&["a", "b"])
                },
                Target {
                    type_name: "svc".into(),
                    names: args(&["c"])
                },
            ]
        );
    }

    #[test]
    fn mixed_forms_are_rejected() {
        assert!(targets(&args(&["pods", "po/a"]))
            .unwrap_err()
            .contains("no need to specify a resource type"));
        assert!(targets(&args(&["po/a", "b"])).is_err());
        assert!(targets(&args(&["po/"])).is_err());
        assert!(targets(&[])
            .unwrap_err()
            .contains("You must specify the type"));
    }
}
