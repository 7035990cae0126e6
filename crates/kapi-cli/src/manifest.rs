//! Reads `-f FILE|-` manifests: JSON or YAML, one or many documents.
//!
//! Prefer [`parse_manifests`] for anything a user wrote (manifests, and later
//! kubeconfig files) and call [`flatten_lists`] when each object of a `List`
//! should be handled on its own, as `kubectl create -f` does.
//!
//! kubectl reads YAML with sigs.k8s.io/yaml, that is go-yaml v2, which
//! resolves plain scalars by YAML 1.1 rules. Manifests depend on that, so this
//! module follows go-yaml v2 rather than YAML 1.2 wherever the result differs:
//!
//! - `y`, `yes`, `on`, `n`, `no`, `off` (and their `Yes`/`YES` spellings)
//!   are booleans; `~`, `null` and an empty value are null.
//! - Integers use Go's rules: `0755` is octal (493), `0o17`, `0x1F`, `0b101`
//!   and `1_000` work; integers stay integers, and those above `i64::MAX`
//!   become `u64`.
//! - Floats (`1.5`, `.5`, `1e3`) that are whole numbers become integers the
//!   way kubectl's JSON round trip makes them: `replicas: 1.0` is sent as `1`.
//!   `.inf` and `.nan` are errors: JSON cannot hold them, and kubectl fails too.
//! - Timestamps such as `2024-01-15` stay strings.
//! - Quoted and block scalars are always strings; `!!str`, `!!int`,
//!   `!!float`, `!!bool` and `!!null` tags convert as go-yaml does; other
//!   tags are ignored and `!!binary` is refused.
//! - Mapping keys become strings as sigs.k8s.io/yaml makes them
//!   (`1` → `"1"`, `true` → `"true"`, `1e7` → `"1e+07"`); a null key, a key
//!   above `i64::MAX` or a mapping or sequence as a key is an error.
//! - Anchors and aliases are resolved, and `<<` merge keys are applied in
//!   document order: later keys win, and within `<<: [*a, *b]` the first map
//!   wins. A repeated key keeps its last value, as go-yaml does.
//!
//! Input whose first non-blank character is `{` is read as a stream of JSON
//! objects, as kubectl does. Empty and `null` documents are skipped. Nesting
//! stops at 128 levels (serde_json's limit), and aliases may add at most
//! 100,000 nodes beyond those written out, which stops "billion laughs".
//!
//! Known differences from kubectl, none of which a sane manifest meets:
//! - The syntax is YAML 1.2 (saphyr's): `[a, -, b]` is an error, and U+0085,
//!   U+2028 and U+2029 are ordinary characters rather than line breaks.
//! - Documents are split by the parser, so `--- {a: 1}` works; kubectl's
//!   line splitter rejects text after `---`.
//! - An unsupported key or `.inf` is an error even inside a value that a
//!   repeated key later replaces; kubectl never looks at replaced values.
//!   Keys that are equal only as Go values (`-0.0` and `0.0`) stay apart.
//! - Lines count from the start of the input; kubectl counts per document.

use std::collections::BTreeMap;
use std::fmt;

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use serde_json::{Map, Number, Value};

use crate::output::json::{go_format_g, kubectl_int};

/// Why [`parse_manifests`] rejected its input, and where.
///
/// Displays on one line, e.g. `failed to parse 'app.yaml': document 2,
/// line 7, column 3: mapping values are not allowed in this context`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    source: String,
    document: usize,
    line: usize,
    column: usize,
    message: String,
}

// The commands print the whole message (Display); the parts are for tests
// and for callers that place the error themselves.
#[allow(dead_code)]
impl ManifestError {
    /// The source name given to [`parse_manifests`] (`-` for stdin).
    pub fn source_name(&self) -> &str {
        &self.source
    }

    /// The document the error is in, counting from 1, empty ones included.
    pub fn document(&self) -> usize {
        self.document
    }

    /// The line of the error in the whole input, counting from 1.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The column of the error, counting characters from 1.
    pub fn column(&self) -> usize {
        self.column
    }

