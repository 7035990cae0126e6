//! `kapi rollout history`: a Deployment's revisions from its ReplicaSets, a
//! DaemonSet's or StatefulSet's from its ControllerRevisions, as kubectl's
//! history viewers read and print them.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use kapi::{Client, ListParams};
use serde_json::Value;

use super::{group_kind, template, Spec, Workload};
use crate::args::{value, Flag, UsageError};
use crate::cmd::flags;
use crate::connect;
use crate::error::{Error, Result};
use crate::objects::{self, Target};
use crate::output::{self, escape, result::ResultPrinter};

pub(in crate::cmd) const HELP: &str = "\
List the revisions of a Deployment, DaemonSet or StatefulSet, or describe the pod template
of one (--revision=N).

Usage:
  kapi rollout history (TYPE NAME | TYPE/NAME | TYPE | TYPE -l SELECTOR | -f FILE) [options]

A Deployment's revisions are its ReplicaSets (deployment.kubernetes.io/revision), a
DaemonSet's or StatefulSet's its ControllerRevisions; CHANGE-CAUSE is their
kubernetes.io/change-cause annotation.

Examples:
  kapi rollout history deployment/web
  kapi rollout history daemonset/gateway --revision=1
  # The ReplicaSet names, oldest revision first:
  kapi rollout history deployment/web -o name

Options:
      --revision N         Describe the pod template of revision N
  -l, --selector SELECTOR  Every object of TYPE that matches
  -f, --filename FILE      The objects a manifest names
  -o, --output FORMAT      name|json|yaml: print the revisions themselves (a Deployment's
                           ReplicaSets; a DaemonSet or StatefulSet as it was at each
                           revision), oldest first

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(in crate::cmd) const FLAGS: &[Flag] = &[
    value("revision", None),
    value("selector", Some('l')),
    value("filename", Some('f')),
    value("output", Some('o')),
];

const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";
const REVISION: &str = "deployment.kubernetes.io/revision";

/// Revisions by number, in order; a later one of the same number replaces
/// the earlier (kubectl keeps them in a map).
#[derive(Default)]
struct History(Vec<(i64, Revision)>);

impl History {
    fn insert(&mut self, number: i64, revision: Revision) {
        self.0.retain(|(n, _)| *n != number);
        let at = self.0.partition_point(|(n, _)| *n < number);
        self.0.insert(at, (number, revision));
    }

    fn get(&self, number: i64) -> Option<&Revision> {
        self.0.iter().find(|(n, _)| *n == number).map(|(_, r)| r)
    }
}

/// One revision: its pod template (change cause added, as kubectl does
/// for Deployments) and the object `-o` prints.
struct Revision {
    template: Value,
    change_cause: String,
    object: Value,
}

