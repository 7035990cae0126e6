//! YAML request bodies (server-side apply sends `application/apply-patch+yaml`;
//! JSON is YAML too) turned into JSON values, with the YAML 1.1 scalar
//! rules of the go-yaml the apiserver uses (`yes`/`no`/`on`/`off` are
//! booleans). The first document is used.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Number, Value};

/// Parses the first document of `text`.
pub(crate) fn parse(text: &str) -> Result<Value, String> {
    if let Ok(value) = serde_json::from_str(text) {
        return Ok(value);
    }
    let mut builder = Builder::default();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|err| err.to_string())?;
        let done = builder
            .event(event)
            .map_err(|err| format!("line {}: {err}", span.start.line()))?;
        if done {
            break;
        }
    }
    Ok(builder.result.unwrap_or(Value::Null))
}

/// An open collection: a sequence, or a mapping with a pending key.
enum Open {
    Seq(Vec<Value>, usize),
    Map(Map<String, Value>, Option<String>, usize),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    anchors: HashMap<usize, Value>,
    result: Option<Value>,
}

impl Builder {
    /// Takes one event; `true` at the end of the first document.
    fn event(&mut self, event: Event<'_>) -> Result<bool, String> {
        match event {
            Event::StreamStart | Event::Nothing | Event::DocumentStart(_) => {}
            Event::DocumentEnd | Event::StreamEnd => return Ok(self.result.is_some()),
            Event::Alias(id) => {
                let value = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or("an alias to an unknown anchor")?;
                self.value(value, 0)?;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let value = match (&tag, style) {
                    (Some(tag), _) if tag.suffix == "str" => Value::String(text.into_owned()),
                    (_, ScalarStyle::Plain) => resolve(&text),
                    _ => Value::String(text.into_owned()),
                };
                self.value(value, anchor)?;
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Open::Seq(Vec::new(), anchor)),
            Event::MappingStart(anchor, _) => self.stack.push(Open::Map(Map::new(), None, anchor)),
            Event::SequenceEnd | Event::MappingEnd => {
                let (value, anchor) = match self.stack.pop().ok_or("unbalanced collection end")? {
                    Open::Seq(items, anchor) => (Value::Array(items), anchor),
                    Open::Map(map, _, anchor) => (Value::Object(map), anchor),
                };
                self.value(value, anchor)?;
            }
        }
        Ok(false)
    }

    fn value(&mut self, value: Value, anchor: usize) -> Result<(), String> {
        if anchor != 0 {
            self.anchors.insert(anchor, value.clone());
        }
        match self.stack.last_mut() {
            None => self.result = Some(value),
            Some(Open::Seq(items, _)) => items.push(value),
            Some(Open::Map(map, key, _)) => match key.take() {
                None => {
                    let text = match value {
                        Value::String(s) => s,
                        Value::Null => "null".into(),
                        other => other.to_string(),
                    };
                    *key = Some(text);
                }
                Some(k) => {
                    map.insert(k, value);
                }
            },
        }
        Ok(())
    }
}

/// A plain scalar's value.
fn resolve(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => {
            return Value::Bool(true)
        }
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => {
            return Value::Bool(false)
        }
        _ => {}
    }
    if let Ok(n) = text.parse::<i64>() {
        return Value::Number(n.into());
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if let Ok(n) = i64::from_str_radix(hex, 16) {
            return Value::Number(n.into());
        }
    }
    let looks_numeric = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && text.bytes().any(|b| b.is_ascii_digit());
    if looks_numeric {
        if let Some(n) = text.parse::<f64>().ok().and_then(Number::from_f64) {
            return Value::Number(n);
        }
    }
    Value::String(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_a_manifest() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: foo\n  labels: {app: web}\ndata:\n  key: \"1\"\n  plain: 2\n  flag: yes\n  multi: |\n    a\n    b\n  list: [a, b]\n  none: ~\n";
        assert_eq!(
            parse(text).unwrap(),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "foo", "labels": {"app": "web"}},
                "data": {"key": "1", "plain": 2, "flag": true, "multi": "a\nb\n", "list": ["a", "b"], "none": null}})
        );
    }

    #[test]
    fn json_is_yaml_and_errors_are_reported() {
        assert_eq!(parse(r#"{"a": [1, 2.5]}"#).unwrap(), json!({"a": [1, 2.5]}));
        assert!(parse("a: [1, 2").is_err());
        assert_eq!(parse("a: &v 1\nb: *v\n").unwrap(), json!({"a": 1, "b": 1}));
    }
}
