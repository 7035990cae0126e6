//! DELETE of an object or a collection, with `DeleteOptions` (body or
//! query): `propagationPolicy`, `gracePeriodSeconds`, `preconditions`,
//! `dryRun`.
//!
//! Deletion is immediate unless the test set a deletion delay for the
//! object ([`crate::FakeApiServer::delay_deletion`]) or asked for
//! `Foreground` propagation: then the object first gets its
//! `deletionTimestamp` (MODIFIED) and goes away later (DELETED), as a
//! kubelet or the garbage collector would finish it.

use std::sync::Arc;
use std::time::Duration;

use hyper::Response;
use serde_json::{json, Value};

use crate::api::Api;
use crate::clock::format_rfc3339;
use crate::json::Json;
use crate::predicate::Predicate;
use crate::request::ApiRequest;
use crate::response::{self, Body};
use crate::status::{self, Details, Status};
use crate::store::{Key, Stored};
use crate::write::{conflict, dry_run, Target};

/// The options of a DELETE.
struct Options {
    propagation: String,
    grace: Option<i64>,
    preconditions: Value,
    dry: bool,
    orphan_dependents: Option<bool>,
}

fn options(req: &ApiRequest) -> Result<Options, Status> {
    let body: Value = if req.body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&req.body)
            .map_err(|err| status::bad_request(format!("couldn't decode DeleteOptions: {err}")))?
    };
    let propagation = req
        .param("propagationPolicy")
        .map(str::to_string)
        .or_else(|| body["propagationPolicy"].as_str().map(str::to_string))
        .unwrap_or_default();
    if !matches!(
        propagation.as_str(),
        "" | "Orphan" | "Background" | "Foreground"
    ) {
        return Err(Status::failure(
            422,
            "Invalid",
            format!(
                "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: {}: supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"",
                status::go_quote(&propagation)
            ),
        ));
    }
    let grace = match req.param("gracePeriodSeconds") {
        Some(text) => Some(text.parse::<i64>().map_err(|_| {
            status::bad_request(format!(
                "gracePeriodSeconds: invalid value {}",
                status::go_quote(text)
            ))
        })?),
        None => body["gracePeriodSeconds"].as_i64(),
    };
    let body_dry = body["dryRun"]
        .as_array()
        .is_some_and(|a| a.iter().any(|v| v == "All"));
    Ok(Options {
        propagation,
        grace,
        preconditions: body["preconditions"].clone(),
        dry: dry_run(req)? || body_dry,
        orphan_dependents: req
            .param("orphanDependents")
            .map(|v| v == "true")
            .or_else(|| body["orphanDependents"].as_bool()),
    })
}

/// Whether DELETE answers with the deleted object (the registries with
/// `ReturnDeletedObject`) rather than a `Success` Status.
fn returns_object(target: &Target<'_>) -> bool {
    target.custom
        || (target.info.group.is_empty()
            && matches!(
                target.info.resource.as_str(),
                "pods" | "services" | "namespaces"
            ))
}

