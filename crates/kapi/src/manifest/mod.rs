//! Manifests as kubectl reads them: JSON or YAML, one or many documents.
//!
//! Prefer [`Documents`] for anything a user wrote: it reads from any
//! [`Read`](std::io::Read), one document at a time, so memory is bounded
//! by one document (at most [`MAX_DOCUMENT_BYTES`]), not by the input. Use
//! [`parse_manifests`] for text already in memory, and [`flatten_lists`]
//! when each object of a `List` should be handled on its own, as
//! `kubectl create -f` does.
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
//!   wins.
//! - A repeated mapping key (YAML or JSON) is handled as the apiserver's
//!   `fieldValidation` would: by default (`Strict`) an error naming the
//!   field (`strict decoding error: duplicate field "metadata.name"`), with
//!   `Warn` a warning and the last value, with `Ignore` the last value.
//!   kapi sends JSON, so the apiserver never sees the repeated key itself.
//! - Input must be UTF-8; the first byte that is not is an error naming its
//!   line, column and offset.
//!
//! Input whose first non-blank character is `{` is read as a stream of JSON
//! objects, as kubectl does. Empty and `null` documents are skipped. Nesting
//! stops at 128 levels (serde_json's limit), and aliases may add at most
//! 100,000 nodes beyond those written out, which stops "billion laughs".
//!
//! Known differences from kubectl, none of which a sane manifest meets:
//! - The syntax is YAML 1.2 (saphyr's): `[a, -, b]` is an error, and U+0085,
//!   U+2028 and U+2029 are ordinary characters rather than line breaks.
//! - Documents are split at lines starting with `---` and a blank (or
//!   nothing), as kubectl does, but `--- {a: 1}` is read as a document
//!   where kubectl rejects text after `---`. A `%YAML` directive line is
//!   not supported.
//! - An unsupported key or `.inf` is an error even inside a value that a
//!   repeated key later replaces; kubectl never looks at replaced values.
//!   Keys that are equal only as Go values (`-0.0` and `0.0`) stay apart.
//! - Lines count from the start of the input; kubectl counts per document.

mod documents;
mod json;
mod scalar;
mod yaml;

use std::fmt;

use serde_json::Value;

pub use documents::{Document, Documents};
pub use scalar::{resolve_plain, Resolved};

/// The largest document [`Documents`] reads, in bytes (a `kind: List`
/// counts as one document).
///
/// The apiserver refuses request bodies above 3 MiB (etcd's default
/// object limit is 1.5 MiB), so no object it accepts comes near this; the
/// cap only stops a runaway input (a binary file, a generated manifest
/// without `---`) from being held in memory whole. It leaves room for a
/// `List` of many objects and for YAML's verbosity next to JSON.
pub const MAX_DOCUMENT_BYTES: usize = 16 << 20;
/// Why [`Documents`] or [`parse_manifests`] rejected its input, and where.
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
    yaml_syntax: bool,
}

impl ManifestError {
    /// The source name given to [`Documents::new`] (`-` for stdin).
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

    /// The input is not YAML (a syntax error, not a value kubectl would
    /// refuse): what kubectl reports as `error converting YAML to JSON:
    /// yaml: …`.
    pub fn is_yaml_syntax(&self) -> bool {
        self.yaml_syntax
    }

