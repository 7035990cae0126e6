//! `kapi label` and `kapi annotate`: set or remove labels or annotations
//! with a merge patch, with kubectl's `--overwrite` rules and messages.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use kapi::{Patch, PatchParams};
use serde_json::{Map, Value};

use super::flags;
use crate::args::{switch, value, Flag, UsageError};
use crate::connect;
use crate::error::{Error, Result};
use crate::objects::{self, Args, Pick, Scope, Target};
use crate::output::{self, result::ResultPrinter};

/// Which metadata map a run edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// `kapi label`: `metadata.labels`.
    Labels,
    /// `kapi annotate`: `metadata.annotations`.
    Annotations,
}

impl Which {
    fn command(self) -> &'static str {
        match self {
            Which::Labels => "label",
            Which::Annotations => "annotate",
        }
    }

    /// The word in kubectl's messages: `label`, `annotation`.
    fn noun(self) -> &'static str {
        match self {
            Which::Labels => "label",
            Which::Annotations => "annotation",
        }
    }

    fn field(self) -> &'static str {
        match self {
            Which::Labels => "labels",
            Which::Annotations => "annotations",
        }
    }
}

pub(super) const LABEL_HELP: &str = "\
Update the labels of objects: KEY=VALUE sets a label, KEY- removes one.

Usage:
  kapi label TYPE NAME [NAME...] KEY=VALUE ... KEY- ... [options]
  kapi label TYPE/NAME ... KEY=VALUE ... [options]
  kapi label TYPE (-l SELECTOR | --all) KEY=VALUE ... [options]
  kapi label -f FILE KEY=VALUE ... [options]

A label that already has another value is an error unless --overwrite is given; setting
the value it already has, or removing a label, needs no --overwrite. The change is sent as
a JSON merge patch of metadata.labels, so other labels are left alone.

Examples:
  # The pod marks itself ready (HOSTNAME is the pod's name):
  kapi label pod \"$HOSTNAME\" ready=true
  # ... and flips it later (another value needs --overwrite):
  kapi label pod \"$HOSTNAME\" ready=false --overwrite
  # Remove a label from every pod of an app:
  kapi label pods -l app=gateway canary-

Options:
      --overwrite              Allow changing labels that already have a value
  -l, --selector SELECTOR      Act on every object of TYPE that matches, e.g. app=gateway
      --field-selector SEL     Act on every object of TYPE whose fields match
      --all                    Act on every object of TYPE in the namespace
  -A, --all-namespaces         With -l or --all: in every namespace
  -f, --filename FILE          Act on the objects a manifest names
      --resource-version RV    Update only if the object is still at this resourceVersion
                               (one object only)
  -o, --output FORMAT          name|json|yaml (default: 'pod/x labeled', 'unlabeled',
                               'label(s) changed' or 'not labeled')
      --dry-run STRATEGY       none|server|client: with server, nothing is stored; with
                               client, the object is read and printed changed, not sent
      --local                  Edit the objects of -f and print them: no server at all
      --field-manager NAME     Owner of the fields written (default kapi-label)

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(super) const ANNOTATE_HELP: &str = "\
Update the annotations of objects: KEY=VALUE sets an annotation, KEY- removes one.

Usage:
  kapi annotate TYPE NAME [NAME...] KEY=VALUE ... KEY- ... [options]
  kapi annotate TYPE/NAME ... KEY=VALUE ... [options]
  kapi annotate TYPE (-l SELECTOR | --all) KEY=VALUE ... [options]
  kapi annotate -f FILE KEY=VALUE ... [options]

An annotation that already exists is an error unless --overwrite is given (as kubectl:
even when the value is the same). The change is sent as a JSON merge patch of
metadata.annotations, so other annotations are left alone.

Examples:
  kapi annotate pod \"$HOSTNAME\" example.com/last-run=\"$(date -u +%FT%TZ)\" --overwrite
  kapi annotate deploy web example.com/owner-

