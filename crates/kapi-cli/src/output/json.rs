//! `-o json`: prints a value byte for byte as `kubectl get -o json` does.
//!
//! Prefer [`write_json`] for one object and [`JsonListWriter`] when several
//! objects arrive one at a time (pages, watches) and must print as one `List`.
//!
//! kubectl decodes objects into Go maps (integers as `int64`, every other
//! number as `float64`) and prints them with `json.MarshalIndent(obj, "", "    ")`
//! plus a newline. That means: keys sorted by bytes at every level (which is
//! what serde_json's `Map` already does without `preserve_order`), four-space
//! indentation, `{}` and `[]` for empty containers, Go's string escaping
//! (`<`, `>`, `&`, U+2028 and U+2029 are escaped, `/` is not) and Go's float
//! formatting (`1e+21`, `1e-7`, `0.000001`, `1` for `1.0`).

use std::io::{self, Write};

use kapi::gofmt::{write_json_number, write_json_string as write_string};
use serde_json::Value;

/// Writes `v` the way `kubectl get -o json` prints it, newline included.
///
/// The text is built in memory and written with one `write_all`, so a
/// failing writer (a closed pipe) never sees half a document.
///
/// See the test `doc_example_write_json` in this file for an example.
pub fn write_json(out: &mut dyn Write, v: &Value) -> io::Result<()> {
    let mut buf = Vec::new();
    write_value(&mut buf, v, 0);
    buf.push(b'\n');
    out.write_all(&buf)
}

/// A field of a Go struct printed by [`write_struct`]: a value (maps in it
/// print with sorted keys, as Go's maps do) or a nested struct.
pub enum Field<'a> {
    Value(&'a Value),
    Struct(Vec<(&'a str, Field<'a>)>),
}

