//! JSON manifests: a stream of values (`{...} {...}`), as kubectl reads
//! them, with repeated keys found as the apiserver's strict decoder finds
//! them and whole floats made integers as in YAML input.

use std::cell::Cell;
use std::fmt;
use std::io::Read;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::scalar::kubectl_int;
use super::{duplicate_field, Parsed, RawError};
use crate::FieldValidation;

/// The documents of a JSON stream, read one at a time.
pub(super) struct JsonStream<R: Read> {
    stream: serde_json::StreamDeserializer<'static, serde_json::de::IoRead<R>, Doc>,
    validation: FieldValidation,
}

thread_local! {
    /// How the document being decoded on this thread treats repeated keys.
    /// serde's `Deserialize` takes no arguments; a type parameter per mode
    /// would compile serde_json's deserializer three times (12 KB of the
    /// static binary), so the mode is set here around each `next`.
    static VALIDATION: Cell<FieldValidation> = const { Cell::new(FieldValidation::Strict) };
}

impl<R: Read> JsonStream<R> {
    pub(super) fn new(reader: R, validation: FieldValidation) -> JsonStream<R> {
        JsonStream {
            stream: serde_json::Deserializer::from_reader(reader).into_iter(),
            validation,
        }
    }

    /// The next value (`None` at the end) and the byte offset after it,
    /// where the next document starts. `documents` counts those before.
    pub(super) fn next(&mut self, documents: usize) -> Option<Result<(Parsed, usize), JsonError>> {
        VALIDATION.with(|v| v.set(self.validation));
        let doc = self.stream.next()?.map(|d| (d.value, d.warnings));
        let offset = self.stream.byte_offset();
        let number = documents + 1;
        Some(match doc {
            Ok((value, warnings)) => Ok((
                Parsed {
                    value,
                    number,
                    warnings,
                },
                offset,
            )),
            Err(e) if e.is_io() => Err(JsonError::Io(e.into())),
            Err(e) => {
                // serde_json appends " at line L column C"; we print our own.
                let text = e.to_string();
                let message = text
                    .rfind(" at line ")
                    .map_or(text.as_str(), |p| &text[..p]);
                Err(JsonError::Syntax((
                    number,
                    e.line().max(1),
                    e.column().max(1),
                    message.to_owned(),
                )))
            }
        })
    }
}

/// A failed JSON document: the input failed, or the text is wrong.
pub(super) enum JsonError {
    Io(std::io::Error),
    Syntax(RawError),
}

/// One document and its `duplicate field` warnings.
pub(super) struct Doc {
    value: Value,
    warnings: Vec<String>,
}

impl<'de> de::Deserialize<'de> for Doc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut path = Vec::new();
        let mut warnings = Vec::new();
        let value = Seed {
            path: &mut path,
            warnings: &mut warnings,
        }
        .deserialize(deserializer)?;
        Ok(Doc { value, warnings })
    }
}

enum Segment {
    Key(String),
    Index(usize),
}

/// `spec.ports[0].name`, as the apiserver names a field.
fn join(path: &[Segment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Builds a `Value` as serde_json does, noting repeated keys. Nesting is
/// bounded by serde_json's recursion limit (128).
struct Seed<'a> {
    path: &'a mut Vec<Segment>,
    warnings: &'a mut Vec<String>,
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::from(i))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(Value::from(u))
    }

    /// Whole floats become integers, as in YAML input, except `-0.0`:
    /// kubectl keeps a JSON float with a fraction as a float, and only
    /// negative zero prints differently from the integer (`-0`).
    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        if !(f == 0.0 && f.is_sign_negative()) {
            if let Some(i) = kubectl_int(f) {
                return Ok(Value::from(i));
            }
        }
        // JSON text cannot spell NaN or infinity.
        Ok(Number::from_f64(f).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            self.path.push(Segment::Index(items.len()));
            let item = seq.next_element_seed(Seed {
                path: self.path,
                warnings: self.warnings,
            });
            self.path.pop();
            match item? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            self.path.push(Segment::Key(key));
            if let Some(Segment::Key(key)) = self.path.last() {
                if map.contains_key(key) {
                    let message = duplicate_field(&join(self.path));
                    match VALIDATION.with(Cell::get) {
                        FieldValidation::Strict => {
                            return Err(de::Error::custom(format!(
                                "strict decoding error: {message}"
                            )));
                        }
                        FieldValidation::Warn => self.warnings.push(message),
                        _ => {}
                    }
                }
            }
            let value = access.next_value_seed(Seed {
                path: self.path,
                warnings: self.warnings,
            });
            let Some(Segment::Key(key)) = self.path.pop() else {
                continue;
            };
            map.insert(key, value?);
        }
        Ok(Value::Object(map))
    }
}
