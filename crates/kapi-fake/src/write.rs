//! Writes: POST (create), PUT (replace) and PATCH (JSON patch, merge patch,
//! strategic merge patch, server-side apply), on objects and on their
//! `status` and `scale` subresources, with `dryRun=All`, optimistic
//! concurrency on `metadata.resourceVersion`, managed fields, and the real
//! server's 400/404/409/415/422 answers. Deletion is in [`crate::delete`].

use std::sync::Arc;

use hyper::Response;
use serde_json::{json, Value};

use crate::api::Api;
use crate::catalog::ResourceInfo;
use crate::field_manager::{self, Actor};
use crate::json::{self, Json};
use crate::request::{parse_bool, ApiRequest};
use crate::response::{self, Body};
use crate::status::{self, Cause, Details, Status};
use crate::store::{Key, Stored};
use crate::{admission, json_patch, last_applied, merge_patch, object_meta, strategic_merge, yaml};

/// What a write needs to know about its target.
pub(crate) struct Target<'a> {
    pub(crate) info: &'a ResourceInfo,
    pub(crate) custom: bool,
    /// Empty for cluster-scoped resources.
    pub(crate) namespace: &'a str,
    pub(crate) subresource: Option<&'a str>,
}

/// `dryRun=All` (400 for any other value).
pub(crate) fn dry_run(req: &ApiRequest) -> Result<bool, Status> {
    let values: Vec<&str> = req
        .query
        .iter()
        .filter(|(k, _)| k == "dryRun")
        .map(|(_, v)| v.as_str())
        .collect();
    match values.as_slice() {
        [] => Ok(false),
        vals if vals.iter().all(|v| *v == "All") => Ok(true),
        vals => {
            let bad = vals
                .iter()
                .find(|v| **v != "All")
                .copied()
                .unwrap_or_default();
            Err(status::bad_request(format!(
                "dryRun: Unsupported value: {}: supported values: \"All\"",
                status::go_quote(bad)
            )))
        }
    }
}

/// The field manager of an update: `fieldManager`, else the User-Agent's
/// first word (as the real server derives it).
fn update_manager(req: &ApiRequest) -> String {
    if let Some(manager) = req.param("fieldManager").filter(|m| !m.is_empty()) {
        return manager.to_string();
    }
    let agent = req.header("user-agent").unwrap_or_default();
    match agent.split('/').next().unwrap_or_default() {
        "" => "unknown".into(),
        prefix => prefix.to_string(),
    }
}

/// Decodes a request body (JSON, or YAML for `application/yaml`).
fn decode_body(req: &ApiRequest) -> Result<Value, Status> {
    let content_type = media_type(req);
    if content_type == "application/yaml" {
        return yaml::parse(&String::from_utf8_lossy(&req.body)).map_err(|err| {
            status::bad_request(format!(
                "couldn't get version/kind; json parse error: {err}"
            ))
        });
    }
    serde_json::from_slice(&req.body).map_err(|err| {
        status::bad_request(format!(
            "couldn't get version/kind; json parse error: {}",
            go_json_error(&err)
        ))
    })
}

/// serde_json's error as the start of Go's wording.
fn go_json_error(err: &serde_json::Error) -> String {
    match err.classify() {
        serde_json::error::Category::Eof => "unexpected end of JSON input".into(),
        _ => format!(
            "invalid character at line {} column {}",
            err.line(),
            err.column()
        ),
    }
}

