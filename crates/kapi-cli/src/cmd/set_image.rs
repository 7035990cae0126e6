//! `kapi set image`: new container images in a pod or a pod template, sent
//! as the strategic merge patch kubectl computes for the change.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use kapi::{Patch, PatchParams};
use serde_json::{json, Map, Value};

use super::flags;
use super::scale::DryRun;
use crate::args::{self, switch, value, Flag, UsageError};
use crate::connect;
use crate::error::{exit, Error, Result};
use crate::objects::{self, Args, Pick, Scope, Target};
use crate::output;

pub(in crate::cmd) const SET_HELP: &str = "\
Change fields of existing objects.

Usage:
  kapi set SUBCOMMAND [options]

Subcommands:
  image  Update the container images of a pod or a pod template

Run 'kapi set image --help' for its options.
";

pub(in crate::cmd) const HELP: &str = "\
Update container images: of a Pod, or of the pod template of a Deployment, DaemonSet,
StatefulSet, ReplicaSet, ReplicationController, Job or CronJob.

Usage:
  kapi set image (TYPE NAME... | TYPE/NAME... | TYPE -l SELECTOR | TYPE --all | -f FILE)
                 CONTAINER=IMAGE... [options]

CONTAINER names a container or an init container (both are set when both have the name);
*=IMAGE sets every one. Only what changed is sent, as kubectl sends it: a strategic merge
patch with the changed containers (name and image) and their order
($setElementOrder/containers). An object already at those images is left alone and not
printed; a name no container has is an error (the others are still set).

Examples:
  # In a pipeline, then wait for the rollout:
  kapi set image deployment/web web=registry.example.com/web:$SHA
  kapi rollout status deployment/web --timeout=5m
  # Every container of a DaemonSet:
  kapi set image daemonset/gateway '*=registry.example.com/gateway:1.5.0'
  # A manifest changed locally, nothing sent:
  kapi set image -f web.yaml web=nginx:1.28 --local -o yaml

Options:
  -l, --selector SELECTOR   Every object of TYPE that matches
      --all                 Every object of TYPE in the namespace
  -f, --filename FILE       The objects a manifest names
      --local               Change the -f objects locally: no server is asked
  -o, --output FORMAT       name|json|yaml (default: 'deployment.apps/web image updated')
      --dry-run STRATEGY    none|server|client: server sends the patch with dryRun=All;
                            client sends nothing
      --field-manager NAME  Owner of the fields written (default kapi-set)

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(in crate::cmd) const FLAGS: &[Flag] = &[
    value("selector", Some('l')),
    switch("all", None),
    value("filename", Some('f')),
    switch("local", None),
    value("output", Some('o')),
    value("dry-run", None),
    value("field-manager", None),
];

/// Runs `kapi set ...` (the words after `set`).
pub fn run_set(args: Vec<OsString>) -> Result<ExitCode> {
    let (words, rest) = args::split_command(args)?;
    match words.first().map(String::as_str) {
        Some("image") => run(rest),
        Some(other) => Err(UsageError::new(
            "set",
            format!("unknown command {other:?} for \"kapi set\""),
        )
        .into()),
        None => {
            let m = args::parse("set", rest, &[])?;
            print!("{SET_HELP}");
            Ok(ExitCode::from(if m.flag("help") {
                exit::OK
            } else {
                exit::USAGE
            }))
        }
    }
}

pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    let command = "set image";
    let Some(m) = super::parse(command, args, FLAGS, HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let usage = |msg: String| Error::Usage(UsageError::new(command, msg));
    let (resources, pairs) = super::label::split_pairs(&m.positionals, "image").map_err(usage)?;
    let images = parse_images(&pairs).map_err(usage)?;
    let local = m.flag("local");
    let dry_run = DryRun::parse(command, &m)?;
    let format = flags::output(command, &m)?;
    let files = flags::filenames(&m);
    let pick = Pick {
        selector: m.value("selector").filter(|s| !s.is_empty()),
        field_selector: None,
        all: m.flag("all"),
    };
    if pick.all && pick.selector.is_some() {
        return Err(usage(
            "cannot set --all and --selector at the same time".into(),
        ));
    }
    if local && !resources.is_empty() {
        return Err(usage(
            "you must specify resources by --filename when --local is set.".into(),
        ));
    }
    if resources.is_empty() && files.is_empty() {
        // kubectl's resource builder's words, which come first there.
        return Err(usage(objects::type_args(&[]).unwrap_err()));
    }
    if images.is_empty() {
        return Err(usage("at least one image update is required".into()));
    }
    if images.len() > 1 && images.iter().any(|(c, _)| c == "*") {
        return Err(usage(
            "all containers are already specified by *, but saw more than one container_name=container_image pairs".into(),
        ));
    }
    if local && dry_run == DryRun::Server {
        return Err(usage(
            "cannot specify --local and --dry-run=server - did you mean --dry-run=client?".into(),
        ));
    }
    if !resources.is_empty() && !files.is_empty() {
        return Err(usage(
            "when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well".into(),
        ));
    }
    let args = if resources.is_empty() {
        None
    } else {
        Some(Args::parse(command, &resources, &pick, false)?)
    };
    let (mut printer, done) = dry_run.printer(format, "image updated");
    let mut out = output::stdout();
    let mut errors = Vec::new();
    if local {
        // No server: the manifests' objects, changed and printed.
        for (_, mut object) in objects::read_files(&files)? {
            let changed = match set_images(&mut object, &images, &mut errors) {
                Ok(patch) => patch.is_some(),
                Err(why) => {
                    errors.push(Error::msg(why));
                    continue;
                }
            };
            if changed {
                let resource = kapi::builtin_kind(
                    object["apiVersion"].as_str().unwrap_or_default(),
                    object["kind"].as_str().unwrap_or_default(),
                );
                let kind = match &resource {
                    Some(r) => r.kind_group(),
                    None => object["kind"]
                        .as_str()
                        .unwrap_or_default()
                        .to_ascii_lowercase(),
                };
                let name = object["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                printer.print_as(&mut out, &kind, &name, &object, &done)?;
                out.flush()?;
            }
        }
        out.finish()?;
        return objects::finish(errors);
    }
    let docs = match &args {
        None => Some(objects::read_files(&files)?),
        Some(_) => None,
    };
    let client = connect::client(command, &m)?;
    let scope = Scope::new(&client, m.given("namespace"), false);
    let targets = match (&args, docs) {
        (Some(args), _) => objects::from_args(&client, &scope, args, &pick)?,
        (None, Some(docs)) => objects::from_files(&client, &scope, docs),
        (None, None) => Vec::new(),
    };
    let mut params = PatchParams::default().field_manager(flags::field_manager(&m, "kapi-set"));
    params.dry_run = dry_run == DryRun::Server;
    for target in targets {
        let mut target = match target.and_then(|t| latest(&client, t)) {
            Ok(t) => t,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let mut object = target.object.take().unwrap_or_default();
        let patch = match set_images(&mut object, &images, &mut errors) {
            Ok(Some(patch)) => patch,
            // Nothing changed: nothing sent, nothing printed.
            Ok(None) => continue,
            Err(why) => {
                errors.push(Error::msg(format!(
                    "{}/{} {why}",
                    target.resource.plural, target.name
                )));
                continue;
            }
        };
        if dry_run == DryRun::Client {
            printer.print(&mut out, &target.resource, &object, &done)?;
            out.flush()?;
            continue;
        }
        match target.api(&client).patch::<Value, Value>(
            &target.name,
            &params,
            &Patch::Strategic(patch),
        ) {
            Ok(patched) => {
                printer.print(&mut out, &target.resource, &patched, &done)?;
                out.flush()?;
            }
            Err(e) => {
                let message = match e.status() {
                    Some(status) => status.message.clone(),
                    None => e.to_string(),
                };
                errors.push(Error::msg(format!(
                    "failed to patch image update to pod template: {message}"
                )));
            }
        }
    }
    out.finish()?;
    objects::finish(errors)
}

/// `target` with its object as the server has it now (kubectl's
/// `Latest()`): listed objects are fresh, others are read.
fn latest(client: &kapi::Client, mut target: Target) -> Result<Target> {
    if target.object.is_none() || !target.source.is_empty() {
        let name = target.require_name()?.to_string();
        target.object = Some(target.api(client).get::<Value>(&name)?);
    }
    Ok(target)
}

/// `CONTAINER=IMAGE` pairs in order, a repeated container's last image
/// winning (kubectl's map).
fn parse_images(pairs: &[String]) -> std::result::Result<Vec<(String, String)>, String> {
    let mut images: Vec<(String, String)> = Vec::new();
    let mut invalid: Vec<&str> = Vec::new();
    for pair in pairs {
        match pair.split_once('=') {
            Some((container, image)) if !container.is_empty() => {
                images.retain(|(c, _)| c != container);
                images.push((container.to_string(), image.to_string()));
            }
            _ => invalid.push(pair),
        }
    }
    if !invalid.is_empty() {
        return Err(format!("invalid image format: {}", invalid.join(", ")));
    }
    Ok(images)
}

/// The path of the pod spec in objects of `kind`.
fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Pod" => &["spec"],
        "ReplicationController"
        | "Deployment"
        | "DaemonSet"
        | "ReplicaSet"
        | "StatefulSet"
        | "Job" => &["spec", "template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return None,
    })
}