    /// What went wrong, without the location.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.source == "-" {
            f.write_str("failed to parse stdin")?;
        } else {
            write!(f, "failed to parse '{}'", self.source)?;
        }
        write!(
            f,
            ": document {}, line {}, column {}: {}",
            self.document, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for ManifestError {}

/// Parses JSON or YAML manifests into one value per non-empty document.
///
/// `source_name` is only used in errors: a file path, or `-` for stdin.
/// Documents are returned as written; see [`flatten_lists`] for `kind: List`.
///
/// ```
/// use kapi_cli::manifest::parse_manifests;
///
/// let docs = parse_manifests("app.yaml", b"\
/// kind: ConfigMap
/// data: {debug: yes, port: \"80\"}
/// ---
/// kind: Secret
/// ")?;
/// assert_eq!(docs.len(), 2);
/// assert_eq!(docs[0]["data"]["debug"], true);
/// assert_eq!(docs[0]["data"]["port"], "80");
///
/// let err = parse_manifests("app.yaml", b"a: 1\n---\nb: c: d\n").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "failed to parse 'app.yaml': document 2, line 3, column 5: mapping values are not allowed in this context"
/// );
/// # Ok::<(), kapi_cli::manifest::ManifestError>(())
/// ```
pub fn parse_manifests(source_name: &str, bytes: &[u8]) -> Result<Vec<Value>, ManifestError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let error = |document, line, column, message: String| ManifestError {
        source: source_name.to_owned(),
        document,
        line,
        column,
        message,
    };
    // kubectl's YAMLOrJSONDecoder makes the same guess.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        return parse_json(bytes).map_err(|(d, l, c, m)| error(d, l, c, m));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            // Only the valid prefix is text; count its documents for the message.
            let document = count_documents(&String::from_utf8_lossy(valid));
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            let column = String::from_utf8_lossy(&valid[line_start..])
                .chars()
                .count()
                + 1;
            return Err(error(
                document.max(1),
                line,
                column,
                "invalid UTF-8".to_owned(),
            ));
        }
    };
    parse_yaml(text).map_err(|(d, l, c, m)| error(d, l, c, m))
}

/// Expands `List` documents (`kind: List`, `kind: PodList`, ... with an
/// `items` array) into their items, recursively, keeping the order.
///
/// As kubectl does, an item without `kind` and `apiVersion` gets them from
/// the list: `kind` without its `List` suffix, and the list's `apiVersion`.
///
/// ```
/// use kapi_cli::manifest::flatten_lists;
/// use serde_json::json;
///
/// let docs = vec![
///     json!({"kind": "List", "items": [{"kind": "Pod"}, {"kind": "Service"}]}),
///     json!({"kind": "Secret"}),
/// ];
/// let kinds: Vec<_> = flatten_lists(docs).into_iter().map(|d| d["kind"].clone()).collect();
/// assert_eq!(kinds, ["Pod", "Service", "Secret"]);
/// ```
pub fn flatten_lists(docs: Vec<Value>) -> Vec<Value> {
    let mut out = Vec::with_capacity(docs.len());
    // A stack instead of recursion; reversed so items keep their order.
    let mut todo: Vec<Value> = docs.into_iter().rev().collect();
    while let Some(doc) = todo.pop() {
        let list_kind = match (&doc["kind"], &doc["items"]) {
            (Value::String(kind), Value::Array(_)) if kind.ends_with("List") => kind.clone(),
            _ => {
                out.push(doc);
                continue;
            }
        };
        let Value::Object(mut list) = doc else {
            continue;
        };
        let api_version = list.get("apiVersion").cloned();
        let Some(Value::Array(items)) = list.remove("items") else {
            continue;
        };
        let item_kind = list_kind.trim_end_matches("List");
        for mut item in items.into_iter().rev() {
            if let Value::Object(obj) = &mut item {
                if !obj.contains_key("kind") && !obj.contains_key("apiVersion") {
                    if !item_kind.is_empty() {
                        obj.insert("kind".to_owned(), Value::String(item_kind.to_owned()));
                    }
                    if let Some(v) = &api_version {
                        obj.insert("apiVersion".to_owned(), v.clone());
                    }
                }
            }
            todo.push(item);
        }
    }
    out
}

/// How go-yaml v2 reads an untagged plain scalar (`resolve` in resolve.go).
///
/// Shared with the YAML printer, which quotes every string that would not
/// read back as a string: printing and parsing agree by construction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Resolved {
    Str,
    Null,
    Bool(bool),
    Int(i64),
    /// An integer above `i64::MAX`.
    Uint(u64),
    Float(f64),
    /// A YAML 1.1 timestamp: read as a string, but quoted when printed.
    Timestamp,
}

