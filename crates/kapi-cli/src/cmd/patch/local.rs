//! Patches applied by kapi itself, for `kapi patch --local` and
//! `--dry-run=client`: a JSON merge patch (RFC 7386), a JSON patch (RFC
//! 6902), and a strategic merge patch where it is the same as a merge
//! patch (no lists, no `$` directives). A strategic patch with lists needs
//! each type's merge keys, which only the server has: that one is refused,
//! with the way around it.

use serde_json::Value;

use kapi::Patch;

/// `object` with `patch` applied.
pub fn apply(object: &Value, patch: &Patch<Value>) -> Result<Value, String> {
    match patch {
        Patch::Merge(p) => Ok(merge(object.clone(), p)),
        Patch::Strategic(p) if plain(p) => Ok(merge(object.clone(), p)),
        Patch::Strategic(_) => Err(
            "a strategic merge patch with lists or $ directives needs the server: use \
             --type merge (lists are replaced) or --type json, or leave out --local and \
             --dry-run=client"
                .into(),
        ),
        Patch::Json(ops) => json_patch(object.clone(), ops),
        _ => Err("this patch type cannot be applied locally".into()),
    }
}

/// No lists and no `$...` keys: strategic and merge patches agree.
fn plain(patch: &Value) -> bool {
    match patch {
        Value::Array(_) => false,
        Value::Object(map) => map.iter().all(|(k, v)| !k.starts_with('$') && plain(v)),
        _ => true,
    }
}

/// RFC 7386.
fn merge(target: Value, patch: &Value) -> Value {
    let Value::Object(patch) = patch else {
        return patch.clone();
    };
    let mut target = match target {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
        } else {
            let old = target.remove(key).unwrap_or(Value::Null);
            target.insert(key.clone(), merge(old, value));
        }
    }
    Value::Object(target)
}

/// RFC 6902: add, remove, replace, move, copy, test.
fn json_patch(mut doc: Value, ops: &Value) -> Result<Value, String> {
    let ops = ops
        .as_array()
        .ok_or("a JSON patch is a list of operations")?;
    for op in ops {
        let path = op["path"].as_str().ok_or("an operation without a path")?;
        let from = || op["from"].as_str().ok_or("missing from");
        match op["op"].as_str().unwrap_or_default() {
            "add" => add(&mut doc, path, op["value"].clone())?,
            "remove" => {
                remove(&mut doc, path)?;
            }
            "replace" => {
                remove(&mut doc, path)?;
                add(&mut doc, path, op["value"].clone())?;
            }
            "move" => {
                let value = remove(&mut doc, from()?)?;
                add(&mut doc, path, value)?;
            }
            "copy" => {
                let value = doc
                    .pointer(from()?)
                    .cloned()
                    .ok_or_else(|| format!("missing value at {}", from().unwrap_or_default()))?;
                add(&mut doc, path, value)?;
            }
            "test" => {
                if doc.pointer(path) != Some(&op["value"]) {
                    return Err(format!("testing value {path} failed"));
                }
            }
            other => return Err(format!("Unexpected kind: {other}")),
        }
    }
    Ok(doc)
}

/// The parent of `path` and the last token, unescaped.
fn split(path: &str) -> Result<(&str, String), String> {
    let i = path
        .rfind('/')
        .ok_or_else(|| format!("invalid path {path:?}"))?;
    Ok((
        &path[..i],
        path[i + 1..].replace("~1", "/").replace("~0", "~"),
    ))
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (parent, key) = split(path)?;
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.insert(key, value);
            Ok(())
        }
        Some(Value::Array(list)) => {
            let index = if key == "-" {
                list.len()
            } else {
                key.parse::<usize>()
                    .ok()
                    .filter(|i| *i <= list.len())
                    .ok_or_else(|| format!("invalid index {key:?} in {path}"))?
            };
            list.insert(index, value);
            Ok(())
        }
        _ => Err(format!("doc is missing path: {path:?}")),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, String> {
    let (parent, key) = split(path)?;
    let missing = || format!("doc is missing key: {path}");
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => map.remove(&key).ok_or_else(missing),
        Some(Value::Array(list)) => match key.parse::<usize>() {
            Ok(i) if i < list.len() => Ok(list.remove(i)),
            _ => Err(missing()),
        },
        _ => Err(missing()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_json_and_plain_strategic_patches() {
        let cm = json!({"data": {"a": "1", "b": "2"}, "metadata": {"name": "x"}});
        assert_eq!(
            apply(&cm, &Patch::Merge(json!({"data": {"a": null, "c": "3"}}))).unwrap()["data"],
            json!({"b": "2", "c": "3"})
        );
        assert_eq!(
            apply(&cm, &Patch::Strategic(json!({"data": {"b": "9"}}))).unwrap()["data"],
            json!({"a": "1", "b": "9"})
        );
        assert!(apply(&cm, &Patch::Strategic(json!({"spec": {"containers": []}}))).is_err());
        let ops = json!([
            {"op": "replace", "path": "/data/a", "value": "5"},
            {"op": "add", "path": "/data/d~1e", "value": "6"},
            {"op": "remove", "path": "/data/b"},
            {"op": "test", "path": "/metadata/name", "value": "x"},
            {"op": "add", "path": "/list", "value": [1]},
            {"op": "add", "path": "/list/-", "value": 2},
            {"op": "move", "from": "/list/0", "path": "/list/1"}
        ]);
        let out = apply(&cm, &Patch::Json(ops)).unwrap();
        assert_eq!(out["data"], json!({"a": "5", "d/e": "6"}));
        assert_eq!(out["list"], json!([2, 1]));
        assert!(apply(
            &cm,
            &Patch::Json(json!([{"op": "remove", "path": "/nope"}]))
        )
        .is_err());
    }
}