/// DELETE of one object.
pub(crate) fn delete(
    api: &Arc<Api>,
    req: &ApiRequest,
    target: &Target<'_>,
    name: &str,
) -> Result<Response<Body>, Status> {
    let options = options(req)?;
    let info = target.info;
    let key = Key::new(&info.group, &info.resource, target.namespace, name);
    let mut store = api.store();
    let old = store
        .get(&key)
        .cloned()
        .ok_or_else(|| status::not_found_status(&info.group, &info.resource, name))?;
    let meta = &old.object["metadata"];
    if let Some(uid) = options.preconditions["uid"].as_str() {
        if Some(uid) != meta["uid"].as_str() {
            return Err(conflict(
                info,
                name,
                &format!(
                    "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                    meta["uid"].as_str().unwrap_or_default()
                ),
            ));
        }
    }
    if let Some(rv) = options.preconditions["resourceVersion"].as_str() {
        if Some(rv) != meta["resourceVersion"].as_str() {
            return Err(conflict(
                info,
                name,
                &format!(
                    "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}",
                    meta["resourceVersion"].as_str().unwrap_or_default()
                ),
            ));
        }
    }
    let delay = api.deletion_delay(&key);
    let foreground = options.propagation == "Foreground";
    let lingers = delay.is_some() || foreground;
    let code = if lingers && options.orphan_dependents == Some(false) {
        202
    } else {
        200
    };
    if options.dry {
        return Ok(answer(target, &old, name, code));
    }
    if !lingers || (options.grace == Some(0) && !foreground) {
        let last = store.remove(&key).unwrap_or(old);
        return Ok(answer(target, &last, name, 200));
    }
    let grace = options
        .grace
        .or_else(|| old.object["spec"]["terminationGracePeriodSeconds"].as_i64())
        .unwrap_or(0);
    let mut marked = (*old.object).clone();
    marked["metadata"]["deletionTimestamp"] = Value::from(format_rfc3339(api.clock.now() + grace));
    marked["metadata"]["deletionGracePeriodSeconds"] = Value::from(grace);
    if foreground {
        let finalizers = marked["metadata"]["finalizers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !finalizers.iter().any(|f| f == "foregroundDeletion") {
            let mut finalizers = finalizers;
            finalizers.push(Value::from("foregroundDeletion"));
            marked["metadata"]["finalizers"] = Value::Array(finalizers);
        }
    }
    let stored = store.write(key.clone(), marked, old.template.clone(), old.custom);
    let uid = stored.object["metadata"]["uid"].clone();
    match delay {
        None => {
            store.remove(&key);
        }
        Some(delay) => {
            drop(store);
            finish_later(api.clone(), key, uid, delay);
        }
    }
    Ok(response::json(code, stored.encode() + "\n"))
}

/// Removes the object at `key` after `delay`, if it is still the same one.
fn finish_later(api: Arc<Api>, key: Key, uid: Value, delay: Duration) {
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let mut store = api.store();
        if store
            .get(&key)
            .is_some_and(|s| s.object["metadata"]["uid"] == uid)
        {
            store.remove(&key);
        }
    });
}

fn answer(target: &Target<'_>, stored: &Stored, name: &str, code: u16) -> Response<Body> {
    if returns_object(target) {
        return response::json(code, stored.encode() + "\n");
    }
    let mut details = Details::of(name, &target.info.group, &target.info.resource);
    details.uid = stored.object["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .into();
    let mut body = Status::deleted(details);
    body.code = code;
    response::json(code, body.body())
}

/// DELETE of a collection: every object the selectors match; answers with
/// the list of deleted objects.
pub(crate) fn delete_collection(
    api: &Arc<Api>,
    req: &ApiRequest,
    target: &Target<'_>,
) -> Result<Response<Body>, Status> {
    let options = options(req)?;
    let info = target.info;
    let predicate = Predicate::parse(
        req.param("labelSelector"),
        req.param("fieldSelector"),
        &info.group,
        &info.resource,
    )
    .map_err(status::bad_request)?;
    let namespace = (!target.namespace.is_empty()).then_some(target.namespace);
    let mut store = api.store();
    let items = store
        .list(&info.group, &info.resource, namespace, None)
        .unwrap_or_default();
    let mut deleted = Vec::new();
    for (key, stored) in items {
        if !predicate.matches(&stored.object) {
            continue;
        }
        let last = if options.dry {
            stored
        } else {
            store.remove(&key).unwrap_or(stored)
        };
        deleted.push(Json::Raw(last.encode()));
    }
    let body = Json::obj([
        ("kind", Json::from(format!("{}List", info.kind))),
        ("apiVersion", Json::from(info.api_version())),
        (
            "metadata",
            Json::obj([("resourceVersion", Json::from(store.rv().to_string()))]),
        ),
        ("items", Json::Arr(deleted)),
    ]);
    Ok(response::json(200, body.encode() + "\n"))
}
