//! Managed fields and server-side apply, simplified: ownership is tracked
//! per leaf path (lists are atomic leaves), kept where the real server keeps
//! it, in `metadata.managedFields` (`FieldsV1`).
//!
//! An update (create, replace, patch) gives its manager the fields it
//! changed and takes them from everyone else. An apply sets the fields of
//! its configuration, conflicts with other managers owning a field it
//! changes (unless forced, which takes the field over), and removes the
//! fields it applied before and no longer does, when nobody else owns them.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use crate::status::Cause;

/// A field path from the object's root, e.g. `["data", "key"]`.
pub(crate) type Path = Vec<String>;

/// One `managedFields` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) manager: String,
    /// `Apply` or `Update`.
    pub(crate) operation: String,
    pub(crate) api_version: String,
    pub(crate) time: String,
    pub(crate) subresource: String,
    pub(crate) fields: BTreeSet<Path>,
}

/// Who applies or updates, and when.
#[derive(Debug, Clone)]
pub(crate) struct Actor<'a> {
    pub(crate) manager: &'a str,
    pub(crate) api_version: &'a str,
    pub(crate) time: &'a str,
    pub(crate) subresource: &'a str,
}

/// A field another manager owns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Conflict {
    /// The manager as the real server prints it, e.g. `"kubectl" using v1`.
    pub(crate) manager: String,
    pub(crate) path: Path,
}

/// The leaves whose owners are tracked: everything but kind and
/// apiVersion, and in metadata only labels and annotations.
pub(crate) fn leaves(object: &Value) -> BTreeMap<Path, Value> {
    let mut out = BTreeMap::new();
    let Some(map) = object.as_object() else {
        return out;
    };
    for (key, value) in map {
        match key.as_str() {
            "kind" | "apiVersion" => {}
            "metadata" => {
                for sub in ["labels", "annotations"] {
                    if let Some(Value::Object(m)) = value.get(sub) {
                        for (k, v) in m {
                            out.insert(vec!["metadata".into(), sub.into(), k.clone()], v.clone());
                        }
                    }
                }
            }
            _ => walk(vec![key.clone()], value, &mut out),
        }
    }
    out
}

fn walk(path: Path, value: &Value, out: &mut BTreeMap<Path, Value>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let mut child = path.clone();
                child.push(k.clone());
                walk(child, v, out);
            }
        }
        _ => {
            out.insert(path, value.clone());
        }
    }
}

fn overlaps(a: &Path, b: &Path) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// The value at `path`.
pub(crate) fn get<'a>(object: &'a Value, path: &Path) -> Option<&'a Value> {
    path.iter().try_fold(object, |v, k| v.get(k))
}

fn set(object: &mut Value, path: &Path, value: Value) {
    let mut current = object;
    for key in &path[..path.len() - 1] {
        if !current.get(key).is_some_and(Value::is_object) {
            current[key.as_str()] = Value::Object(Map::new());
        }
        current = &mut current[key.as_str()];
    }
    if let Some(last) = path.last() {
        current[last.as_str()] = value;
    }
}

fn delete(object: &mut Value, path: &Path) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut current = object;
    for key in parents {
        match current.get_mut(key) {
            Some(next) => current = next,
            None => return,
        }
    }
    if let Some(map) = current.as_object_mut() {
        map.remove(last);
    }
}

/// The entries of `object`'s `metadata.managedFields`.
pub(crate) fn entries(object: &Value) -> Vec<Entry> {
    let text = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
    object["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let mut fields = BTreeSet::new();
            fields_to_paths(&e["fieldsV1"], Vec::new(), &mut fields);
            Entry {
                manager: text(e, "manager"),
                operation: text(e, "operation"),
                api_version: text(e, "apiVersion"),
                time: text(e, "time"),
                subresource: text(e, "subresource"),
                fields,
            }
        })
        .collect()
}

fn fields_to_paths(fields: &Value, path: Path, out: &mut BTreeSet<Path>) {
    let Some(map) = fields.as_object() else {
        return;
    };
    let atomic = map
        .keys()
        .any(|k| k.starts_with("k:") || k.starts_with("v:") || k.starts_with("i:"));
    let children: Vec<(&String, &Value)> =
        map.iter().filter(|(k, _)| k.starts_with("f:")).collect();
    if atomic || children.is_empty() {
        if !path.is_empty() {
            out.insert(path);
        }
        return;
    }
    for (key, value) in children {
        let mut child = path.clone();
        child.push(key[2..].to_string());
        fields_to_paths(value, child, out);
    }
}

fn paths_to_fields(paths: &BTreeSet<Path>) -> Value {
    let mut root = Value::Object(Map::new());
    for path in paths {
        let mut current = &mut root;
        for (i, key) in path.iter().enumerate() {
            let field = format!("f:{key}");
            if current.get(&field).is_none() {
                current[field.as_str()] = json!({});
            }
            current = &mut current[field.as_str()];
            // A map owned through its fields has a "." entry of its own.
            if i + 1 < path.len() {
                current["."] = json!({});
            }
        }
    }
    root
}