pub fn run(args: Vec<OsString>) -> Result<ExitCode> {
    let command = "rollout history";
    let Some(m) = crate::cmd::parse(command, args, FLAGS, HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let usage = |msg: String| Error::Usage(UsageError::new(command, msg));
    let revision = super::revision(&m).map_err(usage)?;
    let format = match m.value("output").filter(|o| !o.is_empty()) {
        None => None,
        Some(_) => Some(flags::output(command, &m)?),
    };
    let spec = Spec::parse(command, &m)?;
    if revision < 0 {
        return Err(usage(format!(
            "revision must be a positive integer: {revision}"
        )));
    }
    let client = connect::client(command, &m)?;
    let targets = spec.targets(&client, &m)?;
    let mut printer = format.map(|f| ResultPrinter::new(f, false));
    let mut out = output::stdout();
    let mut errors = Vec::new();
    for target in targets {
        let shown = target.and_then(|t| {
            let history = history(&client, &t)?;
            match &mut printer {
                Some(printer) => print_objects(&mut out, printer, history, revision),
                None => print_text(&mut out, &t, history, revision),
            }
        });
        match shown {
            Ok(()) => out.flush()?,
            Err(e) => errors.push(e),
        }
    }
    out.finish()?;
    objects::finish(errors)
}

/// `-o`: the objects of every revision, oldest first, or of one.
fn print_objects(
    out: &mut dyn Write,
    printer: &mut ResultPrinter,
    history: History,
    revision: i64,
) -> Result<()> {
    if revision > 0 && history.get(revision).is_none() {
        return Err(not_found());
    }
    let shown = history
        .0
        .iter()
        .filter(|(n, _)| revision == 0 || *n == revision)
        .map(|(_, r)| r);
    for r in shown {
        let resource = kapi::builtin_kind(
            r.object["apiVersion"].as_str().unwrap_or_default(),
            r.object["kind"].as_str().unwrap_or_default(),
        );
        let kind = match &resource {
            Some(res) => res.kind_group(),
            None => r.object["kind"]
                .as_str()
                .unwrap_or_default()
                .to_ascii_lowercase(),
        };
        let name = r.object["metadata"]["name"].as_str().unwrap_or_default();
        printer.print_as(out, &kind, name, &r.object, "")?;
    }
    Ok(())
}

/// kubectl's text: `deployment.apps/web ` and the table, or `... with
/// revision #N` and the pod template.
fn print_text(out: &mut dyn Write, target: &Target, history: History, revision: i64) -> Result<()> {
    let body = if history.0.is_empty() {
        "No rollout history found.".to_string()
    } else if revision > 0 {
        let r = history.get(revision).ok_or_else(not_found)?;
        template::describe(&r.template)
    } else {
        table(&history)
    };
    let with_revision = if revision > 0 {
        format!("with revision #{revision}")
    } else {
        String::new()
    };
    let text = format!(
        "{}/{} {with_revision}\n{body}\n",
        target.resource.kind_group(),
        target.name
    );
    out.write_all(escape::text(&text).as_bytes())?;
    Ok(())
}

fn not_found() -> Error {
    Error::msg("unable to find the specified revision")
}

/// REVISION and CHANGE-CAUSE, as Go's tabwriter aligns them for kubectl
/// (no minimum width, padding 2).
fn table(history: &History) -> String {
    let rows: Vec<(String, String)> = history
        .0
        .iter()
        .map(|(n, r)| {
            let cause = if r.change_cause.is_empty() {
                "<none>".to_string()
            } else {
                escape::cell(&r.change_cause).into_owned()
            };
            (n.to_string(), cause)
        })
        .collect();
    let width = rows
        .iter()
        .map(|(n, _)| n.chars().count())
        .chain(["REVISION".len()])
        .max()
        .unwrap_or_default()
        + 2;
    let mut text = format!("{:<width$}CHANGE-CAUSE\n", "REVISION");
    for (n, cause) in rows {
        text.push_str(&format!("{n:<width$}{cause}\n"));
    }
    text
}

/// The revisions of `target`, by number (a later one of the same number
/// wins, as in kubectl's map).
fn history(client: &Client, target: &Target) -> Result<History> {
    let object = target.object.clone().unwrap_or_default();
    let Some(workload) = Workload::of(&target.resource) else {
        return Err(unsupported(target));
    };
    let name = target.name.as_str();
    let namespace = target.namespace.as_deref().unwrap_or_default();
    let selector = selector_query(&object["spec"]["selector"]);
    let uid = object["metadata"]["uid"].as_str().unwrap_or_default();
    let mut history = History::default();
    if workload == Workload::Deployment {
        let wrap = |e: kapi::Error| {
            prefixed(
                e,
                &format!("failed to retrieve replica sets from deployment {name}"),
            )
        };
        let sets = owned(client, "replicasets", namespace, &selector, uid).map_err(wrap)?;
        // By creation, then name (RFC 3339 times in UTC sort as text).
        let keys: Vec<String> = sets
            .iter()
            .map(|rs| {
                let meta = &rs["metadata"];
                format!(
                    "{}\u{0}{}",
                    meta["creationTimestamp"].as_str().unwrap_or_default(),
                    meta["name"].as_str().unwrap_or_default()
                )
            })
            .collect();
        let pairs = keys.iter().map(String::as_str).zip(&sets).collect();
        let mut sets: Vec<Value> = template::sorted(pairs)
            .into_iter()
            .map(|(_, rs)| rs.clone())
            .collect();
        // kubectl takes the old ReplicaSets first and the new one (the
        // oldest with the Deployment's template) last.
        if let Some(i) = sets
            .iter()
            .position(|rs| same_template(&rs["spec"]["template"], &object["spec"]["template"]))
        {
            let new = sets.remove(i);
            sets.push(new);
        }
        for mut rs in sets {
            let rs_name = rs["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let number = match rs["metadata"]["annotations"][REVISION].as_str() {
                None => 0,
                Some(text) => match text.parse::<i64>() {
                    Ok(n) => n,
                    Err(_) => {
                        eprintln!(
                            "Warning: unable to get revision from replicaset {} for deployment {name} in namespace {namespace}: strconv.ParseInt: parsing {text:?}: invalid syntax",
                            escape::text(&rs_name)
                        );
                        continue;
                    }
                },
            };
            let change_cause = rs["metadata"]["annotations"][CHANGE_CAUSE]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let mut template = rs["spec"]["template"].clone();
            if !change_cause.is_empty() {
                if !template["metadata"]["annotations"].is_object() {
                    template["metadata"]["annotations"] = Value::Object(Default::default());
                }
                template["metadata"]["annotations"][CHANGE_CAUSE] =
                    Value::from(change_cause.as_str());
            }
            // List items come without their type.
            rs["apiVersion"] = Value::from("apps/v1");
            rs["kind"] = Value::from("ReplicaSet");
            history.insert(
                number,
                Revision {
                    template,
                    change_cause,
                    object: rs,
                },
            );
        }
        return Ok(history);
    }
    let kind = match workload {
        Workload::DaemonSet => "DaemonSet",
        _ => "StatefulSet",
    };
    let wrap = |e: kapi::Error| {
        prefixed(
            e,
            &format!("unable to find history controlled by {kind} {name}"),
        )
    };
    for cr in owned(client, "controllerrevisions", namespace, &selector, uid).map_err(wrap)? {
        let number = cr["revision"].as_i64().unwrap_or(0);
        let change_cause = cr["metadata"]["annotations"][CHANGE_CAUSE]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let applied = apply_revision(&object, &cr["data"]);
        history.insert(
            number,
            Revision {
                template: applied["spec"]["template"].clone(),
                change_cause,
                object: applied,
            },
        );
    }
    Ok(history)
}

/// kubectl's errors for types without history: the workload kinds it
/// knows but keeps no history for, and every other kind.
fn unsupported(target: &Target) -> Error {
    let gk = group_kind(&target.resource);
    let known = matches!(
        (
            target.resource.group.as_str(),
            target.resource.kind.as_str()
        ),
        ("apps" | "extensions", "ReplicaSet")
            | ("batch", "Job" | "CronJob")
            | ("", "Pod" | "ReplicationController")
    );
    if known {
        Error::msg(format!("no history viewer has been implemented for {gk:?}"))
    } else {
        // Go's %v of the {Group Kind} struct.
        Error::msg(format!(
            "error retrieving history for {gk:?}, no visitor method exists for {{{} {}}}",
            target.resource.group, target.resource.kind
        ))
    }
}

/// A library error under kubectl's `fmt.Errorf("...: %v", err)`.
fn prefixed(e: kapi::Error, prefix: &str) -> Error {
    let message = match e.status() {
        Some(status) => status.message.clone(),
        None => e.to_string(),
    };
    Error::msg(format!("{prefix}: {message}"))
}

/// The objects of `plural` (apps/v1) in `namespace` that match `selector`
/// and whose controller is `uid`.
fn owned(
    client: &Client,
    plural: &str,
    namespace: &str,
    selector: &str,
    uid: &str,
) -> kapi::Result<Vec<Value>> {
    let resource =
        kapi::builtin(plural).ok_or_else(|| kapi::Error::UnknownResource(plural.to_string()))?;
    let mut params = ListParams::default();
    params.label_selector = (!selector.is_empty()).then(|| selector.to_string());
    let mut owned = Vec::new();
    for item in client
        .api(resource)
        .namespace(namespace)
        .list(params)
        .items::<Value>()
    {
        let item = item?;
        let controlled = item["metadata"]["ownerReferences"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|r| r["controller"] == true && r["uid"] == uid);
        if controlled {
            owned.push(item);
        }
    }
    Ok(owned)
}

/// A label selector as a `labelSelector` query (empty: everything).
fn selector_query(selector: &Value) -> String {
    match template::selector_text(selector).as_str() {
        "<none>" => String::new(),
        text => text.to_string(),
    }
}

/// Whether two pod templates are the same but for the ReplicaSet's
/// `pod-template-hash` label.
fn same_template(a: &Value, b: &Value) -> bool {
    let strip = |t: &Value| {
        let mut t = t.clone();
        if let Some(labels) = t["metadata"]["labels"].as_object_mut() {
            labels.remove("pod-template-hash");
        }
        t
    };
    strip(a) == strip(b)
}

/// `object` as it was at a ControllerRevision: its `data` (the DaemonSet
/// and StatefulSet controllers store `{"spec":{"template":{"$patch":
/// "replace", ...}}}`) applied to it.
fn apply_revision(object: &Value, data: &Value) -> Value {
    let mut applied = object.clone();
    merge(&mut applied, data);
    applied
}

/// A strategic merge patch reduced to what revision data holds: maps
/// merge, `$patch: replace` replaces, anything else is set.
fn merge(target: &mut Value, patch: &Value) {
    let Some(patch) = patch.as_object() else {
        *target = patch.clone();
        return;
    };
    if patch.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut replaced = patch.clone();
        replaced.remove("$patch");
        *target = Value::Object(replaced);
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    for (key, value) in patch {
        if value.is_null() {
            if let Some(map) = target.as_object_mut() {
                map.remove(key);
            }
            continue;
        }
        merge(&mut target[key.as_str()], value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn revision(cause: &str) -> Revision {
        Revision {
            template: Value::Null,
            change_cause: cause.into(),
            object: Value::Null,
        }
    }

    #[test]
    fn the_table_is_aligned_as_kubectl_aligns_it() {
        let mut history = History::default();
        history.insert(1, revision(""));
        history.insert(
            12,
            revision("kubectl set image deployment/web web=nginx:1.28"),
        );
        assert_eq!(
            table(&history),
            "REVISION  CHANGE-CAUSE\n1         <none>\n12        kubectl set image deployment/web web=nginx:1.28\n"
        );
    }

    #[test]
    fn revision_data_replaces_the_template() {
        let ds = json!({"spec": {"template": {"metadata": {"labels": {"a": "1"}}, "spec": {"containers": [{"name": "x", "image": "new"}]}}, "selector": {}}});
        let data = json!({"spec": {"template": {"$patch": "replace", "metadata": {"labels": {"a": "1"}}, "spec": {"containers": [{"name": "x", "image": "old"}]}}}});
        let applied = apply_revision(&ds, &data);
        assert_eq!(
            applied["spec"]["template"]["spec"]["containers"][0]["image"],
            "old"
        );
        assert!(applied["spec"]["template"].get("$patch").is_none());
        assert_eq!(applied["spec"]["selector"], json!({}));
    }
}
