//! `kapi auth can-i` (SelfSubjectAccessReview) and `kapi auth whoami`
//! (SelfSubjectReview): what may this pod do, and who is it.

use std::ffi::OsString;
use std::process::ExitCode;

use kapi::{ApiResource, Client, PostParams};
use serde_json::{json, Map, Value};

use crate::args::{switch, value, Flag, Matches, UsageError};
use crate::connect;
use crate::error::{Error, Result};
use crate::output::json::write_json;
use crate::output::tabwriter::TabWriter;
use crate::output::yaml::write_yaml;
use crate::output::{self};

pub(super) const AUTH_HELP: &str = "\
Inspect authorization.

Usage:
  kapi auth can-i VERB TYPE[/NAME] [options]
  kapi auth whoami [-o json|yaml]

Commands:
  can-i    Check whether an action is allowed (exit code 0 yes, 1 no)
  whoami   Print the user, groups and extra attributes the server sees for this pod
";

pub(super) const CAN_I_HELP: &str = "\
Check whether the pod's service account may do something. Prints yes or no; the exit code
is 0 for yes and 1 for no, so a script can test it directly.

Usage:
  kapi auth can-i VERB TYPE[/NAME] [options]
  kapi auth can-i VERB /NON-RESOURCE-URL [options]

VERB is a Kubernetes API verb: get, list, watch, create, update, patch, delete,
deletecollection, use, bind, impersonate, escalate, ... or *.

Examples:
  # Before labelling itself, may the pod patch pods in its namespace?
  kapi auth can-i patch pods && kapi label pod \"$HOSTNAME\" ready=true --overwrite
  # A named object, another namespace, a subresource:
  kapi auth can-i delete jobs.batch/cleanup -n batch
  kapi auth can-i get pods --subresource=log
  kapi auth can-i get /healthz -q

Options:
  -A, --all-namespaces     Check in all namespaces
      --subresource NAME   A subresource such as log (pods) or scale (deployments)
  -q, --quiet              Print nothing; only the exit code tells

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(super) const WHOAMI_HELP: &str = "\
Print the attributes the API server sees for this pod's credentials (SelfSubjectReview):
user name, UID, groups and extra attributes.

Usage:
  kapi auth whoami [-o json|yaml]

Examples:
  kapi auth whoami
  kapi auth whoami -o json

Options:
  -o, --output FORMAT   json|yaml (default: an ATTRIBUTE/VALUE table)

Global options (see 'kapi --help'): -n, -v, --request-timeout, --insecure-skip-tls-verify
";

pub(super) const CAN_I_FLAGS: &[Flag] = &[
    switch("all-namespaces", Some('A')),
    value("subresource", None),
    switch("quiet", Some('q')),
];

pub(super) const WHOAMI_FLAGS: &[Flag] = &[value("output", Some('o'))];

/// Verbs kubectl does not warn about for resources (`pkg/cmd/auth/cani.go`).
const RESOURCE_VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "use",
    "bind",
    "impersonate",
    "*",
    "approve",
    "sign",
    "escalate",
    "attest",
];
/// ... and for non-resource URLs.
const NON_RESOURCE_VERBS: &[&str] = &[
    "get", "put", "post", "head", "options", "delete", "patch", "*",
];

/// `kapi auth` alone.
pub fn help(args: Vec<OsString>) -> Result<ExitCode> {
    let m = crate::args::parse("auth", args, &[])?;
    print!("{AUTH_HELP}");
    if m.flag("help") {
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(word) = m.positionals.first() {
        return Err(UsageError::new(
            "auth",
            format!("unknown command {word:?} for \"kapi auth\""),
        )
        .into());
    }
    Ok(ExitCode::from(crate::error::exit::USAGE))
}

/// `kapi auth can-i`.
pub fn can_i(args: Vec<OsString>) -> Result<ExitCode> {
    let Some(m) = super::parse("auth can-i", args, CAN_I_FLAGS, CAN_I_HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let question = question(&m).map_err(|msg| UsageError::new("auth can-i", msg))?;
    let client = connect::client("auth can-i", &m)?;
    ask(
        &client,
        &question,
        m.flag("all-namespaces"),
        m.flag("quiet"),
    )
}

/// `kapi auth can-i VERB WHAT`, checked before any request.
struct Question<'m> {
    verb: &'m str,
    /// `TYPE`, `TYPE/NAME` or a non-resource URL (`/healthz`).
    what: &'m str,
    subresource: &'m str,
}

fn question(m: &Matches) -> std::result::Result<Question<'_>, String> {
    let [verb, what] = m.positionals.as_slice() else {
        return Err(
            "you must specify two or three arguments: verb, resource, and optional resourceName"
                .into(),
        );
    };
    let subresource = m.value("subresource").unwrap_or_default();
    if what.starts_with('/') && !subresource.is_empty() {
        return Err("--subresource can not be used with NonResourceURL".into());
    }
    Ok(Question {
        verb,
        what,
        subresource,
    })
}