/// Writes a typed object as kubectl prints one (`create configmap
/// --dry-run=client -o json`): fields in struct order, the rest as
/// [`write_json`] writes values. Newline included.
pub fn write_struct(out: &mut dyn Write, fields: &[(&str, Field<'_>)]) -> io::Result<()> {
    fn write(buf: &mut Vec<u8>, fields: &[(&str, Field<'_>)], depth: usize) {
        buf.push(b'{');
        for (i, (key, field)) in fields.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            newline_indent(buf, depth + 1);
            write_string(buf, key);
            buf.extend_from_slice(b": ");
            match field {
                Field::Value(v) => write_value(buf, v, depth + 1),
                Field::Struct(inner) => write(buf, inner, depth + 1),
            }
        }
        newline_indent(buf, depth);
        buf.push(b'}');
    }
    let mut buf = Vec::new();
    write(&mut buf, fields, 0);
    buf.push(b'\n');
    out.write_all(&buf)
}

/// Streams several objects as the one `List` kubectl prints for them.
///
/// The output is byte-identical to [`write_json`] on
/// `{"apiVersion": "v1", "items": [...], "kind": "List", "metadata": {"resourceVersion": ""}}`
/// (the envelope `kubectl get` builds), but only one item is held at a time.
///
/// See the test `doc_example_json_list_writer` in this file for an example.
#[derive(Debug)]
pub struct JsonListWriter {
    items: usize,
}

impl JsonListWriter {
    /// Writes the envelope up to the opening `[` of `items`.
    pub fn begin(out: &mut dyn Write) -> io::Result<Self> {
        out.write_all(b"{\n    \"apiVersion\": \"v1\",\n    \"items\": [")?;
        Ok(JsonListWriter { items: 0 })
    }

    /// Writes one element of `items`.
    pub fn item(&mut self, out: &mut dyn Write, v: &Value) -> io::Result<()> {
        let mut buf = Vec::new();
        if self.items > 0 {
            buf.push(b',');
        }
        newline_indent(&mut buf, 2);
        write_value(&mut buf, v, 2);
        self.items += 1;
        out.write_all(&buf)
    }

    /// Closes `items` and writes the rest of the envelope and the newline.
    pub fn finish(self, out: &mut dyn Write) -> io::Result<()> {
        if self.items > 0 {
            newline_indent_to(out, 1)?;
        }
        out.write_all(
            b"],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n",
        )
    }
}

/// The text Go's encoding/json gives a number after kubectl decoded it.
///
/// Recursion depth is the value's depth: serde_json and `parse_manifests`
/// both stop at 128 levels.
fn write_value(buf: &mut Vec<u8>, v: &Value, depth: usize) {
    match v {
        Value::Null => buf.extend_from_slice(b"null"),
        Value::Bool(true) => buf.extend_from_slice(b"true"),
        Value::Bool(false) => buf.extend_from_slice(b"false"),
        Value::Number(n) => write_json_number(buf, n),
        Value::String(s) => write_string(buf, s),
        Value::Array(items) if items.is_empty() => buf.extend_from_slice(b"[]"),
        Value::Array(items) => {
            buf.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                newline_indent(buf, depth + 1);
                write_value(buf, item, depth + 1);
            }
            newline_indent(buf, depth);
            buf.push(b']');
        }
        Value::Object(map) if map.is_empty() => buf.extend_from_slice(b"{}"),
        Value::Object(map) => {
            buf.push(b'{');
            // serde_json's Map is a BTreeMap<String, _>: byte order, as Go sorts.
            for (i, (key, value)) in map.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                newline_indent(buf, depth + 1);
                write_string(buf, key);
                buf.extend_from_slice(b": ");
                write_value(buf, value, depth + 1);
            }
            newline_indent(buf, depth);
            buf.push(b'}');
        }
    }
}

fn newline_indent(buf: &mut Vec<u8>, depth: usize) {
    const SPACES: &[u8; 128] = &[b' '; 128];
    buf.push(b'\n');
    let mut n = depth * 4;
    while n > 0 {
        let k = n.min(SPACES.len());
        buf.extend_from_slice(&SPACES[..k]);
        n -= k;
    }
}

fn newline_indent_to(out: &mut dyn Write, depth: usize) -> io::Result<()> {
    let mut buf = Vec::new();
    newline_indent(&mut buf, depth);
    out.write_all(&buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(v: &Value) -> String {
        let mut out = Vec::new();
        write_json(&mut out, v).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn prints_empty_containers_inline() {
        let v = json!({"a": {}, "b": [], "c": [{}], "d": null});
        assert_eq!(
            render(&v),
            "{\n    \"a\": {},\n    \"b\": [],\n    \"c\": [\n        {}\n    ],\n    \"d\": null\n}\n"
        );
    }

    #[test]
    fn list_writer_matches_whole_list() {
        let items = [
            json!({"kind": "Pod", "metadata": {"name": "a"}, "spec": {"x": [1, 2]}}),
            json!({}),
            json!({"kind": "Pod", "metadata": {"name": "b"}}),
        ];
        for n in 0..=items.len() {
            let whole = json!({
                "apiVersion": "v1",
                "items": items[..n],
                "kind": "List",
                "metadata": {"resourceVersion": ""},
            });
            let mut streamed = Vec::new();
            let mut list = JsonListWriter::begin(&mut streamed).unwrap();
            for item in &items[..n] {
                list.item(&mut streamed, item).unwrap();
            }
            list.finish(&mut streamed).unwrap();
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                render(&whole),
                "{n} items"
            );
        }
    }

    /// Golden files: `NAME.input.json` printed by kubectl v1.32 as
    /// `NAME.kubectl.json` (see tests/golden/printers/README.md).
    macro_rules! golden {
        ($($name:ident),* $(,)?) => {$(
            #[test]
            fn $name() {
                let input = include_str!(concat!(
                    "../../tests/golden/printers/", stringify!($name), ".input.json"
                ));
                let want = include_str!(concat!(
                    "../../tests/golden/printers/", stringify!($name), ".kubectl.json"
                ));
                let v: Value = serde_json::from_str(input).unwrap();
                assert_eq!(render(&v), want);
            }
        )*};
    }

    /// Golden lists: the items of `NAME.input.json` streamed through
    /// [`JsonListWriter`] must match what `kubectl get` printed for them
    /// (`NAME.kubectl.json`, recorded against a fake API server).
    macro_rules! golden_list {
        ($($name:ident),* $(,)?) => {$(
            #[test]
            fn $name() {
                let input = include_str!(concat!(
                    "../../tests/golden/printers/", stringify!($name), ".input.json"
                ));
                let want = include_str!(concat!(
                    "../../tests/golden/printers/", stringify!($name), ".kubectl.json"
                ));
                let items: Vec<Value> = serde_json::from_str(input).unwrap();
                let mut out = Vec::new();
                let mut list = JsonListWriter::begin(&mut out).unwrap();
                for item in &items {
                    list.item(&mut out, item).unwrap();
                }
                list.finish(&mut out).unwrap();
                assert_eq!(String::from_utf8(out).unwrap(), want);
            }
        )*};
    }

    mod golden {
        use super::*;
        golden!(
            daemonset,
            configmap_strings,
            numbers,
            nested_empty,
            unicode_keys
        );
        golden_list!(list, list_empty);
    }

    /// Golden files: `NAME.input.yaml` read by kubectl v1.32 and printed as
    /// `NAME.kubectl.json`, one object after another: the manifest reader
    /// and this printer together against kubectl.
    macro_rules! golden_manifest {
        ($($name:ident),* $(,)?) => {$(
            #[test]
            fn $name() {
                use kapi::manifest::{flatten_lists, Documents};
                let input = include_str!(concat!(
                    "../../tests/golden/printers/", stringify!($name), ".input.yaml"
                ));
                let want = include_str!(concat!(
                    "../../tests/golden/printers/", stringify!($name), ".kubectl.json"
                ));
                let mut got = Vec::new();
                // kubectl's own reading keeps the last of keys that collide
                // (`on:` and `true:`), so the golden files were made that way.
                let docs = Documents::new(stringify!($name), input.as_bytes())
                    .field_validation(kapi::FieldValidation::Ignore)
                    .map(|d| d.unwrap().into_value())
                    .collect();
                for doc in flatten_lists(docs) {
                    write_json(&mut got, &doc).unwrap();
                }
                assert_eq!(String::from_utf8(got).unwrap(), want);
            }
        )*};
    }

    mod golden_manifest {
        use super::*;
        golden_manifest!(manifest_yaml11, manifest_multi);
    }

    /// The example in the doc comment of `write json` (a binary crate's
    /// doc examples never run, so the example lives here).
    #[test]
    fn doc_example_write_json() -> io::Result<()> {
        let pod = serde_json::json!({"kind": "Pod", "apiVersion": "v1", "spec": {}});
        let mut out = Vec::new();
        write_json(&mut out, &pod)?;
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"Pod\",\n    \"spec\": {}\n}\n"
        );
        Ok(())
    }

    /// The example in the doc comment of `json list writer` (a binary crate's
    /// doc examples never run, so the example lives here).
    #[test]
    fn doc_example_json_list_writer() -> io::Result<()> {
        let mut out = Vec::new();
        let mut list = JsonListWriter::begin(&mut out)?;
        list.item(&mut out, &serde_json::json!({"kind": "Pod"}))?;
        list.finish(&mut out)?;
        assert!(String::from_utf8(out).unwrap().ends_with("\"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n"));
        Ok(())
    }
}
