//! YAML text → `serde_json::Value`, from saphyr's parser events: anchors,
//! aliases, `<<` merge keys, tags and keys as sigs.k8s.io/yaml makes them.
//!
//! One call reads one chunk of the input (a document as split by
//! [`super::documents`]); the builder holds one document at a time.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use serde_json::{Map, Number, Value};

use super::scalar::{float_key, kubectl_int, resolve_plain, Resolved};
use super::{duplicate_field, Parsed, RawError};
use crate::FieldValidation;

/// Nesting depth at which parsing stops, serde_json's recursion limit.
pub(super) const MAX_DEPTH: usize = 128;
/// Nodes aliases may add beyond the nodes the input spells out.
const ALIAS_ALLOWANCE: usize = 100_000;

/// Parses `text`, whose first line is line `first_line` of the input and
/// which follows `documents` documents, into `out`: usually one document,
/// more when `...` ends one without a `---` line. Returns the number of
/// documents started (empty ones included).
pub(super) fn parse_chunk(
    text: &str,
    first_line: usize,
    documents: usize,
    validation: FieldValidation,
    out: &mut VecDeque<Parsed>,
) -> Result<usize, ChunkError> {
    let mut builder = Builder {
        validation,
        ..Builder::default()
    };
    let mut document = documents;
    let mut in_document = false;
    let line = |l: usize| l + first_line - 1;
    // The parser's iterator is a state machine; Parser::load would recurse
    // once per nesting level.
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            let doc = if in_document { document } else { document + 1 };
            ChunkError::Syntax((
                doc,
                line(e.marker().line()),
                e.marker().col() + 1,
                e.info().to_owned(),
            ))
        })?;
        let at = |message: String| {
            (
                document,
                line(span.start.line()),
                span.start.col() + 1,
                message,
            )
        };
        match event {
            Event::DocumentStart(_) => {
                document += 1;
                in_document = true;
                builder = Builder {
                    validation,
                    ..Builder::default()
                };
            }
            Event::DocumentEnd => {
                in_document = false;
                if let Some(value) = builder.root.take() {
                    if !value.is_null() {
                        out.push_back(Parsed {
                            value,
                            number: document,
                            warnings: std::mem::take(&mut builder.warnings),
                        });
                    }
                }
            }
            event => builder.event(event).map_err(|m| ChunkError::Value(at(m)))?,
        }
    }
    Ok(document - documents)
}

/// Why [`parse_chunk`] failed: the YAML itself (saphyr's error), or a value
/// kubectl cannot send (`.inf`, a repeated key, a nesting or alias limit).
pub(super) enum ChunkError {
    Syntax(RawError),
    Value(RawError),
}

/// Builds one document's value from parser events, without recursion.
struct Builder {
    stack: Vec<Frame>,
    root: Option<Value>,
    /// Anchor id → (value, number of nodes in it).
    anchors: BTreeMap<usize, (Value, usize)>,
    parsed_nodes: usize,
    alias_nodes: usize,
    /// Whether a repeated key is an error (`Strict`), a warning or silent.
    validation: FieldValidation,
    /// `duplicate field "..."` messages, with `--validate=warn`.
    warnings: Vec<String>,
}

enum Frame {
    Sequence {
        anchor: usize,
        items: Vec<Value>,
        nodes: usize,
    },
    Mapping {
        anchor: usize,
        map: Map<String, Value>,
        /// The key whose value comes next; `None` while a key is expected.
        key: Option<Key>,
        nodes: usize,
        /// Keys that came from a `<<` merge and were not written since: a
        /// key written over a merged one is not a duplicate.
        merged: BTreeSet<String>,
    },
}

enum Key {
    Name(String),
    /// `<<`: the value's entries merge into the mapping.
    Merge,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder {
            stack: Vec::new(),
            root: None,
            anchors: BTreeMap::new(),
            parsed_nodes: 0,
            alias_nodes: 0,
            validation: FieldValidation::Strict,
            warnings: Vec::new(),
        }
    }
}