/// go-yaml v2's `resolve("", s)`.
pub(crate) fn resolve_plain(s: &str) -> Resolved {
    let hint = match s.as_bytes().first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => return Resolved::Str,
    };
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Resolved::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Resolved::Bool(false);
        }
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        _ => {}
    }
    match hint {
        // Go's ParseFloat, which takes `_` between digits.
        b'.' if underscores_ok(s) => {
            parse_float(&s.replace('_', "")).map_or(Resolved::Str, Resolved::Float)
        }
        b'D' | b'S' => {
            if is_timestamp(s) {
                return Resolved::Timestamp;
            }
            let plain = s.replace('_', "");
            if let Some(i) = go_parse_int(&plain) {
                Resolved::Int(i)
            } else if let Some(u) = go_parse_uint(&plain) {
                Resolved::Uint(u)
            } else {
                parse_float(&plain).map_or(Resolved::Str, Resolved::Float)
            }
        }
        _ => Resolved::Str,
    }
}

/// Nesting depth at which parsing stops, serde_json's recursion limit.
const MAX_DEPTH: usize = 128;
/// Nodes aliases may add beyond the nodes the input spells out.
const ALIAS_ALLOWANCE: usize = 100_000;

/// An error before it learns its source name: document, line, column, message.
type RawError = (usize, usize, usize, String);

fn parse_json(bytes: &[u8]) -> Result<Vec<Value>, RawError> {
    let mut docs = Vec::new();
    let stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
    for (i, doc) in stream.enumerate() {
        match doc {
            Ok(mut v) => {
                whole_floats_to_ints(&mut v);
                if !v.is_null() {
                    docs.push(v);
                }
            }
            Err(e) => {
                // serde_json appends " at line L column C"; we print our own.
                let text = e.to_string();
                let message = text
                    .rfind(" at line ")
                    .map_or(text.as_str(), |p| &text[..p]);
                return Err((
                    i + 1,
                    e.line().max(1),
                    e.column().max(1),
                    message.to_owned(),
                ));
            }
        }
    }
    Ok(docs)
}

fn parse_yaml(text: &str) -> Result<Vec<Value>, RawError> {
    let mut docs = Vec::new();
    let mut builder = Builder::default();
    let mut document = 0;
    let mut in_document = false;
    // The parser's iterator is a state machine; Parser::load would recurse
    // once per nesting level.
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            let doc = if in_document { document } else { document + 1 };
            (
                doc,
                e.marker().line(),
                e.marker().col() + 1,
                e.info().to_owned(),
            )
        })?;
        let at = |message: String| (document, span.start.line(), span.start.col() + 1, message);
        match event {
            Event::DocumentStart(_) => {
                document += 1;
                in_document = true;
                builder = Builder {
                    parsed_nodes: builder.parsed_nodes,
                    alias_nodes: builder.alias_nodes,
                    ..Builder::default()
                };
            }
            Event::DocumentEnd => {
                in_document = false;
                if let Some(v) = builder.root.take() {
                    if !v.is_null() {
                        docs.push(v);
                    }
                }
            }
            event => builder.event(event).map_err(at)?,
        }
    }
    Ok(docs)
}

fn count_documents(text: &str) -> usize {
    Parser::new_from_str(text)
        .map_while(Result::ok)
        .filter(|(e, _)| matches!(e, Event::DocumentStart(_)))
        .count()
}

/// Builds one document's value from parser events, without recursion.
#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<Value>,
    /// Anchor id → (value, number of nodes in it).
    anchors: BTreeMap<usize, (Value, usize)>,
    parsed_nodes: usize,
    alias_nodes: usize,
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
    },
}

enum Key {
    Name(String),
    /// `<<`: the value's entries merge into the mapping.
    Merge,
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
                    self.set_key(key);
                    Ok(())
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
                    self.set_key(Key::Name(key));
                    Ok(())
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