/// Writes `entries` (those owning something) to `metadata.managedFields`.
pub(crate) fn store_entries(object: &mut Value, entries: &[Entry]) {
    let list: Vec<Value> = entries
        .iter()
        .filter(|e| !e.fields.is_empty())
        .map(|e| {
            let mut entry = json!({
                "manager": e.manager,
                "operation": e.operation,
                "apiVersion": e.api_version,
                "time": e.time,
                "fieldsType": "FieldsV1",
                "fieldsV1": paths_to_fields(&e.fields),
            });
            if !e.subresource.is_empty() {
                entry["subresource"] = Value::from(e.subresource.as_str());
            }
            entry
        })
        .collect();
    if !object["metadata"].is_object() {
        object["metadata"] = json!({});
    }
    if list.is_empty() {
        if let Some(meta) = object["metadata"].as_object_mut() {
            meta.remove("managedFields");
        }
    } else {
        object["metadata"]["managedFields"] = Value::Array(list);
    }
}

/// `printManager`: `"name"`, with ` with subresource "s"` and, for
/// updates, ` using apiVersion`.
fn print_manager(entry: &Entry) -> String {
    let mut out = crate::status::go_quote(&entry.manager);
    if !entry.subresource.is_empty() {
        out.push_str(&format!(
            " with subresource {}",
            crate::status::go_quote(&entry.subresource)
        ));
    }
    if entry.operation == "Update" {
        out.push_str(&format!(" using {}", entry.api_version));
    }
    out
}

fn entry_for<'a>(entries: &'a mut Vec<Entry>, actor: &Actor<'_>, operation: &str) -> &'a mut Entry {
    let found = entries.iter().position(|e| {
        e.manager == actor.manager && e.operation == operation && e.subresource == actor.subresource
    });
    let index = match found {
        Some(i) => i,
        None => {
            entries.push(Entry {
                manager: actor.manager.to_string(),
                operation: operation.to_string(),
                api_version: actor.api_version.to_string(),
                time: actor.time.to_string(),
                subresource: actor.subresource.to_string(),
                fields: BTreeSet::new(),
            });
            entries.len() - 1
        }
    };
    let entry = &mut entries[index];
    entry.time = actor.time.to_string();
    entry.api_version = actor.api_version.to_string();
    entry
}

/// Records an update (`old` is `None` for a create): the actor owns what
/// it changed; nobody owns what it removed.
pub(crate) fn record_update(old: Option<&Value>, new: &mut Value, actor: &Actor<'_>) {
    let before = old.map(leaves).unwrap_or_default();
    let after = leaves(new);
    let changed: BTreeSet<Path> = after
        .iter()
        .filter(|(p, v)| before.get(*p) != Some(*v))
        .map(|(p, _)| p.clone())
        .collect();
    let removed: BTreeSet<Path> = before
        .keys()
        .filter(|p| !after.contains_key(*p))
        .cloned()
        .collect();
    // managedFields the request itself changed replace the stored ones
    // (as the real server takes them), then the update is recorded.
    let sent = entries(new);
    let mut list = match old {
        Some(old) if !sent.is_empty() && sent != entries(old) => sent,
        _ => old.map(entries).unwrap_or_default(),
    };
    for entry in list.iter_mut() {
        entry
            .fields
            .retain(|f| !changed.iter().chain(&removed).any(|c| overlaps(f, c)));
    }
    if !changed.is_empty() {
        entry_for(&mut list, actor, "Update").fields.extend(changed);
    }
    store_entries(new, &list);
}

/// Server-side apply of `config` onto `current` (`None`: the object is
/// created). `Err` lists the conflicts when not `force`d.
pub(crate) fn apply(
    current: Option<&Value>,
    config: &Value,
    actor: &Actor<'_>,
    force: bool,
) -> Result<Value, Vec<Conflict>> {
    let mut object = current.cloned().unwrap_or_else(|| json!({"metadata": {}}));
    let mut list = entries(&object);
    let applied = leaves(config);
    let mine = |e: &Entry| {
        e.manager == actor.manager && e.operation == "Apply" && e.subresource == actor.subresource
    };

    let mut conflicts: BTreeSet<(usize, Path)> = BTreeSet::new();
    for (path, value) in &applied {
        if get(&object, path) == Some(value) {
            continue;
        }
        for (i, entry) in list.iter().enumerate().filter(|(_, e)| !mine(e)) {
            for owned in entry.fields.iter().filter(|f| overlaps(f, path)) {
                conflicts.insert((i, owned.clone()));
            }
        }
    }
    if !conflicts.is_empty() && !force {
        let mut out: Vec<Conflict> = conflicts
            .iter()
            .map(|(i, path)| Conflict {
                manager: print_manager(&list[*i]),
                path: path.clone(),
            })
            .collect();
        out.sort();
        out.dedup();
        return Err(out);
    }
    for (i, path) in &conflicts {
        list[*i].fields.remove(path);
    }

    // Fields this manager applied before and no longer does go, unless
    // someone else owns them too.
    let previously: BTreeSet<Path> = list
        .iter()
        .filter(|e| mine(e))
        .flat_map(|e| e.fields.iter().cloned())
        .collect();
    for path in previously.iter().filter(|p| !applied.contains_key(*p)) {
        let shared = list
            .iter()
            .filter(|e| !mine(e))
            .any(|e| e.fields.iter().any(|f| overlaps(f, path)));
        if !shared {
            delete(&mut object, path);
        }
    }
    for (path, value) in &applied {
        set(&mut object, path, value.clone());
    }
    for key in ["kind", "apiVersion"] {
        if let Some(v) = config.get(key) {
            object[key] = v.clone();
        }
    }
    for key in ["name", "namespace", "generateName"] {
        if let Some(v) = config["metadata"].get(key) {
            object["metadata"][key] = v.clone();
        }
    }
    entry_for(&mut list, actor, "Apply").fields = applied.keys().cloned().collect();
    store_entries(&mut object, &list);
    Ok(object)
}

