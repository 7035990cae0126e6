//! JSON manifests: a stream of values (`{...} {...}`), as kubectl reads
//! them, with repeated keys found as the apiserver's strict decoder finds
//! them and whole floats made integers as in YAML input.

use std::fmt;
use std::io::Read;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::scalar::kubectl_int;
use super::{duplicate_field, Parsed, RawError};
use crate::FieldValidation;

/// The documents of a JSON stream, read one at a time.
pub(super) enum JsonStream<R: Read> {
    Strict(Stream<R, Strict>),
    Warn(Stream<R, Warn>),
    Ignore(Stream<R, Ignore>),
}

type Stream<R, M> = serde_json::StreamDeserializer<'static, serde_json::de::IoRead<R>, Doc<M>>;

impl<R: Read> JsonStream<R> {
    pub(super) fn new(reader: R, validation: FieldValidation) -> JsonStream<R> {
        let de = serde_json::Deserializer::from_reader(reader);
        match validation {
            FieldValidation::Strict => JsonStream::Strict(de.into_iter()),
            FieldValidation::Warn => JsonStream::Warn(de.into_iter()),
            _ => JsonStream::Ignore(de.into_iter()),
        }
    }

    /// The next value (`None` at the end) and the byte offset after it,
    /// where the next document starts. `documents` counts those before.
    pub(super) fn next(&mut self, documents: usize) -> Option<Result<(Parsed, usize), JsonError>> {
        let (doc, offset) = match self {
            JsonStream::Strict(s) => (s.next()?.map(Doc::erase), s.byte_offset()),
            JsonStream::Warn(s) => (s.next()?.map(Doc::erase), s.byte_offset()),
            JsonStream::Ignore(s) => (s.next()?.map(Doc::erase), s.byte_offset()),
        };
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

/// How repeated keys are handled, as a type so that serde's `Deserialize`
/// (which takes no arguments) knows it.
pub(super) trait Mode {
    const VALIDATION: FieldValidation;
}
pub(super) struct Strict;
pub(super) struct Warn;
pub(super) struct Ignore;
impl Mode for Strict {
    const VALIDATION: FieldValidation = FieldValidation::Strict;
}
impl Mode for Warn {
    const VALIDATION: FieldValidation = FieldValidation::Warn;
}
impl Mode for Ignore {
    const VALIDATION: FieldValidation = FieldValidation::Ignore;
}

/// One document and its `duplicate field` warnings.
pub(super) struct Doc<M> {
    value: Value,
    warnings: Vec<String>,
    mode: PhantomData<M>,
}

impl<M> Doc<M> {
    fn erase(self) -> (Value, Vec<String>) {
        (self.value, self.warnings)
    }
}

impl<'de, M: Mode> de::Deserialize<'de> for Doc<M> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut path = Vec::new();
        let mut warnings = Vec::new();
        let value = Seed::<M> {
            path: &mut path,
            warnings: &mut warnings,
            mode: PhantomData,
        }
        .deserialize(deserializer)?;
        Ok(Doc {
            value,
            warnings,
            mode: PhantomData,
        })
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
struct Seed<'a, M> {
    path: &'a mut Vec<Segment>,
    warnings: &'a mut Vec<String>,
    mode: PhantomData<M>,
}

impl<'de, M: Mode> DeserializeSeed<'de> for Seed<'_, M> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, M: Mode> Visitor<'de> for Seed<'_, M> {
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
            let item = seq.next_element_seed(Seed::<M> {
                path: self.path,
                warnings: self.warnings,
                mode: PhantomData,
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
                    match M::VALIDATION {
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
            let value = access.next_value_seed(Seed::<M> {
                path: self.path,
                warnings: self.warnings,
                mode: PhantomData,
            });
            let Some(Segment::Key(key)) = self.path.pop() else {
                continue;
            };
            map.insert(key, value?);
        }
        Ok(Value::Object(map))
    }
}
