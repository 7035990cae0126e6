//! What the server sets in an object's metadata when it stores it: name and
//! namespace from the URL, uid and creationTimestamp on create, generation
//! for resources that track it, the immutable fields kept on update.

use serde_json::{Map, Value};

use crate::catalog::ResourceInfo;
use crate::store::Store;

/// Whether objects of `info` have `metadata.generation` (bumped when their
/// spec changes): custom resources and the built-in workload-like types.
pub(crate) fn tracks_generation(info: &ResourceInfo, custom: bool) -> bool {
    custom
        || matches!(
            info.group.as_str(),
            "apps"
                | "batch"
                | "autoscaling"
                | "policy"
                | "networking.k8s.io"
                | "apiextensions.k8s.io"
                | "admissionregistration.k8s.io"
                | "flowcontrol.apiserver.k8s.io"
        )
        || (info.group.is_empty() && info.resource == "replicationcontrollers")
}

fn metadata(object: &mut Value) -> &mut Map<String, Value> {
    if !object["metadata"].is_object() {
        object["metadata"] = Value::Object(Map::new());
    }
    object["metadata"]
        .as_object_mut()
        .expect("made an object just above")
}

/// Fills in what a create sets: kind and apiVersion, namespace, uid,
/// creationTimestamp, generation 1; drops what clients may not set.
pub(crate) fn on_create(
    object: &mut Value,
    info: &ResourceInfo,
    custom: bool,
    namespace: &str,
    now: &str,
    store: &mut Store,
) {
    if !object.is_object() {
        *object = Value::Object(Map::new());
    }
    object["kind"] = Value::from(info.kind.as_str());
    object["apiVersion"] = Value::from(info.api_version());
    let generation = tracks_generation(info, custom);
    let uid = store.next_uid();
    let meta = metadata(object);
    if !namespace.is_empty() {
        meta.insert("namespace".into(), Value::from(namespace));
    }
    meta.insert("uid".into(), Value::from(uid));
    meta.insert("creationTimestamp".into(), Value::from(now));
    for field in [
        "resourceVersion",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "selfLink",
    ] {
        meta.remove(field);
    }
    if generation {
        meta.insert("generation".into(), Value::from(1));
    } else {
        meta.remove("generation");
    }
}

/// The defaulting the fake does: a Secret's `stringData` merged into
/// `data` (base64) and its `type` defaulted to `Opaque`.
pub(crate) fn defaults(object: &mut Value, info: &ResourceInfo) {
    if !(info.group.is_empty() && info.resource == "secrets") {
        return;
    }
    if let Some(Value::Object(string_data)) =
        object.as_object_mut().and_then(|o| o.remove("stringData"))
    {
        if !object["data"].is_object() {
            object["data"] = Value::Object(Map::new());
        }
        for (key, value) in string_data {
            let text = value.as_str().unwrap_or_default().as_bytes().to_vec();
            object["data"][key.as_str()] = Value::from(crate::base64::encode_std(&text));
        }
    }
    if object["type"].as_str().unwrap_or_default().is_empty() {
        object["type"] = Value::from("Opaque");
    }
}

/// Keeps what an update may not change (uid, creationTimestamp, the
/// deletion fields, kind and apiVersion) and bumps the generation when
/// anything but metadata and status changed.
pub(crate) fn on_update(object: &mut Value, old: &Value, info: &ResourceInfo, custom: bool) {
    if !object.is_object() {
        *object = Value::Object(Map::new());
    }
    object["kind"] = old["kind"].clone();
    object["apiVersion"] = old["apiVersion"].clone();
    let old_meta = old["metadata"].as_object().cloned().unwrap_or_default();
    let spec_changed = {
        let strip = |v: &Value| {
            let mut v = v.clone();
            if let Some(map) = v.as_object_mut() {
                map.remove("metadata");
                map.remove("status");
            }
            v
        };
        strip(object) != strip(old)
    };
    let generation = tracks_generation(info, custom);
    let meta = metadata(object);
    for field in [
        "name",
        "namespace",
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
    ] {
        match old_meta.get(field) {
            Some(value) => meta.insert(field.into(), value.clone()),
            None => meta.remove(field),
        };
    }
    if generation {
        let current = old_meta
            .get("generation")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let next = if spec_changed { current + 1 } else { current };
        meta.insert("generation".into(), Value::from(next));
    }
}