Options:
      --overwrite              Allow changing annotations that already exist
  -l, --selector SELECTOR      Act on every object of TYPE that matches, e.g. app=gateway
      --field-selector SEL     Act on every object of TYPE whose fields match
      --all                    Act on every object of TYPE in the namespace
  -A, --all-namespaces         With -l or --all: in every namespace
  -f, --filename FILE          Act on the objects a manifest names
      --resource-version RV    Update only if the object is still at this resourceVersion
                               (one object only)
  -o, --output FORMAT          name|json|yaml (default: 'pod/x annotated')
      --dry-run STRATEGY       none|server|client: with server, nothing is stored; with
                               client, the object is read and printed changed, not sent
      --local                  Edit the objects of -f and print them: no server at all
      --field-manager NAME     Owner of the fields written (default kapi-annotate)

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(super) const FLAGS: &[Flag] = &[
    switch("overwrite", None),
    value("selector", Some('l')),
    value("field-selector", None),
    switch("all", None),
    switch("all-namespaces", Some('A')),
    value("filename", Some('f')),
    value("resource-version", None),
    value("output", Some('o')),
    value("dry-run", None),
    value("field-manager", None),
    switch("local", None),
];

/// kubectl's label result words (`pkg/cmd/label/label.go`).
const MSG_NOT_LABELED: &str = "not labeled";
const MSG_LABELED: &str = "labeled";
const MSG_UNLABELED: &str = "unlabeled";
const MSG_LABELS_CHANGED: &str = "label(s) changed";

/// An annotation that may always be overwritten (kubectl's `ChangeCauseAnnotation`).
const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";

/// The requested edits: keys to set (in order, last wins) and to remove.
#[derive(Debug, Default, PartialEq)]
struct Edits {
    set: Vec<(String, String)>,
    remove: Vec<String>,
}

pub fn run(args: Vec<OsString>, which: Which) -> Result<ExitCode> {
    let command = which.command();
    let help = match which {
        Which::Labels => LABEL_HELP,
        Which::Annotations => ANNOTATE_HELP,
    };
    let Some(m) = super::parse(command, args, FLAGS, help)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let usage = |msg: String| Error::Usage(UsageError::new(command, msg));
    let (resources, pairs) = split_pairs(&m.positionals, which.noun()).map_err(usage)?;
    let edits = match which {
        Which::Labels => parse_labels(&pairs),
        Which::Annotations => parse_annotations(&pairs),
    }
    .map_err(usage)?;
    let pick = Pick {
        selector: m.value("selector").filter(|s| !s.is_empty()),
        field_selector: m.value("field-selector").filter(|s| !s.is_empty()),
        all: m.flag("all"),
    };
    let files = flags::filenames(&m);
    check(&pick, &resources, &files, &edits, which).map_err(usage)?;
    let all_namespaces = m.flag("all-namespaces");
    let args = if resources.is_empty() {
        None
    } else {
        Some(Args::parse(command, &resources, &pick, all_namespaces)?)
    };
    let format = flags::output(command, &m)?;
    let strategy = flags::dry_run_strategy(command, &m)?;
    let dry_run = strategy == flags::DryRun::Server;
    let change = Change {
        which,
        edits: &edits,
        overwrite: m.flag("overwrite"),
    };
    if m.flag("local") {
        if files.is_empty() || !resources.is_empty() {
            return Err(Error::msg(
                "can only use local files by -f pod.yaml or --filename=pod.json when --local=true is set",
            ));
        }
        return local(&change, &files, format, strategy);
    }
    let default_manager = match which {
        Which::Labels => "kapi-label",
        Which::Annotations => "kapi-annotate",
    };
    let mut params =
        PatchParams::default().field_manager(flags::field_manager(&m, default_manager));
    params.dry_run = dry_run;
    let docs = match &args {
        None => Some(objects::read_files(&files)?),
        Some(_) => None,
    };
    let client = connect::client(command, &m)?;
    let scope = Scope::new(&client, m.given("namespace"), all_namespaces);
    let targets = match (&args, docs) {
        (Some(args), _) => objects::from_args(&client, &scope, args, &pick)?,
        (None, Some(docs)) => objects::from_files(&client, &scope, docs),
        (None, None) => Vec::new(),
    };
    let resource_version = m.value("resource-version").filter(|v| !v.is_empty());
    if resource_version.is_some() && targets.len() != 1 {
        return Err(Error::msg(
            "--resource-version may only be used with a single resource",
        ));
    }
    let run = Run {
        client: &client,
        change,
        client_dry_run: strategy == flags::DryRun::Client,
        resource_version,
        params: &params,
        // Objects from a manifest are re-read (kubectl's Latest); listed
        // ones are fresh, and named ones are read in any case.
        fetch: args.is_none(),
    };
    let printer = match strategy {
        flags::DryRun::Client => ResultPrinter::client_dry_run(format),
        _ => ResultPrinter::new(format, dry_run),
    };
    execute(&run, targets, printer)
}