    /// A repeated mapping key under strict field validation: the fix is to
    /// remove one, or to validate with `Warn` or `Ignore`.
    pub fn is_duplicate_field(&self) -> bool {
        self.message
            .starts_with("strict decoding error: duplicate field")
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

/// Parses JSON or YAML manifests into one value per non-empty document,
/// with strict field validation (a repeated key is an error).
///
/// `source_name` is only used in errors: a file path, or `-` for stdin.
/// Documents are returned as written; see [`flatten_lists`] for `kind: List`.
/// For input that is not in memory yet, use [`Documents`].
///
/// ```
/// use kapi::manifest::parse_manifests;
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
/// # Ok::<(), kapi::manifest::ManifestError>(())
/// ```
pub fn parse_manifests(source_name: &str, bytes: &[u8]) -> Result<Vec<Value>, ManifestError> {
    Documents::new(source_name, bytes)
        .map(|doc| doc.map(Document::into_value))
        .collect()
}

/// Expands `List` documents (`kind: List`, `kind: PodList`, ... with an
/// `items` array) into their items, recursively, keeping the order.
///
/// As kubectl does, an item without `kind` and `apiVersion` gets them from
/// the list: `kind` without its `List` suffix, and the list's `apiVersion`.
///
/// ```
/// use kapi::manifest::flatten_lists;
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

/// `duplicate field "spec.ports[0].name"`: sigs.k8s.io/json's wording,
/// which the apiserver puts after `strict decoding error: `.
fn duplicate_field(path: &str) -> String {
    format!("duplicate field {path:?}")
}

/// A document read, before it is handed out.
#[derive(Debug)]
struct Parsed {
    value: Value,
    number: usize,
    warnings: Vec<String>,
}

/// An error before it learns its source name: document, line, column, message.
type RawError = (usize, usize, usize, String);

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

    // saphyr-parser 0.3.4 rejected these with `invalid indentation`; fixed
    // by the patch in vendor/saphyr-parser (PATCH.md). filebeat's manifest
    // has the first.
    #[test]
    fn closing_bracket_at_key_column_after_quoted_item() {
        let docs = parse(
            "\
spec:
  args: [
    \"-c\", \"/etc/filebeat.yml\",
    \"-e\",
  ]
command: [
  \"sh\", \"-c\"
]
",
        );
        assert_eq!(
            docs,
            [json!({"spec": {"args": ["-c", "/etc/filebeat.yml", "-e"]}, "command": ["sh", "-c"]})]
        );
    }

    #[test]
    fn closing_bracket_at_key_column_right_after_opening() {
        let docs = parse("binaryData: {\n}\na:\n  b: [\n  ]\n  c: {\n    \"k\": \"v\"\n  }\n");
        assert_eq!(
            docs,
            [json!({"binaryData": {}, "a": {"b": [], "c": {"k": "v"}}})]
        );
    }

    #[test]
    fn plain_item_at_key_column_in_flow_is_still_an_error() {
        // As the YAML test suite's 9C9N: the scalar keeps its own check.
        assert!(parse_err("flow: [a,\nb,\nc]\n").contains("invalid indentation in flow construct"));
    }

    #[test]
    fn yaml_syntax_errors_are_told_apart_from_values_kubectl_refuses() {
        let err = |text: &str| parse_manifests("x.yaml", text.as_bytes()).unwrap_err();
        assert!(err("a: {b: c\n").is_yaml_syntax());
        assert!(err("a: 1\n---\nb: c: d\n").is_yaml_syntax());
        assert!(!err("a: .inf\n").is_yaml_syntax());
        assert!(!err("a: 1\na: 2\n").is_yaml_syntax());
        assert!(!err("{\"a\": }").is_yaml_syntax());
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
        // YAML 1.1 booleans are keys too: `on:` and `y:` both mean "true",
        // so they are the same key twice.
        assert!(parse_err("on: 1\ny: 2\n").ends_with("duplicate field \"true\""));
        let doc = Documents::new("x", &b"on: 1\ny: 2\n"[..])
            .field_validation(FieldValidation::Ignore)
            .next();
        assert_eq!(doc.unwrap().unwrap().into_value(), json!({"true": 2}));
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
        assert!(err.message().starts_with(
            "the input is not UTF-8 text (byte 0xff at line 3, column 4, byte offset 12)"
        ));
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

    use crate::FieldValidation;
    use std::io::{self, Read};

    /// Serves `text`, then fails the test if read again: what a caller
    /// gets before that was read without looking further.
    struct ThenPanic(io::Cursor<Vec<u8>>);

    impl Read for ThenPanic {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.read(buf)?;
            assert!(n > 0, "read past what the first document needed");
            Ok(n)
        }
    }

    #[test]
    fn yields_the_first_document_before_the_input_ends() {
        let input = ThenPanic(io::Cursor::new(
            b"kind: A\n---\nkind: B\n---\nkind: C\n".to_vec(),
        ));
        let mut docs = Documents::new("stream.yaml", input);
        let first = docs.next().unwrap().unwrap();
        assert_eq!(first.value()["kind"], "A");
        assert_eq!(first.number(), 1);
        let second = docs.next().unwrap().unwrap();
        assert_eq!(second.value()["kind"], "B");
    }

    #[test]
    fn yields_json_documents_before_the_input_ends() {
        let input = ThenPanic(io::Cursor::new(
            b"{\"kind\": \"A\"}\n{\"kind\": \"B\"}\n".to_vec(),
        ));
        let mut docs = Documents::new("stream.json", input);
        assert_eq!(docs.next().unwrap().unwrap().value()["kind"], "A");
        assert_eq!(docs.next().unwrap().unwrap().value()["kind"], "B");
    }

    #[test]
    fn documents_before_a_syntax_error_are_yielded() {
        let mut docs = Documents::new("x.yaml", &b"a: 1\n---\nb: c: d\n---\nc: 3\n"[..]);
        assert_eq!(docs.next().unwrap().unwrap().into_value(), json!({"a": 1}));
        let err = docs.next().unwrap().unwrap_err();
        assert_eq!((err.document(), err.line()), (2, 3));
        assert!(docs.next().is_none());
    }

    /// Never ends: `/dev/urandom`, or a generated manifest gone wrong.
    struct Endless(u8);

    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            buf.fill(self.0);
            Ok(buf.len())
        }
    }

    #[test]
    fn refuses_a_document_larger_than_the_cap() {
        let mut docs = Documents::new(
            "big.yaml",
            io::Cursor::new(b"a: 1\n---\n".to_vec()).chain(Endless(b'x')),
        );
        assert!(docs.next().unwrap().is_ok());
        let err = docs.next().unwrap().unwrap_err();
        assert_eq!((err.document(), err.line()), (2, 2));
        assert!(
            err.message()
                .starts_with("document 2 is larger than 16 MiB"),
            "{err}"
        );
        let mut docs = Documents::new(
            "big.json",
            io::Cursor::new(b"{\"a\": \"".to_vec()).chain(Endless(b'x')),
        );
        let err = docs.next().unwrap().unwrap_err();
        assert!(
            err.message()
                .starts_with("document 1 is larger than 16 MiB"),
            "{err}"
        );
    }

    #[test]
    fn refuses_non_utf8_at_the_first_bad_byte() {
        let err = Documents::new(
            "/dev/urandom",
            io::Cursor::new(b"ab\x8f".to_vec()).chain(Endless(0xff)),
        )
        .next()
        .unwrap()
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "failed to parse '/dev/urandom': document 1, line 1, column 3: the input is not UTF-8 text \
             (byte 0x8f at line 1, column 3, byte offset 2); manifests must be UTF-8 JSON or YAML"
        );
        // A character split across reads is fine; one cut off at the end is not.
        let split = io::Cursor::new("a: \u{e9}".as_bytes()[..4].to_vec())
            .chain(io::Cursor::new("a: \u{e9}\n".as_bytes()[4..].to_vec()));
        assert_eq!(
            Documents::new("x", split)
                .next()
                .unwrap()
                .unwrap()
                .into_value(),
            json!({"a": "\u{e9}"})
        );
        let cut = parse_manifests("x", &"a: \u{e9}".as_bytes()[..4]).unwrap_err();
        assert!(cut.message().contains("not UTF-8"), "{cut}");
    }

    #[test]
    fn a_list_is_one_document() {
        let docs: Vec<_> = Documents::new(
            "l.yaml",
            &b"kind: List\nitems: [{kind: A}, {kind: B}]\n---\nkind: C\n"[..],
        )
        .map(|d| d.unwrap().number())
        .collect();
        assert_eq!(docs, [1, 2]);
    }

    fn with(validation: FieldValidation, text: &str) -> Result<Document, ManifestError> {
        Documents::new("dup.yaml", text.as_bytes())
            .field_validation(validation)
            .next()
            .unwrap()
    }

    #[test]
    fn duplicate_keys_are_strict_decoding_errors_by_default() {
        let text = "metadata:\n  name: a\nspec:\n  ports:\n  - port: 1\n    port: 2\n";
        let err = with(FieldValidation::Strict, text).unwrap_err();
        assert!(err.is_duplicate_field());
        assert_eq!(
            err.to_string(),
            "failed to parse 'dup.yaml': document 1, line 6, column 5: strict decoding error: duplicate field \"spec.ports[0].port\""
        );
        let err = parse_manifests(
            "dup.json",
            b"{\"metadata\": {\"name\": \"a\",\n \"name\": \"b\"}}",
        )
        .unwrap_err();
        assert!(err.is_duplicate_field());
        assert_eq!(err.line(), 2);
        assert!(
            err.to_string()
                .ends_with("strict decoding error: duplicate field \"metadata.name\""),
            "{err}"
        );
    }

    #[test]
    fn duplicate_keys_warn_or_pass_and_the_last_wins() {
        let text = "a: 1\nb: {c: 1, c: 2}\na: 3\n";
        let doc = with(FieldValidation::Warn, text).unwrap();
        assert_eq!(doc.value(), &json!({"a": 3, "b": {"c": 2}}));
        assert_eq!(
            doc.warnings(),
            ["duplicate field \"b.c\"", "duplicate field \"a\""]
        );
        let doc = with(FieldValidation::Ignore, text).unwrap();
        assert_eq!(doc.value(), &json!({"a": 3, "b": {"c": 2}}));
        assert!(doc.warnings().is_empty());
        let doc = Documents::new("d.json", &b"{\"a\": [{\"b\": 1, \"b\": 2}]}"[..])
            .field_validation(FieldValidation::Warn)
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(doc.warnings(), ["duplicate field \"a[0].b\""]);
    }

    #[test]
    fn keys_over_merged_keys_are_not_duplicates() {
        let docs = parse("base: &b {a: 1}\nm:\n  <<: *b\n  a: 2\n");
        assert_eq!(docs[0]["m"], json!({"a": 2}));
    }
}
