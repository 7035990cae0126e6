//! What `kubectl apply --server-side` does after its apply when the field
//! manager is `kubectl` (`pkg/cmd/apply/apply.go`), so that an object last
//! applied by kubectl's client-side apply moves over cleanly:
//!
//! 1. the `last-applied-configuration` annotation gets an Apply owner of its
//!    own (`kubectl-last-applied`), so no later apply drops it;
//! 2. the fields kubectl's client-side apply owns (its `Update` entries that
//!    own the annotation) move into the `kubectl` Apply entry
//!    (client-go's `csaupgrade`: one JSON patch of `managedFields`, guarded
//!    by the resourceVersion);
//! 3. the apply is sent again, so that fields the old configuration had and
//!    the new one has not are removed, as client-side apply would.
//!
//! Failures are warnings, as in kubectl: the object was applied, and the
//! next apply tries again.

use kapi::{Api, Patch, PatchParams};
use serde_json::{json, Map, Value};

/// The annotation client-side apply keeps its configuration in.
const ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// kubectl's server-side apply field manager: the one the API server keeps
/// in step with client-side apply.
pub const MANAGER: &str = "kubectl";

/// The field manager kubectl gives the annotation.
const ANNOTATION_MANAGER: &str = "kubectl-last-applied";

/// kubectl's retries of the managedFields patch on a conflict.
const PATCH_RETRIES: usize = 5;

/// Runs the steps on `applied` (the apply's answer); returns the object to
/// print (the second apply's answer when there was one).
pub fn after_apply(
    api: &Api,
    name: &str,
    applied: Value,
    params: &PatchParams,
    config: &Value,
) -> Value {
    let mut object = applied;
    if let Err(e) = save_annotation(api, name, &mut object, params) {
        eprintln!(
            "Warning: failed to migrate kubectl.kubernetes.io/last-applied-configuration for Server-Side Apply. This is non-fatal and will be retried next time you apply. Error: {}",
            crate::error::Error::from(e).to_string().trim_start_matches("error: ")
        );
        return object;
    }
    match upgrade(api, name, &mut object) {
        Ok(false) => object,
        Ok(true) => match api.patch::<_, Value>(name, params, &Patch::Apply(config.clone())) {
            Ok(again) => again,
            Err(e) => {
                eprintln!(
                    "Warning: failed to re-apply configuration after performing Server-Side Apply migration. This is non-fatal and will be retried next time you apply. Error: {}",
                    crate::error::Error::from(e).to_string().trim_start_matches("error: ")
                );
                object
            }
        },
        Err(e) => {
            eprintln!(
                "Warning: failed to migrate managedfields from Client-Side-Apply to Server-Side-Apply. This is non-fatal and will be retried next time you apply. Error: {}",
                crate::error::Error::from(e).to_string().trim_start_matches("error: ")
            );
            object
        }
    }
}

/// The field path of the annotation in `fieldsV1`.
fn annotation_fields(entry: &Value) -> bool {
    entry["fieldsV1"]["f:metadata"]["f:annotations"]
        .get(format!("f:{ANNOTATION}"))
        .is_some()
}