fn media_type(req: &ApiRequest) -> String {
    req.header("content-type")
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Checks `kind`/`apiVersion` of a body against the resource (both may be
/// left out).
fn check_type(body: &Value, info: &ResourceInfo) -> Result<(), Status> {
    let api_version = info.api_version();
    if let Some(v) = body["apiVersion"].as_str().filter(|v| !v.is_empty()) {
        if v != api_version {
            return Err(status::bad_request(format!(
                "the API version in the data ({v}) does not match the expected API version ({api_version})"
            )));
        }
    }
    if let Some(kind) = body["kind"].as_str().filter(|k| !k.is_empty()) {
        if kind != info.kind {
            return Err(status::bad_request(format!(
                "the kind in the data ({kind}) does not match the expected kind ({})",
                info.kind
            )));
        }
    }
    if !body.is_object() {
        return Err(status::bad_request(format!(
            "the object provided is unrecognized (must be of type {})",
            info.kind
        )));
    }
    match &body["metadata"] {
        Value::Null | Value::Object(_) => Ok(()),
        other => Err(status::bad_request(format!(
            "{kind} in version \"{version}\" cannot be handled as a {kind}: json: cannot unmarshal {found} into Go struct field {kind}.metadata of type v1.ObjectMeta",
            kind = info.kind,
            version = info.version,
            found = match other {
                Value::Array(_) => "array",
                Value::String(_) => "string",
                Value::Number(_) => "number",
                _ => "bool",
            },
        ))),
    }
}

fn check_namespace(body: &Value, namespace: &str) -> Result<(), Status> {
    match body["metadata"]["namespace"].as_str() {
        Some(ns) if !ns.is_empty() && !namespace.is_empty() && ns != namespace => Err(status::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        )),
        _ => Ok(()),
    }
}

/// `configmaps "foo" already exists`.
fn already_exists(info: &ResourceInfo, name: &str) -> Status {
    Status::failure(
        409,
        "AlreadyExists",
        format!(
            "{} {} already exists",
            crate::request::qualified(&info.resource, &info.group),
            status::go_quote(name)
        ),
    )
    .details(Details::of(name, &info.group, &info.resource))
}

/// `Operation cannot be fulfilled on configmaps "foo": …`.
pub(crate) fn conflict(info: &ResourceInfo, name: &str, detail: &str) -> Status {
    Status::failure(
        409,
        "Conflict",
        format!(
            "Operation cannot be fulfilled on {} {}: {detail}",
            crate::request::qualified(&info.resource, &info.group),
            status::go_quote(name)
        ),
    )
    .details(Details::of(name, &info.group, &info.resource))
}

const MODIFIED: &str =
    "the object has been modified; please apply your changes to the latest version and try again";

/// A body with its key order.
fn template(req: &ApiRequest) -> Option<Arc<Json>> {
    json::parse_ordered(&req.body).ok().map(Arc::new)
}

fn object_response(code: u16, stored: &Stored) -> Response<Body> {
    response::json(code, stored.encode() + "\n")
}

/// POST to a collection.
pub(crate) fn create(
    api: &Api,
    req: &ApiRequest,
    target: &Target<'_>,
) -> Result<Response<Body>, Status> {
    let dry = dry_run(req)?;
    let mut body = decode_body(req)?;
    check_type(&body, target.info)?;
    check_namespace(&body, target.namespace)?;
    let info = target.info;
    let mut store = api.store();
    let mut name = body["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if name.is_empty() {
        if let Some(prefix) = body["metadata"]["generateName"]
            .as_str()
            .filter(|p| !p.is_empty())
        {
            let suffix: String = store.next_uid().chars().rev().take(5).collect::<String>();
            name = format!(
                "{prefix}{}",
                suffix.replace(|c: char| !c.is_ascii_alphanumeric(), "x")
            );
            body["metadata"]["name"] = Value::from(name.as_str());
        }
    }
    admission::validate(info, &body, &name)?;
    if info.namespaced {
        let ns_key = Key::new("", "namespaces", "", target.namespace);
        if store.get(&ns_key).is_none() {
            return Err(status::not_found_status("", "namespaces", target.namespace));
        }
    }
    let key = Key::new(&info.group, &info.resource, target.namespace, &name);
    if store.get(&key).is_some() {
        return Err(already_exists(info, &name));
    }
    let now = api.clock.timestamp();
    object_meta::on_create(
        &mut body,
        info,
        target.custom,
        target.namespace,
        &now,
        &mut store,
    );
    object_meta::defaults(&mut body, info);
    let manager = update_manager(req);
    let api_version = info.api_version();
    field_manager::record_update(None, &mut body, &actor(&manager, &api_version, &now, ""));
    let template = template(req);
    if dry {
        return Ok(object_response(
            201,
            &Stored::new(body, template, target.custom),
        ));
    }
    let stored = store.write(key, body, template, target.custom);
    Ok(object_response(201, &stored))
}

fn actor<'a>(
    manager: &'a str,
    api_version: &'a str,
    time: &'a str,
    subresource: &'a str,
) -> Actor<'a> {
    Actor {
        manager,
        api_version,
        time,
        subresource,
    }
}