/// Sends the SelfSubjectAccessReview and prints kubectl's answer: exit 0
/// for yes, 1 for no.
fn ask(client: &Client, q: &Question<'_>, all_namespaces: bool, quiet: bool) -> Result<ExitCode> {
    let (verb, what, subresource) = (q.verb, q.what, q.subresource);
    let namespace = if all_namespaces {
        String::new()
    } else {
        client.namespace().to_string()
    };
    let attributes = if what.starts_with('/') {
        if !NON_RESOURCE_VERBS.contains(&verb) {
            eprintln!("Warning: verb '{verb}' is not a known verb");
        }
        json!({"nonResourceAttributes": {"verb": verb, "path": what}})
    } else {
        if !RESOURCE_VERBS.contains(&verb) {
            eprintln!("Warning: verb '{verb}' is not a known verb");
        }
        let (type_name, name) = match what.split_once('/') {
            Some((t, n)) => (t, n),
            None => (what, ""),
        };
        let (group, resource) = resource_for(client, type_name, !namespace.is_empty());
        let mut attrs = Map::new();
        for (key, value) in [
            ("namespace", namespace.as_str()),
            ("verb", verb),
            ("group", group.as_str()),
            ("resource", resource.as_str()),
            ("subresource", subresource),
            ("name", name),
        ] {
            // Go's omitempty: only what is set is sent.
            if !value.is_empty() {
                attrs.insert(key.into(), Value::String(value.to_string()));
            }
        }
        json!({"resourceAttributes": attrs})
    };
    let review = json!({
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": attributes,
    });
    let reviews = client.api(ApiResource::new(
        "authorization.k8s.io",
        "v1",
        "selfsubjectaccessreviews",
        "SelfSubjectAccessReview",
        false,
    ));
    let answer: Value = reviews.create(&PostParams::default(), &review)?;
    let status = &answer["status"];
    let allowed = status["allowed"].as_bool().unwrap_or(false);
    if !quiet {
        let mut line = String::from(if allowed { "yes" } else { "no" });
        if !allowed {
            for key in ["reason", "evaluationError"] {
                if let Some(text) = status[key].as_str().filter(|t| !t.is_empty()) {
                    line.push_str(" - ");
                    line.push_str(text);
                }
            }
        }
        println!("{}", crate::output::escape::text(&line));
    }
    Ok(if allowed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::error::exit::ERROR)
    })
}

/// (group, plural) for the review, as kubectl's `resourceFor`: an unknown
/// type is sent as typed, with a warning; `*` stays `*`.
fn resource_for(client: &Client, type_name: &str, namespaced_check: bool) -> (String, String) {
    if type_name == "*" {
        return (String::new(), "*".into());
    }
    match client.resolve(&type_name.to_ascii_lowercase()) {
        Ok(resource) => {
            if namespaced_check && !resource.namespaced {
                if resource.group.is_empty() {
                    eprintln!(
                        "Warning: resource '{}' is not namespace scoped",
                        resource.plural
                    );
                } else {
                    eprintln!(
                        "Warning: resource '{}' is not namespace scoped in group '{}'",
                        resource.plural, resource.group
                    );
                }
            }
            (resource.group, resource.plural)
        }
        Err(_) => {
            let parsed = kapi::TypeName::parse(type_name);
            match &parsed.group {
                None => eprintln!(
                    "Warning: the server doesn't have a resource type '{}'",
                    parsed.name
                ),
                Some(group) => eprintln!(
                    "Warning: the server doesn't have a resource type '{}' in group '{group}'",
                    parsed.name
                ),
            }
            (String::new(), type_name.to_string())
        }
    }
}