/// Sets the images in `object`; the strategic merge patch of the change
/// (`None` when nothing changed). A container name no container has is
/// pushed to `errors`; an object without a pod spec is the error.
fn set_images(
    object: &mut Value,
    images: &[(String, String)],
    errors: &mut Vec<Error>,
) -> std::result::Result<Option<Value>, String> {
    let kind = object["kind"].as_str().unwrap_or_default().to_string();
    let Some(path) = pod_spec_path(&kind) else {
        return Err(format!(
            "the object is not a pod or does not have a pod template: *{}.{kind}",
            go_package(object)
        ));
    };
    let mut none = Value::Null;
    let spec = match object.pointer_mut(&format!("/{}", path.join("/"))) {
        Some(spec) if spec.is_object() => spec,
        _ => &mut none,
    };
    let mut changed: [Vec<String>; 2] = Default::default();
    for (container, image) in images {
        let mut found = false;
        for (i, list) in ["initContainers", "containers"].iter().enumerate() {
            let Some(items) = spec.get_mut(*list).and_then(Value::as_array_mut) else {
                continue;
            };
            for c in items {
                let name = c["name"].as_str().unwrap_or_default().to_string();
                if container == "*" || *container == name {
                    found = true;
                    if c["image"].as_str() != Some(image.as_str()) {
                        c["image"] = Value::from(image.as_str());
                        if !changed[i].contains(&name) {
                            changed[i].push(name);
                        }
                    }
                }
            }
        }
        if !found {
            errors.push(Error::msg(format!(
                "unable to find container named {container:?}"
            )));
        }
    }
    if changed.iter().all(Vec::is_empty) {
        return Ok(None);
    }
    // What kubectl's two-way merge patch holds for a changed list keyed
    // by name: the changed entries (name and image) and every name in
    // order. serde_json's maps are sorted, as Go marshals the patch.
    let mut patch = Map::new();
    for (i, list) in ["initContainers", "containers"].iter().enumerate() {
        if changed[i].is_empty() {
            continue;
        }
        let all = spec[*list].as_array().cloned().unwrap_or_default();
        let order: Vec<Value> = all.iter().map(|c| json!({"name": c["name"]})).collect();
        let entries: Vec<Value> = all
            .iter()
            .filter(|c| changed[i].iter().any(|n| c["name"] == n.as_str()))
            .map(|c| json!({"name": c["name"], "image": c["image"]}))
            .collect();
        patch.insert(format!("$setElementOrder/{list}"), Value::Array(order));
        patch.insert(list.to_string(), Value::Array(entries));
    }
    let mut body = Value::Object(patch);
    for key in path.iter().rev() {
        body = json!({ *key: body });
    }
    Ok(Some(body))
}

/// The Go package kubectl names a type by in its error (`*v1.ConfigMap`):
/// the version of a built-in type, else the unstructured one.
fn go_package(object: &Value) -> String {
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let kind = object["kind"].as_str().unwrap_or_default();
    match kapi::builtin_kind(api_version, kind) {
        Some(resource) => resource.version,
        None => "unstructured".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_patch_kubectl_sends() {
        let mut deploy = json!({"kind": "Deployment", "apiVersion": "apps/v1", "spec": {"template": {"spec": {
            "initContainers": [{"name": "migrate", "image": "app:1"}],
            "containers": [{"name": "web", "image": "app:1"}, {"name": "sidecar", "image": "proxy:1"}]}}}});
        let mut errors = Vec::new();
        let patch = set_images(
            &mut deploy,
            &[
                ("web".into(), "app:2".into()),
                ("migrate".into(), "app:2".into()),
            ],
            &mut errors,
        )
        .unwrap()
        .unwrap();
        assert!(errors.is_empty());
        assert_eq!(
            serde_json::to_string(&patch).unwrap(),
            r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"}],"$setElementOrder/initContainers":[{"name":"migrate"}],"containers":[{"image":"app:2","name":"web"}],"initContainers":[{"image":"app:2","name":"migrate"}]}}}}"#
        );
        // Again: nothing changes, nothing to send.
        let again = set_images(&mut deploy, &[("web".into(), "app:2".into())], &mut errors);
        assert_eq!(again, Ok(None));
    }

    #[test]
    fn unknown_containers_and_types() {
        let mut pod = json!({"kind": "Pod", "apiVersion": "v1", "spec": {"containers": [{"name": "a", "image": "x"}]}});
        let mut errors = Vec::new();
        assert_eq!(
            set_images(&mut pod, &[("b".into(), "y".into())], &mut errors),
            Ok(None)
        );
        assert_eq!(
            errors[0].to_string(),
            "error: unable to find container named \"b\""
        );
        let mut cm = json!({"kind": "ConfigMap", "apiVersion": "v1"});
        assert_eq!(
            set_images(&mut cm, &[("*".into(), "y".into())], &mut errors),
            Err("the object is not a pod or does not have a pod template: *v1.ConfigMap".into())
        );
    }

    #[test]
    fn pairs_follow_resources() {
        assert_eq!(
            crate::cmd::label::split_pairs(&strings(&["deploy/web", "web=a", "b=c"]), "image")
                .unwrap(),
            (strings(&["deploy/web"]), strings(&["web=a", "b=c"]))
        );
        assert_eq!(
            crate::cmd::label::split_pairs(&strings(&["deploy/web", "web=a", "x"]), "image")
                .unwrap_err(),
            "all resources must be specified before image changes: x"
        );
        assert_eq!(
            parse_images(&strings(&["web-"])).unwrap_err(),
            "invalid image format: web-"
        );
    }
}