/// PUT of an object, its status or its scale.
pub(crate) fn replace(
    api: &Api,
    req: &ApiRequest,
    target: &Target<'_>,
    name: &str,
) -> Result<Response<Body>, Status> {
    let dry = dry_run(req)?;
    let body = decode_body(req)?;
    let info = target.info;
    if target.subresource == Some("scale") {
        return change_scale(api, req, target, name, dry, |_| Ok(body.clone()));
    }
    check_type(&body, info)?;
    check_namespace(&body, target.namespace)?;
    let body_name = body["metadata"]["name"].as_str().unwrap_or_default();
    if body_name != name {
        return Err(status::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    let key = Key::new(&info.group, &info.resource, target.namespace, name);
    let mut store = api.store();
    let old = store
        .get(&key)
        .cloned()
        .ok_or_else(|| status::not_found_status(&info.group, &info.resource, name))?;
    check_version(&body, &old.object, info, name)?;
    let new = match target.subresource {
        Some("status") => {
            let mut new = (*old.object).clone();
            new["status"] = body["status"].clone();
            new
        }
        _ => {
            let mut new = body;
            // The main resource ignores status changes, as the real strategies do.
            if info.subresource("status").is_some() {
                new["status"] = old.object["status"].clone();
                if new["status"].is_null() {
                    if let Some(map) = new.as_object_mut() {
                        map.remove("status");
                    }
                }
            }
            new
        }
    };
    finish_update(
        api, req, target, &mut store, key, old, new, name, dry, "Update",
    )
}

fn check_version(body: &Value, old: &Value, info: &ResourceInfo, name: &str) -> Result<(), Status> {
    match body["metadata"]["resourceVersion"]
        .as_str()
        .filter(|rv| !rv.is_empty())
    {
        Some(rv) if Some(rv) != old["metadata"]["resourceVersion"].as_str() => {
            Err(conflict(info, name, MODIFIED))
        }
        _ => Ok(()),
    }
}

/// Validates, records the manager, and stores (or, dry, just answers).
#[allow(clippy::too_many_arguments)]
fn finish_update(
    api: &Api,
    req: &ApiRequest,
    target: &Target<'_>,
    store: &mut crate::store::Store,
    key: Key,
    old: Stored,
    mut new: Value,
    name: &str,
    dry: bool,
    operation: &str,
) -> Result<Response<Body>, Status> {
    let info = target.info;
    object_meta::on_update(&mut new, &old.object, info, target.custom);
    object_meta::defaults(&mut new, info);
    admission::validate(info, &new, name)?;
    // Nothing changed: the real server writes nothing (same
    // resourceVersion, no event), so clients can say "(no change)".
    // An update that sets managedFields itself changes them (client-go's
    // csaupgrade patches only those).
    let sets_managed = new["metadata"]["managedFields"] != old.object["metadata"]["managedFields"]
        && new["metadata"]["managedFields"].is_array();
    if unchanged(&old.object, &new, operation == "Update" && !sets_managed) {
        return Ok(object_response(200, &old));
    }
    if operation == "Update" {
        let now = api.clock.timestamp();
        let manager = update_manager(req);
        let api_version = info.api_version();
        let sub = target.subresource.unwrap_or_default();
        field_manager::record_update(
            Some(&old.object),
            &mut new,
            &actor(&manager, &api_version, &now, sub),
        );
    }
    if dry {
        let mut shown = new;
        shown["metadata"]["resourceVersion"] = old.object["metadata"]["resourceVersion"].clone();
        return Ok(object_response(
            200,
            &Stored::new(shown, old.template, target.custom),
        ));
    }
    let stored = store.write(key, new, old.template, target.custom);
    Ok(object_response(200, &stored))
}

/// Whether `new` is `old` but for its resourceVersion and (for updates)
/// its managed fields, or (for applies) their timestamps.
fn unchanged(old: &Value, new: &Value, ignore_managed: bool) -> bool {
    let normal = |v: &Value| {
        let mut v = v.clone();
        if let Some(meta) = v["metadata"].as_object_mut() {
            meta.remove("resourceVersion");
            if ignore_managed {
                meta.remove("managedFields");
            } else if let Some(Value::Array(entries)) = meta.get_mut("managedFields") {
                for entry in entries.iter_mut().filter_map(Value::as_object_mut) {
                    entry.remove("time");
                }
            }
        }
        v
    };
    normal(old) == normal(new)
}

/// The patch types a resource accepts, as the 415 lists them.
fn accepted_patch_types(custom: bool) -> &'static str {
    if custom {
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
    } else {
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"
    }
}

fn patch_options_invalid(field: &str, reason: &str, body: &str) -> Status {
    let mut details = Details::of("", "meta.k8s.io", "PatchOptions");
    details.causes = vec![Cause {
        reason: reason.into(),
        message: body.into(),
        field: field.into(),
    }];
    Status::failure(
        422,
        "Invalid",
        format!("PatchOptions.meta.k8s.io \"\" is invalid: {field}: {body}"),
    )
    .details(details)
}

/// PATCH of an object, its status or its scale.
pub(crate) fn patch(
    api: &Api,
    req: &ApiRequest,
    target: &Target<'_>,
    name: &str,
) -> Result<Response<Body>, Status> {
    let info = target.info;
    let kind = media_type(req);
    let known = matches!(
        kind.as_str(),
        "application/json-patch+json"
            | "application/merge-patch+json"
            | "application/apply-patch+yaml"
    ) || (kind == "application/strategic-merge-patch+json" && !target.custom);
    if !known {
        return Err(Status::failure(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: {}",
                accepted_patch_types(target.custom)
            ),
        ));
    }
    let apply = kind == "application/apply-patch+yaml";
    let force = req.param("force");
    if !apply && force.is_some() {
        return Err(patch_options_invalid(
            "force",
            "FieldValueForbidden",
            "Forbidden: may not be specified for non-apply patch",
        ));
    }
    let manager = req.param("fieldManager").unwrap_or_default().to_string();
    if apply && manager.is_empty() {
        return Err(patch_options_invalid(
            "fieldManager",
            "FieldValueRequired",
            "Required value: is required for apply patch",
        ));
    }
    let dry = dry_run(req)?;
    let text = String::from_utf8_lossy(&req.body).into_owned();
    let change = |current: &Value| -> Result<Value, Status> {
        match kind.as_str() {
            "application/json-patch+json" => {
                let ops = json_patch::decode(&req.body).map_err(|e| status::bad_request(e.0))?;
                json_patch::apply(current, &ops).map_err(|e| Status::failure(422, "Invalid", e.0))
            }
            "application/merge-patch+json" => {
                let patch: Value = serde_json::from_slice(&req.body).map_err(|err| {
                    status::bad_request(format!("error decoding patch: {}", go_json_error(&err)))
                })?;
                let mut out = current.clone();
                merge_patch::apply(&mut out, &patch);
                Ok(out)
            }
            _ => {
                let patch: Value = serde_json::from_slice(&req.body).map_err(|err| {
                    status::bad_request(format!("error decoding patch: {}", go_json_error(&err)))
                })?;
                let mut out = current.clone();
                strategic_merge::apply(&mut out, &patch);
                Ok(out)
            }
        }
    };
    if target.subresource == Some("scale") {
        if apply {
            return Err(Status::failure(
                415,
                "UnsupportedMediaType",
                "apply is not supported on the scale subresource in kapi-fake",
            ));
        }
        return change_scale(api, req, target, name, dry, change);
    }
    let key = Key::new(&info.group, &info.resource, target.namespace, name);
    let mut store = api.store();
    let old = store.get(&key).cloned();
    if apply {
        let config = yaml::parse(&text)
            .map_err(|err| status::bad_request(format!("error decoding YAML: {err}")))?;
        return server_side_apply(
            api, req, target, &mut store, key, old, config, &manager, dry,
        );
    }
    let old = old.ok_or_else(|| status::not_found_status(&info.group, &info.resource, name))?;
    let patched = change(&old.object)?;
    check_version(&patched, &old.object, info, name)?;
    let new = match target.subresource {
        Some("status") => {
            let mut new = (*old.object).clone();
            new["status"] = patched["status"].clone();
            new
        }
        _ => patched,
    };
    finish_update(
        api, req, target, &mut store, key, old, new, name, dry, "Update",
    )
}