/// `kapi auth whoami`.
pub fn whoami(args: Vec<OsString>) -> Result<ExitCode> {
    let Some(m) = super::parse("auth whoami", args, WHOAMI_FLAGS, WHOAMI_HELP)? else {
        return Ok(ExitCode::SUCCESS);
    };
    if let Some(arg) = m.positionals.first() {
        return Err(UsageError::new("auth whoami", format!("unexpected argument {arg:?}")).into());
    }
    let format = m.value("output").filter(|o| !o.is_empty());
    if let Some(other) = format.filter(|o| !matches!(*o, "json" | "yaml")) {
        return Err(UsageError::new(
            "auth whoami",
            format!("unable to match a printer suitable for the output format {other:?}, allowed formats are: json,yaml"),
        )
        .into());
    }
    let client = connect::client("auth whoami", &m)?;
    let review = self_subject_review(&client)?;
    let mut out = output::stdout();
    match format {
        Some("json") => write_json(&mut out, &review)?,
        Some("yaml") => write_yaml(&mut out, &review)?,
        _ => user_table(&review["status"]["userInfo"]).flush(&mut out)?,
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// POSTs a SelfSubjectReview: authentication.k8s.io/v1, else (404) v1beta1,
/// else v1alpha1, as kubectl does.
fn self_subject_review(client: &Client) -> Result<Value> {
    for version in ["v1", "v1beta1", "v1alpha1"] {
        let resource = ApiResource::new(
            "authentication.k8s.io",
            version,
            "selfsubjectreviews",
            "SelfSubjectReview",
            false,
        );
        let review = json!({
            "apiVersion": format!("authentication.k8s.io/{version}"),
            "kind": "SelfSubjectReview",
        });
        match client.api(resource).create(&PostParams::default(), &review) {
            Ok(answer) => return Ok(answer),
            // Not served at this version: try the next one down.
            Err(e) if e.is_not_found() => continue,
            Err(e) if e.is_forbidden() => {
                return Err(Error::msg(
                    "the selfsubjectreviews API is not enabled in the cluster or you do not have permission to call it",
                ))
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::msg(
        "the selfsubjectreviews API is not enabled in the cluster\n\
         enable APISelfSubjectReview feature gate and authentication.k8s.io/v1alpha1 or authentication.k8s.io/v1beta1 API",
    ))
}

/// kubectl's whoami table: `ATTRIBUTE  VALUE`, then the attributes set.
fn user_table(user: &Value) -> TabWriter {
    let mut table = TabWriter::default();
    table.row(vec!["ATTRIBUTE".into(), "VALUE".into()]);
    if let Some(name) = user["username"].as_str().filter(|s| !s.is_empty()) {
        table.row(vec!["Username".into(), name.into()]);
    }
    if let Some(uid) = user["uid"].as_str().filter(|s| !s.is_empty()) {
        table.row(vec!["UID".into(), uid.into()]);
    }
    let groups = strings(&user["groups"]);
    if !groups.is_empty() {
        table.row(vec!["Groups".into(), format!("[{}]", groups.join(" "))]);
    }
    if let Some(extra) = user["extra"].as_object() {
        // serde_json's Map is sorted, as kubectl sorts the keys.
        for (key, values) in extra {
            table.row(vec![
                format!("Extra: {key}"),
                format!("[{}]", strings(values).join(" ")),
            ]);
        }
    }
    table
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whoami_table_lists_what_is_set() {
        let user = json!({
            "username": "system:serviceaccount:test:gateway",
            "uid": "u-1",
            "groups": ["system:serviceaccounts", "system:authenticated"],
            "extra": {"authentication.kubernetes.io/pod-name": ["gateway-x"]},
        });
        let mut out = Vec::new();
        user_table(&user).flush(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\
ATTRIBUTE                                      VALUE
Username                                       system:serviceaccount:test:gateway
UID                                            u-1
Groups                                         [system:serviceaccounts system:authenticated]
Extra: authentication.kubernetes.io/pod-name   [gateway-x]
"
        );
    }
}
