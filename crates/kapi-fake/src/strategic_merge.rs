//! Strategic merge patch, the subset kubectl's patches use: a JSON merge
//! patch, except that lists with a merge key (containers, volumes, env, …
//! by `name`; ports by `containerPort` or `port`; conditions by `type`)
//! merge item by item, `finalizers` merge as a set, and the directives
//! `$patch: delete|replace`, `$deleteFromPrimitiveList/…`, `$retainKeys`
//! and `$setElementOrder/…` are understood.

use serde_json::{Map, Value};

/// The merge key of the list under `field`, judged from its items.
fn merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "readinessGates" => match field {
            "readinessGates" => "conditionType",
            _ => "name",
        },
        "volumeMounts" => "mountPath",
        "conditions" => "type",
        "ownerReferences" => "uid",
        "hostAliases" => "ip",
        "topologySpreadConstraints" => "topologyKey",
        "ports" => {
            if items.iter().any(|i| i.get("containerPort").is_some()) {
                "containerPort"
            } else {
                "port"
            }
        }
        _ => return None,
    })
}

/// Applies `patch` to `target`.
pub(crate) fn apply(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if patch.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut replacement = patch.clone();
        replacement.remove("$patch");
        *target = Value::Object(replacement);
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(map) = target else {
        unreachable!("made an object just above");
    };
    if let Some(Value::Array(keys)) = patch.get("$retainKeys") {
        let keep: Vec<&str> = keys.iter().filter_map(Value::as_str).collect();
        map.retain(|k, _| keep.contains(&k.as_str()));
    }
    for (key, value) in patch {
        if key.starts_with("$setElementOrder/") || key == "$retainKeys" || key == "$patch" {
            continue;
        }
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(list)), Value::Array(remove)) = (map.get_mut(field), value) {
                list.retain(|item| !remove.contains(item));
            }
            continue;
        }
        if value.is_null() {
            map.remove(key);
            continue;
        }
        if value.get("$patch").and_then(Value::as_str) == Some("delete") {
            map.remove(key);
            continue;
        }
        match (map.get_mut(key), value) {
            (Some(Value::Array(current)), Value::Array(items)) => {
                merge_list(key, current, items);
            }
            (Some(current), Value::Object(_)) => apply(current, value),
            _ => {
                let mut fresh = Value::Null;
                apply(&mut fresh, value);
                strip_directives(&mut fresh);
                map.insert(key.clone(), fresh);
            }
        }
    }
}

fn merge_list(field: &str, current: &mut Vec<Value>, patch: &[Value]) {
    if field == "finalizers" {
        for item in patch {
            if !current.contains(item) {
                current.push(item.clone());
            }
        }
        return;
    }
    let replace_all = patch
        .iter()
        .any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace"));
    let Some(key) = merge_key(field, patch).filter(|_| !replace_all) else {
        *current = patch
            .iter()
            .filter(|i| i.get("$patch").is_none())
            .cloned()
            .collect();
        return;
    };
    for item in patch {
        let id = item.get(key);
        let position = current
            .iter()
            .position(|c| id.is_some() && c.get(key) == id);
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (position, delete) {
            (Some(i), true) => {
                current.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => apply(&mut current[i], item),
            (None, false) => {
                let mut fresh = item.clone();
                strip_directives(&mut fresh);
                current.push(fresh);
            }
        }
    }
}

/// Removes `$`-directives from a value that is added as it is.
fn strip_directives(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|k, _| !k.starts_with('$'));
            map.values_mut().for_each(strip_directives);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_directives),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merges_containers_by_name_and_ports_by_container_port() {
        let mut pod = json!({"spec": {"containers": [
            {"name": "a", "image": "a:1", "ports": [{"containerPort": 80, "name": "http"}]},
            {"name": "b", "image": "b:1"}
        ]}});
        apply(
            &mut pod,
            &json!({"spec": {"containers": [
                {"name": "a", "image": "a:2", "ports": [{"containerPort": 443, "name": "https"}]},
                {"name": "c", "image": "c:1"},
                {"name": "b", "$patch": "delete"}
            ]}}),
        );
        assert_eq!(
            pod,
            json!({"spec": {"containers": [
                {"name": "a", "image": "a:2", "ports": [{"containerPort": 80, "name": "http"}, {"containerPort": 443, "name": "https"}]},
                {"name": "c", "image": "c:1"}
            ]}})
        );
    }

    #[test]
    fn lists_without_a_merge_key_are_replaced_and_maps_merged() {
        let mut obj = json!({"spec": {"args": ["a", "b"], "labels": {"x": "1", "y": "2"}}, "metadata": {"finalizers": ["f1"]}});
        apply(
            &mut obj,
            &json!({"spec": {"args": ["c"], "labels": {"x": null, "z": "3"}}, "metadata": {"finalizers": ["f2"]}}),
        );
        assert_eq!(
            obj,
            json!({"spec": {"args": ["c"], "labels": {"y": "2", "z": "3"}}, "metadata": {"finalizers": ["f1", "f2"]}})
        );
        apply(
            &mut obj,
            &json!({"spec": {"labels": {"$patch": "replace", "only": "1"}}}),
        );
        assert_eq!(obj["spec"]["labels"], json!({"only": "1"}));
        apply(
            &mut obj,
            &json!({"$deleteFromPrimitiveList/finalizers": ["f1"], "metadata": {}}),
        );
        apply(
            &mut obj,
            &json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["f1"]}}),
        );
        assert_eq!(obj["metadata"]["finalizers"], json!(["f2"]));
    }
}