#[allow(clippy::too_many_arguments)]
fn server_side_apply(
    api: &Api,
    req: &ApiRequest,
    target: &Target<'_>,
    store: &mut crate::store::Store,
    key: Key,
    old: Option<Stored>,
    config: Value,
    manager: &str,
    dry: bool,
) -> Result<Response<Body>, Status> {
    let info = target.info;
    let name = key.name.clone();
    if config["apiVersion"].as_str().unwrap_or_default().is_empty()
        || config["kind"].as_str().unwrap_or_default().is_empty()
    {
        return Err(status::bad_request("invalid object type: /, Kind="));
    }
    check_type(&config, info)?;
    check_namespace(&config, target.namespace)?;
    let config_name = config["metadata"]["name"].as_str().unwrap_or_default();
    if config_name != name {
        return Err(status::bad_request(format!(
            "the name of the object ({config_name}) does not match the name on the URL ({name})"
        )));
    }
    let force = req.param("force").is_some_and(parse_bool);
    let now = api.clock.timestamp();
    let api_version = info.api_version();
    let sub = target.subresource.unwrap_or_default();
    let who = actor(manager, &api_version, &now, sub);
    let live = old.as_ref().map(|o| &*o.object);
    let mut merged = field_manager::apply(live, &config, &who, force)
        .or_else(|conflicts| {
            // Conflicts with what client-side apply last applied are
            // forced for `kubectl` (last_applied.rs).
            match last_applied::allows(manager, live, &conflicts) {
                true => field_manager::apply(live, &config, &who, true),
                false => Err(conflicts),
            }
        })
        .map_err(|conflicts| {
            let (message, causes) = field_manager::conflict_message(&conflicts);
            let details = Details {
                causes,
                ..Details::default()
            };
            Status::failure(409, "Conflict", message).details(details)
        })?;
    last_applied::update(manager, &config, &mut merged);
    match old {
        Some(old) => {
            if let Some(old_rv) = old.object["metadata"]["resourceVersion"].as_str() {
                check_version(&config, &old.object, info, &name)?;
                let _ = old_rv;
            }
            finish_update(
                api, req, target, store, key, old, merged, &name, dry, "Apply",
            )
        }
        None => {
            let mut object = merged;
            if info.namespaced {
                let ns_key = Key::new("", "namespaces", "", target.namespace);
                if store.get(&ns_key).is_none() {
                    return Err(status::not_found_status("", "namespaces", target.namespace));
                }
            }
            let managed = object["metadata"]["managedFields"].clone();
            object_meta::on_create(
                &mut object,
                info,
                target.custom,
                target.namespace,
                &now,
                store,
            );
            object["metadata"]["managedFields"] = managed;
            object_meta::defaults(&mut object, info);
            admission::validate(info, &object, &name)?;
            let template = template(req);
            if dry {
                return Ok(object_response(
                    201,
                    &Stored::new(object, template, target.custom),
                ));
            }
            let stored = store.write(key, object, template, target.custom);
            Ok(object_response(201, &stored))
        }
    }
}

