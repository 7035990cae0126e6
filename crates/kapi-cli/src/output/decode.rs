//! Decoding list items for a printer: only what the format prints.
//!
//! kubectl leaves `metadata.managedFields` out of `-o json|yaml` (unless
//! `--show-managed-fields`), and a table or `-o name` reads a few fields of
//! each item. A pod's managedFields are a third of its bytes and most of
//! its JSON nodes (`"f:image":{}` each), so building them into a
//! [`Value`] tree only to drop it is most of the work of a list. These
//! decoders skip what will not be printed while parsing (serde's
//! [`IgnoredAny`], which still checks the JSON in full) and build the rest
//! exactly as [`Value`]'s own `Deserialize` does.
//!
//! [`Printer::shape`](super::printer::Printer::shape) picks the decoder for a format.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Number, Value};

/// What of an item a format needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Everything (JSONPath, custom columns, `--show-managed-fields`).
    Full,
    /// All but `metadata.managedFields` (`-o json`, `-o yaml`).
    WithoutManagedFields,
    /// What the table printer reads of a Table row (`cells`, and the
    /// `namespace` and `labels` of its `object.metadata`) or, from a server
    /// that sent a plain list, of an object (its `metadata`'s `name`,
    /// `namespace`, `labels` and `creationTimestamp`).
    Row,
    /// `metadata.name` alone (`-o name`).
    Name,
}

/// A list item decoded as `WithoutManagedFields`.
pub struct WithoutManagedFields(pub Value);
/// A Table row (or plain object) decoded as [`Shape::Row`].
pub struct Row(pub Value);
/// A list item decoded as [`Shape::Name`]: `{"metadata": {"name": ...}}`.
pub struct NameOnly(pub Value);

impl<'de> Deserialize<'de> for WithoutManagedFields {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Node::Item.deserialize(d).map(WithoutManagedFields)
    }
}

impl<'de> Deserialize<'de> for Row {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Node::Row.deserialize(d).map(Row)
    }
}

impl<'de> Deserialize<'de> for NameOnly {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Node::NameItem.deserialize(d).map(NameOnly)
    }
}

/// Where in an item a value sits, which decides what of it is kept.
#[derive(Clone, Copy, Debug)]
enum Node {
    /// Kept whole.
    Any,
    /// An object: its `metadata` is a [`Node::Meta`].
    Item,
    /// ObjectMeta: `managedFields` is skipped.
    Meta,
    /// A Table row or a plain object: `cells`, `object` (a
    /// [`Node::RowObject`]) and `metadata` (a [`Node::RowMeta`]).
    Row,
    /// A row's object: its `metadata` alone.
    RowObject,
    /// The ObjectMeta fields the table printer reads.
    RowMeta,
    /// An object of which only `metadata.name` is kept.
    NameItem,
    /// ObjectMeta of which only `name` is kept.
    NameMeta,
}

impl Node {
    /// What a member `key` of an object at `self` is, `None` to skip it.
    fn member(self, key: &str) -> Option<Node> {
        match (self, key) {
            (Node::Item, "metadata") => Some(Node::Meta),
            (Node::Meta, "managedFields") => None,
            (Node::Row, "cells") => Some(Node::Any),
            (Node::Row, "object") => Some(Node::RowObject),
            (Node::Row | Node::RowObject, "metadata") => Some(Node::RowMeta),
            (Node::RowMeta, "name" | "namespace" | "labels" | "creationTimestamp") => {
                Some(Node::Any)
            }
            (Node::Row | Node::RowObject | Node::RowMeta, _) => None,
            (Node::NameItem, "metadata") => Some(Node::NameMeta),
            (Node::NameMeta, "name") => Some(Node::Any),
            (Node::NameItem | Node::NameMeta, _) => None,
            _ => Some(Node::Any),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Node {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        match self {
            Node::Any => Value::deserialize(d),
            _ => d.deserialize_any(self),
        }
    }
}

/// serde_json's own `Value` visitor (without its arbitrary-precision and
/// raw-value forms, which kapi does not enable), except for what
/// [`Node::member`] skips.
impl<'de> Visitor<'de> for Node {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match self.member(&key) {
                Some(node) => {
                    let value = map.next_value_seed(node)?;
                    out.insert(key, value);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const POD: &str = r#"{"kind":"Pod","metadata":{"name":"web","managedFields":[{"manager":"m","fieldsV1":{"f:a":{}}}],
        "labels":{"a":"b"}},"spec":{"x":[1,-2,3.5,1e300,null,true,"s\u00e9"],"metadata":{"managedFields":"kept"}},
        "object":{"metadata":{"managedFields":1}}}"#;

    #[test]
    fn without_managed_fields_is_the_value_less_them() {
        let mut want: Value = serde_json::from_str(POD).unwrap();
        want["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("managedFields");
        let WithoutManagedFields(got) = serde_json::from_str(POD).unwrap();
        assert_eq!(got, want);
        // Only the item's own metadata loses them.
        assert_eq!(got["spec"]["metadata"]["managedFields"], "kept");
        assert_eq!(got["object"]["metadata"]["managedFields"], 1);
        // What is kept is checked as Value checks it.
        let out_of_range = POD.replace("1e300", "1e400");
        assert!(serde_json::from_str::<Value>(&out_of_range).is_err());
        assert!(serde_json::from_str::<WithoutManagedFields>(&out_of_range).is_err());
    }

    #[test]
    fn a_row_keeps_what_the_table_printer_reads() {
        let Row(row) = serde_json::from_str(
            r#"{"cells":["a",1,{"x":[null]}],"conditions":[],"object":{"kind":"Pod","metadata":{"name":"a",
                "namespace":"n","labels":{"k":"v"},"uid":"u","managedFields":[{}]},"spec":{}}}"#,
        )
        .unwrap();
        assert_eq!(
            row,
            json!({"cells": ["a", 1, {"x": [null]}],
                   "object": {"metadata": {"name": "a", "namespace": "n", "labels": {"k": "v"}}}})
        );
        // A plain object, from a server that cannot render tables.
        let Row(plain) = serde_json::from_str(
            &POD.replace(r#""name":"web""#, r#""name":"web","creationTimestamp":"t""#),
        )
        .unwrap();
        assert_eq!(
            plain,
            json!({"metadata": {"name": "web", "creationTimestamp": "t", "labels": {"a": "b"}},
                   "object": {"metadata": {}}})
        );
    }

    #[test]
    fn name_only_keeps_the_name_and_checks_the_syntax_of_the_rest() {
        let NameOnly(v) = serde_json::from_str(POD).unwrap();
        assert_eq!(v, json!({"metadata": {"name": "web"}}));
        let NameOnly(v) = serde_json::from_str("7").unwrap();
        assert_eq!(v, json!(7));
        let NameOnly(v) = serde_json::from_str(r#"{"metadata":{"name":5}}"#).unwrap();
        assert_eq!(v["metadata"]["name"], 5);
        for bad in [
            r#"{"spec":[1,}"#,
            r#"{"a":1,"a":}"#,
            "{\"spec\":\"a\u{1}b\"}",
            r#"{"spec":tru}"#,
            r#"{"metadata":{"name":"\ud800"}}"#,
        ] {
            assert!(serde_json::from_str::<NameOnly>(bad).is_err(), "{bad}");
        }
    }
}