impl Builder {
    fn expects_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Mapping { key: None, .. }))
    }

    fn event(&mut self, event: Event<'_>) -> Result<(), String> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                self.parsed_nodes += 1;
                if self.expects_key() {
                    let key = scalar_key(&text, style, tag.as_deref())?;
                    if anchor != 0 {
                        let v = scalar_value(&text, style, tag.as_deref())?;
                        self.anchors.insert(anchor, (v, 1));
                    }
                    self.set_key(key)
                } else {
                    let v = scalar_value(&text, style, tag.as_deref())?;
                    self.push(v, 1, anchor)
                }
            }
            Event::Alias(id) => {
                let Some((v, nodes)) = self.anchors.get(&id).cloned() else {
                    return Err(
                        "alias to an anchor that is undefined here or still open".to_owned()
                    );
                };
                self.alias_nodes += nodes;
                if self.alias_nodes > self.parsed_nodes + ALIAS_ALLOWANCE {
                    return Err(format!(
                        "aliases expand to too many nodes (more than {ALIAS_ALLOWANCE} beyond the document)"
                    ));
                }
                if self.expects_key() {
                    let key = value_key(&v)?;
                    self.set_key(Key::Name(key))
                } else {
                    self.push(v, nodes, 0)
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.expects_key() {
                    return Err(
                        "unsupported mapping key: a mapping or sequence cannot be a key".to_owned(),
                    );
                }
                if self.stack.len() >= MAX_DEPTH {
                    return Err(format!(
                        "nesting deeper than {MAX_DEPTH} levels is not supported"
                    ));
                }
                self.parsed_nodes += 1;
                self.stack
                    .push(if matches!(event, Event::SequenceStart(..)) {
                        Frame::Sequence {
                            anchor,
                            items: Vec::new(),
                            nodes: 1,
                        }
                    } else {
                        Frame::Mapping {
                            anchor,
                            map: Map::new(),
                            key: None,
                            nodes: 1,
                            merged: BTreeSet::new(),
                        }
                    });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Sequence {
                    anchor,
                    items,
                    nodes,
                }) => self.push(Value::Array(items), nodes, anchor),
                Some(Frame::Mapping {
                    anchor, map, nodes, ..
                }) => self.push(Value::Object(map), nodes, anchor),
                None => Ok(()),
            },
            // Stream and document boundaries are handled by the caller.
            _ => Ok(()),
        }
    }

    /// Takes the next key of the open mapping; a key it already holds
    /// is a duplicate, handled as `validation` says.
    fn set_key(&mut self, new: Key) -> Result<(), String> {
        let duplicate = match (&new, self.stack.last_mut()) {
            (Key::Name(name), Some(Frame::Mapping { map, merged, .. })) => {
                (map.contains_key(name) && !merged.remove(name)).then_some(name)
            }
            _ => None,
        };
        if let Some(name) = duplicate.filter(|_| self.validation != FieldValidation::Ignore) {
            let message = duplicate_field(&self.path(name));
            if self.validation == FieldValidation::Strict {
                return Err(format!("strict decoding error: {message}"));
            }
            self.warnings.push(message);
        }
        if let Some(Frame::Mapping { key, .. }) = self.stack.last_mut() {
            *key = Some(new);
        }
        Ok(())
    }

    /// The field path of `last` in the open mapping, as the apiserver
    /// writes it: `spec.ports[0].name`.
    fn path(&self, last: &str) -> String {
        let mut path = String::new();
        for frame in &self.stack {
            match frame {
                Frame::Sequence { items, .. } => path.push_str(&format!("[{}]", items.len())),
                Frame::Mapping {
                    key: Some(Key::Name(k)),
                    ..
                } => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                }
                Frame::Mapping { .. } => {}
            }
        }
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(last);
        path
    }

    /// Adds a finished node to its parent, or makes it the document root.
    fn push(&mut self, v: Value, n: usize, anchor: usize) -> Result<(), String> {
        if anchor != 0 {
            self.anchors.insert(anchor, (v.clone(), n));
        }
        match self.stack.last_mut() {
            None => self.root = Some(v),
            Some(Frame::Sequence { items, nodes, .. }) => {
                items.push(v);
                *nodes += n;
            }
            Some(Frame::Mapping {
                map,
                key,
                nodes,
                merged,
                ..
            }) => {
                *nodes += n;
                match key.take() {
                    Some(Key::Name(k)) => {
                        map.insert(k, v);
                    }
                    Some(Key::Merge) => merge(map, merged, v)?,
                    // Keys never reach push: scalar and alias keys are taken
                    // by event(), collection keys are refused there.
                    None => {}
                }
            }
        }
        Ok(())
    }
}

/// go-yaml v2's merge: a map's entries, or each map of a sequence with the
/// earlier maps winning, written over what the mapping holds so far.
fn merge(
    map: &mut Map<String, Value>,
    merged: &mut BTreeSet<String>,
    v: Value,
) -> Result<(), String> {
    const WANT_MAP: &str = "map merge requires map or sequence of maps as the value";
    let mut extend = |source: Map<String, Value>| {
        merged.extend(source.keys().cloned());
        map.extend(source);
    };
    match v {
        Value::Object(source) => extend(source),
        Value::Array(sources) => {
            if !sources.iter().all(Value::is_object) {
                return Err(WANT_MAP.to_owned());
            }
            for source in sources.into_iter().rev() {
                if let Value::Object(source) = source {
                    extend(source);
                }
            }
        }
        _ => return Err(WANT_MAP.to_owned()),
    }
    Ok(())
}

