//! JSON as kube-apiserver writes it: compact, Go's escaping, fields in Go
//! struct order.
//!
//! serde_json's `Value` keeps object keys sorted (the workspace does not turn
//! on `preserve_order`, and must not: kapi's own output relies on sorted
//! maps), so documents the fake builds are [`Json`] trees with their fields
//! in the order written, and stored objects are converted with
//! [`Json::object`], which puts `kind`, `apiVersion`, `metadata` (in
//! `ObjectMeta` order), `spec` first and `status` last, and keeps every other
//! key where a template (the object's original text) had it.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Number, Value};

/// An ordered JSON value for output.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Num(Number),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
    /// Already-encoded JSON, written as is.
    Raw(String),
}

/// `ObjectMeta`'s fields in Go struct order.
const OBJECT_META_ORDER: [&str; 15] = [
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
];

impl Json {
    /// An object from `(key, value)` pairs, in this order.
    pub(crate) fn obj<K: Into<String>>(fields: impl IntoIterator<Item = (K, Json)>) -> Json {
        Json::Obj(fields.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// An array.
    pub(crate) fn arr(items: impl IntoIterator<Item = Json>) -> Json {
        Json::Arr(items.into_iter().collect())
    }

    /// A Kubernetes API object in Go field order; `template` (the object's
    /// earlier text, parsed with [`parse_ordered`]) decides the order of the
    /// keys the Go order does not fix.
    pub(crate) fn object(value: &Value, template: Option<&Json>) -> Json {
        convert(value, template, Level::Top)
    }

    /// Any value with its keys sorted at every level, as Go's
    /// `encoding/json` writes a map (custom resources are maps).
    pub(crate) fn sorted(value: &Value) -> Json {
        convert(value, None, Level::Sorted)
    }

    /// The compact encoding.
    pub(crate) fn encode(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    /// Appends the compact encoding to `out`.
    pub(crate) fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Num(n) => out.push_str(&n.to_string()),
            Json::Str(s) => write_go_string(s, out),
            Json::Raw(raw) => out.push_str(raw),
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Obj(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_go_string(key, out);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }

    /// The field `key` of an object.
    pub(crate) fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a string.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl From<&str> for Json {
    fn from(s: &str) -> Self {
        Json::Str(s.to_string())
    }
}

impl From<String> for Json {
    fn from(s: String) -> Self {
        Json::Str(s)
    }
}

impl From<bool> for Json {
    fn from(b: bool) -> Self {
        Json::Bool(b)
    }
}

impl From<i64> for Json {
    fn from(n: i64) -> Self {
        Json::Num(n.into())
    }
}

impl From<u64> for Json {
    fn from(n: u64) -> Self {
        Json::Num(n.into())
    }
}

impl From<usize> for Json {
    fn from(n: usize) -> Self {
        Json::Num((n as u64).into())
    }
}

/// Where a value sits in an API object, for the fixed Go orders.
#[derive(Clone, Copy, PartialEq)]
enum Level {
    Top,
    Metadata,
    /// The `managedFields` list and its entries.
    ManagedFields,
    Nested,
    Sorted,
}

/// `ManagedFieldsEntry`'s fields in Go struct order.
const MANAGED_FIELDS_ORDER: [&str; 7] = [
    "manager",
    "operation",
    "apiVersion",
    "time",
    "fieldsType",
    "fieldsV1",
    "subresource",
];

fn convert(value: &Value, template: Option<&Json>, level: Level) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => Json::Num(n.clone()),
        Value::String(s) => Json::Str(s.clone()),
        Value::Array(items) => {
            let template_items = match template {
                Some(Json::Arr(t)) => t.as_slice(),
                _ => &[],
            };
            Json::Arr(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let t = template_items.get(i).or(template_items.last());
                        let child = match level {
                            Level::Sorted => Level::Sorted,
                            Level::ManagedFields => Level::ManagedFields,
                            _ => Level::Nested,
                        };
                        convert(item, t, child)
                    })
                    .collect(),
            )
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by_key(|key| rank(key, level, template));
            Json::Obj(
                keys.into_iter()
                    .map(|key| {
                        let child_level = match level {
                            Level::Top if key == "metadata" => Level::Metadata,
                            Level::Metadata if key == "managedFields" => Level::ManagedFields,
                            Level::Sorted | Level::ManagedFields => Level::Sorted,
                            _ => Level::Nested,
                        };
                        let child_template = template.and_then(|t| t.get(key));
                        (key.clone(), convert(&map[key], child_template, child_level))
                    })
                    .collect(),
            )
        }
    }
}