/// The `autoscaling/v1` Scale of `object`.
pub(crate) fn scale_of(object: &Value) -> Value {
    let meta = &object["metadata"];
    let selector = selector_text(&object["spec"]["selector"]);
    let mut status = json!({"replicas": object["status"]["replicas"].as_i64().unwrap_or(0)});
    if !selector.is_empty() {
        status["selector"] = Value::from(selector);
    }
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta["name"],
            "namespace": meta["namespace"],
            "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"],
            "creationTimestamp": meta["creationTimestamp"],
        },
        "spec": {"replicas": object["spec"]["replicas"].as_i64().unwrap_or(0)},
        "status": status,
    })
}

/// A label selector as the Scale's `status.selector` string.
fn selector_text(selector: &Value) -> String {
    let mut parts: Vec<String> = selector["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    parts.sort();
    parts.join(",")
}

/// A Scale response, ordered as the real type is.
pub(crate) fn scale_response(code: u16, scale: &Value) -> Response<Body> {
    let template = json::parse_ordered(
        br#"{"kind":"","apiVersion":"","metadata":{},"spec":{"replicas":0},"status":{"replicas":0,"selector":""}}"#,
    )
    .ok();
    response::json(code, Json::object(scale, template.as_ref()).encode() + "\n")
}

fn change_scale(
    api: &Api,
    req: &ApiRequest,
    target: &Target<'_>,
    name: &str,
    dry: bool,
    change: impl Fn(&Value) -> Result<Value, Status>,
) -> Result<Response<Body>, Status> {
    let info = target.info;
    let key = Key::new(&info.group, &info.resource, target.namespace, name);
    let mut store = api.store();
    let old = store
        .get(&key)
        .cloned()
        .ok_or_else(|| status::not_found_status(&info.group, &info.resource, name))?;
    let scale = change(&scale_of(&old.object))?;
    check_version(&scale, &old.object, info, name)?;
    let replicas = scale["spec"]["replicas"].as_i64().ok_or_else(|| {
        status::bad_request("Scale.autoscaling \"\" is invalid: spec.replicas: Required value")
    })?;
    let mut new = (*old.object).clone();
    new["spec"]["replicas"] = Value::from(replicas);
    object_meta::on_update(&mut new, &old.object, info, target.custom);
    let now = api.clock.timestamp();
    let manager = update_manager(req);
    let api_version = info.api_version();
    field_manager::record_update(
        Some(&old.object),
        &mut new,
        &actor(&manager, &api_version, &now, "scale"),
    );
    if dry {
        return Ok(scale_response(200, &scale_of(&new)));
    }
    let stored = store.write(key, new, old.template, target.custom);
    Ok(scale_response(200, &scale_of(&stored.object)))
}