const CORE: &str = "tag:yaml.org,2002:";

fn tag_name(tag: &Tag) -> String {
    if tag.handle == "!" {
        format!("!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

/// Resolves a scalar as go-yaml v2 does when decoding into `interface{}`.
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Resolved, String> {
    let Some(tag) = tag else {
        return Ok(if style == ScalarStyle::Plain {
            resolve_plain(text)
        } else {
            Resolved::Str
        });
    };
    let name = tag_name(tag);
    let Some(core) = name.strip_prefix(CORE) else {
        // Local tags (`!foo`) and `!` mean nothing to go-yaml: a string.
        return Ok(Resolved::Str);
    };
    // An explicit core tag resolves the text even when it is quoted.
    let r = resolve_plain(text);
    let ok = match (core, r) {
        ("str", _) => return Ok(Resolved::Str),
        ("binary", _) => {
            return Err(
                "!!binary values are not supported; write the base64 text without the tag"
                    .to_owned(),
            );
        }
        ("int", Resolved::Int(_) | Resolved::Uint(_))
        | ("float", Resolved::Float(_))
        | ("bool", Resolved::Bool(_))
        | ("null", Resolved::Null)
        | ("timestamp", Resolved::Timestamp) => r,
        ("float", Resolved::Int(i)) => Resolved::Float(i as f64),
        ("int" | "float" | "bool" | "null" | "timestamp", _) => {
            let got = match r {
                Resolved::Str => "!!str",
                Resolved::Null => "!!null",
                Resolved::Bool(_) => "!!bool",
                Resolved::Int(_) | Resolved::Uint(_) => "!!int",
                Resolved::Float(_) => "!!float",
                Resolved::Timestamp => "!!timestamp",
            };
            return Err(format!("cannot decode {got} `{text}` as a !!{core}"));
        }
        // Other core tags (!!set, !!omap, ...) are ignored by go-yaml.
        _ => Resolved::Str,
    };
    Ok(ok)
}

fn scalar_value(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    Ok(match resolve_scalar(text, style, tag)? {
        Resolved::Str | Resolved::Timestamp => Value::String(text.to_owned()),
        Resolved::Null => Value::Null,
        Resolved::Bool(b) => Value::Bool(b),
        Resolved::Int(i) => Value::from(i),
        Resolved::Uint(u) => Value::from(u),
        Resolved::Float(f) => match kubectl_int(f) {
            Some(i) => Value::from(i),
            None => Value::Number(
                Number::from_f64(f)
                    .ok_or_else(|| format!("`{text}` cannot be represented in JSON"))?,
            ),
        },
    })
}

/// A scalar key as sigs.k8s.io/yaml turns it into a JSON object key.
fn scalar_key(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Key, String> {
    let merge_tag = tag.is_some_and(|t| tag_name(t) == format!("{CORE}merge"));
    if (tag.is_none() && style == ScalarStyle::Plain && text == "<<") || merge_tag {
        return Ok(Key::Merge);
    }
    let key = match resolve_scalar(text, style, tag)? {
        Resolved::Str | Resolved::Timestamp => text.to_owned(),
        Resolved::Bool(b) => b.to_string(),
        Resolved::Int(i) => i.to_string(),
        // sigs.k8s.io/yaml formats float keys as float32, YAML-style.
        Resolved::Float(f) => float_key(f),
        Resolved::Null => return Err("unsupported mapping key: null; quote the key".to_owned()),
        Resolved::Uint(_) => {
            return Err(format!(
                "unsupported mapping key: {text} is out of range; quote the key"
            ));
        }
    };
    Ok(Key::Name(key))
}

/// An alias used as a key: the aliased value made into a key.
fn value_key(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) if n.is_i64() => Ok(n.to_string()),
        Value::Number(n) if n.is_f64() => Ok(float_key(n.as_f64().unwrap_or(0.0))),
        Value::Null => Err("unsupported mapping key: null; quote the key".to_owned()),
        Value::Number(n) => Err(format!(
            "unsupported mapping key: {n} is out of range; quote the key"
        )),
        Value::Array(_) | Value::Object(_) => {
            Err("unsupported mapping key: a mapping or sequence cannot be a key".to_owned())
        }
    }
}