/// The sort key of `key`: fixed Go positions first, then the template's
/// order, then alphabetical (the stable sort keeps `Map`'s sorted order).
fn rank(key: &str, level: Level, template: Option<&Json>) -> (u8, usize) {
    let in_template = || match template {
        Some(Json::Obj(fields)) => fields.iter().position(|(k, _)| k == key),
        _ => None,
    };
    match level {
        Level::Top => match key {
            "kind" => (0, 0),
            "apiVersion" => (0, 1),
            "metadata" => (0, 2),
            "spec" => (0, 3),
            "status" => (3, 0),
            _ => match in_template() {
                Some(i) => (1, i),
                None => (2, 0),
            },
        },
        Level::Metadata => match OBJECT_META_ORDER.iter().position(|k| *k == key) {
            Some(i) => (0, i),
            None => (2, 0),
        },
        Level::Nested => match in_template() {
            Some(i) => (1, i),
            None if key == "name" => (0, 0),
            None => (2, 0),
        },
        Level::ManagedFields => match MANAGED_FIELDS_ORDER.iter().position(|k| *k == key) {
            Some(i) => (0, i),
            None => (2, 0),
        },
        Level::Sorted => (2, 0),
    }
}

/// Appends `s` as Go's `encoding/json` writes a string (the library's
/// escaper: `<`, `>`, `&`, U+2028 and U+2029 escaped too).
pub(crate) fn write_go_string(s: &str, out: &mut String) {
    let mut buf = Vec::with_capacity(s.len() + 2);
    kapi::gofmt::write_json_string(&mut buf, s);
    // The escaper copies UTF-8 through unchanged and adds only ASCII.
    out.push_str(&String::from_utf8_lossy(&buf));
}

/// A JSON string as Go writes it.
pub(crate) fn go_string(s: &str) -> String {
    let mut out = String::new();
    write_go_string(s, &mut out);
    out
}

/// Parses JSON keeping the order of object keys.
pub(crate) fn parse_ordered(bytes: &[u8]) -> Result<Json, serde_json::Error> {
    serde_json::from_slice(bytes)
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OrderedVisitor)
    }
}

struct OrderedVisitor;

impl<'de> Visitor<'de> for OrderedVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Json, E> {
        Ok(Json::Num(n.into()))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Json, E> {
        Ok(Json::Num(n.into()))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Json, E> {
        Ok(Number::from_f64(n).map_or(Json::Null, Json::Num))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Json, E> {
        Ok(Json::Str(s.to_string()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Json, E> {
        Ok(Json::Str(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Arr(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut fields: Vec<(String, Json)> = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Json>()? {
            // Go keeps the last of duplicate keys; so does serde_json's Map.
            fields.retain(|(k, _)| *k != key);
            fields.push((key, value));
        }
        Ok(Json::Obj(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_escaping() {
        assert_eq!(
            go_string("a<b>&\"c\"\n"),
            r#""a\u003cb\u003e\u0026\"c\"\n""#
        );
        assert_eq!(go_string("\u{1}\u{2028}"), r#""\u0001\u2028""#);
    }

    #[test]
    fn objects_put_go_fields_first_and_status_last() {
        let value = json!({
            "status": {"phase": "Running"},
            "data": {"b": "1", "a": "2"},
            "metadata": {"labels": {"x": "y"}, "uid": "u", "name": "n", "namespace": "test"},
            "apiVersion": "v1",
            "spec": {},
            "kind": "Pod"
        });
        assert_eq!(
            Json::object(&value, None).encode(),
            r#"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"n","namespace":"test","uid":"u","labels":{"x":"y"}},"spec":{},"data":{"a":"2","b":"1"},"status":{"phase":"Running"}}"#
        );
    }

    #[test]
    fn template_order_wins_for_other_keys() {
        let template = parse_ordered(br#"{"kind":"X","data":{"z":"1","a":"2"},"zz":1}"#).unwrap();
        let value = json!({"kind": "X", "zz": 2, "data": {"a": "3", "new": "4", "z": "5"}});
        assert_eq!(
            Json::object(&value, Some(&template)).encode(),
            r#"{"kind":"X","data":{"z":"5","a":"3","new":"4"},"zz":2}"#
        );
    }

    #[test]
    fn ordered_parse_round_trips() {
        let text = r#"{"b":1,"a":[true,null,"x",-2,1.5],"c":{"z":{},"y":[]}}"#;
        assert_eq!(parse_ordered(text.as_bytes()).unwrap().encode(), text);
    }
}