/// kubectl's checks of what to change and where, before any request.
fn check(
    pick: &Pick<'_>,
    resources: &[String],
    files: &[&str],
    edits: &Edits,
    which: Which,
) -> std::result::Result<(), String> {
    if pick.all && pick.selector.is_some() {
        return Err("cannot set --all and --selector at the same time".into());
    }
    if pick.all && pick.field_selector.is_some() {
        return Err("cannot set --all and --field-selector at the same time".into());
    }
    if resources.is_empty() && files.is_empty() {
        return Err(
            "one or more resources must be specified as <resource> <name> or <resource>/<name>"
                .into(),
        );
    }
    if !resources.is_empty() && !files.is_empty() {
        return Err("when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well".into());
    }
    if edits.set.is_empty() && edits.remove.is_empty() {
        return Err(format!("at least one {} update is required", which.noun()));
    }
    Ok(())
}

/// Changes each target and prints kubectl's line for it; errors are
/// reported after the others are done.
fn execute(
    run: &Run<'_>,
    targets: Vec<Result<Target>>,
    mut printer: ResultPrinter,
) -> Result<ExitCode> {
    let mut out = output::stdout();
    let mut errors = Vec::new();
    for target in targets {
        match target.and_then(|t| run.one(t, &mut out)) {
            Ok((target, object, message)) => {
                printer.print(&mut out, &target.resource, &object, message)?;
                out.flush()?;
            }
            Err(e) => errors.push(e),
        }
    }
    out.finish()?;
    objects::finish(errors)
}

/// `--local`: the objects of the manifests edited and printed; nothing
/// is sent and no server is needed.
fn local(
    change: &Change<'_>,
    files: &[&str],
    format: crate::output::result::ResultFormat,
    strategy: flags::DryRun,
) -> Result<ExitCode> {
    let mut printer = match strategy {
        flags::DryRun::Client => ResultPrinter::client_dry_run(format),
        _ => ResultPrinter::new(format, false),
    };
    let mut out = output::stdout();
    for (_, object) in objects::read_files(files)? {
        let (edited, _, message) = change.edit(object, &mut out)?;
        printer.print_object(&mut out, &edited, message)?;
        out.flush()?;
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// The edits of one run, as they apply to any object.
struct Change<'a> {
    which: Which,
    edits: &'a Edits,
    overwrite: bool,
}

/// What every object of one run gets.
struct Run<'a> {
    client: &'a kapi::Client,
    change: Change<'a>,
    /// `--dry-run=client`: the object is read, edited and printed, not sent.
    client_dry_run: bool,
    resource_version: Option<&'a str>,
    params: &'a PatchParams,
    fetch: bool,
}

impl Run<'_> {
    /// Edits one object: (target, object to print, result word).
    fn one(&self, target: Target, out: &mut dyn Write) -> Result<(Target, Value, &'static str)> {
        let name = target.require_name()?.to_string();
        let api = target.api(self.client);
        let object: Value = match (&target.object, self.fetch) {
            (Some(object), false) => object.clone(),
            _ => api.get(&name)?,
        };
        let (edited, changes, message) = self.change.edit(object.clone(), out)?;
        if self.client_dry_run {
            return Ok((target, edited, message));
        }
        if changes.is_empty() && self.resource_version.is_none() {
            // Nothing to change: kubectl sends an empty patch; kapi spares
            // the request and prints the same result.
            return Ok((target, object, message));
        }
        let mut metadata = Map::new();
        if !changes.is_empty() {
            metadata.insert(self.change.which.field().into(), Value::Object(changes));
        }
        if let Some(rv) = self.resource_version {
            metadata.insert("resourceVersion".into(), Value::String(rv.to_string()));
        }
        let mut body = Map::new();
        body.insert("metadata".into(), Value::Object(metadata));
        let patched: Value = api.patch(&name, self.params, &Patch::Merge(Value::Object(body)))?;
        Ok((target, patched, message))
    }
}