    fn set_key(&mut self, new: Key) {
        if let Some(Frame::Mapping { key, .. }) = self.stack.last_mut() {
            *key = Some(new);
        }
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
                map, key, nodes, ..
            }) => {
                *nodes += n;
                match key.take() {
                    Some(Key::Name(k)) => {
                        map.insert(k, v);
                    }
                    Some(Key::Merge) => merge(map, v)?,
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
fn merge(map: &mut Map<String, Value>, v: Value) -> Result<(), String> {
    const WANT_MAP: &str = "map merge requires map or sequence of maps as the value";
    match v {
        Value::Object(source) => map.extend(source),
        Value::Array(sources) => {
            if !sources.iter().all(Value::is_object) {
                return Err(WANT_MAP.to_owned());
            }
            for source in sources.into_iter().rev() {
                if let Value::Object(source) = source {
                    map.extend(source);
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
        Resolved::Float(f) => match go_format_g(f, true).as_str() {
            "+Inf" => ".inf".to_owned(),
            "-Inf" => "-.inf".to_owned(),
            "NaN" => ".nan".to_owned(),
            s => s.to_owned(),
        },
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
        Value::Number(n) if n.is_f64() => Ok(go_format_g(n.as_f64().unwrap_or(0.0), true)),
        Value::Null => Err("unsupported mapping key: null; quote the key".to_owned()),
        Value::Number(n) => Err(format!(
            "unsupported mapping key: {n} is out of range; quote the key"
        )),
        Value::Array(_) | Value::Object(_) => {
            Err("unsupported mapping key: a mapping or sequence cannot be a key".to_owned())
        }
    }
}

/// Whole floats in parsed JSON become integers, as in YAML input, except
/// `-0.0`: kubectl keeps a JSON float with a fraction as a float, and only
/// negative zero prints differently from the integer (`-0`).
fn whole_floats_to_ints(v: &mut Value) {
    let mut todo = vec![v];
    while let Some(v) = todo.pop() {
        match v {
            Value::Number(n) => {
                let float = n
                    .as_f64()
                    .filter(|f| n.is_f64() && !(*f == 0.0 && f.is_sign_negative()));
                if let Some(i) = float.and_then(kubectl_int) {
                    *v = Value::from(i);
                }
            }
            Value::Array(items) => todo.extend(items.iter_mut()),
            Value::Object(map) => todo.extend(map.values_mut()),
            _ => {}
        }
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)`: `0x`, `0o`, `0b` and a bare leading
/// `0` (octal) select the base. Underscores were removed by the caller.
fn go_parse_uint(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let (base, digits): (u64, &[u8]) = match b {
        [] => return None,
        [b'0', p, rest @ ..] if !rest.is_empty() && p.eq_ignore_ascii_case(&b'x') => (16, rest),
        [b'0', p, rest @ ..] if !rest.is_empty() && p.eq_ignore_ascii_case(&b'o') => (8, rest),
        [b'0', p, rest @ ..] if !rest.is_empty() && p.eq_ignore_ascii_case(&b'b') => (2, rest),
        [b'0', rest @ ..] => (8, rest),
        _ => (10, b),
    };
    let mut n: u64 = 0;
    for &c in digits {
        let d = u64::from(match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'z' => c - b'a' + 10,
            b'A'..=b'Z' => c - b'A' + 10,
            _ => return None,
        });
        if d >= base {
            return None;
        }
        n = n.checked_mul(base)?.checked_add(d)?;
    }
    Some(n)
}

/// Go's `strconv.ParseInt(s, 0, 64)`: an optional sign, then as ParseUint.
fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let u = go_parse_uint(rest)?;
    if neg {
        0i64.checked_sub_unsigned(u)
    } else {
        i64::try_from(u).ok()
    }
}

/// go-yaml's float syntax, `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`,
/// parsed; overflow to infinity is not a float for Go's ParseFloat.
fn parse_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let digits = |mut i: usize| {
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i, i > start)
    };
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    if b.get(i) == Some(&b'.') {
        let (j, any) = digits(i + 1);
        if !any {
            return None;
        }
        i = j;
    } else {
        let (j, any) = digits(i);
        if !any {
            return None;
        }
        i = j;
        if b.get(i) == Some(&b'.') {
            i = digits(i + 1).0;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let (j, any) = digits(i);
        if !any {
            return None;
        }
        i = j;
    }
    if i != b.len() {
        return None;
    }
    // serde_json parses the number (JSON spells it without `+`, a bare `.`
    // or leading zeros), so YAML floats are exactly as precise as JSON ones
    // and core's float parser (about 20 KB) stays out of the binary.
    let (sign, rest) = match b.first() {
        Some(b'-') => ("-", &s[1..]),
        Some(b'+') => ("", &s[1..]),
        _ => ("", s),
    };
    let (int, rest) = rest.split_at(
        rest.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len()),
    );
    let int = int.trim_start_matches('0');
    let (frac, exp) = match rest.strip_prefix('.') {
        Some(r) => r.split_at(r.find(['e', 'E']).unwrap_or(r.len())),
        None => ("", rest),
    };
    let json = format!(
        "{sign}{}.{}{exp}",
        if int.is_empty() { "0" } else { int },
        if frac.is_empty() { "0" } else { frac }
    );
    serde_json::from_str::<f64>(&json)
        .ok()
        .filter(|f| f.is_finite())
}

/// Go's `underscoreOK` for decimal text: each `_` sits between two digits.
fn underscores_ok(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().all(|(i, &c)| {
        c != b'_'
            || (i > 0 && b[i - 1].is_ascii_digit() && b.get(i + 1).is_some_and(u8::is_ascii_digit))
    })
}

/// Whether go-yaml v2 reads `s` as a timestamp: Go's `time.Parse` with
/// `2006-1-2T15:4:5.999999999Z07:00` (or a lower-case `t`),
/// `2006-1-2 15:4:5.999999999` or `2006-1-2`, ranges checked.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    // go-yaml's quick check: exactly four digits, then '-'.
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let year = b[..4]
        .iter()
        .fold(0u32, |y, d| y * 10 + u32::from(d - b'0'));
    let mut rest = &b[5..];
    let (Some(month), true) = (num12(&mut rest), eat(&mut rest, b'-')) else {
        return false;
    };
    let Some(day) = num12(&mut rest) else {
        return false;
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in(month, year) {
        return false;
    }
    match rest.first() {
        None => true,
        Some(b'T' | b't') => {
            rest = &rest[1..];
            clock(&mut rest) && zone(rest)
        }
        Some(b' ') => {
            // A space in a Go layout matches one or more spaces.
            while rest.first() == Some(&b' ') {
                rest = &rest[1..];
            }
            clock(&mut rest) && rest.is_empty()
        }
        Some(_) => false,
    }
}

/// Go's `getnum(s, false)`: one or two digits.
fn num12(s: &mut &[u8]) -> Option<u32> {
    let d = |i: usize| {
        s.get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|c| u32::from(c - b'0'))
    };
    let first = d(0)?;
    let (n, len) = match d(1) {
        Some(second) => (first * 10 + second, 2),
        None => (first, 1),
    };
    *s = &s[len..];
    Some(n)
}

fn eat(s: &mut &[u8], c: u8) -> bool {
    if s.first() == Some(&c) {
        *s = &s[1..];
        true
    } else {
        false
    }
}

/// `15:4:5.999999999`: hour, minute, second, optional `.` or `,` fraction.
fn clock(s: &mut &[u8]) -> bool {
    let Some(hour) = num12(s) else { return false };
    if !eat(s, b':') {
        return false;
    }
    let Some(minute) = num12(s) else { return false };
    if !eat(s, b':') {
        return false;
    }
    let Some(second) = num12(s) else { return false };
    if hour >= 24 || minute >= 60 || second >= 60 {
        return false;
    }
    if matches!(s.first(), Some(b'.' | b',')) && s.get(1).is_some_and(u8::is_ascii_digit) {
        *s = &s[1..];
        while s.first().is_some_and(u8::is_ascii_digit) {
            *s = &s[1..];
        }
    }
    true
}

/// `Z07:00`: `Z`, or `±hh:mm` with hours up to 24 and minutes up to 60.
fn zone(s: &[u8]) -> bool {
    match s {
        [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            let two = |a: &u8, b: &u8| {
                (a.is_ascii_digit() && b.is_ascii_digit()).then(|| (a - b'0') * 10 + (b - b'0'))
            };
            matches!((two(h1, h2), two(m1, m2)), (Some(h), Some(m)) if h <= 24 && m <= 60)
        }
        _ => false,
    }
}

fn days_in(month: u32, year: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(text: &str) -> Vec<Value> {
        parse_manifests("test.yaml", text.as_bytes()).unwrap()
    }

    fn parse_err(text: &str) -> String {
        parse_manifests("test.yaml", text.as_bytes())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn splits_documents_and_skips_empty_ones() {
        let docs = parse("---\n# nothing\n---\na: 1\n---\n---\nnull\n---\nb: 2\n...\n");
        assert_eq!(docs, [json!({"a": 1}), json!({"b": 2})]);
        assert!(parse("").is_empty());
        assert!(parse("# only a comment\n").is_empty());
    }

    #[test]
    fn resolves_scalars_like_go_yaml_v2() {
        let docs = parse(
            "\
b1: y
b2: Yes
b3: ON
b4: off
b5: n
tilde: ~
empty:
octal: 0755
o: 0o17
hex: 0x1F
bin: 0b101
under: 1_000
big: 18446744073709551615
float: 1.5
dotfloat: .5_0
whole: 1e3
eight: 08
neg: -0x10
plus: +12
date: 2024-01-15
quoted: \"yes\"
single: '1'
block: |
  text
ver: 1.2.3
",
        );
        assert_eq!(
            docs[0],
            json!({
                "b1": true, "b2": true, "b3": true, "b4": false, "b5": false,
                "tilde": null, "empty": null, "octal": 493, "o": 15, "hex": 31, "bin": 5,
                "under": 1000, "big": 18446744073709551615u64, "float": 1.5, "dotfloat": 0.5,
                "whole": 1000, "eight": 8, "neg": -16, "plus": 12, "date": "2024-01-15",
                "quoted": "yes", "single": "1", "block": "text\n", "ver": "1.2.3",
            })
        );
        // YAML 1.1 booleans are keys too: `on:` and `y:` both mean "true".
        assert_eq!(parse("on: 1\ny: 2\n")[0], json!({"true": 2}));
    }

    #[test]
    fn converts_keys_like_sigs_k8s_io_yaml() {
        let docs = parse("1.5: a\n1e7: b\ntrue: c\n12: d\n0x10: e\n");
        assert_eq!(
            docs[0],
            json!({"1.5": "a", "1e+07": "b", "true": "c", "12": "d", "16": "e"})
        );
        assert!(parse_err("~: a\n")
            .ends_with("line 1, column 1: unsupported mapping key: null; quote the key"));
        assert!(parse_err("? [a]\n: b\n").contains("a mapping or sequence cannot be a key"));
    }

    #[test]
    fn applies_tags() {
        let docs =
            parse("a: !!str 12\nb: !!int \"12\"\nc: !!float 1\nd: !custom 12\ne: !!bool \"on\"\n");
        assert_eq!(
            docs[0],
            json!({"a": "12", "b": 12, "c": 1, "d": "12", "e": true})
        );
        assert!(parse_err("a: !!int foo\n").ends_with("cannot decode !!str `foo` as a !!int"));
        assert!(parse_err("a: !!binary aGk=\n").contains("!!binary values are not supported"));
    }

    #[test]
    fn resolves_aliases_and_merge_keys() {
        let docs = parse(
            "\
base: &base {a: 1, b: 2}
list: &l [x, z]
copy: *l
m1:
  <<: *base
  b: 3
m2:
  b: 3
  <<: *base
m3:
  <<: [{a: 1}, {a: 2, c: 3}]
",
        );
        assert_eq!(docs[0]["copy"], json!(["x", "z"]));
        assert_eq!(docs[0]["m1"], json!({"a": 1, "b": 3}));
        // go-yaml v2 applies the merge where it stands: it overwrites `b`.
        assert_eq!(docs[0]["m2"], json!({"a": 1, "b": 2}));
        assert_eq!(docs[0]["m3"], json!({"a": 1, "c": 3}));
        assert!(parse_err("a: &a [*a]\n").contains("still open"));
        assert!(parse_err("a: 1\n<<: 2\n").contains("map merge requires map"));
    }

    #[test]
    fn reports_document_line_and_column() {
        let err = parse_manifests("app.yaml", b"a: 1\n---\nb: 2\nc: d: e\n").unwrap_err();
        assert_eq!((err.document(), err.line(), err.column()), (2, 4, 5));
        assert_eq!(
            err.to_string(),
            "failed to parse 'app.yaml': document 2, line 4, column 5: mapping values are not allowed in this context"
        );
        let err = parse_manifests("-", b"a: .inf\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "failed to parse stdin: document 1, line 1, column 4: `.inf` cannot be represented in JSON"
        );
        let err = parse_manifests("bad.yaml", b"a: 1\n---\nb: \xff\n").unwrap_err();
        assert_eq!((err.document(), err.line(), err.column()), (2, 3, 4));
        assert_eq!(err.message(), "invalid UTF-8");
    }

    #[test]
    fn reads_json_streams() {
        let docs = parse_manifests(
            "x.json",
            b" {\"a\": 1.0, \"b\": [2.5]}\n{\"c\": null}\nnull",
        )
        .unwrap();
        assert_eq!(docs, [json!({"a": 1, "b": [2.5]}), json!({"c": null})]);
        let err = parse_manifests("x.json", b"{\"a\": 1}\n{\"b\": }").unwrap_err();
        assert_eq!(
            err.to_string(),
            "failed to parse 'x.json': document 2, line 2, column 7: expected value"
        );
    }

    #[test]
    fn refuses_deep_nesting_and_alias_bombs() {
        let deep: String = (0..200).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        assert!(parse_err(&deep)
            .ends_with("line 129, column 129: nesting deeper than 128 levels is not supported"));
        // Flow nesting also stops in saphyr's scanner, at 255 levels.
        assert!(parse_manifests("x.yaml", "[".repeat(100_000).as_bytes()).is_err());
        let deep_json = format!("{{\"a\":{}", "[".repeat(100_000));
        assert!(parse_manifests("x.json", deep_json.as_bytes()).is_err());
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..9 {
            let prev = if i == 0 {
                "a".to_owned()
            } else {
                format!("a{}", i - 1)
            };
            bomb.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                vec![format!("*{prev}"); 10].join(", ")
            ));
        }
        assert!(parse_err(&bomb).contains("aliases expand to too many nodes"));
    }

    #[test]
    fn never_panics_on_mangled_input() {
        let seed = "a: &x {b: [1, 'c', \"d\\n\"], <<: *x}\n---\n- !!int 3\n- ? k\n  : |\n    v\n{\"j\": [1e5]}";
        let bytes = seed.as_bytes();
        // Every truncation and a sweep of single-byte replacements.
        for end in 0..=bytes.len() {
            let _ = parse_manifests("fuzz", &bytes[..end]);
        }
        for i in 0..bytes.len() {
            for b in [
                b'\0', b'\t', b'\n', b' ', b'"', b'\'', b'[', b'{', b':', b'-', b'&', b'*', b'!',
                b'|', 0xff,
            ] {
                let mut m = bytes.to_vec();
                m[i] = b;
                let _ = parse_manifests("fuzz", &m);
            }
        }
    }

    #[test]
    fn flattens_lists() {
        let docs = vec![
            json!({"apiVersion": "v1", "kind": "List", "items": [
                {"kind": "Pod", "metadata": {"name": "a"}},
                {"apiVersion": "v1", "kind": "ConfigMapList", "items": [{"metadata": {"name": "b"}}]},
            ]}),
            json!({"kind": "Secret", "items": "not a list"}),
        ];
        assert_eq!(
            flatten_lists(docs),
            [
                json!({"kind": "Pod", "metadata": {"name": "a"}}),
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}),
                json!({"kind": "Secret", "items": "not a list"}),
            ]
        );
    }

    #[test]
    fn recognises_timestamps_as_go_time_parse_does() {
        for s in [
            "2024-01-15",
            "2024-1-5",
            "2024-02-29",
            "2001-12-14t21:59:43.10Z",
            "2001-12-14 21:59:43.10",
            "2024-01-15T10:00:00+24:00",
        ] {
            assert!(is_timestamp(s), "{s}");
        }
        for s in [
            "2024-13-01",
            "2023-02-29",
            "2024-01-15T24:00:00Z",
            "2024-01-15T10:00:00",
            "24-01-15",
            "2024-01-15x",
        ] {
            assert!(!is_timestamp(s), "{s}");
        }
    }

    /// Golden files: `NAME.input.yaml` read by kubectl v1.32 and printed as
    /// `NAME.kubectl.json`, one object after another.
    macro_rules! golden {
        ($($name:ident),* $(,)?) => {$(
            #[test]
            fn $name() {
                let input = include_str!(concat!(
                    "../tests/golden/printers/", stringify!($name), ".input.yaml"
                ));
                let want = include_str!(concat!(
                    "../tests/golden/printers/", stringify!($name), ".kubectl.json"
                ));
                let mut got = Vec::new();
                for doc in flatten_lists(parse_manifests(stringify!($name), input.as_bytes()).unwrap()) {
                    crate::output::json::write_json(&mut got, &doc).unwrap();
                }
                assert_eq!(String::from_utf8(got).unwrap(), want);
            }
        )*};
    }

    mod golden {
        use super::*;
        golden!(manifest_yaml11, manifest_multi);
    }
}