/// The 409's message and causes, as the real server words them.
pub(crate) fn conflict_message(conflicts: &[Conflict]) -> (String, Vec<Cause>) {
    let path_text = |p: &Path| format!(".{}", p.join("."));
    let causes = conflicts
        .iter()
        .map(|c| Cause {
            reason: "FieldManagerConflict".into(),
            message: format!("conflict with {}", c.manager),
            field: path_text(&c.path),
        })
        .collect();
    let message = if let [only] = conflicts {
        format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            only.manager,
            path_text(&only.path)
        )
    } else {
        let mut lines = Vec::new();
        let mut managers: Vec<&String> = conflicts.iter().map(|c| &c.manager).collect();
        managers.dedup();
        for manager in managers {
            lines.push(format!("conflicts with {manager}:"));
            for c in conflicts.iter().filter(|c| &c.manager == manager) {
                lines.push(format!("- {}", path_text(&c.path)));
            }
        }
        format!(
            "Apply failed with {} conflicts: {}",
            conflicts.len(),
            lines.join("\n")
        )
    };
    (message, causes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(manager: &str) -> Actor<'_> {
        Actor {
            manager,
            api_version: "v1",
            time: "2026-01-01T00:00:00Z",
            subresource: "",
        }
    }

    #[test]
    fn fields_v1_round_trip() {
        let paths: BTreeSet<Path> = [
            vec!["data".to_string(), "a".to_string()],
            vec!["data".to_string(), "b".to_string()],
            vec![
                "metadata".to_string(),
                "labels".to_string(),
                "x".to_string(),
            ],
        ]
        .into();
        let fields = paths_to_fields(&paths);
        assert_eq!(
            fields,
            json!({"f:data": {".": {}, "f:a": {}, "f:b": {}}, "f:metadata": {".": {}, "f:labels": {".": {}, "f:x": {}}}})
        );
        let mut back = BTreeSet::new();
        fields_to_paths(&fields, Vec::new(), &mut back);
        assert_eq!(back, paths);
        let mut lists = BTreeSet::new();
        fields_to_paths(
            &json!({"f:spec": {"f:containers": {"k:{\"name\":\"a\"}": {}}}}),
            Vec::new(),
            &mut lists,
        );
        assert_eq!(
            lists,
            [vec!["spec".to_string(), "containers".to_string()]].into()
        );
    }

    #[test]
    fn apply_conflicts_with_another_manager_unless_forced() {
        let cm = json!({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "c"}, "data": {"key": "1"}});
        let mut created = cm.clone();
        record_update(None, &mut created, &actor("other-manager"));
        let config = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"key": "2", "new": "x"}});
        let conflicts = apply(Some(&created), &config, &actor("kapi"), false).unwrap_err();
        let (message, causes) = conflict_message(&conflicts);
        assert_eq!(
            message,
            "Apply failed with 1 conflict: conflict with \"other-manager\" using v1: .data.key"
        );
        assert_eq!(causes[0].field, ".data.key");
        let forced = apply(Some(&created), &config, &actor("kapi"), true).unwrap();
        assert_eq!(forced["data"], json!({"key": "2", "new": "x"}));
        let owners = entries(&forced);
        assert_eq!(
            owners.len(),
            1,
            "other-manager lost its only field: {owners:?}"
        );
        assert_eq!(owners[0].manager, "kapi");
        assert_eq!(owners[0].operation, "Apply");

        // Same value: shared, no conflict. A field dropped from the config
        // and owned by nobody else goes away.
        let again = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"key": "2"}});
        let applied = apply(Some(&forced), &again, &actor("kapi"), false).unwrap();
        assert_eq!(applied["data"], json!({"key": "2"}));
    }

    #[test]
    fn several_conflicts_are_listed_by_manager() {
        let conflicts = vec![
            Conflict {
                manager: "\"a\"".into(),
                path: vec!["data".into(), "x".into()],
            },
            Conflict {
                manager: "\"a\"".into(),
                path: vec!["data".into(), "y".into()],
            },
            Conflict {
                manager: "\"b\" using v1".into(),
                path: vec!["spec".into()],
            },
        ];
        assert_eq!(
            conflict_message(&conflicts).0,
            "Apply failed with 3 conflicts: conflicts with \"a\":\n- .data.x\n- .data.y\nconflicts with \"b\" using v1:\n- .spec"
        );
    }
}
