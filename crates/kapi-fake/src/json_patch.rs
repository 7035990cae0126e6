//! JSON patch (RFC 6902): `add`, `remove`, `replace`, `move`, `copy` and
//! `test` on JSON pointers (RFC 6901), applied in order, all or nothing.
//! Error texts follow evanphx/json-patch, which the apiserver uses.

use serde_json::Value;

/// A patch that cannot be decoded (the server's 400).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct DecodeError(pub(crate) String);

/// A patch that does not apply (the server's 422).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ApplyError(pub(crate) String);

/// Decodes `body` as a JSON patch document.
pub(crate) fn decode(body: &[u8]) -> Result<Vec<Value>, DecodeError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Array(ops)) => Ok(ops),
        Ok(other) => Err(DecodeError(format!(
            "json: cannot unmarshal {} into Go value of type jsonpatch.Patch",
            go_type(&other)
        ))),
        Err(err) => Err(DecodeError(err.to_string())),
    }
}

fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Null => "null",
    }
}

/// Applies `ops` to a copy of `doc`.
pub(crate) fn apply(doc: &Value, ops: &[Value]) -> Result<Value, ApplyError> {
    let mut doc = doc.clone();
    for op in ops {
        let kind = op["op"].as_str().unwrap_or_default();
        let path = op["path"].as_str().ok_or_else(|| {
            ApplyError(format!(
                "{kind} operation does not apply: doc is missing path: \"\": missing value"
            ))
        });
        match kind {
            "add" => add(&mut doc, path?, value(op)?.clone())?,
            "remove" => {
                let path = path?;
                remove(&mut doc, path).map_err(|_| {
                    ApplyError(format!("remove operation does not apply: doc is missing path: \"{path}\": missing value"))
                })?;
            }
            "replace" => {
                let path = path?;
                let target = pointer_mut(&mut doc, path).ok_or_else(|| {
                    ApplyError(format!("replace operation does not apply: doc is missing key: {path}: missing value"))
                })?;
                *target = value(op)?.clone();
            }
            "move" => {
                let (path, from) = (path?, from(op)?);
                if path.starts_with(&format!("{from}/")) {
                    return Err(ApplyError(format!(
                        "move operation does not apply: cannot move into a child of itself: {from} to {path}"
                    )));
                }
                let moved = remove(&mut doc, from).map_err(|_| {
                    ApplyError(format!("move operation does not apply: doc is missing from path: {from}: missing value"))
                })?;
                add(&mut doc, path, moved)?;
            }
            "copy" => {
                let (path, from) = (path?, from(op)?);
                let copied = doc.pointer(from).cloned().ok_or_else(|| {
                    ApplyError(format!("copy operation does not apply: doc is missing from path: {from}: missing value"))
                })?;
                add(&mut doc, path, copied)?;
            }
            "test" => {
                let path = path?;
                let want = value(op)?;
                match doc.pointer(path) {
                    Some(actual) if actual == want => {}
                    None if want.is_null() => {}
                    _ => {
                        return Err(ApplyError(format!(
                            "testing value {path} failed: test failed"
                        )))
                    }
                }
            }
            other => {
                return Err(ApplyError(format!("Unexpected kind: {other}")));
            }
        }
    }
    Ok(doc)
}

fn value(op: &Value) -> Result<&Value, ApplyError> {
    op.get("value").ok_or_else(|| {
        ApplyError(format!(
            "{} operation has no value",
            op["op"].as_str().unwrap_or_default()
        ))
    })
}

fn from(op: &Value) -> Result<&str, ApplyError> {
    op["from"].as_str().ok_or_else(|| {
        ApplyError(format!(
            "{} operation has no from",
            op["op"].as_str().unwrap_or_default()
        ))
    })
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// `(parent pointer, last token)` of a non-root pointer.
fn split(path: &str) -> Option<(&str, String)> {
    let (parent, last) = path.rsplit_once('/')?;
    Some((parent, unescape(last)))
}

fn pointer_mut<'a>(doc: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    if path.is_empty() {
        return Some(doc);
    }
    doc.pointer_mut(path)
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), ApplyError> {
    let missing = || {
        ApplyError(format!(
            "add operation does not apply: doc is missing path: \"{path}\": missing value"
        ))
    };
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (parent, last) = split(path).ok_or_else(missing)?;
    match pointer_mut(doc, parent).ok_or_else(missing)? {
        Value::Object(map) => {
            map.insert(last, value);
            Ok(())
        }
        Value::Array(items) => {
            let index = if last == "-" {
                items.len()
            } else {
                last.parse::<usize>().ok().filter(|i| *i <= items.len()).ok_or_else(|| {
                    ApplyError(format!("add operation does not apply: doc is missing path: \"{path}\": invalid index referenced"))
                })?
            };
            items.insert(index, value);
            Ok(())
        }
        _ => Err(missing()),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, ()> {
    let (parent, last) = split(path).ok_or(())?;
    match pointer_mut(doc, parent).ok_or(())? {
        Value::Object(map) => map.remove(&last).ok_or(()),
        Value::Array(items) => {
            let i = last.parse::<usize>().map_err(|_| ())?;
            (i < items.len()).then(|| items.remove(i)).ok_or(())
        }
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patched(doc: Value, ops: Value) -> Result<Value, ApplyError> {
        apply(&doc, ops.as_array().unwrap())
    }

    #[test]
    fn all_operations() {
        let doc = json!({"a": {"b": 1}, "list": [1, 2], "x~y": 3, "p/q": 4});
        let out = patched(
            doc,
            json!([
                {"op": "add", "path": "/a/c", "value": 2},
                {"op": "add", "path": "/list/1", "value": 9},
                {"op": "add", "path": "/list/-", "value": 10},
                {"op": "remove", "path": "/x~0y"},
                {"op": "replace", "path": "/p~1q", "value": 5},
                {"op": "copy", "from": "/a/b", "path": "/copied"},
                {"op": "move", "from": "/a/c", "path": "/moved"},
                {"op": "test", "path": "/list", "value": [1, 9, 2, 10]}
            ]),
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"a": {"b": 1}, "list": [1, 9, 2, 10], "p/q": 5, "copied": 1, "moved": 2})
        );
    }

    #[test]
    fn failures() {
        let doc = json!({"data": {"a": "1"}});
        assert_eq!(
            patched(
                doc.clone(),
                json!([{"op": "test", "path": "/data/a", "value": "2"}])
            )
            .unwrap_err(),
            ApplyError("testing value /data/a failed: test failed".into())
        );
        assert_eq!(
            patched(
                doc.clone(),
                json!([{"op": "replace", "path": "/data/b", "value": "2"}])
            )
            .unwrap_err(),
            ApplyError(
                "replace operation does not apply: doc is missing key: /data/b: missing value"
                    .into()
            )
        );
        assert!(patched(doc.clone(), json!([{"op": "remove", "path": "/nope"}])).is_err());
        assert!(patched(
            doc.clone(),
            json!([{"op": "add", "path": "/x/y", "value": 1}])
        )
        .is_err());
        assert!(patched(
            doc,
            json!([{"op": "move", "from": "/data", "path": "/data/x"}])
        )
        .is_err());
        assert_eq!(
            decode(br#"{"op":"add"}"#).unwrap_err(),
            DecodeError(
                "json: cannot unmarshal object into Go value of type jsonpatch.Patch".into()
            )
        );
    }
}