impl Change<'_> {
    /// The edits made to `object`: (the object edited, the merge patch's
    /// changes, kubectl's result word). Missing labels to remove are said
    /// on `out`, as kubectl does.
    fn edit(
        &self,
        mut object: Value,
        out: &mut dyn Write,
    ) -> Result<(Value, Map<String, Value>, &'static str)> {
        let current = string_map(&object["metadata"][self.which.field()]);
        if !self.overwrite {
            self.check_overwrites(&current)?;
        }
        if self.which == Which::Labels {
            for key in &self.edits.remove {
                if !current.contains_key(key) {
                    writeln!(out, "label {key:?} not found.")?;
                }
            }
        }
        let mut changes = Map::new();
        let mut updated = current.clone();
        for (key, value) in &self.edits.set {
            if current.get(key).and_then(Value::as_str) != Some(value.as_str()) {
                changes.insert(key.clone(), Value::String(value.clone()));
            }
            updated.insert(key.clone(), Value::String(value.clone()));
        }
        for key in &self.edits.remove {
            if current.contains_key(key) {
                changes.insert(key.clone(), Value::Null);
            }
            updated.remove(key);
        }
        let message = match self.which {
            Which::Labels => label_message(&current, &updated),
            Which::Annotations => "annotated",
        };
        if !changes.is_empty() && object.is_object() {
            if !object["metadata"].is_object() {
                object["metadata"] = Value::Object(Map::new());
            }
            object["metadata"][self.which.field()] = Value::Object(updated);
        }
        Ok((object, changes, message))
    }

    /// kubectl's `--overwrite is false` checks: a label with another value,
    /// or any existing annotation (but the change-cause one).
    fn check_overwrites(&self, current: &Map<String, Value>) -> Result<()> {
        let mut problems: Vec<String> = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        // The last value of a repeated key is the one that counts.
        for (key, value) in self.edits.set.iter().rev() {
            if seen.contains(&key.as_str()) {
                continue;
            }
            seen.push(key);
            let Some(existing) = current.get(key).and_then(Value::as_str) else {
                continue;
            };
            match self.which {
                Which::Labels if existing != value => problems.push(format!(
                    "'{key}' already has a value ({existing}), and --overwrite is false"
                )),
                Which::Annotations if key != CHANGE_CAUSE => {
                    problems.push(format!("'{key}' already has a value ({existing})"))
                }
                _ => {}
            }
        }
        problems.reverse();
        match (self.which, problems.len()) {
            (_, 0) => Ok(()),
            (Which::Labels, 1) => Err(Error::msg(problems.remove(0))),
            (Which::Labels, _) => Err(Error::msg(format!("[{}]", problems.join(", ")))),
            (Which::Annotations, _) => Err(Error::msg(format!(
                "--overwrite is false but found the following declared annotation(s): {}",
                problems.join("; ")
            ))),
        }
    }
}

/// `metadata.labels` (or annotations) as a map of strings; anything else is
/// treated as empty.
fn string_map(value: &Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map
            .iter()
            .filter(|(_, v)| v.is_string())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        _ => Map::new(),
    }
}

/// kubectl's `updateDataChangeMsg`.
fn label_message(old: &Map<String, Value>, new: &Map<String, Value>) -> &'static str {
    let unlabeled = old.keys().any(|k| !new.contains_key(k));
    let labeled = old.iter().any(|(k, v)| new.get(k).is_some_and(|n| n != v))
        || new.keys().any(|k| !old.contains_key(k));
    match (labeled, unlabeled) {
        (true, true) => MSG_LABELS_CHANGED,
        (true, false) => MSG_LABELED,
        (false, true) => MSG_UNLABELED,
        (false, false) => MSG_NOT_LABELED,
    }
}

/// kubectl's `GetResourcesAndPairs`: resources first, then `k=v` / `k-`.
pub(super) fn split_pairs(
    args: &[String],
    noun: &str,
) -> std::result::Result<(Vec<String>, Vec<String>), String> {
    let mut resources = Vec::new();
    let mut pairs = Vec::new();
    for arg in args {
        let is_pair =
            (arg.contains('=') && !arg.starts_with('=')) || (arg.ends_with('-') && arg != "-");
        match (is_pair, pairs.is_empty()) {
            (true, _) => pairs.push(arg.clone()),
            (false, true) => resources.push(arg.clone()),
            (false, false) => {
                return Err(format!(
                    "all resources must be specified before {noun} changes: {arg}"
                ))
            }
        }
    }
    Ok((resources, pairs))
}

