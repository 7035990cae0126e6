//! The API server's bridge between client-side apply (the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation) and
//! server-side apply, for the field manager `kubectl` only, as
//! kube-apiserver has it (`lastappliedmanager.go`,
//! `lastappliedupdater.go`):
//!
//! - an apply by `kubectl` that conflicts only on fields the annotation
//!   holds at their live values is forced (the object moves from
//!   client-side apply without conflicts);
//! - after an apply by `kubectl`, an annotation the object has is
//!   rewritten to the applied configuration (so a later client-side apply
//!   computes its three-way merge against what was applied).

use serde_json::Value;

use crate::field_manager::{self, Conflict, Path};

/// The annotation client-side apply keeps its configuration in.
pub(crate) const ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The only field manager the API server does this for.
const MANAGER: &str = "kubectl";

fn annotation(object: &Value) -> Option<&str> {
    object["metadata"]["annotations"][ANNOTATION]
        .as_str()
        .filter(|a| !a.is_empty())
}

/// Whether an apply by `manager` that conflicts with `conflicts` on
/// `live` goes through anyway (forced).
pub(crate) fn allows(manager: &str, live: Option<&Value>, conflicts: &[Conflict]) -> bool {
    if manager != MANAGER {
        return false;
    }
    let Some(live) = live else { return false };
    let Some(last) = annotation(live).and_then(|a| serde_json::from_str::<Value>(a).ok()) else {
        return false;
    };
    // The annotation's fields still at the values it gives them.
    let allowed: Vec<Path> = field_manager::leaves(&last)
        .into_iter()
        .filter(|(path, value)| field_manager::get(live, path) == Some(value))
        .map(|(path, _)| path)
        .collect();
    conflicts.iter().all(|c| {
        allowed
            .iter()
            .any(|a| a.starts_with(&c.path) || c.path.starts_with(a))
    })
}

/// After an apply of `config` by `manager`: the annotation `merged` has,
/// rewritten to `config` (without the annotation), compact JSON with
/// sorted keys and a newline, as `runtime.Encode` writes it.
pub(crate) fn update(manager: &str, config: &Value, merged: &mut Value) {
    if manager != MANAGER || annotation(merged).is_none() {
        return;
    }
    let mut last = config.clone();
    if let Some(annotations) = last
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
        .and_then(Value::as_object_mut)
    {
        annotations.remove(ANNOTATION);
    }
    let text = serde_json::to_string(&last).unwrap_or_default() + "\n";
    merged["metadata"]["annotations"][ANNOTATION] = Value::String(text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_kubectl_and_only_fields_at_their_last_applied_values() {
        let live = json!({
            "metadata": {"annotations": {ANNOTATION: "{\"data\":{\"a\":\"1\",\"b\":\"2\"}}\n"}},
            "data": {"a": "1", "b": "changed"}
        });
        let conflict = |path: &[&str]| Conflict {
            manager: "\"kubectl-client-side-apply\" using v1".into(),
            path: path.iter().map(|s| s.to_string()).collect(),
        };
        assert!(allows("kubectl", Some(&live), &[conflict(&["data", "a"])]));
        assert!(!allows("kubectl", Some(&live), &[conflict(&["data", "b"])]));
        assert!(!allows("kapi", Some(&live), &[conflict(&["data", "a"])]));
        let mut merged = live.clone();
        update(
            "kubectl",
            &json!({"apiVersion": "v1", "data": {"a": "3"}, "metadata": {"annotations": {ANNOTATION: "x"}}}),
            &mut merged,
        );
        assert_eq!(
            merged["metadata"]["annotations"][ANNOTATION],
            "{\"apiVersion\":\"v1\",\"data\":{\"a\":\"3\"},\"metadata\":{\"annotations\":{}}}\n"
        );
    }
}