fn entries(object: &Value) -> Vec<Value> {
    object["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Step 1: an Apply owner for the annotation, if it has none.
fn save_annotation(
    api: &Api,
    name: &str,
    object: &mut Value,
    params: &PatchParams,
) -> kapi::Result<()> {
    let Some(annotation) = object["metadata"]["annotations"][ANNOTATION].as_str() else {
        return Ok(());
    };
    let owned = entries(object)
        .iter()
        .any(|e| e["operation"] == "Apply" && annotation_fields(e));
    if owned {
        return Ok(());
    }
    let mut metadata = Map::new();
    metadata.insert("name".into(), object["metadata"]["name"].clone());
    if let Some(ns) = object["metadata"]["namespace"].as_str() {
        metadata.insert("namespace".into(), ns.into());
    }
    metadata.insert("annotations".into(), json!({ ANNOTATION: annotation }));
    let just_annotation = json!({
        "apiVersion": object["apiVersion"],
        "kind": object["kind"],
        "metadata": metadata,
    });
    let mut own = PatchParams::apply(ANNOTATION_MANAGER);
    own.dry_run = params.dry_run;
    *object = api.patch(name, &own, &Patch::Apply(just_annotation))?;
    Ok(())
}

/// Step 2: client-go's `UpgradeManagedFieldsPatch`; whether it patched.
fn upgrade(api: &Api, name: &str, object: &mut Value) -> kapi::Result<bool> {
    for attempt in 0..PATCH_RETRIES {
        let list = entries(object);
        let mut csa: Vec<String> = list
            .iter()
            .filter(|e| e["operation"] == "Update" && annotation_fields(e))
            .filter_map(|e| e["manager"].as_str().map(str::to_string))
            .collect();
        csa.dedup();
        let mut upgraded = list.clone();
        for manager in &csa {
            upgraded = upgraded_entries(upgraded, manager);
        }
        if upgraded == list {
            return Ok(false);
        }
        let patch = json!([
            {"op": "replace", "path": "/metadata/managedFields", "value": upgraded},
            {"op": "replace", "path": "/metadata/resourceVersion", "value": object["metadata"]["resourceVersion"]},
        ]);
        let params = PatchParams::default().field_manager(MANAGER);
        match api.patch::<_, Value>(name, &params, &Patch::Json(patch)) {
            Ok(patched) => {
                *object = patched;
                return Ok(true);
            }
            Err(e) if e.is_conflict() && attempt + 1 < PATCH_RETRIES => *object = api.get(name)?,
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

/// One CSA manager's `Update` entry merged into the `kubectl` Apply entry
/// (which it becomes when there is none), then every `Update` entry of
/// that manager dropped.
fn upgraded_entries(mut list: Vec<Value>, csa: &str) -> Vec<Value> {
    let is = |e: &Value, manager: &str, operation: &str| {
        e["manager"] == manager
            && e["operation"] == operation
            && e["subresource"].as_str().unwrap_or_default().is_empty()
    };
    let target = match list.iter().position(|e| is(e, MANAGER, "Apply")) {
        Some(i) => i,
        None => match list.iter().position(|e| is(e, csa, "Update")) {
            Some(i) => {
                list[i]["manager"] = MANAGER.into();
                list[i]["operation"] = "Apply".into();
                i
            }
            None => return list,
        },
    };
    let version = list[target]["apiVersion"].clone();
    let source = list
        .iter()
        .find(|e| is(e, csa, "Update") && e["apiVersion"] == version)
        .map(|e| e["fieldsV1"].clone());
    if let Some(fields) = source {
        union(&mut list[target]["fieldsV1"], &fields);
    }
    list.retain(|e| !is(e, csa, "Update"));
    list
}

/// The union of two `fieldsV1` tries.
fn union(into: &mut Value, from: &Value) {
    let (Some(into), Some(from)) = (into.as_object_mut(), from.as_object()) else {
        return;
    };
    for (key, value) in from {
        match into.get_mut(key) {
            Some(existing) => union(existing, value),
            None => {
                into.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_side_fields_move_into_the_kubectl_apply_entry() {
        let list = vec![
            json!({"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "v1",
                   "fieldsV1": {"f:data": {".": {}, "f:b": {}}, "f:metadata": {"f:annotations": {
                       format!("f:{ANNOTATION}"): {}}}}}),
            json!({"manager": "kubectl", "operation": "Apply", "apiVersion": "v1",
                   "fieldsV1": {"f:data": {".": {}, "f:a": {}}}}),
            json!({"manager": "other", "operation": "Update", "apiVersion": "v1", "fieldsV1": {"f:spec": {}}}),
        ];
        let upgraded = upgraded_entries(list, "kubectl-client-side-apply");
        assert_eq!(upgraded.len(), 2);
        assert_eq!(upgraded[0]["manager"], "kubectl");
        assert_eq!(
            upgraded[0]["fieldsV1"]["f:data"],
            json!({".": {}, "f:a": {}, "f:b": {}})
        );
        assert!(annotation_fields(&upgraded[0]));
        assert_eq!(upgraded[1]["manager"], "other");
    }
}