/// kubectl's `parseLabels`: `k=v` (one `=`, a valid value) or `k-`.
fn parse_labels(specs: &[String]) -> std::result::Result<Edits, String> {
    let mut edits = Edits::default();
    for spec in specs {
        if spec.contains('=') {
            let parts: Vec<&str> = spec.split('=').collect();
            let [key, value] = parts.as_slice() else {
                return Err(format!("invalid label spec: {spec}"));
            };
            let problems = label_value_problems(value);
            if !problems.is_empty() {
                return Err(format!(
                    "invalid label value: {spec:?}: {}",
                    problems.join(";")
                ));
            }
            edits.set.push((key.to_string(), value.to_string()));
        } else if let Some(key) = spec.strip_suffix('-') {
            edits.remove.push(key.to_string());
        } else {
            return Err(format!("unknown label spec: {spec}"));
        }
    }
    if edits
        .remove
        .iter()
        .any(|k| edits.set.iter().any(|(s, _)| s == k))
    {
        return Err("can not both modify and remove a label in the same command".into());
    }
    Ok(edits)
}

/// kubectl's `ParsePairs` for annotations: `k=v` (the value may hold `=`) or `k-`.
fn parse_annotations(specs: &[String]) -> std::result::Result<Edits, String> {
    let mut edits = Edits::default();
    let mut invalid: Vec<&str> = Vec::new();
    for spec in specs {
        match spec.split_once('=') {
            Some((key, value)) if !key.is_empty() => {
                edits.set.push((key.to_string(), value.to_string()))
            }
            _ => match spec.strip_suffix('-') {
                Some(key) if !key.is_empty() => edits.remove.push(key.to_string()),
                _ => invalid.push(spec),
            },
        }
    }
    if !invalid.is_empty() {
        return Err(format!("invalid annotation format: {}", invalid.join(", ")));
    }
    let both: Vec<&str> = edits
        .remove
        .iter()
        .filter(|k| edits.set.iter().any(|(s, _)| s == *k))
        .map(String::as_str)
        .collect();
    if !both.is_empty() {
        return Err(format!(
            "can not both modify and remove the following annotation(s) in the same command: {}",
            both.join(", ")
        ));
    }
    Ok(edits)
}

/// apimachinery's `IsValidLabelValue`.
fn label_value_problems(value: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if value.len() > 63 {
        problems.push("must be no more than 63 characters".to_string());
    }
    let bytes = value.as_bytes();
    let ok = bytes.is_empty()
        || (bytes[0].is_ascii_alphanumeric()
            && bytes[bytes.len() - 1].is_ascii_alphanumeric()
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')));
    if !ok {
        problems.push(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' \
             or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or \
             'my_value',  or '12345', regex used for validation is \
             '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
                .to_string(),
        );
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strings(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn resources_come_before_pairs() {
        assert_eq!(
            split_pairs(&strings(&["pod", "x", "a=b", "c-"]), "label").unwrap(),
            (strings(&["pod", "x"]), strings(&["a=b", "c-"]))
        );
        assert_eq!(
            split_pairs(&strings(&["pod", "a=b", "x"]), "label").unwrap_err(),
            "all resources must be specified before label changes: x"
        );
    }

    #[test]
    fn label_specs_like_kubectl() {
        let e = parse_labels(&strings(&["ready=true", "old-"])).unwrap();
        assert_eq!(e.set, [("ready".to_string(), "true".to_string())]);
        assert_eq!(e.remove, ["old"]);
        assert_eq!(
            parse_labels(&strings(&["a=b=c"])).unwrap_err(),
            "invalid label spec: a=b=c"
        );
        assert!(parse_labels(&strings(&["a=not ok"]))
            .unwrap_err()
            .starts_with("invalid label value: \"a=not ok\": a valid label must be"));
        assert_eq!(
            parse_labels(&strings(&["a=b", "a-"])).unwrap_err(),
            "can not both modify and remove a label in the same command"
        );
        assert!(parse_labels(&strings(&["a="])).is_ok());
    }

    #[test]
    fn annotation_values_may_hold_equals_signs() {
        let e = parse_annotations(&strings(&["cmd=a=b", "gone-"])).unwrap();
        assert_eq!(e.set, [("cmd".to_string(), "a=b".to_string())]);
        assert_eq!(
            parse_annotations(&strings(&["a=1", "a-"])).unwrap_err(),
            "can not both modify and remove the following annotation(s) in the same command: a"
        );
    }

    #[test]
    fn label_messages_follow_kubectl() {
        let old = map(json!({"a": "1", "b": "2"}));
        assert_eq!(label_message(&old, &old), "not labeled");
        assert_eq!(
            label_message(&old, &map(json!({"a": "1", "b": "3"}))),
            "labeled"
        );
        assert_eq!(label_message(&old, &map(json!({"a": "1"}))), "unlabeled");
        assert_eq!(
            label_message(&old, &map(json!({"a": "1", "c": "3"}))),
            "label(s) changed"
        );
    }
}
